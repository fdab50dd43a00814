/* example
{"tags": ["tree", "hierarchy", "organisation chart", "japanese", "組織図", "boxes"],
 "caption_en": "An organisation chart in Japanese: the president at the top, three departments below (research, development, sales), joined by elbow lines.",
 "caption_ja": "組織図。上に社長、その下に研究部・開発部・営業部の3つを置き、かぎ型の線でつなぐ。",
 "checks": [{"type": "rows", "select": {"kind": "rect"}, "counts": [1, 3]},
            {"type": "text", "labels": ["社長", "研究部", "開発部", "営業部"]},
            {"type": "order", "labels": ["研究部", "開発部", "営業部"], "direction": "left-to-right"}]}
*/
// 組織図: 社長の下に3つの部
const W = 400, H = 400;
const TOP = { label: "社長", x: 200, y: 100 };
const CHILDREN = ["研究部", "開発部", "営業部"];
const BW = 100, BH = 44, CHILD_Y = 260;

function setup() {
  createCanvas(W, H);
  noLoop();
}

function draw() {
  background(255);
  const xs = CHILDREN.map((_, i) => 70 + i * 130);
  connect(xs);
  box(TOP.label, TOP.x, TOP.y, "#c6dbef");
  CHILDREN.forEach((c, i) => box(c, xs[i], CHILD_Y, "#e5f5e0"));
}

function connect(xs) {
  const midY = (TOP.y + CHILD_Y) / 2;
  stroke(60);
  line(TOP.x, TOP.y + BH / 2, TOP.x, midY);
  line(xs[0], midY, xs[xs.length - 1], midY);
  for (const x of xs) line(x, midY, x, CHILD_Y - BH / 2);
}

function box(label, x, y, c) {
  stroke(40);
  fill(c);
  rect(x - BW / 2, y - BH / 2, BW, BH, 4);
  noStroke();
  fill(0);
  textAlign(CENTER, CENTER);
  textSize(16);
  text(label, x, y);
}
