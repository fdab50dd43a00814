"""Mathematical figures: function plots with axes, Venn diagrams, vectors, triangles and heatmaps."""
from __future__ import annotations

import math
import random
from typing import Any, Sequence

from ._base import (
    toggle_edit,
    ARROW_FN,
    CANVASES,
    Edit,
    Family,
    Raw,
    calls,
    color_iro,
    color_ja,
    copy_params,
    expect_count,
    expect_texts,
    hex_of,
    p5_program,
    pick_color,
    texts,
)

# name: (label, JS body, x range, y range, Japanese name)
_FUNCS: dict[str, tuple[str, str, tuple[float, float], tuple[float, float], str]] = {
    "sin": ("sin(x)", "sin(x)", (-6, 6), (-1.5, 1.5), "正弦関数"),
    "cos": ("cos(x)", "cos(x)", (-6, 6), (-1.5, 1.5), "余弦関数"),
    "square": ("x^2", "x * x", (-3, 3), (-1, 9), "二次関数"),
    "cubic": ("x^3 - 3x", "x * x * x - 3 * x", (-3, 3), (-6, 6), "三次関数"),
    "gauss": ("exp(-x^2)", "exp(-x * x)", (-3, 3), (-0.5, 1.5), "ガウス関数"),
    "tanh": ("tanh(x)", "Math.tanh(x)", (-4, 4), (-1.5, 1.5), "双曲線正接関数"),
    "sigmoid": ("sigmoid(x)", "1 / (1 + exp(-x))", (-6, 6), (-0.5, 1.5), "シグモイド関数"),
    "relu": ("ReLU(x)", "max(0, x)", (-3, 3), (-1, 3), "ReLU関数"),
}
# Functions that share ranges and can be drawn together.
_PAIRS = [("sin", "cos"), ("tanh", "sigmoid"), ("relu", "sigmoid"), ("square", "cubic")]


def _ticks(lo: float, hi: float, step: int) -> list[int]:
    return list(range(math.ceil(lo / step), math.floor(hi / step) + 1))


