/* example
{"tags": ["circuit", "electric circuit", "battery", "resistor", "series", "current", "schematic"],
 "caption_en": "A series circuit schematic: a battery V on the left, two zig-zag resistors R1 and R2 along the top wire, a closed rectangular loop, and a current arrow I.",
 "caption_ja": "直列回路の回路図。左に電池V、上の導線に抵抗R1とR2（ジグザグ）を置いて長方形に閉じ、電流Iの矢印を描く。",
 "checks": [{"type": "text", "labels": ["V", "R1", "R2", "I"]},
            {"type": "count", "select": {"kind": "line"}, "min": 6}]}
*/
// Series circuit: battery, two resistors, current arrow.
const W = 400, H = 400;
const L = 70, R = 330, T = 110, B = 300;

function setup() {
  createCanvas(W, H);
  noLoop();
}

function draw() {
  background(255);
  stroke(0);
  strokeWeight(2);
  line(L, T, 130, T);
  resistor(130, 190, T, "R1");
  line(190, T, 220, T);
  resistor(220, 280, T, "R2");
  line(280, T, R, T);
  line(R, T, R, B);
  line(R, B, L, B);
  line(L, B, L, 225);
  battery(L, 205);
  line(L, 185, L, T);
  currentArrow(R, 200);
}

function resistor(x1, x2, y, label) {
  const n = 6, step = (x2 - x1) / n;
  noFill();
  beginShape();
  vertex(x1, y);
  for (let i = 1; i < n; i++) vertex(x1 + i * step, y + (i % 2 ? -10 : 10));
  vertex(x2, y);
  endShape();
  text2(label, (x1 + x2) / 2, y - 26);
}

// Long plate = positive terminal, short plate = negative.
function battery(x, y) {
  line(x - 22, y - 20, x + 22, y - 20);
  line(x - 12, y + 20, x + 12, y + 20);
  text2("V", x - 40, y);
}

function currentArrow(x, y) {
  fill(0);
  triangle(x, y + 10, x - 7, y - 6, x + 7, y - 6);
  text2("I", x + 20, y);
}

function text2(s, x, y) {
  noStroke();
  fill(0);
  textAlign(CENTER, CENTER);
  textSize(16);
  text(s, x, y);
  stroke(0);
}
