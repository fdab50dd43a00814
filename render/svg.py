"""SVG rendering with cairosvg in safe mode, size caps, and a time limit (in a worker process)."""
from __future__ import annotations

import atexit
import io
import logging
import os
import select
import subprocess
import sys
import re
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from xml.etree.ElementTree import ParseError

from .result import RenderResult

log = logging.getLogger(__name__)

__all__ = ["SvgLimits", "render_svg", "svg_size"]

_UNITS = {"": 1.0, "px": 1.0, "pt": 4 / 3, "pc": 16.0, "mm": 96 / 25.4, "cm": 96 / 2.54, "in": 96.0,
          "em": 16.0, "ex": 8.0}
_LENGTH = re.compile(r"^\s*([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)\s*([a-z%]*)\s*$")


@dataclass(frozen=True)
class SvgLimits:
    """Caps that keep hostile SVGs from exhausting memory or time."""

    max_bytes: int = 5_000_000
    max_elements: int = 50_000
    max_side: int = 4096
    max_pixels: int = 4_194_304  # 2048 x 2048
    default_size: tuple[int, int] = (400, 400)


def _length(value: str | None) -> float | None:
    """An SVG length in px, or None for a missing, relative (%) or unparsable one."""
    if not value:
        return None
    m = _LENGTH.match(value)
    if not m or m.group(2) not in _UNITS:
        return None
    return float(m.group(1)) * _UNITS[m.group(2)]


def svg_size(root, limits: SvgLimits = SvgLimits()) -> tuple[int, int, str | None]:
    """Output size (w, h) for a parsed <svg> root, clamped to the limits; third item notes any clamping."""
    w, h = _length(root.get("width")), _length(root.get("height"))
    vb = root.get("viewBox")
    vbw = vbh = None
    if vb:
        parts = re.split(r"[\s,]+", vb.strip())
        if len(parts) == 4:
            try:
                vbw, vbh = float(parts[2]), float(parts[3])
            except ValueError:
                vbw = vbh = None
    if w is None and h is None:
        w, h = (vbw, vbh) if vbw and vbh else (None, None)
    elif w is None:
        w = h * (vbw / vbh) if vbw and vbh else h
    elif h is None:
        h = w * (vbh / vbw) if vbw and vbh else w
    if w is None or h is None:
        w, h = limits.default_size
    if not (w > 0 and h > 0):
        raise ValueError(f"the SVG has an invalid size ({w:g} x {h:g})")
    note = None
    scale = min(1.0, limits.max_side / w, limits.max_side / h, (limits.max_pixels / (w * h)) ** 0.5)
    if scale < 1.0:
        note = f"size {w:g}x{h:g} clamped to fit {limits.max_side} px per side and {limits.max_pixels} pixels"
        w, h = w * scale, h * scale
    return max(1, round(w)), max(1, round(h)), note


# ---- worker process: cairosvg runs there so that a time limit can stop it -----------------------------------
class _Worker:
    """One long-lived `python _svg_worker.py` process; killed and restarted on timeout."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._proc: subprocess.Popen | None = None

    def _ensure(self) -> subprocess.Popen:
        if self._proc is None or self._proc.poll() is not None:
            script = Path(__file__).with_name("_svg_worker.py")
            self._proc = subprocess.Popen([sys.executable, str(script)], stdin=subprocess.PIPE,
                                          stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        return self._proc

    def _kill(self) -> None:
        if self._proc is not None:
            self._proc.kill()
            self._proc.wait(timeout=5)
        self._proc = None

    def _read(self, proc: subprocess.Popen, n: int, deadline: float) -> bytes | None:
        assert proc.stdout is not None
        fd = proc.stdout.fileno()
        buf = b""
        while len(buf) < n:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                return None
            chunk = os.read(fd, n - len(buf))
            if not chunk:
                raise EOFError("the worker exited")
            buf += chunk
        return buf

    def run(self, data: bytes, w: int, h: int, timeout_s: float) -> tuple[str, bytes | str]:
        """("ok", png) | ("error", message) | ("timeout", message)."""
        from ._svg_worker import HEADER, REPLY

        with self._lock:
            # the first job also waits for the worker to start and import cairosvg
            deadline = time.monotonic() + timeout_s + (5.0 if self._proc is None else 0.0)
            proc = self._ensure()
            assert proc.stdin is not None
            try:
                proc.stdin.write(HEADER.pack(w, h, len(data)) + data)
                proc.stdin.flush()
                head = self._read(proc, REPLY.size, deadline)
                if head is not None:
                    status, n = REPLY.unpack(head)
                    payload = self._read(proc, n, deadline)
                    if payload is not None:
                        return ("ok", payload) if status == 0 else ("error", payload.decode("utf-8", "replace"))
            except (EOFError, OSError) as e:
                self._kill()
                return "error", f"the SVG renderer stopped: {e}"
            self._kill()
            return "timeout", f"cairosvg did not finish within {timeout_s:g} s"

    def close(self) -> None:
        with self._lock:
            self._kill()


_WORKER = _Worker()
atexit.register(_WORKER.close)


def _is_single_colour(png: bytes) -> bool:
    from PIL import Image

    with Image.open(io.BytesIO(png)) as im:
        return all(lo == hi for lo, hi in im.convert("RGB").getextrema())


def render_svg(code: str, timeout_s: float = 10.0, limits: SvgLimits = SvgLimits()) -> RenderResult:
    """Render SVG markup to PNG (composited on white) without any network or file access."""
    import defusedxml
    from defusedxml import ElementTree as SafeET

    t0 = time.perf_counter()

    def done(status: str, error: str | None = None, line: int | None = None, **kw) -> RenderResult:
        return RenderResult(status, lang="svg", error=error, line=line, ms=(time.perf_counter() - t0) * 1000, **kw)

    data = code.encode("utf-8")
    if not code.strip():
        return done("error", "The SVG is empty.")
    if len(data) > limits.max_bytes:
        return done("error", f"The SVG is too large ({len(data)} bytes; the limit is {limits.max_bytes}).")
    try:
        root = SafeET.fromstring(data, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except ParseError as e:
        line = e.position[0] if getattr(e, "position", None) else None
        return done("error", f"XML parse error: {e}", line)
    except defusedxml.DefusedXmlException as e:
        return done("error", f"Forbidden XML construct: {e} (entities and external references are not allowed)")
    tag = root.tag.rsplit("}", 1)[-1]
    if tag != "svg":
        return done("error", f"The root element is <{tag}>, not <svg>.")
    n = sum(1 for _ in root.iter())
    if n > limits.max_elements:
        return done("error", f"The SVG has too many elements ({n}; the limit is {limits.max_elements}).")
    try:
        w, h, note = svg_size(root, limits)
    except ValueError as e:
        return done("error", str(e).capitalize() + ".")
    if note:
        log.info("svg: %s", note)
    status, payload = _WORKER.run(data, w, h, timeout_s)
    if status == "timeout":
        return done("timeout", f"The SVG did not render within {timeout_s:g} s.")
    if status == "error":
        return done("error", str(payload))
    png = bytes(payload)  # type: ignore[arg-type]
    return done("blank" if _is_single_colour(png) else "ok", png=png, width=w, height=h)