class FunctionPlot(Family):
    """y = f(x) curves with axes, ticks, optional grid and legend."""

    name = "function_plot"

    def sample(self, rng: random.Random) -> dict:
        if rng.random() < 0.35:
            funcs = list(rng.choice(_PAIRS))
        else:
            funcs = [rng.choice(sorted(_FUNCS))]
        colors = []
        for _ in funcs:
            colors.append(pick_color(rng, exclude=colors))
        return {"canvas": list(rng.choice(CANVASES)), "funcs": funcs, "colors": colors, "grid": rng.random() < 0.4,
                "labels": rng.random() < 0.7, "weight": rng.choice([2, 2, 3])}

    def _ranges(self, p: dict) -> tuple[tuple[float, float], tuple[float, float]]:
        xs = [_FUNCS[f][2] for f in p["funcs"]]
        ys = [_FUNCS[f][3] for f in p["funcs"]]
        return (min(x[0] for x in xs), max(x[1] for x in xs)), (min(y[0] for y in ys), max(y[1] for y in ys))

    def _steps(self, p: dict) -> tuple[int, int]:
        (x0, x1), (y0, y1) = self._ranges(p)
        return (2 if x1 - x0 > 8 else 1), (2 if y1 - y0 > 8 else 1)

    def code(self, p: dict) -> str:
        w, h = p["canvas"]
        (x0, x1), (y0, y1) = self._ranges(p)
        sx, sy = self._steps(p)
        curves = [{"label": _FUNCS[f][0], "color": hex_of(c), "f": Raw(f"(x) => {_FUNCS[f][1]}")}
                  for f, c in zip(p["funcs"], p["colors"])]
        consts: list[tuple[str, Any]] = [
            ("W", w), ("H", h), ("X_MIN", x0), ("X_MAX", x1), ("Y_MIN", y0), ("Y_MAX", y1), ("TICK_X", sx),
            ("TICK_Y", sy), ("MARGIN", 40), ("SAMPLES", 200), ("CURVES", curves),
        ]
        helpers = ["function toX(x) {\n  return map(x, X_MIN, X_MAX, MARGIN, W - MARGIN);\n}",
                   "function toY(y) {\n  return map(y, Y_MIN, Y_MAX, H - MARGIN, MARGIN);\n}"]
        body = """function draw() {
  background(255);
  textSize(11);
"""
        if p["grid"]:
            body += """  // Light grid on every tick.
  stroke(225);
  strokeWeight(1);
  for (let k = ceil(X_MIN / TICK_X); k <= floor(X_MAX / TICK_X); k++) {
    line(toX(k * TICK_X), MARGIN, toX(k * TICK_X), H - MARGIN);
  }
  for (let k = ceil(Y_MIN / TICK_Y); k <= floor(Y_MAX / TICK_Y); k++) {
    line(MARGIN, toY(k * TICK_Y), W - MARGIN, toY(k * TICK_Y));
  }
"""
        body += """  // Axes through the origin, with ticks and numbers.
  stroke(30);
  strokeWeight(1.5);
  line(MARGIN, toY(0), W - MARGIN, toY(0));
  line(toX(0), H - MARGIN, toX(0), MARGIN);
  for (let k = ceil(X_MIN / TICK_X); k <= floor(X_MAX / TICK_X); k++) {
    const x = toX(k * TICK_X);
    stroke(30);
    line(x, toY(0) - 4, x, toY(0) + 4);
    noStroke();
    fill(60);
    textAlign(CENTER, TOP);
    text(k * TICK_X, x, toY(0) + 6);
  }
  for (let k = ceil(Y_MIN / TICK_Y); k <= floor(Y_MAX / TICK_Y); k++) {
    const y = toY(k * TICK_Y);
    stroke(30);
    line(toX(0) - 4, y, toX(0) + 4, y);
    noStroke();
    fill(60);
    textAlign(RIGHT, CENTER);
    text(k * TICK_Y, toX(0) - 7, y);
  }
  // The curves, sampled densely.
  noFill();
"""
        body += f"""  strokeWeight({p['weight']});
  for (const c of CURVES) {{
    stroke(c.color);
    beginShape();
    for (let i = 0; i <= SAMPLES; i++) {{
      const x = lerp(X_MIN, X_MAX, i / SAMPLES);
      vertex(toX(x), toY(c.f(x)));
    }}
    endShape();
  }}
"""
        if p["labels"]:
            body += """  // Legend.
  textAlign(LEFT, CENTER);
  textSize(13);
  for (let i = 0; i < CURVES.length; i++) {
    noStroke();
    fill(CURVES[i].color);
    text("y = " + CURVES[i].label, MARGIN + 10, MARGIN + 10 + i * 18);
  }
"""
        body += "}\n"
        return p5_program("Plot of " + " and ".join(_FUNCS[f][0] for f in p["funcs"]), consts, body, helpers)

    def caption(self, p: dict) -> tuple[str, str]:
        (x0, x1), _ = self._ranges(p)
        labels = [_FUNCS[f][0] for f in p["funcs"]]
        en = f"A plot of y = {' and y = '.join(labels)} for x from {x0} to {x1}, with labelled axes" + \
             (" and a grid." if p["grid"] else ".")
        ja = f"x = {x0}〜{x1}における" + "と".join(f"y = {lab}" for lab in labels) + "のグラフ（目盛り付きの軸" + \
             ("、グリッドあり）。" if p["grid"] else "）。")
        return en, ja

    def instructions(self, p: dict) -> tuple[list[str], list[str]]:
        labels = [_FUNCS[f][0] for f in p["funcs"]]
        names_ja = "と".join(_FUNCS[f][4] for f in p["funcs"])
        en = [f"Plot y = {' and y = '.join(labels)} with x and y axes.",
              f"Draw the graph of {' and '.join(labels)}" + (" on a grid." if p["grid"] else "."),
              f"Make a function plot of {', '.join(labels)} in {', '.join(p['colors'])}, with tick marks."]
        ja = [f"y = {'とy = '.join(labels)}のグラフを軸付きで描いて", f"{names_ja}のグラフを描いて" +
              ("。グリッドも入れて" if p["grid"] else ""),
              f"{'、'.join(labels)}を{'・'.join(color_iro(c) for c in p['colors'])}で、目盛り付きの座標軸にプロットして"]
        return en, ja

    def edits(self, p: dict, rng: random.Random) -> list[Edit]:
        out = []
        out.append(toggle_edit(p, "grid", en=("Add a light grid.", "Remove the grid."),
                                ja=("薄いグリッドを追加して", "グリッドを消して")))
        out.append(toggle_edit(p, "labels", en=("Add a legend with the function names.", "Remove the legend."),
                                ja=("関数名の凡例を追加して", "凡例を消して")))
        c = pick_color(rng, exclude=p["colors"])
        q = copy_params(p)
        q["colors"][0] = c
        out.append(Edit(q, f"Draw the {_FUNCS[p['funcs'][0]][0]} curve in {c}.",
                        f"{_FUNCS[p['funcs'][0]][0]}の曲線を{color_iro(c)}にして"))
        if p["weight"] < 4:
            q = copy_params(p)
            q["weight"] = p["weight"] + 2
            out.append(Edit(q, "Make the curves thicker.", "曲線を太くして"))
        return out

    def check(self, p: dict, trace: Sequence[Any]) -> list[str]:
        problems: list[str] = []
        (x0, x1), (y0, y1) = self._ranges(p)
        sx, sy = self._steps(p)
        nx, ny = len(_ticks(x0, x1, sx)), len(_ticks(y0, y1, sy))
        expect_count(problems, "axis, tick and grid lines", len(calls(trace, "line")),
                     2 + nx + ny + (nx + ny if p["grid"] else 0))
        vertices = calls(trace, "vertex")
        if vertices:  # only when the renderer traces vertex()
            expect_count(problems, "curve vertices", len(vertices), 201 * len(p["funcs"]))
        want = [str(k * sx) for k in _ticks(x0, x1, sx)]
        if p["labels"]:
            want += ["y = " + _FUNCS[f][0] for f in p["funcs"]]
        expect_texts(problems, trace, want)
        return problems


