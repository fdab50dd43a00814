"""Behaviour of render/: every outcome of p5.js and SVG programs, the network block, the pool, the trace, the CLI."""
from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

try:
    from _render_util import SilentListener, near, pixel
except ImportError:  # tests/ imported as a package
    from tests._render_util import SilentListener, near, pixel

from render import (P5_MIN_JS, P5_SVG_JS, DrawCall, PoolConfig, RenderPool, export_svg, render, render_many,
                    standalone_html)

ROOT = Path(__file__).resolve().parent.parent
WHITE, RED, BLUE = (255, 255, 255), (255, 0, 0), (0, 0, 255)


@pytest.fixture
def listener():
    srv = SilentListener()
    yield srv
    srv.close()


@pytest.fixture(scope="module")
def one_page_pool():
    """A private pool with a single page, so that consecutive sketches share one document."""
    pool = RenderPool(PoolConfig(pages=1))
    yield pool
    pool.close()


# ---------------------------------------------------------------------------------------------------------------
# p5.js outcomes
# ---------------------------------------------------------------------------------------------------------------
def test_vendored_files_exist():
    assert P5_MIN_JS.is_file() and P5_SVG_JS.is_file()
    assert "1.11." in P5_MIN_JS.read_text(encoding="utf-8")[:200]


def test_global_mode_ok_with_pixels():
    r = render("function setup() {\n  createCanvas(200, 100);\n  background(0, 0, 255);\n  noStroke();\n"
               "  fill(255, 0, 0);\n  circle(50, 50, 40);\n}\n")
    assert r.status == "ok" and r.ok and r.error is None and r.line is None
    assert (r.width, r.height) == (200, 100) and r.image.size == (200, 100)
    assert r.png.startswith(b"\x89PNG")
    assert near(pixel(r, 50, 50), RED) and near(pixel(r, 150, 50), BLUE)
    assert r.ms > 0 and r.lang == "p5"
    assert r.to_dict().keys() == {"status", "error", "line", "width", "height", "ms"}


def test_top_level_declarations_and_helpers():
    code = ("const W = 160, H = 90;\nlet nodes = [];\nfunction node(x) { return {x: x}; }\n"
            "function setup() {\n  createCanvas(W, H);\n  background(255, 0, 0);\n"
            "  for (let i = 0; i < 3; i++) nodes.push(node(i * 40));\n  circle(nodes[1].x, 40, 20);\n}\n")
    assert render(code).status == "ok"
    assert render(code).status == "ok"  # the same const/let again: no "already declared" between sketches


def test_instance_mode_ok():
    r = render("new p5((p) => {\n  p.setup = () => {\n    p.createCanvas(120, 80);\n    p.background(0, 0, 255);\n"
               "    p.rect(0, 0, 10, 10);\n  };\n});\n")
    assert r.status == "ok" and (r.width, r.height) == (120, 80)
    assert near(pixel(r, 60, 40), BLUE)


def test_instance_mode_draw_counts():
    r = render("const s = (p) => {\n  p.setup = () => p.createCanvas(100, 100);\n"
               "  p.draw = () => { p.background(255); p.fill(255, 0, 0); p.noStroke(); p.rect(0, 0, 50, 50); };\n"
               "};\nnew p5(s);\n")
    assert r.status == "ok" and near(pixel(r, 10, 10), RED) and near(pixel(r, 90, 90), WHITE)


def test_animated_sketch_is_captured_after_first_frame():
    code = ("let x = 0;\nfunction setup() { createCanvas(100, 100); noStroke(); }\n"
            "function draw() {\n  background(255);\n  x += 10;\n  fill(255, 0, 0);\n  rect(x, 0, 10, 10);\n}\n")
    r = render(code)
    assert r.status == "ok"
    assert near(pixel(r, 15, 5), RED) and near(pixel(r, 25, 5), WHITE)  # exactly one draw() ran


def test_draw_only_sketch_and_no_loop():
    assert render("function draw() { background(255, 0, 0); rect(10, 10, 20, 20); }").status == "ok"
    r = render("function setup() { createCanvas(50, 50); noLoop(); }\nfunction draw() { background(0, 0, 255); point(1, 1); }")
    assert r.status == "ok" and near(pixel(r, 25, 25), BLUE)


