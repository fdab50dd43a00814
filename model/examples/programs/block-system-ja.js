/* example
{"tags": ["block diagram", "japanese", "システム構成図", "sensor", "computer", "display"],
 "caption_en": "A system block diagram in Japanese: sensor → A/D converter → computer → display, with a storage box under the computer connected by a two-way line.",
 "caption_ja": "システム構成のブロック図。センサ→A/D変換→コンピュータ→表示装置と矢印でつなぎ、コンピュータの下に記憶装置を置いて線で結ぶ。",
 "checks": [{"type": "count", "select": {"kind": "rect"}, "eq": 5},
            {"type": "text", "labels": ["センサ", "A/D変換", "コンピュータ", "表示装置", "記憶装置"]},
            {"type": "connected", "a": {"label": "コンピュータ"}, "b": {"label": "記憶装置"}}]}
*/
// システム構成図: 信号の流れを左から右へ
const W = 400, H = 400;
const CHAIN = ["センサ", "A/D変換", "コンピュータ", "表示装置"];
const BW = 82, BH = 50, STEP = 96, X0 = 10, Y = 150;

function setup() {
  createCanvas(W, H);
  noLoop();
}

function draw() {
  background(255);
  CHAIN.forEach((name, i) => {
    const x = X0 + i * STEP;
    block(name, x, Y);
    if (i + 1 < CHAIN.length) arrow(x + BW, Y + BH / 2, x + STEP, Y + BH / 2);
  });
  const cx = X0 + 2 * STEP;
  block("記憶装置", cx, 280);
  stroke(0);
  line(cx + BW / 2, Y + BH, cx + BW / 2, 280);
}

function block(name, x, y) {
  stroke(40);
  fill("#edf8e9");
  rect(x, y, BW, BH, 4);
  noStroke();
  fill(0);
  textAlign(CENTER, CENTER);
  textSize(13);
  text(name, x + BW / 2, y + BH / 2);
}

function arrow(x1, y1, x2, y2) {
  stroke(0);
  line(x1, y1, x2, y2);
  fill(0);
  triangle(x2, y2, x2 - 8, y2 - 4, x2 - 8, y2 + 4);
}
