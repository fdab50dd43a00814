"""A new user's walk-through in Chromium: Stop, New figure, exports, the preview's verdict, queueing and fonts."""
from __future__ import annotations

import shutil
import pytest

from tests.test_app_browser import (LONG, _ask, _canvas_stats, _shot, _tab, _wait_revisions, app_server,  # noqa: F401
                                    browser, page)

pytestmark = pytest.mark.browser


def _chat_has(pg, pattern: str) -> None:
    """Wait until the chat's text matches a regular expression."""
    pg.wait_for_function("p => new RegExp(p).test(document.querySelector('#chat')?.innerText || '')",
                         arg=pattern, timeout=LONG)


def _is_red(pg, selector: str) -> bool:
    """True when an element's background is the red of a 'stop' button."""
    rgb = pg.eval_on_selector(selector, "e => getComputedStyle(e).backgroundColor")
    r, g, b = (int(x) for x in rgb[rgb.index("(") + 1:rgb.index(")")].split(",")[:3])
    return r > 180 and g < 120 and b < 120


def _fonts_of_text(pg, needle: str) -> list[str]:
    """Families Chromium actually used to draw the text node that contains `needle` (via the DevTools protocol)."""
    pg.evaluate("""n => {
        const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
        let node;
        while ((node = walker.nextNode())) {
            if (node.textContent.includes(n)) { node.parentElement.id = node.parentElement.id || 'font-probe';
                                                node.parentElement.dataset.fontProbe = '1'; return; }
        }
    }""", needle)
    cdp = pg.context.new_cdp_session(pg)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    root = cdp.send("DOM.getDocument", {"depth": -1})["root"]["nodeId"]
    node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": "[data-font-probe='1']"})["nodeId"]
    assert node, f"no element shows {needle!r}"
    fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
    pg.evaluate("() => document.querySelectorAll('[data-font-probe]').forEach(e => delete e.dataset.fontProbe)")
    return [f["familyName"] for f in fonts]


def test_stop_is_red_only_while_running_and_a_queued_user_sees_their_message(browser, app_server):
    url, gen = app_server
    ctx_a = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="en-US")
    ctx_b = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="en-US")
    a, b = ctx_a.new_page(), ctx_b.new_page()
    try:
        for pg in (a, b):
            pg.goto(url)
            pg.wait_for_selector("#prompt textarea", timeout=LONG)
        assert not _is_red(a, "#stop")  # idle: a plain button
        gen.chunk_delay = 0.5  # a slow answer, so the second user's request waits in the queue
        before = len(gen.requests)
        _ask(a, "Draw a 3-layer MLP")
        a.wait_for_function("document.querySelector('#code')?.innerText.includes('createCanvas')", timeout=LONG)
        assert _is_red(a, "#stop")
        _ask(b, "a green square please")
        _chat_has(b, "a green square please")  # shown at once, while A's answer is still being written
        assert "Waiting for the model" in b.inner_text("#chat") and len(gen.requests) == before + 1
        _shot(b, "10_queued_user")
        gen.chunk_delay = 0.0
        _chat_has(b, "Revision r1")
        _chat_has(a, "Revision r1")
        for _ in range(100):  # the idle update follows the answer's last one
            if not _is_red(a, "#stop") and not _is_red(b, "#stop"):
                break
            a.wait_for_timeout(100)
        assert not _is_red(a, "#stop") and not _is_red(b, "#stop")
        assert "Waiting for the model" not in b.inner_text("#chat")  # the real chat replaced the note
        # A fresh page names the loaded model at once (not "not loaded yet").
        fresh = ctx_a.new_page()
        fresh.goto(url)
        fresh.wait_for_function("/scripted-test-model/.test(document.querySelector('#model-info')?.innerText)",
                                timeout=LONG)
        assert "not loaded yet" not in fresh.inner_text("#model-info")
    finally:
        gen.chunk_delay = 0.0
        ctx_a.close()
        ctx_b.close()


def test_stop_during_a_repair_ends_it(page, app_server):
    url, gen = app_server
    gen.chunk_delay = 0.4
    try:
        _ask(page, "draw something broken")
        _chat_has(page, "Repair attempt 1/2")
        page.wait_for_function("document.querySelector('#code')?.innerText.includes('rect(')", timeout=LONG)
        page.click("#stop")
        _chat_has(page, "Stopped")
    finally:
        gen.chunk_delay = 0.0
    page.wait_for_timeout(1500)
    text = page.inner_text("#chat")
    assert "attempt 1 worked" not in text and not _is_red(page, "#stop")
    _wait_revisions(page, 1)
    assert "· repair ·" not in page.input_value("#rev-tree textarea")


