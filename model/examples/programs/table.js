/* example
{"tags": ["table", "grid", "results", "header row", "cells"],
 "caption_en": "A results table with a shaded header row (Model, Params, Accuracy) and three rows: Small 10M 81.2, Base 100M 86.5, Large 1B 89.9.",
 "caption_ja": "結果の表。網掛けの見出し行（Model、Params、Accuracy）と3行：Small 10M 81.2、Base 100M 86.5、Large 1B 89.9。",
 "checks": [{"type": "count", "select": {"kind": "rect"}, "min": 12},
            {"type": "text", "labels": ["Model", "Params", "Accuracy", "Small", "Large", "89.9"]},
            {"type": "order", "labels": ["Model", "Params", "Accuracy"], "direction": "left-to-right"}]}
*/
// A table: header row shaded, cells drawn as rectangles.
const W = 400, H = 400;
const ROWS = [
  ["Model", "Params", "Accuracy"],
  ["Small", "10M", "81.2"],
  ["Base", "100M", "86.5"],
  ["Large", "1B", "89.9"],
];
const X0 = 50, Y0 = 110, CELL_W = 100, CELL_H = 44;

function setup() {
  createCanvas(W, H);
  noLoop();
}

function draw() {
  background(255);
  ROWS.forEach((row, r) => row.forEach((value, c) => cell(r, c, value)));
}

function cell(r, c, value) {
  const x = X0 + c * CELL_W, y = Y0 + r * CELL_H;
  stroke(80);
  fill(r === 0 ? "#d9d9d9" : 255);
  rect(x, y, CELL_W, CELL_H);
  noStroke();
  fill(0);
  textAlign(CENTER, CENTER);
  textSize(15);
  textStyle(r === 0 ? BOLD : NORMAL);
  text(value, x + CELL_W / 2, y + CELL_H / 2);
}
