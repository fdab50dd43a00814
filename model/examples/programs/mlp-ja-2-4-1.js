/* example
{"tags": ["mlp", "neural network", "japanese", "ユニット数", "small network"],
 "caption_en": "A small neural network in Japanese: input layer of 2 units, hidden layer of 4 units, output layer of 1 unit, each layer named with its number of units.",
 "caption_ja": "小さなニューラルネットワーク。入力層2ユニット、隠れ層4ユニット、出力層1ユニット。各層の名前とユニット数を書く。",
 "checks": [{"type": "columns", "select": {"kind": "circle"}, "counts": [2, 4, 1]},
            {"type": "text", "labels": ["入力層", "隠れ層", "出力層", "2ユニット", "4ユニット", "1ユニット"]}]}
*/
// ニューラルネットワーク（入力層2、隠れ層4、出力層1）
const W = 400, H = 400;
const LAYERS = [2, 4, 1];
const NAMES = ["入力層", "隠れ層", "出力層"];
const D = 36, GAP = 66;

function setup() {
  createCanvas(W, H);
  noLoop();
}

function draw() {
  background(255);
  const layers = LAYERS.map((n, i) => positions(n, i));
  stroke(170);
  for (let i = 0; i + 1 < layers.length; i++) {
    for (const a of layers[i]) for (const b of layers[i + 1]) line(a.x, a.y, b.x, b.y);
  }
  layers.forEach((units, i) => layer(units, i));
}

function positions(n, i) {
  const x = 80 + i * 120;
  return Array.from({ length: n }, (_, j) => ({ x: x, y: 190 + (j - (n - 1) / 2) * GAP }));
}

function layer(units, i) {
  stroke(30);
  fill(i === 1 ? "#d9f0d3" : "#deebf7");
  for (const u of units) circle(u.x, u.y, D);
  noStroke();
  fill(0);
  textAlign(CENTER, CENTER);
  textSize(15);
  text(NAMES[i], units[0].x, 340);
  textSize(12);
  text(LAYERS[i] + "ユニット", units[0].x, 362);
}
