"""Tests for model/examples: the worked-examples library (renders, passes its checks, is not the benchmark),
retrieval (offline BM25, English and Japanese) and the prompt that carries the examples."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from model import Request
from model.examples import Example, ExampleIndex, load_library, parse_example, retrieve, terms
from model.examples.retrieval import MIN_SCORE, default_index
from model.presets import GenSettings
from model.prompts import build_messages, example_turns

ROOT = Path(__file__).resolve().parent.parent
JA = re.compile(r"[\u3040-\u30ff\u3400-\u9fff]")

# Figure kinds of the benchmark the library must cover, each as a tag some example carries.
KINDS = ["mlp", "cnn", "residual", "encoder decoder", "transformer", "attention", "rnn", "flowchart", "pipeline",
         "tree", "graph", "state machine", "sequence diagram", "timeline", "block diagram", "cycle", "bar chart",
         "line chart", "scatter plot", "pie chart", "histogram", "function plot", "table", "heatmap", "geometry",
         "triangle", "circle", "physics", "forces", "pendulum", "spring", "optics", "lens", "circuit",
         "venn diagram", "vectors", "number line", "matrix", "grid"]


@pytest.fixture(scope="module")
def library() -> tuple[Example, ...]:
    return load_library()


def _benchmark_rows() -> list[dict]:
    """Every row of the figures-v1 benchmark (the merged file and/or its parts), de-duplicated by id."""
    rows: dict[str, dict] = {}
    for path in sorted((ROOT / "eval" / "benchmarks").glob("figures-v1*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                rows[row["id"]] = row
    return list(rows.values())


# ----------------------------------------------------------------------------- the library
def test_library_has_enough_short_bilingual_examples(library):
    assert len(library) >= 80
    assert len({e.id for e in library}) == len(library)
    for e in library:
        assert e.lines <= 70, f"{e.id} has {e.lines} lines"
        # English captions may quote the Japanese labels the figure draws, but are written in English.
        assert e.caption_en and sum(ch.isascii() for ch in e.caption_en) > 0.7 * len(e.caption_en), e.id
        assert JA.search(e.caption_ja), e.id
        assert e.tags, e.id
        assert "createCanvas(W, H)" in e.code and "const W = 400, H = 400;" in e.code, e.id
        assert "function " in e.code.split("function draw()")[1], f"{e.id} has no named helper after draw()"
    ja_labelled = [e for e in library if JA.search(e.code)]
    assert len(ja_labelled) >= len(library) // 3  # Japanese-labelled variants, not only Japanese captions


def test_library_covers_the_benchmarks_figure_kinds(library):
    tags = {t.lower() for e in library for t in e.tags}
    missing = [k for k in KINDS if k not in tags]
    assert not missing, f"no example tagged {missing}"


def test_every_example_has_valid_checks(library):
    from eval.checks import validate_checks

    for e in library:
        assert validate_checks(list(e.checks)) == [], e.id


def test_every_example_renders_and_passes_its_checks(library):
    from eval.checks import run_checks
    from render import render_many

    results = render_many([e.code for e in library])
    failures = {}
    for e, r in zip(library, results):
        if r.status != "ok":
            failures[e.id] = f"{r.status}: {r.error} (line {r.line})"
            continue
        # Readable as well as right: nothing outside the canvas, no labels on top of each other.
        tidy = [{"type": "inside_canvas"}, {"type": "no_text_overlap"}]
        bad = [o.reason for o in run_checks(list(e.checks) + tidy, r) if not o.passed]
        if bad:
            failures[e.id] = "; ".join(bad)
    assert not failures, failures


def test_a_near_miss_fails_an_examples_checks(library):
    """The checks are not vacuous: the 3-4-2 network drawn as 3-3-2 fails its column check."""
    from eval.checks import run_checks
    from render import render

    e = next(x for x in library if x.id == "mlp-3-4-2")
    miss = render(e.code.replace("const LAYERS = [3, 4, 2];", "const LAYERS = [3, 3, 2];"))
    outcomes = run_checks(list(e.checks), miss)
    assert not outcomes[0].passed and "column 2" in outcomes[0].reason


def test_examples_are_not_the_benchmark(library):
    """No caption is close to a benchmark prompt and no program to a reference, by the leakage guard's measure."""
    from eval.leakage import THRESHOLD, too_close

    rows = _benchmark_rows()
    assert len(rows) >= 100, "the figures-v1 benchmark is missing"
    prompts = [r["prompt"] for r in rows]
    refs = [r["reference_code"] for r in rows if r.get("reference_code")]
    captions = [c for e in library for c in (e.caption_en, e.caption_ja)]
    close = too_close(captions, prompts, THRESHOLD)
    assert not close, [(captions[i], prompts[j], round(s, 3)) for i, j, s in close[:5]]
    codes = [e.code for e in library]
    close = too_close(codes, refs, THRESHOLD)
    assert not close, [(library[i].id, round(s, 3)) for i, _, s in close[:5]]


