/* example
{"tags": ["mlp", "neural network", "japanese", "arrows", "inputs outputs"],
 "caption_en": "A neural network with 4 inputs, 3 hidden units and 3 outputs; inputs and outputs labelled x1…x4 and y1…y3, titled in Japanese.",
 "caption_ja": "入力4、隠れ層3、出力3のニューラルネットワーク。入力にx1〜x4、出力にy1〜y3のラベルを付け、日本語のタイトルを付ける。",
 "checks": [{"type": "columns", "select": {"kind": "circle"}, "counts": [4, 3, 3]},
            {"type": "text", "labels": ["x1", "x4", "y1", "y3", "ニューラルネットワーク"]}]}
*/
// ニューラルネットワーク (4-3-3): 入力と出力にラベルを付ける
const W = 400, H = 400;
const LAYERS = [4, 3, 3];
const TITLE = "ニューラルネットワーク";
const D = 34;
const GAP = 70;

function setup() {
  createCanvas(W, H);
  noLoop();
}

function draw() {
  background(255);
  const layers = LAYERS.map((n, i) => layerNodes(n, i));
  drawEdges(layers);
  layers.forEach((nodes) => drawNodes(nodes));
  labelNodes(layers[0], "x");
  labelNodes(layers[2], "y");
  drawTitle();
}

function layerNodes(n, i) {
  const x = 90 + i * 110;
  return Array.from({ length: n }, (_, j) => ({ x: x, y: 215 + (j - (n - 1) / 2) * GAP }));
}

function drawEdges(layers) {
  stroke(180);
  for (let i = 0; i < layers.length - 1; i++) {
    for (const a of layers[i]) for (const b of layers[i + 1]) line(a.x, a.y, b.x, b.y);
  }
}

function drawNodes(nodes) {
  stroke(40);
  fill(240);
  for (const p of nodes) circle(p.x, p.y, D);
}

function labelNodes(nodes, prefix) {
  noStroke();
  fill(0);
  textAlign(CENTER, CENTER);
  textSize(13);
  nodes.forEach((p, j) => text(prefix + (j + 1), p.x, p.y));
}

function drawTitle() {
  noStroke();
  fill(0);
  textAlign(CENTER, TOP);
  textSize(18);
  text(TITLE, W / 2, 20);
}
