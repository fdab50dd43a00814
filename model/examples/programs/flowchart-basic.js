/* example
{"tags": ["flowchart", "process", "start end", "arrows", "boxes"],
 "caption_en": "A vertical flowchart: a rounded Begin box, two process boxes (Read data, Compute mean) and a rounded Finish box, joined by downward arrows.",
 "caption_ja": "縦のフローチャート。角丸のBegin、処理の箱2つ（Read data、Compute mean）、角丸のFinishを下向きの矢印でつなぐ。",
 "checks": [{"type": "count", "select": {"kind": "rect"}, "eq": 4},
            {"type": "text", "labels": ["Begin", "Read data", "Compute mean", "Finish"]},
            {"type": "order", "labels": ["Begin", "Read data", "Compute mean", "Finish"], "direction": "top-to-bottom"},
            {"type": "connected", "a": {"label": "Begin"}, "b": {"label": "Read data"}}]}
*/
// Vertical flowchart: terminals are rounded, process steps are plain boxes.
const W = 400, H = 400;
const STEPS = [
  { label: "Begin", terminal: true },
  { label: "Read data", terminal: false },
  { label: "Compute mean", terminal: false },
  { label: "Finish", terminal: true },
];
const BOX_W = 160, BOX_H = 46, GAP = 44, TOP = 30;

function setup() {
  createCanvas(W, H);
  noLoop();
}

function draw() {
  background(255);
  STEPS.forEach((s, i) => {
    const y = TOP + i * (BOX_H + GAP);
    drawStep(s, y);
    if (i < STEPS.length - 1) arrowDown(W / 2, y + BOX_H, y + BOX_H + GAP);
  });
}

function drawStep(s, y) {
  stroke(40);
  fill(s.terminal ? "#d9f0d3" : "#e3ecfa");
  rect(W / 2 - BOX_W / 2, y, BOX_W, BOX_H, s.terminal ? 23 : 4);
  noStroke();
  fill(0);
  textAlign(CENTER, CENTER);
  textSize(15);
  text(s.label, W / 2, y + BOX_H / 2);
}

function arrowDown(x, y1, y2) {
  stroke(0);
  line(x, y1, x, y2);
  fill(0);
  triangle(x, y2, x - 5, y2 - 9, x + 5, y2 - 9);
}
