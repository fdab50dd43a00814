/* example
{"tags": ["state machine", "japanese", "状態遷移図", "信号機", "traffic light"],
 "caption_en": "A traffic-light state machine in Japanese: three states green, yellow and red (each state filled in its colour) with arrows green→yellow→red→green.",
 "caption_ja": "信号機の状態遷移図。青・黄・赤の3状態（それぞれその色で塗る）を、青→黄→赤→青の矢印でつなぐ。",
 "checks": [{"type": "count", "select": {"kind": "circle"}, "eq": 3},
            {"type": "text", "labels": ["青", "黄", "赤", "状態遷移図"]},
            {"type": "count", "select": {"kind": "circle", "color": "red"}, "eq": 1},
            {"type": "count", "select": {"kind": "circle", "color": "green"}, "eq": 1}]}
*/
// 信号機の状態遷移図（状態をその色で塗る）
const W = 400, H = 400;
const STATES = [
  { label: "青", x: 100, y: 280, c: "#2ca25f" },
  { label: "黄", x: 200, y: 110, c: "#fdd835" },
  { label: "赤", x: 300, y: 280, c: "#e53935" },
];
const D = 80;

function setup() {
  createCanvas(W, H);
  noLoop();
}

function draw() {
  background(255);
  textAlign(CENTER, CENTER);
  for (let i = 0; i < STATES.length; i++) {
    transition(STATES[i], STATES[(i + 1) % STATES.length]);
  }
  STATES.forEach(state);
  noStroke();
  fill(0);
  textSize(18);
  text("状態遷移図", W / 2, 370);
}

function state(s) {
  stroke(30);
  fill(s.c);
  circle(s.x, s.y, D);
  noStroke();
  fill(0);
  textSize(22);
  text(s.label, s.x, s.y);
}

function transition(a, b) {
  const ang = atan2(b.y - a.y, b.x - a.x);
  const r = D / 2 + 4;
  const x1 = a.x + r * cos(ang), y1 = a.y + r * sin(ang);
  const x2 = b.x - r * cos(ang), y2 = b.y - r * sin(ang);
  stroke(0);
  strokeWeight(2);
  line(x1, y1, x2, y2);
  strokeWeight(1);
  push();
  translate(x2, y2);
  rotate(ang);
  fill(0);
  triangle(0, 0, -12, -6, -12, 6);
  pop();
}
