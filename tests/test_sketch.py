"""Sketch understanding: primitives, coordinate mapping, grounding to draw calls, description, bad input."""
from __future__ import annotations

import io
import math

import numpy as np
import pytest
from PIL import Image

from sketch import KINDS, SketchError, analyze
from sketch.describe import line_ranges
from sketch.synth import SynthConfig, make_sketch

from _sketch_util import FakeCall, editor_value, ellipse_path, mlp_scene, stroke_layer

SIZE = (400, 400)


@pytest.fixture(scope="module")
def scene():
    return mlp_scene(SIZE)


def _one(scene, paths, width=5.0, colour=(220, 30, 30), scale=1):
    """Analyse a single mark drawn (in figure coordinates) on a pad `scale` times the figure size."""
    bg, trace = scene
    pad = (SIZE[0] * scale, SIZE[1] * scale)
    paths = [[(x * scale, y * scale) for x, y in p] for p in paths]
    layer = stroke_layer(paths, pad, width * scale, colour)
    return analyze(editor_value(bg, layer), figure_size=SIZE, trace=trace)


def _lasso(cx, cy, a, b, k=4, amp=0.4, n=160):
    pts = []
    for i in range(n + 4):
        t = 2 * math.pi * i / n
        r = 1 + amp * (0.5 + 0.5 * math.sin(k * t))
        pts.append((cx + a * r * math.cos(t), cy + b * r * math.sin(t)))
    return pts


# Each primitive ------------------------------------------------------------------------------------------

def test_circle_around_loop_nodes_grounds_to_their_line(scene):
    a = _one(scene, [ellipse_path(320, 220, 42, 88)])
    assert [g.kind for g in a.groups] == ["circle"]
    assert a.groups[0].lines == [16]
    text = a.describe()
    assert "circled the 2 circles drawn at line 16 (`circle(320, 170, 32)` ×2)" in text


def test_rectangle_around_a_column(scene):
    a = _one(scene, [[(55, 120), (105, 120), (105, 318), (55, 318), (55, 118)]])
    assert [g.kind for g in a.groups] == ["rectangle"]
    assert a.groups[0].lines == [14]
    assert "drew a box around the 3 circles drawn at line 14" in a.describe()


def test_irregular_lasso_is_a_selection(scene):
    a = _one(scene, [_lasso(200, 220, 42, 100)])
    assert [g.kind for g in a.groups] == ["selection"]
    assert a.groups[0].lines == [15]


def test_arrow_has_direction_and_grounded_tail(scene):
    tail, head = (338, 166), (385, 70)
    ang = math.atan2(head[1] - tail[1], head[0] - tail[0])
    barbs = [(head[0] - 22 * math.cos(ang + s), head[1] - 22 * math.sin(ang + s)) for s in (0.5, -0.5)]
    a = _one(scene, [[tail, head], [barbs[0], head, barbs[1]]])
    assert [g.kind for g in a.groups] == ["arrow"]
    g = a.groups[0]
    assert math.dist(g.head, head) < 10 and math.dist(g.tail, tail) < 10
    assert g.lines == [16]
    assert ("drew an arrow from the circle drawn at line 16 (`circle(320, 170, 32)`, on canvas (304, 154)–(336, 186)) "
            "toward (3") in a.describe()


def test_straight_line_between_two_nodes(scene):
    a = _one(scene, [[(97, 153), (183, 146)]], width=4)
    assert [g.kind for g in a.groups] == ["line"]
    assert a.groups[0].lines == [14, 15]
    assert "drew a line from the circle drawn at line 14" in a.describe()


def test_x_over_text_is_a_cross_out(scene):
    a = _one(scene, [[(135, 14), (265, 44)], [(265, 14), (135, 44)]])
    assert [g.kind for g in a.groups] == ["cross_out"]
    assert a.groups[0].lines == [31]
    assert 'crossed out the text "Network title" drawn at line 31' in a.describe()


def test_scribble_is_a_cross_out(scene):
    xs = np.linspace(58, 102, 10)
    zig = [(float(x), 344.0 if i % 2 == 0 else 370.0) for i, x in enumerate(xs)]
    a = _one(scene, [zig], width=3)
    assert [g.kind for g in a.groups] == ["cross_out"]
    assert a.groups[0].lines == [20]


def test_gentle_curve_is_freehand(scene):
    curve = [(20 + 100 * t, 60 + 60 * t + 18 * math.sin(2 * math.pi * t)) for t in np.linspace(0, 1, 40)]
    a = _one(scene, [curve], width=4)
    assert [g.kind for g in a.groups] == ["freehand"]


def test_handwriting_is_a_text_mark_without_content(scene):
    glyphs = []
    for i in range(5):
        x = 250 + i * 16
        glyphs += [[(x, 392), (x + 5, 374), (x + 10, 392)], [(x + 2, 384), (x + 8, 384)]]
    a = _one(scene, glyphs, width=2)
    assert [g.kind for g in a.groups] == ["text_mark"]
    g = a.groups[0]
    assert g.lines == [20]
    assert "handwritten note (content not read)" in a.describe()
    assert 245 <= g.bbox[0] <= 252 and g.bbox[2] >= 325


# Coordinates ---------------------------------------------------------------------------------------------

def test_larger_pad_maps_back_to_figure_coordinates(scene):
    small = _one(scene, [ellipse_path(320, 220, 42, 88)], scale=1)
    big = _one(scene, [ellipse_path(320, 220, 42, 88)], scale=2)
    assert big.pad_size == (800, 800) and big.figure_size == SIZE
    assert np.allclose(small.groups[0].bbox, big.groups[0].bbox, atol=4)
    assert big.groups[0].lines == [16]


def test_non_square_pad_scales_each_axis():
    bg = Image.new("RGB", (400, 200), "white")
    layer = stroke_layer([[(100, 100), (700, 300)]], (800, 400), 6)
    a = analyze(editor_value(bg, layer), figure_size=(400, 200), trace=[])
    g = a.groups[0]
    assert g.kind == "line"
    ends = sorted([g.tail, g.head])   # a line has no direction
    assert math.dist(ends[0], (50, 50)) < 5 and math.dist(ends[1], (350, 150)) < 5


