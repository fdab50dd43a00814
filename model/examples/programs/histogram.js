/* example
{"tags": ["histogram", "distribution", "bins", "frequency", "adjacent bars"],
 "caption_en": "A histogram of exam scores with six adjacent bins 40–50 … 90–100 and counts 2, 5, 9, 12, 7, 3, with 'score' and 'count' axis labels.",
 "caption_ja": "試験の点数のヒストグラム。40〜50から90〜100までの6つの隣り合う階級で度数は2, 5, 9, 12, 7, 3。軸ラベルscoreとcount。",
 "checks": [{"type": "bars", "count": 6, "values": [2, 5, 9, 12, 7, 3]},
            {"type": "text", "labels": ["score", "count", "40", "100"]}]}
*/
// Histogram: bars touch each other, bin edges on the x axis.
const W = 400, H = 400;
const EDGES = [40, 50, 60, 70, 80, 90, 100];
const COUNTS = [2, 5, 9, 12, 7, 3];
const LEFT = 60, RIGHT = 370, TOP = 40, BASE = 330, MAX_C = 14;

function setup() {
  createCanvas(W, H);
  noLoop();
}

function draw() {
  background(255);
  const bw = (RIGHT - LEFT) / COUNTS.length;
  COUNTS.forEach((c, i) => {
    const top = map(c, 0, MAX_C, BASE, TOP);
    stroke(255);
    fill("#6a51a3");
    rect(LEFT + i * bw, top, bw, BASE - top);
  });
  axes(bw);
}

function axes(bw) {
  stroke(0);
  line(LEFT, BASE, RIGHT, BASE);
  line(LEFT, BASE, LEFT, TOP);
  noStroke();
  fill(0);
  textSize(11);
  textAlign(CENTER, TOP);
  EDGES.forEach((e, i) => text(e, LEFT + i * bw, BASE + 6));
  textAlign(RIGHT, CENTER);
  for (let c = 2; c <= MAX_C; c += 2) text(c, LEFT - 6, map(c, 0, MAX_C, BASE, TOP));  // 0 sits at the corner
  textSize(14);
  textAlign(CENTER, TOP);
  text("score", (LEFT + RIGHT) / 2, BASE + 26);
  textAlign(LEFT, BOTTOM);
  text("count", LEFT - 20, TOP - 10);
}
