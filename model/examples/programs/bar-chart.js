/* example
{"tags": ["bar chart", "bars", "values", "axes", "categories"],
 "caption_en": "A bar chart of four categories Apples, Pears, Plums, Figs with values 12, 7, 9 and 4, with a y axis, value labels on top and category labels below.",
 "caption_ja": "Apples、Pears、Plums、Figsの4項目で値が12, 7, 9, 4の棒グラフ。y軸、棒の上に値、下に項目名。",
 "checks": [{"type": "bars", "count": 4, "values": [12, 7, 9, 4], "labels": ["Apples", "Pears", "Plums", "Figs"]},
            {"type": "text", "labels": ["12", "7", "9", "4"]}]}
*/
// Bar chart: heights scale with the values; labels below, values above.
const W = 400, H = 400;
const LABELS = ["Apples", "Pears", "Plums", "Figs"];
const VALUES = [12, 7, 9, 4];
const LEFT = 60, RIGHT = 370, TOP = 40, BASE = 330;
const MAX_V = 14;

function setup() {
  createCanvas(W, H);
  noLoop();
}

function draw() {
  background(255);
  drawAxes();
  const slot = (RIGHT - LEFT) / VALUES.length;
  VALUES.forEach((v, i) => drawBar(LEFT + i * slot + slot * 0.2, slot * 0.6, v, LABELS[i]));
}

function drawAxes() {
  stroke(0);
  line(LEFT, BASE, RIGHT, BASE);
  line(LEFT, BASE, LEFT, TOP);
  noStroke();
  fill(0);
  textAlign(RIGHT, CENTER);
  textSize(11);
  for (let v = 0; v <= MAX_V; v += 2) text(v, LEFT - 6, map(v, 0, MAX_V, BASE, TOP));
}

function drawBar(x, w, v, label) {
  const top = map(v, 0, MAX_V, BASE, TOP);
  stroke(40);
  fill("#4c78a8");
  rect(x, top, w, BASE - top);
  noStroke();
  fill(0);
  textAlign(CENTER, BOTTOM);
  textSize(13);
  text(v, x + w / 2, top - 4);
  textAlign(CENTER, TOP);
  text(label, x + w / 2, BASE + 8);
}
