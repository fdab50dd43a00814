/* example
{"tags": ["pipeline", "japanese", "データ処理", "工程", "chevron"],
 "caption_en": "A data-processing pipeline in Japanese drawn as four arrow-shaped (chevron) stages: collection, preprocessing, analysis, visualisation.",
 "caption_ja": "データ処理のパイプラインを矢羽根形の4段で。収集→前処理→分析→可視化。",
 "checks": [{"type": "count", "select": {"kind": "polygon"}, "eq": 4},
            {"type": "text", "labels": ["収集", "前処理", "分析", "可視化"]},
            {"type": "order", "labels": ["収集", "前処理", "分析", "可視化"], "direction": "left-to-right"}]}
*/
// データ処理のパイプライン（矢羽根形の段）
const W = 400, H = 400;
const STAGES = ["収集", "前処理", "分析", "可視化"];
const COLORS = ["#4e79a7", "#59a14f", "#f28e2b", "#e15759"];
const SW = 92, SH = 70, TIP = 20, Y = H / 2;

function setup() {
  createCanvas(W, H);
  noLoop();
}

function draw() {
  background(255);
  STAGES.forEach((s, i) => chevron(14 + i * SW, s, COLORS[i]));
}

function chevron(x, label, c) {
  noStroke();
  fill(c);
  beginShape();
  vertex(x, Y - SH / 2);
  vertex(x + SW - TIP, Y - SH / 2);
  vertex(x + SW, Y);
  vertex(x + SW - TIP, Y + SH / 2);
  vertex(x, Y + SH / 2);
  vertex(x + TIP, Y);
  endShape(CLOSE);
  fill(255);
  textAlign(CENTER, CENTER);
  textSize(15);
  text(label, x + SW / 2 + 4, Y);
}
