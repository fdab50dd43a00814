/* example
{"tags": ["heat map", "heatmap", "confusion matrix", "japanese", "混同行列", "classification"],
 "caption_en": "A 3x3 confusion matrix in Japanese for classes cat, dog, bird, with counts in the cells, darker orange for larger counts, and axis titles 'predicted' and 'actual'.",
 "caption_ja": "猫・犬・鳥の3クラスの混同行列。セルに件数を書き、多いほど濃いオレンジにする。軸の見出しは「予測」と「正解」。",
 "checks": [{"type": "columns", "select": {"kind": "rect"}, "counts": [3, 3, 3]},
            {"type": "text", "labels": ["猫", "犬", "鳥", "予測", "正解", "42"]}]}
*/
// 混同行列（件数が多いほど濃い色）
const W = 400, H = 400;
const CLASSES = ["猫", "犬", "鳥"];
const COUNTS = [[42, 5, 3], [6, 38, 6], [2, 4, 44]];
const X0 = 110, Y0 = 100, S = 80, MAX_N = 50;

function setup() {
  createCanvas(W, H);
  noLoop();
}

function draw() {
  background(255);
  textAlign(CENTER, CENTER);
  COUNTS.forEach((row, r) => row.forEach((n, c) => cell(r, c, n)));
  textSize(15);
  fill(0);
  noStroke();
  CLASSES.forEach((name, i) => {
    text(name, X0 + i * S + S / 2, Y0 - 18);
    text(name, X0 - 22, Y0 + i * S + S / 2);
  });
  text("予測", X0 + 1.5 * S, Y0 - 50);
  text("正解", X0 - 70, Y0 + 1.5 * S);
}

function cell(r, c, n) {
  stroke(255);
  fill(lerpColor(color(255, 245, 235), color(217, 72, 1), n / MAX_N));
  rect(X0 + c * S, Y0 + r * S, S, S);
  noStroke();
  fill(n > 25 ? 255 : 0);
  textSize(18);
  text(n, X0 + c * S + S / 2, Y0 + r * S + S / 2);
}
