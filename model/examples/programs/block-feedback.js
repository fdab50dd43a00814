/* example
{"tags": ["block diagram", "control", "feedback loop", "controller", "plant", "sensor"],
 "caption_en": "A feedback control block diagram: reference r into a summing junction, Controller, Plant, output y, and a Sensor block feeding y back to the junction with a minus sign.",
 "caption_ja": "フィードバック制御のブロック線図。目標値rが加え合わせ点に入り、Controller、Plantを経て出力y。Sensorがyを加え合わせ点へマイナスで戻す。",
 "checks": [{"type": "count", "select": {"kind": "rect"}, "eq": 3},
            {"type": "text", "labels": ["Controller", "Plant", "Sensor", "r", "y", "−"]},
            {"type": "connected", "a": {"label": "Controller"}, "b": {"label": "Plant"}}]}
*/
// Feedback control loop.
const W = 400, H = 400;
const Y = 150, FEED_Y = 270;
const SUM = { x: 60, y: Y };
const BOXES = { Controller: 140, Plant: 260 };
const BW = 90, BH = 50;

function setup() {
  createCanvas(W, H);
  noLoop();
}

function draw() {
  background(255);
  textAlign(CENTER, CENTER);
  textSize(14);
  arrow(10, Y, SUM.x - 14, Y);
  label("r", 18, Y - 14);
  stroke(0);
  fill(255);
  circle(SUM.x, SUM.y, 28);
  arrow(SUM.x + 14, Y, BOXES.Controller - BW / 2, Y);
  block("Controller", BOXES.Controller, Y);
  arrow(BOXES.Controller + BW / 2, Y, BOXES.Plant - BW / 2, Y);
  block("Plant", BOXES.Plant, Y);
  arrow(BOXES.Plant + BW / 2, Y, 390, Y);
  label("y", 380, Y - 14);
  feedback();
}

function feedback() {
  stroke(0);
  line(350, Y, 350, FEED_Y);
  arrow(350, FEED_Y, 200 + BW / 2, FEED_Y);
  block("Sensor", 200, FEED_Y);
  stroke(0);
  line(200 - BW / 2, FEED_Y, SUM.x, FEED_Y);
  arrow(SUM.x, FEED_Y, SUM.x, SUM.y + 14);
  label("−", SUM.x - 14, SUM.y + 24);
}

function block(name, x, y) {
  stroke(30);
  fill("#deebf7");
  rect(x - BW / 2, y - BH / 2, BW, BH);
  label(name, x, y);
}

function label(s, x, y) {
  noStroke();
  fill(0);
  text(s, x, y);
}

function arrow(x1, y1, x2, y2) {
  stroke(0);
  line(x1, y1, x2, y2);
  push();
  translate(x2, y2);
  rotate(atan2(y2 - y1, x2 - x1));
  fill(0);
  triangle(0, 0, -8, -4, -8, 4);
  pop();
}
