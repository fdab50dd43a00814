/* example
{"tags": ["geometry", "right triangle", "japanese", "直角三角形", "三平方の定理", "sides"],
 "caption_en": "A right triangle in Japanese with sides 3, 4 and 5 written on the sides, the right angle marked with a small square, and the caption '三平方の定理'.",
 "caption_ja": "辺の長さ3, 4, 5を書いた直角三角形。直角を小さな四角で示し、「三平方の定理」と書く。",
 "checks": [{"type": "count", "select": {"kind": "polygon"}, "min": 1},
            {"type": "text", "labels": ["3", "4", "5", "三平方の定理"]},
            {"type": "count", "select": {"kind": "rect"}, "min": 1}]}
*/
// 直角三角形（辺 3, 4, 5）
const W = 400, H = 400;
const UNIT = 60;
const O = { x: 80, y: 320 };                 // 直角の頂点
const P = { x: O.x + 4 * UNIT, y: O.y };     // 底辺 4
const Q = { x: O.x, y: O.y - 3 * UNIT };     // 高さ 3

function setup() {
  createCanvas(W, H);
  noLoop();
}

function draw() {
  background(255);
  stroke(0);
  strokeWeight(2);
  fill("#fff5e6");
  triangle(O.x, O.y, P.x, P.y, Q.x, Q.y);
  strokeWeight(1);
  noFill();
  rect(O.x, O.y - 16, 16, 16);
  sideLabel("4", (O.x + P.x) / 2, O.y + 20);
  sideLabel("3", O.x - 20, (O.y + Q.y) / 2);
  sideLabel("5", (P.x + Q.x) / 2 + 16, (P.y + Q.y) / 2 - 12);
  sideLabel("三平方の定理", W / 2, 50);
}

function sideLabel(s, x, y) {
  noStroke();
  fill(0);
  textAlign(CENTER, CENTER);
  textSize(18);
  text(s, x, y);
}
