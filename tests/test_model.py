"""Tests for model/: prompts, extraction, the transformers backend (tiny Qwen2 / Qwen2-VL), adapters,
the OpenAI-compatible endpoint client (against a small local server), the embedded default and the CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
import _model_util as util

from model import (
    Candidate,
    ModelError,
    Request,
    StreamChunk,
    Turn,
    build_messages,
    extract_code,
    format_answer,
    load,
)
from model.prompts import estimate_tokens, repair_instruction, summarize_history, system_prompt

ROOT = Path(__file__).resolve().parent.parent
SKETCH = "function setup() {\n  createCanvas(400, 400);\n  background(255);\n  circle(200, 200, 50);\n}"


# ----------------------------------------------------------------------------- prompts
def test_system_prompt_states_the_canvas_contract():
    p5 = system_prompt("p5", (640, 360))
    assert "createCanvas(640, 360)" in p5 and "noLoop()" in p5 and "global mode" in p5
    assert "fetch" in p5 and "loadImage" in p5  # no network, no external assets
    svg = system_prompt("svg", (300, 200))
    assert 'width="300"' in svg and 'viewBox="0 0 300 200"' in svg and "<script>" in svg


def test_build_messages_for_a_fresh_figure():
    msgs = build_messages(Request("a 3-layer MLP with 4, 5 and 1 units"))
    assert [m["role"] for m in msgs] == ["system", "user"]
    assert msgs[1]["content"].rstrip().endswith("a 3-layer MLP with 4, 5 and 1 units")
    assert "Current code" not in msgs[1]["content"]


def test_build_messages_carries_code_error_line_and_sketch():
    code = "function setup() {\n  createCanvas(400, 400);\n  foo(3);\n}"
    req = Request("fix it", code=code, render_status="error", error="ReferenceError: foo is not defined",
                  error_line=3, sketch_text="A circle drawn around node 2 (lines 3).")
    user = build_messages(req)[1]["content"]
    assert "```javascript\n" + code in user
    assert "fails at line 3: ReferenceError: foo is not defined" in user
    assert ">> 3 |   foo(3);" in user  # the failing line is shown and marked
    assert "A circle drawn around node 2" in user
    blank = build_messages(Request("more", code=code, render_status="blank"))[1]["content"]
    assert "draws nothing visible" in blank


def test_japanese_instructions_pass_through_unchanged():
    ja = "3層のニューラルネットワークを図示せよ。入力層は4ユニット、中間層は5ユニット、出力層は1ユニットとせよ。"
    user = build_messages(Request(ja))[1]["content"]
    assert ja in user
    assert "行目" in repair_instruction("x is not defined", 7, japanese=True)
    assert estimate_tokens(ja) >= len(ja) - 5  # CJK counts about one token per character


def test_history_summary_is_token_budgeted_and_keeps_the_latest():
    history = [Turn(f"change number {i}: make the arrows thicker and the labels larger", render_status="ok")
               for i in range(200)]
    summary = summarize_history(history, budget_tokens=120)
    assert estimate_tokens(summary) <= 120
    assert "change number 199" in summary and "change number 0:" not in summary
    assert "earlier requests omitted" in summary
    # The prompt stays bounded however long the conversation gets.
    short = build_messages(Request("x", history=history[:10]), history_budget=120)[1]["content"]
    long = build_messages(Request("x", history=history), history_budget=120)[1]["content"]
    assert abs(len(long) - len(short)) < 200
    assert summarize_history([], 100) == ""


def test_history_summary_reports_failed_turns():
    s = summarize_history([Turn("draw a cat", render_status="error", error="TypeError: bad")], 200)
    assert "draw a cat → error: TypeError: bad" in s


def test_request_rejects_bad_input():
    with pytest.raises(ValueError, match="lang"):
        Request("x", lang="tikz")
    with pytest.raises(ValueError, match="canvas"):
        Request("x", canvas=(0, 100))


def test_vision_messages_put_images_before_the_text():
    msgs = build_messages(Request("draw this", images=["a.png"]), vision=True)
    parts = msgs[1]["content"]
    assert parts[0] == {"type": "image", "image": "a.png"} and parts[-1]["type"] == "text"


def test_format_answer_round_trips_through_extract():
    for lang, code in [("p5", SKETCH), ("svg", '<svg xmlns="http://www.w3.org/2000/svg"><rect/></svg>')]:
        answer = format_answer(code, lang)
        assert answer.startswith("```")
        ex = extract_code(answer, lang)
        assert ex.code == code and not ex.truncated


# ----------------------------------------------------------------------------- extraction
HTML_PAGE = f"""Here is a complete page:
```html
<!DOCTYPE html>
<html><head><script src="https://cdn.jsdelivr.net/npm/p5@1.11.1/lib/p5.min.js"></script></head>
<body><script>
{SKETCH}
</script></body></html>
```
Open it in a browser."""

REPLIES = [
    # (reply, lang, expected code or None for "contains", truncated)
    (f"```javascript\n{SKETCH}\n```", "p5", SKETCH, False),
    (f"Sure! Here is the sketch:\n\n```js\n{SKETCH}\n```\n\nIt draws a circle.", "p5", SKETCH, False),
    (f"```\n{SKETCH}\n```", "p5", SKETCH, False),
    (f"~~~p5\n{SKETCH}\n~~~", "p5", SKETCH, False),
    (f"First a helper:\n```js\nfunction helper() {{ return 1; }}\n```\nThen the sketch:\n```javascript\n"
     f"{SKETCH}\n```", "p5", SKETCH, False),
    (HTML_PAGE, "p5", SKETCH, False),
    (f"<html><body><script src=\"p5.js\"></script><script>{SKETCH}</script></body></html>", "p5", SKETCH, False),
    (f"Here you go:\n{SKETCH}\nThis draws a circle in the middle.", "p5", SKETCH, False),
    (SKETCH, "p5", SKETCH, False),
    ("```javascript\nfunction setup() {\n  createCanvas(400, 400);\n  for (let i = 0; i < 3; i++) {\n"
     "    circle(i * 40, 50, 20);\n", "p5", None, True),  # cut off inside the fence
    ("```javascript\nfunction setup() {\n  createCanvas(400, 400);\n  text('a { b', 10, 10);\n}\n```", "p5",
     "function setup() {\n  createCanvas(400, 400);\n  text('a { b', 10, 10);\n}", False),  # brace in a string
    ("```javascript\nfunction setup() {\n  // a comment with {\n  createCanvas(100, 100);\n}\n```", "p5", None, False),
    ("function setup() {\n  createCanvas(400, 400);\n  let s = `tmpl ${1 + 1}`;\n  rect(", "p5", None, True),
    ("```javascript\nfunction setup() {\n  createCanvas(400, 400); /* unfinished comment", "p5", None, True),
    ('```svg\n<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="5"/></svg>\n```', "svg",
     '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="5"/></svg>', False),
    ('The figure:\n<svg width="10" height="10"><circle r="3"/></svg>\nDone.', "svg",
     '<svg width="10" height="10"><circle r="3"/></svg>', False),
    ('```xml\n<?xml version="1.0"?>\n<svg width="10"><g><rect/></g></svg>\n```', "svg",
     '<svg width="10"><g><rect/></g></svg>', False),
    ('```html\n<html><body><svg width="4"><rect/></svg></body></html>\n```', "svg", '<svg width="4"><rect/></svg>',
     False),
    ('```svg\n<svg width="10" height="10">\n  <rect width="5"/>\n  <circle', "svg", None, True),
]


@pytest.mark.parametrize("reply,lang,expected,truncated", REPLIES)
def test_extract_code_handles_reply_shapes(reply, lang, expected, truncated):
    ex = extract_code(reply, lang)
    assert ex.truncated is truncated
    if expected is not None:
        assert ex.code == expected
    else:
        assert ex.code and ex.code.split("\n")[0] in reply


def test_extract_code_reports_every_block_and_empty_replies():
    reply = "```js\nlet a = 1;\n```\ntext\n```js\nfunction setup() { createCanvas(9, 9); }\n```"
    ex = extract_code(reply, "p5")
    assert len(ex.blocks) == 2 and ex.code.startswith("function setup")
    assert extract_code("I cannot draw that.", "p5").code == ""
    assert extract_code("", "svg").code == ""
    cut = extract_code("```javascript\n", "p5")
    assert cut.code == "" and cut.truncated
    with pytest.raises(ValueError):
        extract_code("x", "tikz")


REASSIGNS_A_CONST = """const W = 400, H = 300;
const y = 40;  // y = 0 in a comment is no assignment
const label = "y = 1";
const box = {y: 2};

function setup() {
  createCanvas(W, H);
  noLoop();
}

function draw() {
  box.y = 5;
  if (y == 40 && y >= 0) text(label, 10, y);
  for (let i = 0; i < 3; i++) {
    rect(20, y, 60, 20);
    y += 30;
  }
}"""


def test_a_program_that_assigns_to_a_const_gets_let_and_nothing_else_changes():
    from model.js_fixes import let_reassigned_consts

    fixed, names = let_reassigned_consts(REASSIGNS_A_CONST)
    assert names == ["y"]
    assert fixed == REASSIGNS_A_CONST.replace("const y = 40", "let y = 40")
    # what the model wrote comes out fixed, the same program otherwise
    assert extract_code(f"```javascript\n{REASSIGNS_A_CONST}\n```", "p5").code == fixed
    for clean in ["const a = 1;\nfunction f(a) { let b = a; b++; }",  # a parameter shadows, b is a let
                  "const p = {x: 1};\np.x = 2;\np.x++;",  # properties, not the binding
                  "const s = 'a = 2';\n// s = 3\nif (s === 'x') {}",  # strings, comments, comparisons
                  "const f = (x) => x + 1;\nconst g = x => x;"]:  # arrows are not assignments
        assert let_reassigned_consts(clean) == (clean, [])
    counted = "const n = 0;\nfunction step() { n++; --n; }\nconst k = 1;\nk **= 2;"
    assert let_reassigned_consts(counted)[1] == ["n", "k"]


EXAMPLE_WITH_CONSTANTS = """// Feature maps as stacks of offset squares.
const W = 400, H = 400;
const OFFSET = 6;
const COLORS = {
  front: "#9ecae1",
  back: "#c6dbef",
};

function setup() {
  createCanvas(W, H);
  noLoop();
}

function stack(x, y, size, depth) {
  for (let k = depth - 1; k >= 0; k--) {
    fill(k === 0 ? COLORS.front : COLORS.back);
    rect(x + k * OFFSET, y - k * OFFSET, size, size);
  }
}"""


def test_an_answer_that_uses_the_examples_constants_and_helpers_without_declaring_them_gets_them_back():
    from model.js_fixes import borrow_definitions

    answer = """// A 5x5 input and a 3x3 output.
const W = 400, H = 400;
const GRID = 5;

function setup() {
  createCanvas(W, H);
  noLoop();
}

