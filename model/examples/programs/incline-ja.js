/* example
{"tags": ["physics", "forces", "inclined plane", "japanese", "斜面", "重力", "垂直抗力"],
 "caption_en": "A block on a 30° inclined plane in Japanese: gravity straight down, the normal force perpendicular to the slope, friction up the slope, and the angle marked.",
 "caption_ja": "30°の斜面上の物体。重力は真下、垂直抗力は斜面に垂直、摩擦力は斜面に沿って上向きの矢印で描き、角度を示す。",
 "checks": [{"type": "text", "labels": ["重力", "垂直抗力", "摩擦力", "30°"]},
            {"type": "count", "select": {"kind": "polygon"}, "min": 1},
            {"type": "count", "select": {"kind": "line"}, "min": 3}]}
*/
// 斜面上の物体にはたらく力
const W = 400, H = 400;
const ANGLE = Math.PI / 6;  // 30°（p5の関数はsetup前には使えない）
const BASE_Y = 340, LEFT_X = 40, RIGHT_X = 360;

function setup() {
  createCanvas(W, H);
  noLoop();
}

function draw() {
  background(255);
  const topY = BASE_Y - (RIGHT_X - LEFT_X) * tan(ANGLE);
  stroke(0);
  fill("#eeeeee");
  triangle(LEFT_X, BASE_Y, RIGHT_X, BASE_Y, RIGHT_X, topY);
  noFill();
  arc(LEFT_X, BASE_Y, 80, 80, -ANGLE, 0);
  label("30°", LEFT_X + 56, BASE_Y - 12, 0);
  // 斜面上の物体（斜面に合わせて回転）
  const c = { x: 220, y: BASE_Y - (220 - LEFT_X) * tan(ANGLE) - 26 };
  push();
  translate(c.x, c.y);
  rotate(-ANGLE);
  fill("#9ecae1");
  rect(-30, -22, 60, 48);
  pop();
  force(c, 0, 110, "重力", "#d62728");
  force(c, -sin(ANGLE) * 90, -cos(ANGLE) * 90, "垂直抗力", "#2ca02c");
  force(c, cos(ANGLE) * 90, -sin(ANGLE) * 90, "摩擦力", "#ff7f0e");
}

function force(c, dx, dy, name, col) {
  stroke(col);
  strokeWeight(3);
  line(c.x, c.y, c.x + dx, c.y + dy);
  strokeWeight(1);
  push();
  translate(c.x + dx, c.y + dy);
  rotate(atan2(dy, dx));
  fill(col);
  triangle(0, 0, -12, -6, -12, 6);
  pop();
  label(name, c.x + dx * 1.25, c.y + dy * 1.2, col);
}

function label(s, x, y, col) {
  noStroke();
  fill(col);
  textAlign(CENTER, CENTER);
  textSize(15);
  text(s, x, y);
}
