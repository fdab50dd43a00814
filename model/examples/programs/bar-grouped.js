/* example
{"tags": ["bar chart", "grouped bars", "legend", "comparison", "two series"],
 "caption_en": "A grouped bar chart comparing two models (Model A in blue, Model B in orange) on three datasets D1, D2, D3, with a legend.",
 "caption_ja": "2つのモデル（Model Aは青、Model Bはオレンジ）を3つのデータセットD1, D2, D3で比べる集合棒グラフ。凡例付き。",
 "checks": [{"type": "count", "select": {"kind": "rect", "color": "blue"}, "min": 3},
            {"type": "count", "select": {"kind": "rect", "color": "orange"}, "min": 3},
            {"type": "text", "labels": ["D1", "D2", "D3", "Model A", "Model B"]}]}
*/
// Grouped bars: one group per dataset, one bar per model.
const W = 400, H = 400;
const GROUPS = ["D1", "D2", "D3"];
const SERIES = [{ name: "Model A", c: "#3366cc", v: [0.72, 0.81, 0.65] },
                { name: "Model B", c: "#ff9900", v: [0.68, 0.86, 0.74] }];
const LEFT = 50, BASE = 340, TOP = 80, SLOT = 110, BAR_W = 36;

function setup() {
  createCanvas(W, H);
  noLoop();
}

function draw() {
  background(255);
  stroke(0);
  line(LEFT, BASE, W - 20, BASE);
  line(LEFT, BASE, LEFT, TOP - 20);
  GROUPS.forEach((g, i) => group(g, LEFT + 20 + i * SLOT, i));
  legend();
}

function group(name, x, i) {
  SERIES.forEach((s, k) => {
    const top = map(s.v[i], 0, 1, BASE, TOP);
    noStroke();
    fill(s.c);
    rect(x + k * BAR_W, top, BAR_W - 4, BASE - top);
  });
  fill(0);
  textAlign(CENTER, TOP);
  textSize(13);
  text(name, x + BAR_W, BASE + 8);
}

function legend() {
  SERIES.forEach((s, k) => {
    noStroke();
    fill(s.c);
    rect(250, 20 + k * 22, 14, 14);
    fill(0);
    textAlign(LEFT, CENTER);
    textSize(13);
    text(s.name, 270, 27 + k * 22);
  });
}
