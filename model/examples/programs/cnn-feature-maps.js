/* example
{"tags": ["cnn", "feature maps", "stacked", "convolution", "3d layers"],
 "caption_en": "CNN feature maps drawn as stacks of squares that get smaller and deeper: 32x32 input, 16x16x8 and 8x8x16 maps, then a dense layer.",
 "caption_ja": "CNNの特徴マップを重なった四角の束で描く。32x32の入力、16x16x8、8x8x16と小さく深くなり、最後に全結合層。",
 "checks": [{"type": "count", "select": {"kind": "rect"}, "min": 10},
            {"type": "text", "labels": ["32x32", "16x16x8", "8x8x16", "dense"]},
            {"type": "inside_canvas"}]}
*/
// CNN feature maps as stacks of offset squares.
const W = 400, H = 400;
const MAPS = [
  { label: "32x32", size: 100, depth: 1 },
  { label: "16x16x8", size: 64, depth: 4 },
  { label: "8x8x16", size: 40, depth: 6 },
];
const OFFSET = 6;

function setup() {
  createCanvas(W, H);
  noLoop();
}

function draw() {
  background(255);
  let x = 20;
  for (const m of MAPS) {
    drawStack(x, H / 2 - m.size / 2, m);
    x += m.size + m.depth * OFFSET + 20;
  }
  drawDense(x + 10);
}

function drawStack(x, y, m) {
  stroke(40);
  for (let k = m.depth - 1; k >= 0; k--) {
    fill(k === 0 ? "#9ecae1" : "#c6dbef");
    rect(x + k * OFFSET, y - k * OFFSET, m.size, m.size);
  }
  noStroke();
  fill(0);
  textAlign(LEFT, TOP);
  textSize(12);
  text(m.label, x, y + m.size + 10);
}

function drawDense(x) {
  stroke(40);
  fill("#fdd0a2");
  rect(x, H / 2 - 60, 20, 120);
  noStroke();
  fill(0);
  textAlign(CENTER, TOP);
  text("dense", x + 10, H / 2 + 70);
}