def test_syntax_error_reports_line():
    r = render("function setup() {\n  createCanvas(100, 100);\n  let x = ;\n}\n")
    assert r.status == "error" and "SyntaxError" in r.error and r.line == 3
    assert r.png is None


def test_missing_brace_points_into_program():
    r = render("function setup() {\n  createCanvas(100, 100);\n")
    assert r.status == "error" and "SyntaxError" in r.error
    assert r.line is not None and 1 <= r.line <= 2


def test_runtime_error_in_setup_reports_line():
    r = render("function setup() {\n  createCanvas(100, 100);\n  background(200);\n  foo.bar = 1;\n}\n")
    assert r.status == "error" and "ReferenceError" in r.error and "foo" in r.error and r.line == 4


def test_runtime_error_in_first_draw_reports_line():
    r = render("function setup() { createCanvas(100, 100); }\nfunction draw() {\n  background(0);\n"
               "  let a = null;\n  a.x = 3;\n}\n")
    assert r.status == "error" and "TypeError" in r.error and r.line == 5


def test_error_inside_helper_reports_helper_line():
    r = render("function helper(n) {\n  return n.missing.value;\n}\nfunction setup() {\n  createCanvas(10, 10);\n"
               "  helper({});\n}\n")
    assert r.status == "error" and r.line == 2


def test_error_in_instance_mode_setup():
    r = render("new p5(p => {\n  p.setup = () => {\n    p.createCanvas(50, 50);\n    p.nope();\n  };\n});\n")
    assert r.status == "error" and "TypeError" in r.error and r.line == 4


def test_top_level_error_and_no_sketch():
    r = render("let a = 1;\nundefinedThing();\nfunction setup() { createCanvas(10, 10); }\n")
    assert r.status == "error" and r.line == 2
    r = render("let a = 1;\nfunction helper() {}\n")
    assert r.status == "error" and "setup()" in r.error


def test_thrown_string_is_an_error():
    r = render("function setup() {\n  createCanvas(10, 10);\n  throw 'bad thing';\n}\n")
    assert r.status == "error" and "bad thing" in r.error


def test_blank_single_colour_and_transparent():
    r = render("function setup() { createCanvas(100, 100); background(30, 120, 200); }")
    assert r.status == "blank" and r.png is not None and (r.width, r.height) == (100, 100)
    r = render("function setup() { createCanvas(100, 100); }")  # transparent canvas composited on white
    assert r.status == "blank" and near(pixel(r, 5, 5), WHITE)


def test_transparent_drawing_composited_on_white():
    r = render("function setup() { createCanvas(60, 60); noStroke(); fill(255, 0, 0); rect(0, 0, 30, 60); }")
    assert r.status == "ok" and near(pixel(r, 10, 30), RED) and near(pixel(r, 50, 30), WHITE)


def test_empty_program_is_an_error():
    assert render("   \n").status == "error"


def test_infinite_loop_times_out_then_renderer_still_works():
    r = render("function setup() {\n  createCanvas(100, 100);\n  while (true) {}\n}\n", timeout_s=2)
    assert r.status == "timeout" and "2 s" in r.error
    r2 = render("function setup() { createCanvas(80, 80); background(255, 0, 0); rect(10, 10, 20, 20); }")
    assert r2.status == "ok" and (r2.width, r2.height) == (80, 80)


def test_infinite_loop_in_draw_times_out():
    r = render("function setup() { createCanvas(10, 10); }\nfunction draw() { for (;;) {} }", timeout_s=2)
    assert r.status == "timeout"
    assert render("function setup() { createCanvas(10, 10); background(0); circle(5, 5, 4); }").status == "ok"


def test_absurd_canvas_is_refused():
    r = render("function setup() { createCanvas(20000, 20000); background(0); }", timeout_s=20)
    assert r.status == "error" and "too large" in r.error


def test_japanese_text_renders_real_glyphs():
    def glyph(ch: str):
        return render(f"function setup() {{\n  createCanvas(80, 80);\n  background(255);\n  textSize(60);\n"
                      f"  fill(0);\n  text('{ch}', 10, 65);\n}}\n")

    a, b = glyph("日"), glyph("本")
    assert a.status == b.status == "ok"
    # Without a CJK font both characters render as the same missing-glyph box.
    assert a.png != b.png
    assert render("function setup() { createCanvas(300, 60); background(255); textSize(24); "
                  "text('入力層 → 隠れ層 → 出力層', 10, 40); }").status == "ok"


