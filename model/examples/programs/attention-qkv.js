/* example
{"tags": ["attention", "self-attention", "query key value", "softmax", "transformer"],
 "caption_en": "How one attention head mixes values: Q and K enter a MatMul box, then Scale and Softmax boxes, and a last MatMul with V yields the Output, read from the bottom upward.",
 "caption_ja": "スケール化内積注意。QとKを行列積に入れ、スケール、ソフトマックス、Vとの行列積で出力を得る。",
 "checks": [{"type": "text", "labels": ["Q", "K", "V", "MatMul", "Scale", "Softmax", "Output"]},
            {"type": "order", "labels": ["Output", "Softmax", "Scale"], "direction": "top-to-bottom"}]}
*/
// Scaled dot-product attention, bottom (inputs) to top (output).
const W = 400, H = 400;
const BW = 110, BH = 32;
const STEPS = [
  { name: "MatMul", x: 150, y: 300 },
  { name: "Scale", x: 150, y: 235 },
  { name: "Softmax", x: 150, y: 170 },
  { name: "MatMul", x: 210, y: 100 },
];

function setup() {
  createCanvas(W, H);
  noLoop();
}

function draw() {
  background(255);
  textAlign(CENTER, CENTER);
  textSize(14);
  input("Q", 110, 370, STEPS[0]);
  input("K", 190, 370, STEPS[0]);
  input("V", 290, 370, STEPS[3]);
  for (let i = 0; i < STEPS.length; i++) {
    if (i > 0) arrow(STEPS[i - 1].x, STEPS[i - 1].y - BH / 2, STEPS[i].x, STEPS[i].y + BH / 2);
    box(STEPS[i]);
  }
  arrow(210, 100 - BH / 2, 210, 45);
  noStroke();
  fill(0);
  text("Output", 210, 30);
}

function input(name, x, y, target) {
  noStroke();
  fill(0);
  text(name, x, y);
  arrow(x, y - 12, target.x + (x - target.x) * 0.3, target.y + BH / 2);
}

function box(s) {
  stroke(60);
  fill("#e8e0f5");
  rect(s.x - BW / 2, s.y - BH / 2, BW, BH, 5);
  noStroke();
  fill(0);
  text(s.name, s.x, s.y);
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
