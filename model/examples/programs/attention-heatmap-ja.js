/* example
{"tags": ["heat map", "attention", "heatmap", "japanese", "注意の重み", "tokens", "transformer"],
 "caption_en": "Attention weights between four tokens as a heatmap in Japanese: query tokens on the rows, key tokens on the columns, darker purple for larger weights, titled 注意の重み.",
 "caption_ja": "4つのトークン間の注意の重みのヒートマップ。行がクエリ、列がキーのトークンで、重みが大きいほど濃い紫。タイトルは「注意の重み」。",
 "checks": [{"type": "rows", "select": {"kind": "rect"}, "counts": [4, 4, 4, 4]},
            {"type": "text", "labels": ["注意の重み", "私", "は", "猫", "です", "クエリ", "キー"]}]}
*/
// 注意の重みのヒートマップ（行: クエリ、列: キー）
const W = 400, H = 400;
const TOKENS = ["私", "は", "猫", "です"];
const WEIGHTS = [
  [0.7, 0.1, 0.1, 0.1],
  [0.3, 0.4, 0.2, 0.1],
  [0.2, 0.1, 0.6, 0.1],
  [0.1, 0.1, 0.5, 0.3],
];
const X0 = 110, Y0 = 110, S = 62;

function setup() {
  createCanvas(W, H);
  noLoop();
}

function draw() {
  background(255);
  textAlign(CENTER, CENTER);
  WEIGHTS.forEach((row, r) => row.forEach((w, c) => cell(r, c, w)));
  noStroke();
  fill(0);
  textSize(16);
  TOKENS.forEach((t, i) => {
    text(t, X0 + i * S + S / 2, Y0 - 16);
    text(t, X0 - 22, Y0 + i * S + S / 2);
  });
  textSize(14);
  text("キー", X0 + 2 * S, Y0 - 44);
  text("クエリ", X0 - 66, Y0 + 2 * S);
  textSize(18);
  text("注意の重み", W / 2, 34);
}

// 重みが大きいほど濃い紫（最大 0.7 で最も濃い）
function cell(r, c, w) {
  stroke(255);
  fill(lerpColor(color(245, 240, 255), color(84, 39, 143), w / 0.7));
  rect(X0 + c * S, Y0 + r * S, S, S);
}
