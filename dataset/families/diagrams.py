"""Node-and-edge diagrams: flowcharts, trees, graphs, state machines and timelines."""
from __future__ import annotations

import math
import random
from typing import Any, Sequence

from ._base import (
    ARROW_FN,
    CANVASES,
    Edit,
    Family,
    calls,
    color_iro,
    color_ja,
    copy_params,
    expect_count,
    expect_texts,
    hex_of,
    p5_program,
    pick_color,
    texts,
)

_FLOWS = [
    (["Load data", "Clean data", "Train model", "Evaluate"], "Accuracy > 90%?", 2, "データ読み込みから評価までの機械学習"),
    (["Read input", "Tokenize", "Parse", "Generate code"], "Syntax OK?", 1, "コンパイラの処理"),
    (["Collect samples", "Measure", "Analyse", "Write report"], "Significant?", 1, "実験"),
    (["Boil water", "Add tea leaves", "Steep 3 min", "Pour"], "Strong enough?", 2, "お茶を淹れる手順"),
    (["Initialize", "Compute gradient", "Update weights"], "Converged?", 1, "勾配降下法"),
]
_FLOW_EN = ["a machine-learning workflow", "a compiler pipeline", "an experiment", "making tea", "gradient descent"]


def _ja_color(c: str) -> str:
    return f"{color_ja(c)}くして" if c in ("red", "blue") else f"{color_ja(c)}にして"


