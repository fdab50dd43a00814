/* example
{"tags": ["bar chart", "horizontal bars", "ranking", "coloured bars", "percent"],
 "caption_en": "A horizontal bar chart of programming-language popularity: Python 48%, Java 30%, C 22%, Rust 12%, each bar in its own colour, values at the bar ends.",
 "caption_ja": "プログラミング言語の人気を示す横棒グラフ。Python 48%、Java 30%、C 22%、Rust 12%。棒ごとに色を変え、端に値を書く。",
 "checks": [{"type": "bars", "count": 4, "values": [48, 30, 22, 12], "horizontal": true},
            {"type": "text", "labels": ["Python", "Java", "C", "Rust", "48%", "12%"]}]}
*/
// Horizontal bars: length scales with the value.
const W = 400, H = 400;
const ITEMS = [["Python", 48, "#4e79a7"], ["Java", 30, "#f28e2b"], ["C", 22, "#59a14f"], ["Rust", 12, "#e15759"]];
const LEFT = 90, RIGHT = 340, TOP = 70, BAR_H = 44, GAP = 24, MAX_V = 50;

function setup() {
  createCanvas(W, H);
  noLoop();
}

function draw() {
  background(255);
  ITEMS.forEach(([name, v, c], i) => bar(TOP + i * (BAR_H + GAP), name, v, c));
  stroke(0);
  line(LEFT, TOP - 10, LEFT, TOP + ITEMS.length * (BAR_H + GAP));
}

function bar(y, name, v, c) {
  const len = map(v, 0, MAX_V, 0, RIGHT - LEFT);
  noStroke();
  fill(c);
  rect(LEFT, y, len, BAR_H);
  fill(0);
  textSize(14);
  textAlign(RIGHT, CENTER);
  text(name, LEFT - 8, y + BAR_H / 2);
  textAlign(LEFT, CENTER);
  text(v + "%", LEFT + len + 6, y + BAR_H / 2);
}