# ---------------------------------------------------------------------------------------------------------------
# network block
# ---------------------------------------------------------------------------------------------------------------
def test_network_attempts_reach_nothing(listener):
    url = listener.url
    code = f"""
function setup() {{
  createCanvas(100, 100);
  background(255, 0, 0);
  circle(50, 50, 20);
  try {{ fetch('{url}/fetch').catch(() => {{}}); }} catch (e) {{}}
  try {{ const x = new XMLHttpRequest(); x.open('GET', '{url}/xhr'); x.send(); }} catch (e) {{}}
  try {{ const i = new Image(); i.src = '{url}/img.png'; document.body.appendChild(i); }} catch (e) {{}}
  try {{ new WebSocket('ws://127.0.0.1:{listener.port}/ws'); }} catch (e) {{}}
  try {{ navigator.sendBeacon('{url}/beacon', 'x'); }} catch (e) {{}}
  try {{ const f = document.createElement('iframe'); f.src = '{url}/frame'; document.body.appendChild(f); }} catch (e) {{}}
  try {{ const l = document.createElement('link'); l.rel = 'stylesheet'; l.href = '{url}/css';
        document.head.appendChild(l); }} catch (e) {{}}
  try {{ const s = document.createElement('script'); s.src = '{url}/js'; document.head.appendChild(s); }} catch (e) {{}}
  try {{ loadImage('{url}/p5img.png'); }} catch (e) {{}}
  try {{ new EventSource('{url}/events'); }} catch (e) {{}}
}}
"""
    r = render(code)
    assert r.status == "ok"
    nav = render(f"function setup() {{ createCanvas(10, 10); background(0); window.location.href = '{url}/nav'; }}")
    assert nav.status in ("ok", "error")
    # hostnames do not resolve either
    render("function setup() { createCanvas(10, 10); background(0); fetch('http://example.com/').catch(() => {}); }")
    time.sleep(1.5)  # anything in flight would have connected by now
    assert listener.connections == []
    # the renderer is still usable afterwards
    assert render("function setup() { createCanvas(30, 30); background(0); circle(15, 15, 10); }").status == "ok"


def test_uncaught_fetch_rejection_is_an_error(listener):
    r = render(f"function setup() {{\n  createCanvas(50, 50);\n  background(0);\n  fetch('{listener.url}/x');\n}}\n")
    assert r.status == "error" and "fetch" in r.error.lower()
    assert listener.connections == []


def test_preload_of_blocked_file_is_an_error(listener):
    r = render(f"let img;\nfunction preload() {{ img = loadImage('{listener.url}/a.png'); }}\n"
               "function setup() { createCanvas(50, 50); image(img, 0, 0); }\n", timeout_s=8)
    assert r.status == "error" and "preload" in r.error
    assert listener.connections == []


def test_preload_with_data_uri_works():
    import base64
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (4, 4), BLUE).save(buf, format="PNG")
    uri = "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()
    r = render(f"let img;\nfunction preload() {{ img = loadImage('{uri}'); }}\n"
               "function setup() { createCanvas(40, 40); background(255, 0, 0); image(img, 0, 0, 20, 20); }\n")
    assert r.status == "ok" and near(pixel(r, 5, 5), BLUE) and near(pixel(r, 30, 30), RED)


# ---------------------------------------------------------------------------------------------------------------
# warm pool: every render equals a fresh document's
# ---------------------------------------------------------------------------------------------------------------
LEAKY = """
function setup() {
  createCanvas(120, 120);
  background(10, 20, 30);
  leakedGlobal = 42;
  window.alsoLeaked = 'x';
  Array.prototype.sum = function () { return 1; };
  Math.random = () => 0.5;
  p5.prototype.registerMethod('post', function () { this.background(255, 0, 255); });
  setInterval(() => { background(0, 255, 0); }, 1);
  setTimeout(() => { ellipse(10, 10, 50, 50); }, 0);
  requestAnimationFrame(() => { rect(0, 0, 100, 100); });
  window.addEventListener('resize', () => { background(0); });
  noiseDetail(8, 0.9);
  beginShape();
  vertex(10, 10);
  bezierVertex(20, 20, 30, 30, 40, 10);
  document.body.style.background = 'black';
  document.title = 'changed';
  const d = document.createElement('div'); d.textContent = 'stray'; document.body.appendChild(d);
  rectMode(CENTER); textAlign(RIGHT); angleMode(DEGREES);
}
function draw() { circle(60, 60, 30); }
"""

