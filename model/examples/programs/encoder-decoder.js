/* example
{"tags": ["encoder decoder", "autoencoder", "bottleneck", "latent code"],
 "caption_en": "An encoder-decoder (autoencoder): a narrowing encoder trapezoid, a small latent code z in the middle, and a widening decoder, from input x to reconstruction x'.",
 "caption_ja": "エンコーダ・デコーダ（オートエンコーダ）。細くなるエンコーダの台形、中央の潜在表現z、広がるデコーダで、入力xから再構成x'へ。",
 "checks": [{"type": "text", "labels": ["Encoder", "Decoder", "z", "x", "x'"]},
            {"type": "order", "labels": ["Encoder", "z", "Decoder"], "direction": "left-to-right"},
            {"type": "count", "select": {"kind": "polygon"}, "min": 2}]}
*/
// Encoder-decoder: two trapezoids meeting at a small latent code.
const W = 400, H = 400;
const MID = H / 2;
const ENC = { x0: 60, x1: 170 };
const DEC = { x0: 230, x1: 340 };
const WIDE = 120, NARROW = 35;   // half heights at the ends

function setup() {
  createCanvas(W, H);
  noLoop();
}

function draw() {
  background(255);
  trapezoid(ENC.x0, WIDE, ENC.x1, NARROW, "#9ecae1");
  trapezoid(DEC.x0, NARROW, DEC.x1, WIDE, "#fdae6b");
  stroke(40);
  fill("#e5e5e5");
  rect(180, MID - NARROW, 40, 2 * NARROW);
  textAlign(CENTER, CENTER);
  textSize(16);
  noStroke();
  fill(0);
  text("Encoder", (ENC.x0 + ENC.x1) / 2, MID);
  text("Decoder", (DEC.x0 + DEC.x1) / 2, MID);
  text("z", 200, MID);
  text("x", 30, MID);
  text("x'", 370, MID);
}

function trapezoid(xa, ha, xb, hb, c) {
  stroke(40);
  fill(c);
  beginShape();
  vertex(xa, MID - ha);
  vertex(xb, MID - hb);
  vertex(xb, MID + hb);
  vertex(xa, MID + ha);
  endShape(CLOSE);
}
