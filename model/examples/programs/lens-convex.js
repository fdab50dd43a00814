/* example
{"tags": ["optics", "lens", "convex lens", "rays", "focal point", "refraction", "image"],
 "caption_en": "Thin-lens construction: an oval glass lens on a horizontal axis, F dots either side, a blue arrow as the thing seen and three orange construction lines crossing to a red upside-down copy.",
 "caption_ja": "光軸上の凸レンズと両側の焦点F。左に物体の矢印、3本の主要な光線が右側で倒立像に集まる。",
 "checks": [{"type": "text", "labels": ["F", "object", "image"]},
            {"type": "count", "select": {"kind": "ellipse"}, "min": 1},
            {"type": "count", "select": {"kind": "line"}, "min": 6}]}
*/
// Convex lens: object at 2f gives an inverted image at 2f (thin-lens rays).
const W = 400, H = 400;
const AXIS_Y = 200, LENS_X = 200, F = 70;
const OBJ = { x: LENS_X - 2 * F, h: 70 };
const IMG = { x: LENS_X + 2 * F, h: -70 };

function setup() {
  createCanvas(W, H);
  noLoop();
}

function draw() {
  background(255);
  stroke(120);
  line(10, AXIS_Y, 390, AXIS_Y);
  stroke(60);
  fill(200, 225, 255, 160);
  ellipse(LENS_X, AXIS_Y, 30, 240);
  focus(LENS_X - F);
  focus(LENS_X + F);
  upright(OBJ.x, OBJ.h, "#1f77b4", "object");
  upright(IMG.x, IMG.h, "#d62728", "image");
  const top = { x: OBJ.x, y: AXIS_Y - OBJ.h }, tip = { x: IMG.x, y: AXIS_Y - IMG.h };
  stroke("#ff7f0e");
  line(top.x, top.y, LENS_X, top.y);            // parallel ray, then through F
  line(LENS_X, top.y, tip.x, tip.y);
  line(top.x, top.y, tip.x, tip.y);              // through the centre
  line(top.x, top.y, LENS_X, tip.y);             // through the near F, then parallel
  line(LENS_X, tip.y, tip.x, tip.y);
}

function focus(x) {
  noStroke();
  fill(0);
  circle(x, AXIS_Y, 6);
  textAlign(CENTER, TOP);
  textSize(14);
  text("F", x, AXIS_Y + 6);
}

function upright(x, h, c, label) {
  stroke(c);
  strokeWeight(3);
  line(x, AXIS_Y, x, AXIS_Y - h);
  strokeWeight(1);
  fill(c);
  const s = Math.sign(h);
  triangle(x, AXIS_Y - h, x - 6, AXIS_Y - h + 12 * s, x + 6, AXIS_Y - h + 12 * s);
  noStroke();
  textAlign(CENTER, CENTER);
  textSize(14);
  text(label, x, AXIS_Y - h - 18 * s);
}
