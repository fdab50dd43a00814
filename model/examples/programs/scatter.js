/* example
{"tags": ["scatter plot", "points", "regression line", "correlation", "axes"],
 "caption_en": "A scatter plot of 10 points (x, y) showing a positive correlation, with a dashed fitted line and axis labels 'x' and 'y'.",
 "caption_ja": "正の相関を示す10点の散布図。破線の回帰直線と軸ラベルx、yを付ける。",
 "checks": [{"type": "count", "select": {"kind": "circle"}, "eq": 10},
            {"type": "text", "labels": ["x", "y"]}]}
*/
// Scatter plot with a least-squares line.
const W = 400, H = 400;
const POINTS = [[1, 2.1], [2, 2.9], [3, 3.2], [4, 4.8], [5, 5.1], [6, 5.9], [7, 7.4], [8, 7.9], [9, 9.3], [10, 9.8]];
const LEFT = 50, RIGHT = 370, TOP = 30, BASE = 350, MAX = 11;

function setup() {
  createCanvas(W, H);
  noLoop();
}

function draw() {
  background(255);
  axes();
  fitLine();
  stroke(30);
  fill("#1b9e77");
  for (const [x, y] of POINTS) circle(px(x), py(y), 10);
}

function px(x) { return map(x, 0, MAX, LEFT, RIGHT); }
function py(y) { return map(y, 0, MAX, BASE, TOP); }

function fitLine() {
  const n = POINTS.length;
  const mx = POINTS.reduce((s, p) => s + p[0], 0) / n;
  const my = POINTS.reduce((s, p) => s + p[1], 0) / n;
  let sxy = 0, sxx = 0;
  for (const [x, y] of POINTS) { sxy += (x - mx) * (y - my); sxx += (x - mx) ** 2; }
  const b = sxy / sxx, a = my - b * mx;
  stroke(120);
  drawingContext.setLineDash([6, 4]);
  line(px(0.5), py(a + b * 0.5), px(10.5), py(a + b * 10.5));
  drawingContext.setLineDash([]);
}

function axes() {
  stroke(0);
  line(LEFT, BASE, RIGHT, BASE);
  line(LEFT, BASE, LEFT, TOP);
  noStroke();
  fill(0);
  textSize(15);
  textAlign(CENTER, TOP);
  text("x", RIGHT, BASE + 8);
  textAlign(RIGHT, CENTER);
  text("y", LEFT - 10, TOP);
}