CLEAN = """
function setup() {
  createCanvas(120, 120);
  background(240);
  noiseSeed(3);
  randomSeed(7);
  for (let i = 0; i < 12; i++) {
    fill(noise(i * 0.3) * 255, random(255), 120);
    rect(i * 10, 20 + noise(i) * 50, 8, 30);
  }
  beginShape();
  vertex(10, 100);
  vertex(60, 80);
  vertex(110, 110);
  endShape(CLOSE);
  textAlign(LEFT);
  text('n=' + [1, 2, 3].length, 5, 15);
  rotate(10);
  line(0, 0, 50, 0);
}
"""


def test_pooled_render_equals_fresh_document_after_leaky_sketch(one_page_pool):
    fresh = one_page_pool.render(CLEAN, fresh=True)
    assert fresh.status == "ok"
    for leaky in (LEAKY, LEAKY.replace("function draw() { circle(60, 60, 30); }", "function draw() { null.x; }")):
        one_page_pool.render(leaky)
        warm = one_page_pool.render(CLEAN)
        assert warm.status == "ok" and warm.png == fresh.png
        again = one_page_pool.render(CLEAN)
        assert again.png == fresh.png


def test_pool_survives_a_timeout_and_stays_identical(one_page_pool):
    fresh = one_page_pool.render(CLEAN, fresh=True)
    assert one_page_pool.render("function setup() { while (1) {} }", timeout_s=1.5).status == "timeout"
    assert one_page_pool.render(CLEAN).png == fresh.png


def test_concurrent_callers_from_threads():
    codes = [f"function setup() {{ createCanvas({40 + i}, 30); background({i * 20}, 0, 0); rect(1, 1, 5, 5); }}"
             for i in range(8)]
    results: dict[int, object] = {}

    def worker(i: int) -> None:
        results[i] = render(codes[i])

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert sorted(results) == list(range(8))
    for i, r in results.items():
        assert r.status == "ok" and r.width == 40 + i


def test_render_many_keeps_order():
    codes = ["function setup() { createCanvas(30, 30); background(255, 0, 0); circle(5, 5, 5); }",
             "function setup() { createCanvas(31, 30); nope(); }",
             "function setup() { createCanvas(32, 30); background(9); }"]
    rs = render_many(codes)
    assert [r.status for r in rs] == ["ok", "error", "blank"] and rs[0].width == 30


# ---------------------------------------------------------------------------------------------------------------
# draw trace
# ---------------------------------------------------------------------------------------------------------------
TRACE_CODE = """function setup() {
  createCanvas(200, 200);
  background(255);
  push();
  translate(100, 50);
  circle(0, 0, 20);
  pop();
  push();
  translate(50, 150);
  rotate(HALF_PI);
  rect(0, 0, 40, 10);
  pop();
  line(0, 0, 10, 10);
  textSize(20);
  text('hi', 10, 100);
  beginShape();
  vertex(10, 10);
  vertex(30, 10);
  vertex(20, 40);
  endShape(CLOSE);
  drawNode(150, 150);
  rectMode(CENTER);
  square(100, 100, 10);
  scale(2);
  ellipse(10, 10, 4, 6);
}
function drawNode(x, y) {
  circle(x, y, 30);
}
"""


def _approx(box, expected, tol=0.6):
    return box is not None and all(abs(a - b) <= tol for a, b in zip(box, expected))