function draw() {
  background(255);
  let x = 20;
  x += GRID * OFFSET;
  stack(x, 200, 40, 3);
}"""
    fixed, names = borrow_definitions(answer, [EXAMPLE_WITH_CONSTANTS])
    # the helper, and what the helper needs in turn (COLORS), come from the example; W and H were declared
    assert names == ["OFFSET", "COLORS", "stack"]
    assert fixed.index("const GRID = 5;") < fixed.index("const OFFSET = 6;") < fixed.index("function setup")
    assert fixed.count("const COLORS = {") == 1 and fixed.rstrip().endswith("}")
    assert "function stack(x, y, size, depth) {" in fixed and fixed.count("const W") == 1
    assert fixed.startswith(answer.split("const GRID")[0])  # the comment and the program's own lines stay


def test_borrowing_leaves_alone_what_the_answer_declares_or_never_uses_as_a_value():
    from model.js_fixes import borrow_definitions

    for answer in ["function draw() { stack(1, 2, 3, 4); }\nfunction stack(a, b, c, d) { rect(a, b, c, d); }",
                   "function draw() { const OFFSET = 2; rect(OFFSET, 0, 5, 5); }",
                   "function f(OFFSET) { return OFFSET * 2; }",
                   "const g = (x, OFFSET) => x + OFFSET;",
                   "const { OFFSET } = settings;",
                   "let a = 1, OFFSET = 3;",
                   "const p = { OFFSET: 3 };\nrect(p.OFFSET, 0, 1, 1);  // OFFSET only as a key and a property",
                   "text('OFFSET and stack()', 10, 10);"]:  # a string is no use
        assert borrow_definitions(answer, [EXAMPLE_WITH_CONSTANTS]) == (answer, []), answer
    # a p5.js global an example shadows (a margin called LEFT) is never copied over the global
    for uses_global in ["rect(0, 0, width, 10);", "textAlign(LEFT, TOP);"]:
        assert borrow_definitions(uses_global, ["const width = 300;\nconst LEFT = 50, TOP = 30;"]) == (uses_global, [])


def test_every_library_example_declares_what_it_uses():
    """Borrowing from all the other examples adds nothing to any example: each one is complete on its own."""
    from model.examples import load_library
    from model.js_fixes import borrow_definitions

    library = load_library()
    for ex in library:
        others = [o.code for o in library if o.id != ex.id]
        assert borrow_definitions(ex.code, others) == (ex.code, []), ex.id


def test_a_borrowed_constant_makes_the_program_render(tmp_path):
    """The crash the fix is for: `ReferenceError: OFFSET is not defined`, gone, nothing else changed."""
    from model.js_fixes import borrow_definitions
    from render import render

    answer = ("const W = 200, H = 200;\nfunction setup() { createCanvas(W, H); noLoop(); }\n"
              "function draw() { background(255); rect(20 + OFFSET, 20, 50, 50); }")
    before = render(answer, lang="p5", timeout_s=10)
    assert before.status == "error" and "OFFSET" in (before.error or "")
    fixed, names = borrow_definitions(answer, [EXAMPLE_WITH_CONSTANTS])
    assert names == ["OFFSET"]
    after = render(fixed, lang="p5", timeout_s=10)
    assert after.ok, after.error


def test_candidates_borrow_from_the_example_for_a_first_figure_and_from_the_program_for_a_revision(monkeypatch):
    """Generator._candidate with the request: the example (first figure) or the revised program is the source."""
    from model.base import Generator

    class Example:
        code = EXAMPLE_WITH_CONSTANTS

    class Echo(Generator):
        reply = ""

        def generate(self, request, n=1, **kw):
            return [self._candidate(self.reply, request.lang, logprob=None, tokens=1, finish_reason="stop",
                                    adapter=None, request=request)]

        def stream(self, *a, **k):
            raise NotImplementedError

        def continue_generation(self, *a, **k):
            raise NotImplementedError

    from model.presets import GenSettings

    gen = Echo("echo", GenSettings(examples=1))
    monkeypatch.setattr(gen, "examples_for", lambda request: [] if request.code else [Example()])
    gen.reply = "```javascript\nfunction draw() { rect(OFFSET, 0, 9, 9); }\n```"
    first = gen.generate(Request("feature maps"))[0]
    assert "const OFFSET = 6;" in first.code and first.text == gen.reply  # the reply itself stays as written
    assert first.fixes == {"declared": ["OFFSET"], "from": "example"}  # and the candidate says what was mended
    # a revision that drops a helper it still calls gets it back from the program being revised
    gen.reply = "```javascript\nfunction draw() { stack(1, 2, 3, 4); }\n```"
    revised = gen.generate(Request("make it smaller", code=EXAMPLE_WITH_CONSTANTS, render_status="ok"))[0]
    assert "function stack(x, y, size, depth)" in revised.code and "const OFFSET = 6;" in revised.code
    assert revised.fixes == {"declared": ["OFFSET", "COLORS", "stack"], "from": "code"}
    # a cut-off program is left as it is (it is carried on, not fixed)
    gen.reply = "```javascript\nfunction draw() { rect(OFFSET, 0,"
    assert "const OFFSET" not in gen.generate(Request("feature maps"))[0].code


# ----------------------------------------------------------------------------- tiny transformers models
@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> Path:
    return util.make_qwen2(tmp_path_factory.mktemp("qwen2") / "tiny-qwen2")


@pytest.fixture(scope="module")
def tiny_adapters(tmp_path_factory, tiny) -> dict[str, str]:
    root = tmp_path_factory.mktemp("adapters")
    return {"red": str(util.make_lora(tiny, root / "red", seed=1)),
            "blue": str(util.make_lora(tiny, root / "blue", seed=2))}


@pytest.fixture(scope="module")
def gen(tiny):
    return load(str(tiny))


def _forward_mean_logprob(g, request: Request, cand: Candidate) -> float:
    """Mean log-prob of the candidate's tokens under the model, by one forward pass."""
    import torch

    prompt = g.tokenizer(g.prompt_text(request), add_special_tokens=False, return_tensors="pt")["input_ids"]
    new = g.tokenizer(cand.text, add_special_tokens=False, return_tensors="pt")["input_ids"]
    if cand.finish_reason == "stop":
        new = torch.cat([new, torch.tensor([[g.tokenizer.eos_token_id]])], dim=1)
    ids = torch.cat([prompt, new], dim=1)
    with torch.no_grad():
        logits = g.model(ids).logits[0, prompt.shape[1] - 1:-1].float()
    return float(torch.log_softmax(logits, -1).gather(1, new[0][:, None]).mean())


def test_load_local_dir_reports_name_and_kind(gen, tiny):
    assert gen.name == tiny.name and not gen.is_vision
    assert gen.adapter is None and gen.adapters == []


def _spy_generate(g, monkeypatch) -> list[dict]:
    """Record what each model.generate call was given: rows, num_return_sequences and the handed-in cache."""
    calls = []
    real = g.model.generate

    def spy(*a, **kw):
        cache = kw.get("past_key_values")
        calls.append({"rows": kw["input_ids"].shape[0], "prompt": kw["input_ids"].shape[1],
                      "nrs": kw["generation_config"].num_return_sequences,
                      "sample": kw["generation_config"].do_sample,
                      "cache_len": cache.get_seq_length() if cache is not None else None,
                      "cache_rows": cache.layers[0].keys.shape[0] if cache is not None else None})
        return real(*a, **kw)

    monkeypatch.setattr(g.model, "generate", spy)
    return calls


def test_generate_n_candidates_in_one_batched_call(gen, monkeypatch):
    calls = _spy_generate(gen, monkeypatch)
    cands = gen.generate(Request("draw a red circle"), n=3, max_new_tokens=12, temperature=1.0)
    # One generate call over 3 rows that starts from the prompt's cache, prefilled once and copied to 3 rows.
    assert len(calls) == 1 and calls[0]["rows"] == 3 and calls[0]["nrs"] == 1
    assert calls[0]["sample"] is False  # drawn by TopKTopPSampler, which greedy decoding then follows
    assert calls[0]["cache_rows"] == 3 and calls[0]["cache_len"] == calls[0]["prompt"] - 1
    assert len(cands) == 3
    for c in cands:
        assert isinstance(c, Candidate) and c.model == gen.name
        assert 1 <= c.tokens <= 12 and c.logprob is not None and c.logprob < 0
        assert c.finish_reason in ("stop", "length")


def test_candidate_logprob_is_the_mean_token_logprob(gen):
    req = Request("draw a blue square")
    cand = gen.generate(req, n=1, max_new_tokens=10, temperature=0)[0]
    assert cand.logprob == pytest.approx(_forward_mean_logprob(gen, req, cand), abs=1e-3)


def test_greedy_generation_is_deterministic(gen):
    req = Request("three boxes in a row")
    a = gen.generate(req, max_new_tokens=8, temperature=0)
    b = gen.generate(req, n=2, max_new_tokens=8, temperature=0)
    assert a[0].text == b[0].text == b[1].text


def test_shared_prefill_with_top_k_1_matches_greedy(gen, monkeypatch):
    """top_k=1 sampling picks the argmax, so a wrongly built or misaligned prompt cache would show here."""
    from dataclasses import replace

    req = Request("draw a red circle and two squares")
    greedy = gen.generate(req, n=1, max_new_tokens=12, temperature=0)[0]
    monkeypatch.setattr(gen, "settings", replace(gen.settings, top_k=1))
    calls = _spy_generate(gen, monkeypatch)
    cands = gen.generate(req, n=3, max_new_tokens=12, temperature=1.0)
    assert calls[0]["cache_rows"] == 3  # the shared-prefill path ran
    for c in cands:
        assert (c.text, c.tokens, c.finish_reason) == (greedy.text, greedy.tokens, greedy.finish_reason)
        assert c.logprob == pytest.approx(greedy.logprob, abs=1e-4)


def test_shared_prefill_samples_like_the_duplicated_prompt(gen, monkeypatch):
    import torch

    req = Request("draw a blue triangle")
    runs = {}
    for shared in (True, False):
        monkeypatch.setattr(gen, "shared_prefill", shared)
        calls = _spy_generate(gen, monkeypatch)
        torch.manual_seed(1234)
        runs[shared] = gen.generate(req, n=2, max_new_tokens=12, temperature=1.0)
        assert calls[-1]["rows"] * calls[-1]["nrs"] == 2 and (calls[-1]["cache_rows"] is not None) is shared
    assert [c.text for c in runs[True]] == [c.text for c in runs[False]]
    assert [c.logprob for c in runs[True]] == pytest.approx([c.logprob for c in runs[False]], abs=1e-4)
    assert runs[True][0].text != runs[True][1].text  # two real samples, not one copied


def test_shared_prefill_falls_back_when_the_prefill_fails(gen, monkeypatch):
    real = gen.model.forward
    seen = []

    def flaky(*a, **kw):
        seen.append(1)
        if len(seen) == 1:
            raise RuntimeError("no prefill for you")
        return real(*a, **kw)

    monkeypatch.setattr(gen.model, "forward", flaky)
    calls = _spy_generate(gen, monkeypatch)
    cands = gen.generate(Request("draw a red circle"), n=2, max_new_tokens=6, temperature=1.0)
    assert len(cands) == 2 and all(c.logprob is not None for c in cands)
    assert calls == [{"rows": 2, "prompt": calls[0]["prompt"], "nrs": 1, "sample": False, "cache_len": None,
                      "cache_rows": None}]


def test_best_of_n_with_a_static_cache_uses_the_plain_path(tiny, monkeypatch):
    g = load(str(tiny), cache_implementation="static")
    calls = _spy_generate(g, monkeypatch)
    cands = g.generate(Request("two circles"), n=2, max_new_tokens=6, temperature=1.0)
    assert len(cands) == 2 and calls[0]["rows"] * calls[0]["nrs"] == 2 and calls[0]["cache_rows"] is None


def test_preset_stop_event_cancels_best_of_n(gen):
    stop = threading.Event()
    stop.set()
    cands = gen.generate(Request("x"), n=3, max_new_tokens=50, temperature=1.0, stop_event=stop)
    assert len(cands) == 3 and all(c.finish_reason == "cancelled" and c.tokens <= 1 for c in cands)


