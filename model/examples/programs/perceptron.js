/* example
{"tags": ["perceptron", "neuron", "weights", "activation", "sum"],
 "caption_en": "A single perceptron: three inputs x1, x2, x3 with weights w1, w2, w3 feeding a summation node, then an activation f and the output y.",
 "caption_ja": "単純パーセプトロン。入力x1, x2, x3が重みw1, w2, w3で和のノードに入り、活性化関数fを通って出力yになる。",
 "checks": [{"type": "text", "labels": ["x1", "x2", "x3", "w1", "Σ", "f", "y"]},
            {"type": "count", "select": {"kind": "circle"}, "min": 4}]}
*/
// One perceptron: inputs, weights, sum, activation, output.
const W = 400, H = 400;
const INPUTS = ["x1", "x2", "x3"];
const WEIGHTS = ["w1", "w2", "w3"];
const SUM = { x: 220, y: 200 };
const ACT = { x: 310, y: 200 };

function setup() {
  createCanvas(W, H);
  noLoop();
}

function draw() {
  background(255);
  textAlign(CENTER, CENTER);
  textSize(15);
  INPUTS.forEach((name, i) => drawInput(name, WEIGHTS[i], 70, 110 + i * 90));
  arrow(SUM.x + 25, SUM.y, ACT.x - 25, ACT.y);
  arrow(ACT.x + 25, ACT.y, 380, ACT.y);
  node(SUM.x, SUM.y, "Σ");
  node(ACT.x, ACT.y, "f");
  noStroke();
  fill(0);
  text("y", 385, ACT.y - 18);
}

function drawInput(name, weight, x, y) {
  arrow(x + 20, y, SUM.x - 25, SUM.y);
  node(x, y, name);
  noStroke();
  fill(0);
  text(weight, (x + SUM.x) / 2, (y + SUM.y) / 2 - 14);
}

function node(x, y, label) {
  stroke(0);
  fill(235, 245, 255);
  circle(x, y, 44);
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
  triangle(0, 0, -9, -4, -9, 4);
  pop();
}