_VENN = [
    (["Math", "CS", "Stats"], "Data science", "データサイエンス"),
    (["Cats", "Dogs", "Birds"], "Pets", "ペット"),
    (["Vision", "Language", "Audio"], "Multimodal", "マルチモーダル"),
    (["Python", "R", "Julia"], "Data tools", "データ分析ツール"),
]


class Venn(Family):
    """Two or three overlapping translucent circles with labels."""

    name = "venn"

    def sample(self, rng: random.Random) -> dict:
        k = rng.choice([2, 3])
        colors = []
        for _ in range(k):
            colors.append(pick_color(rng, exclude=colors + ["black", "gray"]))
        return {"canvas": list(rng.choice([(400, 400), (480, 400), (500, 420)])), "theme": rng.randrange(len(_VENN)),
                "k": k, "colors": colors, "center_label": rng.random() < 0.5, "alpha": rng.choice([80, 100, 120])}

    def code(self, p: dict) -> str:
        w, h = p["canvas"]
        sets = _VENN[p["theme"]][0][:p["k"]]
        consts: list[tuple[str, Any]] = [("W", w), ("H", h), ("SETS", sets), ("COLORS", [hex_of(c) for c in p["colors"]]),
                                         ("ALPHA", p["alpha"]), ("DIAMETER", round(min(w, h) * 0.5))]
        if p["center_label"]:
            consts.append(("CENTER_LABEL", _VENN[p["theme"]][1]))
        body = """function draw() {
  background(255);
  const offset = DIAMETER * 0.3;
  const centers = [];
  for (let i = 0; i < SETS.length; i++) {
    // Two sets side by side; three sets in a triangle.
    const a = SETS.length === 2 ? PI * i : -HALF_PI + (TWO_PI * i) / 3 + PI;
    centers.push([W / 2 + offset * cos(a), H / 2 + 10 + offset * sin(a)]);
  }
  stroke(60);
  strokeWeight(1.5);
  for (let i = 0; i < SETS.length; i++) {
    const c = color(COLORS[i]);
    c.setAlpha(ALPHA);
    fill(c);
    circle(centers[i][0], centers[i][1], DIAMETER);
  }
  noStroke();
  fill(20);
  textSize(16);
  textAlign(CENTER, CENTER);
  for (let i = 0; i < SETS.length; i++) {
    // Put each name on the far side of its circle, away from the overlap.
    const dx = centers[i][0] - W / 2;
    const dy = centers[i][1] - H / 2 - 10;
    const d = max(1, sqrt(dx * dx + dy * dy));
    text(SETS[i], centers[i][0] + (dx / d) * DIAMETER * 0.25, centers[i][1] + (dy / d) * DIAMETER * 0.25);
  }
"""
        if p["center_label"]:
            body += """  textSize(12);
  text(CENTER_LABEL, W / 2, H / 2 + 10);
"""
        body += "}\n"
        return p5_program(f"Venn diagram of {p['k']} sets: {', '.join(sets)}", consts, body)

    def caption(self, p: dict) -> tuple[str, str]:
        sets = _VENN[p["theme"]][0][:p["k"]]
        en = f"A Venn diagram of {p['k']} overlapping sets: {', '.join(sets)}"
        ja = f"{'、'.join(sets)}の{p['k']}つの集合が重なるベン図"
        if p["center_label"]:
            en += f", with \"{_VENN[p['theme']][1]}\" at the intersection"
            ja += f"（中央の共通部分に「{_VENN[p['theme']][1]}」）"
        return en + ".", ja + "。"

    def instructions(self, p: dict) -> tuple[list[str], list[str]]:
        sets = _VENN[p["theme"]][0][:p["k"]]
        en = [f"Draw a Venn diagram of {', '.join(sets)}.", f"Make a {p['k']}-set Venn diagram with translucent "
              f"{', '.join(p['colors'])} circles.", f"Show how {' and '.join(sets)} overlap as a Venn diagram."]
        ja = [f"{'、'.join(sets)}のベン図を描いて", f"{'・'.join(color_ja(c) for c in p['colors'])}の半透明の円で"
              f"{p['k']}集合のベン図を作って", f"{'と'.join(sets)}の重なりをベン図で示して"]
        return en, ja

    def edits(self, p: dict, rng: random.Random) -> list[Edit]:
        out = []
        q = copy_params(p)
        q["center_label"] = not p["center_label"]
        out.append(Edit(q, f"Write \"{_VENN[p['theme']][1]}\" in the middle." if q["center_label"] else
                        "Remove the label in the middle.",
                        f"真ん中に「{_VENN[p['theme']][1]}」と書いて" if q["center_label"] else "真ん中のラベルを消して"))
        if p["k"] == 2:
            q = copy_params(p)
            q["k"] = 3
            q["colors"].append(pick_color(rng, exclude=p["colors"] + ["black", "gray"]))
            out.append(Edit(q, f"Add a third set, {_VENN[p['theme']][0][2]}.",
                            f"3つ目の集合「{_VENN[p['theme']][0][2]}」を追加して"))
        else:
            q = copy_params(p)
            q["k"] = 2
            q["colors"] = q["colors"][:2]
            out.append(Edit(q, f"Remove the {_VENN[p['theme']][0][2]} set.",
                            f"「{_VENN[p['theme']][0][2]}」の集合を削除して"))
        c = pick_color(rng, exclude=p["colors"] + ["black", "gray"])
        q = copy_params(p)
        q["colors"][0] = c
        out.append(Edit(q, f"Make the {_VENN[p['theme']][0][0]} circle {c}.",
                        f"{_VENN[p['theme']][0][0]}の円を{color_iro(c)}にして"))
        return out

    def check(self, p: dict, trace: Sequence[Any]) -> list[str]:
        problems: list[str] = []
        expect_count(problems, "sets", len(calls(trace, "circle")), p["k"])
        want = _VENN[p["theme"]][0][:p["k"]] + ([_VENN[p["theme"]][1]] if p["center_label"] else [])
        expect_texts(problems, trace, want)
        return problems


