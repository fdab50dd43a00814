/* example
{"tags": ["venn diagram", "sets", "intersection", "two circles", "overlap"],
 "caption_en": "A Venn diagram of two overlapping translucent circles, A in blue and B in red, with 'A ∩ B' written in the overlap.",
 "caption_ja": "半透明の2つの円が重なるベン図。Aは青、Bは赤で、重なりに「A ∩ B」と書く。",
 "checks": [{"type": "count", "select": {"kind": "circle", "min_size": 100}, "eq": 2},
            {"type": "text", "labels": ["A", "B", "A ∩ B"]},
            {"type": "order", "labels": ["A", "A ∩ B", "B"], "direction": "left-to-right"}]}
*/
// Two-set Venn diagram with translucent fills.
const W = 400, H = 400;
const D = 200, SHIFT = 65;

function setup() {
  createCanvas(W, H);
  noLoop();
}

function draw() {
  background(255);
  setCircle(W / 2 - SHIFT, color(66, 133, 244, 110));
  setCircle(W / 2 + SHIFT, color(234, 67, 53, 110));
  noStroke();
  fill(0);
  textAlign(CENTER, CENTER);
  textSize(22);
  text("A", W / 2 - SHIFT - 50, H / 2);
  text("B", W / 2 + SHIFT + 50, H / 2);
  textSize(16);
  text("A ∩ B", W / 2, H / 2);
}

// Translucent fills let the overlap show both colours.
function setCircle(x, c) {
  stroke(40);
  fill(c);
  circle(x, H / 2, D);
}
