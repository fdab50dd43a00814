"""Fully connected neural networks (multi-layer perceptrons) of varied sizes."""
from __future__ import annotations

import random
from typing import Any, Sequence

from ._base import (
    ORDINALS_EN as _ORD_EN,
    ORDINALS_JA as _ORD_JA,
    CANVASES,
    Edit,
    Family,
    calls,
    color_ja,
    copy_params,
    expect_count,
    expect_texts,
    hex_of,
    p5_program,
    pick_color,
)



def layer_names(n: int) -> list[str]:
    """Labels drawn under each layer."""
    if n == 2:
        return ["Input", "Output"]
    if n == 3:
        return ["Input", "Hidden", "Output"]
    return ["Input", *[f"Hidden {i}" for i in range(1, n - 1)], "Output"]


def _sizes_en(sizes: list[int]) -> str:
    hidden = sizes[1:-1]
    if not hidden:
        return f"{sizes[0]} input units and {sizes[-1]} output units"
    if len(hidden) == 1:
        return f"{sizes[0]} input units, {hidden[0]} hidden units and {sizes[-1]} output units"
    listed = ", ".join(map(str, hidden[:-1])) + f" and {hidden[-1]}"
    return f"{sizes[0]} input units, hidden layers of {listed} units and {sizes[-1]} output units"


def _sizes_ja(sizes: list[int]) -> str:
    hidden = sizes[1:-1]
    parts = [f"入力層{sizes[0]}ユニット"]
    if len(hidden) == 1:
        parts.append(f"中間層{hidden[0]}ユニット")
    elif hidden:
        parts.append("中間層" + "・".join(str(h) for h in hidden) + "ユニット")
    parts.append(f"出力層{sizes[-1]}ユニット")
    return "、".join(parts)