def test_trace_records_calls_with_lines_and_transformed_boxes():
    r = render(TRACE_CODE)
    assert r.status == "ok"
    calls = {(c.fn, c.line): c for c in r.trace}
    assert all(isinstance(c, DrawCall) for c in r.trace)
    assert [c.fn for c in r.trace] == ["background", "circle", "rect", "line", "text", "endShape", "circle",
                                       "square", "ellipse"]
    assert _approx(calls[("background", 3)].bbox, (0, 0, 200, 200))
    circle = calls[("circle", 6)]
    assert circle.kind == "shape" and circle.args == [0, 0, 20] and _approx(circle.bbox, (90, 40, 110, 60))
    rect = calls[("rect", 11)]  # rotated by 90 degrees about (50, 150)
    assert _approx(rect.bbox, (40, 150, 50, 190))
    line = calls[("line", 13)]
    assert line.kind == "line" and _approx(line.bbox, (0, 0, 10, 10), tol=1.0)
    text = calls[("text", 15)]
    assert text.kind == "text" and text.text == "hi"
    x0, y0, x1, y1 = text.bbox
    assert 9 <= x0 <= 11 and 80 <= y0 < 100 and x1 > 15 and 99 <= y1 <= 110
    shape = calls[("endShape", 16)]
    assert shape.kind == "shape" and shape.end_line == 20 and _approx(shape.bbox, (10, 10, 30, 40))
    node = calls[("circle", 28)]  # the innermost line of the user's program: inside drawNode()
    assert _approx(node.bbox, (135, 135, 165, 165)) and node.call_lines == [28, 21]
    assert circle.call_lines == [6] and shape.call_lines == [16]
    assert _approx(calls[("square", 23)].bbox, (95, 95, 105, 105))
    assert _approx(calls[("ellipse", 25)].bbox, (16, 14, 24, 26))
    json.dumps([c.to_dict() for c in r.trace])


COLOUR_CODE = """function setup() {
  createCanvas(200, 100);
  background(255);
  fill(255, 0, 0);
  stroke(0, 0, 255);
  circle(20, 20, 10);
  noStroke();
  fill(0, 128, 0, 128);
  rect(40, 10, 10, 10);
  noFill();
  stroke('#ff8800');
  push();
  translate(100, 50);
  rotate(HALF_PI);
  line(0, 0, 30, 0);
  pop();
  fill(0);
  triangle(10, 90, 20, 80, 30, 90);
  noFill();
  beginShape();
  for (let i = 0; i < 1000; i++) vertex(i / 10, 60 + (i % 2));
  endShape();
  beginShape(LINES);
  vertex(0, 0); vertex(5, 5);
  endShape();
  bezier(150, 10, 160, 0, 170, 20, 180, 10);
  fill(0);
  text('t', 5, 5);
}
"""


def test_trace_records_colours_at_draw_time():
    r = render(COLOUR_CODE)
    assert r.status == "ok"
    by_fn = {c.fn: c for c in r.trace}
    assert by_fn["circle"].fill == (255, 0, 0, 255) and by_fn["circle"].stroke == (0, 0, 255, 255)
    rect = by_fn["rect"]
    assert rect.stroke is None and rect.fill[:3] == (0, 128, 0) and abs(rect.fill[3] - 128) <= 1
    assert by_fn["line"].fill is None and by_fn["line"].stroke == (255, 136, 0, 255)
    assert by_fn["text"].fill == (0, 0, 0, 255)
    assert by_fn["background"].points is None and by_fn["circle"].points is None
    back = DrawCall.from_dict(json.loads(json.dumps(rect.to_dict())))
    assert back == rect


def test_trace_records_transformed_points_capped():
    r = render(COLOUR_CODE)
    line = next(c for c in r.trace if c.fn == "line")
    assert [tuple(round(v) for v in p) for p in line.points] == [(100, 50), (100, 80)]  # rotated about (100, 50)
    tri = next(c for c in r.trace if c.fn == "triangle")
    assert [tuple(p) for p in tri.points] == [(10, 90), (20, 80), (30, 90)]
    poly, lines = [c for c in r.trace if c.fn == "endShape"]
    assert len(poly.points) == 256 and poly.mode is None
    assert tuple(poly.points[0]) == (0, 60) and tuple(poly.points[-1]) == (99.9, 61)  # first and last kept
    assert lines.mode == "lines" and [tuple(p) for p in lines.points] == [(0, 0), (5, 5)]
    bez = next(c for c in r.trace if c.fn == "bezier")
    assert [tuple(p) for p in bez.points] == [(150, 10), (180, 10)]  # anchors only


