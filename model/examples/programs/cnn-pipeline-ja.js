/* example
{"tags": ["cnn", "convolutional", "japanese", "pipeline", "畳み込み"],
 "caption_en": "A simple convolutional network in Japanese, top to bottom: input image, convolution layer, pooling layer, fully connected layer, output.",
 "caption_ja": "簡単な畳み込みニューラルネットワークを上から下へ。入力画像、畳み込み層、プーリング層、全結合層、出力を矢印でつなぐ。",
 "checks": [{"type": "count", "select": {"kind": "rect"}, "min": 5},
            {"type": "text", "labels": ["入力画像", "畳み込み層", "プーリング層", "全結合層", "出力"]},
            {"type": "order", "labels": ["入力画像", "畳み込み層", "プーリング層", "全結合層", "出力"], "direction": "top-to-bottom"}]}
*/
// 簡単なCNN: 上から下へ層を並べ、矢印でつなぐ
const W = 400, H = 400;
const LAYERS = ["入力画像", "畳み込み層", "プーリング層", "全結合層", "出力"];
const COLORS = ["#eeeeee", "#a6cee3", "#b2df8a", "#fdbf6f", "#fb9a99"];
const BOX_W = 180, BOX_H = 44, STEP = 74, TOP_Y = 22;

function setup() {
  createCanvas(W, H);
  noLoop();
}

function draw() {
  background(255);
  LAYERS.forEach((name, i) => {
    const y = TOP_Y + i * STEP;
    box(name, y, COLORS[i]);
    if (i + 1 < LAYERS.length) arrowDown(W / 2, y + BOX_H, y + STEP);
  });
}

function box(label, y, c) {
  stroke(50);
  fill(c);
  rect((W - BOX_W) / 2, y, BOX_W, BOX_H, 6);
  noStroke();
  fill(0);
  textAlign(CENTER, CENTER);
  textSize(16);
  text(label, W / 2, y + BOX_H / 2);
}

function arrowDown(x, y1, y2) {
  stroke(0);
  line(x, y1, x, y2 - 2);
  fill(0);
  triangle(x, y2 - 1, x - 5, y2 - 9, x + 5, y2 - 9);
}
