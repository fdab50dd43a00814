/* example
{"tags": ["sequence diagram", "uml", "lifelines", "messages", "client server"],
 "caption_en": "A sequence diagram with three participants Client, Server and Database: dashed lifelines, messages 'request', 'query', 'rows' (return) and 'response' (return) from top to bottom.",
 "caption_ja": "Client、Server、Databaseの3者のシーケンス図。破線のライフライン、上から順にrequest、query、rows（戻り）、response（戻り）のメッセージ。",
 "checks": [{"type": "count", "select": {"kind": "rect"}, "eq": 3},
            {"type": "text", "labels": ["Client", "Server", "Database", "request", "query", "rows", "response"]},
            {"type": "order", "labels": ["request", "query", "rows", "response"], "direction": "top-to-bottom"}]}
*/
// Sequence diagram: participants on top, messages going down in time.
const W = 400, H = 400;
const PARTS = ["Client", "Server", "Database"];
const XS = [70, 200, 330];
const MESSAGES = [[0, 1, "request", false], [1, 2, "query", false], [2, 1, "rows", true], [1, 0, "response", true]];

function setup() {
  createCanvas(W, H);
  noLoop();
}

function draw() {
  background(255);
  textAlign(CENTER, CENTER);
  textSize(14);
  PARTS.forEach((p, i) => participant(p, XS[i]));
  MESSAGES.forEach(([from, to, label, back], i) => message(XS[from], XS[to], 120 + i * 60, label, back));
}

function participant(name, x) {
  stroke(40);
  fill("#e8eef8");
  rect(x - 50, 30, 100, 36, 4);
  noStroke();
  fill(0);
  text(name, x, 48);
  stroke(120);
  drawingContext.setLineDash([5, 5]);
  line(x, 66, x, 380);
  drawingContext.setLineDash([]);
}

function message(x1, x2, y, label, back) {
  stroke(0);
  if (back) drawingContext.setLineDash([6, 4]);
  line(x1, y, x2, y);
  drawingContext.setLineDash([]);
  const dir = Math.sign(x2 - x1);
  fill(0);
  triangle(x2, y, x2 - 9 * dir, y - 4, x2 - 9 * dir, y + 4);
  noStroke();
  text(label, (x1 + x2) / 2, y - 12);
}
