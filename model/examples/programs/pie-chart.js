/* example
{"tags": ["pie chart", "shares", "percent", "legend", "slices"],
 "caption_en": "A pie chart of time spent on a project: Coding 45%, Testing 25%, Meetings 20%, Docs 10%, each slice a different colour with a legend.",
 "caption_ja": "プロジェクトの時間配分の円グラフ。Coding 45%、Testing 25%、Meetings 20%、Docs 10%。スライスごとに色を変え、凡例を付ける。",
 "checks": [{"type": "count", "select": {"kind": "any", "min_size": 40}, "min": 4},
            {"type": "text", "labels": ["Coding", "Testing", "Meetings", "Docs", "45%", "10%"]}]}
*/
// Pie chart: slice angles proportional to the shares.
const W = 400, H = 400;
const PARTS = [["Coding", 45, "#4e79a7"], ["Testing", 25, "#f28e2b"], ["Meetings", 20, "#e15759"], ["Docs", 10, "#76b7b2"]];
const CX = 150, CY = 200, D = 220;

function setup() {
  createCanvas(W, H);
  noLoop();
}

function draw() {
  background(255);
  const total = PARTS.reduce((s, p) => s + p[1], 0);
  let start = -HALF_PI;
  PARTS.forEach(([name, v, c], i) => {
    const end = start + (TWO_PI * v) / total;
    stroke(255);
    strokeWeight(2);
    fill(c);
    arc(CX, CY, D, D, start, end, PIE);
    start = end;
    legendRow(280, 140 + i * 30, name + " " + v + "%", c);
  });
}

function legendRow(x, y, label, c) {
  noStroke();
  fill(c);
  rect(x, y - 8, 16, 16);
  fill(0);
  textAlign(LEFT, CENTER);
  textSize(13);
  text(label, x + 22, y);
}
