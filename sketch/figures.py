"""Small p5.js figure programs (with known structure) that synthetic sketches are drawn over."""
from __future__ import annotations

__all__ = ["FIGURES", "figure_programs"]


def _mlp(layers: tuple[int, ...], w: int = 400, h: int = 400) -> str:
    sizes = ", ".join(str(n) for n in layers)
    return f"""function setup() {{
  createCanvas({w}, {h});
  background(255);
  const layers = [{sizes}];
  const gap = width / (layers.length + 1);
  stroke(120);
  for (let i = 0; i < layers.length - 1; i++) {{
    for (let a = 0; a < layers[i]; a++) {{
      for (let b = 0; b < layers[i + 1]; b++) {{
        line(gap * (i + 1), nodeY(a, layers[i]), gap * (i + 2), nodeY(b, layers[i + 1]));
      }}
    }}
  }}
  stroke(0);
  strokeWeight(2);
  for (let i = 0; i < layers.length; i++) {{
    fill(i === 0 ? color(180, 210, 255) : i === layers.length - 1 ? color(255, 200, 160) : color(200, 240, 200));
    for (let a = 0; a < layers[i]; a++) {{
      circle(gap * (i + 1), nodeY(a, layers[i]), 30);
    }}
  }}
  noStroke();
  fill(0);
  textAlign(CENTER, CENTER);
  textSize(14);
  text("Input", gap, height - 30);
  text("Hidden", gap * 2, height - 30);
  text("Output", gap * layers.length, height - 30);
  textSize(16);
  text("Multilayer perceptron", width / 2, 24);
}}

function nodeY(a, n) {{
  return height / 2 + (a - (n - 1) / 2) * 50;
}}
"""


def _bars(values: tuple[int, ...], w: int = 500, h: int = 360) -> str:
    vals = ", ".join(str(v) for v in values)
    labels = ", ".join(f'"{chr(65 + i)}"' for i in range(len(values)))
    return f"""function setup() {{
  createCanvas({w}, {h});
  background(255);
  const values = [{vals}];
  const labels = [{labels}];
  const left = 60, bottom = height - 50, bw = (width - 100) / values.length;
  stroke(0);
  line(left, bottom, width - 30, bottom);
  line(left, bottom, left, 40);
  noStroke();
  for (let i = 0; i < values.length; i++) {{
    fill(70, 130, 200);
    rect(left + 10 + i * bw, bottom - values[i] * 2.2, bw - 20, values[i] * 2.2);
    fill(0);
    textAlign(CENTER, TOP);
    text(labels[i], left + 10 + i * bw + (bw - 20) / 2, bottom + 8);
  }}
  textAlign(CENTER, CENTER);
  textSize(16);
  text("Results by group", width / 2, 20);
}}
"""


def _flowchart(steps: tuple[str, ...], w: int = 420, h: int = 460) -> str:
    items = ", ".join(f'"{s}"' for s in steps)
    return f"""function setup() {{
  createCanvas({w}, {h});
  background(250);
  const steps = [{items}];
  textAlign(CENTER, CENTER);
  textSize(14);
  for (let i = 0; i < steps.length; i++) {{
    push();
    translate(width / 2, 50 + i * 95);
    fill(255, 245, 200);
    stroke(60);
    rect(-80, -25, 160, 50, 8);
    noStroke();
    fill(0);
    text(steps[i], 0, 0);
    pop();
  }}
  stroke(60);
  strokeWeight(2);
  for (let i = 0; i < steps.length - 1; i++) {{
    const y0 = 75 + i * 95, y1 = 120 + i * 95;
    line(width / 2, y0, width / 2, y1);
    triangle(width / 2 - 6, y1 - 8, width / 2 + 6, y1 - 8, width / 2, y1);
  }}
}}
"""


def _scatter(n: int, seed: int, w: int = 420, h: int = 420) -> str:
    return f"""function setup() {{
  createCanvas({w}, {h});
  background(255);
  randomSeed({seed});
  stroke(0);
  line(50, height - 50, width - 20, height - 50);
  line(50, height - 50, 50, 20);
  noStroke();
  fill(220, 60, 60, 200);
  for (let i = 0; i < {n}; i++) {{
    const x = random(70, width - 40);
    const y = random(40, height - 70);
    circle(x, y, 12);
  }}
  fill(0);
  textSize(13);
  text("x", width - 30, height - 30);
  text("y", 30, 30);
}}
"""


def _rotated_blocks(n: int, w: int = 480, h: int = 360) -> str:
    return f"""function setup() {{
  createCanvas({w}, {h});
  background(255);
  angleMode(DEGREES);
  rectMode(CENTER);
  for (let i = 0; i < {n}; i++) {{
    push();
    translate(80 + i * ({w - 160} / {max(n - 1, 1)}), height / 2);
    rotate(-20 + i * 10);
    fill(150 + i * 20, 180, 230);
    stroke(30);
    rect(0, 0, 50, 110 - i * 12);
    pop();
  }}
  fill(0);
  noStroke();
  textAlign(CENTER);
  textSize(15);
  text("Convolution blocks", width / 2, 30);
  text("feature maps", width / 2, height - 25);
}}
"""


def _tree(depth: int, w: int = 480, h: int = 400) -> str:
    return f"""function setup() {{
  createCanvas({w}, {h});
  background(255);
  textAlign(CENTER, CENTER);
  drawNode(width / 2, 50, width / 4, 0);
}}

function drawNode(x, y, spread, d) {{
  if (d < {depth}) {{
    stroke(90);
    line(x, y, x - spread, y + 90);
    line(x, y, x + spread, y + 90);
    drawNode(x - spread, y + 90, spread / 2, d + 1);
    drawNode(x + spread, y + 90, spread / 2, d + 1);
  }}
  stroke(0);
  fill(255, 230, 200);
  ellipse(x, y, 46, 34);
  noStroke();
  fill(0);
  text("n" + d, x, y);
}}
"""


FIGURES: dict[str, str] = {
    "mlp_3_4_2": _mlp((3, 4, 2)),
    "mlp_2_5_5_1": _mlp((2, 5, 5, 1), 520, 420),
    "mlp_4_3": _mlp((4, 3), 360, 380),
    "bars_5": _bars((40, 75, 55, 90, 30)),
    "bars_3": _bars((60, 100, 80), 400, 360),
    "flowchart_4": _flowchart(("Load data", "Clean", "Train model", "Evaluate")),
    "flowchart_3": _flowchart(("Input", "Encoder", "Decoder"), 380, 340),
    "scatter_12": _scatter(12, 3),
    "scatter_20": _scatter(20, 11, 500, 400),
    "blocks_4": _rotated_blocks(4),
    "blocks_5": _rotated_blocks(5, 560, 380),
    "tree_2": _tree(2),
}


def figure_programs() -> dict[str, str]:
    """Name → p5.js program of every evaluation figure."""
    return dict(FIGURES)
