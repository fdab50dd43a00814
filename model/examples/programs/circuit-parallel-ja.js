/* example
{"tags": ["circuit", "japanese", "回路図", "並列回路", "電池", "抵抗", "豆電球"],
 "caption_en": "A parallel circuit in Japanese: a battery and two resistors on parallel branches between the top and bottom wires, labelled 電池, 抵抗1, 抵抗2 and 並列回路.",
 "caption_ja": "並列回路の回路図。上下の導線の間に電池と2つの抵抗を並列に置き、電池、抵抗1、抵抗2、並列回路のラベルを付ける。",
 "checks": [{"type": "text", "labels": ["電池", "抵抗1", "抵抗2", "並列回路"]},
            {"type": "count", "select": {"kind": "rect"}, "eq": 2},
            {"type": "count", "select": {"kind": "line"}, "min": 6}]}
*/
// 並列回路: 電池と2つの抵抗（長方形の記号）
const W = 400, H = 400;
const TOP = 120, BOTTOM = 300;
const XS = [80, 200, 320];   // 電池, 抵抗1, 抵抗2

function setup() {
  createCanvas(W, H);
  noLoop();
}

function draw() {
  background(255);
  stroke(0);
  strokeWeight(2);
  line(XS[0], TOP, XS[2], TOP);
  line(XS[0], BOTTOM, XS[2], BOTTOM);
  battery(XS[0]);
  resistor(XS[1], "抵抗1");
  resistor(XS[2], "抵抗2");
  label("並列回路", W / 2, 50, 20);
}

function battery(x) {
  const y = (TOP + BOTTOM) / 2;
  line(x, TOP, x, y - 8);
  line(x, y + 8, x, BOTTOM);
  line(x - 24, y - 8, x + 24, y - 8);
  line(x - 12, y + 8, x + 12, y + 8);
  label("電池", x - 48, y, 15);
}

function resistor(x, name) {
  const y = (TOP + BOTTOM) / 2;
  line(x, TOP, x, y - 30);
  line(x, y + 30, x, BOTTOM);
  fill(255);
  rect(x - 12, y - 30, 24, 60);
  label(name, x - 44, y, 15);
}

function label(s, x, y, size) {
  noStroke();
  fill(0);
  textAlign(CENTER, CENTER);
  textSize(size);
  text(s, x, y);
  stroke(0);
  strokeWeight(2);
}