def test_blank_pad_is_normalised_and_described_as_layout():
    pad = Image.new("RGB", (600, 600), "white")
    layer = stroke_layer([[(100, 100), (300, 100), (300, 200), (100, 200), (100, 98)]], (600, 600), 5, (0, 0, 0))
    stroke_layer([[(305, 150), (450, 150)], [(432, 138), (452, 150), (432, 162)]], (600, 600), 5, (0, 0, 0), layer)
    stroke_layer([ellipse_path(500, 150, 40, 40)], (600, 600), 5, (0, 0, 0), layer)
    img = Image.alpha_composite(pad.convert("RGBA"), layer).convert("RGB")
    a = analyze(np.asarray(img), figure_size=(400, 400), blank_pad=True)
    kinds = sorted(g.kind for g in a.groups)
    assert kinds == ["arrow", "circle", "rectangle"]
    x0 = min(g.bbox[0] for g in a.groups)
    x1 = max(g.bbox[2] for g in a.groups)
    assert 15 <= x0 <= 45 and 355 <= x1 <= 385          # cropped, padded and rescaled to the canvas width
    text = a.describe()
    assert "blank pad" in text and "box centred at" in text and "circle centred at" in text
    assert "a box and a circle left to right joined by rightward arrows" in text or \
        "2 shapes left to right joined by rightward arrows" in text
    box = next(i for i, g in enumerate(a.groups) if g.kind == "rectangle")
    circ = next(i for i, g in enumerate(a.groups) if g.kind == "circle")
    assert f"part {box + 1} → part {circ + 1} (arrow" in text


# Grounding on real transforms ------------------------------------------------------------------------------

def test_grounding_follows_translate_and_rotate():
    """The rotated box drawn at line 8 sits where translate/rotate put it; circling it grounds to line 8."""
    render = pytest.importorskip("render")
    code = """function setup() {
  createCanvas(400, 300);
  background(255);
  fill(200);
  rect(20, 20, 40, 40);
  push();
  translate(280, 180); rotate(PI / 6);
  rect(-40, -20, 80, 40);
  pop();
  text("label", 30, 250);
}
"""
    try:
        r = render.render(code)
    except Exception as e:  # no browser on this machine
        pytest.skip(f"renderer unavailable: {e}")
    if not r.ok:
        pytest.skip(f"renderer unavailable: {r.status} {r.error}")
    rotated = [c for c in r.trace if c.fn == "rect" and c.line == 8]
    assert rotated and rotated[0].bbox[0] > 200          # boxed after the transform
    layer = stroke_layer([ellipse_path(280, 180, 75, 60)], (400, 300), 5)
    a = analyze(editor_value(r.image, layer), figure_size=(400, 300), trace=r.trace)
    assert [g.kind for g in a.groups] == ["circle"]
    assert a.groups[0].lines == [8]
    assert "line 8" in a.describe()


def test_grounding_with_duck_typed_rotated_calls():
    """Any object with DrawCall's fields works; boxes are taken as already transformed."""
    bg = Image.new("RGB", (300, 300), "white")
    trace = [FakeCall("rect", [-20, -10, 40, 20], 12, (180, 60, 240, 120)),   # after translate+rotate
             FakeCall("ellipse", [60, 200, 40, 40], 15, (40, 180, 80, 220))]
    layer = stroke_layer([[(150, 200), (88, 200)], [(104, 190), (88, 200), (104, 210)],
                          ellipse_path(210, 90, 50, 50)], (300, 300), 4)
    a = analyze(editor_value(bg, layer), figure_size=(300, 300), trace=trace)
    by_kind = {g.kind: g for g in a.groups}
    assert set(by_kind) == {"arrow", "circle"}
    assert by_kind["circle"].lines == [12]
    assert by_kind["arrow"].lines == [15] and by_kind["arrow"].matches.get("to")


# Several marks -------------------------------------------------------------------------------------------

def test_several_groups_in_one_sketch(scene):
    bg, trace = scene
    layer = stroke_layer([ellipse_path(320, 220, 42, 88)], SIZE, 5, (220, 30, 30))
    stroke_layer([[(135, 14), (265, 44)], [(265, 14), (135, 44)]], SIZE, 4, (30, 140, 40), layer)
    stroke_layer([[(97, 153), (183, 146)]], SIZE, 4, (30, 60, 220), layer)
    a = analyze(editor_value(bg, layer), figure_size=SIZE, trace=trace)
    got = {g.kind: g.lines for g in a.groups}
    assert got == {"circle": [16], "cross_out": [31], "line": [14, 15]}
    assert [g.order for g in a.groups] == [0, 1, 2]
    text = a.describe()
    assert text.startswith("The user drew 3 marks") and text.count("\n") == 3
    assert a.lines == [14, 15, 16, 31]
    png = Image.open(io.BytesIO(a.overlay_png))
    assert png.size == SIZE


def test_composite_only_value_still_finds_strokes(scene):
    bg, trace = scene
    value = editor_value(bg, stroke_layer([ellipse_path(320, 220, 42, 88)], SIZE, 5))
    value["layers"] = []
    a = analyze(value, figure_size=SIZE, trace=trace)
    assert a.source == "composite"
    assert [g.kind for g in a.groups] == ["circle"] and a.groups[0].lines == [16]


def test_without_trace_positions_only(scene):
    bg, _ = scene
    a = analyze(editor_value(bg, stroke_layer([ellipse_path(320, 220, 42, 88)], SIZE, 5)), figure_size=SIZE)
    assert a.groups[0].lines == []
    assert "no draw trace" in a.describe()


def test_line_ranges_phrasing():
    assert line_ranges([15, 14, 20]) == "lines 14–15, 20"
    assert line_ranges([7]) == "line 7"


# Empty and hostile input -----------------------------------------------------------------------------------