class MLP(Family):
    """Layered nodes joined by every edge between neighbouring layers."""

    name = "mlp"

    def sample(self, rng: random.Random) -> dict:
        n_layers = rng.choice([2, 3, 3, 3, 3, 4, 4, 5])
        sizes = [rng.randint(2, 8)] + [rng.randint(2, 8) for _ in range(n_layers - 2)] + [rng.randint(1, 4)]
        colors = [pick_color(rng)]
        colors.append(pick_color(rng, exclude=colors))
        colors.append(pick_color(rng, exclude=colors))
        return {
            "canvas": list(rng.choice(CANVASES)),
            "layers": sizes,
            "input_color": colors[0],
            "hidden_color": colors[1],
            "output_color": colors[2],
            "node_r": rng.choice([9, 10, 12, 14]),
            "labels": rng.random() < 0.7,
        }

    def code(self, p: dict) -> str:
        sizes = p["layers"]
        w, h = p["canvas"]
        colors = [hex_of(p["input_color"])] + [hex_of(p["hidden_color"])] * (len(sizes) - 2) + \
            [hex_of(p["output_color"])]
        consts: list[tuple[str, Any]] = [
            ("W", w), ("H", h), ("LAYER_SIZES", sizes), ("LAYER_COLORS", colors), ("NODE_R", p["node_r"]),
            ("EDGE_COLOR", "#9a9a9a"),
        ]
        if p["labels"]:
            consts.append(("LAYER_NAMES", layer_names(len(sizes))))
        helpers = [
            "function layerX(l) {\n  return map(l, 0, LAYER_SIZES.length - 1, 70, W - 70);\n}",
            "function nodeY(i, n) {\n  // Spread the nodes evenly around the vertical centre.\n"
            "  const gap = min(50, (H - 100) / max(LAYER_SIZES));\n  return H / 2 + (i - (n - 1) / 2) * gap;\n}",
        ]
        body = """function draw() {
  background(255);
  // Edges first, so the nodes are drawn on top of them.
  stroke(EDGE_COLOR);
  strokeWeight(1);
  for (let l = 0; l < LAYER_SIZES.length - 1; l++) {
    for (let i = 0; i < LAYER_SIZES[l]; i++) {
      for (let j = 0; j < LAYER_SIZES[l + 1]; j++) {
        line(layerX(l), nodeY(i, LAYER_SIZES[l]), layerX(l + 1), nodeY(j, LAYER_SIZES[l + 1]));
      }
    }
  }
  stroke(40);
  strokeWeight(1.5);
  for (let l = 0; l < LAYER_SIZES.length; l++) {
    fill(LAYER_COLORS[l]);
    for (let i = 0; i < LAYER_SIZES[l]; i++) {
      circle(layerX(l), nodeY(i, LAYER_SIZES[l]), 2 * NODE_R);
    }
  }
"""
        if p["labels"]:
            body += """  noStroke();
  fill(30);
  textAlign(CENTER, TOP);
  textSize(14);
  for (let l = 0; l < LAYER_SIZES.length; l++) {
    text(LAYER_NAMES[l], layerX(l), H - 30);
  }
"""
        body += "}\n"
        header = f"Fully connected neural network with layer sizes {'-'.join(map(str, sizes))}"
        return p5_program(header, consts, body, helpers)

    def caption(self, p: dict) -> tuple[str, str]:
        s = p["layers"]
        en = f"A fully connected neural network with {len(s)} layers: {_sizes_en(s)}."
        ja = f"{_sizes_ja(s)}の{len(s)}層全結合ニューラルネットワーク。"
        return en, ja

    def instructions(self, p: dict) -> tuple[list[str], list[str]]:
        s = p["layers"]
        dash = "-".join(map(str, s))
        en = [
            f"Draw a {len(s)}-layer neural network with {_sizes_en(s)}.",
            f"Illustrate a fully connected network with layer sizes {dash}.",
            f"Make a diagram of an MLP ({dash}); color the output nodes {p['output_color']}.",
        ]
        ja = [
            f"ユニット数が{dash}の{len(s)}層ニューラルネットワークの図を作ってください。",
            f"{dash}の全結合ネットワークの図を描いて。",
            f"層のサイズが{dash}のMLPを描いてください。出力ノードは{color_ja(p['output_color'])}で。",
        ]
        return en, ja

    def edits(self, p: dict, rng: random.Random) -> list[Edit]:
        out: list[Edit] = []
        s = p["layers"]
        hidden = list(range(1, len(s) - 1))
        for layer in hidden:
            k = rng.choice([v for v in range(2, 9) if v != s[layer]])
            q = copy_params(p)
            q["layers"][layer] = k
            if len(hidden) == 1:
                out.append(Edit(q, f"Make the hidden layer {k} units.", f"中間層を{k}ユニットにして"))
            else:
                out.append(Edit(q, f"Make the {_ORD_EN[layer - 1]} hidden layer {k} units.",
                                f"{_ORD_JA[layer - 1]}の中間層を{k}ユニットにして"))
        k = rng.choice([v for v in range(2, 9) if v != s[0]])
        q = copy_params(p)
        q["layers"][0] = k
        out.append(Edit(q, f"Use {k} input units.", f"入力層を{k}ユニットに変更して"))
        for role, en_role, ja_role in [("output_color", "output", "出力"), ("input_color", "input", "入力")]:
            c = pick_color(rng, exclude=[p["input_color"], p["hidden_color"], p["output_color"]])
            q = copy_params(p)
            q[role] = c
            out.append(Edit(q, f"Make the {en_role} nodes {c}.", f"{ja_role}ノードを{color_ja(c)}くして"
                            if c in ("red", "blue") else f"{ja_role}ノードを{color_ja(c)}にして"))
        if len(s) < 5:
            k = rng.randint(2, 8)
            q = copy_params(p)
            q["layers"].insert(len(s) - 1, k)
            out.append(Edit(q, f"Add another hidden layer with {k} units before the output layer.",
                            f"出力層の前に{k}ユニットの中間層を追加して"))
        if len(s) > 2:
            q = copy_params(p)
            del q["layers"][len(s) - 2]
            out.append(Edit(q, "Remove the last hidden layer.", "最後の中間層を削除して"))
        q = copy_params(p)
        q["labels"] = not p["labels"]
        if q["labels"]:
            out.append(Edit(q, "Add layer names under each layer.", "各層の下に層の名前を書いて"))
        else:
            out.append(Edit(q, "Remove the layer labels.", "層のラベルを消して"))
        if p["node_r"] < 14:
            q = copy_params(p)
            q["node_r"] = p["node_r"] + 4
            out.append(Edit(q, "Make the nodes bigger.", "ノードを大きくして"))
        return out

    def check(self, p: dict, trace: Sequence[Any]) -> list[str]:
        problems: list[str] = []
        s = p["layers"]
        circles = calls(trace, "circle")
        expect_count(problems, "nodes", len(circles), sum(s))
        columns: dict[int, int] = {}
        for c in circles:
            columns[round(float(c.args[0]))] = columns.get(round(float(c.args[0])), 0) + 1
        got = [columns[x] for x in sorted(columns)]
        if got != s:
            problems.append(f"nodes per layer: trace has {got}, parameters say {s}")
        expect_count(problems, "edges", len(calls(trace, "line")), sum(a * b for a, b in zip(s, s[1:])))
        if p["labels"]:
            expect_texts(problems, trace, layer_names(len(s)))
        return problems
