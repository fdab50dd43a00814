/* example
{"tags": ["state machine", "finite automaton", "states", "transitions", "self loop"],
 "caption_en": "A finite state machine with three states Idle, Running and Done: start → Idle, Idle→Running on 'start', Running→Done on 'finish', Done→Idle on 'reset', and a self-loop on Running labelled 'tick'.",
 "caption_ja": "3状態の状態遷移図。Idle、Running、Done。開始矢印→Idle、Idle→Running（start）、Running→Done（finish）、Done→Idle（reset）、Runningに自己ループ（tick）。",
 "checks": [{"type": "count", "select": {"kind": "circle"}, "min": 3},
            {"type": "text", "labels": ["Idle", "Running", "Done", "start", "finish", "reset", "tick"]},
            {"type": "connected", "a": {"label": "Idle"}, "b": {"label": "Running"}, "directed": true}]}
*/
// Finite state machine with three states and a self-loop.
const W = 400, H = 400;
const S = { Idle: [90, 230], Running: [310, 230], Done: [200, 340] };
const D = 76;

function setup() {
  createCanvas(W, H);
  noLoop();
}

function draw() {
  background(255);
  textAlign(CENTER, CENTER);
  textSize(14);
  arrowBetween(S.Idle, S.Running, "start");
  arrowBetween(S.Running, S.Done, "finish");
  arrowBetween(S.Done, S.Idle, "reset");
  arrow(20, 150, S.Idle[0] - 24, S.Idle[1] - 30);
  selfLoop(S.Running, "tick");
  for (const name in S) state(name, S[name]);
}

function state(name, p) {
  stroke(30);
  fill("#eef3fb");
  circle(p[0], p[1], D);
  noStroke();
  fill(0);
  text(name, p[0], p[1]);
}

function arrowBetween(p, q, label) {
  const a = atan2(q[1] - p[1], q[0] - p[0]);
  const r = D / 2;
  arrow(p[0] + r * cos(a), p[1] + r * sin(a), q[0] - r * cos(a), q[1] - r * sin(a));
  noStroke();
  fill(0);
  text(label, (p[0] + q[0]) / 2 + 16 * sin(a), (p[1] + q[1]) / 2 - 16 * cos(a));
}

function selfLoop(p, label) {
  stroke(0);
  noFill();
  arc(p[0], p[1] - D / 2 - 18, 44, 44, PI * 0.75, PI * 2.25);
  noStroke();
  fill(0);
  text(label, p[0], p[1] - D / 2 - 52);
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
