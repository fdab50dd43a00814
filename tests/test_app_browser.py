"""The app in a real browser: Playwright drives Chromium against the app served on 127.0.0.1."""
from __future__ import annotations

import io
import math
import os
import socket
import zipfile
from pathlib import Path

import numpy as np
import pytest

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
SHOTS = Path(os.environ.get("APP_SCREENSHOTS", "/tmp/app_screenshots"))
LONG = 120_000  # ms: generous waits, never asserted on


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip("Chromium is not installed at /usr/bin/chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def app_server():
    from tests._app_util import launch_scripted

    demo, url, gen = launch_scripted(_free_port())
    yield url, gen
    demo.close()


@pytest.fixture
def page(browser, app_server):
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True, locale="en-US")
    pg = ctx.new_page()
    pg.goto(app_server[0])
    pg.wait_for_selector("#prompt textarea", timeout=LONG)
    yield pg
    ctx.close()


def _shot(pg, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    pg.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def _ask(pg, text: str) -> None:
    """Type a request in the multimodal textbox and send it."""
    pg.fill("#prompt textarea", text)
    pg.keyboard.press("Enter")


def _wait_revisions(pg, n: int) -> None:
    """Open the History tab (hidden tabs are not rendered) and wait until its tree lists n revisions."""
    _tab(pg, "History")
    pg.wait_for_function(
        """n => { const t = document.querySelector('#rev-tree textarea');
                   return t && (t.value.match(/r\\d+ /g) || []).length >= n; }""", arg=n, timeout=LONG)


def _canvas_stats(pg) -> dict:
    """Size and non-white pixel count of the p5 canvas inside the preview iframe (after it drew)."""
    pg.wait_for_selector("iframe.figure-preview", timeout=LONG)
    frame = pg.frame_locator("iframe.figure-preview")
    frame.locator("canvas").wait_for(timeout=LONG)
    handle = pg.query_selector("iframe.figure-preview").content_frame()
    # Poll from here: the sandbox's CSP forbids the eval that Frame.wait_for_function relies on.
    for _ in range(600):
        if handle.evaluate("() => !!document.querySelector('canvas') && typeof setup === 'function'"):
            break
        pg.wait_for_timeout(100)
    pg.wait_for_timeout(300)  # setup() has drawn by the time the canvas exists; let the frame settle
    return handle.evaluate("""() => {
        const c = document.querySelector('canvas');
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let ink = 0, red = 0, blue = 0;
        for (let i = 0; i < d.length; i += 4) {
            if (d[i] < 240 || d[i+1] < 240 || d[i+2] < 240) ink++;
            if (d[i] > 200 && d[i+1] < 60 && d[i+2] < 60) red++;
            if (d[i] < 60 && d[i+1] > 100 && d[i+2] > 200) blue++;
        }
        return {w: c.width, h: c.height, ink, red, blue, sandboxed: window.origin === 'null'};
    }""")


def _preview_code(pg) -> str:
    return pg.get_attribute("iframe.figure-preview", "srcdoc") or ""


def _tab(pg, name: str) -> None:
    pg.get_by_role("tab", name=name).click()


def test_prompt_streams_code_and_preview_draws_in_a_sandbox(page):
    _ask(page, "3層のニューラルネットワークを図示せよ。入力層は4ユニット、中間層は5ユニット、出力層は1ユニットとせよ。")
    stats = _canvas_stats(page)
    assert stats["w"] == 400 and stats["h"] == 300 and stats["ink"] > 1000 and stats["sandboxed"]
    page.wait_for_function("document.querySelector('#preview-console')?.dataset.kind === 'ok'", timeout=LONG)
    assert "createCanvas(400, 300)" in page.inner_text("#code")
    assert "リビジョン r1" in page.inner_text("#chat") and "scripted-test-model" in page.inner_text("#model-info")
    _shot(page, "01_prompt")


def test_preview_errors_reach_the_page(page):
    _ask(page, "draw something broken")
    page.wait_for_function("/attempt 1 worked/.test(document.querySelector('#chat')?.innerText)", timeout=LONG)
    page.wait_for_function("document.querySelector('#preview-console')?.dataset.kind === 'ok'", timeout=LONG)
    text = page.inner_text("#chat")
    assert "Repair attempt 1/2" in text and "attempt 1 worked" in text
    # On a loaded machine the broken answer's document can post its error after the repaired one replaced it
    # (the iframe element and its window stay; only srcdoc changes): that late report must not hide the verdict.
    page.evaluate("""() => {
        const frame = document.querySelector('iframe.figure-preview');
        window.dispatchEvent(new MessageEvent('message', {source: frame.contentWindow, data: {
            source: 'figure-preview', doc: 'an-earlier-preview', kind: 'error',
            message: 'Uncaught ReferenceError: drawNetwork is not defined', line: 4}}));
    }""")
    assert page.get_attribute("#preview-console", "data-kind") == "ok"
    assert "\u2713" in page.inner_text("#preview-console")


def test_hand_edit_restore_and_branch(page, app_server):
    _ask(page, "Draw a 3-layer MLP")
    _canvas_stats(page)
    editor = page.locator("#code .cm-content")
    editor.click()
    page.keyboard.press("Control+A")
    page.keyboard.insert_text("function setup() {\n  createCanvas(300, 200);\n  background(255);\n"
                              "  noStroke();\n  fill(30, 120, 220);\n  rect(50, 50, 200, 100);\n}\n")
    page.click("#apply-edit")
    page.wait_for_function("document.querySelector('iframe.figure-preview')?.srcdoc.includes('rect(50, 50')",
                           timeout=LONG)
    stats = _canvas_stats(page)
    assert (stats["w"], stats["h"]) == (300, 200) and stats["blue"] > 15000
    _wait_revisions(page, 2)
    page.locator("#rev-pick input").click()
    page.locator("#rev-pick li[role=option][aria-label^=\"r1 \"]").click()
    page.click("#restore")
    page.wait_for_function("!document.querySelector('iframe.figure-preview')?.srcdoc.includes('rect(50, 50')",
                           timeout=LONG)
    assert _canvas_stats(page)["w"] == 400
    _ask(page, "make the nodes red")
    _wait_revisions(page, 3)
    page.wait_for_function("document.querySelector('iframe.figure-preview')?.srcdoc.includes(\"fill('red')\")",
                           timeout=LONG)
    assert _canvas_stats(page)["red"] > 500
    tree = page.input_value("#rev-tree textarea")
    assert "r2 ← r1 · ok · hand" in tree and "▶ r3 ← r1" in tree  # a branch: r2 is still there
    assert page.locator("#history-gallery img").count() >= 3
    _shot(page, "03_history_branch")


def test_draw_on_the_figure_and_send(page, app_server, monkeypatch):
    from app import handlers

    received = []
    real = handlers.sketch_turn

    def spy(engine, session, value, words, blank_pad):
        received.append((value, words, blank_pad))
        yield from real(engine, session, value, words, blank_pad)

    monkeypatch.setattr(handlers, "sketch_turn", spy)
    url, gen = app_server
    _ask(page, "Draw a 3-layer MLP")
    _canvas_stats(page)
    _tab(page, "Draw on the figure")
    page.wait_for_timeout(1500)  # the pad loads the current figure as its background
    page.get_by_role("button", name="Brush", exact=True).click()
    box = page.locator("#sketch canvas").first.bounding_box()
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(cx + 40, cy)
    page.mouse.down()
    for k in range(1, 41):
        a = 2 * math.pi * k / 40
        page.mouse.move(cx + 40 * math.cos(a), cy + 40 * math.sin(a), steps=2)
    page.mouse.up()
    page.fill("#sketch-words textarea", "make the circled part red")
    _shot(page, "04_sketch_drawn")
    before = len(gen.requests)
    page.click("#send-sketch")
    _wait_revisions(page, 2)
    value, words, blank = received[-1]
    assert words == "make the circled part red" and blank is False
    bg = np.asarray(value["background"])
    assert bg.shape[:2] == (300, 400)  # the current render is the background, at its own size
    layers = [np.asarray(x) for x in value["layers"]]
    ink = sum(int((layer[..., 3] > 0).sum()) for layer in layers if layer.ndim == 3 and layer.shape[2] == 4)
    assert ink > 100  # the strokes came back as a layer
    req = gen.requests[before]
    assert req.sketch_text and req.code and req.instruction == "make the circled part red"
    assert "Read the drawing as" in page.inner_text("#chat")
    _shot(page, "04_sketch_sent")


def test_download_export(page):
    _ask(page, "Draw a 3-layer MLP")
    _canvas_stats(page)
    _tab(page, "Export")
    page.click("#export-btn")
    link = page.locator("#export-files a[download$=\"_offline.zip\"]")
    link.wait_for(timeout=LONG)
    with page.expect_download(timeout=LONG) as info:
        link.click()
    data = Path(info.value.path()).read_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        names = zf.namelist()
    assert any(n.endswith("p5.min.js") for n in names) and any(n.endswith("index.html") for n in names)
    _shot(page, "05_export")


def test_best_of_n_alternative_and_compare(page):
    _tab(page, "Settings")
    page.locator("#best-of input[type=number]").fill("3")
    page.locator("#best-of input[type=number]").press("Enter")
    page.wait_for_timeout(500)
    _ask(page, "Draw a 3-layer MLP")
    page.wait_for_function("/Sampled 3 candidates; 2 rendered/.test(document.querySelector('#chat')?.innerText)",
                           timeout=LONG)
    _wait_revisions(page, 1)
    page.locator("#alternatives img").first.click()
    page.click("#use-alternative")
    _wait_revisions(page, 2)
    assert "r2 · ok · candidate" in page.input_value("#rev-tree textarea")
    _tab(page, "Compare")
    page.locator("#cmp-a input").click()
    page.locator("#cmp-a li[role=option]").first.click()
    page.click("#compare-btn")
    page.wait_for_function("/\\+\\+\\+ r2/.test(document.querySelector('#cmp-diff')?.innerText || '')",
                           timeout=LONG)
    assert page.locator("#cmp-img-a img").count() == 1 and page.locator("#cmp-img-b img").count() == 1
    _shot(page, "07_compare")


@pytest.mark.slow
def test_embedded_model_end_to_end(browser):
    """The packaged default model answers a prompt; the preview shows whatever it rendered (or the error)."""
    from app.handlers import Engine, default_generator_factory
    from app.ui import build_ui, launch_kwargs

    engine = Engine(default_generator_factory, use_clip=False)
    demo = build_ui(engine=engine)
    demo.queue()
    _, url, _ = demo.launch(server_name="127.0.0.1", server_port=_free_port(), prevent_thread_lock=True,
                            quiet=True, **launch_kwargs())
    try:
        ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
        pg = ctx.new_page()
        pg.goto(url)
        pg.wait_for_selector("#prompt textarea", timeout=LONG)
        _tab(pg, "Settings")
        pg.locator("#max-tokens input[type=number]").fill("384")
        pg.locator("#max-tokens input[type=number]").press("Enter")
        pg.locator("#repair-limit input[type=number]").fill("0")
        pg.locator("#repair-limit input[type=number]").press("Enter")
        _ask(pg, "Draw a red circle in the middle of a 400x400 canvas.")
        pg.wait_for_function(
            "/Revision r1|did not render|Generation failed|without a program/.test("
            "document.querySelector('#chat')?.innerText || '')", timeout=900_000)
        text = pg.inner_text("#chat")
        assert "Generation failed" not in text, text
        if "Revision r1 (ok)" in text:
            assert _canvas_stats(pg)["ink"] > 0
        _shot(pg, "06_embedded_model")
        assert engine.loaded and "qwen" in engine.describe().lower()
        ctx.close()
    finally:
        demo.close()


# Sessions: reload, reopen, share links, export and import

def _sessions_tab(pg) -> None:
    _tab(pg, "Sessions")


def test_reload_restores_chat_revisions_head_and_settings(page):
    _tab(page, "Settings")
    page.locator("#repair-limit input[type=number]").fill("4")
    page.locator("#repair-limit input[type=number]").press("Enter")
    page.wait_for_timeout(500)
    _ask(page, "Draw a 3-layer MLP")
    _canvas_stats(page)
    _ask(page, "make the nodes red")
    _wait_revisions(page, 2)
    page.locator("#rev-pick input").click()
    page.locator("#rev-pick li[role=option][aria-label^=\"r1 \"]").click()
    page.click("#restore")
    page.wait_for_function("!document.querySelector('iframe.figure-preview')?.srcdoc.includes(\"fill('red')\")",
                           timeout=LONG)
    page.reload()
    page.wait_for_selector("#prompt textarea", timeout=LONG)
    page.wait_for_function("/Restored r1/.test(document.querySelector('#chat')?.innerText || '')", timeout=LONG)
    assert "make the nodes red" in page.inner_text("#chat")
    _wait_revisions(page, 2)
    tree = page.input_value("#rev-tree textarea")
    assert "▶ r1" in tree and "r2 ← r1" in tree  # head and both revisions came back
    assert "fill(200)" in _preview_code(page) and _canvas_stats(page)["ink"] > 1000
    _tab(page, "Settings")
    assert page.locator("#repair-limit input[type=number]").input_value() == "4"
    # a new session, then the old one reopened from the list
    _sessions_tab(page)
    page.click("#new-session")
    page.wait_for_function("!/make the nodes red/.test(document.querySelector('#chat')?.innerText || '')",
                           timeout=LONG)
    page.locator("#session-pick input").click()
    page.locator("#session-pick li[role=option]", has_text="Draw a 3-layer MLP").first.click()
    page.click("#open-session")
    page.wait_for_function("/make the nodes red/.test(document.querySelector('#chat')?.innerText || '')",
                           timeout=LONG)
    _shot(page, "08_reload_restored")


def test_share_link_opens_the_revision_in_another_browser(page, browser):
    _ask(page, "Draw a 3-layer MLP")
    _canvas_stats(page)
    _sessions_tab(page)
    page.click("#share-btn")
    page.wait_for_function("/\\?rev=/.test(document.querySelector('#share-link textarea')?.value || '')",
                           timeout=LONG)
    link = page.input_value("#share-link textarea")
    other = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="en-US")
    try:
        pg = other.new_page()
        pg.goto(link)
        pg.wait_for_function("/Shared revision r1/.test(document.querySelector('#chat')?.innerText || '')",
                             timeout=LONG)
        assert "createCanvas(400, 300)" in pg.inner_text("#code")
        stats = _canvas_stats(pg)
        assert stats["w"] == 400 and stats["ink"] > 1000 and stats["sandboxed"]
        _shot(pg, "09_shared_revision")
        # the viewer's own turn goes into its own session; the owner's session is untouched
        _ask(pg, "make the nodes red")
        _wait_revisions(pg, 2)
    finally:
        other.close()
    page.reload()
    page.wait_for_selector("#prompt textarea", timeout=LONG)
    _wait_revisions(page, 1)
    assert "r2" not in page.input_value("#rev-tree textarea")


