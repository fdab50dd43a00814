/* example
{"tags": ["optics", "lens", "japanese", "凸レンズ", "光線", "焦点", "平行光"],
 "caption_en": "Parallel light rays through a convex lens in Japanese: five horizontal rays from the left bend at the lens and meet at the focal point, labelled 凸レンズ, 焦点 and 光軸.",
 "caption_ja": "凸レンズを通る平行光線。左から来る5本の水平な光線がレンズで曲がり焦点に集まる。凸レンズ、焦点、光軸のラベル付き。",
 "checks": [{"type": "text", "labels": ["凸レンズ", "焦点", "光軸"]},
            {"type": "count", "select": {"kind": "line", "color": "orange"}, "min": 10}]}
*/
// 平行光線が凸レンズで焦点に集まる
const W = 400, H = 400;
const AXIS_Y = 200, LENS_X = 170, FOCUS_X = 310;
const RAYS = [-80, -40, 0, 40, 80];   // 光軸からの高さ

function setup() {
  createCanvas(W, H);
  noLoop();
}

function draw() {
  background(255);
  stroke(120);
  line(10, AXIS_Y, 390, AXIS_Y);
  stroke(60);
  fill(210, 230, 255);
  ellipse(LENS_X, AXIS_Y, 34, 230);
  stroke("#ff8c00");
  strokeWeight(2);
  for (const h of RAYS) ray(h);
  strokeWeight(1);
  noStroke();
  fill(0);
  circle(FOCUS_X, AXIS_Y, 8);
  textAlign(CENTER, CENTER);
  textSize(15);
  text("凸レンズ", LENS_X, AXIS_Y - 135);
  text("焦点", FOCUS_X, AXIS_Y + 20);
  text("光軸", 370, AXIS_Y - 14);
}

// 光軸から高さ h の平行光線: レンズまで直進し、そこから焦点へ
function ray(h) {
  line(20, AXIS_Y + h, LENS_X, AXIS_Y + h);
  line(LENS_X, AXIS_Y + h, FOCUS_X, AXIS_Y);
}