MANY = [Request("x"),
        Request("Draw a 3-layer neural network with 4 input units, 5 hidden units and 1 output unit, fully "
                "connected, with labels under each layer and arrows between the layers."),
        Request("make the circle red", code=SKETCH),
        Request("a bar chart")]


def test_generate_many_matches_generate_per_prompt(gen, monkeypatch):
    lengths = [len(gen.tokenizer(gen.prompt_text(r))["input_ids"]) for r in MANY]
    assert max(lengths) - min(lengths) > 40  # left padding really happens
    single = [gen.generate(r, max_new_tokens=10, temperature=0)[0] for r in MANY]
    calls = _spy_generate(gen, monkeypatch)
    many = gen.generate_many(MANY, max_new_tokens=10, temperature=0)
    assert len(calls) == 1 and calls[0]["rows"] == len(MANY)  # one batched call
    assert gen.tokenizer.padding_side == "left"
    assert [len(c) for c in many] == [1] * len(MANY)
    for s1, (m,) in zip(single, many):
        assert (m.text, m.code, m.tokens, m.finish_reason, m.truncated) == \
            (s1.text, s1.code, s1.tokens, s1.finish_reason, s1.truncated)
        assert m.logprob == pytest.approx(s1.logprob, abs=1e-4)


def test_generate_many_samples_n_per_prompt_in_order(gen, monkeypatch):
    from dataclasses import replace

    greedy = [gen.generate(r, max_new_tokens=8, temperature=0)[0].text for r in MANY[:3]]
    monkeypatch.setattr(gen, "settings", replace(gen.settings, top_k=1))  # argmax sampling: order is checkable
    many = gen.generate_many(MANY[:3], n=2, max_new_tokens=8, temperature=1.0)
    assert [[c.text for c in cands] for cands in many] == [[t, t] for t in greedy]
    assert all(c.logprob is not None and c.tokens >= 1 for cands in many for c in cands)
    assert [len(c) for c in gen.generate_many(MANY[:2], n=3, max_new_tokens=4, temperature=0)] == [3, 3]


def test_generate_many_edge_cases(gen):
    assert gen.generate_many([]) == []
    stop = threading.Event()
    stop.set()
    many = gen.generate_many(MANY[:2], max_new_tokens=50, temperature=0, stop_event=stop)
    assert all(c.finish_reason == "cancelled" and c.tokens <= 1 for (c,) in many)
    with pytest.raises(ModelError, match="empty"):
        gen.generate_many([MANY[0], Request("")])
    assert gen.generate_many([MANY[0]], max_new_tokens=4, temperature=0)[0][0].text == \
        gen.generate(MANY[0], max_new_tokens=4, temperature=0)[0].text


def test_stream_grows_and_ends_with_the_candidate(gen):
    chunks = list(gen.stream(Request("draw a line"), max_new_tokens=16, temperature=0))
    assert all(isinstance(c, StreamChunk) for c in chunks)
    assert chunks[-1].done and chunks[-1].candidate is not None
    assert not any(c.done for c in chunks[:-1])
    texts = [c.text for c in chunks[:-1]]
    assert all(b.startswith(a) for a, b in zip(texts, texts[1:]))
    final = chunks[-1].candidate
    assert final.text == chunks[-1].text
    assert final.text == gen.generate(Request("draw a line"), max_new_tokens=16, temperature=0)[0].text


def test_stream_cancellation_with_stop_event(gen):
    stop = threading.Event()
    chunks = []
    for chunk in gen.stream(Request("draw many things"), max_new_tokens=400, temperature=1.0, stop_event=stop):
        chunks.append(chunk)
        stop.set()
    final = chunks[-1].candidate
    assert chunks[-1].done and final.finish_reason == "cancelled" and final.tokens < 400


def test_abandoned_stream_stops_the_worker(gen):
    it = gen.stream(Request("draw a grid"), max_new_tokens=400, temperature=1.0)
    next(it)
    it.close()  # the consumer walks away (e.g. the browser tab closed)
    assert not any(t.name == "model-stream" and t.is_alive() for t in threading.enumerate())


def test_preset_stop_event_cancels_generate(gen):
    stop = threading.Event()
    stop.set()
    cand = gen.generate(Request("x"), max_new_tokens=50, stop_event=stop)[0]
    assert cand.finish_reason == "cancelled" and cand.tokens <= 1


def test_repair_sends_the_error_and_line(gen, monkeypatch):
    seen = []
    real = gen.generate

    def spy(request, **kw):
        seen.append(request)
        return real(request, **kw)

    monkeypatch.setattr(gen, "generate", spy)
    code = "function setup() {\n  createCanvas(100, 100);\n  fil(3);\n}"
    cands = gen.repair(code, "ReferenceError: fil is not defined", 3, lang="p5", max_new_tokens=5)
    assert len(cands) == 1 and seen[0].code == code
    assert seen[0].error_line == 3 and seen[0].render_status == "error"
    assert ">> 3 |   fil(3);" in gen.prompt_text(seen[0])


def test_repair_honours_the_stop_event_and_matches_repair_request(gen):
    from model import repair_request

    stop = threading.Event()
    stop.set()
    code = "function setup() {\n  createCanvas(100, 100);\n  fil(3);\n}"
    cand = gen.repair(code, "ReferenceError: fil is not defined", 3, max_new_tokens=50, stop_event=stop)[0]
    assert cand.finish_reason == "cancelled" and cand.tokens <= 1
    req = repair_request(code, "ReferenceError: fil is not defined", 3, request=Request("赤い円を描いて"))
    assert req.code == code and req.error_line == 3 and req.render_status == "error"
    assert "3行目" in req.instruction  # the repair is asked in the user's language


def test_continue_generation_extends_a_truncated_candidate(gen):
    req = Request("draw a long figure")
    first = gen.generate(req, max_new_tokens=3, temperature=0)[0]
    assert first.finish_reason == "length"
    more = gen.continue_generation(req, first, max_new_tokens=4)
    assert more.text.startswith(first.text) and more.tokens > first.tokens


def test_int8_dynamic_quantisation_generates(tiny):
    import torch
    from torch import nn

    from model.cpu_decode import SmallBatchLinear

    g = load(str(tiny), quantize="int8")
    assert g.generate(Request("x"), max_new_tokens=4, temperature=0)[0].tokens >= 1
    layers = dict(g.model.named_modules())
    quantised = {n: m for n, m in layers.items() if type(m).__name__ == "Linear" and "quantized" in type(m).__module__}
    assert quantised and all(m.weight().qscheme() == torch.per_channel_affine for m in quantised.values())
    # The MLP down projections stay fp32 (activation outliers), and run as small-batch layers.
    down = [m for n, m in layers.items() if n.endswith("down_proj")]
    assert down and all(type(m) is SmallBatchLinear for m in down)
    assert not any(n.endswith("down_proj") for n in quantised) and any(n.endswith("q_proj") for n in quantised)
    assert not any(type(m) is nn.Linear for m in layers.values())


def test_small_batch_linear_matches_linear_and_leaves_training_alone():
    import torch
    from torch import nn

    from model.cpu_decode import SMALL_BATCH_ROWS, SmallBatchLinear, use_small_batch_linears

    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(96, 300), nn.ReLU(), nn.Linear(300, 40, bias=False))
    assert use_small_batch_linears(net) == 2 and all(type(m) is SmallBatchLinear for m in (net[0], net[2]))
    for shape in [(1, 96), (3, 96), (2, 5, 96), (SMALL_BATCH_ROWS, 96), (SMALL_BATCH_ROWS + 1, 96), (0, 96)]:
        x = torch.randn(*shape)
        with torch.inference_mode():
            fast = net(x)
        ref = nn.functional.linear(nn.functional.relu(nn.functional.linear(x, net[0].weight, net[0].bias)),
                                   net[2].weight)
        assert fast.shape == ref.shape == (*shape[:-1], 40)
        assert torch.allclose(fast, ref, atol=1e-5, rtol=1e-5)
    # With gradients on (training) the layer is plain nn.Linear: the same numbers and a working backward.
    x = torch.randn(3, 96, requires_grad=True)
    y = net(x)
    assert torch.equal(y, nn.functional.linear(nn.functional.relu(nn.functional.linear(x, net[0].weight,
                                                                                          net[0].bias)),
                                               net[2].weight))
    y.sum().backward()
    assert x.grad is not None and net[0].weight.grad is not None
    # Switching back restores exact nn.Linear, which dynamic int8 quantisation needs.
    assert use_small_batch_linears(net, on=False) == 2 and type(net[0]) is nn.Linear
    q = torch.ao.quantization.quantize_dynamic(net, {nn.Linear}, dtype=torch.qint8)
    assert type(q[0]) is not nn.Linear


def test_cpu_models_load_with_small_batch_linears_and_answer_the_same(tiny):
    from torch import nn

    from model.cpu_decode import SmallBatchLinear, use_small_batch_linears

    g = load(str(tiny))
    kinds = {type(m) for m in g.model.modules() if isinstance(m, nn.Linear)}
    assert kinds == {SmallBatchLinear}
    req = [Request("two circles and a square"), Request("x")]
    fast = [cs[0].text for cs in g.generate_many(req, max_new_tokens=10, temperature=0)]
    use_small_batch_linears(g.model, on=False)
    assert [cs[0].text for cs in g.generate_many(req, max_new_tokens=10, temperature=0)] == fast
    off = load(str(tiny), small_batch_matmul=False)
    assert not any(type(m) is SmallBatchLinear for m in off.model.modules())
    int8 = load(str(tiny), quantize="int8")  # only the layers int8 leaves in fp32 are small-batch ones
    assert {n.rsplit(".", 1)[-1] for n, m in int8.model.named_modules() if type(m) is SmallBatchLinear} == {"down_proj"}


@pytest.mark.parametrize("temperature,top_k,top_p", [(0.7, 20, 0.8), (1.0, 5, None), (0.3, 50, 0.95),
                                                     (1.5, 1000, 0.5)])
def test_top_k_top_p_sampler_draws_from_the_transformers_distribution(temperature, top_k, top_p):
    import torch
    from transformers import TemperatureLogitsWarper, TopKLogitsWarper, TopPLogitsWarper

    from model.cpu_decode import TopKTopPSampler

    torch.manual_seed(0)
    scores = torch.randn(3, 500) * 3
    ref = TemperatureLogitsWarper(temperature)(None, scores.clone())
    ref = TopKLogitsWarper(top_k)(None, ref)
    if top_p is not None:
        ref = TopPLogitsWarper(top_p)(None, ref)
    ref = torch.softmax(ref, dim=-1)
    sampler = TopKTopPSampler(temperature, top_k, top_p, generator=torch.Generator().manual_seed(1))
    index, probs = sampler.distribution(scores)
    ours = torch.zeros_like(scores).scatter_(1, index, probs)
    assert torch.allclose(ours, ref, atol=1e-6)
    # Each call draws one token per row, inside the support, with the right frequencies.
    counts = torch.zeros_like(scores)
    for _ in range(2000):
        out = sampler(None, scores)
        assert torch.isfinite(out).sum(dim=-1).tolist() == [1, 1, 1]
        counts.scatter_add_(1, out.argmax(dim=-1, keepdim=True), torch.ones(3, 1))
    assert (counts[ref == 0] == 0).all()
    assert torch.allclose(counts / 2000, ref, atol=0.04)