def test_export_then_import_session_in_another_browser(page, browser, tmp_path):
    _ask(page, "Draw a 3-layer MLP")
    _canvas_stats(page)
    _ask(page, "make the nodes red")
    _wait_revisions(page, 2)
    _sessions_tab(page)
    page.click("#export-session")
    link = page.locator("#session-file a[download$='.json']")
    link.wait_for(timeout=LONG)
    with page.expect_download(timeout=LONG) as info:
        link.click()
    path = tmp_path / "session.json"
    info.value.save_as(path)
    other = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="en-US")
    try:
        pg = other.new_page()
        pg.goto(page.url.split("?")[0])
        pg.wait_for_selector("#prompt textarea", timeout=LONG)
        _sessions_tab(pg)
        pg.set_input_files("#import-session input[type=file]", str(path))
        pg.wait_for_function("/Imported a session with 2 revision/.test("
                             "document.querySelector('#chat')?.innerText || '')", timeout=LONG)
        _wait_revisions(pg, 2)
        assert "fill('red')" in _preview_code(pg) and _canvas_stats(pg)["red"] > 500
        # a damaged file is refused with a reason, and the session stays as it was
        bad = tmp_path / "bad.json"
        bad.write_text('{"format": "figure-assistant-session", "version": 1, "revisions": [{"id": 1}]}')
        _sessions_tab(pg)
        pg.set_input_files("#import-session input[type=file]", str(bad))
        pg.wait_for_function("/Could not import bad.json/.test(document.querySelector('#chat')?.innerText || '')",
                             timeout=LONG)
        _wait_revisions(pg, 2)
        _shot(pg, "10_imported_session")
    finally:
        other.close()


