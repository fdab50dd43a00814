/* example
{"tags": ["function plot", "exponential", "logarithm", "two curves", "legend", "y = x"],
 "caption_en": "Plots of y = e^x (red) and y = ln x (blue) with the dashed mirror line y = x, on axes from −3 to 3, each curve labelled.",
 "caption_ja": "y = e^x（赤）と y = ln x（青）のグラフ。破線の y = x を対称軸として描き、−3から3の軸で各曲線にラベルを付ける。",
 "checks": [{"type": "text", "labels": ["y = e^x", "y = ln x", "y = x"]},
            {"type": "count", "select": {"kind": "any", "color": "red", "min_size": 50}, "min": 1},
            {"type": "count", "select": {"kind": "any", "color": "blue", "min_size": 50}, "min": 1}]}
*/
// e^x and ln x are mirror images in y = x.
const W = 400, H = 400;
const LIM = 3;

function setup() {
  createCanvas(W, H);
  noLoop();
}

function sx(x) { return map(x, -LIM, LIM, 20, 380); }
function sy(y) { return map(y, -LIM, LIM, 380, 20); }

function draw() {
  background(255);
  stroke(0);
  line(sx(-LIM), sy(0), sx(LIM), sy(0));
  line(sx(0), sy(-LIM), sx(0), sy(LIM));
  stroke(150);
  drawingContext.setLineDash([5, 5]);
  line(sx(-LIM), sy(-LIM), sx(LIM), sy(LIM));
  drawingContext.setLineDash([]);
  curve2("#d62728", (x) => Math.exp(x), -LIM, 1.09);
  curve2("#1f77b4", (x) => Math.log(x), 0.05, LIM);
  noStroke();
  textSize(14);
  fill("#d62728");
  text("y = e^x", sx(1.2), sy(2.7));
  fill("#1f77b4");
  text("y = ln x", sx(2), sy(0.5));
  fill(100);
  text("y = x", sx(-2.6), sy(-2));
}

function curve2(c, fn, a, b) {
  stroke(c);
  strokeWeight(2);
  noFill();
  beginShape();
  for (let x = a; x <= b; x += 0.02) vertex(sx(x), sy(fn(x)));
  endShape();
  strokeWeight(1);
}