def test_new_figure_starts_from_no_code_and_keeps_history(page, app_server):
    url, gen = app_server
    _ask(page, "Draw a 3-layer MLP")
    _canvas_stats(page)
    page.click("#new-figure")
    _chat_has(page, "New figure: the next request starts from no code")
    page.wait_for_selector(".preview-empty", timeout=LONG)
    _ask(page, "a green square")
    page.wait_for_function("document.querySelector('iframe.figure-preview')?.srcdoc.includes('rect(60, 60')",
                           timeout=LONG)
    assert gen.requests[-1].code is None
    _wait_revisions(page, 2)
    tree = page.input_value("#rev-tree textarea")
    assert "r1 · ok" in tree and "▶ r2 · ok" in tree and "←" not in tree  # two roots, the first one kept
    # One candidate per answer: no empty "Other candidates" gallery.
    assert not page.locator("#alternatives-box").is_visible()
    _shot(page, "11_new_figure")


def test_an_error_in_draw_is_never_shown_as_a_working_canvas(page):
    _ask(page, "Draw a 3-layer MLP")
    _canvas_stats(page)
    editor = page.locator("#code .cm-content")
    editor.click()
    page.keyboard.press("Control+A")
    page.keyboard.insert_text("function setup() {\n  createCanvas(200, 200);\n  background(255);\n  rect(20, 20, 80, 80);\n}\n"
                              "function draw() {\n  undefinedHelper();\n}\n")
    page.click("#apply-edit")
    _chat_has(page, "does not render: error \\(line 7\\)")
    page.wait_for_function("document.querySelector('iframe.figure-preview')?.srcdoc.includes('undefinedHelper')",
                           timeout=LONG)
    page.wait_for_timeout(2500)  # past the iframe's own load report
    console = page.inner_text("#preview-console")
    assert "✓" not in console and "undefinedHelper" in console
    assert page.get_attribute("#preview-console", "data-kind") == "error"
    _shot(page, "12_draw_error_preview")


def test_exports_work_on_their_own_and_say_why_a_png_is_missing(page, app_server, tmp_path):
    url, gen = app_server
    _ask(page, "Draw a 3-layer MLP")
    _canvas_stats(page)
    _tab(page, "Export")
    page.click("#export-btn")
    link = page.locator("#export-files a[download$=\".html\"]")
    link.wait_for(timeout=LONG)
    with page.expect_download(timeout=LONG) as info:
        link.click()
    alone = tmp_path / "alone" / "figure.html"  # in a folder of its own: no p5.min.js beside it
    alone.parent.mkdir()
    shutil.copy(info.value.path(), alone)
    viewer = page.context.new_page()
    viewer.goto(alone.as_uri())
    viewer.wait_for_selector("canvas", timeout=LONG)
    viewer.wait_for_timeout(500)
    ink = viewer.evaluate("""() => { const c = document.querySelector('canvas');
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data; let n = 0;
        for (let i = 0; i < d.length; i += 4) if (d[i] < 240 || d[i+1] < 240 || d[i+2] < 240) n++; return n; }""")
    assert ink > 1000
    viewer.close()
    # A revision that does not render: the export says why there is no .png.
    _tab(page, "Settings")
    page.locator("#repair-limit input[type=number]").fill("0")
    page.locator("#repair-limit input[type=number]").press("Enter")
    page.wait_for_timeout(500)
    _ask(page, "draw something broken")
    _chat_has(page, "Revision r2 did not render")
    _tab(page, "Export")
    page.click("#export-btn")
    _chat_has(page, "PNG: r2 did not render")
    assert page.locator("#export-files a[download$=\".png\"]").count() == 0
    assert page.locator("#export-files a[download$=\".js\"]").count() == 1


def test_title_and_emoji_draw_in_complete_fonts(page, tmp_path):
    from PIL import Image

    img = tmp_path / "photo.png"
    Image.new("RGB", (40, 30), "white").save(img)
    page.locator("#prompt input[type=file]").set_input_files(str(img))
    page.wait_for_timeout(1000)
    _ask(page, "like this figure")
    _chat_has(page, "photo.png")
    title = _fonts_of_text(page, "Figure Assistant")
    assert len(title) == 1 and "Source Sans" in title[0], title  # one face for every letter, capital A included
    clip = _fonts_of_text(page, "📎")
    assert any("Emoji" in f for f in clip), clip  # the paperclip comes from an emoji font, not a tofu box
    _shot(page, "13_fonts")