def test_all_transparent_layer_is_refused(scene):
    bg, trace = scene
    empty = np.zeros((400, 400, 4), np.uint8)
    with pytest.raises(SketchError, match="empty"):
        analyze({"background": np.asarray(bg), "layers": [empty], "composite": None}, SIZE, trace)
    with pytest.raises(SketchError, match="empty"):
        analyze({"background": np.asarray(bg), "layers": [empty], "composite": np.asarray(bg)}, SIZE, trace)


def test_near_empty_sketch_is_refused(scene):
    bg, trace = scene
    layer = np.zeros((400, 400, 4), np.uint8)
    layer[200:203, 200:203] = 255
    with pytest.raises(SketchError, match="nearly empty"):
        analyze({"background": np.asarray(bg), "layers": [layer], "composite": None}, SIZE, trace)


def test_absurdly_large_input_is_refused_before_decoding():
    huge = np.broadcast_to(np.zeros((1, 1, 4), np.uint8), (20000, 20000, 4))   # no memory behind it
    with pytest.raises(SketchError, match="too large"):
        analyze(huge, (400, 400), blank_pad=True)
    buf = io.BytesIO()
    Image.new("L", (9000, 10)).save(buf, format="PNG")
    with pytest.raises(SketchError, match="too large"):
        analyze(buf.getvalue(), (400, 400), blank_pad=True)


@pytest.mark.parametrize("bad", [
    b"\x89PNG\r\n\x1a\n garbage bytes",
    b"",
    "/nonexistent/sketch.png",
    np.zeros((10, 10, 4), np.complex64),
    np.full((50, 50, 3), np.nan, np.float32),
    np.zeros((3, 50, 50, 3), np.uint8),
    12345,
    {"background": "not-a-file.png", "layers": [], "composite": None},
])
def test_unreadable_input_gives_a_clear_message(bad):
    with pytest.raises(SketchError) as e:
        analyze(bad, (400, 400))
    assert isinstance(e.value, ValueError) and len(str(e.value)) > 10


def test_other_dtypes_and_grayscale_are_accepted():
    pad = np.ones((300, 300), np.float64)                  # grayscale, floats in [0, 1]
    pad[148:153, 40:260] = 0.0
    a = analyze(pad, (300, 300), blank_pad=True)
    assert [g.kind for g in a.groups] == ["line"]
    pad16 = (np.ones((300, 300, 3)) * 65535).astype(np.uint16)
    pad16[148:153, 40:260] = 0
    assert [g.kind for g in analyze(pad16, (300, 300), blank_pad=True).groups] == ["line"]


# Synthetic generator ---------------------------------------------------------------------------------------

def test_synth_sketch_has_ground_truth_and_is_reproducible(scene):
    bg, trace = scene
    a = make_sketch(bg, trace, np.random.default_rng(7), SynthConfig(), kinds=["circle", "arrow"])
    b = make_sketch(bg, trace, np.random.default_rng(7), SynthConfig(), kinds=["circle", "arrow"])
    assert [g.kind for g in a.groups] == [g.kind for g in b.groups]
    assert np.array_equal(a.value["composite"], b.value["composite"])
    valid = {c.line for c in trace}
    assert a.groups and all(set(g.lines) <= valid for g in a.groups)
    pad = a.pad_size
    assert a.value["composite"].shape[:2] == (pad[1], pad[0])
    res = analyze(a.value, figure_size=a.figure_size, trace=trace)
    assert res.groups


def test_synth_covers_every_kind(scene):
    bg, trace = scene
    rng = np.random.default_rng(3)
    seen = set()
    for k in KINDS:
        s = make_sketch(bg, trace, rng, SynthConfig(), kinds=[k])
        seen |= {g.kind for g in s.groups}
    assert seen == set(KINDS)


def test_noise_is_refused_not_described():
    rng = np.random.default_rng(0)
    noise = 1.0 - (rng.random((400, 400)) > 0.97).astype(np.float32)   # hundreds of separate dots
    with pytest.raises(SketchError, match="noise"):
        analyze(noise, (400, 400), blank_pad=True)
    filled = np.zeros((400, 400, 4), np.uint8)
    filled[:, :, 3] = 255                                                 # a layer painted all over
    with pytest.raises(SketchError, match="picture"):
        analyze({"background": np.full((400, 400, 3), 255, np.uint8), "layers": [filled], "composite": None},
                (400, 400))


# Connected diagrams on a blank pad ---------------------------------------------------------------------------------

def _pad(paths_by_width, size=(800, 600)):
    """A white pad image with black strokes: [(paths, width), …]."""
    layer = None
    for paths, width in paths_by_width:
        layer = stroke_layer(paths, size, width, (20, 20, 20), layer)
    img = Image.alpha_composite(Image.new("RGBA", size, (255, 255, 255, 255)), layer)
    return np.asarray(img.convert("RGB"))


def _toward(c, r, other):
    d = math.dist(c, other)
    return (c[0] + (other[0] - c[0]) / d * r, c[1] + (other[1] - c[1]) / d * r)


def _network_pad(left=3, right=2, r=38):
    lx, rx = 200, 600
    ls = [(lx, 300 + (k - (left - 1) / 2) * 150) for k in range(left)]
    rs = [(rx, 300 + (k - (right - 1) / 2) * 150) for k in range(right)]
    circles = [ellipse_path(x, y, r, r) for x, y in ls + rs]
    lines = [[_toward(a, r, b), _toward(b, r, a)] for a in ls for b in rs]   # they cross in the middle
    return _pad([(circles, 5), (lines, 4)])


def test_hand_drawn_network_is_read_as_two_fully_connected_columns():
    a = analyze(_network_pad(3, 2), figure_size=(400, 400), blank_pad=True)
    counts = a.diagram.counts()
    assert counts["circle"] == 5 and counts["line"] == 6 and counts["arrow"] == 0
    assert a.structure["layers"] == [3, 2] and a.structure["fully_connected"]
    pairs = {frozenset((c.a, c.b)) for c in a.diagram.connections}
    assert len(pairs) == 6
    text = a.describe()
    assert "a diagram of 5 circles in 2 columns (3 left, 2 right); each left circle is joined by a line to each " \
           "right circle" in text
    assert text.count(" — part ") == 6                      # the connection list
    assert all(0 <= v <= 400 for g in a.groups for v in g.bbox)   # normalised to the canvas


