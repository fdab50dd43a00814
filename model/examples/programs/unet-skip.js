/* example
{"tags": ["skip connection", "u-net", "encoder decoder", "segmentation", "copy and concatenate"],
 "caption_en": "A small U-Net: encoder blocks going down on the left, a bottleneck at the bottom, decoder blocks going up on the right, and dashed skip connections copying features across at each level.",
 "caption_ja": "小さなU-Net。左に下っていくエンコーダのブロック、下にボトルネック、右に上がっていくデコーダのブロック。各段でスキップ接続（破線）が特徴を横に渡す。",
 "checks": [{"type": "count", "select": {"kind": "rect"}, "eq": 5},
            {"type": "text", "labels": ["Enc 1", "Enc 2", "Bottleneck", "Dec 2", "Dec 1", "skip"]},
            {"type": "order", "labels": ["Enc 1", "Enc 2", "Bottleneck"], "direction": "top-to-bottom"}]}
*/
// U-Net: down path, bottleneck, up path, skip connections across.
const W = 400, H = 400;
const BW = 90, BH = 40;
const LEVELS = [80, 170];        // y of levels 1 and 2
const LEFT_X = 70, RIGHT_X = 330, BOTTOM_Y = 280;

function setup() {
  createCanvas(W, H);
  noLoop();
}

function draw() {
  background(255);
  textAlign(CENTER, CENTER);
  textSize(14);
  LEVELS.forEach((y, i) => skip(y));
  arrow(LEFT_X, LEVELS[0] + BH / 2, LEFT_X, LEVELS[1] - BH / 2);
  arrow(LEFT_X, LEVELS[1] + BH / 2, W / 2 - BW / 2, BOTTOM_Y);
  arrow(W / 2 + BW / 2, BOTTOM_Y, RIGHT_X, LEVELS[1] + BH / 2);
  arrow(RIGHT_X, LEVELS[1] - BH / 2, RIGHT_X, LEVELS[0] + BH / 2);
  block(LEFT_X, LEVELS[0], "Enc 1", "#9ecae1");
  block(LEFT_X, LEVELS[1], "Enc 2", "#9ecae1");
  block(W / 2, BOTTOM_Y, "Bottleneck", "#fdae6b");
  block(RIGHT_X, LEVELS[1], "Dec 2", "#a1d99b");
  block(RIGHT_X, LEVELS[0], "Dec 1", "#a1d99b");
}

function skip(y) {
  stroke(120);
  drawingContext.setLineDash([6, 4]);
  arrow(LEFT_X + BW / 2, y, RIGHT_X - BW / 2, y);
  drawingContext.setLineDash([]);
  noStroke();
  fill(90);
  text("skip", W / 2, y - 12);
}

function block(x, y, label, c) {
  stroke(40);
  fill(c);
  rect(x - BW / 2, y - BH / 2, BW, BH, 5);
  noStroke();
  fill(0);
  text(label, x, y);
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