def test_a_waiting_user_sees_the_queue_position(browser):
    """One generation slot, two users: the second sees where it is in the queue, then its answer."""
    from app.ui import build_ui, launch_kwargs
    from tests._app_util import ScriptedGenerator, scripted_factory

    gen = ScriptedGenerator(slow_stream=True)  # 0.5 s a line: the first answer holds the slot for seconds
    demo = build_ui(generator_factory=scripted_factory(gen), concurrency_limit=1)
    demo.queue(default_concurrency_limit=4)
    _, url, _ = demo.launch(server_name="127.0.0.1", server_port=_free_port(), prevent_thread_lock=True,
                            quiet=True, **launch_kwargs())
    ctxs = [browser.new_context(viewport={"width": 1400, "height": 1000}, locale="en-US") for _ in range(2)]
    try:
        first, second = (c.new_page() for c in ctxs)
        for pg in (first, second):
            pg.goto(url)
            pg.wait_for_selector("#prompt textarea", timeout=LONG)
        _ask(first, "Draw a 3-layer MLP")
        first.wait_for_function("(document.querySelector('#code')?.innerText || '').includes('createCanvas')",
                                timeout=LONG)
        _ask(second, "a green square")
        second.wait_for_function("/queue: 1\\/1/.test(document.body.innerText)", timeout=LONG)
        _shot(second, "11_queue_position")
        second.wait_for_function("/Revision r1/.test(document.querySelector('#chat')?.innerText || '')",
                                 timeout=LONG)
    finally:
        for c in ctxs:
            c.close()
        demo.close()
