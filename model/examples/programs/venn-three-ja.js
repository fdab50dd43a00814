/* example
{"tags": ["venn diagram", "japanese", "ベン図", "three sets", "三つの集合"],
 "caption_en": "A three-set Venn diagram in Japanese: circles for mathematics, physics and informatics overlapping in the middle, each circle labelled.",
 "caption_ja": "3つの集合のベン図。数学、物理、情報の円が中央で重なり、それぞれの円に名前を付ける。",
 "checks": [{"type": "count", "select": {"kind": "circle", "min_size": 100}, "eq": 3},
            {"type": "text", "labels": ["数学", "物理", "情報"]}]}
*/
// 3つの集合のベン図
const W = 400, H = 400;
const D = 190, R = 62;
const SETS = [
  { name: "数学", a: -90, c: [255, 99, 71] },   // 角度は度（上が -90）
  { name: "物理", a: 150, c: [65, 105, 225] },
  { name: "情報", a: 30, c: [60, 179, 113] },
];

function setup() {
  createCanvas(W, H);
  noLoop();
}

function draw() {
  background(255);
  textAlign(CENTER, CENTER);
  textSize(20);
  for (const s of SETS) {
    const p = centre(s.a, R);
    stroke(40);
    fill(s.c[0], s.c[1], s.c[2], 90);
    circle(p.x, p.y, D);
  }
  noStroke();
  fill(0);
  for (const s of SETS) {
    const p = centre(s.a, R + 55);
    text(s.name, p.x, p.y);
  }
}

function centre(deg, r) {
  const a = (deg * Math.PI) / 180;
  return { x: W / 2 + r * Math.cos(a), y: H / 2 + 15 + r * Math.sin(a) };
}
