/* example
{"tags": ["transformer", "attention", "encoder block", "add & norm", "feed forward"],
 "caption_en": "Stacked sublayers of one encoder layer read upward — embedding, multi-head attention, add & norm, feed forward, add & norm — with bypass lines around each sublayer.",
 "caption_ja": "Transformerのエンコーダブロックを下から上へ。入力埋め込み、Multi-Head Attention、Add & Norm、Feed Forward、Add & Normと、各サブ層を迂回する残差の矢印。",
 "checks": [{"type": "text", "labels": ["Multi-Head Attention", "Add & Norm", "Feed Forward", "Input Embedding"]},
            {"type": "order", "labels": ["Feed Forward", "Multi-Head Attention", "Input Embedding"], "direction": "top-to-bottom"},
            {"type": "count", "select": {"kind": "rect"}, "min": 5}]}
*/
// Transformer encoder block, drawn bottom to top.
const W = 400, H = 400;
const CX = 180, BOX_W = 190, BOX_H = 36;
const BLOCKS = [
  { name: "Input Embedding", y: 350, c: "#eeeeee" },
  { name: "Multi-Head Attention", y: 275, c: "#fbd5a5" },
  { name: "Add & Norm", y: 210, c: "#f4f1a8" },
  { name: "Feed Forward", y: 140, c: "#a9d8f5" },
  { name: "Add & Norm", y: 75, c: "#f4f1a8" },
];

function setup() {
  createCanvas(W, H);
  noLoop();
}

function draw() {
  background(255);
  for (let i = 0; i < BLOCKS.length; i++) {
    const b = BLOCKS[i];
    if (i > 0) arrow(CX, BLOCKS[i - 1].y - BOX_H / 2, CX, b.y + BOX_H / 2);
    block(b);
  }
  arrow(CX, BLOCKS[4].y - BOX_H / 2, CX, 20);
  residual(BLOCKS[0].y - BOX_H / 2 - 10, BLOCKS[2].y);
  residual(BLOCKS[2].y - BOX_H / 2 - 10, BLOCKS[4].y);
}

function block(b) {
  stroke(60);
  fill(b.c);
  rect(CX - BOX_W / 2, b.y - BOX_H / 2, BOX_W, BOX_H, 5);
  noStroke();
  fill(0);
  textAlign(CENTER, CENTER);
  textSize(14);
  text(b.name, CX, b.y);
}

// A residual path leaves the main line at y1 and re-enters the Add & Norm box at y2.
function residual(y1, y2) {
  const x = CX + BOX_W / 2 + 30;
  stroke(80);
  noFill();
  line(CX, y1, x, y1);
  line(x, y1, x, y2);
  arrow(x, y2, CX + BOX_W / 2, y2);
}

function arrow(x1, y1, x2, y2) {
  stroke(0);
  line(x1, y1, x2, y2);
  push();
  translate(x2, y2);
  rotate(atan2(y2 - y1, x2 - x1));
  fill(0);
  triangle(0, 0, -8, -4, -8, 4);
  pop();
}
