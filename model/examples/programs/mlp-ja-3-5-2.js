/* example
{"tags": ["mlp", "neural network", "layers", "japanese"],
 "caption_en": "A neural network with Japanese layer names: 3 input units, 5 hidden units and 2 output units.",
 "caption_ja": "ニューラルネットワークの図。入力層3ユニット、中間層5ユニット、出力層2ユニットで、層の名前を日本語で書く。",
 "checks": [{"type": "columns", "select": {"kind": "circle"}, "counts": [3, 5, 2]},
            {"type": "text", "labels": ["入力層", "中間層", "出力層"]},
            {"type": "count", "select": {"kind": "line"}, "min": 25}]}
*/
// ニューラルネットワーク: 入力層3、中間層5、出力層2ユニット
const W = 400, H = 400;
const LAYERS = [3, 5, 2];
const NAMES = ["入力層", "中間層", "出力層"];
const D = 30;      // ユニットの直径
const GAP = 60;    // ユニットの縦の間隔

function setup() {
  createCanvas(W, H);
  noLoop();
}

function draw() {
  background(255);
  const layers = LAYERS.map((n, i) => unitPositions(n, i));
  connectLayers(layers);
  layers.forEach((units, i) => drawUnits(units, NAMES[i]));
}

function unitPositions(n, i) {
  const x = 80 + i * (W - 160) / (LAYERS.length - 1);
  const units = [];
  for (let j = 0; j < n; j++) units.push({ x: x, y: 190 + (j - (n - 1) / 2) * GAP });
  return units;
}

function connectLayers(layers) {
  stroke(170);
  for (let i = 0; i + 1 < layers.length; i++) {
    for (const a of layers[i]) for (const b of layers[i + 1]) line(a.x, a.y, b.x, b.y);
  }
}

function drawUnits(units, name) {
  stroke(30);
  fill(255, 240, 200);
  for (const u of units) circle(u.x, u.y, D);
  noStroke();
  fill(0);
  textAlign(CENTER, CENTER);
  textSize(15);
  text(name, units[0].x, H - 30);
}
