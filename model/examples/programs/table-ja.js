/* example
{"tags": ["table", "japanese", "表", "時間割", "schedule", "cells"],
 "caption_en": "A Japanese timetable: columns Monday to Wednesday, rows period 1 and 2, subjects in the cells, and a shaded header row and header column.",
 "caption_ja": "時間割の表。列は月・火・水、行は1限と2限で、セルに科目名。見出しの行と列に色を付ける。",
 "checks": [{"type": "count", "select": {"kind": "rect"}, "eq": 12},
            {"type": "text", "labels": ["月", "火", "水", "1限", "2限", "数学", "英語"]},
            {"type": "rows", "select": {"kind": "rect"}, "counts": [4, 4, 4]}]}
*/
// 時間割の表（見出しの行と列に色）
const W = 400, H = 400;
const DAYS = ["月", "火", "水"];
const PERIODS = ["1限", "2限"];
const SUBJECTS = [["数学", "英語", "物理"], ["国語", "化学", "数学"]];
const X0 = 40, Y0 = 120, CW = 80, CH = 50;

function setup() {
  createCanvas(W, H);
  noLoop();
}

function draw() {
  background(255);
  textAlign(CENTER, CENTER);
  textSize(16);
  cell(0, 0, "", "#bdbdbd");
  DAYS.forEach((d, c) => cell(0, c + 1, d, "#c6dbef"));
  PERIODS.forEach((p, r) => {
    cell(r + 1, 0, p, "#c6dbef");
    SUBJECTS[r].forEach((s, c) => cell(r + 1, c + 1, s, 255));
  });
}

function cell(r, c, label, bg) {
  const x = X0 + c * CW, y = Y0 + r * CH;
  stroke(60);
  fill(bg);
  rect(x, y, CW, CH);
  noStroke();
  fill(0);
  text(label, x + CW / 2, y + CH / 2);
}