class Flowchart(Family):
    """Start → process steps → optional decision that loops back → End."""

    name = "flowchart"

    def sample(self, rng: random.Random) -> dict:
        t = rng.randrange(len(_FLOWS))
        steps = _FLOWS[t][0]
        n = rng.randint(max(2, _FLOWS[t][2] + 1), len(steps))
        c = pick_color(rng)
        return {"canvas": list(rng.choice([(400, 500), (420, 520), (440, 540)])), "theme": t, "n_steps": n,
                "decision": rng.random() < 0.6, "box_color": c,
                "decision_color": pick_color(rng, exclude=[c])}

    def _steps(self, p: dict) -> list[str]:
        return _FLOWS[p["theme"]][0][:p["n_steps"]]

    def code(self, p: dict) -> str:
        w, h = p["canvas"]
        steps = self._steps(p)
        consts: list[tuple[str, Any]] = [("W", w), ("H", h), ("STEPS", steps), ("BOX_W", 150), ("BOX_H", 34),
                                         ("BOX_COLOR", hex_of(p["box_color"])), ("ARROW_SIZE", 7)]
        if p["decision"]:
            consts += [("QUESTION", _FLOWS[p["theme"]][1]), ("LOOP_TO", min(_FLOWS[p["theme"]][2], len(steps) - 1)),
                       ("DECISION_COLOR", hex_of(p["decision_color"]))]
        n_items = len(steps) + 2 + (1 if p["decision"] else 0)
        body = f"""function draw() {{
  background(255);
  textSize(13);
  textAlign(CENTER, CENTER);
  const cx = W / 2;
  const step = (H - 60) / {n_items - 1};
  const yOf = (i) => 30 + i * step;
  stroke(40);
  strokeWeight(1.5);
  fill(230);
  ellipse(cx, yOf(0), 110, 34);
  noStroke();
  fill(20);
  text("Start", cx, yOf(0));
  for (let i = 0; i < STEPS.length; i++) {{
    const y = yOf(i + 1);
    stroke(40);
    fill(40);
    drawArrow(cx, yOf(i) + 17, cx, y - BOX_H / 2);
    fill(BOX_COLOR);
    rect(cx - BOX_W / 2, y - BOX_H / 2, BOX_W, BOX_H, 4);
    noStroke();
    fill(20);
    text(STEPS[i], cx, y);
  }}
"""
        if p["decision"]:
            body += """  // Decision diamond: "No" loops back to an earlier step, "Yes" goes on to the end.
  const dy = yOf(STEPS.length + 1);
  stroke(40);
  fill(40);
  drawArrow(cx, yOf(STEPS.length) + BOX_H / 2, cx, dy - 28);
  fill(DECISION_COLOR);
  quad(cx, dy - 28, cx + 85, dy, cx, dy + 28, cx - 85, dy);
  noStroke();
  fill(20);
  text(QUESTION, cx, dy);
  const backY = yOf(LOOP_TO + 1);
  stroke(40);
  noFill();
  line(cx + 85, dy, cx + 130, dy);
  line(cx + 130, dy, cx + 130, backY);
  fill(40);
  drawArrow(cx + 130, backY, cx + BOX_W / 2, backY);
  noStroke();
  fill(20);
  text("No", cx + 108, dy - 10);
  text("Yes", cx + 18, dy + 38);
  const last = dy + 28;
"""
        else:
            body += """  const last = yOf(STEPS.length) + BOX_H / 2;
"""
        body += """  const endY = H - 30;
  stroke(40);
  fill(40);
  drawArrow(cx, last, cx, endY - 17);
  fill(230);
  ellipse(cx, endY, 110, 34);
  noStroke();
  fill(20);
  text("End", cx, endY);
}
"""
        return p5_program("Flowchart: " + " -> ".join(steps), consts, body, [ARROW_FN])

    def caption(self, p: dict) -> tuple[str, str]:
        steps = self._steps(p)
        en = f"A flowchart of {_FLOW_EN[p['theme']]}: Start, " + ", ".join(steps)
        ja = f"{_FLOWS[p['theme']][3]}のフローチャート：開始、" + "、".join(steps)
        if p["decision"]:
            back = steps[min(_FLOWS[p["theme"]][2], len(steps) - 1)]
            en += f", then the decision \"{_FLOWS[p['theme']][1]}\" (No loops back to {back})"
            ja += f"、判断「{_FLOWS[p['theme']][1]}」（Noなら{back}に戻る）"
        return en + ", End.", ja + "、終了。"

    def instructions(self, p: dict) -> tuple[list[str], list[str]]:
        steps = self._steps(p)
        chain = " → ".join(steps)
        dec_en = f" Add a decision \"{_FLOWS[p['theme']][1]}\" that loops back when the answer is No." \
            if p["decision"] else ""
        dec_ja = f"最後に「{_FLOWS[p['theme']][1]}」の判断を入れ、Noなら前の手順に戻して。" if p["decision"] else ""
        en = [f"Draw a flowchart: Start → {chain} → End.{dec_en}",
              f"Make a flowchart of {_FLOW_EN[p['theme']]} with {len(steps)} steps.{dec_en}",
              f"Create a vertical process diagram with the boxes {', '.join(steps)}."]
        ja = [f"フローチャートを描いて：開始→{'→'.join(steps)}→終了。{dec_ja}",
              f"{_FLOWS[p['theme']][3]}を{len(steps)}ステップのフローチャートにして。{dec_ja}",
              f"{'、'.join(steps)}の箱を縦に並べた処理の流れ図を作って"]
        return en, ja

    def edits(self, p: dict, rng: random.Random) -> list[Edit]:
        out = []
        q = copy_params(p)
        q["decision"] = not p["decision"]
        out.append(Edit(q, f"Add a decision \"{_FLOWS[p['theme']][1]}\" before End that loops back on No."
                        if q["decision"] else "Remove the decision diamond.",
                        f"終了の前に「{_FLOWS[p['theme']][1]}」の判断を追加して、Noなら戻るようにして"
                        if q["decision"] else "判断のひし形を削除して"))
        c = pick_color(rng, exclude=[p["box_color"], p["decision_color"]])
        q = copy_params(p)
        q["box_color"] = c
        out.append(Edit(q, f"Make the process boxes {c}.", "処理の箱を" + _ja_color(c)))
        all_steps = _FLOWS[p["theme"]][0]
        if p["n_steps"] < len(all_steps):
            q = copy_params(p)
            q["n_steps"] += 1
            out.append(Edit(q, f"Add a \"{all_steps[p['n_steps']]}\" step at the end.",
                            f"最後に「{all_steps[p['n_steps']]}」のステップを追加して"))
        if p["n_steps"] > max(2, _FLOWS[p["theme"]][2] + 1):
            q = copy_params(p)
            q["n_steps"] -= 1
            out.append(Edit(q, f"Remove the \"{all_steps[p['n_steps'] - 1]}\" step.",
                            f"「{all_steps[p['n_steps'] - 1]}」のステップを削除して"))
        return out

    def check(self, p: dict, trace: Sequence[Any]) -> list[str]:
        problems: list[str] = []
        steps = self._steps(p)
        expect_count(problems, "process boxes", len(calls(trace, "rect")), len(steps))
        expect_count(problems, "terminals", len(calls(trace, "ellipse")), 2)
        expect_count(problems, "decisions", len(calls(trace, "quad")), 1 if p["decision"] else 0)
        want = steps + ["Start", "End"] + ([_FLOWS[p["theme"]][1], "Yes", "No"] if p["decision"] else [])
        expect_texts(problems, trace, want)
        return problems


