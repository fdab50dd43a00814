/* example
{"tags": ["sequence diagram", "japanese", "シーケンス図", "ログイン", "messages"],
 "caption_en": "A login sequence diagram in Japanese between user, browser and server: send ID, authentication request, authentication result, show page.",
 "caption_ja": "ログインのシーケンス図。ユーザ、ブラウザ、サーバの3者で、ID送信→認証要求→認証結果→画面表示のメッセージを上から順に描く。",
 "checks": [{"type": "count", "select": {"kind": "rect"}, "eq": 3},
            {"type": "text", "labels": ["ユーザ", "ブラウザ", "サーバ", "認証要求", "認証結果"]},
            {"type": "order", "labels": ["ユーザ", "ブラウザ", "サーバ"], "direction": "left-to-right"},
            {"type": "order", "labels": ["ID送信", "認証要求", "認証結果", "画面表示"], "direction": "top-to-bottom"}]}
*/
// ログインのシーケンス図
const W = 400, H = 400;
const ACTORS = ["ユーザ", "ブラウザ", "サーバ"];
const XS = [70, 200, 330];
const STEPS = [[0, 1, "ID送信"], [1, 2, "認証要求"], [2, 1, "認証結果"], [1, 0, "画面表示"]];

function setup() {
  createCanvas(W, H);
  noLoop();
}

function draw() {
  background(255);
  textAlign(CENTER, CENTER);
  textSize(14);
  ACTORS.forEach((a, i) => lifeline(a, XS[i]));
  STEPS.forEach(([from, to, label], i) => arrowMessage(XS[from], XS[to], 130 + i * 60, label));
}

function lifeline(name, x) {
  stroke(40);
  fill("#fff1d6");
  rect(x - 48, 30, 96, 38, 4);
  noStroke();
  fill(0);
  text(name, x, 49);
  stroke(150);
  line(x, 68, x, 380);
}

function arrowMessage(x1, x2, y, label) {
  stroke(0);
  line(x1, y, x2, y);
  const dir = x2 > x1 ? 1 : -1;
  fill(0);
  triangle(x2, y, x2 - 9 * dir, y - 4, x2 - 9 * dir, y + 4);
  noStroke();
  text(label, (x1 + x2) / 2, y - 12);
}
