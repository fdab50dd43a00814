"""A warm pool of Chromium pages that run p5.js sketch after sketch without navigating.

One browser, a few pages, driven by async Playwright on a private event-loop thread, so callers from any
thread (app users, eval batches) can share it. A page is reloaded (a fresh document) after any sketch the
harness cannot fully undo: a timeout, an error, WEBGL, or code that uses promises, network or DOM APIs.
"""
from __future__ import annotations

import asyncio
import atexit
import base64
import itertools
import json
import logging
import re
import threading
import time
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any

from .result import DrawCall, RenderResult
from .server import StaticServer

log = logging.getLogger(__name__)

__all__ = ["PoolConfig", "RenderPool", "get_pool", "is_risky"]

# Code that starts work the harness cannot cancel or undo exactly: run it, then give the page a fresh document.
_RISKY = re.compile(
    r"\b(fetch|Promise|async|await|then|XMLHttpRequest|WebSocket|EventSource|RTCPeerConnection|Worker|"
    r"SharedWorker|navigator|import|eval|Function|document|location|localStorage|sessionStorage|indexedDB|"
    r"cookie|history|open|postMessage|WEBGL|load(?!Pixels\b)[A-Z]\w*|http(Get|Post|Do)|create(Video|Audio|"
    r"Capture|Img|FileInput|Element|Div|P|Span|Button|Slider|Input|Select|Radio|Checkbox|ColorPicker|A)|"
    r"save\w*|select(All)?|requestPointerLock|fullscreen)\b"
)
HARNESS_HOST = "renderer.invalid"
_RUN_JS = "([code, id, opts]) => window.__h.run(code, id, opts)"
_LOST_PAGE = "The program navigated away from the page or closed it, which the renderer does not allow."
_SETTLE_MS = 40  # how long risky code may still report an asynchronous error after its first frame


def is_risky(code: str) -> bool:
    """True when the sketch may leave work behind that only a fresh document undoes."""
    return _RISKY.search(code) is not None


@dataclass
class PoolConfig:
    """Settings of the warm pool."""

    pages: int = 2  # more than 2 is slower on 2 cores
    chromium: str = "/usr/bin/chromium"
    viewport: tuple[int, int] = (800, 800)
    launch_timeout_s: float = 60.0
    reload_timeout_s: float = 20.0
    extra_args: list[str] = field(default_factory=list)


def _launch_args(server_port: int) -> list[str]:
    """Chromium flags: headless basics plus a browser-wide network block (only the harness server is reachable)."""
    return [
        "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-default-apps", "--disable-extensions",
        "--disable-domain-reliability", "--dns-prefetch-disable", "--mute-audio",
        # Every request goes to a proxy that cannot exist, loopback included, except the harness server.
        # Only the harness server (HARNESS_HOST at its port, mapped to 127.0.0.1) is reached directly.
        "--proxy-server=http://blocked.invalid:9",
        f"--proxy-bypass-list=<-loopback>;{HARNESS_HOST}:{server_port}",
        f"--host-resolver-rules=MAP {HARNESS_HOST} 127.0.0.1, MAP * ~NOTFOUND",
        "--force-webrtc-ip-handling-policy=disable_non_proxied_udp",
        "--webrtc-ip-handling-policy=disable_non_proxied_udp",
        # A runaway allocation crashes its page quickly instead of eating the shared machine's memory.
        "--js-flags=--max-old-space-size=1024",
    ]


class _Slot:
    """One page of the pool and its CDP session (attached before any sketch runs, so hangs can be stopped)."""

    def __init__(self, index: int, path: str) -> None:
        self.index = index
        self.path = path
        self.page: Any = None
        self.cdp: Any = None
        self.dirty = True
        self.broken = False  # the page must be replaced, not just reloaded
        self.generation = -1


