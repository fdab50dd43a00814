/* example
{"tags": ["scatter plot", "japanese", "散布図", "two classes", "clusters", "legend"],
 "caption_en": "A Japanese scatter plot of two classes: class A as blue circles and class B as red triangles forming two clusters, with a legend and axis labels.",
 "caption_ja": "2クラスの散布図。クラスAは青い円、クラスBは赤い三角で2つのまとまりを作る。凡例と軸ラベル（特徴量1、特徴量2）付き。",
 "checks": [{"type": "count", "select": {"kind": "circle", "color": "blue"}, "min": 6},
            {"type": "count", "select": {"kind": "polygon", "color": "red"}, "min": 6},
            {"type": "text", "labels": ["クラスA", "クラスB", "特徴量1", "特徴量2"]}]}
*/
// 2クラスの散布図
const W = 400, H = 400;
const CLASS_A = [[1.0, 1.2], [1.5, 0.8], [1.2, 2.0], [2.0, 1.5], [0.8, 1.7], [1.7, 2.3], [2.3, 1.0]];
const CLASS_B = [[3.5, 3.8], [4.0, 3.2], [3.2, 4.3], [4.4, 4.1], [3.8, 4.6], [4.6, 3.5], [3.0, 3.5]];
const LEFT = 60, RIGHT = 370, TOP = 40, BASE = 340, MAX = 5;

function setup() {
  createCanvas(W, H);
  noLoop();
}

function draw() {
  background(255);
  axes();
  noStroke();
  fill("#2166ac");
  for (const [x, y] of CLASS_A) circle(px(x), py(y), 12);
  fill("#d6604d");
  for (const [x, y] of CLASS_B) marker(px(x), py(y));
  legend();
}

function px(x) { return map(x, 0, MAX, LEFT, RIGHT); }
function py(y) { return map(y, 0, MAX, BASE, TOP); }

function marker(x, y) {
  triangle(x, y - 7, x - 7, y + 6, x + 7, y + 6);
}

function axes() {
  stroke(0);
  line(LEFT, BASE, RIGHT, BASE);
  line(LEFT, BASE, LEFT, TOP);
  noStroke();
  fill(0);
  textSize(13);
  textAlign(CENTER, TOP);
  text("特徴量1", (LEFT + RIGHT) / 2, BASE + 12);
  textAlign(LEFT, CENTER);
  text("特徴量2", LEFT + 6, TOP - 18);
}

function legend() {
  noStroke();
  fill("#2166ac");
  circle(290, 60, 12);
  fill("#d6604d");
  marker(290, 84);
  fill(0);
  textAlign(LEFT, CENTER);
  textSize(13);
  text("クラスA", 302, 60);
  text("クラスB", 302, 84);
}