def test_sampling_without_top_k_uses_transformers_warpers(gen, monkeypatch):
    from dataclasses import replace

    monkeypatch.setattr(gen, "settings", replace(gen.settings, top_k=None, top_p=0.9))
    calls = _spy_generate(gen, monkeypatch)
    cands = gen.generate(Request("a bar chart"), n=2, max_new_tokens=6, temperature=1.0)
    assert len(cands) == 2 and calls[0]["cache_rows"] == 2 and calls[0]["sample"] is True
    assert cands[0].logprob is not None


def test_static_cache_gives_the_same_greedy_answer(gen, tiny):
    g = load(str(tiny), cache_implementation="static")
    req = Request("two circles")
    assert g.generate(req, max_new_tokens=8, temperature=0)[0].text == \
        gen.generate(req, max_new_tokens=8, temperature=0)[0].text


def test_history_budget_uses_the_model_tokenizer(gen):
    history = [Turn(f"make item {i} bigger and blue") for i in range(100)]
    text = gen.prompt_text(Request("x", history=history))
    assert "make item 99 bigger" in text and "make item 0 bigger" not in text


def test_gguf_file_loads_like_the_original(tiny, gen, tmp_path):
    gguf_path = util.make_gguf(tiny, tmp_path / "tiny-qwen2.gguf")
    g = load(str(gguf_path))
    assert g.name == "tiny-qwen2"
    req = Request("draw a circle")
    a = g.generate(req, max_new_tokens=8, temperature=0)[0]
    b = gen.generate(req, max_new_tokens=8, temperature=0)[0]
    assert a.text == b.text and a.logprob == pytest.approx(b.logprob, abs=1e-4)


# ----------------------------------------------------------------------------- adapters
def test_adapters_load_switch_and_report(tiny, tiny_adapters, gen):
    g = load(str(tiny), adapter=tiny_adapters)
    assert g.adapters == ["red", "blue"] and g.adapter == "red"
    req = Request("draw a circle")
    red = g.generate(req, max_new_tokens=8, temperature=0)[0]
    g.set_adapter("blue")
    blue = g.generate(req, max_new_tokens=8, temperature=0)[0]
    g.set_adapter(None)
    base = g.generate(req, max_new_tokens=8, temperature=0)[0]
    assert (red.adapter, blue.adapter, base.adapter) == ("red", "blue", None)
    assert red.logprob != pytest.approx(blue.logprob, abs=1e-4)
    plain = gen.generate(req, max_new_tokens=8, temperature=0)[0]
    assert base.text == plain.text and base.logprob == pytest.approx(plain.logprob, abs=1e-4)
    with pytest.raises(ModelError, match="No adapter named"):
        g.set_adapter("green")


def test_merged_adapter_answers_like_the_unmerged_one(tiny, tiny_adapters):
    g = load(str(tiny), adapter=tiny_adapters["blue"])
    req = Request("draw a circle")
    before = g.generate(req, max_new_tokens=8, temperature=0)[0]
    g.merge()
    after = g.generate(req, max_new_tokens=8, temperature=0)[0]
    assert after.adapter == "blue" and g.merged == "blue"
    assert after.text == before.text and after.logprob == pytest.approx(before.logprob, abs=1e-3)
    with pytest.raises(ModelError, match="merged"):
        g.set_adapter(None)
    merged_at_load = load(str(tiny), adapter=tiny_adapters["blue"], merge=True)
    assert merged_at_load.merged == "blue"


def test_load_adapter_later_and_bad_adapter_paths(tiny, tiny_adapters, tmp_path):
    g = load(str(tiny))
    assert g.load_adapter(tiny_adapters["red"], "r") == "r" and g.adapter == "r"
    assert g.load_adapter(tiny_adapters["blue"]) == "blue" and g.adapter == "r"
    with pytest.raises(ModelError, match="adapter_config.json"):
        g.load_adapter(str(tmp_path))
    with pytest.raises(ModelError, match="already loaded"):
        g.load_adapter(tiny_adapters["blue"])
    with pytest.raises(ModelError, match="merge"):
        load(str(tiny), adapter=tiny_adapters["red"], quantize="int8")


# ----------------------------------------------------------------------------- load errors and presets
def test_load_errors_are_clear(tmp_path):
    with pytest.raises(ModelError, match="does not exist"):
        load(str(tmp_path / "missing-model"))
    with pytest.raises(ModelError, match="not in the local cache"):
        load("some-org/not-a-cached-model")
    with pytest.raises(ModelError, match="GGUF"):
        load(str(tmp_path / "x.gguf"))
    (tmp_path / "empty").mkdir()
    with pytest.raises(ModelError):
        load(str(tmp_path / "empty"))


def test_4bit_without_cuda_is_a_clear_error(tiny):
    import torch

    if torch.cuda.is_available():
        pytest.skip("CUDA is present; 4-bit loading would be attempted")
    with pytest.raises(ModelError, match="CUDA"):
        load(str(tiny), load_in_4bit=True)


def test_presets_table_and_adapter_resolution(tmp_path):
    from model.presets import DEFAULT_PRESET, PRESETS, get_preset, resolve_adapter_dir

    assert DEFAULT_PRESET == "qwen2.5-coder-0.5b" and get_preset("Qwen2.5-Coder-0.5B") is PRESETS[DEFAULT_PRESET]
    assert PRESETS[DEFAULT_PRESET].adapter == "adapters/qwen2.5-coder-0.5b-figures"
    assert any(p.vision for p in PRESETS.values())
    assert resolve_adapter_dir(str(tmp_path)) is None  # an empty directory is not a trained adapter
    (tmp_path / "adapter_config.json").write_text("{}")
    assert resolve_adapter_dir(str(tmp_path)) == tmp_path


def test_default_preset_uses_the_trained_adapter_only_when_it_exists(monkeypatch, tmp_path):
    import model.embedded
    import model.hf
    import model.loader

    seen = []
    monkeypatch.setattr(model.hf, "load_transformers", lambda src, **kw: seen.append((src, kw)) or "gen")
    monkeypatch.setattr(model.embedded, "ensure_embedded_model", lambda spec=None: tmp_path / "embedded")
    monkeypatch.setattr(model.loader, "_preset_backend", lambda *a: "transformers")  # the transformers path
    monkeypatch.setattr(model.loader, "_hub_cached", lambda repo: False)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr(model.loader, "resolve_adapter_dir", lambda p: None)
    load()
    assert seen[-1][0] == str(tmp_path / "embedded") and seen[-1][1]["adapter"] is None
    assert seen[-1][1]["name"] == "qwen2.5-coder-0.5b"
    monkeypatch.setattr(model.loader, "resolve_adapter_dir", lambda p: tmp_path / "trained")
    load("qwen2.5-coder-0.5b", temperature=0.2)
    assert seen[-1][1]["adapter"] == {"qwen2.5-coder-0.5b-figures": str(tmp_path / "trained")}
    assert seen[-1][1]["settings"].temperature == 0.2
    load("qwen2.5-coder-0.5b", adapter=False)
    assert seen[-1][1]["adapter"] is None


# ----------------------------------------------------------------------------- vision
@pytest.fixture(scope="module")
def tiny_vl(tmp_path_factory):
    return load(str(util.make_qwen2_vl(tmp_path_factory.mktemp("qwen2vl") / "tiny-qwen2-vl")))


def test_vision_model_reads_the_image(tiny_vl):
    import numpy as np
    from PIL import Image

    assert tiny_vl.is_vision
    white = Image.new("RGB", (64, 48), "white")
    noise = Image.fromarray(np.random.default_rng(0).integers(0, 255, (48, 64, 3), dtype=np.uint8))
    a = tiny_vl.generate(Request("draw this sketch", images=[white]), max_new_tokens=6, temperature=0)[0]
    b = tiny_vl.generate(Request("draw this sketch", images=[noise]), max_new_tokens=6, temperature=0)[0]
    assert a.tokens >= 1 and b.tokens >= 1
    assert a.logprob != pytest.approx(b.logprob, abs=1e-6)  # the pixels reach the model
    assert "<|image_pad|>" in tiny_vl.prompt_text(Request("x", images=[white]))


def test_vision_model_batches_streams_and_works_without_images(tiny_vl, tmp_path):
    from PIL import Image

    png = tmp_path / "sketch.png"
    Image.new("RGB", (50, 50), "black").save(png)
    cands = tiny_vl.generate(Request("draw", images=[str(png)]), n=2, max_new_tokens=5, temperature=1.0)
    assert len(cands) == 2
    chunks = list(tiny_vl.stream(Request("draw", images=[png.read_bytes()]), max_new_tokens=5))
    assert chunks[-1].done
    assert tiny_vl.generate(Request("no image"), max_new_tokens=4)[0].tokens >= 1
    with pytest.raises(ModelError, match="not found"):
        tiny_vl.generate(Request("x", images=[str(tmp_path / "nope.png")]), max_new_tokens=2)


def test_vision_generate_many_answers_each_request(tiny_vl):
    from PIL import Image

    reqs = [Request("draw this", images=[Image.new("RGB", (32, 32), "white")]), Request("no image here")]
    many = tiny_vl.generate_many(reqs, max_new_tokens=4, temperature=0)
    assert [c[0].text for c in many] == [tiny_vl.generate(r, max_new_tokens=4, temperature=0)[0].text for r in reqs]


# ----------------------------------------------------------------------------- endpoint
REPLY = f"Here it is:\n```javascript\n{SKETCH}\n```"


class _Handler(BaseHTTPRequestHandler):
    """A small OpenAI-compatible server: /v1/models and /v1/chat/completions (plain and SSE)."""

    def log_message(self, *args):  # keep test output clean
        pass

    def _json(self, code: int, obj: dict) -> None:
        body = json.dumps(obj).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        srv = self.server
        if self.path == "/v1/models":
            return self._json(200, {"data": [{"id": m} for m in srv.models]})
        self._json(404, {"error": {"message": "not found"}})

    def do_POST(self):
        srv = self.server
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        srv.requests.append({"body": body, "auth": self.headers.get("Authorization")})
        if srv.fail:
            code = srv.fail.pop(0)
            return self._json(code, {"error": {"message": f"scripted failure {code}"}})
        with srv.lock:
            srv.inflight += 1
            srv.max_inflight = max(srv.max_inflight, srv.inflight)
        try:
            if srv.delay_s:
                time.sleep(srv.delay_s)
        finally:
            with srv.lock:
                srv.inflight -= 1
        if srv.api_key and self.headers.get("Authorization") != f"Bearer {srv.api_key}":
            return self._json(401, {"error": {"message": "invalid api key"}})
        if body["model"] not in srv.models:
            return self._json(404, {"error": {"message": f"model {body['model']} does not exist"}})
        reply = srv.reply
        if srv.echo:  # answer with the request's last line (its instruction), to check the order of answers
            reply = f"echo: {body['messages'][-1]['content'].splitlines()[-1]}"
        n = 1 if srv.ignore_n else body.get("n", 1)
        if body.get("stream"):
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.end_headers()
            pieces = [reply[i:i + 7] for i in range(0, len(reply), 7)]
            for i, piece in enumerate(pieces):
                last = i == len(pieces) - 1
                ev = {"choices": [{"index": 0, "delta": {"content": piece},
                                   "logprobs": {"content": [{"token": piece, "logprob": -0.5}]},
                                   "finish_reason": srv.finish if last else None}]}
                try:
                    self.wfile.write(f"data: {json.dumps(ev)}\n\n".encode())
                    self.wfile.flush()
                except (BrokenPipeError, ConnectionResetError):
                    return
                time.sleep(srv.chunk_delay_s)
            self.wfile.write(b"data: [DONE]\n\n")
            return
        choices = [{"index": i, "message": {"role": "assistant", "content": reply},
                    "logprobs": {"content": [{"token": "t", "logprob": -0.25 * (i + 1)}] * 4},
                    "finish_reason": srv.finish} for i in range(n)]
        self._json(200, {"choices": choices, "usage": {"completion_tokens": 4 * n}})