class Vectors(Family):
    """2-D vectors from the origin on a grid, optionally with their sum."""

    name = "vectors"

    def sample(self, rng: random.Random) -> dict:
        k = rng.randint(1, 3)
        vecs = []
        while len(vecs) < k:
            v = [rng.randint(-4, 4), rng.randint(-4, 4)]
            if v != [0, 0] and v not in vecs:
                vecs.append(v)
        colors = []
        for _ in range(k):
            colors.append(pick_color(rng, exclude=colors))
        return {"canvas": list(rng.choice([(400, 400), (420, 420), (440, 440)])), "vectors": vecs,
                "colors": colors, "show_sum": k >= 2 and rng.random() < 0.5, "grid": rng.random() < 0.7}

    def _sum(self, p: dict) -> list[int]:
        return [sum(v[0] for v in p["vectors"][:2]), sum(v[1] for v in p["vectors"][:2])]

    def code(self, p: dict) -> str:
        w, h = p["canvas"]
        names = ["a", "b", "c"][:len(p["vectors"])]
        consts: list[tuple[str, Any]] = [("W", w), ("H", h), ("UNIT", round(min(w, h) / 12)),
                                         ("VECTORS", p["vectors"]), ("NAMES", names),
                                         ("COLORS", [hex_of(c) for c in p["colors"]]), ("ARROW_SIZE", 10)]
        helpers = [ARROW_FN, "function toScreen(x, y) {\n  // Math coordinates (y up) to canvas pixels.\n"
                             "  return [W / 2 + x * UNIT, H / 2 - y * UNIT];\n}"]
        body = """function draw() {
  background(255);
"""
        if p["grid"]:
            body += """  stroke(230);
  strokeWeight(1);
  for (let k = -5; k <= 5; k++) {
    line(W / 2 + k * UNIT, H / 2 - 5 * UNIT, W / 2 + k * UNIT, H / 2 + 5 * UNIT);
    line(W / 2 - 5 * UNIT, H / 2 + k * UNIT, W / 2 + 5 * UNIT, H / 2 + k * UNIT);
  }
"""
        body += """  stroke(60);
  strokeWeight(1.5);
  line(W / 2 - 5.5 * UNIT, H / 2, W / 2 + 5.5 * UNIT, H / 2);
  line(W / 2, H / 2 - 5.5 * UNIT, W / 2, H / 2 + 5.5 * UNIT);
  textSize(16);
  textStyle(BOLD);
  textAlign(CENTER, CENTER);
  strokeWeight(2.5);
  for (let i = 0; i < VECTORS.length; i++) {
    const [x, y] = toScreen(VECTORS[i][0], VECTORS[i][1]);
    stroke(COLORS[i]);
    fill(COLORS[i]);
    drawArrow(W / 2, H / 2, x, y);
    noStroke();
    text(NAMES[i], x + 12, y - 12);
  }
"""
        if p["show_sum"]:
            body += """  // The sum a + b, dashed.
  const [sx, sy] = toScreen(VECTORS[0][0] + VECTORS[1][0], VECTORS[0][1] + VECTORS[1][1]);
  stroke(40);
  fill(40);
  drawingContext.setLineDash([6, 5]);
  drawArrow(W / 2, H / 2, sx, sy);
  drawingContext.setLineDash([]);
  noStroke();
  text("a + b", sx + 18, sy - 12);
"""
        body += "}\n"
        return p5_program("Vectors " + ", ".join(f"{n} = ({v[0]}, {v[1]})" for n, v in zip(names, p["vectors"])),
                          consts, body, helpers)

    def caption(self, p: dict) -> tuple[str, str]:
        names = ["a", "b", "c"]
        vs = ", ".join(f"{n} = ({v[0]}, {v[1]})" for n, v in zip(names, p["vectors"]))
        en = f"{len(p['vectors'])} vector{'s' if len(p['vectors']) > 1 else ''} from the origin: {vs}"
        ja = f"原点から伸びる{len(p['vectors'])}本のベクトル：{vs}"
        if p["show_sum"]:
            s = self._sum(p)
            en += f", and their sum a + b = ({s[0]}, {s[1]}) dashed"
            ja += f"、および破線で和a + b = ({s[0]}, {s[1]})"
        return en + ".", ja + "。"

    def instructions(self, p: dict) -> tuple[list[str], list[str]]:
        vs = ", ".join(f"({v[0]}, {v[1]})" for v in p["vectors"])
        en = [f"Draw the vectors {vs} as arrows from the origin" + (" and their sum." if p["show_sum"] else "."),
              f"Plot {len(p['vectors'])} 2-D vectors on a coordinate grid: {vs}.",
              "Illustrate vector addition a + b." if p["show_sum"] else f"Show the vector{'s' if len(p['vectors']) > 1 else ''} {vs} on axes."]
        ja = [f"原点から{vs}のベクトルを矢印で描いて" + ("。和も示して" if p["show_sum"] else ""),
              f"座標平面上に2次元ベクトル{vs}をプロットして",
              "ベクトルの和a + bを図示して" if p["show_sum"] else f"座標軸の上にベクトル{vs}を示して"]
        return en, ja

    def edits(self, p: dict, rng: random.Random) -> list[Edit]:
        out = []
        out.append(toggle_edit(p, "grid", en=("Add a grid.", "Remove the grid."),
                                ja=("グリッドを追加して", "グリッドを消して")))
        if len(p["vectors"]) >= 2:
            out.append(toggle_edit(p, "show_sum", en=("Also draw a + b as a dashed arrow.", "Remove the sum vector."),
                                    ja=("a + bも破線の矢印で描いて", "和のベクトルを消して")))
        v = [rng.randint(-4, 4), rng.randint(-4, 4)]
        if v != [0, 0] and v not in p["vectors"]:
            q = copy_params(p)
            q["vectors"][0] = v
            out.append(Edit(q, f"Change a to ({v[0]}, {v[1]}).", f"aを({v[0]}, {v[1]})に変えて"))
        c = pick_color(rng, exclude=p["colors"])
        q = copy_params(p)
        q["colors"][0] = c
        out.append(Edit(q, f"Make vector a {c}.", f"ベクトルaを{color_iro(c)}にして"))
        return out

    def check(self, p: dict, trace: Sequence[Any]) -> list[str]:
        problems: list[str] = []
        k = len(p["vectors"]) + (1 if p["show_sum"] else 0)
        expect_count(problems, "arrowheads", len(calls(trace, "triangle")), k)
        expect_count(problems, "lines", len(calls(trace, "line")), 2 + k + (22 if p["grid"] else 0))
        expect_texts(problems, trace, ["a", "b", "c"][:len(p["vectors"])] + (["a + b"] if p["show_sum"] else []))
        return problems


