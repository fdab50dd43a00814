/* example
{"tags": ["heat map", "heatmap", "matrix", "colour scale", "correlation", "cells", "values"],
 "caption_en": "A 4x4 correlation heatmap of variables A–D: cells coloured from white (0) to dark blue (1), the value written in each cell, row and column labels.",
 "caption_ja": "変数A〜Dの4x4の相関ヒートマップ。0は白、1は濃い青で塗り、各セルに値を書き、行と列にラベル。",
 "checks": [{"type": "rows", "select": {"kind": "rect"}, "counts": [4, 4, 4, 4]},
            {"type": "text", "labels": ["A", "B", "C", "D", "1.00", "0.80"]}]}
*/
// Heatmap: colour interpolated from white to dark blue by value.
const W = 400, H = 400;
const NAMES = ["A", "B", "C", "D"];
const M = [
  [1.0, 0.8, 0.3, 0.1],
  [0.8, 1.0, 0.5, 0.2],
  [0.3, 0.5, 1.0, 0.6],
  [0.1, 0.2, 0.6, 1.0],
];
const X0 = 80, Y0 = 80, S = 70;

function setup() {
  createCanvas(W, H);
  noLoop();
}

function draw() {
  background(255);
  textAlign(CENTER, CENTER);
  textSize(14);
  for (let r = 0; r < M.length; r++) {
    for (let c = 0; c < M[r].length; c++) cell(r, c, M[r][c]);
    label(NAMES[r], X0 - 20, Y0 + r * S + S / 2, 0);
    label(NAMES[r], X0 + r * S + S / 2, Y0 - 20, 0);
  }
}

function cell(r, c, v) {
  const col = lerpColor(color(255), color(8, 48, 107), v);
  stroke(255);
  fill(col);
  rect(X0 + c * S, Y0 + r * S, S, S);
  label(v.toFixed(2), X0 + c * S + S / 2, Y0 + r * S + S / 2, v > 0.5 ? 255 : 0);
}

function label(s, x, y, shade) {
  noStroke();
  fill(shade);
  text(s, x, y);
}
