/* example
{"tags": ["cnn", "convolutional neural network", "pipeline", "conv", "pooling", "fully connected"],
 "caption_en": "A simple CNN as a left-to-right pipeline: Input image, Conv, Pool, Conv, Pool, FC, Output, joined by arrows.",
 "caption_ja": "簡単なCNNの処理の流れ。入力画像→畳み込み→プーリング→畳み込み→プーリング→全結合→出力を矢印でつなぐ。",
 "checks": [{"type": "count", "select": {"kind": "rect"}, "min": 7},
            {"type": "text", "labels": ["Input", "Conv", "Pool", "FC", "Output"]},
            {"type": "order", "labels": ["Input", "Conv", "FC", "Output"], "direction": "left-to-right"}]}
*/
// A simple CNN drawn as a pipeline of layer blocks.
const W = 400, H = 400;
const STAGES = [
  { name: "Input", h: 120, c: "#dddddd" },
  { name: "Conv", h: 110, c: "#9ecae1" },
  { name: "Pool", h: 80, c: "#c7e9c0" },
  { name: "Conv", h: 80, c: "#9ecae1" },
  { name: "Pool", h: 55, c: "#c7e9c0" },
  { name: "FC", h: 90, c: "#fdd0a2" },
  { name: "Output", h: 40, c: "#fcbba1" },
];
const BOX_W = 36, STEP = 54, Y = 180;

function setup() {
  createCanvas(W, H);
  noLoop();
}

function draw() {
  background(255);
  textAlign(CENTER, TOP);
  textSize(11);
  STAGES.forEach((s, i) => {
    const x = 20 + i * STEP;
    drawBlock(x, s);
    if (i < STAGES.length - 1) arrow(x + BOX_W + 2, Y, x + STEP - 2, Y);
  });
}

function drawBlock(x, s) {
  stroke(60);
  fill(s.c);
  rect(x, Y - s.h / 2, BOX_W, s.h);
  noStroke();
  fill(0);
  text(s.name, x + BOX_W / 2, Y + 75);
}

function arrow(x1, y1, x2, y2) {
  stroke(0);
  line(x1, y1, x2, y2);
  fill(0);
  triangle(x2, y2, x2 - 6, y2 - 4, x2 - 6, y2 + 4);
}
