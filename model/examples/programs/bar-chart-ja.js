/* example
{"tags": ["bar chart", "japanese", "棒グラフ", "monthly", "values", "title"],
 "caption_en": "A Japanese bar chart of monthly visitors: January to May with values 30, 45, 25, 50, 40, a title and axis labels.",
 "caption_ja": "月別来場者数の棒グラフ。1月〜5月の値は30, 45, 25, 50, 40。タイトルと軸ラベルを付ける。",
 "checks": [{"type": "bars", "count": 5, "values": [30, 45, 25, 50, 40], "labels": ["1月", "2月", "3月", "4月", "5月"]},
            {"type": "text", "labels": ["月別来場者数", "人数"]}]}
*/
// 月別来場者数の棒グラフ
const W = 400, H = 400;
const MONTHS = ["1月", "2月", "3月", "4月", "5月"];
const COUNTS = [30, 45, 25, 50, 40];
const LEFT = 60, RIGHT = 380, TOP = 70, BASE = 340, MAX_V = 60;

function setup() {
  createCanvas(W, H);
  noLoop();
}

function draw() {
  background(255);
  title("月別来場者数");
  axes();
  const slot = (RIGHT - LEFT) / COUNTS.length;
  COUNTS.forEach((c, i) => bar(LEFT + i * slot + 10, slot - 20, c, MONTHS[i]));
}

function title(s) {
  noStroke();
  fill(0);
  textAlign(CENTER, CENTER);
  textSize(18);
  text(s, W / 2, 30);
}

function axes() {
  stroke(0);
  line(LEFT, BASE, RIGHT, BASE);
  line(LEFT, BASE, LEFT, TOP);
  noStroke();
  fill(0);
  textSize(11);
  textAlign(RIGHT, CENTER);
  for (let v = 0; v <= MAX_V; v += 20) text(v, LEFT - 6, map(v, 0, MAX_V, BASE, TOP));
  textAlign(LEFT, BOTTOM);
  text("人数", LEFT - 30, TOP - 8);
}

function bar(x, w, v, label) {
  const top = map(v, 0, MAX_V, BASE, TOP);
  noStroke();
  fill("#f28e2b");
  rect(x, top, w, BASE - top);
  fill(0);
  textAlign(CENTER, TOP);
  textSize(13);
  text(label, x + w / 2, BASE + 8);
}
