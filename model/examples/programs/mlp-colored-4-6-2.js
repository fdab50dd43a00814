/* example
{"tags": ["mlp", "neural network", "colours", "input blue", "output red"],
 "caption_en": "A 4-6-2 network with blue input units, grey hidden units and red output units.",
 "caption_ja": "4-6-2のネットワーク。入力ユニットは青、隠れユニットは灰色、出力ユニットは赤。",
 "checks": [{"type": "columns", "select": {"kind": "circle"}, "counts": [4, 6, 2]},
            {"type": "count", "select": {"kind": "circle", "color": "blue"}, "eq": 4},
            {"type": "count", "select": {"kind": "circle", "color": "red"}, "eq": 2}]}
*/
// 4-6-2 network; each layer has its own colour.
const W = 400, H = 400;
const LAYERS = [4, 6, 2];
const COLORS = ["#3b6fd8", "#b0b0b0", "#d83b3b"];  // input, hidden, output
const D = 28;
const GAP = 52;

function setup() {
  createCanvas(W, H);
  noLoop();
}

function draw() {
  background(255);
  const layers = LAYERS.map((n, i) => positions(n, i));
  drawEdges(layers);
  layers.forEach((nodes, i) => drawLayer(nodes, COLORS[i]));
}

function positions(n, i) {
  const x = 80 + i * 120;
  const pts = [];
  for (let j = 0; j < n; j++) pts.push({ x: x, y: H / 2 + (j - (n - 1) / 2) * GAP });
  return pts;
}

function drawEdges(layers) {
  stroke(190);
  for (let i = 0; i < layers.length - 1; i++) {
    for (const a of layers[i]) for (const b of layers[i + 1]) line(a.x, a.y, b.x, b.y);
  }
}

function drawLayer(nodes, c) {
  stroke(30);
  fill(c);
  for (const p of nodes) circle(p.x, p.y, D);
}
