"""eval.checks: every check type on a real rendered program that passes and on a near miss that must fail."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from eval.checks import (CHECK_TYPES, CheckOutcome, color_matches, normalize_text, run_checks,  # noqa: E402
                         summarize, validate_checks)
from render import render_many  # noqa: E402

# A 4-5-1 network: every layer fully joined to the next, layer names above the columns, the output node red.
MLP = """
const SIZES = [{sizes}];
function setup() {{
  createCanvas(400, 300);
  background(255);
  const pos = SIZES.map((n, i) => Array.from({{length: n}}, (_, j) => [80 + i * 120, 160 + (j - (n - 1) / 2) * 50]));
  stroke(150);
  for (let i = 0; i < SIZES.length - 1; i++)
    for (const a of pos[i]) for (const b of pos[i + 1]) {{ {skip} line(a[0], a[1], b[0], b[1]); }}
  stroke(0);
  for (let i = 0; i < SIZES.length; i++) {{
    for (let j = 0; j < pos[i].length; j++) {{
      fill({red_at});
      circle(pos[i][j][0], pos[i][j][1], 30);
    }}
  }}
  fill(0); noStroke(); textAlign(CENTER);
  text('{t0}', 80, 20); text('{t1}', 200, 20); text('{t2}', 320, 20);
}}
"""


def mlp(sizes="4, 5, 1", skip="", red_at="i == 2 ? color(220, 30, 30) : 255", names=("Input", "Hidden", "Output")):
    return MLP.format(sizes=sizes, skip=skip, red_at=red_at, t0=names[0], t1=names[1], t2=names[2])


# Three bars standing on y = 250 with names under them.
BARS = """
function setup() {{
  createCanvas(300, 300);
  background(255);
  noFill(); stroke(0); rect(20, 20, 260, 230);  // plot frame: not a bar
  const h = [{heights}];
  const names = [{names}];
  fill(70, 130, 180);
  for (let i = 0; i < 3; i++) rect(50 + i * 80, 250 - h[i], 50, h[i]);
  fill(0); noStroke(); textAlign(CENTER, TOP);
  for (let i = 0; i < 3; i++) text(names[i], 75 + i * 80, 260);
}}
"""

# Two labelled boxes joined by an arrow whose head tip ends at x = {tip}; the Decoder box starts at x = 250.
ARROW = """
function setup() {{
  createCanvas(400, 200);
  background(255);
  stroke(0); fill(230);
  rect(50, 70, 100, 60); rect(250, 70, 100, 60);
  fill(0); noStroke(); textAlign(CENTER, CENTER);
  text('Encoder', 100, 100); text('Decoder', 300, 100);
  stroke(0); strokeWeight(2);
  {arrow}
}}
function arrowTri(x1, y1, x2, y2) {{
  line(x1, y1, x2 - 10, y2);
  push(); translate(x2, y2); rotate(atan2(y2 - y1, x2 - x1)); noStroke(); fill(0);
  triangle(0, 0, -12, -6, -12, 6); pop();
}}
function arrowV(x1, y1, x2, y2) {{
  line(x1, y1, x2, y2);
  line(x2, y2, x2 - 10, y2 - 6); line(x2, y2, x2 - 10, y2 + 6);
}}
"""

TEXTS = """
function setup() {{
  createCanvas(300, 200);
  background(255);
  fill(0); textSize(16);
  text('入力層', 20, 40);
  text('Loss  curve', {x2}, {y2});
  circle({cx}, 100, 40);
}}
"""

# A right triangle with its angle at B (260, 170) marked by a 120 px arc drawn in degrees: {arc}. The whole
# ellipse would reach 20–30 px past the right and bottom edges; the drawn part of the mark stays inside.
ANGLE = """
function setup() {{
  createCanvas(300, 200);
  background(255);
  angleMode(DEGREES);
  stroke(0); noFill();
  triangle(40, 170, 260, 170, 40, 40);
  stroke(200, 0, 0); {arc}
  fill(0); noStroke(); textAlign(CENTER, CENTER); text('θ', 225, 160);
  stroke(0); line(120, 20, {px}, {py});  // a pointer from a note to the mark
  noStroke(); text('angle', 100, 20);
}}
"""

# Polygons by corner count: a closed 3-vertex shape, a quad() with two equal corners, a 4-vertex shape with one
# vertex on a side (all triangles), {fourth}, an unfilled open 3-vertex path (an angle, not a triangle), a rect.
POLYGONS = """
function setup() {{
  createCanvas(400, 200);
  background(255);
  stroke(0); fill(200);
  beginShape(); vertex(20, 150); vertex(80, 150); vertex(50, 100); endShape(CLOSE);
  quad(100, 150, 160, 150, 130, 100, 130, 100);
  beginShape(); vertex(180, 150); vertex(210, 150); vertex(240, 150); vertex(210, 100); endShape(CLOSE);
  {fourth}
  noFill(); beginShape(); vertex(20, 60); vertex(50, 20); vertex(80, 60); endShape();
  fill(200); rect(340, 100, 40, 50);
}}
"""

# Circles with a translucent red fill and with a barely visible one (alpha {alpha}), both outlined in black.
ALPHA = """
function setup() {{
  createCanvas(200, 100);
  background(255);
  stroke(0);
  fill(220, 30, 30, 90); circle(50, 50, 60);
  fill(220, 30, 30, {alpha}); circle(150, 50, 60);
}}
"""

# Two bare text labels (no shape near them) and a small box whose name fills it; arrows end at the box's edge,
# close to the box's name too.
BARE = """
function setup() {{
  createCanvas(300, 200);
  background(255);
  stroke(0); fill(240); rect(200, 85, 30, 30);
  fill(0); noStroke(); textAlign(CENTER, CENTER); textSize(16);
  text('h1', 40, 60); text('h2', 40, 140); text('Σ', 215, 100);
  stroke(0); strokeWeight(2);
  arrowTri(55, 60, 200, 95);
  {second}
}}
function arrowTri(x1, y1, x2, y2) {{
  line(x1, y1, x2 - 10, y2);
  push(); translate(x2, y2); rotate(atan2(y2 - y1, x2 - x1)); noStroke(); fill(0);
  triangle(0, 0, -12, -6, -12, 6); pop();
}}
"""

CASES = {
    "mlp": mlp(),
    "mlp_441": mlp(sizes="4, 4, 1"),
    "mlp_missing_edge": mlp(skip="if (i === 0 && a === pos[0][0] && b === pos[1][4]) continue;"),
    "mlp_red_wrong": mlp(red_at="i == 1 && j == 0 ? color(220, 30, 30) : 255"),
    "mlp_order_wrong": mlp(names=("Hidden", "Input", "Output")),
    "bars": BARS.format(heights="60, 100, 40", names="'A', 'B', 'C'"),
    "bars_label_wrong": BARS.format(heights="60, 100, 40", names="'B', 'A', 'C'"),
    "bars_heights_wrong": BARS.format(heights="60, 60, 40", names="'A', 'B', 'C'"),
    "arrow": ARROW.format(arrow="arrowTri(150, 100, 250, 100);"),
    "arrow_short": ARROW.format(arrow="arrowTri(150, 100, 220, 100);"),
    "arrow_reversed": ARROW.format(arrow="arrowTri(250, 100, 150, 100);"),
    "arrow_v": ARROW.format(arrow="arrowV(150, 100, 250, 100);"),
    "arrow_plain": ARROW.format(arrow="line(150, 100, 250, 100);"),
    "texts": TEXTS.format(x2=20, y2=80, cx=150),
    "texts_overlap": TEXTS.format(x2=22, y2=42, cx=150),
    "texts_outside": TEXTS.format(x2=20, y2=80, cx=290),
    "error": "function setup() { createCanvas(100, 100); undefinedCall(); }",
    "angle": ANGLE.format(arc="arc(260, 170, 120, 120, 180, 211);", px=205, py=150),
    "angle_outward": ANGLE.format(arc="arc(260, 170, 120, 120, -15, 15);", px=205, py=150),
    "angle_pointer_misses": ANGLE.format(arc="arc(260, 170, 120, 120, 180, 211);", px=280, py=190),
    "polygons": POLYGONS.format(fourth="triangle(260, 150, 320, 150, 290, 100);"),
    "polygons_rhombus": POLYGONS.format(fourth="quad(290, 150, 320, 125, 290, 100, 260, 125);"),
    "alpha": ALPHA.format(alpha=90),
    "alpha_faint": ALPHA.format(alpha=8),
    "bare": BARE.format(second="arrowTri(55, 140, 200, 105);"),
    "bare_one_arrow": BARE.format(second=""),
    "minus": TEXTS.replace("'Loss  curve'", "'y = x² − 1 （層１）'").format(x2=20, y2=80, cx=150),
    "plus": TEXTS.replace("'Loss  curve'", "'y = x² + 1 （層１）'").format(x2=20, y2=80, cx=150),
    # an elbow loop-back drawn in three pieces, the last one with the head; then the same with a gap
    "elbow": ARROW.format(arrow="line(300, 130, 300, 170); line(300, 170, 100, 170); arrowTri(100, 170, 100, 130);"),
    "elbow_gap": ARROW.format(arrow="line(300, 130, 300, 170); line(300, 170, 120, 170); arrowTri(100, 170, 100, 130);"),
    "misc": """
