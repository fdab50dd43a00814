/* example
{"tags": ["encoder decoder", "autoencoder", "japanese", "オートエンコーダ", "潜在変数", "bottleneck layers"],
 "caption_en": "An autoencoder in Japanese drawn as columns of units 6-3-2-3-6: encoder on the left, latent variables in the middle, decoder on the right.",
 "caption_ja": "オートエンコーダをユニットの列6-3-2-3-6で描く。左がエンコーダ、中央が潜在変数、右がデコーダ。",
 "checks": [{"type": "columns", "select": {"kind": "circle"}, "counts": [6, 3, 2, 3, 6]},
            {"type": "text", "labels": ["エンコーダ", "潜在変数", "デコーダ"]}]}
*/
// オートエンコーダ（6-3-2-3-6）
const W = 400, H = 400;
const LAYERS = [6, 3, 2, 3, 6];
const D = 24, GAP = 44;

function setup() {
  createCanvas(W, H);
  noLoop();
}

function draw() {
  background(255);
  const cols = LAYERS.map((n, i) => column(n, i));
  stroke(200);
  for (let i = 0; i + 1 < cols.length; i++) {
    for (const a of cols[i]) for (const b of cols[i + 1]) line(a.x, a.y, b.x, b.y);
  }
  cols.forEach((units, i) => {
    stroke(40);
    fill(i === 2 ? "#fdae6b" : i < 2 ? "#9ecae1" : "#a1d99b");
    for (const u of units) circle(u.x, u.y, D);
  });
  noStroke();
  fill(0);
  textAlign(CENTER, CENTER);
  textSize(15);
  text("エンコーダ", 100, 365);
  text("潜在変数", 200, 365);
  text("デコーダ", 300, 365);
}

function column(n, i) {
  const x = 60 + i * 70;
  return Array.from({ length: n }, (_, j) => ({ x: x, y: 180 + (j - (n - 1) / 2) * GAP }));
}
