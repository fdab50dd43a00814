/* example
{"tags": ["function plot", "japanese", "放物線", "二次関数", "grid", "vertex"],
 "caption_en": "A Japanese plot of the quadratic y = x² − 2x − 3 on a light grid from −2 to 4, marking the vertex (1, −4) and the two x-intercepts with dots.",
 "caption_ja": "二次関数 y = x² − 2x − 3 のグラフ。−2から4までの薄い方眼の上に描き、頂点(1, −4)とx軸との交点2つを点で示す。",
 "checks": [{"type": "text", "labels": ["y = x² − 2x − 3", "頂点"]},
            {"type": "count", "select": {"kind": "circle"}, "eq": 3}]}
*/
// 二次関数のグラフ（方眼、頂点と交点）
const W = 400, H = 400;
const XMIN = -2, XMAX = 4, YMIN = -5, YMAX = 6;

function setup() {
  createCanvas(W, H);
  noLoop();
}

function f(x) { return x * x - 2 * x - 3; }
function sx(x) { return map(x, XMIN, XMAX, 30, 370); }
function sy(y) { return map(y, YMIN, YMAX, 370, 30); }

function draw() {
  background(255);
  grid();
  stroke("#e6550d");
  strokeWeight(2);
  noFill();
  beginShape();
  for (let x = XMIN; x <= XMAX + 1e-9; x += 0.05) vertex(sx(x), sy(f(x)));
  endShape();
  noStroke();
  fill(0);
  for (const [x, y] of [[1, -4], [-1, 0], [3, 0]]) circle(sx(x), sy(y), 9);
  textSize(14);
  text("頂点 (1, −4)", sx(1) + 10, sy(-4) + 4);
  text("y = x² − 2x − 3", sx(1.4), sy(5));
}

function grid() {
  stroke(225);
  for (let x = XMIN; x <= XMAX; x++) line(sx(x), sy(YMIN), sx(x), sy(YMAX));
  for (let y = YMIN; y <= YMAX; y++) line(sx(XMIN), sy(y), sx(XMAX), sy(y));
  stroke(0);
  line(sx(XMIN), sy(0), sx(XMAX), sy(0));
  line(sx(0), sy(YMIN), sx(0), sy(YMAX));
}
