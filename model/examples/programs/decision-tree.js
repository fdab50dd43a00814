/* example
{"tags": ["tree", "decision tree", "classification", "branches", "leaves", "test nodes"],
 "caption_en": "A decision tree for approving a loan: the root tests Income; High leads to Approve, Medium to a Credit score test (Good: Approve, Poor: Reject), Low to Reject. Tests are boxes, leaves are ellipses, branch values sit on the edges.",
 "caption_ja": "ローン審査の決定木。根で収入を判定し、高ければ承認、中なら信用スコアを判定（良: 承認、悪: 却下）、低ければ却下。判定は四角、葉は楕円、枝の値は線の上に書く。",
 "checks": [{"type": "count", "select": {"kind": "rect"}, "min": 2},
            {"type": "count", "select": {"kind": "ellipse"}, "min": 4},
            {"type": "text", "labels": ["Income?", "Credit score?", "High", "Medium", "Low", "Good", "Poor", "Approve", "Reject"]},
            {"type": "order", "labels": ["Income?", "Credit score?"], "direction": "top-to-bottom"},
            {"type": "inside_canvas"}]}
*/
// Decision tree: test nodes as boxes, leaves as ellipses, branch values on the edges.
const W = 400, H = 400;
const TREE = {
  test: "Income?",
  branches: [
    ["High", { leaf: "Approve" }],
    ["Medium", { test: "Credit score?", branches: [["Good", { leaf: "Approve" }], ["Poor", { leaf: "Reject" }]] }],
    ["Low", { leaf: "Reject" }],
  ],
};
const TOP = 60, LEVEL_GAP = 120;
const BOX_W = 100, BOX_H = 34;

function setup() {
  createCanvas(W, H);
  noLoop();
}

function draw() {
  background(255);
  textAlign(CENTER, CENTER);
  textSize(13);
  drawNode(TREE, 10, W - 10, TOP);
}

// A node is centred in its span [x0, x1]; its children share the span in proportion to their leaves.
function drawNode(node, x0, x1, y) {
  const x = (x0 + x1) / 2;
  if (node.branches) {
    const total = leafCount(node);
    let left = x0;
    for (const [value, child] of node.branches) {
      const right = left + ((x1 - x0) * leafCount(child)) / total;
      const cx = (left + right) / 2, cy = y + LEVEL_GAP;
      stroke(90);
      line(x, y + BOX_H / 2, cx, cy - BOX_H / 2);
      label(value, (x + cx) / 2, (y + cy) / 2, "#7a4b00");
      drawNode(child, left, right, cy);
      left = right;
    }
  }
  if (node.leaf) leafNode(x, y, node.leaf);
  else testNode(x, y, node.test);
}

function leafCount(node) {
  return node.branches ? node.branches.reduce((n, [, child]) => n + leafCount(child), 0) : 1;
}

function testNode(x, y, s) {
  stroke(40);
  fill("#dbe8fb");
  rect(x - BOX_W / 2, y - BOX_H / 2, BOX_W, BOX_H, 4);
  label(s, x, y, 0);
}

function leafNode(x, y, s) {
  stroke(40);
  fill(s === "Approve" ? "#d9f2d0" : "#f8d7d3");
  ellipse(x, y, 76, 32);
  label(s, x, y, 0);
}

function label(s, x, y, c) {
  noStroke();
  fill(c);
  text(s, x, y);
}
