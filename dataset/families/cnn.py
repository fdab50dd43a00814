"""Convolutional network pipelines: feature maps as 3-D blocks joined by arrows."""
from __future__ import annotations

import random
from typing import Any, Sequence

from ._base import (
    ORDINALS_EN as _ORD_EN,
    ORDINALS_JA as _ORD_JA,
    ARROW_FN,
    Edit,
    Family,
    calls,
    color_iro,
    color_ja,
    copy_params,
    expect_count,
    expect_texts,
    hex_of,
    p5_program,
    pick_color,
)



def build_stages(p: dict) -> list[dict]:
    """Stage records (name, detail, spatial size, depth) from the compact parameters."""
    size = p["input_size"]
    stages = [{"name": "Input", "detail": f"{size}x{size}x{p['input_channels']}", "size": size,
               "depth": p["input_channels"]}]
    for ch in p["convs"]:
        stages.append({"name": f"Conv {p['kernel']}x{p['kernel']}", "detail": f"{size}x{size}x{ch}", "size": size,
                       "depth": ch})
        if p["pool"]:
            size //= 2
            stages.append({"name": "MaxPool", "detail": f"{size}x{size}x{ch}", "size": size, "depth": ch})
    stages.append({"name": "FC", "detail": str(p["fc"]), "size": 1, "depth": 8})
    stages.append({"name": "Output", "detail": f"{p['classes']} classes", "size": 1, "depth": 4})
    return stages


