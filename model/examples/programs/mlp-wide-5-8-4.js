/* example
{"tags": ["mlp", "neural network", "wide layer", "many units"],
 "caption_en": "A wider network: 5 inputs, a hidden layer of 8 units and 4 outputs, with small nodes so everything fits.",
 "caption_ja": "幅の広いネットワーク。入力5、隠れ層8ユニット、出力4。ノードを小さくして全部収める。",
 "checks": [{"type": "columns", "select": {"kind": "circle"}, "counts": [5, 8, 4]},
            {"type": "inside_canvas"}]}
*/
// Wider network 5-8-4: node spacing shrinks so the largest layer fits.
const W = 400, H = 400;
const LAYERS = [5, 8, 4];
const MARGIN = 40;
const D = 22;

function setup() {
  createCanvas(W, H);
  noLoop();
}

function draw() {
  background(255);
  const gap = (H - 2 * MARGIN) / max(LAYERS);
  const layers = LAYERS.map((n, i) => place(n, i, gap));
  stroke(200);
  for (let i = 0; i < layers.length - 1; i++) joinAll(layers[i], layers[i + 1]);
  stroke(50);
  fill(255, 250, 220);
  for (const nodes of layers) for (const p of nodes) circle(p.x, p.y, D);
}

function place(n, i, gap) {
  const x = 80 + i * (W - 160) / (LAYERS.length - 1);
  return Array.from({ length: n }, (_, j) => ({ x: x, y: H / 2 + (j - (n - 1) / 2) * gap }));
}

function joinAll(a, b) {
  for (const p of a) for (const q of b) line(p.x, p.y, q.x, q.y);
}
