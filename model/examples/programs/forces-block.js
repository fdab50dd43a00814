/* example
{"tags": ["physics", "forces", "free body diagram", "block", "gravity", "normal force", "friction"],
 "caption_en": "Crate on level ground with four coloured force arrows from its middle: mg pointing down, N pointing up, a push F to the right and a resisting f to the left.",
 "caption_ja": "床の上のブロックの力の図。重力mgは下、垂直抗力Nは上、外力Fは右、摩擦力fは左向きの矢印で、ブロックの中心から描く。",
 "checks": [{"type": "count", "select": {"kind": "rect"}, "min": 1},
            {"type": "text", "labels": ["mg", "N", "F", "f"]},
            {"type": "count", "select": {"kind": "line"}, "min": 5}]}
*/
// Free-body diagram: four forces on a block resting on a floor.
const W = 400, H = 400;
const C = { x: 200, y: 230 };
const BW = 110, BH = 80, FLOOR_Y = 270;
const FORCES = [[0, 120, "mg", "#d62728"], [0, -120, "N", "#2ca02c"], [130, 0, "F", "#1f77b4"], [-100, 0, "f", "#ff7f0e"]];

function setup() {
  createCanvas(W, H);
  noLoop();
}

function draw() {
  background(255);
  stroke(0);
  line(20, FLOOR_Y, 380, FLOOR_Y);
  for (let x = 30; x < 380; x += 20) line(x, FLOOR_Y, x - 10, FLOOR_Y + 10);
  fill("#dddddd");
  rect(C.x - BW / 2, C.y - BH / 2, BW, BH);
  for (const [dx, dy, name, c] of FORCES) force(dx, dy, name, c);
}

function force(dx, dy, name, c) {
  const x2 = C.x + dx, y2 = C.y + dy;
  stroke(c);
  strokeWeight(3);
  line(C.x, C.y, x2, y2);
  strokeWeight(1);
  push();
  translate(x2, y2);
  rotate(atan2(dy, dx));
  fill(c);
  triangle(0, 0, -12, -6, -12, 6);
  pop();
  noStroke();
  fill(c);
  textAlign(CENTER, CENTER);
  textSize(18);
  text(name, x2 + Math.sign(dx) * 18 + (dx === 0 ? 18 : 0), y2 + Math.sign(dy) * 14);
}
