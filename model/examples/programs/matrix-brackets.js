/* example
{"tags": ["matrix", "brackets", "entries", "linear algebra", "multiplication"],
 "caption_en": "A matrix-vector product written as a figure: a 3x3 matrix A in square brackets times a vector x equals b, with entries drawn in a grid.",
 "caption_ja": "行列とベクトルの積の図。角括弧で囲んだ3x3の行列Aとベクトルxの積がbになる式を、要素を格子状に並べて描く。",
 "checks": [{"type": "text", "labels": ["A", "x", "b", "=", "2", "-1"]},
            {"type": "count", "select": {"kind": "line"}, "min": 12}]}
*/
// A x = b with bracketed entries.
const W = 400, H = 400;
const A = [[2, -1, 0], [-1, 2, -1], [0, -1, 2]];
const X = ["x1", "x2", "x3"];
const B = ["1", "0", "1"];
const CELL = 34, Y0 = 150;

function setup() {
  createCanvas(W, H);
  noLoop();
}

function draw() {
  background(255);
  textAlign(CENTER, CENTER);
  textSize(16);
  matrix(30, A);
  matrix(170, X.map((v) => [v]));
  label("=", 235, Y0 + 1.5 * CELL);
  matrix(265, B.map((v) => [v]));
  label("A", 30 + 1.5 * CELL, Y0 - 30);
  label("x", 170 + CELL / 2, Y0 - 30);
  label("b", 265 + CELL / 2, Y0 - 30);
}

function matrix(x, rows) {
  rows.forEach((row, r) => row.forEach((v, c) => label(v, x + c * CELL + CELL / 2, Y0 + r * CELL + CELL / 2)));
  bracket(x - 4, rows.length * CELL, 1);
  bracket(x + rows[0].length * CELL + 4, rows.length * CELL, -1);
}

// A square bracket: vertical bar with short ends pointing inward (dir = 1 left, -1 right).
function bracket(x, h, dir) {
  stroke(0);
  strokeWeight(2);
  line(x, Y0, x, Y0 + h);
  line(x, Y0, x + 8 * dir, Y0);
  line(x, Y0 + h, x + 8 * dir, Y0 + h);
  strokeWeight(1);
}

function label(s, x, y) {
  noStroke();
  fill(0);
  text(s, x, y);
}