@pytest.fixture()
def server():
    srv = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    srv.daemon_threads = True
    srv.models, srv.requests, srv.fail = ["qwen-coder", "figures-lora"], [], []
    srv.delay_s, srv.chunk_delay_s, srv.api_key, srv.ignore_n = 0.0, 0.0, None, False
    srv.reply, srv.finish = REPLY, "stop"
    srv.echo, srv.lock, srv.inflight, srv.max_inflight = False, threading.Lock(), 0, 0
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    srv.url = f"http://127.0.0.1:{srv.server_address[1]}/v1"
    yield srv
    srv.shutdown()
    srv.server_close()


def test_endpoint_generate_n_with_logprobs(server, monkeypatch):
    monkeypatch.setenv("FIGURE_ASSISTANT_API_KEY", "sk-test")
    g = load(server.url)
    assert g.base_model == "qwen-coder" and g.adapters == ["figures-lora"]
    cands = g.generate(Request("a circle"), n=2, max_new_tokens=64, temperature=0.5)
    assert [c.code for c in cands] == [SKETCH, SKETCH]
    assert [c.logprob for c in cands] == [-0.25, -0.5] and cands[0].tokens == 4
    req = server.requests[-1]
    assert req["auth"] == "Bearer sk-test"
    body = req["body"]
    assert body["n"] == 2 and body["max_tokens"] == 64 and body["temperature"] == 0.5
    assert body["messages"][0]["role"] == "system" and "a circle" in body["messages"][1]["content"]


def test_endpoint_fills_n_when_the_server_ignores_it(server):
    server.ignore_n = True
    cands = load(server.url).generate(Request("a circle"), n=3)
    assert len(cands) == 3 and len(server.requests) == 3


def test_endpoint_adapter_is_the_served_model_name(server):
    g = load(server.url, adapter="figures-lora")
    cand = g.generate(Request("x"))[0]
    assert cand.adapter == "figures-lora" and server.requests[-1]["body"]["model"] == "figures-lora"
    g.set_adapter(None)
    assert g.generate(Request("x"))[0].adapter is None and server.requests[-1]["body"]["model"] == "qwen-coder"
    with pytest.raises(ModelError, match="serves no model"):
        g.set_adapter("other")


def test_endpoint_generate_many_is_concurrent_and_in_order(server):
    server.echo, server.delay_s = True, 0.3
    g = load(server.url)
    reqs = [Request(f"figure number {i}") for i in range(6)]
    many = g.generate_many(reqs, n=2, max_new_tokens=16, temperature=0.5)
    assert [[c.text for c in cands] for cands in many] == [[f"echo: figure number {i}"] * 2 for i in range(6)]
    assert 2 <= server.max_inflight <= 4  # concurrent, bounded by the pool
    assert all(r["body"]["n"] == 2 and r["body"]["max_tokens"] == 16 for r in server.requests)
    assert g.generate_many([]) == []
    server.echo, server.delay_s = False, 0.0
    with pytest.raises(ModelError, match="404"):
        load(server.url, model="missing-model").generate_many(reqs[:3])
    with pytest.raises(ModelError, match="empty"):
        g.generate_many([reqs[0], Request("")])


def test_endpoint_streams_and_flags_truncation(server):
    server.reply, server.finish = "```javascript\nfunction setup() {\n  createCanvas(400, 400);\n  circle(", "length"
    chunks = list(load(server.url).stream(Request("x"), max_new_tokens=20))
    assert len(chunks) > 3 and chunks[-1].done
    assert chunks[-1].text == server.reply
    cand = chunks[-1].candidate
    assert cand.truncated and cand.finish_reason == "length" and cand.logprob == -0.5
    assert server.requests[-1]["body"]["stream"] is True


def test_endpoint_stream_cancellation(server):
    server.chunk_delay_s = 0.05
    stop = threading.Event()
    chunks = []
    for chunk in load(server.url).stream(Request("x"), stop_event=stop):
        chunks.append(chunk)
        stop.set()
    assert chunks[-1].candidate.finish_reason == "cancelled"
    assert len(chunks[-1].text) < len(REPLY)


def test_endpoint_retries_server_errors_with_backoff(server):
    server.fail = [503, 500]
    g = load(server.url, retries=2, backoff_s=0.01)
    assert g.generate(Request("x"))[0].code == SKETCH
    assert len(server.requests) == 3
    server.fail = [503, 503, 503]
    with pytest.raises(ModelError, match="after 3 attempt"):
        g.generate(Request("x"))


def test_endpoint_clear_errors(server):
    server.api_key = "right"
    with pytest.raises(ModelError, match="API key"):
        load(server.url, api_key="wrong").generate(Request("x"))
    server.api_key = None
    with pytest.raises(ModelError, match="404"):
        load(server.url, model="missing-model").generate(Request("x"))


def test_endpoint_slow_response_times_out(server):
    server.delay_s = 1.0
    g = load(server.url, timeout_s=0.2, retries=1, backoff_s=0.01)
    with pytest.raises(ModelError, match="did not answer within 0.2 s"):
        g.generate(Request("x"))


def test_dead_endpoint_is_a_clear_error():
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(ModelError, match="cannot connect"):
        load(f"http://127.0.0.1:{port}/v1", retries=1, backoff_s=0.01)


def test_endpoint_vision_sends_data_urls(server):
    from PIL import Image

    g = load(server.url, vision=True)
    g.generate(Request("draw this", images=[Image.new("RGB", (8, 8), "red")]))
    parts = server.requests[-1]["body"]["messages"][1]["content"]
    assert parts[0]["type"] == "image_url" and parts[0]["image_url"]["url"].startswith("data:image/png;base64,")


# ----------------------------------------------------------------------------- embedded default
def test_embedded_parts_are_found_in_order():
    from model.embedded import EMBEDDED, gguf_part_paths

    paths = gguf_part_paths()
    assert [p.name for p in paths] == [f"part0{i}.bin" for i in range(1, 7)]
    assert all(p.is_file() for p in paths) and EMBEDDED.version == "0.9.0"


def test_embedded_refuses_a_wrong_checksum(tmp_path):
    from model.embedded import _join_and_verify

    parts = [tmp_path / "a", tmp_path / "b"]
    parts[0].write_bytes(b"GGUF")
    parts[1].write_bytes(b"tail")
    with pytest.raises(ModelError, match="Refusing"):
        _join_and_verify(parts, tmp_path / "joined", "0" * 64)
    assert not (tmp_path / "joined").exists()
    import hashlib

    _join_and_verify(parts, tmp_path / "ok", hashlib.sha256(b"GGUFtail").hexdigest())
    assert (tmp_path / "ok").read_bytes() == b"GGUFtail"


def test_embedded_conversion_runs_once_under_concurrency(tmp_path, monkeypatch):
    import model.embedded as emb

    monkeypatch.setenv("FIGURE_ASSISTANT_CACHE", str(tmp_path))
    calls = []

    def fake_convert(spec, work, out_dir):
        calls.append(1)
        time.sleep(0.3)  # long enough for the other callers to queue on the lock
        (out_dir / "config.json").write_text("{}")
        (out_dir / emb._DONE_MARKER).write_text("{}")

    monkeypatch.setattr(emb, "_convert", fake_convert)
    results = []
    threads = [threading.Thread(target=lambda: results.append(emb.ensure_embedded_model())) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(calls) == 1
    assert results == [tmp_path / "models" / "qwen2.5-coder-0.5b"] * 3
    assert [p.name for p in (tmp_path / "models").iterdir() if not p.name.startswith(".")] == ["qwen2.5-coder-0.5b"]
    assert not [p for p in (tmp_path / "models").iterdir() if ".tmp-" in p.name]  # no leftovers


@pytest.mark.slow
def test_embedded_default_generates_p5_code():
    g = load()
    assert g.name == "qwen2.5-coder-0.5b"
    cand = g.generate(Request("Draw a red circle in the middle of the canvas."), n=1, max_new_tokens=48,
                      temperature=0)[0]
    assert cand.model == "qwen2.5-coder-0.5b" and cand.logprob is not None
    assert "createCanvas" in cand.code and "function setup" in cand.code


# ----------------------------------------------------------------------------- CLI
def _cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "model", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=300, env={**os.environ, **(env or {})})


def test_cli_prints_the_extracted_code(server):
    r = _cli("generate", "a circle in the middle", "--model", server.url, "--no-render")
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == SKETCH


def test_cli_all_candidates_as_json_lines(server, tmp_path):
    code = tmp_path / "old.js"
    code.write_text("function setup() { createCanvas(10, 10); }")
    r = _cli("generate", "make it bigger", "--code", str(code), "--model", server.url, "-n", "3", "--all",
             "--no-render", "--max-new-tokens", "50")
    assert r.returncode == 0, r.stderr
    rows = [json.loads(line) for line in r.stdout.splitlines()]
    assert len(rows) == 3 and all(row["code"] == SKETCH for row in rows)
    assert rows[0]["logprob"] >= rows[1]["logprob"] >= rows[2]["logprob"]  # best first
    assert "createCanvas(10, 10)" in server.requests[-1]["body"]["messages"][1]["content"]
    assert server.requests[-1]["body"]["max_tokens"] == 50


def test_cli_errors_exit_nonzero_with_a_message(tmp_path, server):
    r = _cli("generate", "x", "--model", str(tmp_path / "nowhere"))
    assert r.returncode != 0 and "does not exist" in r.stderr and r.stdout == ""
    r = _cli("generate", "x", "--model", server.url, "--code", str(tmp_path / "missing.js"))
    assert r.returncode != 0 and "--code" in r.stderr
    server.reply = "I cannot draw that."
    r = _cli("generate", "x", "--model", server.url, "--no-render")
    assert r.returncode != 0 and "no p5 code" in r.stderr


def test_extract_joins_helper_blocks_the_main_block_calls():
    """A reply that puts setup() in one block and the helper it calls in another yields one runnable program."""
    reply = ("Here is the sketch:\n```javascript\nfunction setup() {\n  createCanvas(200, 200);\n  bars();\n"
             "  noLoop();\n}\n```\nAnd the helper:\n```javascript\nfunction bars() {\n  rect(10, 10, 50, 80);\n}\n```\n"
             "Unrelated:\n```javascript\nfunction unused() {}\n```\n")
    ex = extract_code(reply, "p5")
    assert "function setup()" in ex.code and "function bars()" in ex.code
    assert "unused" not in ex.code
    assert not ex.truncated


def test_default_preset_uses_the_installed_package_without_asking_the_hub(monkeypatch):
    """With the embedded wheels installed, the default never contacts the hub, even when not offline."""
    from model import loader
    from model.presets import DEFAULT_PRESET, get_preset

    def no_network(*_a, **_k):
        raise AssertionError("the hub was asked")

    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.setattr(loader, "_hub_reachable", no_network)
    monkeypatch.setattr(loader, "_hub_cached", lambda _repo: False)
    assert loader._preset_sources(get_preset(DEFAULT_PRESET), None) == [loader.EMBEDDED_SOURCE]


