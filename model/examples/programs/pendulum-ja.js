/* example
{"tags": ["physics", "pendulum", "japanese", "振り子", "張力", "重力", "forces"],
 "caption_en": "A pendulum in Japanese with the forces on the bob: tension along the string toward the pivot and gravity straight down, and the angle θ marked.",
 "caption_ja": "振り子のおもりにはたらく力。糸に沿って支点向きの張力と、真下向きの重力を矢印で描き、角度θを示す。",
 "checks": [{"type": "text", "labels": ["張力", "重力", "θ"]},
            {"type": "count", "select": {"kind": "circle", "min_size": 20}, "min": 1}]}
*/
// 振り子のおもりにはたらく力（張力と重力）
const W = 400, H = 400;
const PIVOT = { x: 150, y: 50 };
const LEN = 230, THETA = Math.PI / 6;  // 30°

function setup() {
  createCanvas(W, H);
  noLoop();
}

function draw() {
  background(255);
  const bob = { x: PIVOT.x + LEN * sin(THETA), y: PIVOT.y + LEN * cos(THETA) };
  stroke(0);
  line(PIVOT.x - 50, PIVOT.y, PIVOT.x + 50, PIVOT.y);
  stroke(160);
  drawingContext.setLineDash([4, 4]);
  line(PIVOT.x, PIVOT.y, PIVOT.x, PIVOT.y + LEN);
  drawingContext.setLineDash([]);
  stroke(0);
  line(PIVOT.x, PIVOT.y, bob.x, bob.y);
  noFill();
  arc(PIVOT.x, PIVOT.y, 90, 90, HALF_PI - THETA, HALF_PI);
  label("θ", PIVOT.x + 14, PIVOT.y + 64, 0);
  const back = { x: -sin(THETA) * 90, y: -cos(THETA) * 90 };
  arrow(bob, back.x, back.y, "#2ca02c", "張力");
  arrow(bob, 0, 100, "#d62728", "重力");
  stroke(0);
  fill("#fdae6b");
  circle(bob.x, bob.y, 34);
}

function arrow(p, dx, dy, col, name) {
  stroke(col);
  strokeWeight(3);
  line(p.x, p.y, p.x + dx, p.y + dy);
  strokeWeight(1);
  push();
  translate(p.x + dx, p.y + dy);
  rotate(atan2(dy, dx));
  fill(col);
  triangle(0, 0, -12, -6, -12, 6);
  pop();
  label(name, p.x + dx + 34, p.y + dy, col);
}

function label(s, x, y, col) {
  noStroke();
  fill(col);
  textAlign(CENTER, CENTER);
  textSize(16);
  text(s, x, y);
}
