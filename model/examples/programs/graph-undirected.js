/* example
{"tags": ["graph", "undirected graph", "nodes", "edges", "network"],
 "caption_en": "An undirected graph with five nodes A–E placed on a circle and six edges: A-B, A-C, B-C, B-D, C-E, D-E.",
 "caption_ja": "5つのノードA〜Eを円周上に置いた無向グラフ。辺はA-B, A-C, B-C, B-D, C-E, D-Eの6本。",
 "checks": [{"type": "count", "select": {"kind": "circle"}, "eq": 5},
            {"type": "count", "select": {"kind": "line"}, "eq": 6},
            {"type": "text", "labels": ["A", "B", "C", "D", "E"]},
            {"type": "connected", "a": {"label": "B"}, "b": {"label": "D"}}]}
*/
// Undirected graph: nodes on a circle, edges from a list.
const W = 400, H = 400;
const NAMES = ["A", "B", "C", "D", "E"];
const EDGES = [["A", "B"], ["A", "C"], ["B", "C"], ["B", "D"], ["C", "E"], ["D", "E"]];
const RING = 140, D = 44;

function setup() {
  createCanvas(W, H);
  noLoop();
}

function draw() {
  background(255);
  const pos = {};
  NAMES.forEach((n, i) => {
    const a = -HALF_PI + (i * TWO_PI) / NAMES.length;
    pos[n] = { x: W / 2 + RING * cos(a), y: H / 2 + RING * sin(a) };
  });
  stroke(90);
  strokeWeight(2);
  for (const [a, b] of EDGES) line(pos[a].x, pos[a].y, pos[b].x, pos[b].y);
  strokeWeight(1);
  for (const n of NAMES) drawNode(n, pos[n]);
}

function drawNode(name, p) {
  stroke(30);
  fill("#fde0dd");
  circle(p.x, p.y, D);
  noStroke();
  fill(0);
  textAlign(CENTER, CENTER);
  textSize(18);
  text(name, p.x, p.y);
}
