/* example
{"tags": ["residual", "skip connection", "japanese", "スキップ接続", "残差"],
 "caption_en": "A skip connection drawn left to right in Japanese: input, layer 1, layer 2, an addition node, output; a curved arrow jumps from the input over both layers to the addition.",
 "caption_ja": "スキップ接続の図。左から右へ入力、層1、層2、加算、出力と並べ、入力から加算ノードへ層を飛び越える曲線の矢印を描く。",
 "checks": [{"type": "text", "labels": ["入力", "層1", "層2", "出力", "スキップ接続"]},
            {"type": "order", "labels": ["入力", "層1", "層2", "出力"], "direction": "left-to-right"},
            {"type": "count", "select": {"kind": "rect"}, "min": 2}]}
*/
// スキップ接続: 入力から加算ノードへ層を飛び越える
const W = 400, H = 400;
const Y = 230;
const NODES = [
  { label: "入力", x: 40 },
  { label: "層1", x: 125 },
  { label: "層2", x: 215 },
];
const ADD_X = 300, OUT_X = 365;

function setup() {
  createCanvas(W, H);
  noLoop();
}

function draw() {
  background(255);
  textAlign(CENTER, CENTER);
  textSize(15);
  for (let i = 0; i < NODES.length; i++) {
    const n = NODES[i];
    box(n.x, n.label);
    const nextX = i + 1 < NODES.length ? NODES[i + 1].x - 32 : ADD_X - 16;
    arrow(n.x + 32, Y, nextX, Y);
  }
  addNode();
  arrow(ADD_X + 16, Y, OUT_X - 22, Y);
  caption("出力", OUT_X, Y);
  skipArc();
}

function box(x, label) {
  stroke(40);
  fill("#e3eefc");
  rect(x - 32, Y - 22, 64, 44, 6);
  caption(label, x, Y);
}

function addNode() {
  stroke(40);
  fill(255);
  circle(ADD_X, Y, 32);
  caption("+", ADD_X, Y);
}

function skipArc() {
  stroke(220, 80, 40);
  strokeWeight(2);
  noFill();
  bezier(NODES[0].x, Y - 22, NODES[0].x + 40, 90, ADD_X - 40, 90, ADD_X, Y - 16);
  strokeWeight(1);
  fill(220, 80, 40);
  triangle(ADD_X, Y - 16, ADD_X - 7, Y - 28, ADD_X + 4, Y - 29);
  caption("スキップ接続", 170, 95);
}

function caption(s, x, y) {
  noStroke();
  fill(0);
  text(s, x, y);
}

function arrow(x1, y1, x2, y2) {
  stroke(0);
  line(x1, y1, x2, y2);
  fill(0);
  triangle(x2, y2, x2 - 7, y2 - 4, x2 - 7, y2 + 4);
}