# ----------------------------------------------------------------------------- llama.cpp backend
# The tiny Qwen2 written as an F32 GGUF runs on both backends; they agree to float rounding (stated tolerances).
# Per-token log-probability, llama.cpp vs transformers: F32 weights on both, but llama.cpp keeps keys and values in
# f16 (measured differences up to 2e-3 on this model).
LOGPROB_TOL = 5e-3


@pytest.fixture(scope="module")
def tiny_gguf(tiny, tmp_path_factory) -> Path:
    return util.make_gguf(tiny, tmp_path_factory.mktemp("gguf") / "tiny-qwen2.gguf")


@pytest.fixture(scope="module")
def llama_gen(tiny_gguf):
    return load(str(tiny_gguf), backend="llamacpp")


def _hf_token_logprobs(g, prompt_text: str, continuation: list[int]) -> list[float]:
    """Teacher-forced log-probabilities of continuation after prompt_text under a transformers generator."""
    import torch

    prompt = g.tokenizer(prompt_text, add_special_tokens=False, return_tensors="pt")["input_ids"]
    ids = torch.cat([prompt, torch.tensor([continuation])], dim=1)
    with torch.no_grad(), g._adapter_context():  # the base model when no adapter is active
        logits = g.model(ids).logits[0, prompt.shape[1] - 1:-1].float()
    return torch.log_softmax(logits, -1).gather(1, torch.tensor(continuation)[:, None])[:, 0].tolist()


def test_gguf_loads_on_llamacpp_and_agrees_with_transformers(llama_gen, gen):
    from model.llamacpp import LlamaCppGenerator

    assert isinstance(llama_gen, LlamaCppGenerator) and llama_gen.name == "tiny-qwen2"
    req = Request("draw a circle", code="function setup() { createCanvas(400, 400); }")
    text = llama_gen.prompt_text(req)
    assert text == gen.prompt_text(req)  # the chat template read from the GGUF
    assert llama_gen.tokenize(text) == gen.tokenizer(text, add_special_tokens=False)["input_ids"]
    cont = gen.tokenizer(util.CORPUS[1], add_special_tokens=False)["input_ids"][:24]
    assert llama_gen.token_logprobs(text, cont) == pytest.approx(_hf_token_logprobs(gen, text, cont),
                                                                 abs=LOGPROB_TOL)
    a = llama_gen.generate(req, max_new_tokens=10, temperature=0)[0]
    b = gen.generate(req, max_new_tokens=10, temperature=0)[0]
    assert a.text == b.text and a.tokens == b.tokens and a.finish_reason == b.finish_reason
    assert a.logprob == pytest.approx(b.logprob, abs=LOGPROB_TOL)
    assert isinstance(a, Candidate) and a.model == "tiny-qwen2" and a.adapter is None


def test_llamacpp_lora_changes_the_output_like_transformers(tiny, tiny_gguf, tiny_adapters, gen):
    """A PEFT adapter converted to a GGUF LoRA moves llama.cpp's log-probabilities exactly as PEFT moves them."""
    hf = load(str(tiny), adapter=tiny_adapters)
    ll = load(str(tiny_gguf), adapter=tiny_adapters, backend="llamacpp")
    assert ll.adapters == hf.adapters == ["red", "blue"] and ll.adapter == hf.adapter == "red"
    converted = list(Path(tiny_adapters["red"]).glob("llamacpp-lora-qwen2-*.gguf"))
    assert len(converted) == 1  # cached next to the adapter
    text = gen.prompt_text(Request("draw a circle"))
    cont = gen.tokenizer(util.CORPUS[0], add_special_tokens=False)["input_ids"][:24]
    base = _hf_token_logprobs(gen, text, cont)
    for name in ("red", "blue", None):
        hf.set_adapter(name)
        ll.set_adapter(name)
        want = _hf_token_logprobs(hf, text, cont)
        got = ll.token_logprobs(text, cont)
        assert got == pytest.approx(want, abs=LOGPROB_TOL), name
        moved = max(abs(x - y) for x, y in zip(got, base))
        assert (moved > 0.05) if name else (moved < LOGPROB_TOL), (name, moved)
        a = ll.generate(Request("draw a circle"), max_new_tokens=8, temperature=0)[0]
        b = hf.generate(Request("draw a circle"), max_new_tokens=8, temperature=0)[0]
        assert a.text == b.text and a.adapter == b.adapter == name
        assert a.logprob == pytest.approx(b.logprob, abs=LOGPROB_TOL)
    mtime = converted[0].stat().st_mtime_ns
    load(str(tiny_gguf), adapter=tiny_adapters["red"], backend="llamacpp")
    assert converted[0].stat().st_mtime_ns == mtime  # converted once, then reused
    with pytest.raises(ModelError, match="No adapter named"):
        ll.set_adapter("green")
    with pytest.raises(ModelError, match="already loaded"):
        ll.load_adapter(tiny_adapters["red"])


def test_gguf_lora_scaling_follows_peft():
    from model.lora_gguf import peft_scaling

    cfg = {"r": 8, "lora_alpha": 16, "rank_pattern": {"down_proj": 4}, "alpha_pattern": {"layers.3.mlp.up_proj": 2}}
    assert peft_scaling(cfg, "model.layers.0.self_attn.q_proj") == 2.0
    assert peft_scaling(cfg, "model.layers.0.mlp.down_proj") == 4.0
    assert peft_scaling(cfg, "model.layers.3.mlp.up_proj") == 0.25
    assert peft_scaling(dict(cfg, use_rslora=True), "model.layers.0.self_attn.q_proj") == pytest.approx(16 / 8 ** 0.5)


def test_gguf_lora_refuses_what_llamacpp_cannot_apply(tiny_gguf, tiny_adapters, tmp_path):
    import shutil

    ll = load(str(tiny_gguf), backend="llamacpp")
    dora = tmp_path / "dora"
    shutil.copytree(tiny_adapters["blue"], dora)
    cfg = json.loads((dora / "adapter_config.json").read_text())
    (dora / "adapter_config.json").write_text(json.dumps(dict(cfg, use_dora=True)))
    with pytest.raises(ModelError, match="DoRA"):
        ll.load_adapter(str(dora))
    with pytest.raises(ModelError, match="adapter_config.json"):
        ll.load_adapter(str(tmp_path))
    assert ll.adapters == []


def test_llamacpp_samples_n_with_a_seed_and_ranks_by_logprob(llama_gen):
    req = Request("draw a red circle")
    # Same seed and same cache state, same samples: the cache is brought to this prompt first, because a prompt
    # prefilled in other chunks rounds its logits differently and this random model's near-ties can flip.
    llama_gen.generate(req, max_new_tokens=1, temperature=0)
    llama_gen.reseed(7)
    first = llama_gen.generate(req, n=3, max_new_tokens=12, temperature=1.0)
    llama_gen.reseed(7)
    again = llama_gen.generate(req, n=3, max_new_tokens=12, temperature=1.0)
    assert [c.text for c in first] == [c.text for c in again]
    assert len({c.text for c in first}) > 1  # three separate samples
    for c in first:
        assert 1 <= c.tokens <= 12 and c.logprob is not None and c.logprob < 0
        assert c.finish_reason in ("stop", "length") and c.model == llama_gen.name
    greedy = llama_gen.generate(req, n=2, max_new_tokens=6, temperature=0)
    assert greedy[0].text == greedy[1].text


def test_llamacpp_sampling_matches_the_transformers_chain():
    import numpy as np
    import torch
    from transformers import RepetitionPenaltyLogitsProcessor

    from model.cpu_decode import TopKTopPSampler
    from model.llamacpp import Sampling, penalised, sampling_distribution

    rng = np.random.default_rng(0)
    logits = rng.normal(0, 3, 500).astype(np.float32)
    seen = np.zeros(500, dtype=bool)
    seen[[3, 17, 250]] = True
    pen = penalised(logits, seen, 1.3)
    want = RepetitionPenaltyLogitsProcessor(1.3)(torch.tensor([[3, 17, 250]]), torch.tensor(logits)[None])[0]
    assert pen == pytest.approx(want.numpy(), abs=1e-6)
    for temperature, top_k, top_p in [(0.7, 20, 0.8), (1.0, 5, None), (0.3, 50, 0.95)]:
        idx, probs = sampling_distribution(pen, Sampling(temperature, top_k, top_p, None))
        t_idx, t_probs = TopKTopPSampler(temperature, top_k, top_p).distribution(torch.tensor(pen)[None])
        assert idx.tolist() == t_idx[0].tolist()
        assert probs == pytest.approx(t_probs[0].double().numpy(), abs=1e-5)


def test_llamacpp_streams_cancels_and_continues(llama_gen):
    req = Request("draw a circle")
    chunks = list(llama_gen.stream(req, max_new_tokens=10, temperature=0))
    assert chunks[-1].done and chunks[-1].candidate is not None
    assert all(not c.done for c in chunks[:-1])
    assert chunks[-1].candidate.text == llama_gen.generate(req, max_new_tokens=10, temperature=0)[0].text
    stop = threading.Event()
    stop.set()
    cancelled = llama_gen.generate(req, max_new_tokens=10, temperature=0, stop_event=stop)[0]
    assert cancelled.finish_reason == "cancelled" and cancelled.tokens == 0
    last = list(llama_gen.stream(req, max_new_tokens=10, stop_event=stop))[-1]
    assert last.done and last.candidate.finish_reason == "cancelled"
    it = llama_gen.stream(req, max_new_tokens=50, temperature=0)
    next(it)
    it.close()  # abandoning a stream frees the model for the next call
    short = llama_gen.generate(req, max_new_tokens=4, temperature=0)[0]
    assert short.finish_reason == "length"
    longer = llama_gen.continue_generation(req, short, max_new_tokens=4)
    assert longer.text.startswith(short.text) and longer.tokens == 8 and longer.logprob < 0


def test_prompt_lookup_drafts_without_changing_the_answer(tiny_gguf):
    code = "\n".join(f"  line({i}, 0, {i}, 10);" for i in range(30))
    req = Request("make the lines red", code=code)
    plain = load(str(tiny_gguf), backend="llamacpp", prompt_lookup=False)
    fast = load(str(tiny_gguf), backend="llamacpp", prompt_lookup=True)
    a = plain.generate(req, max_new_tokens=40, temperature=0)[0]
    assert plain.last_stats["drafted"] == 0
    b = fast.generate(req, max_new_tokens=40, temperature=0)[0]
    assert fast.last_stats["drafted"] > 0
    assert a.text == b.text and a.tokens == b.tokens and b.logprob == pytest.approx(a.logprob, abs=LOGPROB_TOL)
    fast.generate(Request("draw a circle"), max_new_tokens=10, temperature=0)
    assert fast.last_stats["drafted"] == 0  # first drafts only where there is code to copy
    # Drafts stop where the prompt's code block closes (the last stop is the current code's closing fence).
    prompt = fast.tokenize(fast.prompt_text(req))
    stop = fast._code_ends(prompt)[-1]
    assert fast.detokenize(prompt[:stop + 1]).rstrip().endswith(code + "\n```")
    assert not fast.detokenize(prompt[:stop]).rstrip().endswith("```")


