/* example
{"tags": ["bar chart", "coloured bars", "named colours", "highlight", "values"],
 "caption_en": "A bar chart of three values, X = 5, Y = 8, Z = 3, with the bars coloured red, green and blue respectively and the values above them.",
 "caption_ja": "3つの値 X = 5、Y = 8、Z = 3 の棒グラフ。棒はそれぞれ赤、緑、青で、上に値を書く。",
 "checks": [{"type": "bars", "count": 3, "values": [5, 8, 3], "labels": ["X", "Y", "Z"]},
            {"type": "color", "select": {"kind": "rect", "label": "X"}, "color": "red"},
            {"type": "color", "select": {"kind": "rect", "label": "Z"}, "color": "blue"}]}
*/
// Bars in named colours.
const W = 400, H = 400;
const BARS = [["X", 5, "red"], ["Y", 8, "green"], ["Z", 3, "blue"]];
const BASE = 330, UNIT = 32, BW = 70, X0 = 60, STEP = 105;

function setup() {
  createCanvas(W, H);
  noLoop();
}

function draw() {
  background(255);
  stroke(0);
  line(30, BASE, 370, BASE);
  BARS.forEach(([name, v, c], i) => bar(X0 + i * STEP, name, v, c));
}

function bar(x, name, v, c) {
  noStroke();
  fill(c);
  rect(x, BASE - v * UNIT, BW, v * UNIT);
  fill(0);
  textAlign(CENTER, CENTER);
  textSize(15);
  text(v, x + BW / 2, BASE - v * UNIT - 12);
  text(name, x + BW / 2, BASE + 16);
}
