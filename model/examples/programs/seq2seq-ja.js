/* example
{"tags": ["encoder decoder", "seq2seq", "japanese", "translation", "context vector"],
 "caption_en": "A sequence-to-sequence model in Japanese: an encoder row of three cells reads the input, passes a context vector to a decoder row of three cells that writes the output.",
 "caption_ja": "系列変換モデル（エンコーダ・デコーダ）。エンコーダの3つのセルが入力を読み、文脈ベクトルをデコーダの3つのセルに渡して出力を作る。",
 "checks": [{"type": "text", "labels": ["エンコーダ", "デコーダ", "文脈ベクトル"]},
            {"type": "rows", "select": {"kind": "rect"}, "counts": [3, 1, 3]}]}
*/
// エンコーダ・デコーダ（系列変換）: 文脈ベクトルでつなぐ
const W = 400, H = 400;
const CELL = 50;
const ENC_Y = 70, CTX_Y = 180, DEC_Y = 290;
const XS = [90, 175, 260];

function setup() {
  createCanvas(W, H);
  noLoop();
}

function draw() {
  background(255);
  textAlign(CENTER, CENTER);
  drawRow(ENC_Y, "#c6dbef", "エンコーダ");
  drawRow(DEC_Y, "#fdd0a2", "デコーダ");
  stroke(40);
  fill("#e0e0e0");
  rect(175 - 70, CTX_Y - 18, 140, 36, 6);
  label("文脈ベクトル", 175, CTX_Y, 14);
  arrow(XS[2] + CELL / 2 - 25, ENC_Y + CELL / 2 + 2, 190, CTX_Y - 20);
  arrow(175, CTX_Y + 18, XS[0] + 10, DEC_Y - CELL / 2 - 2);
}

function drawRow(y, c, name) {
  for (let i = 0; i < XS.length; i++) {
    stroke(40);
    fill(c);
    rect(XS[i] - CELL / 2, y - CELL / 2, CELL, CELL, 6);
    if (i > 0) arrow(XS[i - 1] + CELL / 2, y, XS[i] - CELL / 2, y);
  }
  label(name, 345, y, 14);
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
