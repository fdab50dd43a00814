/* example
{"tags": ["timeline", "japanese", "年表", "schedule", "research plan", "gantt"],
 "caption_en": "A research schedule in Japanese as a vertical timeline with four months: April literature review, May experiments, June analysis, July paper writing.",
 "caption_ja": "研究計画の年表を縦に。4月 文献調査、5月 実験、6月 解析、7月 論文執筆の4つ。",
 "checks": [{"type": "text", "labels": ["4月", "5月", "6月", "7月", "文献調査", "実験", "解析", "論文執筆"]},
            {"type": "order", "labels": ["4月", "5月", "6月", "7月"], "direction": "top-to-bottom"},
            {"type": "count", "select": {"kind": "circle"}, "eq": 4}]}
*/
// 研究計画の年表（縦）
const W = 400, H = 400;
const ITEMS = [["4月", "文献調査"], ["5月", "実験"], ["6月", "解析"], ["7月", "論文執筆"]];
const X = 140, Y0 = 70, STEP = 85;

function setup() {
  createCanvas(W, H);
  noLoop();
}

function draw() {
  background(255);
  stroke(90);
  strokeWeight(3);
  line(X, Y0 - 30, X, Y0 + (ITEMS.length - 1) * STEP + 30);
  strokeWeight(1);
  ITEMS.forEach(([month, task], i) => item(month, task, Y0 + i * STEP));
}

function item(month, task, y) {
  stroke(40);
  fill("#fb8072");
  circle(X, y, 16);
  noStroke();
  fill(0);
  textSize(16);
  textAlign(RIGHT, CENTER);
  text(month, X - 20, y);
  textAlign(LEFT, CENTER);
  text(task, X + 20, y);
}
