/* example
{"tags": ["mlp", "neural network", "two hidden layers", "deep"],
 "caption_en": "A deep network with two hidden layers: 2 inputs, hidden layers of 3 and 3 units, and 1 output.",
 "caption_ja": "隠れ層が2つあるネットワーク。入力2、隠れ層3と3、出力1ユニット。",
 "checks": [{"type": "columns", "select": {"kind": "circle"}, "counts": [2, 3, 3, 1]},
            {"type": "text", "labels": ["x1", "x2", "y"]},
            {"type": "count", "select": {"kind": "line"}, "min": 18}]}
*/
// Network with two hidden layers: 2 -> 3 -> 3 -> 1.
const W = 400, H = 400;
const LAYERS = [2, 3, 3, 1];
const D = 34;
const GAP = 80;

function setup() {
  createCanvas(W, H);
  noLoop();
}

function draw() {
  background(255);
  const layers = LAYERS.map((n, i) => column(n, i));
  drawConnections(layers);
  layers.forEach((nodes, i) => drawNodes(nodes, i));
}

function column(n, i) {
  const x = 60 + i * (W - 120) / (LAYERS.length - 1);
  return Array.from({ length: n }, (_, j) => ({ x: x, y: H / 2 + (j - (n - 1) / 2) * GAP }));
}

function drawConnections(layers) {
  stroke(160);
  strokeWeight(1);
  for (let i = 0; i < layers.length - 1; i++) {
    for (const a of layers[i]) for (const b of layers[i + 1]) line(a.x, a.y, b.x, b.y);
  }
}

function drawNodes(nodes, i) {
  const last = LAYERS.length - 1;
  stroke(40);
  fill(i === 0 ? color(200, 230, 255) : i === last ? color(255, 210, 210) : color(230));
  nodes.forEach((p) => circle(p.x, p.y, D));
  noStroke();
  fill(0);
  textAlign(CENTER, CENTER);
  textSize(13);
  if (i === 0) nodes.forEach((p, j) => text("x" + (j + 1), p.x, p.y));
  if (i === last) text("y", nodes[0].x, nodes[0].y);
}