def test_crossing_lines_stay_two_lines():
    # Two circles on the left, two on the right, each joined to the one diagonally across: an X in the middle.
    r = 40
    cs = [(150, 150), (150, 450), (650, 150), (650, 450)]
    circles = [ellipse_path(x, y, r, r) for x, y in cs]
    lines = [[_toward(cs[0], r, cs[3]), _toward(cs[3], r, cs[0])], [_toward(cs[1], r, cs[2]), _toward(cs[2], r, cs[1])]]
    a = analyze(_pad([(circles, 5), (lines, 5)]), figure_size=(400, 400), blank_pad=True)
    assert a.diagram.counts()["line"] == 2 and a.diagram.counts()["circle"] == 4
    got = {frozenset((c.a, c.b)) for c in a.diagram.connections}
    centre = {i: a.groups[i].center for i in a.diagram.shapes}
    # Each line joins a top shape to the bottom shape on the other side.
    for pair in got:
        i, j = sorted(pair, key=lambda k: centre[k][0])
        assert (centre[i][1] < 200) != (centre[j][1] < 200)


def _arrow(tail, tip, bl=26, spread=0.5):
    ang = math.atan2(tip[1] - tail[1], tip[0] - tail[0])
    b1 = (tip[0] - bl * math.cos(ang - spread), tip[1] - bl * math.sin(ang - spread))
    b2 = (tip[0] - bl * math.cos(ang + spread), tip[1] - bl * math.sin(ang + spread))
    return [[tail, tip], [b1, tip, b2]]                     # the head as a separate stroke


def test_flowchart_of_boxes_joined_by_downward_arrows():
    boxes, arrows = [], []
    ys = [90, 300, 510]
    for y in ys:
        boxes.append([(280, y - 50), (520, y - 50), (520, y + 50), (280, y + 50), (280, y - 54)])
    for y0, y1 in zip(ys, ys[1:]):
        arrows += _arrow((400, y0 + 52), (400, y1 - 52))
    a = analyze(_pad([(boxes, 5), (arrows, 5)], (800, 600)), figure_size=(400, 400), blank_pad=True)
    counts = a.diagram.counts()
    assert counts["rectangle"] == 3 and counts["arrow"] == 2 and counts["line"] == 0
    ch = a.structure["chain"]
    assert ch["direction"] == "down" and ch["arrows"] == "forward" and len(ch["order"]) == 3
    assert "3 boxes top to bottom joined by downward arrows" in a.describe()


@pytest.mark.parametrize("gap, barb", [(44, 16), (56, 22)])
def test_short_arrows_between_boxes_close_together_point_one_way(gap, barb):
    """Five boxes stacked close together, each joined to the next by a short arrow whose head covers a good part
    of it: every arrow has one head, at its lower end (not a double-headed arrow), so the chain reads downward."""
    hh, boxes, arrows = 36, [], []
    ys = [50 + k * (2 * hh + gap) for k in range(5)]
    for y in ys:
        boxes.append([(300, y - hh), (500, y - hh), (500, y + hh), (300, y + hh), (300, y - hh - 4)])
    for y0, y1 in zip(ys, ys[1:]):
        arrows += _arrow((400, y0 + hh + 2), (400, y1 - hh - 2), bl=barb)
    a = analyze(_pad([(boxes, 5), (arrows, 5)], (800, 600)), figure_size=(400, 400), blank_pad=True)
    counts = a.diagram.counts()
    assert counts["rectangle"] == 5 and counts["arrow"] == 4 and counts["line"] == 0
    assert [p.heads for p in a.diagram.primitives if p.kind == "arrow"] == [1] * 4
    ch = a.structure["chain"]
    assert len(ch["order"]) == 5 and ch["direction"] == "down" and ch["arrows"] == "forward"


def _flat_box_chain(ys, hh, x0, dx, inward, **arrow_kw):
    """Flat boxes at ys (half height hh, long sides of 21 points from x0 in steps dx) joined top to bottom by
    arrows; inward[k] = (top, bottom) is how far box k's long sides bow in at their middle (negative: out)."""
    boxes, arrows = [], []
    for y, (in_top, in_bot) in zip(ys, inward):
        top = [(x0 + dx * t, y - hh + in_top * math.sin(math.pi * t / 20)) for t in range(21)]
        bot = [(x0 + dx * (20 - t), y + hh - in_bot * math.sin(math.pi * t / 20)) for t in range(21)]
        boxes.append(top + bot + [top[0], (top[0][0], top[0][1] - 4)])
    for y0, y1 in zip(ys, ys[1:]):
        arrows += _arrow((x0 + 10 * dx, y0 + hh + 2), (x0 + 10 * dx, y1 - hh - 2), **arrow_kw)
    return boxes, arrows


@pytest.mark.parametrize("sag, both_sides", [(8, True), (12, False), (16, False)])
def test_flat_box_whose_long_sides_sag_is_still_a_box(sag, both_sides):
    """A flat box drawn with its long sides bowing in (a wobbly hand over a long edge) is a box, not a free
    curve or an arrow: the flowchart keeps its three boxes in a downward chain."""
    boxes, arrows = _flat_box_chain([80, 300, 520], 35, 250, 15,
                                    [(sag, sag if both_sides else 0), (0, 0), (0, 0)])
    a = analyze(_pad([(boxes, 5), (arrows, 5)], (800, 600)), figure_size=(400, 400), blank_pad=True)
    counts = a.diagram.counts()
    assert counts["rectangle"] == 3 and counts["arrow"] == 2 and counts["freehand"] == 0
    ch = a.structure["chain"]
    assert len(ch["order"]) == 3 and ch["direction"] == "down" and ch["arrows"] == "forward"