function setup() {
  createCanvas(300, 200);
  background(255);
  fill(0); noStroke(); textAlign(CENTER, CENTER);
  text('V', 30, 100);                       // a bare text input, as in the attention paper
  stroke(0); fill(230); rect(150, 80, 80, 40);
  fill(0); noStroke(); text('MatMul', 190, 100);
  stroke(0); line(42, 100, 150, 100);
  noFill(); stroke(0);
  beginShape(); vertex(20, 20); vertex(10, 20); vertex(10, 60); vertex(20, 60); endShape();  // a "[" bracket
  noStroke(); fill(230, 40, 40, 110); rect(250, 20, 30, 30);                 // translucent red
  noFill(); stroke(0, 0, 255); circle(100, 160, 60);                          // circle with a dot and its name
  fill(0); circle(120, 150, 5); noStroke(); text('P', 112, 150);
}
""",
}


@pytest.fixture(scope="module")
def results():
    names = list(CASES)
    return dict(zip(names, render_many([CASES[n] for n in names])))


def outcome(results, case, check) -> CheckOutcome:
    assert validate_checks([check]) == [], validate_checks([check])
    assert results[case].ok, (case, results[case].error)
    (o,) = run_checks([check], results[case])
    return o


COLUMNS = {"type": "columns", "select": {"kind": "circle"}, "counts": [4, 5, 1]}


def test_columns_pass_and_4_4_1_fails(results):
    assert outcome(results, "mlp", COLUMNS).passed
    o = outcome(results, "mlp_441", COLUMNS)
    assert not o.passed and o.reason.startswith("column 2 has 4 circles, want 5")


def test_rows_group_by_y(results):
    rows = {"type": "rows", "select": {"kind": "circle", "column": 2}, "counts": [1, 1, 1, 1, 1]}
    assert outcome(results, "mlp", rows).passed
    assert not outcome(results, "mlp_441", rows).passed


def test_count_with_region_min_max(results):
    assert outcome(results, "mlp", {"type": "count", "select": {"kind": "line"}, "eq": 25}).passed
    assert outcome(results, "mlp", {"type": "count", "select": {"kind": "circle", "region": [0, 0, 0.3, 1]},
                                    "min": 4, "max": 4}).passed
    o = outcome(results, "mlp_missing_edge", {"type": "count", "select": {"kind": "line"}, "eq": 25})
    assert not o.passed and o.reason == "24 lines, want 25"


def test_connected_all_pairs_and_a_missing_edge(results):
    c = {"type": "connected", "a": {"kind": "circle", "column": 1}, "b": {"kind": "circle", "column": 2},
         "all_pairs": True}
    assert outcome(results, "mlp", c).passed
    o = outcome(results, "mlp_missing_edge", c)
    assert not o.passed and "19 of 20" in o.reason


def test_color_of_a_labelled_element(results):
    c = {"type": "color", "select": {"label": "Output", "kind": "circle"}, "color": "red"}
    assert outcome(results, "mlp", c).passed
    o = outcome(results, "mlp_red_wrong", c)
    assert not o.passed and "want 1" in o.reason
    # the red node exists, but in the wrong column
    assert outcome(results, "mlp_red_wrong", {"type": "count", "select": {"kind": "circle", "color": "red"},
                                              "eq": 1}).passed


def test_order_of_labels(results):
    c = {"type": "order", "labels": ["Input", "Hidden", "Output"], "direction": "left-to-right"}
    assert outcome(results, "mlp", c).passed
    o = outcome(results, "mlp_order_wrong", c)
    assert not o.passed and "'Input'" in o.reason
    assert not outcome(results, "mlp", dict(c, direction="right-to-left")).passed


def test_bars_count_values_labels(results):
    c = {"type": "bars", "count": 3, "values": [3, 5, 2], "labels": ["A", "B", "C"]}
    assert outcome(results, "bars", c).passed  # the plot frame around them is not a fourth bar
    o = outcome(results, "bars_label_wrong", c)
    assert not o.passed and o.reason == "label 'A' is at bar 2, want bar 1"
    o = outcome(results, "bars_heights_wrong", c)
    assert not o.passed and o.reason.startswith("bar 2 is 60 px long")
    assert not outcome(results, "bars", dict(c, count=4, values=[3, 5, 2, 1], labels=["A", "B", "C", "D"])).passed


def test_arrow_connects_boxes_and_stopping_short_fails(results):
    c = {"type": "connected", "a": {"label": "Encoder"}, "b": {"label": "Decoder"}, "directed": True}
    assert outcome(results, "arrow", c).passed
    assert outcome(results, "arrow_v", c).passed  # a head drawn as two strokes
    o = outcome(results, "arrow_short", c)
    assert not o.passed and "stops" in o.reason
    o = outcome(results, "arrow_reversed", c)  # joined, but the head points at the Encoder
    assert not o.passed and "without an arrow head" in o.reason
    assert not outcome(results, "arrow_plain", c).passed
    assert outcome(results, "arrow_plain", dict(c, directed=False)).passed
    # the head is not a polygon, and the arrow is an arrow
    assert outcome(results, "arrow", {"type": "count", "select": {"kind": "polygon"}, "eq": 0}).passed
    assert outcome(results, "arrow", {"type": "count", "select": {"kind": "arrow"}, "eq": 1}).passed
    assert outcome(results, "arrow_plain", {"type": "count", "select": {"kind": "arrow"}, "eq": 0}).passed


def test_routed_connector_in_pieces_is_one_path(results):
    c = {"type": "connected", "a": {"label": "Decoder"}, "b": {"label": "Encoder"}, "directed": True}
    assert outcome(results, "elbow", c).passed
    assert not outcome(results, "elbow_gap", c).passed  # a 20 px gap breaks the path
    assert not outcome(results, "mlp", {"type": "connected", "a": {"kind": "circle", "column": 1},
                                        "b": {"kind": "circle", "column": 3}}).passed  # nodes are not bends


def test_connector_may_start_at_a_bare_text_label(results):
    assert outcome(results, "misc", {"type": "connected", "a": {"label": "V"}, "b": {"label": "MatMul"}}).passed


def test_open_bracket_is_not_a_rect_and_translucent_red_is_red(results):
    assert outcome(results, "misc", {"type": "count", "select": {"kind": "rect"}, "eq": 2}).passed
    assert outcome(results, "misc", {"type": "count", "select": {"kind": "polyline"}, "eq": 1}).passed
    assert outcome(results, "misc", {"type": "color", "select": {"kind": "rect", "region": [0.8, 0, 1, 0.3]},
                                     "color": "red"}).passed


def test_label_next_to_a_dot_inside_a_circle_names_the_dot(results):
    c = {"type": "color", "select": {"label": "P"}, "color": "black", "all": True}
    o = outcome(results, "misc", c)
    assert o.passed and "all 1" in o.reason
    assert outcome(results, "misc", {"type": "count", "select": {"label": "P", "kind": "circle",
                                                                 "min_size": 0}, "eq": 1}).passed


def test_text_labels_case_and_whitespace_insensitive_japanese_as_written(results):
    assert outcome(results, "texts", {"type": "text", "labels": ["入力層", "loss curve"]}).passed
    o = outcome(results, "texts", {"type": "text", "labels": ["入力層", "出力層"]})
    assert not o.passed and "'出力層'" in o.reason
    assert outcome(results, "texts", {"type": "text", "labels": ["出力層", "入力"], "any": True}).passed


def test_no_text_overlap(results):
    c = {"type": "no_text_overlap"}
    assert outcome(results, "texts", c).passed
    o = outcome(results, "texts_overlap", c)
    assert not o.passed and "overlap" in o.reason


def test_inside_canvas(results):
    assert outcome(results, "texts", {"type": "inside_canvas"}).passed
    o = outcome(results, "texts_outside", {"type": "inside_canvas"})
    assert not o.passed and o.reason.startswith("circle at (290, 100)") and "right edge" in o.reason


def test_canvas_size(results):
    assert outcome(results, "mlp", {"type": "canvas", "width": 400, "height": 300}).passed
    o = outcome(results, "mlp", {"type": "canvas", "width": 400, "height": 400})
    assert not o.passed and o.reason == "canvas is 400×300, want 400×400"


def test_every_documented_type_is_tested_here():
    src = Path(__file__).read_text(encoding="utf-8")
    assert all(f'"type": "{t}"' in src for t in CHECK_TYPES)


def test_program_that_does_not_render_fails_every_check(results):
    outs = run_checks([COLUMNS, {"type": "inside_canvas"}], results["error"])
    assert [o.passed for o in outs] == [False, False] and outs[0].reason == "did not render (error)"


def test_summarize():
    t, f = CheckOutcome(True, "", {}), CheckOutcome(False, "", {})
    assert summarize([t, t]) == (True, 1.0)
    assert summarize([t, f, f, t]) == (False, 0.5)
    assert summarize([]) == (False, 0.0)


def test_validate_checks_messages():
    errs = validate_checks([
        {"type": "columns", "select": {"kind": "circle"}},
        {"type": "colour"},
        {"type": "count", "select": {"kind": "blob", "region": [0.5, 0, 0.2, 1], "color": "reddish"}, "eq": 2},
        {"type": "bars", "count": 3, "values": [1, 2]},
        {"type": "order", "labels": ["a", "b"], "direction": "up"},
        {"type": "text", "labels": ["x"], "extra": 1},
    ])
    assert errs[0] == "check 1 (columns): missing 'counts'"
    assert errs[1].startswith("check 2 (colour): unknown type 'colour'")
    assert any("kind 'blob'" in e for e in errs) and any("region must be" in e for e in errs)
    assert any("unknown colour 'reddish'" in e for e in errs)
    assert any("values has 2 entries for 3 bars" in e for e in errs)
    assert any("direction must be one of" in e for e in errs)
    assert any("unknown key 'extra'" in e for e in errs)
    assert validate_checks([]) == ["checks is empty: give at least one check"]
    assert validate_checks([COLUMNS, {"type": "inside_canvas", "note": "why"}]) == []


def test_invalid_check_fails_with_reason(results):
    (o,) = run_checks([{"type": "count", "select": {}}], results["mlp"])
    assert not o.passed and o.reason.startswith("invalid check: needs one of eq, min, max")


def test_colour_names_are_families():
    assert color_matches((173, 216, 230), "blue") and color_matches((173, 216, 230), "lightblue")
    assert not color_matches((0, 0, 139), "lightblue") and color_matches((0, 0, 139), "navy")
    assert color_matches((220, 30, 30), "赤") and not color_matches((220, 30, 30), "orange")
    assert color_matches((128, 128, 128), "grey") and not color_matches((255, 255, 255), "gray")
    assert color_matches((250, 10, 10), "#ff0000") and not color_matches((0, 0, 255), "#ff0000")
    assert color_matches(None, "red") is False


def test_normalize_text():
    assert normalize_text("  Ｉｎｐｕｔ\n Layer ") == "input layer"


def test_a_small_arc_is_as_big_as_what_it_draws(results):
    # inside the canvas: the whole ellipse would not be, the drawn mark is; the mark turned outward is not
    assert outcome(results, "angle", {"type": "inside_canvas"}).passed
    o = outcome(results, "angle_outward", {"type": "inside_canvas"})
    assert not o.passed and o.reason.startswith("arc") and "right edge" in o.reason
    # its position is where it is drawn (up and left of the vertex), not the ellipse's centre on the vertex
    mark = {"type": "count", "select": {"kind": "arc", "region": [0.6, 0.6, 0.8, 0.9]}, "eq": 1}
    assert outcome(results, "angle", mark).passed
    assert not outcome(results, "angle_outward", mark).passed
    # a pointer ending on the mark joins it; one ending inside the ellipse but away from the mark does not
    pointer = {"type": "connected", "a": {"label": "angle"}, "b": {"kind": "arc"}}
    assert outcome(results, "angle", pointer).passed
    o = outcome(results, "angle_pointer_misses", pointer)
    assert not o.passed and "stops" in o.reason
    # the label inside the angle belongs to the mark, which is red
    assert outcome(results, "angle", {"type": "color", "select": {"label": "θ"}, "color": "red"}).passed


def test_polygons_by_corner_count(results):
    triangles = {"type": "count", "select": {"kind": "polygon", "corners": 3}, "eq": 4}
    assert outcome(results, "polygons", triangles).passed
    o = outcome(results, "polygons_rhombus", triangles)
    assert not o.passed and o.reason == "3 polygons with 3 corners, want 4"
    assert outcome(results, "polygons_rhombus", {"type": "count", "select": {"kind": "polygon", "corners": 4},
                                                 "eq": 1}).passed
    # rect() has four corners too; the open path is no triangle
    assert outcome(results, "polygons_rhombus", {"type": "count", "select": {"kind": "shape", "corners": 4},
                                                 "eq": 2}).passed
    assert outcome(results, "polygons", {"type": "count", "select": {"kind": "polygon"}, "eq": 5}).passed
    assert any("corners must be an integer >= 3" in e
               for e in validate_checks([{"type": "count", "select": {"corners": 2}, "eq": 1}]))


def test_text_matches_across_minus_signs_and_full_width_digits(results):
    c = {"type": "text", "labels": ["x2 - 1", "(層1)"]}
    assert outcome(results, "minus", c).passed  # drawn 'y = x² − 1 （層１）' with U+2212 and full-width digits
    o = outcome(results, "plus", c)
    assert not o.passed and "'x2 - 1'" in o.reason
    assert outcome(results, "minus", {"type": "text", "labels": ["x² − 1"]}).passed
    assert normalize_text("t–1") == normalize_text("t−1") == "t-1"


def test_a_faint_fill_is_not_its_colour(results):
    c = {"type": "color", "select": {"kind": "circle"}, "color": "red", "all": True}
    assert outcome(results, "alpha", c).passed  # alpha 90 of 255: "a semi-transparent red"
    o = outcome(results, "alpha_faint", c)  # alpha 8: the circle shows white with a black outline
    assert not o.passed and "1 of 2" in o.reason and "black" in o.reason
    right = {"type": "color", "select": {"kind": "circle", "region": [0.5, 0, 1, 1]}, "color": "red"}
    assert outcome(results, "alpha", right).passed
    assert not outcome(results, "alpha_faint", right).passed


def test_one_arrow_from_a_bare_label_counts_once(results):
    c = {"type": "connected", "a": {"label": "h"}, "b": {"label": "Σ"}, "directed": True, "min": 2}
    assert outcome(results, "bare", c).passed
    o = outcome(results, "bare_one_arrow", c)  # its tip is on the box and next to the Σ: still one arrow
    assert not o.passed and o.reason.startswith("1 ")
    # all_pairs asks for each node once, not for the box and its name separately
    assert outcome(results, "bare", dict(c, min=1, all_pairs=True)).passed
    assert not outcome(results, "bare_one_arrow", dict(c, min=1, all_pairs=True)).passed