class RenderPool:
    """Thread-safe warm pool of Chromium pages that render p5.js sketches."""

    def __init__(self, config: PoolConfig | None = None) -> None:
        self.config = config or PoolConfig()
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._server: StaticServer | None = None
        self._pw: Any = None
        self._browser: Any = None
        self._context: Any = None
        self._idle: asyncio.Queue | None = None
        self._svg_slot: _Slot | None = None
        self._svg_lock: asyncio.Lock | None = None
        self._restart_lock: asyncio.Lock | None = None
        self._generation = 0
        self._tasks: set[asyncio.Task] = set()
        self._ids = itertools.count(1)
        self._closed = False
        self.stats = {"renders": 0, "reloads": 0, "timeouts": 0, "restarts": 0}

    # ---- life cycle -------------------------------------------------------------------------------------------
    def start(self) -> "RenderPool":
        """Start the browser and pages (idempotent; called by the first render)."""
        with self._lock:
            if self._closed:
                raise RuntimeError("the render pool is closed")
            if self._loop is not None:
                return self
            self._server = StaticServer()
            loop = asyncio.new_event_loop()
            self._thread = threading.Thread(target=loop.run_forever, name="render-pool", daemon=True)
            self._thread.start()
            self._loop = loop
            try:
                self._call(self._astart(), timeout=self.config.launch_timeout_s + 30)
            except BaseException:
                self._loop = None
                loop.call_soon_threadsafe(loop.stop)
                self._server.close()
                raise
            log.info("render pool started: %d pages, chromium %s", self.config.pages, self._browser.version)
            return self

    def close(self) -> None:
        """Close the browser and stop the loop thread."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            loop = self._loop
            if loop is None:
                return
            try:
                asyncio.run_coroutine_threadsafe(self._aclose(), loop).result(timeout=15)
            except Exception as e:  # closing at interpreter exit must never raise
                log.debug("render pool close: %s", e)
            loop.call_soon_threadsafe(loop.stop)
            if self._thread is not None:
                self._thread.join(timeout=5)
            if self._server is not None:
                self._server.close()

    def _call(self, coro, timeout: float | None = None):
        assert self._loop is not None
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout=timeout)

    async def _astart(self) -> None:
        from playwright.async_api import async_playwright

        self._pw = await async_playwright().start()
        await self._launch()
        self._idle = asyncio.Queue()
        self._svg_lock = asyncio.Lock()
        self._restart_lock = asyncio.Lock()
        slots = [_Slot(i, "/harness.html") for i in range(self.config.pages)]
        await asyncio.gather(*(self._reload(s) for s in slots))
        for s in slots:
            self._idle.put_nowait(s)

    async def _launch(self) -> None:
        assert self._server is not None
        self._browser = await self._pw.chromium.launch(
            executable_path=self.config.chromium, headless=True,
            args=_launch_args(self._server.port) + list(self.config.extra_args),
            timeout=self.config.launch_timeout_s * 1000,
        )
        w, h = self.config.viewport
        self._context = await self._browser.new_context(
            viewport={"width": w, "height": h}, device_scale_factor=1, service_workers="block",
            accept_downloads=False,
        )

    async def _aclose(self) -> None:
        for task in list(self._tasks):  # reloads in flight would only fight the shutdown
            task.cancel()
        try:
            if self._browser is not None:
                await self._browser.close()
        finally:
            if self._pw is not None:
                await self._pw.stop()

    # ---- pages ------------------------------------------------------------------------------------------------
    async def _reload(self, slot: _Slot) -> None:
        """Give the slot a fresh document; replace the page, or the whole browser, when that fails."""
        assert self._server is not None
        url = f"http://{HARNESS_HOST}:{self._server.port}{slot.path}"
        for attempt in range(3):
            if self._closed:
                raise RuntimeError("the render pool is closed")
            try:
                if attempt == 2 or not self._browser.is_connected():
                    await self._restart_browser(self._generation)
                if (slot.page is None or slot.page.is_closed() or attempt > 0 or slot.broken
                        or slot.generation != self._generation):
                    await self._new_page(slot)
                await slot.page.goto(url, wait_until="load", timeout=self.config.reload_timeout_s * 1000)
                await slot.page.wait_for_function("window.__h !== undefined",
                                                  timeout=self.config.reload_timeout_s * 1000)
                slot.dirty = False
                self.stats["reloads"] += 1
                return
            except Exception as e:
                log.warning("render page %d: reload failed (%s), retrying", slot.index, e)
        raise RuntimeError("the renderer could not load its harness page")

    async def _new_page(self, slot: _Slot) -> None:
        if slot.page is not None and not slot.page.is_closed():
            try:
                await asyncio.wait_for(slot.page.close(), 10)  # closing also ends a page that still spins
            except Exception as e:
                log.warning("render page %d did not close cleanly: %s", slot.index, e)
        slot.broken = False
        slot.generation = self._generation
        slot.page = await self._context.new_page()
        slot.cdp = await self._context.new_cdp_session(slot.page)
        await slot.cdp.send("Runtime.enable")

    async def _restart_browser(self, seen_generation: int) -> None:
        """Relaunch Chromium, once per failure even when several pages notice it."""
        assert self._restart_lock is not None
        async with self._restart_lock:
            if self._generation != seen_generation:
                return  # another page restarted it already
            log.warning("render pool: restarting the browser")
            self.stats["restarts"] += 1
            try:
                await self._browser.close()
            except Exception:
                pass
            await self._launch()
            self._generation += 1

    async def _release(self, slot: _Slot) -> None:
        """Back to the idle queue, after a fresh document when the last sketch may have left traces."""
        try:
            if slot.dirty and not self._closed:
                await self._reload(slot)
        except Exception as e:
            log.error("render page %d could not be reloaded: %s", slot.index, e)
            slot.dirty = True
        finally:
            assert self._idle is not None
            self._idle.put_nowait(slot)

    # ---- rendering --------------------------------------------------------------------------------------------
    async def _run_in(self, slot: _Slot, code: str, timeout_s: float, opts: dict[str, Any]) -> RenderResult:
        sid = next(self._ids)
        t0 = time.perf_counter()
        try:
            out = await asyncio.wait_for(slot.page.evaluate(_RUN_JS, [code, sid, opts]), timeout_s)
        except asyncio.TimeoutError:
            ms = (time.perf_counter() - t0) * 1000
            slot.dirty = True
            self.stats["timeouts"] += 1
            try:
                # Stops a busy loop at once; the CDP session was attached before the sketch ran.
                await asyncio.wait_for(slot.cdp.send("Runtime.terminateExecution"), 2)
                # A termination that arrives just after the sketch finished would hit the next script (the
                # reloaded harness): spend it on a no-op.
                await asyncio.wait_for(slot.cdp.send("Runtime.evaluate", {"expression": "0"}), 2)
            except Exception as e:
                log.warning("terminateExecution failed (%s); the page will be replaced", e)
                slot.broken = True
            return RenderResult("timeout", error=f"The program did not finish its first frame within "
                                f"{timeout_s:g} s (an endless loop?).", ms=ms)
        except Exception as e:
            slot.dirty = True
            msg = str(e).splitlines()[0] if str(e) else type(e).__name__
            log.info("render page %d failed: %s", slot.index, msg)
            if "crash" in msg.lower():
                slot.broken = True
                msg = "The renderer crashed while running the program (out of memory?)."
            elif any(k in msg for k in ("navigat", "context was destroyed", "closed", "__h")):
                msg = _LOST_PAGE
            return RenderResult("error", error=msg, ms=(time.perf_counter() - t0) * 1000)
        out = json.loads(out)
        ms = (time.perf_counter() - t0) * 1000
        status = out.get("status", "error")
        png = None
        if out.get("png"):
            png = base64.b64decode(out["png"].split(",", 1)[1])
        if status == "error" or out.get("dirty"):
            # an interrupted sketch can leave p5's internal state half-changed; "dirty": the harness could not
            # undo everything (e.g. a non-configurable global)
            slot.dirty = True
        return RenderResult(
            status=status, lang="p5", error=out.get("error"), line=out.get("line"), png=png,
            width=int(out.get("width") or 0), height=int(out.get("height") or 0), ms=ms,
            trace=[DrawCall.from_dict(d) for d in out.get("trace") or []], svg=out.get("svg"),
        )

    async def _arender(self, code: str, timeout_s: float, fresh: bool, trace: bool) -> RenderResult:
        assert self._idle is not None
        slot: _Slot = await self._idle.get()
        try:
            if fresh or slot.dirty:
                await self._reload(slot)
            risky = is_risky(code)
            opts = {"trace": trace, "settleMs": _SETTLE_MS if risky else 0}
            result = await self._run_in(slot, code, timeout_s, opts)
            if result.status == "error" and result.error == _LOST_PAGE:
                # The page was gone before this sketch ran (an earlier sketch navigated it away late) or this
                # sketch navigated: run it once more in a fresh document and keep that answer.
                await self._reload(slot)
                result = await self._run_in(slot, code, timeout_s, opts)
            if risky:
                slot.dirty = True
            self.stats["renders"] += 1
            return result
        finally:
            task = asyncio.ensure_future(self._release(slot))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _aexport_svg(self, code: str, timeout_s: float) -> RenderResult:
        assert self._svg_lock is not None
        async with self._svg_lock:
            if self._svg_slot is None:
                self._svg_slot = _Slot(-1, "/svg.html")
            slot = self._svg_slot
            await self._reload(slot)  # SVG exports are rare: always a fresh document
            result = await self._run_in(slot, code, timeout_s, {"trace": False, "svg": True, "png": True,
                                                                "settleMs": 0, "cleanup": False})
            slot.dirty = True
            return result

    # ---- public API -------------------------------------------------------------------------------------------
    def render(self, code: str, timeout_s: float = 10.0, *, fresh: bool = False, trace: bool = True) -> RenderResult:
        """Render one p5.js program (blocking; safe from any thread). fresh=True: in a newly loaded document."""
        self.start()
        wall = timeout_s + self.config.reload_timeout_s * 3 + 30
        return self._call(self._arender(code, float(timeout_s), fresh, trace), timeout=wall)

    def submit(self, code: str, timeout_s: float = 10.0, *, fresh: bool = False, trace: bool = True) -> Future:
        """Start a render and return a concurrent.futures.Future of its RenderResult."""
        self.start()
        assert self._loop is not None
        return asyncio.run_coroutine_threadsafe(self._arender(code, float(timeout_s), fresh, trace), self._loop)

    async def render_async(self, code: str, timeout_s: float = 10.0, *, trace: bool = True) -> RenderResult:
        """Awaitable render for callers that run their own event loop."""
        return await asyncio.wrap_future(self.submit(code, timeout_s, trace=trace))

    def export_svg(self, code: str, timeout_s: float = 10.0) -> RenderResult:
        """Run a p5.js program on p5.js-svg's SVG renderer; the markup is in result.svg."""
        self.start()
        return self._call(self._aexport_svg(code, float(timeout_s)), timeout=timeout_s + 120)


_POOL: RenderPool | None = None
_POOL_LOCK = threading.Lock()


def get_pool() -> RenderPool:
    """The process-wide pool (started lazily on first render, closed at exit)."""
    global _POOL
    with _POOL_LOCK:
        if _POOL is None or _POOL._closed:
            _POOL = RenderPool()
            atexit.register(_POOL.close)
        return _POOL
