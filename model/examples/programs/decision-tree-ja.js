/* example
{"tags": ["tree", "decision tree", "japanese", "決定木", "分岐", "葉"],
 "caption_en": "A decision tree in Japanese for taking an umbrella: the root tests the sky; 晴れ leads to 持たない, くもり to a rain-chance test (高い: 持つ, 低い: 持たない), 雨 to 持つ.",
 "caption_ja": "傘を持っていくかの決定木。根で空模様を判定し、晴れなら持たない、くもりなら降水確率を判定（高い: 持つ、低い: 持たない）、雨なら持つ。判定は四角、葉は楕円、枝の値は線の上に書く。",
 "checks": [{"type": "count", "select": {"kind": "rect"}, "min": 2},
            {"type": "count", "select": {"kind": "ellipse"}, "min": 4},
            {"type": "text", "labels": ["空模様は?", "降水確率は?", "晴れ", "くもり", "雨", "高い", "低い", "持つ", "持たない"]},
            {"type": "order", "labels": ["空模様は?", "降水確率は?"], "direction": "top-to-bottom"},
            {"type": "inside_canvas"}]}
*/
// 決定木: 判定は四角、葉は楕円、枝の値は線の上
const W = 400, H = 400;
const TREE = {
  test: "空模様は?",
  branches: [
    ["晴れ", { leaf: "持たない" }],
    ["くもり", { test: "降水確率は?", branches: [["高い", { leaf: "持つ" }], ["低い", { leaf: "持たない" }]] }],
    ["雨", { leaf: "持つ" }],
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

// 節点は幅 [x0, x1] の中央に置き、子は葉の数に比例して幅を分ける
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
  fill(s === "持たない" ? "#d9f2d0" : "#f8d7d3");
  ellipse(x, y, 76, 32);
  label(s, x, y, 0);
}

function label(s, x, y, c) {
  noStroke();
  fill(c);
  text(s, x, y);
}
