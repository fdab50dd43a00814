/* example
{"tags": ["function plot", "sine", "axes", "curve", "trigonometry", "ticks"],
 "caption_en": "A plot of y = sin(x) for x from 0 to 2π with x and y axes through the origin, tick labels π and 2π, and the curve drawn as a smooth line.",
 "caption_ja": "y = sin(x)（xは0から2π）のグラフ。原点を通るx軸とy軸、目盛りπと2π、滑らかな曲線。",
 "checks": [{"type": "text", "labels": ["y = sin(x)", "π", "2π", "x", "y"]},
            {"type": "count", "select": {"kind": "any", "min_size": 100}, "min": 1}]}
*/
// y = sin(x) on [0, 2π], axes through the origin.
const W = 400, H = 400;
const X0 = 50, X1 = 370, Y_MID = 200, AMP = 120;

function setup() {
  createCanvas(W, H);
  noLoop();
}

function draw() {
  background(255);
  axes();
  stroke("#2b8cbe");
  strokeWeight(2);
  noFill();
  beginShape();
  for (let i = 0; i <= 200; i++) {
    const x = (i / 200) * TWO_PI;
    vertex(sx(x), Y_MID - AMP * sin(x));
  }
  endShape();
  strokeWeight(1);
  noStroke();
  fill("#2b8cbe");
  textSize(15);
  text("y = sin(x)", 240, 60);
}

function sx(x) { return map(x, 0, TWO_PI, X0, X1 - 20); }

function axes() {
  stroke(0);
  line(X0 - 20, Y_MID, X1, Y_MID);
  line(X0, 360, X0, 40);
  noStroke();
  fill(0);
  textSize(13);
  textAlign(CENTER, TOP);
  text("π", sx(PI), Y_MID + 6);
  text("2π", sx(TWO_PI), Y_MID + 6);
  text("x", X1 - 4, Y_MID + 6);
  textAlign(RIGHT, CENTER);
  text("1", X0 - 6, Y_MID - AMP);
  text("-1", X0 - 6, Y_MID + AMP);
  text("y", X0 - 8, 44);
}
