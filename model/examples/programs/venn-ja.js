/* example
{"tags": ["venn diagram", "japanese", "ベン図", "共通部分", "二つの集合", "universal set"],
 "caption_en": "A Japanese Venn diagram of two sets inside a rectangle for the universal set U: sets 犬を飼う and 猫を飼う, with the shared part labelled 両方.",
 "caption_ja": "全体集合Uの長方形の中に、「犬を飼う」と「猫を飼う」の2つの集合の円。重なりに「両方」と書く。",
 "checks": [{"type": "count", "select": {"kind": "circle", "min_size": 100}, "eq": 2},
            {"type": "count", "select": {"kind": "rect"}, "min": 1},
            {"type": "text", "labels": ["U", "犬を飼う", "猫を飼う", "両方"]}]}
*/
// 全体集合の中の2つの集合
const W = 400, H = 400;
const D = 190, GAP = 120;

function setup() {
  createCanvas(W, H);
  noLoop();
}

function draw() {
  background(255);
  stroke(0);
  noFill();
  rect(20, 60, 360, 300);
  setCircle(W / 2 - GAP / 2, color(255, 200, 120, 140));
  setCircle(W / 2 + GAP / 2, color(150, 200, 255, 140));
  noStroke();
  fill(0);
  textAlign(CENTER, CENTER);
  textSize(16);
  text("U", 40, 80);
  text("犬を飼う", W / 2 - GAP / 2 - 45, 215);
  text("猫を飼う", W / 2 + GAP / 2 + 45, 215);
  text("両方", W / 2, 215);
}

// 半透明の塗りで重なりが見えるようにする
function setCircle(x, c) {
  stroke(40);
  fill(c);
  circle(x, 215, D);
}
