/* example
{"tags": ["cycle", "japanese", "PDCA", "サイクル", "循環", "plan do check act"],
 "caption_en": "The PDCA cycle in Japanese: four circles Plan (計画), Do (実行), Check (評価), Act (改善) placed clockwise around a centre title, with arrows between them.",
 "caption_ja": "PDCAサイクル。計画（Plan）、実行（Do）、評価（Check）、改善（Act）の4つの円を中央の題の周りに時計回りに置き、矢印でつなぐ。",
 "checks": [{"type": "count", "select": {"kind": "circle"}, "eq": 4},
            {"type": "text", "labels": ["計画", "実行", "評価", "改善", "PDCA"]}]}
*/
// PDCAサイクル: 4つの段階を時計回りに
const W = 400, H = 400;
const STEPS = [["Plan", "計画"], ["Do", "実行"], ["Check", "評価"], ["Act", "改善"]];
const COLORS = ["#8dd3c7", "#ffffb3", "#bebada", "#fb8072"];
const RING = 120, D = 96;

function setup() {
  createCanvas(W, H);
  noLoop();
}

function draw() {
  background(255);
  textAlign(CENTER, CENTER);
  const pts = STEPS.map((_, i) => {
    const a = -3 * QUARTER_PI + (i * TWO_PI) / STEPS.length;
    return { x: W / 2 + RING * cos(a), y: H / 2 + RING * sin(a) };
  });
  for (let i = 0; i < pts.length; i++) arrowBetween(pts[i], pts[(i + 1) % pts.length]);
  pts.forEach((p, i) => step(p, STEPS[i], COLORS[i]));
  noStroke();
  fill(0);
  textSize(22);
  text("PDCA", W / 2, H / 2);
}

function step(p, [en, ja], c) {
  stroke(40);
  fill(c);
  circle(p.x, p.y, D);
  noStroke();
  fill(0);
  textSize(18);
  text(ja, p.x, p.y - 10);
  textSize(12);
  text(en, p.x, p.y + 14);
}

function arrowBetween(p, q) {
  const a = atan2(q.y - p.y, q.x - p.x);
  const r = D / 2 + 4;
  const x2 = q.x - r * cos(a), y2 = q.y - r * sin(a);
  stroke(60);
  strokeWeight(2);
  line(p.x + r * cos(a), p.y + r * sin(a), x2, y2);
  strokeWeight(1);
  push();
  translate(x2, y2);
  rotate(a);
  fill(60);
  triangle(0, 0, -10, -5, -10, 5);
  pop();
}