class Triangle(Family):
    """A labelled triangle with optional side names, angle arcs and circumcircle."""

    name = "geometry"

    def sample(self, rng: random.Random) -> dict:
        w, h = rng.choice(CANVASES)
        while True:
            pts = [[rng.randint(60, w - 60), rng.randint(60, h - 60)] for _ in range(3)]
            (ax, ay), (bx, by), (cx, cy) = pts
            area = abs((bx - ax) * (cy - ay) - (cx - ax) * (by - ay)) / 2
            sides = [math.dist(pts[i], pts[(i + 1) % 3]) for i in range(3)]
            if area > 0.12 * w * h and min(sides) > 90:
                break
        return {"canvas": [w, h], "points": pts, "side_labels": rng.random() < 0.5,
                "circumcircle": rng.random() < 0.35, "angle_arcs": rng.random() < 0.4, "fill": pick_color(rng)}

    def code(self, p: dict) -> str:
        w, h = p["canvas"]
        consts: list[tuple[str, Any]] = [("W", w), ("H", h), ("PTS", p["points"]), ("NAMES", ["A", "B", "C"]),
                                         ("FILL_COLOR", hex_of(p["fill"]))]
        helpers = ["function centroid() {\n  return [(PTS[0][0] + PTS[1][0] + PTS[2][0]) / 3, "
                   "(PTS[0][1] + PTS[1][1] + PTS[2][1]) / 3];\n}"]
        if p["circumcircle"]:
            helpers.append("""function circumcircle() {
  // Centre equidistant from the three vertices.
  const [ax, ay] = PTS[0];
  const [bx, by] = PTS[1];
  const [cx, cy] = PTS[2];
  const d = 2 * (ax * (by - cy) + bx * (cy - ay) + cx * (ay - by));
  const a2 = ax * ax + ay * ay;
  const b2 = bx * bx + by * by;
  const c2 = cx * cx + cy * cy;
  const ux = (a2 * (by - cy) + b2 * (cy - ay) + c2 * (ay - by)) / d;
  const uy = (a2 * (cx - bx) + b2 * (ax - cx) + c2 * (bx - ax)) / d;
  return [ux, uy, dist(ux, uy, ax, ay)];
}""")
        body = """function draw() {
  background(255);
"""
        if p["circumcircle"]:
            body += """  const [ux, uy, r] = circumcircle();
  noFill();
  stroke(150);
  strokeWeight(1);
  circle(ux, uy, 2 * r);
"""
        body += """  const c = color(FILL_COLOR);
  c.setAlpha(70);
  fill(c);
  stroke(30);
  strokeWeight(2);
  triangle(PTS[0][0], PTS[0][1], PTS[1][0], PTS[1][1], PTS[2][0], PTS[2][1]);
  const [gx, gy] = centroid();
  noStroke();
  fill(20);
  textSize(16);
  textAlign(CENTER, CENTER);
  for (let i = 0; i < 3; i++) {
    // Push each vertex name outward, away from the centroid.
    const dx = PTS[i][0] - gx;
    const dy = PTS[i][1] - gy;
    const d = sqrt(dx * dx + dy * dy);
    text(NAMES[i], PTS[i][0] + (dx / d) * 18, PTS[i][1] + (dy / d) * 18);
  }
"""
        if p["side_labels"]:
            body += """  // Side a is opposite A, and so on.
  textStyle(ITALIC);
  textSize(14);
  const sides = ["a", "b", "c"];
  for (let i = 0; i < 3; i++) {
    const p = PTS[(i + 1) % 3];
    const q = PTS[(i + 2) % 3];
    const mx = (p[0] + q[0]) / 2;
    const my = (p[1] + q[1]) / 2;
    text(sides[i], mx + (mx - gx) * 0.15, my + (my - gy) * 0.15);
  }
"""
        if p["angle_arcs"]:
            body += """  noFill();
  stroke(200, 40, 40);
  strokeWeight(1.5);
  for (let i = 0; i < 3; i++) {
    const p = PTS[i];
    const a1 = atan2(PTS[(i + 1) % 3][1] - p[1], PTS[(i + 1) % 3][0] - p[0]);
    const a2 = atan2(PTS[(i + 2) % 3][1] - p[1], PTS[(i + 2) % 3][0] - p[0]);
    // Draw the arc the short way round, inside the triangle.
    let start = min(a1, a2);
    let stop = max(a1, a2);
    if (stop - start > PI) {
      [start, stop] = [stop, start + TWO_PI];
    }
    arc(p[0], p[1], 36, 36, start, stop);
  }
"""
        body += "}\n"
        return p5_program("Triangle ABC", consts, body, helpers)

    def caption(self, p: dict) -> tuple[str, str]:
        en, ja = "A triangle ABC with labelled vertices", "頂点にラベルを付けた三角形ABC"
        extras_en, extras_ja = [], []
        if p["side_labels"]:
            extras_en.append("sides a, b, c opposite their vertices")
            extras_ja.append("対辺a, b, c")
        if p["angle_arcs"]:
            extras_en.append("its angles marked by arcs")
            extras_ja.append("角を示す弧")
        if p["circumcircle"]:
            extras_en.append("its circumscribed circle")
            extras_ja.append("外接円")
        if extras_en:
            en += ", " + " and ".join(extras_en)
            ja += "（" + "、".join(extras_ja) + "付き）"
        return en + ".", ja + "。"

    def instructions(self, p: dict) -> tuple[list[str], list[str]]:
        cap_en, cap_ja = self.caption(p)
        en = ["Draw " + cap_en[0].lower() + cap_en[1:], "Make a geometry figure of a triangle ABC" +
              (" inscribed in a circle." if p["circumcircle"] else "."),
              f"Illustrate triangle ABC with vertices at {', '.join(f'({x}, {y})' for x, y in p['points'])}."]
        ja = [cap_ja.rstrip("。") + "を描いて", "三角形ABCの図を作って" + ("。外接円も描いて" if p["circumcircle"] else ""),
              f"頂点が{'、'.join(f'({x}, {y})' for x, y in p['points'])}の三角形ABCを図示して"]
        return en, ja

    def edits(self, p: dict, rng: random.Random) -> list[Edit]:
        out = []
        for key, on_en, off_en, on_ja, off_ja in [
            ("circumcircle", "Draw the circumscribed circle.", "Remove the circumcircle.", "外接円を描いて", "外接円を消して"),
            ("side_labels", "Label the sides a, b and c.", "Remove the side labels.", "辺にa, b, cのラベルを付けて",
             "辺のラベルを消して"),
            ("angle_arcs", "Mark the angles with small arcs.", "Remove the angle arcs.", "角に小さな弧を付けて",
             "角の弧を消して"),
        ]:
            q = copy_params(p)
            q[key] = not p[key]
            out.append(Edit(q, on_en if q[key] else off_en, on_ja if q[key] else off_ja))
        c = pick_color(rng, exclude=[p["fill"]])
        q = copy_params(p)
        q["fill"] = c
        out.append(Edit(q, f"Fill the triangle with light {c}.", f"三角形を薄い{color_iro(c)}で塗って"))
        return out

    def check(self, p: dict, trace: Sequence[Any]) -> list[str]:
        problems: list[str] = []
        expect_count(problems, "triangles", len(calls(trace, "triangle")), 1)
        expect_count(problems, "circumcircle", len(calls(trace, "circle")), 1 if p["circumcircle"] else 0)
        expect_count(problems, "angle arcs", len(calls(trace, "arc")), 3 if p["angle_arcs"] else 0)
        tri = calls(trace, "triangle")
        if tri and [round(float(v)) for v in tri[0].args[:6]] != [v for pt in p["points"] for v in pt]:
            problems.append(f"triangle vertices {tri[0].args[:6]} differ from {p['points']}")
        expect_texts(problems, trace, ["A", "B", "C"] + (["a", "b", "c"] if p["side_labels"] else []))
        return problems


