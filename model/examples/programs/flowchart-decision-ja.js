/* example
{"tags": ["flowchart", "decision", "japanese", "条件分岐", "ひし形", "はい いいえ"],
 "caption_en": "A Japanese flowchart with a branch: start, a diamond asking whether it is raining, 'take an umbrella' on yes, 'go out' on both paths, end.",
 "caption_ja": "条件分岐のあるフローチャート。開始、「雨が降っている？」のひし形、はいなら「傘を持つ」、どちらも「出かける」へ進み、終了。",
 "checks": [{"type": "count", "select": {"kind": "polygon"}, "min": 1},
            {"type": "text", "labels": ["開始", "雨が降っている？", "はい", "いいえ", "傘を持つ", "出かける", "終了"]}]}
*/
// 条件分岐のあるフローチャート
const W = 400, H = 400;
const CX = 150, BW = 120, BH = 36;

function setup() {
  createCanvas(W, H);
  noLoop();
}

function draw() {
  background(255);
  textAlign(CENTER, CENTER);
  textSize(14);
  box(CX, 30, "開始", 18);
  arrow(CX, 48, CX, 78);
  diamond(CX, 120, "雨が降っている？");
  arrow(CX, 162, CX, 200);
  label("はい", CX - 20, 182);
  box(CX, 218, "傘を持つ", 4);
  arrow(CX, 236, CX, 280);
  box(CX, 298, "出かける", 4);
  arrow(CX, 316, CX, 352);
  box(CX, 370, "終了", 18);
  // いいえ: 傘を持たずに「出かける」へ
  stroke(0);
  line(CX + 80, 120, 320, 120);
  line(320, 120, 320, 298);
  arrow(320, 298, CX + BW / 2, 298);
  label("いいえ", 270, 106);
}

function box(x, y, s, r) {
  stroke(40);
  fill("#e8eefc");
  rect(x - BW / 2, y - BH / 2, BW, BH, r);
  label(s, x, y);
}

function diamond(x, y, s) {
  stroke(40);
  fill("#fff3c4");
  quad(x, y - 42, x + 80, y, x, y + 42, x - 80, y);
  label(s, x, y);
}

function label(s, x, y) {
  noStroke();
  fill(0);
  text(s, x, y);
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