def test_parse_example_rejects_a_file_without_its_header():
    with pytest.raises(ValueError, match="must start with"):
        parse_example("function setup() {}\n", "bad")
    with pytest.raises(ValueError, match="lacks caption_ja"):
        parse_example('/* example\n{"tags": [], "caption_en": "x", "checks": [{"type": "canvas"}]}\n*/\nx\n', "bad")
    e = parse_example('/* example\n{"tags": ["t"], "caption_en": "a", "caption_ja": "あ", '
                      '"checks": [{"type": "canvas", "width": 400, "height": 400}]}\n*/\nconst W = 1;\n', "ok")
    assert e.code == "const W = 1;\n" and e.tags == ("t",) and e.caption(True) == "あ"


# ----------------------------------------------------------------------------- retrieval
# Requests written for this test, not taken from the benchmark (checked below), with the tag the top hit must carry.
REQUESTS = [
    ("a fully connected net, six inputs feeding two outputs through one hidden layer", "mlp"),
    ("畳み込みニューラルネットの層構成を描いて", "cnn"),
    ("ResNetのショートカット接続を描いてほしい", "skip connection"),
    ("A pie chart of how I spend a weekday: sleep, work, commute, leisure", "pie chart"),
    ("二分木を深さ4まで描いて", "tree"),
    ("ばねにつながれたおもりの図", "spring"),
    ("state transition diagram for a door: open, closed, locked", "state machine"),
    ("凸レンズで光が屈折する様子", "lens"),
    ("UML sequence diagram for a payment between shop and bank", "sequence diagram"),
    ("ベン図で集合の共通部分を示して", "venn diagram"),
    ("Histogram of waiting times at a bus stop, six bins of five minutes", "histogram"),
    ("直列につないだ抵抗と電池の回路図", "circuit"),
    ("unrolled recurrent network over five steps", "rnn"),
    ("混同行列をヒートマップで", "heatmap"),
]


def test_retrieval_requests_are_not_benchmark_prompts():
    from eval.leakage import THRESHOLD, too_close

    assert not too_close([q for q, _ in REQUESTS], [r["prompt"] for r in _benchmark_rows()], THRESHOLD)


@pytest.mark.parametrize("query,tag", REQUESTS)
def test_retrieval_finds_an_example_of_the_asked_kind(query, tag):
    hits = retrieve(query, 2)
    assert hits, query
    assert tag in hits[0].tags, (query, [h.id for h in hits])


def test_retrieval_accepts_a_request_and_prefers_the_requests_language():
    ja = retrieve(Request("ニューラルネットワークを描いて。入力層2、出力層3"), 1)
    en = retrieve(Request("Draw a neural network with 2 inputs and 3 outputs"), 1)
    assert "mlp" in ja[0].tags and JA.search(ja[0].code)
    assert "mlp" in en[0].tags and not JA.search(en[0].code)


def test_retrieval_returns_nothing_for_unrelated_or_empty_requests():
    assert retrieve("こんにちは", 2) == []
    assert retrieve("Draw something nice", 2) == []
    assert retrieve("LSTM cell", 1) == []  # shares only the word "cell" with a heatmap: below MIN_SCORE
    assert retrieve("   ", 3) == [] and retrieve("bar chart", 0) == []
    with pytest.raises(TypeError):
        retrieve(42, 1)  # type: ignore[arg-type]


def test_terms_cut_japanese_into_ngrams_and_stem_long_words():
    t = terms("Convolutional networks 畳み込み")
    assert "convolutional" in t and "convo*" in t and "networks" in t and "netwo*" in t
    assert "畳み" in t and "畳み込" in t and "み込み" in t
    assert terms("the a of") == []


def test_index_scores_are_zero_without_shared_terms_and_rank_by_bm25():
    a = Example("a", "x", "bar chart of sales", "売上の棒グラフ", ("bar chart",))
    b = Example("b", "x", "pie chart of votes", "票の円グラフ", ("pie chart",))
    ix = ExampleIndex([a, b])
    assert ix.scores("pendulum") == [0.0, 0.0]
    s = ix.scores("bar chart")
    assert s[0] > s[1] >= 0.0
    assert ix.search("bar chart", 2, min_score=0.0)[0].id == "a"
    with pytest.raises(ValueError):
        ExampleIndex([])
    assert MIN_SCORE > 0 and len(default_index().examples) == len(load_library())


