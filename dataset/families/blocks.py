"""Deep-learning block diagrams: residual blocks, encoder–decoders (U-Net style) and attention."""
from __future__ import annotations

import random
from typing import Any, Sequence

from ._base import (
    toggle_edit,
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

_BOX_FN = """function drawBox(label, cx, cy, w, h, c) {
  stroke(40);
  strokeWeight(1.5);
  fill(c);
  rect(cx - w / 2, cy - h / 2, w, h, 6);
  noStroke();
  fill(20);
  textAlign(CENTER, CENTER);
  text(label, cx, cy);
}"""


def _ja_color_phrase(c: str) -> str:
    return f"{color_ja(c)}くして" if c in ("red", "blue") else f"{color_ja(c)}にして"


class Residual(Family):
    """A residual block: a stack of layers with an identity (or projection) shortcut into an addition."""

    name = "residual"

    def sample(self, rng: random.Random) -> dict:
        layers = rng.choice([
            ["Conv 3x3", "BatchNorm", "ReLU", "Conv 3x3", "BatchNorm"],
            ["Conv 3x3", "ReLU", "Conv 3x3"],
            ["Linear", "ReLU", "Linear"],
            ["LayerNorm", "Attention"],
            ["LayerNorm", "MLP"],
            ["Conv 1x1", "Conv 3x3", "Conv 1x1"],
        ])
        c = pick_color(rng)
        return {"canvas": list(rng.choice([(400, 400), (420, 460), (400, 440)])), "layers": list(layers),
                "box_color": c, "skip_color": pick_color(rng, exclude=[c]), "projection": rng.random() < 0.25,
                "relu_after": rng.random() < 0.5}

    def code(self, p: dict) -> str:
        w, h = p["canvas"]
        consts: list[tuple[str, Any]] = [
            ("W", w), ("H", h), ("LAYERS", p["layers"]), ("BOX_W", 130), ("BOX_H", 30),
            ("BOX_COLOR", hex_of(p["box_color"])), ("SKIP_COLOR", hex_of(p["skip_color"])), ("ARROW_SIZE", 7),
        ]
        body = """function draw() {
  background(255);
  textSize(13);
  const cx = W / 2;
  const top = 50;
  const step = (H - 140) / (LAYERS.length + 1);
  // Input label and the main path of layers.
  noStroke();
  fill(20);
  textAlign(CENTER, CENTER);
  text("x", cx, top - 25);
  stroke(40);
  fill(40);
  drawArrow(cx, top - 15, cx, top + step - BOX_H / 2);
  for (let i = 0; i < LAYERS.length; i++) {
    const y = top + (i + 1) * step;
    drawBox(LAYERS[i], cx, y, BOX_W, BOX_H, BOX_COLOR);
    const next = i < LAYERS.length - 1 ? y + step - BOX_H / 2 : top + (LAYERS.length + 1) * step - 12;
    stroke(40);
    fill(40);
    drawArrow(cx, y + BOX_H / 2, cx, next);
  }
  // Addition node where the shortcut joins the main path.
  const addY = top + (LAYERS.length + 1) * step;
  stroke(40);
  fill(255);
  circle(cx, addY, 24);
  noStroke();
  fill(20);
  text("+", cx, addY);
  // Shortcut: out to the right, down, and back into the addition.
  const sx = cx + BOX_W / 2 + 45;
  stroke(SKIP_COLOR);
  strokeWeight(2);
  noFill();
  line(cx, top - 8, sx, top - 8);
  line(sx, top - 8, sx, addY);
  fill(SKIP_COLOR);
  drawArrow(sx, addY, cx + 12, addY);
"""
        if p["projection"]:
            body += """  drawBox("Conv 1x1", sx, (top + addY) / 2, 70, 26, 255);
"""
        else:
            body += """  noStroke();
  fill(SKIP_COLOR);
  textAlign(LEFT, CENTER);
  text("identity", sx + 6, (top + addY) / 2);
"""
        out_label = "ReLU(F(x) + x)" if p["relu_after"] else "F(x) + x"
        body += f"""  stroke(40);
  fill(40);
  drawArrow(cx, addY + 12, cx, addY + 45);
  noStroke();
  fill(20);
  textAlign(CENTER, TOP);
  text("{out_label}", cx, addY + 50);
}}
"""
        return p5_program("Residual block: " + " -> ".join(p["layers"]) + " with a shortcut", consts, body,
                          [_BOX_FN, ARROW_FN])

    def caption(self, p: dict) -> tuple[str, str]:
        skip_en = "a 1x1 convolution projection shortcut" if p["projection"] else "an identity skip connection"
        skip_ja = "1x1畳み込みによる射影ショートカット" if p["projection"] else "恒等写像のスキップ接続"
        en = f"A residual block with {len(p['layers'])} layers ({', '.join(p['layers'])}) and {skip_en} " \
             f"into an addition node."
        ja = f"{len(p['layers'])}つの層（{'、'.join(p['layers'])}）と加算ノードへの{skip_ja}を持つ残差ブロック。"
        return en, ja

    def instructions(self, p: dict) -> tuple[list[str], list[str]]:
        chain = " -> ".join(p["layers"])
        en = ["Illustrate a skip connection.", f"Draw a residual block: {chain}, plus a shortcut added at the end.",
              f"Make a ResNet-style block diagram with layers {chain} and a {p['skip_color']} skip connection."]
        ja = ["スキップ接続を図示して", f"残差ブロックを描いて。{chain}の後にショートカットを足し合わせる。",
              f"{chain}の層と{color_iro(p['skip_color'])}のスキップ接続を持つResNet風のブロック図を作って"]
        return en, ja

    def edits(self, p: dict, rng: random.Random) -> list[Edit]:
        out = []
        c = pick_color(rng, exclude=[p["skip_color"], p["box_color"]])
        q = copy_params(p)
        q["skip_color"] = c
        out.append(Edit(q, f"Make the skip connection {c}.", "スキップ接続を" + _ja_color_phrase(c)))
        q = copy_params(p)
        q["projection"] = not p["projection"]
        out.append(Edit(q, "Use a 1x1 convolution on the shortcut." if q["projection"] else
                        "Make the shortcut an identity connection.",
                        "ショートカットに1x1畳み込みを入れて" if q["projection"] else "ショートカットを恒等写像にして"))
        if len(p["layers"]) < 6:
            q = copy_params(p)
            q["layers"].append("Dropout")
            out.append(Edit(q, "Add a Dropout layer at the end of the block.", "ブロックの最後にDropout層を追加して"))
        if len(p["layers"]) > 2:
            q = copy_params(p)
            removed = q["layers"].pop()
            out.append(Edit(q, f"Remove the last {removed} layer.", f"最後の{removed}層を削除して"))
        c = pick_color(rng, exclude=[p["skip_color"], p["box_color"]])
        q = copy_params(p)
        q["box_color"] = c
        out.append(Edit(q, f"Fill the layer boxes with {c}.", f"層の箱を{color_iro(c)}で塗って"))
        q = copy_params(p)
        q["relu_after"] = not p["relu_after"]
        out.append(Edit(q, "Apply ReLU after the addition in the output label." if q["relu_after"] else
                        "Label the output F(x) + x without ReLU.",
                        "出力のラベルを加算後にReLUを通す形にして" if q["relu_after"] else "出力のラベルをReLUなしのF(x) + xにして"))
        return out

    def check(self, p: dict, trace: Sequence[Any]) -> list[str]:
        problems: list[str] = []
        expect_count(problems, "boxes", len(calls(trace, "rect")), len(p["layers"]) + (1 if p["projection"] else 0))
        expect_count(problems, "addition nodes", len(calls(trace, "circle")), 1)
        expect_count(problems, "arrows", len(calls(trace, "triangle")), len(p["layers"]) + 3)
        expect_texts(problems, trace, p["layers"] + ["+", "Conv 1x1" if p["projection"] else "identity"])
        return problems


class EncoderDecoder(Family):
    """Encoder blocks shrinking to a bottleneck, decoder blocks growing back, optional U-Net skips."""

    name = "encoder_decoder"

    def sample(self, rng: random.Random) -> dict:
        c = pick_color(rng)
        return {"canvas": list(rng.choice([(600, 320), (640, 360), (560, 320)])), "depth": rng.randint(2, 4),
                "base_channels": rng.choice([16, 32, 64]), "skips": rng.random() < 0.5, "enc_color": c,
                "dec_color": pick_color(rng, exclude=[c]), "show_channels": rng.random() < 0.6}

    def code(self, p: dict) -> str:
        w, h = p["canvas"]
        enc = [p["base_channels"] * 2 ** i for i in range(p["depth"])]
        consts: list[tuple[str, Any]] = [
            ("W", w), ("H", h), ("ENCODER_CHANNELS", enc), ("BOTTLENECK", enc[-1] * 2),
            ("ENC_COLOR", hex_of(p["enc_color"])), ("DEC_COLOR", hex_of(p["dec_color"])),
            ("LATENT_COLOR", "#dddddd"), ("BLOCK_W", 28), ("ARROW_SIZE", 7),
        ]
        helpers = [ARROW_FN, """function blockHeight(level) {
  // Deeper levels have a smaller spatial size.
  return (H * 0.6) / pow(1.45, level);
}"""]
        body = """function draw() {
  background(255);
  const depth = ENCODER_CHANNELS.length;
  const n = 2 * depth + 1;
  const step = (W - 60) / n;
  const xs = [];
  const hs = [];
  for (let i = 0; i < n; i++) {
    const level = i <= depth ? i : n - 1 - i;
    xs.push(30 + i * step + (step - BLOCK_W) / 2);
    hs.push(blockHeight(level));
  }
  const cy = H / 2 - 10;
  textSize(11);
  for (let i = 0; i < n; i++) {
    let c = i < depth ? ENC_COLOR : DEC_COLOR;
    if (i === depth) {
      c = LATENT_COLOR;
    }
    stroke(40);
    strokeWeight(1);
    fill(c);
    rect(xs[i], cy - hs[i] / 2, BLOCK_W, hs[i]);
    if (i < n - 1) {
      fill(40);
      drawArrow(xs[i] + BLOCK_W + 3, cy, xs[i + 1] - 3, cy);
    }
"""
        if p["show_channels"]:
            body += """    const level = i <= depth ? i : n - 1 - i;
    const channels = level < depth ? ENCODER_CHANNELS[level] : BOTTLENECK;
    noStroke();
    fill(30);
    textAlign(CENTER, TOP);
    text(channels, xs[i] + BLOCK_W / 2, cy + hs[i] / 2 + 4);
"""
        body += "  }\n"
        if p["skips"]:
            body += """  // Skip connections copy each encoder level to the decoder level of the same size.
  stroke(120);
  strokeWeight(1.5);
  drawingContext.setLineDash([5, 4]);
  for (let i = 0; i < depth; i++) {
    const j = n - 1 - i;
    const y = cy - hs[i] / 2 - 12 - 8 * (depth - i);
    line(xs[i] + BLOCK_W / 2, cy - hs[i] / 2, xs[i] + BLOCK_W / 2, y);
    line(xs[i] + BLOCK_W / 2, y, xs[j] + BLOCK_W / 2, y);
    line(xs[j] + BLOCK_W / 2, y, xs[j] + BLOCK_W / 2, cy - hs[j] / 2);
  }
  drawingContext.setLineDash([]);
"""
        body += """  noStroke();
  fill(20);
  textSize(14);
  textAlign(CENTER, TOP);
  text("Encoder", (xs[0] + xs[depth - 1] + BLOCK_W) / 2, H - 34);
  text("Decoder", (xs[depth + 1] + xs[n - 1] + BLOCK_W) / 2, H - 34);
  text("z", xs[depth] + BLOCK_W / 2, H - 34);
}
"""
        kind = "U-Net style encoder-decoder" if p["skips"] else "Encoder-decoder"
        return p5_program(f"{kind} with {p['depth']} levels", consts, body, helpers)

    def caption(self, p: dict) -> tuple[str, str]:
        d = p["depth"]
        if p["skips"]:
            return (f"A U-Net style encoder-decoder with {d} levels on each side, a bottleneck and skip connections "
                    f"between matching levels.",
                    f"両側{d}段のU-Net型エンコーダ・デコーダ。ボトルネックと同じ解像度の段どうしを結ぶスキップ接続を持つ。")
        return (f"An encoder-decoder network with {d} encoder blocks, a bottleneck z and {d} decoder blocks.",
                f"{d}つのエンコーダブロック、ボトルネックz、{d}つのデコーダブロックからなるエンコーダ・デコーダネットワーク。")

    def instructions(self, p: dict) -> tuple[list[str], list[str]]:
        d = p["depth"]
        en = [f"Draw an encoder-decoder architecture with {d} levels" + (" and U-Net skip connections." if p["skips"]
                                                                         else "."),
              f"Illustrate an autoencoder: {d} shrinking encoder blocks, a latent code, {d} growing decoder blocks.",
              "Make a U-Net diagram." if p["skips"] else "Make a diagram of an encoder, bottleneck and decoder."]
        ja = [f"{d}段のエンコーダ・デコーダ構造を描いて" + ("。U-Netのスキップ接続も入れて" if p["skips"] else ""),
              f"オートエンコーダを図示して。{d}段で縮むエンコーダ、潜在表現、{d}段で広がるデコーダ。",
              "U-Netの図を作って" if p["skips"] else "エンコーダ、ボトルネック、デコーダの図を作って"]
        return en, ja

    def edits(self, p: dict, rng: random.Random) -> list[Edit]:
        out = []
        q = copy_params(p)
        q["skips"] = not p["skips"]
        out.append(Edit(q, "Add skip connections between matching levels." if q["skips"] else
                        "Remove the skip connections.",
                        "同じ段どうしをスキップ接続で結んで" if q["skips"] else "スキップ接続を消して"))
        for d in (2, 3, 4):
            if d != p["depth"]:
                q = copy_params(p)
                q["depth"] = d
                out.append(Edit(q, f"Use {d} levels in the encoder and the decoder.",
                                f"エンコーダとデコーダをそれぞれ{d}段にして"))
        c = pick_color(rng, exclude=[p["enc_color"], p["dec_color"]])
        q = copy_params(p)
        q["dec_color"] = c
        out.append(Edit(q, f"Color the decoder blocks {c}.", "デコーダのブロックを" + _ja_color_phrase(c)))
        q = copy_params(p)
        q["show_channels"] = not p["show_channels"]
        out.append(Edit(q, "Write the channel count under each block." if q["show_channels"] else
                        "Hide the channel counts.",
                        "各ブロックの下にチャネル数を書いて" if q["show_channels"] else "チャネル数の表示を消して"))
        return out

    def check(self, p: dict, trace: Sequence[Any]) -> list[str]:
        problems: list[str] = []
        d = p["depth"]
        expect_count(problems, "blocks", len(calls(trace, "rect")), 2 * d + 1)
        expect_count(problems, "arrows", len(calls(trace, "triangle")), 2 * d)
        expect_count(problems, "lines", len(calls(trace, "line")), 2 * d + (3 * d if p["skips"] else 0))
        want = ["Encoder", "Decoder", "z"]
        if p["show_channels"]:
            want.append(str(p["base_channels"] * 2 ** d))
        expect_texts(problems, trace, want)
        return problems


class Attention(Family):
    """Scaled dot-product attention or multi-head attention, drawn as the familiar transformer diagrams."""

    name = "attention"

    def sample(self, rng: random.Random) -> dict:
        c = pick_color(rng)
        return {"canvas": list(rng.choice([(400, 460), (420, 480), (440, 460)])),
                "variant": rng.choice(["sdpa", "mha"]), "mask": rng.random() < 0.4, "heads": rng.choice([2, 3, 4, 8]),
                "box_color": c, "accent_color": pick_color(rng, exclude=[c])}

    def _stack(self, p: dict) -> list[str]:
        if p["variant"] == "sdpa":
            return ["MatMul", "Scale"] + (["Mask"] if p["mask"] else []) + ["SoftMax", "MatMul"]
        return ["Scaled Dot-Product Attention", "Concat", "Linear"]

    def code(self, p: dict) -> str:
        w, h = p["canvas"]
        stack = self._stack(p)
        consts: list[tuple[str, Any]] = [
            ("W", w), ("H", h), ("STACK", stack), ("INPUTS", ["Q", "K", "V"]),
            ("BOX_COLOR", hex_of(p["box_color"])), ("ACCENT", hex_of(p["accent_color"])), ("ARROW_SIZE", 7),
        ]
        if p["variant"] == "mha":
            consts.append(("HEADS", p["heads"]))
        helpers = [_BOX_FN, ARROW_FN]
        body = """function draw() {
  background(255);
  textSize(12);
  const cx = W / 2;
  const bottom = H - 40;
  const step = (H - 110) / (STACK.length + 1);
  // Inputs along the bottom.
  for (let i = 0; i < INPUTS.length; i++) {
    const x = cx + (i - 1) * 90;
    noStroke();
    fill(20);
    textAlign(CENTER, CENTER);
    text(INPUTS[i], x, bottom + 15);
"""
        if p["variant"] == "mha":
            body += """    // One Linear projection per head, drawn as a stack of offset boxes.
    for (let k = HEADS - 1; k >= 0; k--) {
      drawBox(k === 0 ? "Linear" : "", x + 3 * k, bottom - step - 3 * k, 70, 26, ACCENT);
    }
    stroke(40);
    fill(40);
    drawArrow(x, bottom + 2, x, bottom - step + 15);
    drawArrow(x, bottom - step - 15, cx, bottom - 2 * step + 16);
  }
  for (let k = HEADS - 1; k >= 0; k--) {
    drawBox(k === 0 ? STACK[0] : "", cx + 4 * k, bottom - 2 * step - 4 * k, 220, 32, BOX_COLOR);
  }
  noStroke();
  fill(20);
  textAlign(LEFT, CENTER);
  text("h = " + HEADS, cx + 120 + 4 * HEADS, bottom - 2 * step);
  for (let i = 1; i < STACK.length; i++) {
    const y = bottom - (i + 2) * step;
    stroke(40);
    fill(40);
    drawArrow(cx, y + step - 16, cx, y + 14);
    drawBox(STACK[i], cx, y, 110, 28, BOX_COLOR);
  }
  const topY = bottom - (STACK.length + 1) * step - 14;
"""
        else:
            body += """    stroke(40);
    fill(40);
    const target = i < 2 ? cx - 45 : cx + 45;
    const targetY = i < 2 ? bottom - step + 14 : bottom - STACK.length * step + 14;
    drawArrow(x, bottom + 2, target, targetY);
  }
  // The Q-K path goes up the left column; V joins at the final MatMul.
  for (let i = 0; i < STACK.length; i++) {
    const y = bottom - (i + 1) * step;
    const x = i === STACK.length - 1 ? cx : cx - 45;
    const c = STACK[i] === "SoftMax" || STACK[i] === "Mask" ? ACCENT : BOX_COLOR;
    drawBox(STACK[i], x, y, 100, 28, c);
    if (i < STACK.length - 1) {
      stroke(40);
      fill(40);
      const nx = i + 1 === STACK.length - 1 ? cx : cx - 45;
      drawArrow(x, y - 14, nx, y - step + 14);
    }
  }
  const topY = bottom - STACK.length * step - 14;
"""
        body += """  stroke(40);
  fill(40);
  drawArrow(cx, topY - 2, cx, 20);
}
"""
        title = "Multi-head attention" if p["variant"] == "mha" else "Scaled dot-product attention"
        return p5_program(title, consts, body, helpers)

    def caption(self, p: dict) -> tuple[str, str]:
        if p["variant"] == "mha":
            return (f"Multi-head attention with {p['heads']} heads: linear projections of Q, K and V, scaled "
                    f"dot-product attention per head, concatenation and a final linear layer.",
                    f"{p['heads']}ヘッドのマルチヘッドアテンション。Q・K・Vの線形射影、ヘッドごとのスケール化内積アテンション、"
                    f"連結、最後の線形層からなる。")
        m_en = ", a mask" if p["mask"] else ""
        m_ja = "、マスク" if p["mask"] else ""
        return (f"Scaled dot-product attention: MatMul of Q and K, scaling{m_en}, softmax and a MatMul with V.",
                f"スケール化内積アテンション：QとKの行列積、スケーリング{m_ja}、ソフトマックス、Vとの行列積。")

    def instructions(self, p: dict) -> tuple[list[str], list[str]]:
        if p["variant"] == "mha":
            return ([f"Draw a multi-head attention block with {p['heads']} heads.",
                     "Illustrate multi-head attention as in the Transformer paper.",
                     f"Make a diagram of multi-head self-attention (h={p['heads']})."],
                    [f"{p['heads']}ヘッドのマルチヘッドアテンションを描いて",
                     "Transformer論文のようにマルチヘッドアテンションを図示して",
                     f"マルチヘッド自己注意（h={p['heads']}）の図を作って"])
        mask_en = " with a mask" if p["mask"] else ""
        mask_ja = "（マスクあり）" if p["mask"] else ""
        return ([f"Draw scaled dot-product attention{mask_en}.", "Illustrate the attention mechanism: Q, K, V.",
                 f"Make a block diagram of softmax(QK^T / sqrt(d)) V{mask_en}."],
                [f"スケール化内積アテンションを描いて{mask_ja}", "Q、K、Vを使うアテンション機構を図示して",
                 f"softmax(QK^T/√d)Vのブロック図を作って{mask_ja}"])

    def edits(self, p: dict, rng: random.Random) -> list[Edit]:
        out = []
        c = pick_color(rng, exclude=[p["box_color"], p["accent_color"]])
        q = copy_params(p)
        q["box_color"] = c
        out.append(Edit(q, f"Make the boxes {c}.", "箱を" + _ja_color_phrase(c)))
        if p["variant"] == "sdpa":
            out.append(toggle_edit(p, "mask", en=("Add a mask step before the softmax.", "Remove the mask step."),
                                    ja=("ソフトマックスの前にマスクを追加して", "マスクの段を削除して")))
            q = copy_params(p)
            q["variant"] = "mha"
            out.append(Edit(q, f"Turn it into multi-head attention with {p['heads']} heads.",
                            f"{p['heads']}ヘッドのマルチヘッドアテンションにして"))
        else:
            k = rng.choice([h for h in (2, 3, 4, 8) if h != p["heads"]])
            q = copy_params(p)
            q["heads"] = k
            out.append(Edit(q, f"Use {k} heads.", f"ヘッド数を{k}にして"))
        return out

    def check(self, p: dict, trace: Sequence[Any]) -> list[str]:
        problems: list[str] = []
        stack = self._stack(p)
        if p["variant"] == "mha":
            expect_count(problems, "boxes", len(calls(trace, "rect")), 4 * p["heads"] + len(stack) - 1)
            expect_texts(problems, trace, [f"h = {p['heads']}"])
        else:
            expect_count(problems, "boxes", len(calls(trace, "rect")), len(stack))
        expect_texts(problems, trace, stack + ["Q", "K", "V"])
        return problems
