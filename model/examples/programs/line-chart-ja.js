/* example
{"tags": ["line chart", "japanese", "折れ線グラフ", "two lines", "legend", "temperature"],
 "caption_en": "A Japanese line chart with two series — Tokyo (red) and Sapporo (blue) monthly temperatures over six months — with a legend and axis labels.",
 "caption_ja": "東京（赤）と札幌（青）の6か月の気温を比べる折れ線グラフ。凡例と軸ラベル（月、気温）付き。",
 "checks": [{"type": "text", "labels": ["東京", "札幌", "月", "気温"]},
            {"type": "count", "select": {"kind": "line", "color": "red"}, "min": 5},
            {"type": "count", "select": {"kind": "line", "color": "blue"}, "min": 5}]}
*/
// 2系列の折れ線グラフ（凡例付き）
const W = 400, H = 400;
const SERIES = [
  { name: "東京", c: "#d62728", v: [6, 7, 10, 15, 20, 23] },
  { name: "札幌", c: "#1f77b4", v: [-3, -2, 2, 8, 13, 17] },
];
const LEFT = 60, RIGHT = 370, TOP = 60, BASE = 330, MIN_Y = -5, MAX_Y = 25;

function setup() {
  createCanvas(W, H);
  noLoop();
}

function draw() {
  background(255);
  axes();
  SERIES.forEach((s, k) => {
    series(s);
    legendItem(s, 260, 20 + k * 20);
  });
}

function px(i) { return map(i, 0, 5, LEFT + 20, RIGHT - 10); }
function py(v) { return map(v, MIN_Y, MAX_Y, BASE, TOP); }

function series(s) {
  stroke(s.c);
  strokeWeight(2);
  for (let i = 0; i + 1 < s.v.length; i++) line(px(i), py(s.v[i]), px(i + 1), py(s.v[i + 1]));
  strokeWeight(1);
}

function axes() {
  stroke(0);
  line(LEFT, py(0), RIGHT, py(0));
  line(LEFT, BASE, LEFT, TOP);
  noStroke();
  fill(0);
  textSize(12);
  textAlign(CENTER, TOP);
  for (let i = 0; i < 6; i++) text(i + 1, px(i), BASE + 6);
  text("月", (LEFT + RIGHT) / 2, BASE + 26);
  textAlign(RIGHT, CENTER);
  for (let v = MIN_Y; v <= MAX_Y; v += 10) text(v, LEFT - 6, py(v));
  text("気温", LEFT - 6, TOP - 20);
}

function legendItem(s, x, y) {
  stroke(s.c);
  strokeWeight(2);
  line(x, y, x + 24, y);
  strokeWeight(1);
  noStroke();
  fill(0);
  textAlign(LEFT, CENTER);
  text(s.name, x + 30, y);
}
