/* example
{"tags": ["timeline", "history", "years", "events", "milestones"],
 "caption_en": "A horizontal timeline of milestones in deep learning: 1958 Perceptron, 1986 Backprop, 1998 LeNet, 2012 AlexNet, 2017 Transformer, with ticks and labels alternating above and below.",
 "caption_ja": "深層学習の歴史の横向き年表。1958 Perceptron、1986 Backprop、1998 LeNet、2012 AlexNet、2017 Transformer。目盛りとラベルを上下交互に置く。",
 "checks": [{"type": "text", "labels": ["1958", "1986", "1998", "2012", "2017", "Perceptron", "Transformer"]},
            {"type": "order", "labels": ["1958", "1986", "1998", "2012", "2017"], "direction": "left-to-right"},
            {"type": "count", "select": {"kind": "circle"}, "eq": 5}]}
*/
// Timeline: years placed proportionally along one axis.
const W = 400, H = 400;
const EVENTS = [[1958, "Perceptron"], [1986, "Backprop"], [1998, "LeNet"], [2012, "AlexNet"], [2017, "Transformer"]];
const X0 = 40, X1 = 360, Y = H / 2;

function setup() {
  createCanvas(W, H);
  noLoop();
}

function draw() {
  background(255);
  stroke(60);
  strokeWeight(3);
  line(X0 - 10, Y, X1 + 10, Y);
  strokeWeight(1);
  EVENTS.forEach(([year, name], i) => event(year, name, i % 2 === 0 ? -1 : 1));
}

function event(year, name, side) {
  const x = map(year, 1955, 2020, X0, X1);
  stroke(60);
  line(x, Y, x, Y + side * 40);
  fill("#3182bd");
  circle(x, Y, 12);
  noStroke();
  fill(0);
  textAlign(CENTER, CENTER);
  textSize(13);
  text(year, x, Y + side * 52);
  text(name, x, Y + side * 70);
}