class Tree(Family):
    """A complete k-ary tree drawn level by level."""

    name = "tree"

    def sample(self, rng: random.Random) -> dict:
        b = rng.choice([2, 2, 3])
        depth = rng.randint(2, 4 if b == 2 else 3)
        return {"canvas": list(rng.choice(CANVASES)), "branching": b, "depth": depth,
                "labels": rng.choice(["numbers", "letters", "none"]), "node_color": pick_color(rng),
                "node_d": rng.choice([22, 26, 30])}

    def code(self, p: dict) -> str:
        w, h = p["canvas"]
        consts: list[tuple[str, Any]] = [("W", w), ("H", h), ("BRANCHING", p["branching"]), ("DEPTH", p["depth"]),
                                         ("NODE_D", p["node_d"]), ("NODE_COLOR", hex_of(p["node_color"]))]
        helpers = ["""function nodePos(level, i) {
  // Level `level` has BRANCHING^level nodes spread evenly across the width.
  const count = pow(BRANCHING, level);
  const x = ((i + 0.5) * W) / count;
  const y = map(level, 0, DEPTH - 1, 40, H - 40);
  return [x, y];
}"""]
        if p["labels"] == "letters":
            helpers.append("""function nodeLabel(n) {
  return String.fromCharCode(65 + n);
}""")
        elif p["labels"] == "numbers":
            helpers.append("""function nodeLabel(n) {
  return String(n + 1);
}""")
        body = """function draw() {
  background(255);
  // Edges from every node to its parent.
  stroke(90);
  strokeWeight(1.5);
  for (let level = 1; level < DEPTH; level++) {
    for (let i = 0; i < pow(BRANCHING, level); i++) {
      const [x, y] = nodePos(level, i);
      const [px, py] = nodePos(level - 1, floor(i / BRANCHING));
      line(px, py, x, y);
    }
  }
"""
        if p["labels"] != "none":
            body += """  let n = 0;
  textAlign(CENTER, CENTER);
  textSize(12);
"""
        body += """  for (let level = 0; level < DEPTH; level++) {
    for (let i = 0; i < pow(BRANCHING, level); i++) {
      const [x, y] = nodePos(level, i);
      stroke(40);
      fill(NODE_COLOR);
      circle(x, y, NODE_D);
"""
        if p["labels"] != "none":
            body += """      noStroke();
      fill(255);
      text(nodeLabel(n), x, y);
      n++;
"""
        body += "    }\n  }\n}\n"
        kind = {2: "Binary", 3: "Ternary"}[p["branching"]]
        return p5_program(f"{kind} tree with {p['depth']} levels", consts, body, helpers)

    def _n(self, p: dict) -> int:
        return sum(p["branching"] ** i for i in range(p["depth"]))

    def caption(self, p: dict) -> tuple[str, str]:
        kind_en = {2: "binary", 3: "ternary"}[p["branching"]]
        kind_ja = {2: "二分木", 3: "三分木"}[p["branching"]]
        lab_en = {"numbers": ", nodes numbered in level order", "letters": ", nodes lettered A, B, C, …",
                  "none": ""}[p["labels"]]
        lab_ja = {"numbers": "（ノードに幅優先順の番号）", "letters": "（ノードにA, B, C, …のラベル）", "none": ""}[p["labels"]]
        return (f"A complete {kind_en} tree with {p['depth']} levels and {self._n(p)} nodes{lab_en}.",
                f"{p['depth']}段・{self._n(p)}ノードの完全{kind_ja}{lab_ja}。")

    def instructions(self, p: dict) -> tuple[list[str], list[str]]:
        kind_en = {2: "binary", 3: "ternary"}[p["branching"]]
        kind_ja = {2: "二分木", 3: "三分木"}[p["branching"]]
        en = [f"Draw a complete {kind_en} tree of depth {p['depth']}.",
              f"Make a tree diagram where each node has {p['branching']} children, {p['depth']} levels deep.",
              f"Illustrate a {kind_en} tree with {self._n(p)} {p['node_color']} nodes."]
        ja = [f"深さ{p['depth']}の完全{kind_ja}を描いて",
              f"各ノードが{p['branching']}つの子を持つ{p['depth']}段の木構造の図を作って",
              f"{color_iro(p['node_color'])}のノード{self._n(p)}個の{kind_ja}を図示して"]
        return en, ja

    def edits(self, p: dict, rng: random.Random) -> list[Edit]:
        out = []
        max_depth = 4 if p["branching"] == 2 else 3
        if p["depth"] < max_depth:
            q = copy_params(p)
            q["depth"] += 1
            out.append(Edit(q, "Add one more level to the tree.", "木をもう1段深くして"))
        if p["depth"] > 2:
            q = copy_params(p)
            q["depth"] -= 1
            out.append(Edit(q, "Remove the bottom level.", "一番下の段を削除して"))
        c = pick_color(rng, exclude=[p["node_color"]])
        q = copy_params(p)
        q["node_color"] = c
        out.append(Edit(q, f"Make the nodes {c}.", "ノードを" + _ja_color(c)))
        for lab, en, ja in [("numbers", "Number the nodes in level order.", "ノードに幅優先順で番号を振って"),
                            ("letters", "Label the nodes with letters A, B, C, ….", "ノードにA, B, C…とラベルを付けて"),
                            ("none", "Remove the node labels.", "ノードのラベルを消して")]:
            if lab != p["labels"]:
                q = copy_params(p)
                q["labels"] = lab
                out.append(Edit(q, en, ja))
        return out

    def check(self, p: dict, trace: Sequence[Any]) -> list[str]:
        problems: list[str] = []
        n = self._n(p)
        circles = calls(trace, "circle")
        expect_count(problems, "nodes", len(circles), n)
        expect_count(problems, "edges", len(calls(trace, "line")), n - 1)
        levels: dict[int, int] = {}
        for c in circles:
            levels[round(float(c.args[1]))] = levels.get(round(float(c.args[1])), 0) + 1
        want = [p["branching"] ** i for i in range(p["depth"])]
        if [levels[y] for y in sorted(levels)] != want:
            problems.append(f"nodes per level {[levels[y] for y in sorted(levels)]}, parameters say {want}")
        if p["labels"] != "none":
            expect_count(problems, "labels", len(texts(trace)), n)
        return problems


