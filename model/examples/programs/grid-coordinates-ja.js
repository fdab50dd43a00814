/* example
{"tags": ["grid", "japanese", "座標平面", "coordinate plane", "points", "方眼"],
 "caption_en": "A coordinate plane with a grid from −4 to 4 in Japanese, axes labelled x and y, and three points A(2, 3), B(−3, 1), C(1, −2) plotted and labelled.",
 "caption_ja": "−4から4までの方眼の座標平面。x軸とy軸、3点A(2, 3)、B(−3, 1)、C(1, −2)を打ってラベルを付ける。",
 "checks": [{"type": "text", "labels": ["A(2, 3)", "B(−3, 1)", "C(1, −2)", "x", "y"]},
            {"type": "count", "select": {"kind": "circle"}, "eq": 3},
            {"type": "count", "select": {"kind": "line"}, "min": 18}]}
*/
// 座標平面と3つの点
const W = 400, H = 400;
const LIM = 4, UNIT = 42;
const POINTS = [[2, 3, "A(2, 3)"], [-3, 1, "B(−3, 1)"], [1, -2, "C(1, −2)"]];

function setup() {
  createCanvas(W, H);
  noLoop();
}

function px(x) { return W / 2 + x * UNIT; }
function py(y) { return H / 2 - y * UNIT; }

function draw() {
  background(255);
  stroke(220);
  for (let i = -LIM; i <= LIM; i++) {
    line(px(i), py(-LIM), px(i), py(LIM));
    line(px(-LIM), py(i), px(LIM), py(i));
  }
  stroke(0);
  line(px(-LIM) - 10, py(0), px(LIM) + 10, py(0));
  line(px(0), py(-LIM) + 10, px(0), py(LIM) - 10);
  noStroke();
  fill(0);
  textSize(15);
  text("x", px(LIM) + 14, py(0) + 5);
  text("y", px(0) + 6, py(LIM) - 14);
  for (const [x, y, name] of POINTS) point2(x, y, name);
}

function point2(x, y, name) {
  fill("#cb181d");
  circle(px(x), py(y), 10);
  fill(0);
  text(name, px(x) + 8, py(y) - 8);
}
