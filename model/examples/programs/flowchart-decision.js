/* example
{"tags": ["flowchart", "decision", "diamond", "yes no", "loop", "branch"],
 "caption_en": "A flowchart with a decision diamond: Start, 'x > 0?' diamond; the Yes branch goes down to 'Print x', the No branch goes right to 'x = -x' and loops back; then End.",
 "caption_ja": "判断のひし形があるフローチャート。Start、ひし形「x > 0?」、Yesは下の「Print x」へ、Noは右の「x = -x」へ進んで戻る。最後にEnd。",
 "checks": [{"type": "count", "select": {"kind": "polygon"}, "min": 1},
            {"type": "text", "labels": ["Start", "x > 0?", "Yes", "No", "Print x", "End"]},
            {"type": "order", "labels": ["Start", "x > 0?", "Print x", "End"], "direction": "top-to-bottom"}]}
*/
// Flowchart with one decision: yes goes down, no goes right and loops back.
const W = 400, H = 400;
const CX = 160;
const BW = 120, BH = 40;

function setup() {
  createCanvas(W, H);
  noLoop();
}

function draw() {
  background(255);
  textAlign(CENTER, CENTER);
  textSize(14);
  box(CX, 40, "Start", 20);
  arrow(CX, 60, CX, 100);
  diamond(CX, 140, "x > 0?");
  arrow(CX, 180, CX, 230);
  label("Yes", CX + 18, 205);
  box(CX, 250, "Print x", 4);
  arrow(CX, 270, CX, 320);
  box(CX, 340, "End", 20);
  arrow(CX + 60, 140, 275, 140);
  label("No", CX + 85, 128);
  box(330, 140, "x = -x", 4);
  noFill();
  stroke(0);
  line(330, 120, 330, 80);
  line(330, 80, CX + 8, 80);
  arrow(CX + 8, 80, CX + 8, 101);
}

function box(x, y, s, radius) {
  stroke(40);
  fill("#e3ecfa");
  rect(x - BW / 2, y - BH / 2, BW, BH, radius);
  label(s, x, y);
}

function diamond(x, y, s) {
  stroke(40);
  fill("#fff2cc");
  quad(x, y - 40, x + 60, y, x, y + 40, x - 60, y);
  label(s, x, y);
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