class Graph(Family):
    """Nodes on a circle joined by (optionally directed, weighted) edges."""

    name = "graph"

    def sample(self, rng: random.Random) -> dict:
        n = rng.randint(4, 8)
        pairs = [(i, j) for i in range(n) for j in range(i + 1, n)]
        m = rng.randint(n - 1, min(len(pairs), 2 * n))
        edges = sorted(rng.sample(pairs, m))
        if rng.random() < 0.5:
            edges = [[j, i] if rng.random() < 0.5 else [i, j] for i, j in edges]
        return {"canvas": list(rng.choice(CANVASES)), "n": n, "edges": [list(e) for e in edges],
                "directed": rng.random() < 0.4, "weights": [rng.randint(1, 9) for _ in edges] if rng.random() < 0.4
                else [], "node_color": pick_color(rng)}

    def code(self, p: dict) -> str:
        w, h = p["canvas"]
        consts: list[tuple[str, Any]] = [("W", w), ("H", h), ("N_NODES", p["n"]), ("EDGES", p["edges"]),
                                         ("NODE_D", 34), ("NODE_COLOR", hex_of(p["node_color"]))]
        if p["weights"]:
            consts.append(("WEIGHTS", p["weights"]))
        if p["directed"]:
            consts.append(("ARROW_SIZE", 8))
        helpers = ["""function nodePos(i) {
  // Nodes sit evenly on a circle, the first one at the top.
  const a = -HALF_PI + (TWO_PI * i) / N_NODES;
  const r = min(W, H) * 0.36;
  return createVector(W / 2 + r * cos(a), H / 2 + r * sin(a));
}"""]
        if p["directed"]:
            helpers.append(ARROW_FN)
        body = """function draw() {
  background(255);
  stroke(70);
  strokeWeight(1.5);
  for (let e = 0; e < EDGES.length; e++) {
    const a = nodePos(EDGES[e][0]);
    const b = nodePos(EDGES[e][1]);
"""
        if p["directed"]:
            body += """    // Stop the arrow at the rim of the target node.
    const dir = p5.Vector.sub(b, a).setMag(NODE_D / 2 + 2);
    fill(70);
    drawArrow(a.x, a.y, b.x - dir.x, b.y - dir.y);
"""
        else:
            body += """    line(a.x, a.y, b.x, b.y);
"""
        if p["weights"]:
            body += """    noStroke();
    fill(200, 30, 30);
    textSize(13);
    textAlign(CENTER, CENTER);
    text(WEIGHTS[e], (a.x + b.x) / 2 + 8, (a.y + b.y) / 2 - 8);
    stroke(70);
"""
        body += """  }
  textSize(14);
  textAlign(CENTER, CENTER);
  for (let i = 0; i < N_NODES; i++) {
    const v = nodePos(i);
    stroke(40);
    fill(NODE_COLOR);
    circle(v.x, v.y, NODE_D);
    noStroke();
    fill(255);
    text(String.fromCharCode(65 + i), v.x, v.y);
  }
}
"""
        kind = ("Weighted " if p["weights"] else "") + ("directed" if p["directed"] else "undirected")
        return p5_program(f"{kind} graph with {p['n']} nodes and {len(p['edges'])} edges", consts, body, helpers)

    def _edge_list(self, p: dict) -> str:
        sep = "→" if p["directed"] else "-"
        return ", ".join(f"{chr(65 + a)}{sep}{chr(65 + b)}" for a, b in p["edges"])

    def caption(self, p: dict) -> tuple[str, str]:
        kind_en = ("weighted " if p["weights"] else "") + ("directed" if p["directed"] else "undirected")
        kind_ja = ("重み付き" if p["weights"] else "") + ("有向" if p["directed"] else "無向")
        return (f"A {kind_en} graph with {p['n']} nodes (A–{chr(64 + p['n'])}) and {len(p['edges'])} edges: "
                f"{self._edge_list(p)}.",
                f"{p['n']}個のノード（A〜{chr(64 + p['n'])}）と{len(p['edges'])}本の辺（{self._edge_list(p)}）を持つ{kind_ja}グラフ。")

    def instructions(self, p: dict) -> tuple[list[str], list[str]]:
        kind_en = ("weighted " if p["weights"] else "") + ("directed" if p["directed"] else "undirected")
        kind_ja = ("重み付き" if p["weights"] else "") + ("有向" if p["directed"] else "無向")
        en = [f"Draw a {kind_en} graph with {p['n']} nodes and edges {self._edge_list(p)}.",
              f"Make a network diagram: nodes A to {chr(64 + p['n'])} on a circle, edges {self._edge_list(p)}.",
              f"Illustrate a graph with {p['n']} vertices and {len(p['edges'])} edges."]
        ja = [f"ノード{p['n']}個、辺{self._edge_list(p)}の{kind_ja}グラフを描いて",
              f"A〜{chr(64 + p['n'])}のノードを円周上に並べ、{self._edge_list(p)}を結んだネットワーク図を作って",
              f"頂点{p['n']}個・辺{len(p['edges'])}本のグラフを図示して"]
        return en, ja

    def edits(self, p: dict, rng: random.Random) -> list[Edit]:
        out = []
        q = copy_params(p)
        q["directed"] = not p["directed"]
        out.append(Edit(q, "Make the edges directed with arrowheads." if q["directed"] else
                        "Make the graph undirected (no arrowheads).",
                        "辺を矢印付きの有向辺にして" if q["directed"] else "矢印をなくして無向グラフにして"))
        c = pick_color(rng, exclude=[p["node_color"]])
        q = copy_params(p)
        q["node_color"] = c
        out.append(Edit(q, f"Make the nodes {c}.", "ノードを" + _ja_color(c)))
        existing = {tuple(sorted(e)) for e in p["edges"]}
        free = [(i, j) for i in range(p["n"]) for j in range(i + 1, p["n"]) if (i, j) not in existing]
        if free:
            i, j = rng.choice(free)
            q = copy_params(p)
            q["edges"].append([i, j])
            if q["weights"]:
                q["weights"].append(rng.randint(1, 9))
            out.append(Edit(q, f"Add an edge from {chr(65 + i)} to {chr(65 + j)}.",
                            f"{chr(65 + i)}と{chr(65 + j)}を結ぶ辺を追加して"))
        if not p["weights"]:
            q = copy_params(p)
            q["weights"] = [rng.randint(1, 9) for _ in p["edges"]]
            out.append(Edit(q, "Write a weight on every edge.", "各辺に重みを書いて"))
        return out

    def check(self, p: dict, trace: Sequence[Any]) -> list[str]:
        problems: list[str] = []
        expect_count(problems, "nodes", len(calls(trace, "circle")), p["n"])
        expect_count(problems, "edges", len(calls(trace, "line")), len(p["edges"]))
        expect_count(problems, "arrowheads", len(calls(trace, "triangle")), len(p["edges"]) if p["directed"] else 0)
        expect_texts(problems, trace, [chr(65 + i) for i in range(p["n"])])
        return problems


