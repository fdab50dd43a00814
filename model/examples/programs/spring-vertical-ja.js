/* example
{"tags": ["physics", "spring", "japanese", "ばね", "おもり", "vertical", "弾性力"],
 "caption_en": "A vertical spring hanging from a ceiling with a weight at the bottom, in Japanese: the spring force up, gravity down, and the extension marked.",
 "caption_ja": "天井からつるしたばねとおもり。弾性力は上向き、重力は下向きの矢印で描き、ばねの伸びを示す。",
 "checks": [{"type": "text", "labels": ["弾性力", "重力", "伸び"]},
            {"type": "count", "select": {"kind": "rect"}, "min": 2}]}
*/
// 天井からつるしたばねとおもり
const W = 400, H = 400;
const X = 170, CEIL_Y = 40, SPRING_BOTTOM = 220, COILS = 7;
const BOX = 70;

function setup() {
  createCanvas(W, H);
  noLoop();
}

function draw() {
  background(255);
  stroke(0);
  fill(190);
  rect(X - 80, CEIL_Y - 14, 160, 14);
  zigzag(CEIL_Y, SPRING_BOTTOM);
  fill("#fdd0a2");
  rect(X - BOX / 2, SPRING_BOTTOM, BOX, BOX);
  const c = SPRING_BOTTOM + BOX / 2;
  arrow(X, c, 0, -90, "#2ca02c", "弾性力");
  arrow(X, c, 0, 100, "#d62728", "重力");
  stroke(120);
  line(X + 90, 160, X + 90, SPRING_BOTTOM);
  line(X + 80, 160, X + 100, 160);
  line(X + 80, SPRING_BOTTOM, X + 100, SPRING_BOTTOM);
  noStroke();
  fill(0);
  textSize(15);
  text("伸び", X + 104, 194);
}

function zigzag(y1, y2) {
  const step = (y2 - y1) / (COILS * 2);
  noFill();
  strokeWeight(2);
  beginShape();
  vertex(X, y1);
  for (let i = 1; i < COILS * 2; i++) vertex(X + (i % 2 ? -16 : 16), y1 + i * step);
  vertex(X, y2);
  endShape();
  strokeWeight(1);
}

function arrow(x, y, dx, dy, col, name) {
  stroke(col);
  strokeWeight(3);
  line(x, y, x + dx, y + dy);
  strokeWeight(1);
  fill(col);
  const s = Math.sign(dy);
  triangle(x, y + dy, x - 6, y + dy - 12 * s, x + 6, y + dy - 12 * s);
  noStroke();
  textSize(15);
  text(name, x - 84, y + dy + 4);
}
