/* example
{"tags": ["number line", "integers", "ticks", "points", "interval"],
 "caption_en": "A number line from −5 to 5 with integer ticks, filled points at −2 and 3, and the interval between them highlighted.",
 "caption_ja": "−5から5までの数直線。整数の目盛り、−2と3に黒丸を打ち、その間の区間を強調する。",
 "checks": [{"type": "text", "labels": ["-5", "0", "5", "-2", "3"]},
            {"type": "count", "select": {"kind": "circle"}, "eq": 2},
            {"type": "count", "select": {"kind": "line"}, "min": 11}]}
*/
// Number line with two marked points and the interval between them.
const W = 400, H = 400;
const MIN = -5, MAX = 5, Y = 200;
const POINTS = [-2, 3];

function setup() {
  createCanvas(W, H);
  noLoop();
}

function px(v) { return map(v, MIN, MAX, 40, 360); }

function draw() {
  background(255);
  stroke("#fdae6b");
  strokeWeight(8);
  line(px(POINTS[0]), Y, px(POINTS[1]), Y);
  stroke(0);
  strokeWeight(2);
  line(px(MIN) - 15, Y, px(MAX) + 15, Y);
  strokeWeight(1);
  textAlign(CENTER, TOP);
  textSize(13);
  for (let v = MIN; v <= MAX; v++) tick(v);
  fill("#d94801");
  for (const v of POINTS) circle(px(v), Y, 14);
}

function tick(v) {
  stroke(0);
  line(px(v), Y - 8, px(v), Y + 8);
  noStroke();
  fill(0);
  text(v, px(v), Y + 14);
}