class _OracleDrafts:
    """Drafts that copy a known reply for `right` tokens and then guess one wrong token, growing like model.lookup's
    (stands in for a model that copies its prompt, which the tiny random model does not)."""

    def __init__(self, known: list[int], right: list[int]) -> None:
        self.known, self.right, self.calls = known, list(right), 0

    def draft(self, reply: list[int], room: int) -> list[int]:
        n = self.right[self.calls % len(self.right)]
        self.calls += 1
        out = list(self.known[len(reply):len(reply) + n])
        if len(out) == n:
            out.append(-1 % 300)  # a token the reply does not have there (or rarely: then it is accepted)
        return out[:room]


# Greedy with drafts of up to 200 tokens; sampling with drafts under 32 tokens: from 64 tokens a batch takes
# llama.cpp kernels whose logits differ from single steps by ~2e-3 (measured on this model), which moves greedy
# decoding nowhere here but can move a sampled draw that falls near the edge between two tokens.
@pytest.mark.parametrize("temperature,right", [(0.0, [0, 3, 40, 200, 1, 17, 120]), (0.9, [0, 3, 30, 1, 17, 8])])
def test_long_drafts_accepted_and_rejected_leave_the_reply_unchanged(tiny_gguf, monkeypatch, temperature, right):
    """Drafts cut at every kind of place give the reply decoding gives without them: greedy, and sampling with a
    seed (a drafted token is kept only when it is the token drawn)."""
    import model.llamacpp as backend

    code = "\n".join(f"  line({i}, 0, {i}, 10);" for i in range(30))
    req = Request("make the lines red", code=code)
    # One thread: how llama.cpp splits work between threads depends on the batch size, which moves logits by float
    # rounding and, rarely, a sampled draw near the edge between two tokens.
    g = load(str(tiny_gguf), backend="llamacpp", prompt_lookup=True, repetition_penalty=1.1, num_threads=1)
    prompt = g.tokenize(g.prompt_text(req))
    g.reseed(7)
    with g._lock:
        plain = g._run(prompt, max_new_tokens=300, sampling=g._sampling(temperature), stop_events=[])
    assert plain.drafted == 0 and len(plain.tokens) > 250
    oracle = _OracleDrafts(plain.tokens, right)
    monkeypatch.setattr(backend, "PromptLookup", lambda *a, **kw: oracle)
    g.reseed(7)
    cand = g.generate(req, max_new_tokens=300, temperature=temperature)[0]
    stats = g.last_stats
    assert cand.text == plain.text and cand.tokens == len(plain.tokens)
    assert stats["accepted"] > 200 and stats["batches"] < 60  # most tokens came from accepted drafts
    assert stats["drafted"] > stats["accepted"]  # and some drafted tokens were rejected
    # The cache holds exactly the reply's tokens: the next call over the same prompt answers the same.
    monkeypatch.undo()
    g.reseed(7)
    assert g.generate(req, max_new_tokens=300, temperature=temperature)[0].text == plain.text


def test_llamacpp_reports_prompt_and_decoding_time(tiny_gguf):
    from eval.figrun import TimedGen

    g = load(str(tiny_gguf), backend="llamacpp")
    req = Request("draw a circle")
    first = g.generate(req, max_new_tokens=6, temperature=0)[0]
    stats = g.last_stats
    assert first.prompt_ms > 0 and first.decode_ms > 0
    assert (stats["prompt_ms"], stats["decode_ms"]) == (first.prompt_ms, first.decode_ms)
    assert stats["prefilled"] == stats["prompt_tokens"] and stats["batches"] == 5
    g.generate(req, max_new_tokens=6, temperature=0)
    assert g.last_stats["prefilled"] == 1  # the prompt was cached: only its last token ran again
    # Candidates decoded together share the call's time; copies of one greedy answer too.
    samples = g.generate(req, n=3, max_new_tokens=6, temperature=0.8)
    stats = g.last_stats
    assert sum(c.prompt_ms for c in samples) == pytest.approx(stats["prompt_ms"])
    assert sum(c.decode_ms for c in samples) == pytest.approx(stats["decode_ms"])
    copies = g.generate(req, n=2, max_new_tokens=6, temperature=0)
    assert copies[0].decode_ms == copies[1].decode_ms == pytest.approx(g.last_stats["decode_ms"] / 2)
    # A streamed answer and a continued one carry their times; the continuation adds its own.
    last = [c for c in g.stream(req, max_new_tokens=4, temperature=0)][-1].candidate
    assert last.prompt_ms > 0 and last.decode_ms > 0
    longer = g.continue_generation(req, last, max_new_tokens=4)
    assert longer.decode_ms > last.decode_ms
    # eval's timing wrapper adds up what the candidates of a prompt report.
    timed = TimedGen(g)
    timed.generate(req, max_new_tokens=6, temperature=0)
    t = timed.take()
    assert t["prompt_ms"] == g.last_stats["prompt_ms"] and t["decode_ms"] == g.last_stats["decode_ms"]


THREAD_PROGRAM = "function setup() {\n  createCanvas(400, 400);\n  noLoop();\n}\n\nfunction draw() {\n" + "".join(
    f"  circle({40 * i}, 200, 30);\n" for i in range(1, 9)) + "}"


def test_a_revision_of_the_threads_last_answer_continues_the_cached_exchange(tiny_gguf):
    from model.base import Generator
    from model.prompts import format_answer

    g = load(str(tiny_gguf), backend="llamacpp", num_threads=1)
    first = Request("draw eight circles in a row", thread="session-a")
    reply = format_answer(THREAD_PROGRAM)
    g.remember(first, reply)
    edit = Request("make the circles red", code=THREAD_PROGRAM, render_status="ok", thread="session-a")
    msgs = g.messages(edit)
    # The first exchange, the program as the model's own answer, then the instruction without the code again.
    assert msgs[:-2] == Generator.messages(g, first)
    assert msgs[-2] == {"role": "assistant", "content": reply}
    assert "make the circles red" in msgs[-1]["content"] and "circle(40" not in msgs[-1]["content"]
    g.generate(edit, max_new_tokens=4, temperature=0)
    stats = g.last_stats
    exchange = len(g.tokenize(g._render(Generator.messages(g, first)) + reply))
    # Only the new turn is computed: the keys and values of the whole first exchange, program included, were cached.
    assert 0 < stats["prefilled"] == stats["prompt_tokens"] - exchange
    assert exchange > len(g.tokenize(THREAD_PROGRAM, special=False)) > stats["prefilled"]


def test_only_the_same_thread_and_the_same_code_continue(tiny_gguf):
    from model.base import Generator

    g = load(str(tiny_gguf), backend="llamacpp", num_threads=1)
    g.remember(Request("draw eight circles in a row", thread="session-a"), f"```javascript\n{THREAD_PROGRAM}\n```")
    same = dict(instruction="make the circles red", render_status="ok")
    restated = [Request(code=THREAD_PROGRAM, thread="session-b", **same),  # another user's session
                Request(code=THREAD_PROGRAM, **same),  # no thread
                Request(code=THREAD_PROGRAM.replace("30)", "20)"), thread="session-a", **same)]  # edited by hand
    for req in restated:
        msgs = g.messages(req)
        assert msgs == Generator.messages(g, req) and "Current code" in msgs[-1]["content"]
        assert "eight circles" not in str(msgs)  # nothing of the other exchange travels
    off = load(str(tiny_gguf), backend="llamacpp", num_threads=1, continue_threads=False)
    off.remember(Request("draw eight circles in a row", thread="s"), f"```javascript\n{THREAD_PROGRAM}\n```")
    req = Request(code=THREAD_PROGRAM, thread="s", **same)
    assert off.messages(req) == Generator.messages(off, req)


def test_a_cut_answer_is_carried_on_under_its_own_prompt_and_a_long_thread_restarts(tiny_gguf, monkeypatch):
    from model.base import Generator

    g = load(str(tiny_gguf), backend="llamacpp", num_threads=1)
    first = Request("draw a circle", thread="t")
    cut = g.generate(first, max_new_tokens=5, temperature=0)[0]
    assert cut.finish_reason == "length"
    seen = {"n": 0}
    real_eog = g._is_eog

    def stop_after_four(token: int) -> bool:
        seen["n"] += 1
        return real_eog(token) or seen["n"] >= 4

    monkeypatch.setattr(g, "_is_eog", stop_after_four)
    done = g.continue_generation(first, cut, max_new_tokens=20)
    assert done.finish_reason == "stop" and done.text.startswith(cut.text)
    assert g.last_stats["prefilled"] <= 2  # the cut answer's prompt and tokens were still cached
    assert g._last.messages == Generator.messages(g, first) and g._last.reply == done.text
    # a conversation longer than continue_max_tokens restates the code instead of continuing
    g.remember(first, f"```javascript\n{THREAD_PROGRAM}\n```")
    follow = Request("make it red", code=THREAD_PROGRAM, render_status="ok", thread="t")
    assert g.messages(follow)[-2]["role"] == "assistant"
    g.continue_max_tokens = 20
    seen["n"] = 0
    g.generate(follow, max_new_tokens=8, temperature=0)
    assert g.last_stats["prompt_tokens"] == len(g.tokenize(g._render(Generator.messages(g, follow))))


def test_repairs_keep_the_thread():
    from model.prompts import mismatch_request, repair_request

    req = Request("draw a 4-5-1 network", thread="session-a")
    assert repair_request("bad()", "bad is not defined", 1, request=req).thread == "session-a"
    assert mismatch_request("circle(1, 1, 1);", ["want 5 circles"], request=req).thread == "session-a"


def test_worked_examples_are_prefilled_once_and_their_saved_state_answers_alike(tiny_gguf, tmp_path):
    """A first figure's worked examples are computed once per machine: a later process restores their state."""
    states = tmp_path / "states"
    req = Request("A bar chart of four values", thread="s")
    first = load(str(tiny_gguf), backend="llamacpp", num_threads=1, examples=1,
                example_mode="shot", prefix_cache_dir=str(states))
    assert first.examples_for(req)  # the library has a bar chart
    a = first.generate(req, max_new_tokens=8, temperature=0)[0]
    cold = dict(first.last_stats)
    assert cold["prefilled"] == cold["prompt_tokens"] and len(list(states.glob("*.kv"))) == 1
    later = load(str(tiny_gguf), backend="llamacpp", num_threads=1, examples=1,
                example_mode="shot", prefix_cache_dir=str(states))
    b = later.generate(req, max_new_tokens=8, temperature=0)[0]
    warm = later.last_stats
    msgs = later.messages(req)
    head = len(later.tokenize(later._template.render(messages=msgs[:-1], add_generation_prompt=False)))
    # Only the request's own turn is computed; the examples' keys and values came from disk.
    assert warm["prefilled"] == warm["prompt_tokens"] - head and 0 < warm["prefilled"] < head
    assert b.text == a.text and b.logprob == pytest.approx(a.logprob, abs=1e-6)
    # Another example set, a revision or the switch turned off save nothing more.
    later.generate(Request("A bar chart of four values", code="function setup() {}", render_status="ok"),
                   max_new_tokens=2, temperature=0)
    off = load(str(tiny_gguf), backend="llamacpp", num_threads=1, examples=1,
                example_mode="shot", prefix_cache=False)
    off.generate(req, max_new_tokens=2, temperature=0)
    assert off.last_stats["prefilled"] == off.last_stats["prompt_tokens"]
    assert len(list(states.glob("*.kv"))) == 1