class StateMachine(Family):
    """A finite automaton: states in a row, forward transitions, self-loops, a start arrow, accepting states."""

    name = "state_machine"

    def sample(self, rng: random.Random) -> dict:
        n = rng.randint(2, 5)
        alphabet = rng.choice([["a", "b"], ["0", "1"], ["x", "y"]])
        return {"canvas": list(rng.choice([(520, 260), (600, 300), (560, 280)])), "n": n,
                "symbols": [rng.choice(alphabet) for _ in range(n - 1)],
                "loops": sorted(rng.sample(range(n), rng.randint(0, n))), "loop_symbol": alphabet[1],
                "accepting": [n - 1] if rng.random() < 0.8 else sorted(rng.sample(range(n), 2 if n > 2 else 1)),
                "state_color": pick_color(rng)}

    def code(self, p: dict) -> str:
        w, h = p["canvas"]
        consts: list[tuple[str, Any]] = [
            ("W", w), ("H", h), ("N_STATES", p["n"]), ("SYMBOLS", p["symbols"]), ("LOOPS", p["loops"]),
            ("LOOP_SYMBOL", p["loop_symbol"]), ("ACCEPTING", p["accepting"]), ("STATE_D", 50),
            ("STATE_COLOR", hex_of(p["state_color"])), ("ARROW_SIZE", 8),
        ]
        helpers = [ARROW_FN, """function stateX(i) {
  return map(i, 0, max(1, N_STATES - 1), 90, W - 70);
}"""]
        body = """function draw() {
  background(255);
  const y = H / 2 + 20;
  const r = STATE_D / 2;
  stroke(40);
  strokeWeight(1.5);
  fill(40);
  // Start arrow into the first state.
  drawArrow(stateX(0) - r - 40, y, stateX(0) - r - 2, y);
  textAlign(CENTER, CENTER);
  textSize(14);
  for (let i = 0; i < N_STATES - 1; i++) {
    stroke(40);
    fill(40);
    drawArrow(stateX(i) + r, y, stateX(i + 1) - r - 2, y);
    noStroke();
    text(SYMBOLS[i], (stateX(i) + stateX(i + 1)) / 2, y - 12);
  }
  for (const i of LOOPS) {
    // Self-loop: an open arc above the state with its arrowhead on the right.
    stroke(40);
    noFill();
    arc(stateX(i), y - r - 12, 30, 34, PI * 0.8, PI * 2.2);
    fill(40);
    push();
    translate(stateX(i) + 9, y - r - 2);
    rotate(HALF_PI + 0.4);
    triangle(0, 0, -ARROW_SIZE, -ARROW_SIZE / 2, -ARROW_SIZE, ARROW_SIZE / 2);
    pop();
    noStroke();
    text(LOOP_SYMBOL, stateX(i), y - r - 40);
  }
  for (let i = 0; i < N_STATES; i++) {
    stroke(40);
    fill(STATE_COLOR);
    circle(stateX(i), y, STATE_D);
    if (ACCEPTING.includes(i)) {
      noFill();
      circle(stateX(i), y, STATE_D - 10);
    }
    noStroke();
    fill(20);
    text("q" + i, stateX(i), y);
  }
}
"""
        return p5_program(f"Finite state machine with {p['n']} states", consts, body, helpers)

    def caption(self, p: dict) -> tuple[str, str]:
        acc = ", ".join(f"q{i}" for i in p["accepting"])
        loops = ", ".join(f"q{i}" for i in p["loops"])
        en = f"A finite state machine with {p['n']} states q0–q{p['n'] - 1} in a row, start state q0, " \
             f"accepting state{'s' if len(p['accepting']) > 1 else ''} {acc}"
        ja = f"q0〜q{p['n'] - 1}の{p['n']}状態を横に並べた有限状態機械。開始状態はq0、受理状態は{acc}"
        if p["loops"]:
            en += f", and self-loops on {p['loop_symbol']} at {loops}"
            ja += f"、{loops}に{p['loop_symbol']}の自己ループ"
        return en + ".", ja + "。"

    def instructions(self, p: dict) -> tuple[list[str], list[str]]:
        trans = ", ".join(f"q{i}-{s}->q{i + 1}" for i, s in enumerate(p["symbols"]))
        en = [f"Draw a DFA with {p['n']} states; transitions {trans}" + (f"; self-loops on {p['loop_symbol']} at "
              + ", ".join(f"q{i}" for i in p["loops"]) if p["loops"] else "") + ".",
              f"Make a state machine diagram with {p['n']} states where q0 is the start state and "
              + ", ".join(f"q{i}" for i in p["accepting"]) + " accept.",
              "Illustrate an automaton: states in a row, double circles for accepting states."]
        ja = [f"{p['n']}状態のDFAを描いて。遷移は{trans}" + (f"、{'・'.join(f'q{i}' for i in p['loops'])}に"
              f"{p['loop_symbol']}の自己ループ" if p["loops"] else "") + "。",
              f"q0を開始状態、{'・'.join(f'q{i}' for i in p['accepting'])}を受理状態とする{p['n']}状態の状態遷移図を作って",
              "状態を横一列に並べ、受理状態を二重丸にしたオートマトンを図示して"]
        return en, ja

    def edits(self, p: dict, rng: random.Random) -> list[Edit]:
        out = []
        if p["n"] < 5:
            q = copy_params(p)
            q["n"] += 1
            q["symbols"].append(p["loop_symbol"])
            q["accepting"] = [p["n"]]
            out.append(Edit(q, f"Add a state q{p['n']} after q{p['n'] - 1} and make it the only accepting state.",
                            f"q{p['n'] - 1}の後に状態q{p['n']}を追加して、それだけを受理状態にして"))
        free = [i for i in range(p["n"]) if i not in p["loops"]]
        if free:
            i = rng.choice(free)
            q = copy_params(p)
            q["loops"] = sorted(p["loops"] + [i])
            out.append(Edit(q, f"Add a self-loop on q{i}.", f"q{i}に自己ループを追加して"))
        if p["loops"]:
            q = copy_params(p)
            q["loops"] = []
            out.append(Edit(q, "Remove all self-loops.", "自己ループをすべて削除して"))
        c = pick_color(rng, exclude=[p["state_color"]])
        q = copy_params(p)
        q["state_color"] = c
        out.append(Edit(q, f"Fill the states with {c}.", f"状態を{color_iro(c)}で塗って"))
        return out

    def check(self, p: dict, trace: Sequence[Any]) -> list[str]:
        problems: list[str] = []
        expect_count(problems, "circles", len(calls(trace, "circle")), p["n"] + len(p["accepting"]))
        expect_count(problems, "self-loops", len(calls(trace, "arc")), len(p["loops"]))
        expect_count(problems, "arrowheads", len(calls(trace, "triangle")), p["n"] + len(p["loops"]))
        expect_texts(problems, trace, [f"q{i}" for i in range(p["n"])] + p["symbols"])
        return problems


