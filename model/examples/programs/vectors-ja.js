/* example
{"tags": ["vectors", "japanese", "ベクトル", "成分", "components", "grid"],
 "caption_en": "A vector (3, 2) drawn on a square grid in Japanese, with its x and y components as dashed arrows and the labels ベクトル v, x成分 and y成分.",
 "caption_ja": "方眼の上にベクトル(3, 2)を描く。x成分とy成分を破線の矢印で示し、「ベクトル v」「x成分」「y成分」とラベルを付ける。",
 "checks": [{"type": "text", "labels": ["ベクトル v", "x成分", "y成分"]},
            {"type": "count", "select": {"kind": "line"}, "min": 10}]}
*/
// 方眼上のベクトル(3, 2)とその成分
const W = 400, H = 400;
const UNIT = 60, ORIGIN = { x: 80, y: 320 };
const V = [3, 2];

function setup() {
  createCanvas(W, H);
  noLoop();
}

function px(x) { return ORIGIN.x + x * UNIT; }
function py(y) { return ORIGIN.y - y * UNIT; }

function draw() {
  background(255);
  stroke(225);
  for (let i = -1; i <= 5; i++) {
    line(px(i), py(-1), px(i), py(5));
    line(px(-1), py(i), px(5), py(i));
  }
  stroke(0);
  line(px(-1), py(0), px(5), py(0));
  line(px(0), py(-1), px(0), py(5));
  drawingContext.setLineDash([6, 4]);
  arrow(px(0), py(0), px(V[0]), py(0), "#2ca02c");
  arrow(px(V[0]), py(0), px(V[0]), py(V[1]), "#ff7f0e");
  drawingContext.setLineDash([]);
  arrow(px(0), py(0), px(V[0]), py(V[1]), "#1f77b4");
  noStroke();
  textSize(15);
  fill("#1f77b4");
  text("ベクトル v", px(1), py(1.3));
  fill("#2ca02c");
  text("x成分", px(1.2), py(-0.35));
  fill("#ff7f0e");
  text("y成分", px(3.15), py(1));
}

function arrow(x1, y1, x2, y2, c) {
  stroke(c);
  strokeWeight(3);
  line(x1, y1, x2, y2);
  strokeWeight(1);
  push();
  translate(x2, y2);
  rotate(atan2(y2 - y1, x2 - x1));
  fill(c);
  triangle(0, 0, -12, -6, -12, 6);
  pop();
}
