/* example
{"tags": ["grid", "matrix", "cells", "highlight", "rows columns", "indices"],
 "caption_en": "A 4-row by 5-column grid of square cells with row and column indices, the diagonal cells (0,0), (1,1), (2,2), (3,3) filled yellow.",
 "caption_ja": "4行5列の正方形のセルの格子。行と列の番号を付け、対角のセル(0,0)、(1,1)、(2,2)、(3,3)を黄色で塗る。",
 "checks": [{"type": "rows", "select": {"kind": "rect"}, "counts": [5, 5, 5, 5]},
            {"type": "count", "select": {"kind": "rect", "color": "yellow"}, "eq": 4},
            {"type": "text", "labels": ["0", "3", "4"]}]}
*/
// A 4x5 grid with the diagonal highlighted.
const W = 400, H = 400;
const ROWS = 4, COLS = 5, S = 60;
const X0 = 60, Y0 = 90;

function setup() {
  createCanvas(W, H);
  noLoop();
}

function draw() {
  background(255);
  textAlign(CENTER, CENTER);
  textSize(14);
  for (let r = 0; r < ROWS; r++) {
    for (let c = 0; c < COLS; c++) {
      stroke(60);
      fill(r === c ? "#ffd92f" : 255);
      rect(X0 + c * S, Y0 + r * S, S, S);
    }
    index(r, X0 - 20, Y0 + r * S + S / 2);
  }
  for (let c = 0; c < COLS; c++) index(c, X0 + c * S + S / 2, Y0 - 20);
}

function index(i, x, y) {
  noStroke();
  fill(0);
  text(i, x, y);
}
