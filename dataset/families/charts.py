"""Bar, line, scatter and pie charts with axes, labels and legends."""
from __future__ import annotations

import math
import random
from typing import Any, Sequence

from ._base import (
    toggle_edit,
    CANVASES,
    Edit,
    Family,
    calls,
    color_iro,
    copy_params,
    expect_count,
    expect_texts,
    hex_of,
    p5_program,
    pick_color,
)

# Category sets a chart can show: (English axis name, Japanese axis name, categories).
_CATEGORIES = [
    ("Month", "月", ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug"]),
    ("Model", "モデル", ["A", "B", "C", "D", "E", "F"]),
    ("Method", "手法", ["Ours", "Base", "SVM", "RF", "kNN", "MLP"]),
    ("Year", "年", ["2018", "2019", "2020", "2021", "2022", "2023", "2024"]),
    ("Group", "グループ", ["G1", "G2", "G3", "G4", "G5", "G6", "G7"]),
    ("Fruit", "果物", ["Apple", "Banana", "Cherry", "Grape", "Lemon", "Peach"]),
]
_MEASURES = [("Accuracy (%)", "精度（%）"), ("Count", "件数"), ("Sales", "売上"), ("Score", "スコア"),
             ("Time (s)", "時間（秒）")]

_AXES_FN = """function drawAxes() {
  stroke(30);
  strokeWeight(1.5);
  line(MARGIN, H - MARGIN, W - MARGIN / 2, H - MARGIN);
  line(MARGIN, H - MARGIN, MARGIN, MARGIN / 2);
}"""

_AXIS_LABELS = """  // Axis titles.
  noStroke();
  fill(30);
  textSize(13);
  textAlign(CENTER, TOP);
  text(X_LABEL, (MARGIN + W - MARGIN / 2) / 2, H - 22);
  push();
  translate(16, (H - MARGIN + MARGIN / 2) / 2);
  rotate(-HALF_PI);
  textAlign(CENTER, CENTER);
  text(Y_LABEL, 0, 0);
  pop();
"""

_TITLE = """  noStroke();
  fill(20);
  textSize(15);
  textAlign(CENTER, TOP);
  text(TITLE, W / 2, 8);
"""


def _plural(noun: str) -> str:
    """Lower-case plural of a category axis name ("Month" → "months")."""
    return noun.lower() + ("es" if noun.lower().endswith("ch") else "s")


def _chart_meta(rng: random.Random) -> dict:
    """Category axis, measure and title choices shared by the charts."""
    xi = rng.randrange(len(_CATEGORIES))
    yi = rng.randrange(len(_MEASURES))
    return {"x_axis": xi, "y_axis": yi, "axis_labels": rng.random() < 0.6, "title": rng.random() < 0.5}


def _title(p: dict) -> str:
    return f"{_MEASURES[p['y_axis']][0].split(' (')[0]} by {_CATEGORIES[p['x_axis']][0].lower()}"


def _meta_consts(p: dict) -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []
    if p["axis_labels"]:
        out += [("X_LABEL", _CATEGORIES[p["x_axis"]][0]), ("Y_LABEL", _MEASURES[p["y_axis"]][0])]
    if p["title"]:
        out.append(("TITLE", _title(p)))
    return out


def _meta_body(p: dict) -> str:
    return (_AXIS_LABELS if p["axis_labels"] else "") + (_TITLE if p["title"] else "")


def _meta_edits(p: dict) -> list[Edit]:
    out = []
    out.append(toggle_edit(p, "axis_labels", en=("Add axis labels.", "Remove the axis labels."),
                            ja=("軸ラベルを追加して", "軸ラベルを消して")))
    out.append(toggle_edit(p, "title", en=(f"Add the title \"{_title(p)}\".", "Remove the title."),
                            ja=(f"「{_title(p)}」というタイトルを付けて", "タイトルを消して")))
    return out


def _meta_texts(p: dict) -> list[str]:
    out = []
    if p["axis_labels"]:
        out += [_CATEGORIES[p["x_axis"]][0], _MEASURES[p["y_axis"]][0]]
    if p["title"]:
        out.append(_title(p))
    return out


class BarChart(Family):
    """Vertical bars for categories, optional value labels."""

    name = "bar_chart"

    def sample(self, rng: random.Random) -> dict:
        p = _chart_meta(rng)
        n = rng.randint(3, min(7, len(_CATEGORIES[p["x_axis"]][2])))
        p.update(canvas=list(rng.choice(CANVASES)), values=[rng.randint(5, 95) for _ in range(n)],
                 color=pick_color(rng), value_labels=rng.random() < 0.4)
        return p

    def code(self, p: dict) -> str:
        w, h = p["canvas"]
        n = len(p["values"])
        consts: list[tuple[str, Any]] = [
            ("W", w), ("H", h), ("LABELS", _CATEGORIES[p["x_axis"]][2][:n]), ("VALUES", p["values"]),
            ("BAR_COLOR", hex_of(p["color"])), ("MARGIN", 60), ("MAX_VALUE", 100),
        ] + _meta_consts(p)
        body = """function draw() {
  background(255);
  drawAxes();
  const slot = (W - MARGIN * 1.5) / VALUES.length;
  const barW = slot * 0.6;
  textSize(12);
  for (let i = 0; i < VALUES.length; i++) {
    const x = MARGIN + i * slot + (slot - barW) / 2;
    const barH = map(VALUES[i], 0, MAX_VALUE, 0, H - MARGIN * 1.5);
    stroke(30);
    strokeWeight(1);
    fill(BAR_COLOR);
    rect(x, H - MARGIN - barH, barW, barH);
    noStroke();
    fill(30);
    textAlign(CENTER, TOP);
    text(LABELS[i], x + barW / 2, H - MARGIN + 6);
"""
        if p["value_labels"]:
            body += """    textAlign(CENTER, BOTTOM);
    text(VALUES[i], x + barW / 2, H - MARGIN - barH - 4);
"""
        body += "  }\n" + _meta_body(p) + "}\n"
        return p5_program(f"Bar chart of {n} categories", consts, body, [_AXES_FN])

    def caption(self, p: dict) -> tuple[str, str]:
        n = len(p["values"])
        cats = _CATEGORIES[p["x_axis"]][2][:n]
        vals = ", ".join(f"{c} {v}" for c, v in zip(cats, p["values"]))
        en = f"A {p['color']} bar chart of {n} categories ({vals})."
        ja = f"{n}つのカテゴリ（{vals}）を表す{color_iro(p['color'])}の棒グラフ。"
        return en, ja

    def instructions(self, p: dict) -> tuple[list[str], list[str]]:
        n = len(p["values"])
        cats = _CATEGORIES[p["x_axis"]][2][:n]
        vals = ", ".join(map(str, p["values"]))
        en = [f"Draw a bar chart with values {vals} for {', '.join(cats)}.",
              f"Make a {p['color']} bar chart of {n} bars: {vals}.",
              "Plot these numbers as bars: " + ", ".join(f"{c}={v}" for c, v in zip(cats, p["values"]))]
        ja = [f"{', '.join(cats)}の値が{vals}の棒グラフを描いて",
              f"{color_iro(p['color'])}の棒グラフを作って。値は{vals}。",
              "次の値を棒グラフにしてください：" + "、".join(f"{c}={v}" for c, v in zip(cats, p["values"]))]
        return en, ja

    def edits(self, p: dict, rng: random.Random) -> list[Edit]:
        out = _meta_edits(p)
        c = pick_color(rng, exclude=[p["color"]])
        q = copy_params(p)
        q["color"] = c
        out.append(Edit(q, f"Make the bars {c}.", f"棒を{color_iro(c)}にして"))
        i = rng.randrange(len(p["values"]))
        v = rng.choice([x for x in range(5, 100, 5) if x != p["values"][i]])
        q = copy_params(p)
        q["values"][i] = v
        cat = _CATEGORIES[p["x_axis"]][2][i]
        out.append(Edit(q, f"Change the value of {cat} to {v}.", f"{cat}の値を{v}に変えて"))
        if len(p["values"]) < min(7, len(_CATEGORIES[p["x_axis"]][2])):
            v = rng.randint(5, 95)
            q = copy_params(p)
            q["values"].append(v)
            nxt = _CATEGORIES[p["x_axis"]][2][len(p["values"])]
            out.append(Edit(q, f"Add a bar for {nxt} with value {v}.", f"{nxt}の棒を値{v}で追加して"))
        out.append(toggle_edit(p, "value_labels", en=("Show the value above each bar.", "Hide the value labels."),
                                ja=("各棒の上に値を表示して", "値のラベルを消して")))
        return out

    def check(self, p: dict, trace: Sequence[Any]) -> list[str]:
        problems: list[str] = []
        bars = calls(trace, "rect")
        expect_count(problems, "bars", len(bars), len(p["values"]))
        if len(bars) == len(p["values"]):
            heights = [float(b.args[3]) for b in bars]
            for hgt, v in zip(heights, p["values"]):
                if abs(hgt / heights[0] - v / p["values"][0]) > 0.02:
                    problems.append(f"bar heights {heights} not proportional to {p['values']}")
                    break
        labels = _CATEGORIES[p["x_axis"]][2][:len(p["values"])] + _meta_texts(p)
        if p["value_labels"]:
            labels += [str(v) for v in p["values"]]
        expect_texts(problems, trace, labels)
        return problems


class LineChart(Family):
    """One to three series drawn as polylines with optional markers and a legend."""

    name = "line_chart"

    def sample(self, rng: random.Random) -> dict:
        p = _chart_meta(rng)
        n = rng.randint(4, len(_CATEGORIES[p["x_axis"]][2]))
        k = rng.choice([1, 1, 2, 2, 3])
        names = rng.choice([["Train", "Val", "Test"], ["Ours", "Baseline", "Oracle"], ["A", "B", "C"]])[:k]
        series = []
        for _ in range(k):
            start, trend = rng.randint(10, 60), rng.uniform(-8, 12)
            series.append([max(0, min(100, round(start + trend * i + rng.uniform(-6, 6)))) for i in range(n)])
        colors = []
        for _ in range(k):
            colors.append(pick_color(rng, exclude=colors))
        p.update(canvas=list(rng.choice(CANVASES)), series=series, names=names, colors=colors,
                 markers=rng.random() < 0.6)
        return p

    def code(self, p: dict) -> str:
        w, h = p["canvas"]
        n = len(p["series"][0])
        consts: list[tuple[str, Any]] = [
            ("W", w), ("H", h), ("LABELS", _CATEGORIES[p["x_axis"]][2][:n]), ("SERIES", p["series"]),
            ("NAMES", p["names"]), ("COLORS", [hex_of(c) for c in p["colors"]]), ("MARGIN", 60),
            ("MAX_VALUE", 100),
        ] + _meta_consts(p)
        if len(p["series"]) > 1:
            # Room on the right for the legend, so it never sits on a line.
            consts.append(("LEGEND_W", 80))
            right = "W - MARGIN / 2 - LEGEND_W"
        else:
            right = "W - MARGIN"
        helpers = [_AXES_FN, f"""function pointX(i) {{
  return map(i, 0, LABELS.length - 1, MARGIN + 20, {right});
}}""", """function pointY(v) {
  return map(v, 0, MAX_VALUE, H - MARGIN, MARGIN / 2 + 10);
}"""]
        body = """function draw() {
  background(255);
  drawAxes();
  noStroke();
  fill(30);
  textSize(12);
  textAlign(CENTER, TOP);
  for (let i = 0; i < LABELS.length; i++) {
    text(LABELS[i], pointX(i), H - MARGIN + 6);
  }
  for (let s = 0; s < SERIES.length; s++) {
    const values = SERIES[s];
    stroke(COLORS[s]);
    strokeWeight(2);
    for (let i = 0; i < values.length - 1; i++) {
      line(pointX(i), pointY(values[i]), pointX(i + 1), pointY(values[i + 1]));
    }
"""
        if p["markers"]:
            body += """    fill(COLORS[s]);
    noStroke();
    for (let i = 0; i < values.length; i++) {
      circle(pointX(i), pointY(values[i]), 8);
    }
"""
        body += "  }\n"
        if len(p["series"]) > 1:
            body += """  // Legend in the top right corner.
  textAlign(LEFT, CENTER);
  for (let s = 0; s < NAMES.length; s++) {
    const y = MARGIN / 2 + 14 + s * 18;
    noStroke();
    fill(COLORS[s]);
    square(W - LEGEND_W, y - 5, 10);
    fill(30);
    text(NAMES[s], W - LEGEND_W + 16, y);
  }
"""
        body += _meta_body(p) + "}\n"
        return p5_program(f"Line chart with {len(p['series'])} series", consts, body, helpers)

    def caption(self, p: dict) -> tuple[str, str]:
        k, n = len(p["series"]), len(p["series"][0])
        xen, xja = _CATEGORIES[p["x_axis"]][0], _CATEGORIES[p["x_axis"]][1]
        if k == 1:
            en = f"A line chart of one series over {n} {_plural(xen)}."
            ja = f"{n}個の{xja}にわたる1系列の折れ線グラフ。"
        else:
            en = f"A line chart comparing {k} series ({', '.join(p['names'])}) over {n} {_plural(xen)}."
            ja = f"{n}個の{xja}にわたって{k}系列（{'、'.join(p['names'])}）を比較する折れ線グラフ。"
        return en, ja

    def instructions(self, p: dict) -> tuple[list[str], list[str]]:
        k = len(p["series"])
        data = "; ".join(f"{nm}: {', '.join(map(str, s))}" for nm, s in zip(p["names"], p["series"]))
        en = [f"Draw a line chart with {k} series: {data}.",
              f"Plot {'these values' if k == 1 else 'these series'} as lines{' with point markers' if p['markers'] else ''}: {data}.",
              f"Make a line graph of {', '.join(p['names'])} across {_plural(_CATEGORIES[p['x_axis']][0])}."]
        ja = [f"{k}系列の折れ線グラフを描いて。{data}",
              f"次のデータを折れ線グラフにしてください{'（点マーカー付き）' if p['markers'] else ''}：{data}",
              f"{_CATEGORIES[p['x_axis']][1]}ごとの{'・'.join(p['names'])}の推移を折れ線グラフで示して"]
        return en, ja

    def edits(self, p: dict, rng: random.Random) -> list[Edit]:
        out = _meta_edits(p)
        out.append(toggle_edit(p, "markers", en=("Add a dot at each data point.", "Remove the point markers."),
                                ja=("各データ点に点を打って", "点マーカーを消して")))
        s = rng.randrange(len(p["series"]))
        c = pick_color(rng, exclude=p["colors"])
        q = copy_params(p)
        q["colors"][s] = c
        out.append(Edit(q, f"Make the {p['names'][s]} line {c}.", f"{p['names'][s]}の線を{color_iro(c)}にして"))
        if len(p["series"]) > 1:
            q = copy_params(p)
            for key in ("series", "names", "colors"):
                q[key] = q[key][:-1]
            out.append(Edit(q, f"Remove the {p['names'][-1]} series.", f"{p['names'][-1]}の系列を削除して"))
        return out

    def check(self, p: dict, trace: Sequence[Any]) -> list[str]:
        problems: list[str] = []
        k, n = len(p["series"]), len(p["series"][0])
        expect_count(problems, "segments", len(calls(trace, "line")), 2 + k * (n - 1))
        expect_count(problems, "markers", len(calls(trace, "circle")), k * n if p["markers"] else 0)
        expect_count(problems, "legend swatches", len(calls(trace, "square")), k if k > 1 else 0)
        labels = _CATEGORIES[p["x_axis"]][2][:n] + _meta_texts(p) + (p["names"] if k > 1 else [])
        expect_texts(problems, trace, labels)
        return problems


class Scatter(Family):
    """Clustered points coloured by cluster, with axes."""

    name = "scatter"

    def sample(self, rng: random.Random) -> dict:
        k = rng.randint(1, 3)
        clusters, colors = [], []
        for _ in range(k):
            cx, cy, sd = rng.randint(20, 80), rng.randint(20, 80), rng.randint(4, 12)
            pts = [[max(0, min(100, round(rng.gauss(cx, sd)))), max(0, min(100, round(rng.gauss(cy, sd))))]
                   for _ in range(rng.randint(5, 14))]
            clusters.append(pts)
            colors.append(pick_color(rng, exclude=colors))
        return {"canvas": list(rng.choice(CANVASES)), "clusters": clusters, "colors": colors,
                "axis_labels": rng.random() < 0.6, "x_name": rng.choice(["x", "Height", "Feature 1"]),
                "y_name": rng.choice(["y", "Weight", "Feature 2"]), "point_size": rng.choice([6, 8, 10])}

    def code(self, p: dict) -> str:
        w, h = p["canvas"]
        consts: list[tuple[str, Any]] = [
            ("W", w), ("H", h), ("CLUSTERS", p["clusters"]), ("COLORS", [hex_of(c) for c in p["colors"]]),
            ("POINT_SIZE", p["point_size"]), ("MARGIN", 60),
        ]
        if p["axis_labels"]:
            consts += [("X_LABEL", p["x_name"]), ("Y_LABEL", p["y_name"])]
        body = """function draw() {
  background(255);
  drawAxes();
  noStroke();
  for (let c = 0; c < CLUSTERS.length; c++) {
    fill(COLORS[c]);
    for (const [x, y] of CLUSTERS[c]) {
      circle(map(x, 0, 100, MARGIN, W - MARGIN), map(y, 0, 100, H - MARGIN, MARGIN / 2), POINT_SIZE);
    }
  }
""" + (_AXIS_LABELS if p["axis_labels"] else "") + "}\n"
        return p5_program(f"Scatter plot with {len(p['clusters'])} clusters", consts, body, [_AXES_FN])

    def caption(self, p: dict) -> tuple[str, str]:
        k = len(p["clusters"])
        total = sum(len(c) for c in p["clusters"])
        en = f"A scatter plot of {total} points in {k} cluster{'s' if k > 1 else ''}" + \
             (f", colored {', '.join(p['colors'])}." if k > 1 else f", colored {p['colors'][0]}.")
        ja = f"{k}つのクラスタに分かれた{total}個の点の散布図" + ("。" if k == 1 else "（色分けあり）。")
        return en, ja

    def instructions(self, p: dict) -> tuple[list[str], list[str]]:
        k = len(p["clusters"])
        total = sum(len(c) for c in p["clusters"])
        en = [f"Draw a scatter plot with {k} clusters of points in different colors.",
              f"Make a scatter plot of {total} points" + (f" labelled {p['x_name']} and {p['y_name']}." if
                                                          p["axis_labels"] else "."),
              f"Plot {k} groups of 2-D points as colored dots."]
        ja = [f"{k}つのクラスタを色分けした散布図を描いて",
              f"{total}個の点の散布図を作って" + (f"。軸は{p['x_name']}と{p['y_name']}。" if p["axis_labels"] else ""),
              f"2次元の点を{k}グループに分けて色付きの点でプロットして"]
        return en, ja

    def edits(self, p: dict, rng: random.Random) -> list[Edit]:
        out = []
        out.append(toggle_edit(p, "axis_labels", en=("Add axis labels.", "Remove the axis labels."),
                                ja=("軸ラベルを追加して", "軸ラベルを消して")))
        q = copy_params(p)
        q["point_size"] = p["point_size"] + 4
        out.append(Edit(q, "Make the points bigger.", "点を大きくして"))
        c = pick_color(rng, exclude=p["colors"])
        q = copy_params(p)
        q["colors"][0] = c
        out.append(Edit(q, f"Make the first cluster {c}.", f"1つ目のクラスタを{color_iro(c)}にして"))
        return out

    def check(self, p: dict, trace: Sequence[Any]) -> list[str]:
        problems: list[str] = []
        expect_count(problems, "points", len(calls(trace, "circle")), sum(len(c) for c in p["clusters"]))
        expect_count(problems, "axes", len(calls(trace, "line")), 2)
        if p["axis_labels"]:
            expect_texts(problems, trace, [p["x_name"], p["y_name"]])
        return problems


class Pie(Family):
    """Pie chart with labelled slices and percentages."""

    name = "pie_chart"

    def sample(self, rng: random.Random) -> dict:
        cats = rng.choice([["Python", "Java", "C++", "Go", "Rust"], ["Rent", "Food", "Travel", "Savings", "Other"],
                           ["Train", "Validation", "Test"], ["Coal", "Gas", "Solar", "Wind", "Hydro", "Nuclear"]])
        n = rng.randint(3, len(cats))
        colors = []
        for _ in range(n):
            colors.append(pick_color(rng, exclude=colors))
        return {"canvas": list(rng.choice(CANVASES)), "labels": cats[:n],
                "values": [rng.randint(5, 40) for _ in range(n)], "colors": colors,
                "percent": rng.random() < 0.5, "donut": rng.random() < 0.25}

    def code(self, p: dict) -> str:
        w, h = p["canvas"]
        consts: list[tuple[str, Any]] = [
            ("W", w), ("H", h), ("LABELS", p["labels"]), ("VALUES", p["values"]),
            ("COLORS", [hex_of(c) for c in p["colors"]]), ("RADIUS_PX", min(w, h) * 0.32),
        ]
        body = """function draw() {
  background(255);
  const total = VALUES.reduce((a, b) => a + b, 0);
  const cx = W / 2;
  const cy = H / 2;
  let start = -HALF_PI;
  stroke(255);
  strokeWeight(2);
  textSize(12);
  for (let i = 0; i < VALUES.length; i++) {
    const angle = (VALUES[i] / total) * TWO_PI;
    fill(COLORS[i]);
    arc(cx, cy, 2 * RADIUS_PX, 2 * RADIUS_PX, start, start + angle, PIE);
    // Label just outside the middle of the slice.
    const mid = start + angle / 2;
    noStroke();
    fill(30);
    textAlign(CENTER, CENTER);
"""
        if p["percent"]:
            body += """    const pct = round((VALUES[i] / total) * 100) + "%";
    text(LABELS[i] + " " + pct, cx + cos(mid) * (RADIUS_PX + 30), cy + sin(mid) * (RADIUS_PX + 18));
"""
        else:
            body += """    text(LABELS[i], cx + cos(mid) * (RADIUS_PX + 28), cy + sin(mid) * (RADIUS_PX + 16));
"""
        body += """    stroke(255);
    start += angle;
  }
"""
        if p["donut"]:
            body += """  noStroke();
  fill(255);
  circle(cx, cy, RADIUS_PX);
"""
        body += "}\n"
        return p5_program(f"{'Donut' if p['donut'] else 'Pie'} chart with {len(p['values'])} slices", consts, body)

    def caption(self, p: dict) -> tuple[str, str]:
        total = sum(p["values"])
        parts = ", ".join(f"{name} {round(100 * v / total)}%" for name, v in zip(p["labels"], p["values"]))
        kind_en, kind_ja = ("donut chart", "ドーナツグラフ") if p["donut"] else ("pie chart", "円グラフ")
        return f"A {kind_en} with {len(p['values'])} slices: {parts}.", f"{len(p['values'])}つの区分（{parts}）の{kind_ja}。"

    def instructions(self, p: dict) -> tuple[list[str], list[str]]:
        data = ", ".join(f"{name}={v}" for name, v in zip(p["labels"], p["values"]))
        kind_en, kind_ja = ("donut chart", "ドーナツグラフ") if p["donut"] else ("pie chart", "円グラフ")
        en = [f"Draw a {kind_en} of {data}.", f"Make a {kind_en} showing the share of {', '.join(p['labels'])}.",
              f"Visualise these proportions as a {kind_en}: {data}" + (" (show percentages)" if p["percent"] else "")]
        ja = [f"{data}の{kind_ja}を描いて", f"{'、'.join(p['labels'])}の割合を示す{kind_ja}を作って",
              f"次の割合を{kind_ja}で可視化して：{data}" + ("（パーセント表示あり）" if p["percent"] else "")]
        return en, ja

    def edits(self, p: dict, rng: random.Random) -> list[Edit]:
        out = []
        out.append(toggle_edit(p, "percent", en=("Show the percentage next to each label.", "Hide the percentages."),
                                ja=("各ラベルにパーセントを表示して", "パーセント表示を消して")))
        out.append(toggle_edit(p, "donut", en=("Turn it into a donut chart.", "Make it a full pie instead of a donut."),
                                ja=("ドーナツグラフにして", "ドーナツではなく普通の円グラフにして")))
        i = rng.randrange(len(p["values"]))
        c = pick_color(rng, exclude=p["colors"])
        q = copy_params(p)
        q["colors"][i] = c
        out.append(Edit(q, f"Make the {p['labels'][i]} slice {c}.", f"{p['labels'][i]}の部分を{color_iro(c)}にして"))
        v = rng.choice([x for x in range(5, 45, 5) if x != p["values"][i]])
        q = copy_params(p)
        q["values"][i] = v
        out.append(Edit(q, f"Set {p['labels'][i]} to {v}.", f"{p['labels'][i]}の値を{v}にして"))
        return out

    def check(self, p: dict, trace: Sequence[Any]) -> list[str]:
        problems: list[str] = []
        arcs = calls(trace, "arc")
        expect_count(problems, "slices", len(arcs), len(p["values"]))
        if len(arcs) == len(p["values"]):
            total = sum(p["values"])
            for a, v in zip(arcs, p["values"]):
                span = float(a.args[5]) - float(a.args[4])
                if abs(span - 2 * math.pi * v / total) > 1e-3:
                    problems.append(f"slice angle {span:.3f} does not match value {v}/{total}")
                    break
        expect_count(problems, "donut hole", len(calls(trace, "circle")), 1 if p["donut"] else 0)
        expect_texts(problems, trace, p["labels"])
        return problems
