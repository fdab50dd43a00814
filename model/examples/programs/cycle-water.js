/* example
{"tags": ["cycle", "water cycle", "circular", "loop", "stages", "arrows"],
 "caption_en": "Four ovals spaced around a ring — Evaporation, Condensation, Precipitation, Collection — with curved arrowheads leading from one oval to the next.",
 "caption_ja": "水の循環を円周上の4段階で。Evaporation、Condensation、Precipitation、Collectionを時計回りの曲線矢印でつなぐ。",
 "checks": [{"type": "count", "select": {"kind": "ellipse"}, "min": 4},
            {"type": "text", "labels": ["Evaporation", "Condensation", "Precipitation", "Collection"]}]}
*/
// A cycle: stages evenly spaced on a ring, arcs between them.
const W = 400, H = 400;
const STAGES = ["Evaporation", "Condensation", "Precipitation", "Collection"];
const COLORS = ["#fdae61", "#abd9e9", "#2c7bb6", "#a6d96a"];
const RING = 130, D = 100;

function setup() {
  createCanvas(W, H);
  noLoop();
}

function draw() {
  background(255);
  const n = STAGES.length;
  for (let i = 0; i < n; i++) arcArrow(angleOf(i) + 0.45, angleOf(i + 1) - 0.45);
  STAGES.forEach((s, i) => stage(s, angleOf(i), COLORS[i]));
}

function angleOf(i) {
  return -HALF_PI + (i * TWO_PI) / STAGES.length;
}

function stage(label, a, c) {
  const x = W / 2 + RING * cos(a), y = H / 2 + RING * sin(a);
  stroke(40);
  fill(c);
  ellipse(x, y, D, 50);
  noStroke();
  fill(0);
  textAlign(CENTER, CENTER);
  textSize(12);
  text(label, x, y);
}

function arcArrow(a1, a2) {
  stroke(80);
  strokeWeight(2);
  noFill();
  arc(W / 2, H / 2, 2 * RING, 2 * RING, a1, a2);
  strokeWeight(1);
  const x = W / 2 + RING * cos(a2), y = H / 2 + RING * sin(a2);
  push();
  translate(x, y);
  rotate(a2 + HALF_PI);
  fill(80);
  triangle(0, 0, -10, -5, -10, 5);
  pop();
}
