/* example
{"tags": ["pie chart", "japanese", "円グラフ", "percent labels", "survey"],
 "caption_en": "A Japanese pie chart of a survey: agree 50%, neutral 30%, disagree 20%, with the label and percentage written on each slice.",
 "caption_ja": "アンケート結果の円グラフ。賛成50%、どちらでもない30%、反対20%。各スライスの上にラベルと割合を書く。",
 "checks": [{"type": "text", "labels": ["賛成", "どちらでもない", "反対", "50%", "30%", "20%"]},
            {"type": "count", "select": {"kind": "any", "min_size": 40}, "min": 3}]}
*/
// アンケート結果の円グラフ（ラベルはスライスの上）
const W = 400, H = 400;
const ANSWERS = [["賛成", 50, "#66c2a5"], ["どちらでもない", 30, "#fc8d62"], ["反対", 20, "#8da0cb"]];
const CX = W / 2, CY = H / 2, D = 280;

function setup() {
  createCanvas(W, H);
  noLoop();
}

function draw() {
  background(255);
  let start = -HALF_PI;
  for (const [label, pct, c] of ANSWERS) {
    const end = start + TWO_PI * pct / 100;
    stroke(255);
    strokeWeight(2);
    fill(c);
    arc(CX, CY, D, D, start, end, PIE);
    sliceLabel(label, pct, (start + end) / 2);
    start = end;
  }
}

// The label sits at 60% of the radius along the slice's middle angle.
function sliceLabel(label, pct, a) {
  const r = D * 0.3;
  noStroke();
  fill(0);
  textAlign(CENTER, CENTER);
  textSize(14);
  text(label, CX + r * cos(a), CY + r * sin(a) - 9);
  text(pct + "%", CX + r * cos(a), CY + r * sin(a) + 9);
}
