/* example
{"tags": ["pipeline", "machine learning", "workflow", "stages", "arrows"],
 "caption_en": "A machine-learning workflow in four stages laid out in a 2x2 zig-zag: Collect → Clean → Train → Evaluate, each stage a coloured box with a step number.",
 "caption_ja": "機械学習のワークフローを4段階で。Collect→Clean→Train→Evaluateを2x2のジグザグに並べ、各段に番号を付けた色付きの箱。",
 "checks": [{"type": "count", "select": {"kind": "rect"}, "eq": 4},
            {"type": "text", "labels": ["Collect", "Clean", "Train", "Evaluate", "1", "4"]},
            {"type": "connected", "a": {"label": "Clean"}, "b": {"label": "Train"}}]}
*/
// Four-stage workflow, zig-zag: first row left to right, second row right to left.
const W = 400, H = 400;
const STAGES = [
  { name: "Collect", x: 50, y: 90, c: "#c6dbef" },
  { name: "Clean", x: 230, y: 90, c: "#c7e9c0" },
  { name: "Train", x: 230, y: 250, c: "#fdd0a2" },
  { name: "Evaluate", x: 50, y: 250, c: "#dadaeb" },
];
const BW = 120, BH = 60;

function setup() {
  createCanvas(W, H);
  noLoop();
}

function draw() {
  background(255);
  STAGES.forEach((s, i) => stage(s, i + 1));
  arrow(170, 120, 230, 120);
  arrow(290, 150, 290, 250);
  arrow(230, 280, 170, 280);
}

function stage(s, n) {
  stroke(50);
  fill(s.c);
  rect(s.x, s.y, BW, BH, 8);
  noStroke();
  fill(0);
  textAlign(CENTER, CENTER);
  textSize(16);
  text(s.name, s.x + BW / 2, s.y + BH / 2 + 6);
  textSize(11);
  text(n, s.x + 12, s.y + 12);
}

function arrow(x1, y1, x2, y2) {
  stroke(0);
  strokeWeight(2);
  line(x1, y1, x2, y2);
  strokeWeight(1);
  push();
  translate(x2, y2);
  rotate(atan2(y2 - y1, x2 - x1));
  fill(0);
  triangle(0, 0, -10, -5, -10, 5);
  pop();
}
