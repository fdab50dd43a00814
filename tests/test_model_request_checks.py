"""Tests for model/request_checks: checks derived from the request text alone, on requests written for these tests
(not benchmark prompts), their verdicts on real renders, and the repair request built from their reasons."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from model import Request, derive_checks, mismatch_request
from model.request_checks import failed_reasons, mismatch_text, run_request_checks

ROOT = Path(__file__).resolve().parent.parent

CASES = [
    # units per layer, in several phrasings and both languages
    ("ニューラルネットを描いて。入力層は3ユニット、隠れ層は6ユニット、出力層は2ユニット。",
     [{"type": "columns", "select": {"kind": "circle"}, "counts": [3, 6, 2]}]),
    ("ネットワークの図: 入力層2、出力層4",
     [{"type": "columns", "select": {"kind": "circle"}, "counts": [2, 4]}]),
    ("Picture a network with 7 input neurons, 3 hidden neurons and 2 output neurons",
     [{"type": "columns", "select": {"kind": "circle"}, "counts": [7, 3, 2]}]),
    ("an MLP shaped 5–8–8–3", [{"type": "columns", "select": {"kind": "circle"}, "counts": [5, 8, 8, 3]}]),
    ("a perceptron layer diagram with 2, 2 and 1 units",
     [{"type": "columns", "select": {"kind": "circle"}, "counts": [2, 2, 1]}]),
    # chart values and categories
    ("Bar graph of rainfall with values 12, 30, 18 for categories: Mon, Tue, Wed",
     [{"type": "bars", "count": 3, "values": [12, 30, 18], "labels": ["Mon", "Tue", "Wed"]}]),
    ("横棒グラフにして。データは 4, 9, 6",
     [{"type": "bars", "count": 3, "values": [4, 9, 6], "horizontal": True}]),
    # counts, quoted labels, arrow chains
    ("Make a diagram of four boxes in a row", [{"type": "count", "select": {"kind": "rect"}, "min": 4}]),
    ("6つのノードからなるグラフ", [{"type": "count", "select": {"kind": "shape"}, "min": 6}]),
    ('a box that says "Loss" next to a box that says "Optimizer"',
     [{"type": "text", "labels": ["Loss", "Optimizer"]}]),
    ("洗濯の手順: 洗う→すすぐ→脱水", [{"type": "text", "labels": ["洗う", "すすぐ", "脱水"]}]),
    # titles in single quotes, written-out symbols, an algorithm's statements, a figure's named parts
    ("A line chart of rainfall with the title 'Monthly rain 2022'",
     [{"type": "text", "labels": ["Monthly rain 2022"]}]),
    ("入力 x1, x2, x3 と出力 y の線形回帰を図にして", [{"type": "text", "labels": ["x1", "x2", "x3", "y"]}]),
    ("a neuron with inputs x1 and x2, bias b and output y", [{"type": "text", "labels": ["x1", "x2", "b", "y"]}]),
    ("Flowchart of factorial: set f = 1, test n > 1, then f = f * n and n = n - 1",
     [{"type": "text", "labels": ["f = 1", "n > 1", "f = f * n", "n = n - 1"]}]),
    # colours named for parts
    ("make every arrow green", [{"type": "count", "select": {"kind": "line", "color": "green"}, "min": 1}]),
    ("円を紫色で塗って", [{"type": "count", "select": {"kind": "circle", "color": "purple"}, "min": 1}]),
]


@pytest.mark.parametrize("text,want", CASES)
def test_checks_are_derived_from_the_request_text(text, want):
    assert derive_checks(text) == want


def test_requests_here_are_not_benchmark_prompts():
    from eval.leakage import THRESHOLD, too_close

    prompts = [json.loads(l)["prompt"] for p in sorted((ROOT / "eval" / "benchmarks").glob("figures-v1*.jsonl"))
               for l in p.read_text(encoding="utf-8").splitlines() if l.strip()]
    assert prompts and not too_close([t for t, _ in CASES], prompts, THRESHOLD)


@pytest.mark.parametrize("text", [
    "Draw something that explains entropy",            # nothing countable
    "Plot the function y = x^2 between -2 and 2",      # numbers that are not units or values
    "3D rendering of a layered cake",                  # "layer" without a network
    "a timeline of 1990-2000-2010 events",             # a dashed triple that is not a network
    "Translate 'I am here' into a diagram",            # a quoted sentence, not a label
    "信号の青が点灯している様子",                      # a traffic light's 青 is green, but no part to check is named
    "A timeline of the Transformer paper",             # one proper noun is not a figure's named parts
    "3x3の畳み込みを行うCNNとReLUの図",                # sizes and acronyms are not symbols
    "Draw a 2D plot of a sine wave with period 2",     # "2D" and an equation-free plot request
    "z = t² + 1 のグラフを 0 ≤ t ≤ 2 で",               # variables of an equation and a range are maths
    "U-Netのような構造の図",                            # a letter of a hyphenated name
    "",
])
def test_no_checks_or_only_safe_ones_for_requests_that_state_nothing_checkable(text):
    checks = derive_checks(text)
    assert all(c["type"] == "count" and c["select"].get("color") for c in checks), checks
    if text.startswith("信号"):
        assert checks == [{"type": "count", "select": {"kind": "any", "color": "green"}, "min": 1}]


def test_derived_checks_are_valid_in_the_check_language():
    from eval.checks import validate_checks

    for text, _ in CASES:
        assert validate_checks(derive_checks(text)) == [], text


def test_a_render_passes_what_it_draws_and_fails_with_a_reason_for_what_it_misses():
    from model.examples import load_library
    from render import render

    code = next(e for e in load_library() if e.id == "mlp-3-4-2").code
    result = render(code)
    assert failed_reasons(derive_checks("a 3-4-2 neural network"), result) == []
    reasons = failed_reasons(derive_checks("a 3-5-2 neural network with the output units red"), result)
    assert len(reasons) == 2
    assert "column 2 has 4 circles, want 5" in reasons[0] and "red" in reasons[1]
    assert run_request_checks([], result) == []


def test_mismatch_request_tells_the_model_what_was_asked_and_what_is_missing():
    req = Request("a 3-5-2 neural network", canvas=(500, 300))
    fix = mismatch_request("function setup() {}", ["column 2 has 4 circles, want 5"], request=req)
    assert fix.render_status == "ok" and fix.code == "function setup() {}" and fix.canvas == (500, 300)
    assert fix.instruction.startswith("The request was: a 3-5-2 neural network")
    assert "column 2 has 4 circles, want 5" in fix.instruction and "whole corrected program" in fix.instruction
    ja = mismatch_request("x", ["列2の円は4個"], request=Request("3-5-2のネットワーク"))
    assert ja.instruction.startswith("依頼: 3-5-2のネットワーク") and "依頼と合っていません" in ja.instruction
    assert "does not match" in mismatch_text(["a"]) and "合っていません" in mismatch_text(["a"], japanese=True)


def test_repair_mismatch_needs_reasons():
    from model import ModelError
    from model.base import Generator

    class Echo(Generator):
        def generate(self, request, n=1, **kw):
            self.seen = request
            return []

        def stream(self, *a, **k):
            raise NotImplementedError

        def continue_generation(self, *a, **k):
            raise NotImplementedError

    gen = Echo("echo")
    with pytest.raises(ModelError, match="at least one reason"):
        gen.repair_mismatch("code", [])
    gen.repair_mismatch("code", ["missing text 'Loss'"], request=Request("a Loss box"))
    assert "missing text 'Loss'" in gen.seen.instruction and gen.seen.code == "code"
