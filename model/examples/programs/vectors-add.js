/* example
{"tags": ["vectors", "vector addition", "parallelogram", "arrows", "coordinate axes"],
 "caption_en": "Vector addition on coordinate axes: vectors a (blue) and b (green) from the origin and their sum a + b (red), with dashed lines completing the parallelogram.",
 "caption_ja": "座標軸上のベクトルの和。原点からのベクトルa（青）とb（緑）、和a + b（赤）を描き、破線で平行四辺形を完成させる。",
 "checks": [{"type": "text", "labels": ["a", "b", "a + b", "O"]},
            {"type": "count", "select": {"kind": "line", "color": "red"}, "min": 1},
            {"type": "count", "select": {"kind": "line", "color": "blue"}, "min": 1}]}
*/
// Vector addition by the parallelogram rule.
const W = 400, H = 400;
const O = { x: 60, y: 340 };
const A = { x: 200, y: -60 }, B = { x: 70, y: -200 };  // screen offsets (y up is negative)

function setup() {
  createCanvas(W, H);
  noLoop();
}

function draw() {
  background(255);
  stroke(0);
  line(20, O.y, 390, O.y);
  line(O.x, 390, O.x, 10);
  const S = { x: A.x + B.x, y: A.y + B.y };
  stroke(150);
  drawingContext.setLineDash([5, 5]);
  line(O.x + A.x, O.y + A.y, O.x + S.x, O.y + S.y);
  line(O.x + B.x, O.y + B.y, O.x + S.x, O.y + S.y);
  drawingContext.setLineDash([]);
  vec(A, "#1f77b4", "a");
  vec(B, "#2ca02c", "b");
  vec(S, "#d62728", "a + b");
  noStroke();
  fill(0);
  textSize(16);
  text("O", O.x - 20, O.y + 18);
}

function vec(v, c, label) {
  const x2 = O.x + v.x, y2 = O.y + v.y;
  stroke(c);
  strokeWeight(3);
  line(O.x, O.y, x2, y2);
  strokeWeight(1);
  push();
  translate(x2, y2);
  rotate(atan2(v.y, v.x));
  fill(c);
  triangle(0, 0, -12, -6, -12, 6);
  pop();
  noStroke();
  fill(c);
  textSize(16);
  text(label, O.x + v.x * 0.55 + 10, O.y + v.y * 0.55 - 8);
}
