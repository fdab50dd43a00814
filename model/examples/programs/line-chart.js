/* example
{"tags": ["line chart", "time series", "axes", "markers", "training loss"],
 "caption_en": "A line chart of training loss over 6 epochs (2.3, 1.6, 1.1, 0.8, 0.65, 0.6) with circle markers, labelled axes 'epoch' and 'loss'.",
 "caption_ja": "6エポックの学習損失（2.3, 1.6, 1.1, 0.8, 0.65, 0.6）の折れ線グラフ。丸いマーカーと軸ラベルepoch、loss。",
 "checks": [{"type": "count", "select": {"kind": "circle"}, "eq": 6},
            {"type": "count", "select": {"kind": "line"}, "min": 7},
            {"type": "text", "labels": ["epoch", "loss"]}]}
*/
// Line chart with markers.
const W = 400, H = 400;
const LOSS = [2.3, 1.6, 1.1, 0.8, 0.65, 0.6];
const LEFT = 60, RIGHT = 370, TOP = 40, BASE = 330, MAX_Y = 2.5;

function setup() {
  createCanvas(W, H);
  noLoop();
}

function draw() {
  background(255);
  axes();
  const pts = LOSS.map((v, i) => ({ x: map(i + 1, 0, LOSS.length, LEFT, RIGHT), y: map(v, 0, MAX_Y, BASE, TOP) }));
  stroke("#d62728");
  strokeWeight(2);
  for (let i = 0; i + 1 < pts.length; i++) line(pts[i].x, pts[i].y, pts[i + 1].x, pts[i + 1].y);
  strokeWeight(1);
  fill("#d62728");
  for (const p of pts) circle(p.x, p.y, 9);
}

function axes() {
  stroke(0);
  line(LEFT, BASE, RIGHT, BASE);
  line(LEFT, BASE, LEFT, TOP);
  noStroke();
  fill(0);
  textSize(11);
  textAlign(CENTER, TOP);
  for (let e = 1; e <= LOSS.length; e++) text(e, map(e, 0, LOSS.length, LEFT, RIGHT), BASE + 6);
  textAlign(RIGHT, CENTER);
  for (let v = 0; v <= MAX_Y; v += 0.5) text(v.toFixed(1), LEFT - 6, map(v, 0, MAX_Y, BASE, TOP));
  textSize(14);
  textAlign(CENTER, TOP);
  text("epoch", (LEFT + RIGHT) / 2, BASE + 28);
  push();
  translate(18, (TOP + BASE) / 2);
  rotate(-HALF_PI);
  textAlign(CENTER, CENTER);
  text("loss", 0, 0);
  pop();
}
