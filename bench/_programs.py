"""The benchmark's 200 varied, deterministic p5.js figure programs (same list every run)."""
from __future__ import annotations

import random

__all__ = ["figure_programs"]


def _mlp(r: random.Random) -> str:
    layers = [r.randint(2, 6) for _ in range(r.randint(3, 4))]
    return f"""const layers = {layers};
function setup() {{
  createCanvas(480, 320);
  background(255);
  const dx = width / (layers.length + 1);
  let prev = [];
  for (let l = 0; l < layers.length; l++) {{
    const cur = [];
    for (let i = 0; i < layers[l]; i++) cur.push([dx * (l + 1), height / (layers[l] + 1) * (i + 1)]);
    stroke(150);
    for (const a of prev) for (const b of cur) line(a[0], a[1], b[0], b[1]);
    prev = cur;
  }}
  noStroke();
  for (let l = 0; l < layers.length; l++) {{
    fill(l === 0 ? color(80, 140, 220) : l === layers.length - 1 ? color(230, 120, 60) : color(120, 200, 120));
    for (let i = 0; i < layers[l]; i++) circle(dx * (l + 1), height / (layers[l] + 1) * (i + 1), 28);
  }}
  fill(0);
  textAlign(CENTER);
  textSize(14);
  text('{r.choice(["Input", "入力層"])}', dx, height - 10);
  text('Output', dx * layers.length, height - 10);
}}
"""


def _bars(r: random.Random) -> str:
    vals = [r.randint(5, 95) for _ in range(r.randint(3, 9))]
    return f"""const vals = {vals};
function setup() {{
  createCanvas(400, 300);
  background(250);
  const w = (width - 60) / vals.length;
  stroke(0);
  line(40, height - 30, width - 10, height - 30);
  line(40, 10, 40, height - 30);
  noStroke();
  for (let i = 0; i < vals.length; i++) {{
    fill(60 + i * 20, 100, 200 - i * 10);
    const h = vals[i] * 2.4;
    rect(45 + i * w, height - 30 - h, w - 8, h);
    fill(0);
    textSize(10);
    text(vals[i], 48 + i * w, height - 34 - h);
  }}
}}
"""


def _scatter(r: random.Random) -> str:
    return f"""function setup() {{
  createCanvas(360, 360);
  background(255);
  randomSeed({r.randint(0, 10_000)});
  stroke(200);
  for (let g = 0; g <= 360; g += 40) {{ line(g, 0, g, height); line(0, g, width, g); }}
  noStroke();
  for (let i = 0; i < {r.randint(30, 120)}; i++) {{
    const x = random(20, 340), y = 340 - x * random(0.6, 0.9);
    fill(random(255), 80, 160, 180);
    ellipse(x, y, 8, 8);
  }}
}}
"""


def _flow(r: random.Random) -> str:
    n = r.randint(3, 6)
    return f"""const n = {n};
function box(x, y, label) {{
  fill(255, 245, 220);
  stroke(60);
  rect(x - 50, y - 18, 100, 36, 6);
  noStroke();
  fill(20);
  textAlign(CENTER, CENTER);
  text(label, x, y);
}}
function arrow(x1, y1, x2, y2) {{
  stroke(60);
  line(x1, y1, x2, y2);
  push();
  translate(x2, y2);
  rotate(atan2(y2 - y1, x2 - x1));
  fill(60);
  triangle(0, 0, -8, -4, -8, 4);
  pop();
}}
function setup() {{
  createCanvas(220, 70 * n);
  background(255);
  for (let i = 0; i < n; i++) {{
    if (i > 0) arrow(110, 70 * i - 17, 110, 70 * i + 17);
    box(110, 70 * i + 35, 'Step ' + (i + 1));
  }}
}}
"""


def _tree(r: random.Random) -> str:
    return f"""function branch(len, depth) {{
  line(0, 0, 0, -len);
  translate(0, -len);
  if (depth > 0) {{
    push(); rotate({r.uniform(0.2, 0.6):.3f}); branch(len * 0.7, depth - 1); pop();
    push(); rotate(-{r.uniform(0.2, 0.6):.3f}); branch(len * 0.7, depth - 1); pop();
  }}
}}
function setup() {{
  createCanvas(300, 300);
  background(245, 250, 255);
  stroke(70, 50, 30);
  translate(width / 2, height);
  branch(80, {r.randint(4, 7)});
}}
"""


def _shapes(r: random.Random) -> str:
    k = r.randint(5, 9)
    return f"""function setup() {{
  createCanvas(320, 240);
  background(255);
  fill(100, 150, 255, 160);
  stroke(20);
  beginShape();
  for (let i = 0; i < {k}; i++) {{
    const a = TWO_PI * i / {k};
    vertex(160 + 90 * cos(a), 120 + 90 * sin(a));
  }}
  endShape(CLOSE);
  noFill();
  stroke(200, 40, 40);
  strokeWeight(3);
  bezier(20, 220, 80, 20, 240, 20, 300, 220);
  arc(160, 120, 60, 60, 0, PI + QUARTER_PI);
  strokeWeight(1);
  quad(10, 10, 60, 15, 55, 50, 12, 45);
}}
"""


def _wave(r: random.Random) -> str:
    return f"""function setup() {{
  createCanvas(400, 200);
  background(255);
  noiseSeed({r.randint(0, 999)});
  noFill();
  stroke(30, 90, 200);
  strokeWeight(2);
  beginShape();
  for (let x = 0; x <= width; x += 4) curveVertex(x, 100 + 60 * sin(x * {r.uniform(0.01, 0.05):.3f}) + 20 * noise(x * 0.02));
  endShape();
  stroke(0);
  strokeWeight(1);
  line(0, 100, width, 100);
  text('f(x) = sin(x)', 10, 20);
}}
"""


def _instance(r: random.Random) -> str:
    c = r.randint(2, 8)
    return f"""new p5((p) => {{
  p.setup = () => {{
    p.createCanvas(240, 240);
    p.noLoop();
  }};
  p.draw = () => {{
    p.background(240);
    for (let i = 0; i < {c}; i++) {{
      p.push();
      p.translate(120, 120);
      p.rotate(p.TWO_PI * i / {c});
      p.fill(50 + i * 25, 120, 200);
      p.rect(20, -10, 80, 20);
      p.pop();
    }}
  }};
}});
"""


def _animated(r: random.Random) -> str:
    return f"""let t = 0;
function setup() {{
  createCanvas(200, 200);
}}
function draw() {{
  background(20);
  t += {r.uniform(0.01, 0.2):.3f};
  fill(255, 200, 0);
  circle(100 + 50 * cos(t), 100 + 50 * sin(t), 30);
}}
"""


_FAMILIES = [_mlp, _bars, _scatter, _flow, _tree, _shapes, _wave, _instance, _animated]


def figure_programs(n: int = 200, seed: int = 0) -> list[str]:
    """n programs cycling through the families, each with its own parameters."""
    r = random.Random(seed)
    return [_FAMILIES[i % len(_FAMILIES)](r) for i in range(n)]
