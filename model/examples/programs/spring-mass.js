/* example
{"tags": ["physics", "spring", "mass", "oscillator", "hooke", "wall", "zigzag"],
 "caption_en": "Hooke's-law oscillator lying flat: hatched support at left, zig-zag coil labelled k, a square mass m sliding on the ground, and an arrow x showing how far it moved.",
 "caption_ja": "水平のばね振り子。左に斜線の壁、ばね定数kのジグザグのばね、床の上の質量mのブロック、変位xを矢印で示す。",
 "checks": [{"type": "text", "labels": ["k", "m", "x"]},
            {"type": "count", "select": {"kind": "rect"}, "min": 2}]}
*/
// Spring-mass system: wall, zig-zag spring, block, displacement arrow.
const W = 400, H = 400;
const WALL_X = 50, FLOOR_Y = 260, BLOCK = 80;
const SPRING_END = 230, COILS = 8;

function setup() {
  createCanvas(W, H);
  noLoop();
}

function draw() {
  background(255);
  wall();
  spring(WALL_X, SPRING_END, FLOOR_Y - BLOCK / 2);
  stroke(0);
  fill("#c6dbef");
  rect(SPRING_END, FLOOR_Y - BLOCK, BLOCK, BLOCK);
  label("m", SPRING_END + BLOCK / 2, FLOOR_Y - BLOCK / 2);
  label("k", (WALL_X + SPRING_END) / 2, FLOOR_Y - BLOCK / 2 - 34);
  displacement();
}

function wall() {
  stroke(0);
  fill(200);
  rect(WALL_X - 20, 120, 20, FLOOR_Y - 120);
  line(WALL_X - 20, FLOOR_Y, 380, FLOOR_Y);
}

function spring(x1, x2, y) {
  const step = (x2 - x1) / (COILS * 2);
  stroke(0);
  strokeWeight(2);
  noFill();
  beginShape();
  vertex(x1, y);
  for (let i = 1; i < COILS * 2; i++) vertex(x1 + i * step, y + (i % 2 ? -14 : 14));
  vertex(x2, y);
  endShape();
  strokeWeight(1);
}

function displacement() {
  const y = FLOOR_Y + 40;
  stroke(0);
  line(SPRING_END, FLOOR_Y + 10, SPRING_END, y + 10);
  line(SPRING_END, y, SPRING_END + 70, y);
  fill(0);
  triangle(SPRING_END + 70, y, SPRING_END + 60, y - 5, SPRING_END + 60, y + 5);
  label("x", SPRING_END + 35, y + 16);
}

function label(s, x, y) {
  noStroke();
  fill(0);
  textAlign(CENTER, CENTER);
  textSize(18);
  text(s, x, y);
}
