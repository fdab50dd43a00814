/* example
{"tags": ["mlp", "neural network", "layers", "fully connected"],
 "caption_en": "A fully connected network with 3 input, 4 hidden and 2 output units, every pair of neighbouring units joined.",
 "caption_ja": "入力3、隠れ4、出力2ユニットの全結合ネットワーク。隣り合う層のユニットはすべて線で結ぶ。",
 "checks": [{"type": "columns", "select": {"kind": "circle"}, "counts": [3, 4, 2]},
            {"type": "count", "select": {"kind": "line"}, "min": 20},
            {"type": "text", "labels": ["Input", "Hidden", "Output"]}]}
*/
// Fully connected network: 3 input, 4 hidden, 2 output units.
const W = 400, H = 400;
const LAYERS = [3, 4, 2];
const NAMES = ["Input", "Hidden", "Output"];
const R = 32;       // node diameter
const GAP = 70;     // vertical spacing between nodes

function setup() {
  createCanvas(W, H);
  noLoop();
}

function draw() {
  background(255);
  const layers = LAYERS.map((n, i) => nodePositions(n, i));
  drawEdges(layers);
  layers.forEach((nodes, i) => drawLayer(nodes, NAMES[i]));
}

function nodePositions(n, i) {
  const x = map(i, 0, LAYERS.length - 1, 80, W - 80);
  const nodes = [];
  for (let j = 0; j < n; j++) {
    nodes.push({ x: x, y: H / 2 + (j - (n - 1) / 2) * GAP });
  }
  return nodes;
}

function drawEdges(layers) {
  stroke(150);
  for (let i = 0; i < layers.length - 1; i++) {
    for (const a of layers[i]) {
      for (const b of layers[i + 1]) line(a.x, a.y, b.x, b.y);
    }
  }
}

function drawLayer(nodes, name) {
  stroke(40);
  fill(230, 240, 255);
  for (const p of nodes) circle(p.x, p.y, R);
  noStroke();
  fill(0);
  textAlign(CENTER, CENTER);
  textSize(14);
  text(name, nodes[0].x, H - 40);
}
