/* example
{"tags": ["rnn", "recurrent", "unrolled", "time steps", "hidden state"],
 "caption_en": "A recurrent neural network unrolled over three time steps: inputs x1, x2, x3 below, cells A in the middle passing hidden states h1, h2 to the right, outputs y1, y2, y3 above.",
 "caption_ja": "3時刻に展開したRNN。下に入力x1, x2, x3、中央のセルAが隠れ状態h1, h2を右へ渡し、上に出力y1, y2, y3。",
 "checks": [{"type": "columns", "select": {"kind": "rect"}, "counts": [1, 1, 1]},
            {"type": "text", "labels": ["x1", "x3", "y1", "y3", "h1", "h2"]},
            {"type": "order", "labels": ["x1", "x2", "x3"], "direction": "left-to-right"}]}
*/
// RNN unrolled over three time steps.
const W = 400, H = 400;
const STEPS = 3;
const CELL = 60, Y = 200;

function setup() {
  createCanvas(W, H);
  noLoop();
}

function draw() {
  background(255);
  textAlign(CENTER, CENTER);
  textSize(15);
  for (let t = 0; t < STEPS; t++) {
    const x = 80 + t * 120;
    cell(x);
    label("x" + (t + 1), x, 330);
    arrow(x, 315, x, Y + CELL / 2);
    arrow(x, Y - CELL / 2, x, 85);
    label("y" + (t + 1), x, 70);
    if (t + 1 < STEPS) {
      arrow(x + CELL / 2, Y, x + 120 - CELL / 2, Y);
      label("h" + (t + 1), x + 60, Y - 14);
    }
  }
}

function cell(x) {
  stroke(40);
  fill("#c7e9c0");
  rect(x - CELL / 2, Y - CELL / 2, CELL, CELL, 8);
  label("A", x, Y);
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
