/* example
{"tags": ["optics", "reflection", "plane mirror", "incident ray", "normal", "angle of incidence"],
 "caption_en": "Reflection at a plane mirror: a horizontal mirror with hatching, the dashed normal, the incident ray and reflected ray with arrows, and equal angles θi and θr marked.",
 "caption_ja": "平面鏡での反射。斜線付きの水平な鏡、破線の法線、矢印付きの入射光と反射光、等しい角θiとθrを示す。",
 "checks": [{"type": "text", "labels": ["mirror", "normal", "θi", "θr", "incident", "reflected"]},
            {"type": "count", "select": {"kind": "line"}, "min": 8}]}
*/
// Law of reflection at a horizontal plane mirror.
const W = 400, H = 400;
const P = { x: 200, y: 280 };          // point of incidence
const ANGLE = Math.PI / 5;             // angle from the normal (36°)
const LEN = 200;

function setup() {
  createCanvas(W, H);
  noLoop();
}

function draw() {
  background(255);
  stroke(0);
  strokeWeight(3);
  line(40, P.y, 360, P.y);
  strokeWeight(1);
  for (let x = 50; x <= 360; x += 16) line(x, P.y, x - 10, P.y + 12);
  stroke(130);
  drawingContext.setLineDash([5, 5]);
  line(P.x, P.y, P.x, P.y - 230);
  drawingContext.setLineDash([]);
  const src = { x: P.x - LEN * sin(ANGLE), y: P.y - LEN * cos(ANGLE) };
  const dst = { x: P.x + LEN * sin(ANGLE), y: P.y - LEN * cos(ANGLE) };
  ray(src, P);
  ray(P, dst);
  noFill();
  stroke(0);
  arc(P.x, P.y, 90, 90, -HALF_PI - ANGLE, -HALF_PI);
  arc(P.x, P.y, 110, 110, -HALF_PI, -HALF_PI + ANGLE);
  labels(src, dst);
}

function ray(a, b) {
  stroke("#e6550d");
  strokeWeight(2);
  line(a.x, a.y, b.x, b.y);
  strokeWeight(1);
  const m = { x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 };
  push();
  translate(m.x, m.y);
  rotate(atan2(b.y - a.y, b.x - a.x));
  fill("#e6550d");
  triangle(6, 0, -6, -6, -6, 6);
  pop();
}

function labels(src, dst) {
  noStroke();
  fill(0);
  textAlign(CENTER, CENTER);
  textSize(14);
  text("mirror", 330, P.y + 30);
  text("normal", P.x, P.y - 242);
  text("θi", P.x - 18, P.y - 62);
  text("θr", P.x + 22, P.y - 72);
  text("incident", src.x - 10, src.y - 14);
  text("reflected", dst.x + 10, dst.y - 14);
}
