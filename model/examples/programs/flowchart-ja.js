/* example
{"tags": ["flowchart", "japanese", "フローチャート", "処理", "開始 終了"],
 "caption_en": "A horizontal flowchart in Japanese: begin, input, calculation, output, end, joined left to right by arrows.",
 "caption_ja": "横向きのフローチャート。開始→入力→計算→出力→終了を左から右へ矢印でつなぐ。",
 "checks": [{"type": "count", "select": {"kind": "rect"}, "eq": 5},
            {"type": "text", "labels": ["開始", "入力", "計算", "出力", "終了"]},
            {"type": "order", "labels": ["開始", "入力", "計算", "出力", "終了"], "direction": "left-to-right"},
            {"type": "connected", "a": {"label": "入力"}, "b": {"label": "計算"}}]}
*/
// 横向きのフローチャート: 開始から終了まで
const W = 400, H = 400;
const STEPS = ["開始", "入力", "計算", "出力", "終了"];
const BW = 56, BH = 40, STEP = 76, X0 = 14, Y = H / 2;

function setup() {
  createCanvas(W, H);
  noLoop();
}

function draw() {
  background(255);
  STEPS.forEach((s, i) => {
    const x = X0 + i * STEP;
    const terminal = i === 0 || i === STEPS.length - 1;
    box(x, s, terminal);
    if (i + 1 < STEPS.length) arrow(x + BW, Y, x + STEP, Y);
  });
}

function box(x, s, terminal) {
  stroke(40);
  fill(terminal ? "#fde2e4" : "#e2ece9");
  rect(x, Y - BH / 2, BW, BH, terminal ? 20 : 3);
  noStroke();
  fill(0);
  textAlign(CENTER, CENTER);
  textSize(15);
  text(s, x + BW / 2, Y);
}

function arrow(x1, y1, x2, y2) {
  stroke(0);
  line(x1, y1, x2, y2);
  fill(0);
  triangle(x2, y2, x2 - 8, y2 - 4, x2 - 8, y2 + 4);
}