@pytest.mark.parametrize("bulge", [8, 12])
def test_flat_box_whose_long_sides_bulge_is_a_box_and_a_flat_ellipse_an_ellipse(bulge):
    """A flat box whose long sides bow out (fitting an ellipse about as well as a box) keeps its straight short
    sides, so it is a box; a flat ellipse of the same size beside the chain stays an ellipse."""
    boxes, arrows = _flat_box_chain([80, 300, 520], 18, 230, 12, [(0, 0), (-bulge, -bulge), (0, 0)], bl=18)
    ellipse = [ellipse_path(650, 300, 110, 28)]
    a = analyze(_pad([(boxes, 4), (arrows, 4), (ellipse, 4)], (800, 600)), figure_size=(400, 400), blank_pad=True)
    counts = a.diagram.counts()
    assert counts["rectangle"] == 3 and counts["circle"] == 1 and counts["arrow"] == 2
    prims = a.diagram.primitives
    assert all(prims[c.a].kind == prims[c.b].kind == "rectangle" and c.directed for c in a.diagram.connections)


@pytest.mark.parametrize("sag", [10, 11])
def test_flat_box_pinched_by_both_long_sides_sagging_in_is_a_box(sag):
    """A flat box whose long sides both bow in (an hourglass, less convex than a box with one sagging side) still
    has straight short sides across its ends: a box, not an arrow or a free curve."""
    boxes, arrows = _flat_box_chain([80, 300, 520], 35, 250, 15, [(0, 0), (sag, sag), (0, 0)])
    a = analyze(_pad([(boxes, 5), (arrows, 5)], (800, 600)), figure_size=(400, 400), blank_pad=True)
    counts = a.diagram.counts()
    assert counts["rectangle"] == 3 and counts["arrow"] == 2 and counts["freehand"] == 0 and counts["line"] == 0
    ch = a.structure["chain"]
    assert len(ch["order"]) == 3 and ch["direction"] == "down" and ch["arrows"] == "forward"


def test_bar_chart_on_axes_reports_bar_count_and_heights():
    axes = [[(100, 60), (100, 540), (760, 540)]]               # one L-shaped stroke
    heights = [150, 300, 220, 400]
    bars = [[(170 + k * 150, 540), (170 + k * 150, 540 - h), (260 + k * 150, 540 - h), (260 + k * 150, 540)]
            for k, h in enumerate(heights)]                   # three sides, standing on the axis
    a = analyze(_pad([(axes, 5), (bars, 5)]), figure_size=(400, 400), blank_pad=True)
    counts = a.diagram.counts()
    assert counts["axes"] == 1 and counts["rectangle"] == 4
    assert a.structure["bars"] == 4
    hs = a.structure["bar_heights"]
    assert sorted(range(4), key=lambda k: hs[k]) == sorted(range(4), key=lambda k: heights[k])
    assert "x and y axes" in a.describe() and "with 4 bars of heights" in a.describe()


def test_label_inside_a_shape_is_text_not_geometry():
    glyphs = []
    for i in range(3):
        x = 370 + i * 22
        glyphs += [[(x, 312), (x + 7, 288), (x + 14, 312)], [(x + 3, 302), (x + 11, 302)]]
    a = analyze(_pad([([ellipse_path(400, 300, 110, 80)], 5), (glyphs, 2)]), figure_size=(400, 400),
                blank_pad=True)
    counts = a.diagram.counts()
    assert counts["circle"] == 1 and counts["text_mark"] == 1 and counts["line"] == 0
    assert "with a handwritten label inside" in a.describe()


@pytest.mark.parametrize("both_sides", [False, True])
def test_label_running_into_its_circles_outline_is_one_label_not_lines(both_sides):
    """Handwriting inside a node whose strokes run on into the node's outline (an L's foot, a T's bar) is still
    the node's label: two circles, one line between them, one text mark, nothing else."""
    cs, r = [(250, 300), (560, 300)], 60
    circles = [ellipse_path(x, y, r, r) for x, y in cs]
    line = [[_toward(cs[0], r, cs[1]), _toward(cs[1], r, cs[0])]]
    glyphs = [[(190 if both_sides else 212, 288), (232, 288)], [(222, 288), (222, 314)],             # T
              [(258, 290), (242, 290), (242, 301), (258, 301), (258, 314), (242, 314)],               # S
              [(268, 288), (268, 314), (310, 314)]]                                                    # L
    a = analyze(_pad([(circles, 5), (line, 5), (glyphs, 3)]), figure_size=(400, 400), blank_pad=True)
    counts = a.diagram.counts()
    assert counts["circle"] == 2 and counts["line"] == 1 and counts["text_mark"] == 1
    assert counts["arrow"] == 0 and counts["freehand"] == 0
    assert len(a.diagram.connections) == 1
    assert "with a handwritten label inside" in a.describe()


def test_synthetic_diagrams_are_reproducible_and_carry_truth():
    from sketch.synth import DIAGRAM_FAMILIES, make_diagram
    for fam in DIAGRAM_FAMILIES:
        d1 = make_diagram(np.random.default_rng(5), fam)
        d2 = make_diagram(np.random.default_rng(5), fam)
        img1 = d1.value if isinstance(d1.value, np.ndarray) else d1.value["composite"]
        img2 = d2.value if isinstance(d2.value, np.ndarray) else d2.value["composite"]
        assert np.array_equal(img1, img2) and d1.counts == d2.counts and d1.structure == d2.structure
        assert sum(d1.counts.values()) >= 2
        assert all(0 <= a < len(d1.shapes) and 0 <= b < len(d1.shapes) for a, b, _ in d1.connections)
    with pytest.raises(ValueError, match="unknown diagram family"):
        make_diagram(np.random.default_rng(0), "pie_chart")


def test_diagram_evaluation_scores_a_perfect_and_a_broken_reading():
    from sketch.evaluate import score_diagram
    from sketch.synth import make_diagram
    d = make_diagram(np.random.default_rng(11), "tree")
    a = analyze(d.value, figure_size=(400, 400), blank_pad=True)
    sc = score_diagram(d, a)
    assert sc.tp + sc.fn == len(d.connections)
    a.diagram.connections = []                               # nothing joined: every truth connection is missed
    sc2 = score_diagram(d, a)
    assert sc2.tp == 0 and sc2.fn == len(d.connections)


