/* example
{"tags": ["rnn", "recurrent", "japanese", "再帰型", "時系列", "unrolled"],
 "caption_en": "A recurrent network in Japanese unrolled over four time steps, with the hidden state arrows between cells labelled and a title.",
 "caption_ja": "再帰型ニューラルネットワークを4時刻に展開した図。セル間の隠れ状態の矢印とタイトルを付ける。",
 "checks": [{"type": "count", "select": {"kind": "rect"}, "eq": 4},
            {"type": "text", "labels": ["再帰型ニューラルネットワーク", "入力", "出力", "隠れ状態"]}]}
*/
// 再帰型ニューラルネットワーク（4時刻に展開）
const W = 400, H = 400;
const T = 4;
const CELL = 50, Y = 210, STEP = 90, X0 = 65;

function setup() {
  createCanvas(W, H);
  noLoop();
}

function draw() {
  background(255);
  textAlign(CENTER, CENTER);
  label("再帰型ニューラルネットワーク", W / 2, 28, 18);
  for (let t = 0; t < T; t++) {
    const x = X0 + t * STEP;
    stroke(40);
    fill("#dadaf5");
    rect(x - CELL / 2, Y - CELL / 2, CELL, CELL, 6);
    label("t=" + (t + 1), x, Y, 13);
    arrow(x, 320, x, Y + CELL / 2);
    arrow(x, Y - CELL / 2, x, 100);
    if (t + 1 < T) arrow(x + CELL / 2, Y, x + STEP - CELL / 2, Y);
  }
  label("入力", W / 2, 345, 15);
  label("出力", W / 2, 80, 15);
  label("隠れ状態", X0 + STEP / 2, Y + 48, 12);
}

function label(s, x, y, size) {
  noStroke();
  fill(0);
  textSize(size);
  text(s, x, y);
}

function arrow(x1, y1, x2, y2) {
  stroke(0);
  line(x1, y1, x2, y2);
  push();
  translate(x2, y2);
  rotate(atan2(y2 - y1, x2 - x1));
  fill(0);
  triangle(0, 0, -8, -4, -8, 4);
  pop();
}