class CNN(Family):
    """Input → conv (→ pool) … → fully connected → output, left to right."""

    name = "cnn"

    def sample(self, rng: random.Random) -> dict:
        n_conv = rng.choice([1, 2, 2, 3])
        pool = rng.random() < 0.7
        if pool and n_conv == 3:
            n_conv = 2
        ch = rng.choice([8, 16, 32])
        convs = [ch * 2 ** i for i in range(n_conv)]
        c1 = pick_color(rng)
        return {
            "canvas": list(rng.choice([(600, 300), (640, 320), (560, 300), (600, 360)])),
            "input_size": rng.choice([28, 32, 64]),
            "input_channels": rng.choice([1, 3]),
            "kernel": rng.choice([3, 5]),
            "convs": convs,
            "pool": pool,
            "fc": rng.choice([64, 128, 256]),
            "classes": rng.choice([2, 10, 100]),
            "conv_color": c1,
            "fc_color": pick_color(rng, exclude=[c1]),
        }

    def code(self, p: dict) -> str:
        w, h = p["canvas"]
        stages = build_stages(p)
        consts: list[tuple[str, Any]] = [
            ("W", w), ("H", h), ("STAGES", stages), ("MAX_SIZE", p["input_size"]), ("MAP_COLOR", hex_of(p["conv_color"])),
            ("DENSE_COLOR", hex_of(p["fc_color"])), ("SKEW", 10), ("ARROW_SIZE", 7),
        ]
        helpers = [
            """function drawBlock(x, y, w, h, c) {
  // Front face plus a top and a side face give the block some depth.
  fill(c);
  rect(x, y, w, h);
  fill(lerpColor(color(c), color(255), 0.35));
  quad(x, y, x + SKEW, y - SKEW, x + w + SKEW, y - SKEW, x + w, y);
  fill(lerpColor(color(c), color(0), 0.2));
  quad(x + w, y, x + w + SKEW, y - SKEW, x + w + SKEW, y + h - SKEW, x + w, y + h);
}""",
            ARROW_FN,
        ]
        body = """function draw() {
  background(255);
  const step = (W - 40) / STAGES.length;
  for (let i = 0; i < STAGES.length; i++) {
    const s = STAGES[i];
    const x = 20 + i * step + step * 0.2;
    const bh = s.size > 1 ? map(s.size, 1, MAX_SIZE, 40, H * 0.5) : H * 0.35;
    const bw = constrain(log(s.depth + 1) * 5, 6, step * 0.35);
    stroke(40);
    strokeWeight(1);
    drawBlock(x, H / 2 - bh / 2, bw, bh, s.size > 1 ? MAP_COLOR : DENSE_COLOR);
    if (i < STAGES.length - 1) {
      fill(40);
      drawArrow(x + bw + SKEW + 4, H / 2, 20 + (i + 1) * step + step * 0.2 - 4, H / 2);
    }
    noStroke();
    fill(30);
    textAlign(CENTER, TOP);
    textSize(11);
    text(s.name, x + bw / 2, H / 2 + bh / 2 + 8);
    text(s.detail, x + bw / 2, H / 2 + bh / 2 + 22);
  }
}
"""
        header = "CNN pipeline: " + " -> ".join(s["name"] for s in stages)
        return p5_program(header, consts, body, helpers)

    def _desc(self, p: dict) -> tuple[str, str]:
        n = len(p["convs"])
        en = f"{n} convolutional layer{'s' if n > 1 else ''} ({', '.join(map(str, p['convs']))} channels, " \
             f"{p['kernel']}x{p['kernel']} kernels){', each followed by max pooling' if p['pool'] else ''}"
        ja = f"{p['kernel']}x{p['kernel']}の畳み込み層{n}つ（チャネル数{'・'.join(map(str, p['convs']))}）" \
             f"{'、それぞれの後に最大プーリング' if p['pool'] else ''}"
        return en, ja

    def caption(self, p: dict) -> tuple[str, str]:
        d_en, d_ja = self._desc(p)
        s = p["input_size"]
        en = f"A convolutional neural network: a {s}x{s}x{p['input_channels']} input, {d_en}, a fully connected " \
             f"layer of {p['fc']} units and an output of {p['classes']} classes."
        ja = f"{s}x{s}x{p['input_channels']}の入力、{d_ja}、{p['fc']}ユニットの全結合層、{p['classes']}クラスの出力からなる" \
             f"畳み込みニューラルネットワーク。"
        return en, ja

    def instructions(self, p: dict) -> tuple[list[str], list[str]]:
        d_en, d_ja = self._desc(p)
        en = [
            f"Draw a simple CNN with {d_en}, then a dense layer of {p['fc']} units and {p['classes']} outputs.",
            "Illustrate a CNN architecture: " + " -> ".join(s["name"] for s in build_stages(p)) + ".",
            f"Make a CNN pipeline diagram for {p['input_size']}x{p['input_size']} images with {len(p['convs'])} "
            f"conv layers.",
        ]
        ja = [
            f"簡単なCNNの図を描いて。{d_ja}、全結合層{p['fc']}ユニット、出力{p['classes']}クラス。",
            "CNNのアーキテクチャを図示せよ：" + "→".join(s["name"] for s in build_stages(p)),
            f"{p['input_size']}x{p['input_size']}の画像を入力とする畳み込み層{len(p['convs'])}つのCNNの図を作って",
        ]
        return en, ja

    def edits(self, p: dict, rng: random.Random) -> list[Edit]:
        out: list[Edit] = []
        for i, ch in enumerate(p["convs"]):
            k = rng.choice([c for c in (8, 16, 32, 64, 128) if c != ch])
            q = copy_params(p)
            q["convs"][i] = k
            out.append(Edit(q, f"Make the {_ORD_EN[i]} convolution {k} channels.",
                            f"{_ORD_JA[i]}の畳み込み層のチャネル数を{k}にして"))
        if len(p["convs"]) < 3 and not (p["pool"] and len(p["convs"]) >= 2):
            q = copy_params(p)
            q["convs"].append(p["convs"][-1] * 2)
            out.append(Edit(q, "Add one more convolutional layer.", "畳み込み層をもう1つ追加して"))
        q = copy_params(p)
        q["pool"] = not p["pool"]
        if q["pool"] and len(q["convs"]) > 2:
            q["convs"] = q["convs"][:2]
        out.append(Edit(q, "Add max pooling after each convolution." if q["pool"] else "Remove the pooling layers.",
                        "各畳み込みの後に最大プーリングを入れて" if q["pool"] else "プーリング層を削除して"))
        k = rng.choice([c for c in (2, 5, 10, 100, 1000) if c != p["classes"]])
        q = copy_params(p)
        q["classes"] = k
        out.append(Edit(q, f"Change the output to {k} classes.", f"出力を{k}クラスにして"))
        c = pick_color(rng, exclude=[p["conv_color"], p["fc_color"]])
        q = copy_params(p)
        q["conv_color"] = c
        out.append(Edit(q, f"Color the feature maps {c}.", f"特徴マップを{color_iro(c)}で塗って"
                        if c in ("red", "blue", "green", "purple") else f"特徴マップを{color_ja(c)}にして"))
        return out

    def check(self, p: dict, trace: Sequence[Any]) -> list[str]:
        problems: list[str] = []
        stages = build_stages(p)
        expect_count(problems, "blocks", len(calls(trace, "rect")), len(stages))
        expect_count(problems, "arrows", len(calls(trace, "triangle")), len(stages) - 1)
        expect_texts(problems, trace, [s["name"] for s in stages] + [f"{p['classes']} classes"])
        return problems