def test_pad_sketch_of_a_network_reaches_the_model_with_layers_and_connections():
    """The text the app sends for a blank-pad sketch of a 3-2 network states the layer sizes and connections."""
    from _app_util import ScriptedGenerator  # noqa: F401  (the app's scripted test model)
    import app.handlers as h
    from test_app import _engine, _run
    engine, gen = _engine()
    s = h.Session()
    img = _network_pad(3, 2)
    layer = np.zeros((img.shape[0], img.shape[1], 4), np.uint8)
    ink = img.min(axis=2) < 128
    layer[ink] = (20, 20, 20, 255)
    pad = np.full_like(layer, 255)
    _run(h.sketch_turn(engine, s, {"background": pad, "layers": [layer], "composite": None}, "", True))
    req = gen.requests[-1]
    assert "5 circles in 2 columns (3 left, 2 right)" in req.sketch_text
    assert "each left circle is joined by a line to each right circle" in req.sketch_text
    assert req.sketch_text.count(" — part ") == 6


def test_arrow_drawn_between_two_circled_nodes_is_taken_apart_and_grounded_through_the_circles(scene):
    """Marks over a figure that touch each other (an arrow from one circled node to another) are read as three
    marks, and the arrow's ends point at what the circles mark."""
    bg, trace = scene
    y0, y1 = 400 * (0.3 + 0.5 * 0.5 / 3), 400 * (0.3 + 0.5 * 1.5 / 4)   # a left node (line 14), a middle one (15)
    a, b = (80 + 28, y0), (200 - 28, y1)
    ang = math.atan2(b[1] - a[1], b[0] - a[0])
    head = [(b[0] - 14 * math.cos(ang - 0.5), b[1] - 14 * math.sin(ang - 0.5)), b,
            (b[0] - 14 * math.cos(ang + 0.5), b[1] - 14 * math.sin(ang + 0.5))]
    paths = [ellipse_path(80, y0, 28, 28), ellipse_path(200, y1, 28, 28), [a, b], head]
    an = analyze(editor_value(bg, stroke_layer(paths, SIZE, 4, (220, 30, 30))), figure_size=SIZE, trace=trace)
    assert sorted(g.kind for g in an.groups) == ["arrow", "circle", "circle"]
    arrow = next(g for g in an.groups if g.kind == "arrow")
    assert arrow.lines == [14, 15]
    assert "drew an arrow from the circle drawn at line 14" in an.describe()
    assert "to the circle drawn at line 15" in an.describe()


def test_benchmark_row_with_a_pad_sketch_is_read_as_a_diagram(tmp_path):
    """A benchmark row holding a sketch and no program before it is a blank pad: the model is told the diagram."""
    from eval.generate import _request
    path = tmp_path / "pad.png"
    Image.fromarray(_network_pad(3, 2)).save(path)
    req = _request({"id": "pad", "prompt": "Draw this figure.", "image": str(path)}, "p5", None)
    assert "5 circles in 2 columns (3 left, 2 right)" in req.sketch_text


@pytest.mark.parametrize("family, seed", [("state_machine", 0), ("state_machine", 15), ("flowchart", 3),
                                          ("flowchart", 10)])
def test_hand_drawn_state_machines_and_flowcharts_are_read_exactly(family, seed):
    """Sketches whose heads sit on a shape's edge or are cut off by its outline, with arrows both ways between two
    states or an arrow ending inside a box, are read with every count, connection and the structure right."""
    from sketch.evaluate import score_diagram
    from sketch.synth import make_diagram
    d = make_diagram(np.random.default_rng(seed), family)
    sc = score_diagram(d, analyze(d.value, figure_size=(400, 400), blank_pad=True))
    assert sc.counts_exact, sc.kind_exact
    assert sc.fp == 0 and sc.fn == 0 and sc.structure_ok


def _read_synthetic(family, seed):
    """A synthetic hand-drawn diagram, its analysis and its score."""
    from sketch.evaluate import score_diagram
    from sketch.synth import make_diagram
    d = make_diagram(np.random.default_rng(seed), family)
    a = analyze(d.value, figure_size=(400, 400), blank_pad=True)
    return d, a, score_diagram(d, a)


def _assert_plot_read_right(seed: int, no_arrows: bool = False) -> None:
    """A synthetic function plot is read as one pair of axes and exactly its drawn curves, no stray line (nor
    arrow, with no_arrows), with exact counts and structure."""
    d, a, sc = _read_synthetic("function_plot", seed)
    counts = a.diagram.counts()
    assert counts["axes"] == 1 and counts["line"] == 0
    if no_arrows:
        assert counts["arrow"] == 0
    assert counts["freehand"] == d.structure["curves"] == a.structure["curves"]
    assert sc.counts_exact and sc.structure_ok


@pytest.mark.parametrize("seed", [7, 9, 11])
def test_plot_curves_cut_by_the_axes_and_each_other_are_read_as_whole_curves(seed):
    """Curves crossing each other and the axes (a sharp peak, a vertex on the y axis) are each one free curve:
    no piece is left over as a line or an arrow, and the curve count is the number drawn."""
    _assert_plot_read_right(seed, no_arrows=True)


@pytest.mark.parametrize("seed", [27, 54, 60])
def test_rest_of_a_wobbly_axis_past_where_it_was_followed_is_part_of_the_axis(seed):
    """An axis wobbling more than the walk along it follows stops short of its drawn end; the piece going on
    from there along the axis's line (with its arrowhead) is the axis, not another curve or a line."""
    _assert_plot_read_right(seed)


@pytest.mark.parametrize("seed", [30, 39])
def test_curve_running_on_along_a_wobbly_axis_is_still_one_curve(seed):
    """A curve meeting a wobbly axis at a shallow angle, traced on a stretch along the axis's ink, is still
    one curve: that stretch is the axis's, so the curve joins its other half across the axis."""
    _assert_plot_read_right(seed)


@pytest.mark.parametrize("seed", [106, 229])
def test_curve_through_where_the_axes_cross_is_one_curve(seed):
    """A curve passing through where the axes cross loses a longer stretch (both axes cut it there): its two
    halves are still joined into one curve."""
    _assert_plot_read_right(seed)


