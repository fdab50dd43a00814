/* example
{"tags": ["number line", "japanese", "数直線", "不等式", "inequality", "open circle"],
 "caption_en": "The inequality x > 1 on a Japanese number line from −3 to 4: an open circle at 1 and a thick arrow to the right, with the caption 'x > 1 の範囲'.",
 "caption_ja": "数直線（−3〜4）で不等式 x > 1 を表す。1に白丸、右向きの太い矢印、「x > 1 の範囲」という説明。",
 "checks": [{"type": "text", "labels": ["x > 1 の範囲", "-3", "0", "1", "4"]},
            {"type": "count", "select": {"kind": "circle"}, "eq": 1}]}
*/
// 数直線で不等式 x > 1 を表す（1は含まないので白丸）
const W = 400, H = 400;
const MIN = -3, MAX = 4, Y = 220, BOUND = 1;

function setup() {
  createCanvas(W, H);
  noLoop();
}

function px(v) { return map(v, MIN, MAX, 40, 340); }

function draw() {
  background(255);
  stroke(0);
  strokeWeight(2);
  line(px(MIN) - 15, Y, px(MAX) + 30, Y);
  strokeWeight(1);
  textAlign(CENTER, TOP);
  textSize(14);
  for (let v = MIN; v <= MAX; v++) tick(v);
  stroke("#2171b5");
  strokeWeight(4);
  line(px(BOUND), Y - 40, px(MAX) + 25, Y - 40);
  line(px(BOUND), Y - 40, px(BOUND), Y - 8);
  strokeWeight(1);
  fill("#2171b5");
  triangle(px(MAX) + 38, Y - 40, px(MAX) + 24, Y - 47, px(MAX) + 24, Y - 33);
  stroke(0);
  fill(255);
  circle(px(BOUND), Y, 14);
  noStroke();
  fill(0);
  textSize(17);
  text("x > 1 の範囲", px(2.5), Y - 80);
}

function tick(v) {
  stroke(0);
  line(px(v), Y - 7, px(v), Y + 7);
  noStroke();
  fill(0);
  text(v, px(v), Y + 12);
}