_EVENTS = [
    ("deep learning", "深層学習の歴史", [(1958, "Perceptron"), (1986, "Backprop"), (1998, "LeNet"), (2006, "DBN"),
                                    (2012, "AlexNet"), (2014, "GAN"), (2015, "ResNet"), (2017, "Transformer"),
                                    (2020, "GPT-3")]),
    ("physics", "物理学の歴史", [(1687, "Newton"), (1865, "Maxwell"), (1905, "Relativity"), (1925, "Quantum"),
                            (1964, "Higgs"), (2015, "LIGO")]),
    ("computing", "コンピュータの歴史", [(1936, "Turing"), (1945, "ENIAC"), (1958, "IC"), (1971, "Micro-CPU"),
                                 (1981, "IBM PC"), (1991, "WWW"), (2007, "iPhone")]),
    ("a project", "プロジェクト", [(2021, "Idea"), (2022, "Prototype"), (2023, "Beta"), (2024, "Release"),
                             (2025, "v2")]),
]


class Timeline(Family):
    """Events on a horizontal axis, labels alternating above and below."""

    name = "timeline"

    def sample(self, rng: random.Random) -> dict:
        t = rng.randrange(len(_EVENTS))
        events = _EVENTS[t][2]
        k = rng.randint(3, min(7, len(events)))
        idx = sorted(rng.sample(range(len(events)), k))
        return {"canvas": list(rng.choice([(600, 260), (640, 300), (560, 260)])), "theme": t, "events": idx,
                "color": pick_color(rng), "proportional": rng.random() < 0.5}

    def _events(self, p: dict) -> list[tuple[int, str]]:
        return [_EVENTS[p["theme"]][2][i] for i in p["events"]]

    def code(self, p: dict) -> str:
        w, h = p["canvas"]
        ev = self._events(p)
        consts: list[tuple[str, Any]] = [("W", w), ("H", h), ("YEARS", [y for y, _ in ev]),
                                         ("EVENTS", [e for _, e in ev]), ("DOT_COLOR", hex_of(p["color"])),
                                         ("MARGIN", 50)]
        if p["proportional"]:
            pos = """function eventX(i) {
  // Spacing proportional to time.
  return map(YEARS[i], YEARS[0], YEARS[YEARS.length - 1], MARGIN, W - MARGIN);
}"""
        else:
            pos = """function eventX(i) {
  // Evenly spaced, whatever the gaps between the years.
  return map(i, 0, YEARS.length - 1, MARGIN, W - MARGIN);
}"""
        body = """function draw() {
  background(255);
  const y = H / 2;
  stroke(60);
  strokeWeight(3);
  line(MARGIN - 20, y, W - MARGIN + 20, y);
  textAlign(CENTER, CENTER);
  for (let i = 0; i < YEARS.length; i++) {
    const x = eventX(i);
    const up = i % 2 === 0;
    stroke(60);
    strokeWeight(1);
    line(x, y, x, up ? y - 40 : y + 40);
    fill(DOT_COLOR);
    circle(x, y, 14);
    noStroke();
    fill(20);
    textSize(13);
    text(EVENTS[i], x, up ? y - 52 : y + 52);
    textSize(11);
    fill(90);
    text(YEARS[i], x, up ? y + 16 : y - 16);
  }
}
"""
        return p5_program(f"Timeline of {_EVENTS[p['theme']][0]}", consts, body, [pos])

    def caption(self, p: dict) -> tuple[str, str]:
        ev = self._events(p)
        lst = ", ".join(f"{e} ({y})" for y, e in ev)
        return (f"A timeline of {_EVENTS[p['theme']][0]} with {len(ev)} events: {lst}.",
                f"{_EVENTS[p['theme']][1]}の年表。{len(ev)}個の出来事：{'、'.join(f'{e}（{y}年）' for y, e in ev)}。")

    def instructions(self, p: dict) -> tuple[list[str], list[str]]:
        ev = self._events(p)
        lst = ", ".join(f"{y} {e}" for y, e in ev)
        en = [f"Draw a timeline with these events: {lst}.",
              f"Make a horizontal timeline of {_EVENTS[p['theme']][0]} ({len(ev)} milestones).",
              f"Illustrate the history: {lst}" + (" with spacing proportional to time." if p["proportional"] else ".")]
        ja = [f"次の出来事の年表を描いて：{lst}", f"{_EVENTS[p['theme']][1]}の横向きタイムラインを作って（{len(ev)}項目）",
              f"{lst}を時系列で図示して" + ("。間隔は年数に比例させて" if p["proportional"] else "")]
        return en, ja

    def edits(self, p: dict, rng: random.Random) -> list[Edit]:
        out = []
        q = copy_params(p)
        q["proportional"] = not p["proportional"]
        out.append(Edit(q, "Space the events in proportion to the years." if q["proportional"] else
                        "Space the events evenly.",
                        "出来事の間隔を年数に比例させて" if q["proportional"] else "出来事を等間隔に並べて"))
        c = pick_color(rng, exclude=[p["color"]])
        q = copy_params(p)
        q["color"] = c
        out.append(Edit(q, f"Make the event dots {c}.", f"出来事の点を{color_iro(c)}にして"))
        free = [i for i in range(len(_EVENTS[p["theme"]][2])) if i not in p["events"]]
        if free and len(p["events"]) < 7:
            i = rng.choice(free)
            y, e = _EVENTS[p["theme"]][2][i]
            q = copy_params(p)
            q["events"] = sorted(p["events"] + [i])
            out.append(Edit(q, f"Add {e} ({y}).", f"{y}年の{e}を追加して"))
        if len(p["events"]) > 3:
            i = rng.choice(p["events"])
            y, e = _EVENTS[p["theme"]][2][i]
            q = copy_params(p)
            q["events"] = [j for j in p["events"] if j != i]
            out.append(Edit(q, f"Remove the {e} event.", f"{e}の項目を削除して"))
        return out

    def check(self, p: dict, trace: Sequence[Any]) -> list[str]:
        problems: list[str] = []
        ev = self._events(p)
        dots = calls(trace, "circle")
        expect_count(problems, "event dots", len(dots), len(ev))
        if p["proportional"] and len(dots) == len(ev) and len(ev) > 2:
            xs = [float(d.args[0]) for d in dots]
            years = [y for y, _ in ev]
            for x, yr in zip(xs, years):
                want = xs[0] + (xs[-1] - xs[0]) * (yr - years[0]) / (years[-1] - years[0])
                if not math.isclose(x, want, abs_tol=0.5):
                    problems.append("event positions are not proportional to the years")
                    break
        expect_texts(problems, trace, [e for _, e in ev] + [str(y) for y, _ in ev])
        return problems
