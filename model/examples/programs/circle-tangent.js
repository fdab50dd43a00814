/* example
{"tags": ["geometry", "circle", "tangent line", "radius", "right angle", "point of tangency"],
 "caption_en": "Round shape around point O with a segment from O to T on the rim; a blue straight line grazes the rim at T at ninety degrees to that segment, marked with a small square.",
 "caption_ja": "中心Oの円と、点Tへの半径OT、Tでの接線。接線は半径と垂直で、直角の印を付ける。",
 "checks": [{"type": "count", "select": {"kind": "circle", "min_size": 100}, "eq": 1},
            {"type": "text", "labels": ["O", "T", "tangent"]},
            {"type": "count", "select": {"kind": "line"}, "min": 2}]}
*/
// Circle, radius OT and the tangent at T (perpendicular to OT).
const W = 400, H = 400;
const O = { x: 170, y: 210 }, R = 110;
const ANGLE = -0.6;   // direction of T from O, radians

function setup() {
  createCanvas(W, H);
  noLoop();
}

function draw() {
  background(255);
  const t = { x: O.x + R * cos(ANGLE), y: O.y + R * sin(ANGLE) };
  const d = { x: -sin(ANGLE), y: cos(ANGLE) };  // tangent direction
  stroke(0);
  strokeWeight(2);
  noFill();
  circle(O.x, O.y, 2 * R);
  line(O.x, O.y, t.x, t.y);
  stroke("#2171b5");
  line(t.x - 150 * d.x, t.y - 150 * d.y, t.x + 150 * d.x, t.y + 150 * d.y);
  rightAngle(t, d);
  dot(O, "O", -16, 10);
  dot(t, "T", 14, -8);
  noStroke();
  fill("#2171b5");
  text("tangent", t.x + 110 * d.x + 8, t.y + 110 * d.y);
}

// A small square in the corner between the radius and the tangent.
function rightAngle(t, d) {
  const u = { x: -cos(ANGLE) * 14, y: -sin(ANGLE) * 14 };
  const v = { x: d.x * 14, y: d.y * 14 };
  stroke(0);
  strokeWeight(1);
  noFill();
  quad(t.x, t.y, t.x + u.x, t.y + u.y, t.x + u.x + v.x, t.y + u.y + v.y, t.x + v.x, t.y + v.y);
}

function dot(p, label, dx, dy) {
  noStroke();
  fill(0);
  circle(p.x, p.y, 7);
  textSize(16);
  textAlign(CENTER, CENTER);
  text(label, p.x + dx, p.y + dy);
}