@pytest.mark.parametrize("seed", [25, 34])
def test_peak_drawn_over_a_wobbly_y_axis_is_one_curve(seed):
    """A peak drawn over a wobbly y axis is cut there with its two halves' ends hooked past each other (no inked
    straight gap between them): ends that continue each other and meet through the ink join, one curve."""
    _assert_plot_read_right(seed)


@pytest.mark.parametrize("seed", [76, 86])
def test_curve_whose_valley_touches_another_curve_gives_its_stretch_back(seed):
    """A curve whose valley touches another curve at a shallow angle is traced on along the other curve to its
    end; that stretch is given back, so the plot is read as its two curves, not three."""
    _assert_plot_read_right(seed)


@pytest.mark.parametrize("seed", [211, 281])
def test_space_under_a_curve_over_the_axes_corner_is_no_bar(seed):
    """The space a parabola encloses with the x axis and the y axis (its peak on the y axis) is no bar: a bar's
    sides are its own strokes, not the y axis."""
    _assert_plot_read_right(seed)
    d, a, _ = _read_synthetic("function_plot", seed)
    assert a.diagram.counts()["rectangle"] == 0


@pytest.mark.parametrize("seed", [5, 37])
def test_two_curves_meeting_at_one_spot_from_the_same_side_stay_two_curves(seed):
    """Two peaks on one spot (both rising from the left), or a valley on another curve, are traced as one path
    turning back in x; a function's graph never turns back, so it is cut there and each half joins its own
    curve's other side: the plot is read as its curves."""
    _assert_plot_read_right(seed)


@pytest.mark.parametrize("seed", [342, 440])
def test_hump_of_a_curve_over_the_x_axis_is_no_bar(seed):
    """The space a sine curve's hump encloses with the x axis is no bar: it narrows to its top, a bar's flat
    top spans its width."""
    _assert_plot_read_right(seed)
    d, a, _ = _read_synthetic("function_plot", seed)
    assert a.diagram.counts()["rectangle"] == 0


@pytest.mark.parametrize("seed", [14, 36])
def test_box_closed_with_an_overshoot_past_its_corner_has_no_stray_line(seed):
    """The pen running on past a box's corner (closing it with an overshoot) is part of the box, not a line."""
    d, a, sc = _read_synthetic("flowchart", seed)
    counts = a.diagram.counts()
    assert counts["line"] == 0 and counts["freehand"] == 0
    assert counts["rectangle"] == d.counts["rectangle"] and counts["arrow"] == d.counts["arrow"]
    assert sc.counts_exact and sc.structure_ok


@pytest.mark.parametrize("corner", ["left", "right"])
def test_feedback_arrow_drawn_in_two_strokes_meeting_at_a_corner_is_one_arrow(corner):
    """A feedback path under a row of boxes whose pen lifted at one of its corners (running a little past it) is
    one arrow back to the first box, not an arrow and a stray line."""
    xs, yb, over = [120, 330, 540], 380, 6
    boxes = [[(x - 70, 150), (x + 70, 150), (x + 70, 250), (x - 70, 250), (x - 70, 146)] for x in xs]
    arrows = [s for x0, x1 in zip(xs, xs[1:]) for s in _arrow((x0 + 72, 200), (x1 - 72, 200))]
    if corner == "left":
        path = [[(xs[-1], 252), (xs[-1], yb), (xs[0] - over, yb)], [(xs[0], yb + over), (xs[0], 252)]]
    else:
        path = [[(xs[-1], 252), (xs[-1], yb + over)], [(xs[-1] + over, yb), (xs[0], yb), (xs[0], 252)]]
    path.append([(xs[0] - 13, 276), (xs[0], 252), (xs[0] + 13, 276)])          # the head on the first box
    a = analyze(_pad([(boxes, 5), (arrows + path, 5)], (800, 600)), figure_size=(400, 400), blank_pad=True)
    counts = a.diagram.counts()
    assert counts["rectangle"] == 3 and counts["arrow"] == 3 and counts["line"] == 0 and counts["freehand"] == 0
    ch = a.structure["chain"]
    assert len(ch["order"]) == 3 and ch["direction"] == "right" and ch["arrows"] == "forward"
    first, last = ch["order"][0], ch["order"][-1]
    assert ch["feedback"] == (last, first)


@pytest.mark.parametrize("seed", [2, 23])
def test_feedback_arrow_routed_under_a_row_of_boxes_is_not_read_as_axes(seed):
    """A feedback path (down from the last box, back left, up into the first) turns at a lower-left corner like
    axes, but its end runs into a box: the diagram stays a chain of boxes with a feedback connection."""
    d, a, sc = _read_synthetic("block_diagram", seed)
    assert d.structure["feedback"]
    assert a.diagram.counts()["axes"] == 0
    ch = a.structure["chain"]
    assert len(ch["order"]) == d.structure["chain"] and ch["direction"] == "right" and "feedback" in ch
    assert sc.counts_exact and sc.fp == 0 and sc.fn == 0


@pytest.mark.parametrize("seed", [43, 47, 65])
def test_venn_circle_left_open_where_another_crosses_it_is_still_a_circle(seed):
    """A circle whose pen stopped short where another circle crosses it goes most of the way round: it is read as
    a circle (not a free curve), so the Venn diagram has every circle drawn."""
    d, a, sc = _read_synthetic("venn", seed)
    counts = a.diagram.counts()
    assert counts["circle"] == d.structure["circles"] and counts["freehand"] == 0
    assert a.structure.get("venn") == d.structure["circles"]
    assert sc.counts_exact and sc.structure_ok


@pytest.mark.parametrize("seed", [18, 75])
def test_venn_lens_between_two_circles_is_not_read_as_a_circle(seed):
    """Two overlapping circles, one left open where it crosses the other: the lens between them is their
    overlap, not a third circle, and the open outline is a circle, not a free curve or a polyline."""
    d, a, sc = _read_synthetic("venn", seed)
    counts = a.diagram.counts()
    assert d.structure["circles"] == 2
    assert counts["circle"] == 2 and counts["freehand"] == 0 and counts["line"] == 0
    assert a.structure.get("venn") == 2
    assert sc.counts_exact and sc.structure_ok


