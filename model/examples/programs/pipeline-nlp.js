/* example
{"tags": ["pipeline", "nlp", "text classification", "stages", "horizontal", "arrows"],
 "caption_en": "A text-classification pipeline from left to right in two rows: Raw text → Tokenize → Embed on top, then Encode → Classify → Label below, joined by arrows.",
 "caption_ja": "テキスト分類のパイプライン。上の段にRaw text→Tokenize→Embed、下の段にEncode→Classify→Labelを並べ、矢印でつなぐ。",
 "checks": [{"type": "count", "select": {"kind": "rect"}, "eq": 6},
            {"type": "text", "labels": ["Raw text", "Tokenize", "Embed", "Encode", "Classify", "Label"]},
            {"type": "connected", "a": {"label": "Raw text"}, "b": {"label": "Tokenize"}},
            {"type": "order", "labels": ["Tokenize", "Classify"], "direction": "top-to-bottom"}]}
*/
// Six stages in two rows; the second row continues below the first.
const W = 400, H = 400;
const STAGES = ["Raw text", "Tokenize", "Embed", "Encode", "Classify", "Label"];
const BW = 96, BH = 50, XS = [20, 152, 284], YS = [110, 250];

function setup() {
  createCanvas(W, H);
  noLoop();
}

function draw() {
  background(255);
  STAGES.forEach((s, i) => stage(s, XS[i % 3], YS[Math.floor(i / 3)]));
  for (let i = 0; i < 2; i++) {
    arrow(XS[i] + BW, YS[0] + BH / 2, XS[i + 1], YS[0] + BH / 2);
    arrow(XS[i] + BW, YS[1] + BH / 2, XS[i + 1], YS[1] + BH / 2);
  }
  stroke(0);
  line(XS[2] + BW / 2, YS[0] + BH, XS[2] + BW / 2, 205);
  line(XS[2] + BW / 2, 205, XS[0] + BW / 2, 205);
  arrow(XS[0] + BW / 2, 205, XS[0] + BW / 2, YS[1]);
}

function stage(label, x, y) {
  stroke(50);
  fill("#eef2fb");
  rect(x, y, BW, BH, 6);
  noStroke();
  fill(0);
  textAlign(CENTER, CENTER);
  textSize(14);
  text(label, x + BW / 2, y + BH / 2);
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