def test_trace_in_instance_mode_and_graphics_are_excluded():
    r = render("new p5(p => {\n  p.setup = () => {\n    p.createCanvas(100, 100);\n"
               "    const g = p.createGraphics(50, 50);\n    g.circle(10, 10, 10);\n"
               "    p.image(g, 25, 25);\n    p.translate(10, 0);\n    p.rect(0, 0, 5, 5);\n  };\n});\n")
    assert r.status == "ok"
    assert [(c.fn, c.line) for c in r.trace] == [("image", 6), ("rect", 8)]
    assert _approx(r.trace[0].bbox, (25, 25, 75, 75)) and _approx(r.trace[1].bbox, (10, 0, 15, 5))
    assert r.trace[0].kind == "image"


def test_trace_of_animated_sketch_is_first_frame_only():
    r = render("function setup() { createCanvas(50, 50); }\nfunction draw() {\n  point(frameCount, 5);\n}\n")
    assert r.status == "ok" and len(r.trace) == 1 and r.trace[0].line == 3


# ---------------------------------------------------------------------------------------------------------------
# exports
# ---------------------------------------------------------------------------------------------------------------
def test_standalone_html_is_offline():
    page = standalone_html("function setup() { createCanvas(10, 10); } // </script> inside", p5_src="p5.min.js")
    assert '<script src="p5.min.js"></script>' in page and "Content-Security-Policy" in page
    assert "connect-src 'none'" in page and "https://" not in page
    assert page.count("</script>") == 2  # the program's own "</script>" was escaped


def test_export_svg_through_p5_svg():
    svg = export_svg("function setup() {\n  createCanvas(120, 80);\n  background(255);\n  circle(60, 40, 30);\n}\n")
    assert svg.lstrip().startswith("<svg") and ("<circle" in svg or "<path" in svg or "<ellipse" in svg)
    r = render(svg, lang="svg")
    assert r.status == "ok" and (r.width, r.height) == (120, 80)
    with pytest.raises(ValueError, match="line 2"):
        export_svg("function setup() {\n  nope();\n}\n")


# ---------------------------------------------------------------------------------------------------------------
# SVG
# ---------------------------------------------------------------------------------------------------------------
SVG_NS = 'xmlns="http://www.w3.org/2000/svg"'


def test_svg_ok_and_pixels():
    r = render(f'<svg {SVG_NS} width="200" height="100"><rect width="100" height="100" fill="red"/></svg>', "svg")
    assert r.status == "ok" and (r.width, r.height) == (200, 100) and r.lang == "svg" and r.trace == []
    assert near(pixel(r, 50, 50), RED) and near(pixel(r, 150, 50), WHITE)


def test_svg_viewbox_only_and_blank():
    r = render(f'<svg {SVG_NS} viewBox="0 0 300 150"><circle cx="10" cy="10" r="5"/></svg>', "svg")
    assert r.status == "ok" and (r.width, r.height) == (300, 150)
    assert render(f'<svg {SVG_NS} width="50" height="50"></svg>', "svg").status == "blank"


def test_svg_malformed_reports_parser_message_and_line():
    r = render(f'<svg {SVG_NS} width="10" height="10">\n<rect width="5"\n', "svg")
    assert r.status == "error" and "parse" in r.error.lower() and r.line in (2, 3)
    r = render(f'<svg {SVG_NS}>\n  <g>\n</svg>', "svg")
    assert r.status == "error" and "mismatched tag" in r.error and r.line == 3


def test_svg_entity_bomb_is_refused_quickly():
    bomb = ('<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n'
            + "".join(f' <!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10 if i > 1 else "&lol;" * 10}">\n'
                      for i in range(1, 10))
            + f']>\n<svg {SVG_NS}><text>&lol9;</text></svg>')
    t0 = time.perf_counter()
    r = render(bomb, "svg")
    assert r.status == "error" and "entit" in r.error.lower()
    assert time.perf_counter() - t0 < 30  # generous: an expanded bomb would need gigabytes, not seconds


def test_svg_external_entity_is_refused():
    xxe = (f'<?xml version="1.0"?>\n<!DOCTYPE svg [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
           f'<svg {SVG_NS} width="10" height="10"><text>&xxe;</text></svg>')
    r = render(xxe, "svg")
    assert r.status == "error" and "root:" not in (r.error or "")