@pytest.mark.parametrize("seed", [0, 10, 15])
def test_bar_whose_side_stops_short_of_the_axis_is_still_a_bar(seed):
    """A three-sided bar whose pen lifted a little above the x axis is a bar, not a free curve or a line."""
    d, a, sc = _read_synthetic("bar_chart", seed)
    counts = a.diagram.counts()
    assert counts["rectangle"] == d.structure["bars"] == a.structure["bars"]
    assert counts["freehand"] == 0 and counts["line"] == 0
    assert sc.counts_exact and sc.structure_ok


@pytest.mark.parametrize("seed", [14, 74, 114])
def test_two_short_arrows_both_ways_between_states_are_two_arrows(seed):
    """Between two states in a row, one arrow each way, drawn side by side: the one starting beside the other's
    tip is an arrow of its own, not a barb of that tip, so every connection is read with its direction."""
    d, a, sc = _read_synthetic("state_machine", seed)
    pairs = {(x, y) for x, y, _ in d.connections}
    assert any((y, x) in pairs for x, y in pairs)
    assert a.diagram.counts()["arrow"] == d.counts["arrow"]
    assert sc.counts_exact and sc.fp == 0 and sc.fn == 0 and sc.structure_ok


@pytest.mark.parametrize("seed", [8, 38, 92])
def test_dense_network_of_plain_lines_has_no_stray_arrow(seed):
    """A fully connected network drawn with plain lines: ink where lines cross near a node is not read as an
    arrowhead, so every connector is a line and every connection undirected."""
    d, a, sc = _read_synthetic("network", seed)
    assert d.counts["arrow"] == 0
    counts = a.diagram.counts()
    assert counts["arrow"] == 0 and counts["line"] == d.counts["line"]
    assert not any(c.directed for c in a.diagram.connections)
    assert sc.counts_exact and sc.fp == 0 and sc.fn == 0 and sc.structure_ok


@pytest.mark.parametrize("seed", [19, 33, 51])
def test_two_arrows_bowing_apart_between_two_states_are_both_kept(seed):
    """An arrow each way between two states, bowing a little apart, leaves ink all along the straight segment
    between the states; the two strokes are the connectors (one way each), not one straight connector."""
    d, a, sc = _read_synthetic("state_machine", seed)
    pairs = {(x, y) for x, y, _ in d.connections}
    assert any((y, x) in pairs for x, y in pairs)
    assert a.diagram.counts()["arrow"] == d.counts["arrow"] and a.diagram.counts()["line"] == 0
    assert sc.counts_exact and sc.fp == 0 and sc.fn == 0 and sc.structure_ok


@pytest.mark.parametrize("seed", [19, 41, 51])
def test_arrows_whose_heads_pile_up_at_the_nodes_they_reach_are_arrows(seed):
    """A network drawn with arrows whose heads pile up where several arrive at one node: the ink there, heavy
    on the nodes' arriving sides and light where the arrows leave, makes every connector an arrow that way."""
    d, a, sc = _read_synthetic("network", seed)
    assert d.counts["arrow"] > 0
    counts = a.diagram.counts()
    assert counts["arrow"] == d.counts["arrow"] and counts["line"] == 0
    assert sc.counts_exact and sc.fp == 0 and sc.fn == 0 and sc.structure_ok


@pytest.mark.parametrize("family, seed", [("flowchart", 30), ("state_machine", 17)])
def test_short_word_touching_its_shapes_outline_is_still_its_label(family, seed):
    """A label of a few letters close enough to the outline to touch it is one text mark inside the shape, not
    lost with the ring or read as strokes."""
    d, a, sc = _read_synthetic(family, seed)
    assert a.diagram.counts()["text_mark"] == d.counts["text_mark"]
    assert sc.counts_exact and sc.fp == 0 and sc.fn == 0 and sc.structure_ok


@pytest.mark.parametrize("seed", [9, 13, 67])
def test_box_left_open_with_an_arrow_running_into_it_is_one_box(seed):
    """A box the pen left open at a corner, with an arrow running on into it above the next arrow's start: the
    pen's gap is closed first, so the arrow's end is not bridged across the box's inside to the next arrow's
    start (which cut the box into two cells, lost it, and left its outline a free curve)."""
    d, a, sc = _read_synthetic("flowchart", seed)
    counts = a.diagram.counts()
    assert counts["rectangle"] == d.counts["rectangle"] and counts["freehand"] == 0
    assert sc.counts_exact and sc.fp == 0 and sc.fn == 0 and sc.structure_ok


@pytest.mark.parametrize("seed", [57, 67])
def test_barb_left_over_at_an_arrows_tip_is_not_an_arrow_of_its_own(seed):
    """A short stroke at an arrow's tip that joins no two states (a barb the head was found without) is part of
    that head: no extra arrow or line is counted, and every connection keeps its direction."""
    d, a, sc = _read_synthetic("state_machine", seed)
    counts = a.diagram.counts()
    assert counts["arrow"] == d.counts["arrow"] and counts["line"] == d.counts["line"]
    assert sc.counts_exact and sc.fp == 0 and sc.fn == 0 and sc.structure_ok


@pytest.mark.parametrize("seed", [18, 28])
def test_lone_head_seen_only_as_widening_ink_among_tree_lines_is_a_line(seed):
    """A tree's lines leave the parent from about one spot (or end beside a box's corner): the ink widening
    there is no arrowhead, so no line of the tree is read as an arrow."""
    d, a, sc = _read_synthetic("tree", seed)
    assert d.counts["arrow"] == 0
    counts = a.diagram.counts()
    assert counts["arrow"] == 0 and counts["line"] == d.counts["line"]
    assert not any(c.directed for c in a.diagram.connections)
    assert sc.counts_exact and sc.fp == 0 and sc.fn == 0 and sc.structure_ok
