/* example
{"tags": ["graph", "directed graph", "japanese", "有向グラフ", "arrows", "weights"],
 "caption_en": "A directed weighted graph with four nodes S, A, B, T: arrows S→A (4), S→B (2), A→T (3), B→A (1), B→T (5), with a Japanese title.",
 "caption_ja": "4つのノードS, A, B, Tの重み付き有向グラフ。S→A(4)、S→B(2)、A→T(3)、B→A(1)、B→T(5)の矢印と、日本語のタイトル。",
 "checks": [{"type": "count", "select": {"kind": "circle"}, "eq": 4},
            {"type": "text", "labels": ["S", "A", "B", "T", "有向グラフ"]},
            {"type": "connected", "a": {"label": "S"}, "b": {"label": "A"}, "directed": true}]}
*/
// 重み付き有向グラフ
const W = 400, H = 400;
const NODES = { S: [60, 200], A: [200, 100], B: [200, 300], T: [340, 200] };
const EDGES = [["S", "A", 4], ["S", "B", 2], ["A", "T", 3], ["B", "A", 1], ["B", "T", 5]];
const R = 22;

function setup() {
  createCanvas(W, H);
  noLoop();
}

function draw() {
  background(255);
  textAlign(CENTER, CENTER);
  for (const [a, b, w] of EDGES) edge(NODES[a], NODES[b], w);
  for (const name in NODES) node(name, NODES[name]);
  noStroke();
  fill(0);
  textSize(18);
  text("有向グラフ", W / 2, 30);
}

// The arrow stops at the target circle's edge so the head stays visible.
function edge(p, q, w) {
  const a = atan2(q[1] - p[1], q[0] - p[0]);
  const x1 = p[0] + R * cos(a), y1 = p[1] + R * sin(a);
  const x2 = q[0] - R * cos(a), y2 = q[1] - R * sin(a);
  stroke(60);
  line(x1, y1, x2, y2);
  push();
  translate(x2, y2);
  rotate(a);
  fill(60);
  triangle(0, 0, -10, -5, -10, 5);
  pop();
  noStroke();
  fill("#b03030");
  textSize(14);
  text(w, (x1 + x2) / 2 + 10 * sin(a), (y1 + y2) / 2 - 10 * cos(a));
}

function node(name, p) {
  stroke(30);
  fill("#e0ecf8");
  circle(p[0], p[1], 2 * R);
  noStroke();
  fill(0);
  textSize(16);
  text(name, p[0], p[1]);
}