def test_svg_external_references_fetch_nothing(listener, tmp_path):
    secret = tmp_path / "secret.png"
    secret.write_bytes(b"not really a png")
    svg = (f'<svg {SVG_NS} xmlns:xlink="http://www.w3.org/1999/xlink" width="100" height="100">'
           f'<style>@import url("{listener.url}/style.css");</style>'
           f'<rect width="50" height="50" fill="red"/>'
           f'<image href="{listener.url}/a.png" width="50" height="50"/>'
           f'<image xlink:href="file://{secret}" x="50" width="50" height="50"/>'
           f'<use href="file:///etc/passwd#x"/>'
           f'<rect fill="url({listener.url}/p.svg#g)" y="50" width="10" height="10"/>'
           f'</svg>')
    r = render(svg, "svg")
    assert r.status in ("ok", "error")
    if r.status == "ok":
        assert near(pixel(r, 25, 25), RED)
    time.sleep(0.5)
    assert listener.connections == []


def test_svg_absurd_size_is_clamped():
    r = render(f'<svg {SVG_NS} width="100000" height="100000"><rect width="50000" height="50000"/></svg>', "svg",
               timeout_s=60)
    assert r.status == "ok" and max(r.width, r.height) <= 4096 and r.width * r.height <= 4_194_304
    r = render(f'<svg {SVG_NS} width="0" height="10"></svg>', "svg")
    assert r.status == "error" and "size" in r.error


def test_svg_truncated_and_wrong_root():
    assert render(f'<svg {SVG_NS} width="10"', "svg").status == "error"
    r = render("<html><body/></html>", "svg")
    assert r.status == "error" and "<html>" in r.error
    assert render("", "svg").status == "error"


def test_svg_time_limit_stops_the_worker_and_next_render_works():
    rects = "".join(f'<rect x="{i % 200}" y="{i // 200}" width="300" height="300" fill="#{i % 250:02x}3366" '
                    f'filter="url(#b)"/>' for i in range(3000))
    heavy = (f'<svg {SVG_NS} width="2000" height="2000"><defs><filter id="b"><feGaussianBlur stdDeviation="40"/>'
             f'</filter></defs>{rects}</svg>')
    r = render(heavy, "svg", timeout_s=0.05)
    assert r.status == "timeout"
    ok = render(f'<svg {SVG_NS} width="20" height="20"><rect width="5" height="5" fill="red"/></svg>', "svg")
    assert ok.status == "ok" and near(pixel(ok, 2, 2), RED)


def test_svg_with_standard_doctype_renders():
    svg = ('<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" '
           '"http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">\n'
           f'<svg {SVG_NS} width="30" height="30"><rect width="10" height="10" fill="red"/></svg>')
    r = render(svg, "svg")
    assert r.status == "ok" and near(pixel(r, 5, 5), RED)


def test_trace_can_be_skipped():
    r = render("function setup() { createCanvas(20, 20); background(0); circle(5, 5, 5); }", trace=False)
    assert r.status == "ok" and r.trace == []


def test_bad_language_is_a_usage_error():
    with pytest.raises(ValueError, match="unknown language"):
        render("x", lang="tikz")


# ---------------------------------------------------------------------------------------------------------------
# CLI
# ---------------------------------------------------------------------------------------------------------------
def _cli(*args: str, timeout: float = 180) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "render", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout)


def test_cli_single_files_and_exit_codes(tmp_path):
    good = tmp_path / "good.js"
    good.write_text("function setup() { createCanvas(64, 48); background(255, 0, 0); circle(5, 5, 5); }")
    bad = tmp_path / "bad.svg"
    bad.write_text(f"<svg {SVG_NS}>\n<g>\n</svg>")
    out = tmp_path / "o" / "good.png"
    p = _cli(str(good), "--out", str(out))
    assert p.returncode == 0, p.stderr
    d = json.loads(p.stdout)
    assert set(d) == {"status", "error", "line", "width", "height", "ms"}
    assert d["status"] == "ok" and (d["width"], d["height"]) == (64, 48)
    assert out.read_bytes().startswith(b"\x89PNG")
    p = _cli(str(bad))
    assert p.returncode == 1 and json.loads(p.stdout)["status"] == "error" and json.loads(p.stdout)["line"] == 3
    blank = tmp_path / "blank.txt"
    blank.write_text(f'<svg {SVG_NS} width="5" height="5"/>')
    p = _cli(str(blank), "--lang", "svg")
    assert p.returncode == 1 and json.loads(p.stdout)["status"] == "blank"


