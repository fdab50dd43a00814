/* example
{"tags": ["histogram", "japanese", "ヒストグラム", "身長", "度数分布"],
 "caption_en": "A Japanese histogram of heights in five classes 150–160 … 190–200 cm with frequencies 4, 10, 14, 8, 2, titled and with axis labels.",
 "caption_ja": "身長のヒストグラム。150〜160から190〜200 cmの5階級で度数は4, 10, 14, 8, 2。タイトルと軸ラベル（身長、度数）付き。",
 "checks": [{"type": "bars", "count": 5, "values": [4, 10, 14, 8, 2]},
            {"type": "text", "labels": ["身長", "度数", "150", "200"]}]}
*/
// 身長のヒストグラム（隣り合う棒）
const W = 400, H = 400;
const EDGES = [150, 160, 170, 180, 190, 200];
const FREQ = [4, 10, 14, 8, 2];
const LEFT = 60, RIGHT = 370, TOP = 70, BASE = 330, MAX_F = 16;

function setup() {
  createCanvas(W, H);
  noLoop();
}

function draw() {
  background(255);
  const bw = (RIGHT - LEFT) / FREQ.length;
  stroke(40);
  fill("#74c476");
  FREQ.forEach((f, i) => {
    const top = map(f, 0, MAX_F, BASE, TOP);
    rect(LEFT + i * bw, top, bw, BASE - top);
  });
  labels(bw);
}

function labels(bw) {
  stroke(0);
  line(LEFT, BASE, RIGHT, BASE);
  line(LEFT, BASE, LEFT, TOP);
  noStroke();
  fill(0);
  textSize(12);
  textAlign(CENTER, TOP);
  EDGES.forEach((e, i) => text(e, LEFT + i * bw, BASE + 6));
  text("身長 (cm)", (LEFT + RIGHT) / 2, BASE + 26);
  textAlign(RIGHT, CENTER);
  for (let f = 4; f <= MAX_F; f += 4) text(f, LEFT - 6, map(f, 0, MAX_F, BASE, TOP));  // 0 は角にあるので省く
  text("度数", LEFT - 8, TOP - 16);
  textSize(18);
  textAlign(CENTER, CENTER);
  text("身長の分布", W / 2, 30);
}