# ----------------------------------------------------------------------------- prompting
def test_examples_become_earlier_turns_in_the_requests_language(library):
    ex = next(e for e in library if e.id == "mlp-ja-3-5-2")
    req = Request("3層のネットワークを描け")
    msgs = build_messages(req, examples=[ex])
    assert [m["role"] for m in msgs] == ["system", "user", "assistant", "user"]
    assert ex.caption_ja in msgs[1]["content"] and msgs[2]["content"].startswith("```javascript\n")
    assert "const LAYERS = [3, 5, 2];" in msgs[2]["content"]
    assert msgs[3]["content"].rstrip().endswith("3層のネットワークを描け")
    assert example_turns([ex], japanese=False)[0][0].endswith(ex.caption_en)
    vision = build_messages(req, examples=[ex], vision=True)
    assert [m["role"] for m in vision] == ["system", "user", "assistant", "user"]
    assert build_messages(Request("x", lang="svg"), examples=[ex])[1]["role"] == "user"  # p5 examples only
    assert len(build_messages(Request("x", lang="svg"), examples=[ex])) == 2


def test_adapt_mode_asks_for_the_examples_program_changed_to_fit_the_request(library):
    ex = next(e for e in library if e.id == "mlp-ja-3-5-2")
    req = Request("A network with 2 inputs, 4 hidden units and 1 output")
    shot = build_messages(req, examples=[ex])[-1]["content"]
    adapt = build_messages(req, examples=[ex], adapt_example=True)[-1]["content"]
    assert "Start from the program above" in adapt and "Start from the program above" not in shot
    assert adapt.rstrip().endswith(req.instruction) and shot.rstrip().endswith(req.instruction)
    # Without an example (none retrieved) or for a revision, the request reads as before.
    assert build_messages(req, adapt_example=True)[-1]["content"] == build_messages(req)[-1]["content"]
    edit = Request("make it blue", code="function setup() {}", render_status="ok")
    assert "Revise the code for this request" in build_messages(edit, adapt_example=True)[-1]["content"]


def test_generator_puts_examples_before_first_figures_only():
    from model.base import Generator

    class Probe(Generator):
        def generate(self, *a, **k):
            raise NotImplementedError

        def stream(self, *a, **k):
            raise NotImplementedError

        def continue_generation(self, *a, **k):
            raise NotImplementedError

    gen = Probe("probe", GenSettings(examples=2))
    first = gen.messages(Request("A pie chart of four shares"))
    assert [m["role"] for m in first] == ["system", "user", "assistant", "user", "assistant", "user"]
    edit = gen.messages(Request("make it blue", code="function setup() {}", render_status="ok"))
    assert [m["role"] for m in edit] == ["system", "user"]  # a revision carries its own program
    assert len(Probe("probe", GenSettings(examples=0)).messages(Request("A pie chart"))) == 2  # none asked for
    with pytest.raises(ValueError, match="examples"):
        GenSettings(examples=9)
    with pytest.raises(ValueError, match="example_mode"):
        GenSettings(example_mode="copy")
    adapted = Probe("probe", GenSettings(examples=1, example_mode="adapt")).messages(Request("A pie chart of shares"))
    assert "Start from the program above" in adapted[-1]["content"]


def test_cli_examples_flags_reach_the_loader(monkeypatch, capsys):
    """`python -m model generate --examples K` and `python -m eval generate/run --examples K` set the prompt."""
    import model.__main__ as model_cli
    from eval.__main__ import build_parser
    from model import Candidate

    seen = {}

    class Fake:
        name, adapter, is_vision = "fake", None, False

        def generate(self, request, n=1, **kw):
            return [Candidate(code="function setup() {}", text="", logprob=-0.1)]

    def fake_load(*a, **kw):
        seen.update(kw)
        return Fake()

    monkeypatch.setattr(model_cli, "load", fake_load)
    assert model_cli.main(["generate", "a pie chart", "--examples", "2", "--no-render"]) == 0
    assert seen["examples"] == 2 and "function setup" in capsys.readouterr().out
    assert "example_mode" not in seen  # left to the preset (model/defaults.py)
    assert model_cli.main(["generate", "a pie chart", "--examples", "1", "--example-mode", "adapt",
                           "--no-render"]) == 0
    assert seen["example_mode"] == "adapt"
    for cmd in (["generate", "--prompts", "p.jsonl", "--out", "o.jsonl"], ["run", "--out", "runs/x"]):
        args = build_parser().parse_args(cmd + ["--examples", "1", "--request-checks", "--example-mode", "adapt"])
        assert args.examples == 1 and args.request_checks is True and args.example_mode == "adapt"
