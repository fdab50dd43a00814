/* example
{"tags": ["physics", "pendulum", "angle", "string", "bob", "gravity", "swing"],
 "caption_en": "A simple pendulum: a fixed support, a string of length L at angle θ from the dashed vertical, a bob of mass m, and the dotted arc of its swing.",
 "caption_ja": "単振り子。固定された支点、破線の鉛直線から角度θ傾いた長さLの糸、質量mのおもり、振れる軌跡の点線の弧。",
 "checks": [{"type": "text", "labels": ["θ", "L", "m"]},
            {"type": "count", "select": {"kind": "circle", "min_size": 20}, "min": 1},
            {"type": "count", "select": {"kind": "line"}, "min": 2}]}
*/
// Simple pendulum at angle THETA from the vertical.
const W = 400, H = 400;
const PIVOT = { x: 200, y: 60 };
const LEN = 250, THETA = 25 * Math.PI / 180, BOB_D = 36;  // p5 functions are not ready at load time

function setup() {
  createCanvas(W, H);
  noLoop();
}

function draw() {
  background(255);
  const bob = { x: PIVOT.x + LEN * sin(THETA), y: PIVOT.y + LEN * cos(THETA) };
  support();
  stroke(150);
  drawingContext.setLineDash([5, 5]);
  line(PIVOT.x, PIVOT.y, PIVOT.x, PIVOT.y + LEN + 20);
  noFill();
  arc(PIVOT.x, PIVOT.y, 2 * LEN, 2 * LEN, HALF_PI - THETA, HALF_PI + THETA);
  drawingContext.setLineDash([]);
  stroke(0);
  strokeWeight(2);
  line(PIVOT.x, PIVOT.y, bob.x, bob.y);
  strokeWeight(1);
  arc(PIVOT.x, PIVOT.y, 80, 80, HALF_PI - THETA, HALF_PI);
  fill("#6baed6");
  circle(bob.x, bob.y, BOB_D);
  label("θ", PIVOT.x + 12, PIVOT.y + 58);
  label("L", (PIVOT.x + bob.x) / 2 + 16, (PIVOT.y + bob.y) / 2);
  label("m", bob.x, bob.y);
}

function support() {
  stroke(0);
  fill(120);
  rect(PIVOT.x - 60, PIVOT.y - 12, 120, 12);
  fill(0);
  circle(PIVOT.x, PIVOT.y, 6);
}

function label(s, x, y) {
  noStroke();
  fill(0);
  textAlign(CENTER, CENTER);
  textSize(16);
  text(s, x, y);
}
