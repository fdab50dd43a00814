/* example
{"tags": ["geometry", "circle", "tangent", "japanese", "接線", "外部の点", "two tangents"],
 "caption_en": "Two tangent lines from an outside point P to a circle with centre O, touching it at A and B, in Japanese.",
 "caption_ja": "円の外の点Pから中心Oの円に引いた2本の接線。接点をA、Bとし、「接線」と書く。",
 "checks": [{"type": "count", "select": {"kind": "circle", "min_size": 100}, "eq": 1},
            {"type": "text", "labels": ["O", "P", "A", "B", "接線"]},
            {"type": "count", "select": {"kind": "line"}, "min": 2}]}
*/
// 外部の点Pから円に引いた2本の接線
const W = 400, H = 400;
const O = { x: 140, y: 200 }, R = 90;
const P = { x: 350, y: 200 };

function setup() {
  createCanvas(W, H);
  noLoop();
}

function draw() {
  background(255);
  // 接点: OからPへの向きから ±acos(R / |OP|) 回した方向
  const base = atan2(P.y - O.y, P.x - O.x);
  const off = acos(R / dist(O.x, O.y, P.x, P.y));
  const A = pointOnCircle(base - off), B = pointOnCircle(base + off);
  stroke(0);
  strokeWeight(2);
  noFill();
  circle(O.x, O.y, 2 * R);
  stroke("#cb181d");
  line(P.x, P.y, A.x, A.y);
  line(P.x, P.y, B.x, B.y);
  stroke(150);
  strokeWeight(1);
  line(O.x, O.y, A.x, A.y);
  line(O.x, O.y, B.x, B.y);
  label("O", O, -14, 0);
  label("P", P, 14, 0);
  label("A", A, -4, -16);
  label("B", B, -4, 16);
  noStroke();
  fill("#cb181d");
  text("接線", 290, 130);
}

function pointOnCircle(a) {
  return { x: O.x + R * cos(a), y: O.y + R * sin(a) };
}

function label(s, p, dx, dy) {
  noStroke();
  fill(0);
  circle(p.x, p.y, 6);
  textAlign(CENTER, CENTER);
  textSize(16);
  text(s, p.x + dx, p.y + dy);
}