def test_cli_usage_errors(tmp_path):
    assert _cli().returncode == 2
    unknown = tmp_path / "x.txt"
    unknown.write_text("hi")
    p = _cli(str(unknown))
    assert p.returncode == 2 and "--lang" in p.stderr and p.stdout == ""
    assert _cli(str(tmp_path / "missing.js")).returncode == 2
    assert _cli("--batch", str(tmp_path)).returncode == 2  # no --out-dir
    assert _cli(str(unknown), "--lang", "tikz").returncode == 2


def test_cli_batch_writes_pngs_and_results(tmp_path):
    src = tmp_path / "progs"
    src.mkdir()
    (src / "a.js").write_text("function setup() { createCanvas(30, 20); background(0); circle(10, 10, 5); }")
    (src / "b.js").write_text("function setup() {\n  createCanvas(30, 20);\n  oops();\n}")
    (src / "c.svg").write_text(f'<svg {SVG_NS} width="40" height="40"><rect width="9" height="9"/></svg>')
    (src / "notes.md").write_text("ignored")
    dest = tmp_path / "out"
    p = _cli("--batch", str(src), "--out-dir", str(dest))
    assert p.returncode == 1  # not every file was ok
    rows = [json.loads(line) for line in (dest / "results.jsonl").read_text().splitlines()]
    assert [r["file"] for r in rows] == ["a.js", "b.js", "c.svg"]
    assert [r["status"] for r in rows] == ["ok", "error", "ok"] and rows[1]["line"] == 3
    assert all(set(r) == {"file", "status", "error", "line", "width", "height", "ms"} for r in rows)
    assert (dest / "a.png").exists() and (dest / "c.png").exists() and not (dest / "b.png").exists()
    summary = json.loads(p.stdout.strip().splitlines()[-1])
    assert summary["files"] == 3 and summary["ok"] == 2 and summary["error"] == 1
    assert "render" in p.stderr  # the progress bar


def test_global_mode_program_that_starts_p5_itself():
    r = render("function setup() {\n  createCanvas(70, 50);\n  background(255, 0, 0);\n  circle(5, 5, 5);\n}\n"
               "new p5();\n")
    assert r.status == "ok" and (r.width, r.height) == (70, 50)


def test_arrow_function_setup_and_use_strict():
    r = render("'use strict';\nconst setup = () => {\n  createCanvas(40, 40);\n  background(0, 0, 255);\n"
               "  rect(1, 1, 3, 3);\n};\n")
    assert r.status == "ok" and r.width == 40
    r = render("'use strict';\nfunction setup() {\n  createCanvas(40, 40);\n  undeclared = 3;\n}\n")
    assert r.status == "error" and r.line == 4  # strict mode kept: assignment to an undeclared name throws


def test_state_the_harness_cannot_undo_gets_a_fresh_document(one_page_pool):
    probe = "function setup() {\n  createCanvas(20, 20);\n  background(typeof stuck === 'undefined' ? 0 : 255);\n  point(1, 1);\n}\n"
    fresh = one_page_pool.render(probe, fresh=True)
    one_page_pool.render("Object.defineProperty(window, 'stuck', {value: 1, configurable: false});\n"
                         "function setup() { createCanvas(20, 20); background(9); point(2, 2); }\n")
    assert one_page_pool.render(probe).png == fresh.png


def test_regular_sketches_reuse_the_page_without_reloading(one_page_pool):
    code = "function setup() { createCanvas(30, 30); background(200); circle(15, 15, 9); }"
    one_page_pool.render(code)
    reloads = one_page_pool.stats["reloads"]
    for _ in range(5):
        assert one_page_pool.render(code).status == "ok"
    assert one_page_pool.stats["reloads"] == reloads


def test_sketch_replacing_builtins_does_not_break_the_next_one(one_page_pool):
    probe = "function setup() { createCanvas(20, 20); background(0, 0, 255); circle(10, 10, 6); }"
    fresh = one_page_pool.render(probe, fresh=True)
    r = one_page_pool.render("window.Promise = null;\nJSON.stringify = () => 'x';\nfunction setup() {\n"
                             "  createCanvas(20, 20);\n  background(0);\n  circle(3, 3, 3);\n}\n")
    assert r.status == "ok"
    assert one_page_pool.render(probe).png == fresh.png
