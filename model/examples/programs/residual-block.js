/* example
{"tags": ["residual", "skip connection", "resnet", "shortcut", "identity"],
 "caption_en": "A residual block: x goes through weight layer, ReLU, weight layer; a skip connection carries x around them to a + node, then ReLU.",
 "caption_ja": "残差ブロック。xが重み層→ReLU→重み層を通り、スキップ接続がxをそのまま加算ノード(+)へ運び、最後にReLU。",
 "checks": [{"type": "text", "labels": ["x", "weight layer", "ReLU", "+", "F(x) + x"]},
            {"type": "count", "select": {"kind": "rect"}, "min": 3},
            {"type": "count", "select": {"kind": "circle"}, "min": 1}]}
*/
// Residual block with an identity skip connection.
const W = 400, H = 400;
const CX = 170;                       // x of the main path
const BOXES = [["weight layer", 90], ["ReLU", 150], ["weight layer", 210]];
const BOX_W = 130, BOX_H = 34;
const ADD_Y = 290;

function setup() {
  createCanvas(W, H);
  noLoop();
}

function draw() {
  background(255);
  textAlign(CENTER, CENTER);
  textSize(14);
  label("x", CX, 25);
  arrow(CX, 35, CX, BOXES[0][1] - BOX_H / 2);
  BOXES.forEach(([name, y], i) => {
    block(name, y);
    const next = i + 1 < BOXES.length ? BOXES[i + 1][1] - BOX_H / 2 : ADD_Y - 14;
    arrow(CX, y + BOX_H / 2, CX, next);
  });
  skipConnection();
  stroke(0);
  fill(255);
  circle(CX, ADD_Y, 28);
  label("+", CX, ADD_Y);
  arrow(CX, ADD_Y + 14, CX, 350);
  label("F(x) + x", CX - 60, 320);
  label("ReLU", CX, 365);
}

function block(name, y) {
  stroke(0);
  fill("#dbe9f6");
  rect(CX - BOX_W / 2, y - BOX_H / 2, BOX_W, BOX_H, 4);
  label(name, CX, y);
}

function skipConnection() {
  const x = CX + 130;
  stroke(200, 60, 60);
  strokeWeight(2);
  noFill();
  line(CX, 50, x, 50);
  line(x, 50, x, ADD_Y);
  strokeWeight(1);
  arrow(x, ADD_Y, CX + 14, ADD_Y);
  label("identity x", x + 10, 170);
}

function label(s, x, y) {
  noStroke();
  fill(0);
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
