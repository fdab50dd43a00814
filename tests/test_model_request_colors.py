"""Tests for model/request_colors: colours a request names for items, put on those items' data rows (requests
written for these tests, not benchmark prompts)."""

from __future__ import annotations

import pytest

from model import Request
from model.presets import GenSettings
from model.request_colors import apply_item_colors, item_colors, recolor_items

SHARES = """// Shares of a budget.
const W = 400, H = 400;
const PARTS = [["Rent", 40, "#4e79a7"], ["Food", 35, "#f28e2b"], ["Travel", 25, "#e15759"]];

function setup() {
  createCanvas(W, H);
  noLoop();
}

function draw() {
  background(255);
  let start = 0;
  PARTS.forEach(([name, v, c]) => {
    const end = start + (TWO_PI * v) / 100;
    fill(c);
    arc(200, 200, 240, 240, start, end, PIE);
    start = end;
  });
}"""


@pytest.mark.parametrize("text,want", [
    ("Budget pie: rent 40% in dark gray, food 35% in orange and travel 25% in light blue",
     [("rent", "dimgray"), ("food", "orange"), ("travel", "lightblue")]),
    ("make the output node red", [("output", "red")]),
    ("家計の円グラフ。家賃は灰色、食費はオレンジ", [("家賃", "gray"), ("食費", "orange")]),
    ("処理の箱を紫にして", [("処理", "purple")]),            # the item before its の, not the part (箱)
    ("A bar chart with red bars", []),                      # a colour for every bar names no item
    ("Fill the states with orange", []),                     # every state: no one item
    ("a red and blue striped flag", []),                     # two colours, no item to give either
    ("Draw the encoder and the decoder", []),                # no colour at all
])
def test_items_and_their_colours_are_read_from_the_request(text, want):
    assert item_colors(text) == want


def test_the_rows_of_named_items_get_their_colours_and_nothing_else_changes():
    out, changed = apply_item_colors(SHARES, item_colors("rent in purple, travel in green"))
    assert changed == ["rent", "travel"]
    assert '["Rent", 40, "purple"], ["Food", 35, "#f28e2b"], ["Travel", 25, "green"]' in out
    assert out.replace('"purple"', '"#4e79a7"').replace('"green"', '"#e15759"') == SHARES
    objects = 'const NODES = [\n  { label: "Input", color: "#cccccc" },\n  { label: "Output", color: "#dddddd" },\n];'
    assert apply_item_colors(objects, [("output", "red")]) == (objects.replace('"#dddddd"', '"red"'), ["output"])


@pytest.mark.parametrize("code", [
    'const NAMES = ["Rent", "Food"];\nconst COLORS = ["#111111", "#222222"];',  # parallel arrays: no row to trust
    'const PALETTE = ["Rent", "#111111", "#222222"];',                          # a row with two colours
    'text("Rent", 10, 10);\nfill("#333333");',                                  # no data rows at all
])
def test_programs_without_one_colour_per_item_row_are_left_alone(code):
    assert apply_item_colors(code, [("rent", "purple")]) == (code, [])


def test_a_recoloured_slice_is_drawn_in_the_asked_colour():
    from eval.checks import run_checks
    from render import render

    check = [{"type": "count", "select": {"kind": "circle", "color": "purple"}, "min": 1}]
    before = render(SHARES, lang="p5", timeout_s=10)
    after = render(recolor_items(SHARES, "a budget pie with rent in purple"), lang="p5", timeout_s=10)
    assert before.ok and after.ok
    assert not run_checks(check, before)[0].passed and run_checks(check, after)[0].passed


def test_a_generated_answer_takes_the_colours_its_request_names():
    """Generator._candidate with the request recolours the answer's rows, for first figures and revisions."""
    from model.base import Generator

    class Echo(Generator):
        def generate(self, request, n=1, **kw):
            return [self._candidate(f"```javascript\n{SHARES}\n```", request.lang, logprob=None, tokens=1,
                                    finish_reason="stop", adapter=None, request=request)]

        def stream(self, *a, **k):
            raise NotImplementedError

        def continue_generation(self, *a, **k):
            raise NotImplementedError

    gen = Echo("echo", GenSettings(examples=0))
    first = gen.generate(Request("budget pie chart, food in green"))[0]
    assert '["Food", 35, "green"]' in first.code and first.fixes == {"recoloured": ["food"]}
    revised = gen.generate(Request("make food green", code=SHARES, render_status="ok"))[0].code
    assert '["Food", 35, "green"]' in revised
    plain = gen.generate(Request("a budget pie chart"))[0]
    assert plain.code == SHARES and plain.fixes == {}  # nothing named, nothing changed
