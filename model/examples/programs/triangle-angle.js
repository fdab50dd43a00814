/* example
{"tags": ["geometry", "triangle", "angle", "arc", "vertices", "labels"],
 "caption_en": "Geometry sketch: corners P, Q, R joined into a shaded three-sided shape; a red circular arc at corner P shows its 40 degree opening.",
 "caption_ja": "幾何の図。点P, Q, Rを結んだ色付きの三角形で、点Pの内角に赤い弧を描き40°と書き込む。",
 "checks": [{"type": "count", "select": {"kind": "polygon"}, "min": 1},
            {"type": "text", "labels": ["P", "Q", "R", "40°"]}]}
*/
// Triangle PQR with the angle at P marked.
const W = 400, H = 400;
const P = { x: 60, y: 320 }, Q = { x: 340, y: 320 }, R = { x: 250, y: 160 };
const ARC_D = 70;

function setup() {
  createCanvas(W, H);
  noLoop();
}

function draw() {
  background(255);
  stroke(0);
  strokeWeight(2);
  fill("#f0f4ff");
  triangle(P.x, P.y, Q.x, Q.y, R.x, R.y);
  markAngle(P, Q, R, "40°");
  vertexLabel("P", P, -16, 14);
  vertexLabel("Q", Q, 14, 14);
  vertexLabel("R", R, 0, -18);
}

// Arc between the directions a→p and a→q, with the label along the bisector.
function markAngle(a, p, q, label) {
  const a1 = atan2(q.y - a.y, q.x - a.x);
  const a2 = atan2(p.y - a.y, p.x - a.x);
  stroke("#d62728");
  strokeWeight(2);
  noFill();
  arc(a.x, a.y, ARC_D, ARC_D, a1, a2);
  const mid = (a1 + a2) / 2;
  noStroke();
  fill("#d62728");
  textAlign(CENTER, CENTER);
  textSize(15);
  text(label, a.x + 55 * cos(mid), a.y + 55 * sin(mid));
}

function vertexLabel(s, p, dx, dy) {
  noStroke();
  fill(0);
  textAlign(CENTER, CENTER);
  textSize(18);
  text(s, p.x + dx, p.y + dy);
}