_HEAT = {
    "confusion": (["cat", "dog", "bird", "fish", "frog", "horse"], "Predicted", "True", "混同行列"),
    "attention": (["The", "cat", "sat", "on", "the", "mat", "."], "Key", "Query", "アテンション重み"),
    "correlation": (["age", "height", "weight", "income", "score"], "", "", "相関行列"),
}
_HEAT_EN = {"confusion": "confusion matrix", "attention": "attention-weight map", "correlation": "correlation matrix"}


class Heatmap(Family):
    """A grid of coloured cells (confusion matrix, attention map, correlation matrix)."""

    name = "heatmap"

    def sample(self, rng: random.Random) -> dict:
        kind = rng.choice(sorted(_HEAT))
        n = rng.randint(3, len(_HEAT[kind][0]))
        if kind == "confusion":
            vals = [[rng.randint(40, 95) if i == j else rng.randint(0, 15) for j in range(n)] for i in range(n)]
        elif kind == "attention":
            vals = []
            for i in range(n):
                raw = [rng.random() ** 3 for _ in range(n)]
                s = sum(raw)
                vals.append([round(v / s, 2) for v in raw])
        else:
            vals = [[1.0 if i == j else 0.0 for j in range(n)] for i in range(n)]
            for i in range(n):
                for j in range(i + 1, n):
                    vals[i][j] = vals[j][i] = round(rng.uniform(-1, 1), 2)
        return {"canvas": list(rng.choice([(400, 400), (460, 440), (500, 460)])), "kind": kind, "values": vals,
                "color": pick_color(rng, exclude=["gray"]), "annotate": rng.random() < 0.6}

    def code(self, p: dict) -> str:
        w, h = p["canvas"]
        labels, xname, yname, _ = _HEAT[p["kind"]]
        n = len(p["values"])
        lo, hi = (-1, 1) if p["kind"] == "correlation" else (0, max(max(r) for r in p["values"]))
        consts: list[tuple[str, Any]] = [("W", w), ("H", h), ("LABELS", labels[:n]), ("VALUES", p["values"]),
                                         ("V_MIN", lo), ("V_MAX", hi), ("HIGH_COLOR", hex_of(p["color"])),
                                         ("MARGIN", 70)]
        body = """function draw() {
  background(255);
  const n = LABELS.length;
  const cell = min(W - MARGIN - 20, H - MARGIN - 20) / n;
  const low = color(255);
  const high = color(HIGH_COLOR);
  textSize(12);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const t = map(VALUES[i][j], V_MIN, V_MAX, 0, 1);
      stroke(255);
      fill(lerpColor(low, high, t));
      rect(MARGIN + j * cell, MARGIN + i * cell, cell, cell);
"""
        if p["annotate"]:
            body += """      noStroke();
      fill(t > 0.6 ? 255 : 30);
      textAlign(CENTER, CENTER);
      text(VALUES[i][j], MARGIN + (j + 0.5) * cell, MARGIN + (i + 0.5) * cell);
"""
        body += """    }
  }
  // Row labels on the left, column labels on top.
  noStroke();
  fill(30);
  for (let i = 0; i < n; i++) {
    textAlign(RIGHT, CENTER);
    text(LABELS[i], MARGIN - 6, MARGIN + (i + 0.5) * cell);
    textAlign(CENTER, BOTTOM);
    text(LABELS[i], MARGIN + (i + 0.5) * cell, MARGIN - 6);
  }
"""
        if xname:
            body += f"""  textSize(13);
  textAlign(CENTER, BOTTOM);
  text("{xname}", MARGIN + (n * cell) / 2, MARGIN - 24);
  push();
  translate(14, MARGIN + (n * cell) / 2);
  rotate(-HALF_PI);
  textAlign(CENTER, CENTER);
  text("{yname}", 0, 0);
  pop();
"""
        body += "}\n"
        return p5_program(f"{_HEAT_EN[p['kind']].capitalize()} as a {n}x{n} heatmap", consts, body)

    def caption(self, p: dict) -> tuple[str, str]:
        n = len(p["values"])
        labels = _HEAT[p["kind"]][0][:n]
        en = f"A {n}x{n} {_HEAT_EN[p['kind']]} heatmap over {', '.join(labels)}" + \
             (", each cell annotated with its value." if p["annotate"] else ".")
        ja = f"{'、'.join(labels)}についての{n}x{n}の{_HEAT[p['kind']][3]}のヒートマップ" + \
             ("（各セルに値を表示）。" if p["annotate"] else "。")
        return en, ja

    def instructions(self, p: dict) -> tuple[list[str], list[str]]:
        n = len(p["values"])
        labels = _HEAT[p["kind"]][0][:n]
        en = [f"Draw a {_HEAT_EN[p['kind']]} as a heatmap for {', '.join(labels)}.",
              f"Make a {n}x{n} heatmap in shades of {p['color']}" + (" with the numbers in the cells." if
                                                                    p["annotate"] else "."),
              f"Visualise this matrix as a colored grid: {p['values']}"]
        ja = [f"{'、'.join(labels)}の{_HEAT[p['kind']][3]}をヒートマップで描いて",
              f"{color_ja(p['color'])}系の色で{n}x{n}のヒートマップを作って" + ("。セルに数値も書いて" if p["annotate"] else ""),
              f"この行列を色付きのグリッドで可視化して：{p['values']}"]
        return en, ja

    def edits(self, p: dict, rng: random.Random) -> list[Edit]:
        out = []
        out.append(toggle_edit(p, "annotate", en=("Write the value in each cell.", "Remove the numbers from the cells."),
                                ja=("各セルに値を書いて", "セルの数値を消して")))
        c = pick_color(rng, exclude=[p["color"], "gray"])
        q = copy_params(p)
        q["color"] = c
        out.append(Edit(q, f"Use shades of {c}.", f"{color_ja(c)}系の色にして"))
        return out

    def check(self, p: dict, trace: Sequence[Any]) -> list[str]:
        problems: list[str] = []
        n = len(p["values"])
        expect_count(problems, "cells", len(calls(trace, "rect")), n * n)
        expect_count(problems, "texts", len(texts(trace)), 2 * n + (n * n if p["annotate"] else 0) +
                     (2 if _HEAT[p["kind"]][1] else 0))
        expect_texts(problems, trace, _HEAT[p["kind"]][0][:n])
        return problems