def test_warming_saves_the_examples_states_and_gives_way_to_a_request(tiny_gguf, tmp_path, monkeypatch):
    from model.examples import retrieve

    req = Request("A bar chart of four values")
    g = load(str(tiny_gguf), backend="llamacpp", num_threads=1, examples=1,
                example_mode="shot", prefix_cache_dir=str(tmp_path))
    example = retrieve(req, 1)[0]
    assert g.warm_examples(("en",), examples=[example], chunk=16) == 1
    assert g.warm_examples(("en",), examples=[example]) == 0  # already saved
    fresh = load(str(tiny_gguf), backend="llamacpp", num_threads=1, examples=1,
                example_mode="shot", prefix_cache_dir=str(tmp_path))
    fresh.generate(req, max_new_tokens=2, temperature=0)
    stats = fresh.last_stats
    assert 0 < stats["prefilled"] < stats["prompt_tokens"] // 2  # the example's prefill was not repeated
    # A request that arrives while warming stops it after the chunk in progress, for good.
    other = load(str(tiny_gguf), backend="llamacpp", num_threads=1, examples=1,
                example_mode="shot", prefix_cache_dir=str(tmp_path / "b"))
    chunks = []
    real = other._decode

    def decode(tokens, want):
        chunks.append(len(tokens))
        other._requests += 1  # as generate() does when a user's request comes in
        return real(tokens, want)

    monkeypatch.setattr(other, "_decode", decode)
    assert other.warm_examples(("en", "ja"), examples=[example], chunk=16) == 0
    assert chunks == [16] and not list((tmp_path / "b").glob("*.kv"))
    assert load(str(tiny_gguf), backend="llamacpp", num_threads=1, examples=0, prefix_cache_dir=str(tmp_path / "c")
                ).warm_examples() == 0  # no worked examples in the prompt settings: nothing to warm


def test_saved_prompt_states_are_keyed_by_model_adapter_and_tokens_and_kept_within_budget(tmp_path):
    from model.prefix_states import PrefixStates

    weights, adapter = tmp_path / "m.gguf", tmp_path / "a.gguf"
    weights.write_bytes(b"GGUF" + b"0" * 10)
    adapter.write_bytes(b"GGUF" + b"1" * 10)
    st = PrefixStates(model_path=str(weights), runtime="v1", max_bytes=250, directory=tmp_path / "s", max_disk_bytes=350)
    keys = {st.key([1, 2, 3], None), st.key([1, 2, 3], str(adapter)), st.key([1, 2, 4], None),
            PrefixStates(model_path=str(weights), runtime="v2").key([1, 2, 3], None)}
    assert len(keys) == 4
    st.put("a", b"x" * 100)
    st.put("b", b"y" * 100)
    assert st.get("a") == b"x" * 100  # now the most recent
    st.put("c", b"z" * 100)  # over the memory budget: "b", the least recently used, goes
    assert len(st) == 2 and "b" not in st._memory
    assert st.get("b") == b"y" * 100  # still on disk, read back
    files = sorted(p.name for p in (tmp_path / "s").glob("*.kv"))
    assert len(files) <= 3 and sum(p.stat().st_size for p in (tmp_path / "s").glob("*.kv")) <= 350
    (tmp_path / "s" / "bad.kv").write_bytes(b"not a state")
    assert PrefixStates(model_path=str(weights), runtime="v1", directory=tmp_path / "s").get("bad") is None
    weights.write_bytes(b"GGUF" + b"2" * 20)  # a changed model file gets new keys
    assert PrefixStates(model_path=str(weights), runtime="v1").key([1, 2, 3], None) not in keys


def test_load_picks_the_backend(tiny, tiny_gguf, monkeypatch, tmp_path):
    import model.llamacpp
    import model.loader
    from model.embedded import EMBEDDED_1_5B, embedded_gguf_path

    assert type(load(str(tiny_gguf))).__name__ == "LlamaCppGenerator"
    assert type(load(str(tiny_gguf), backend="transformers")).__name__ == "TransformersGenerator"
    with pytest.raises(ModelError, match="gguf"):
        load(str(tiny), backend="llamacpp")
    with pytest.raises(ModelError, match="Unknown backend"):
        load(str(tiny_gguf), backend="onnx")
    with pytest.raises(ModelError, match="already quantised"):
        load(str(tiny_gguf), backend="llamacpp", quantize="int8")
    with pytest.raises(ModelError, match="no packaged GGUF"):
        load("qwen2.5-vl-3b", backend="llamacpp")
    seen = []
    monkeypatch.setattr(model.llamacpp, "load_llamacpp", lambda path, **kw: seen.append((path, kw)) or "gen")
    monkeypatch.setattr(model.loader, "resolve_adapter_dir", lambda p: None)
    monkeypatch.setattr(model.llamacpp, "llama_cpp_available", lambda: True)
    assert load("qwen2.5-coder-1.5b") == "gen"
    assert seen[-1][0] == str(embedded_gguf_path(EMBEDDED_1_5B)) and seen[-1][1]["name"] == "qwen2.5-coder-1.5b"
    load("qwen2.5-coder-0.5b", num_threads=1, temperature=0.1)
    assert seen[-1][1]["num_threads"] == 1 and seen[-1][1]["settings"].temperature == 0.1
    monkeypatch.setattr(model.llamacpp, "llama_cpp_available", lambda: False)
    monkeypatch.setattr(model.hf, "load_transformers", lambda src, **kw: ("transformers", src))
    monkeypatch.setattr(model.embedded, "ensure_embedded_model", lambda spec: tmp_path / spec.name)
    monkeypatch.setattr(model.loader, "_hub_cached", lambda repo: False)
    assert load("qwen2.5-coder-1.5b") == ("transformers", str(tmp_path / "qwen2.5-coder-1.5b"))


def test_llamacpp_errors_are_clear(tmp_path, monkeypatch, tiny_gguf):
    from model.llamacpp import LlamaCppGenerator

    with pytest.raises(ModelError, match="No GGUF file"):
        load(str(tmp_path / "missing.gguf"), backend="llamacpp")
    bad = tmp_path / "bad.gguf"
    bad.write_bytes(b"not a model at all")
    with pytest.raises(ModelError, match="not a GGUF"):
        load(str(bad), backend="llamacpp")
    cut = tmp_path / "cut.gguf"
    cut.write_bytes(tiny_gguf.read_bytes()[: tiny_gguf.stat().st_size // 2])
    with pytest.raises(ModelError, match="damaged"):
        LlamaCppGenerator(str(cut))
    monkeypatch.setitem(sys.modules, "llama_cpp", None)  # as if llama-cpp-python were not installed
    with pytest.raises(ModelError, match="setup.sh"):
        load(str(tiny_gguf), backend="llamacpp")


def test_cli_backend_flag(tiny_gguf):
    for backend in ("llamacpp", "transformers"):
        r = _cli("generate", "a circle", "--model", str(tiny_gguf), "--backend", backend, "--no-render", "--all",
                 "--max-new-tokens", "5", "--temperature", "0")
        rows = [json.loads(line) for line in r.stdout.splitlines()]
        assert len(rows) == 1 and rows[0]["model"] == "tiny-qwen2" and rows[0]["tokens"] == 5, r.stderr


def test_embedded_1_5b_parts_are_found_in_order():
    from model.embedded import EMBEDDED_1_5B, gguf_part_paths

    paths = gguf_part_paths(EMBEDDED_1_5B)
    assert [p.name for p in paths] == [f"part{i:02d}.bin" for i in range(1, 23)]
    assert sum(p.stat().st_size for p in paths) == 1_117_320_768


def test_embedded_gguf_join_refuses_a_mismatch_and_is_reused(tmp_path, monkeypatch):
    import hashlib

    import model.embedded as emb

    monkeypatch.setenv("FIGURE_ASSISTANT_CACHE", str(tmp_path))
    parts = [tmp_path / "p1", tmp_path / "p2"]
    parts[0].write_bytes(b"GGUF-head")
    parts[1].write_bytes(b"-tail")
    monkeypatch.setattr(emb, "gguf_part_paths", lambda spec: parts)
    good = emb.EmbeddedSpec("tiny", "x/tiny", "tiny-part", 2, "1.0", hashlib.sha256(b"GGUF-head-tail").hexdigest())
    path = emb.ensure_embedded_gguf(good)
    assert path.read_bytes() == b"GGUF-head-tail" and path == emb.embedded_gguf_path(good)
    parts[0].write_bytes(b"changed")  # a verified join is not redone
    assert emb.ensure_embedded_gguf(good).read_bytes() == b"GGUF-head-tail"
    bad = emb.EmbeddedSpec("tiny2", "x/tiny", "tiny-part", 2, "1.0", "0" * 64)
    with pytest.raises(ModelError, match="Refusing"):
        emb.ensure_embedded_gguf(bad)
    assert not emb.embedded_gguf_path(bad).exists()
    assert not [p for p in path.parent.iterdir() if ".tmp-" in p.name]


@pytest.mark.slow
@pytest.mark.parametrize("preset", ["qwen2.5-coder-0.5b", "qwen2.5-coder-1.5b"])
def test_embedded_models_generate_on_llamacpp(preset):
    g = load(preset, adapter=False)
    assert type(g).__name__ == "LlamaCppGenerator" and g.name == preset
    cand = g.generate(Request("Draw a red circle in the middle of the canvas."), max_new_tokens=64, temperature=0)[0]
    assert cand.logprob is not None and "createCanvas" in cand.code and "function setup" in cand.code


@pytest.mark.slow
def test_shipped_adapter_applies_on_llamacpp():
    g = load("qwen2.5-coder-0.5b")
    assert g.adapter == "qwen2_5-coder-0_5b-figures"
    req = Request("Draw a red circle in the middle of the canvas.")
    text = g.prompt_text(req)
    cont = g.tokenize("```javascript\nfunction setup() {\n  createCanvas(400, 400);\n", special=False)
    tuned = g.token_logprobs(text, cont)
    g.set_adapter(None)
    base = g.token_logprobs(text, cont)
    assert max(abs(a - b) for a, b in zip(tuned, base)) > 0.01


def test_llamacpp_sampling_follows_torch_manual_seed_when_unseeded(llama_gen):
    """eval and the CLI seed runs with torch.manual_seed; an unseeded llama.cpp generator follows it."""
    import torch

    req = Request("draw a red circle")
    llama_gen.generate(req, max_new_tokens=1, temperature=0)  # the same cache state for both runs
    llama_gen.reseed(None)
    runs = []
    for _ in range(2):
        torch.manual_seed(3)
        runs.append([c.text for c in llama_gen.generate(req, n=2, max_new_tokens=8, temperature=1.0)])
    assert runs[0] == runs[1]


def test_llamacpp_best_of_n_decodes_the_samples_side_by_side(tiny_gguf):
    """n samples run as n sequences in one batch; with top_k=1 each of them is the greedy answer."""
    g = load(str(tiny_gguf), backend="llamacpp", top_k=1, repetition_penalty=1.05)
    req = Request("draw a circle")
    greedy = g.generate(req, max_new_tokens=10, temperature=0)[0]
    cands = g.generate(req, n=3, max_new_tokens=10, temperature=0.7)
    assert g.last_stats["parallel"] == 3
    for c in cands:
        assert c.text == greedy.text and c.tokens == greedy.tokens
        assert c.logprob == pytest.approx(greedy.logprob, abs=LOGPROB_TOL)
    # The batch leaves only the prompt cached: the next answers are unchanged.
    assert g.generate(req, max_new_tokens=10, temperature=0)[0].text == greedy.text
    many = g.generate(req, n=11, max_new_tokens=4, temperature=0.7)  # more than run side by side at once
    assert len(many) == 11 and all(c.text == many[0].text for c in many)
