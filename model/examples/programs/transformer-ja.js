/* example
{"tags": ["transformer", "attention", "japanese", "注意機構", "ブロック図"],
 "caption_en": "A transformer block in Japanese, bottom to top: input tokens, self-attention, add and normalise, feed-forward network, add and normalise, output.",
 "caption_ja": "Transformerブロックを日本語で。下から入力トークン、自己注意、加算と正規化、フィードフォワード、加算と正規化、出力。",
 "checks": [{"type": "text", "labels": ["入力トークン", "自己注意", "加算と正規化", "フィードフォワード", "出力"]},
            {"type": "order", "labels": ["出力", "フィードフォワード", "自己注意", "入力トークン"], "direction": "top-to-bottom"},
            {"type": "count", "select": {"kind": "rect"}, "min": 4}]}
*/
// Transformerブロック（下から上へ）
const W = 400, H = 400;
const CX = W / 2, BW = 200, BH = 38;
const LAYERS = [
  { name: "自己注意", c: "#fde0c5" },
  { name: "加算と正規化", c: "#f6f3b5" },
  { name: "フィードフォワード", c: "#cde7f7" },
  { name: "加算と正規化", c: "#f6f3b5" },
];
const BOTTOM = 300, STEP = 60;

function setup() {
  createCanvas(W, H);
  noLoop();
}

function draw() {
  background(255);
  textAlign(CENTER, CENTER);
  textSize(15);
  label("入力トークン", CX, 375);
  arrowUp(CX, 360, BOTTOM + BH / 2);
  LAYERS.forEach((l, i) => {
    const y = BOTTOM - i * STEP;
    layerBox(l, y);
    arrowUp(CX, y - BH / 2, y - STEP + BH / 2);
  });
  label("出力", CX, BOTTOM - LAYERS.length * STEP + 10);
}

function layerBox(l, y) {
  stroke(70);
  fill(l.c);
  rect(CX - BW / 2, y - BH / 2, BW, BH, 6);
  label(l.name, CX, y);
}

function label(s, x, y) {
  noStroke();
  fill(0);
  text(s, x, y);
}

function arrowUp(x, y1, y2) {
  stroke(0);
  line(x, y1, x, y2);
  fill(0);
  triangle(x, y2, x - 5, y2 + 8, x + 5, y2 + 8);
}
