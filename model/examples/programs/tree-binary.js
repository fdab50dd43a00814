/* example
{"tags": ["tree", "binary tree", "nodes", "edges", "hierarchy", "recursion"],
 "caption_en": "A complete binary tree of depth 3 (7 nodes) with numbered nodes 1 to 7, drawn by a recursive helper.",
 "caption_ja": "深さ3の完全二分木（7ノード）。ノードに1〜7の番号を付け、再帰的な関数で描く。",
 "checks": [{"type": "rows", "select": {"kind": "circle"}, "counts": [1, 2, 4]},
            {"type": "count", "select": {"kind": "line"}, "eq": 6},
            {"type": "text", "labels": ["1", "2", "3", "7"]}]}
*/
// Complete binary tree, numbered in breadth-first order.
const W = 400, H = 400;
const DEPTH = 3;
const D = 40, LEVEL_H = 110;

function setup() {
  createCanvas(W, H);
  noLoop();
}

function draw() {
  background(255);
  textAlign(CENTER, CENTER);
  textSize(16);
  drawNode(1, W / 2, 70, W / 4, 1);
}

function drawNode(id, x, y, spread, level) {
  if (level < DEPTH) {
    const yc = y + LEVEL_H;
    stroke(80);
    line(x, y, x - spread, yc);
    line(x, y, x + spread, yc);
    drawNode(2 * id, x - spread, yc, spread / 2, level + 1);
    drawNode(2 * id + 1, x + spread, yc, spread / 2, level + 1);
  }
  stroke(40);
  fill("#ffe8a3");
  circle(x, y, D);
  noStroke();
  fill(0);
  text(id, x, y);
}
