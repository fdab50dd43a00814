"""eval.figrun and `python -m eval run` / `compare`: generate, render, check, resume and report on a tiny benchmark."""
from __future__ import annotations

import json

import pytest

from eval.figrun import RunConfig, run_benchmark

MLP_OK = """function setup() {
  createCanvas(300, 200); background(255);
  for (let j = 0; j < 2; j++) for (let k = 0; k < 3; k++) line(60, 60 + 80 * j, 200, 40 + 60 * k);
  for (let j = 0; j < 2; j++) circle(60, 60 + 80 * j, 30);
  for (let k = 0; k < 3; k++) circle(200, 40 + 60 * k, 30);
}"""
ONE_BAR = "function setup() { createCanvas(200, 200); background(255); rect(50, 50, 40, 100); }"
BROKEN = "function setup() { createCanvas(200, 200); drawBars(); }"
BARS = "function setup() { createCanvas(200, 200); background(255); rect(20, 100, 40, 50); rect(80, 50, 40, 100); }"

BENCH = [
    {"id": "mlp", "prompt": "2-3 network", "lang": "en", "category": "mlp",
     "checks": [{"type": "columns", "select": {"kind": "circle"}, "counts": [2, 3]},
                {"type": "connected", "a": {"kind": "circle", "column": 1}, "b": {"kind": "circle", "column": 2},
                 "all_pairs": True}],
     "reference_code": MLP_OK},
    {"id": "bars-ja", "prompt": "棒を2本", "lang": "ja", "category": "bar-chart",
     "checks": [{"type": "bars", "count": 2, "values": [1, 2]}, {"type": "inside_canvas"}],
     "reference_code": BARS},
    {"id": "bars-edit", "prompt": "add a second, taller bar", "lang": "en", "category": "bar-chart",
     "code_before": ONE_BAR,
     "checks": [{"type": "bars", "count": 2, "values": [1, 2]}, {"type": "count", "select": {"kind": "rect"},
                                                                  "eq": 2}],
     "reference_code": BARS},
]


class FakeGen:
    """Answers each prompt with a prepared program; repair returns the bar chart. Records every call."""

    name, adapter, is_vision = "fake", "fake-adapter", False

    def __init__(self, answers):
        self.answers = answers
        self.calls = []

    def generate(self, req, n=1, max_new_tokens=1024, temperature=0.7, stop_event=None):
        from model import Candidate

        self.calls.append(("generate", req.instruction, req.code))
        code = self.answers[req.instruction]
        return [Candidate(code=code, text=code, logprob=-0.5, tokens=40, truncated=False) for _ in range(n)]

    def repair(self, code, error, line, lang="p5", request=None, max_new_tokens=None, temperature=None):
        from model import Candidate

        self.calls.append(("repair", code, error))
        return [Candidate(code=BARS, text=BARS, logprob=-0.4, tokens=30)]


ANSWERS = {"2-3 network": MLP_OK, "棒を2本": BROKEN, "add a second, taller bar": ONE_BAR}


@pytest.fixture()
def bench(tmp_path):
    p = tmp_path / "tiny.jsonl"
    p.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in BENCH), encoding="utf-8")
    return p


def test_run_generates_renders_checks_and_reports(tmp_path, bench):
    gen = FakeGen(ANSWERS)
    out = tmp_path / "run"
    rep = run_benchmark(RunConfig(benchmark=str(bench), out=str(out), repair=1), gen, progress=False)
    rows = {r["id"]: r for r in rep["rows"]}
    assert rows["mlp"]["all_pass"] and rows["mlp"]["fraction"] == 1.0 and rows["mlp"]["first_try_ok"]
    # broken first, repaired into a passing bar chart
    b = rows["bars-ja"]
    assert not b["first_try_ok"] and b["ok"] and b["repairs"] == 1 and b["all_pass"] and b["tokens"] == 70
    # the edit renders but draws one bar: half its checks fail, with reasons
    e = rows["bars-edit"]
    assert e["ok"] and not e["all_pass"] and e["fraction"] == 0.0 and e["edit"]
    assert e["checks"][1]["reason"] == "1 rects, want 2"
    assert ("generate", "add a second, taller bar", ONE_BAR) in gen.calls  # code_before went to the model
    assert rep["n"] == 3 and rep["all_pass_rate"] == pytest.approx(2 / 3)
    assert rep["render_first_try_rate"] == pytest.approx(2 / 3) and rep["render_success_rate"] == 1.0
    assert rep["mean_fraction"] == pytest.approx(2 / 3)
    assert rep["per_category"]["bar-chart"]["all_pass_rate"] == 0.5 and rep["per_lang"]["ja"]["n"] == 1
    assert rep["time_s"]["p50"] > 0 and rep["gen_s"]["p95"] >= 0 and rep["prompt_s"] is None
    assert rep["model"] == "fake" and rep["truncation_rate"] == 0.0
    md = (out / "report.md").read_text(encoding="utf-8")
    assert "| all checks pass | 66.7% |" in md and "| bar-chart | 2 | 50.0% |" in md and "1 bars on a common baseline, want 2" in md
    assert (out / "plots" / "all_checks_pass_by_category.png").stat().st_size > 0
    assert (out / "plots" / "time_per_prompt.png").stat().st_size > 0
    assert json.loads((out / "report.json").read_text(encoding="utf-8"))["n"] == 3


def test_run_resumes_and_filters(tmp_path, bench):
    out = tmp_path / "run"
    gen = FakeGen(ANSWERS)
    rep = run_benchmark(RunConfig(benchmark=str(bench), out=str(out), categories=["bar-chart"], lang="en"), gen,
                        progress=False)
    assert [r["id"] for r in rep["rows"]] == ["bars-edit"] and len(gen.calls) == 1
    gen2 = FakeGen(ANSWERS)
    rep = run_benchmark(RunConfig(benchmark=str(bench), out=str(out)), gen2, progress=False)
    assert rep["n"] == 3 and [c[1] for c in gen2.calls if c[0] == "generate"] == ["2-3 network", "棒を2本"]
    lines = (out / "predictions.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 3
    with pytest.raises(ValueError, match="unknown categories"):
        run_benchmark(RunConfig(benchmark=str(bench), out=str(out), categories=["venn"]), gen2, progress=False)
    with pytest.raises(ValueError, match="--lang must be en or ja"):
        RunConfig(lang="p5")


def test_run_cli_and_compare(tmp_path, bench, monkeypatch, capsys):
    import model

    from eval.__main__ import main

    seen = []
    monkeypatch.setattr(model, "load", lambda *a, **kw: seen.append((a, kw)) or FakeGen(ANSWERS))
    a, b = tmp_path / "a", tmp_path / "b"
    assert main(["-q", "run", "--benchmark", str(bench), "--out", str(a), "--limit", "2", "--seed", "1",
                 "--backend", "transformers"]) == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary["n"] == 2 and seen[0][1]["backend"] == "transformers"
    assert main(["-q", "run", "--benchmark", str(bench), "--out", str(b), "--repair", "1"]) == 0
    capsys.readouterr()
    assert main(["compare", str(a / "report.json"), str(b / "report.json"), "--names", "two", "three",
                 "--markdown", str(tmp_path / "cmp.md")]) == 0
    table = (tmp_path / "cmp.md").read_text(encoding="utf-8")
    assert "| all checks pass |" in table and "| metric | two | three |" in table
    assert "| render success, first try |" in table and "| time per prompt p50 (s) |" in table
    assert "| bar-chart |" in table  # per-category table for figure reports
    assert main(["-q", "run", "--benchmark", str(bench), "--out", str(b), "--lang", "ja", "--categories",
                 "mlp"]) == 2  # nothing matches: a clear message, exit 2
    # a run stopped part way: the report covers what is done and says so; no model is loaded
    n_loads = len(seen)
    assert main(["-q", "run", "--benchmark", str(bench), "--out", str(a), "--report-only"]) == 0
    assert len(seen) == n_loads
    md = (a / "report.md").read_text(encoding="utf-8")
    assert "2 of the 3 selected prompts done" in md
    assert main(["-q", "run", "--benchmark", str(bench), "--out", str(tmp_path / "none"), "--report-only"]) == 2


class TimedFakeGen(FakeGen):
    """FakeGen whose candidates say how long the prompt and the decoding took, as the llama.cpp backend does."""

    def generate(self, req, n=1, max_new_tokens=1024, temperature=0.7, stop_event=None):
        cands = super().generate(req, n, max_new_tokens, temperature, stop_event)
        for c in cands:
            c.prompt_ms, c.decode_ms = 100.0 / n, 900.0 / n
        return cands

    def repair(self, code, error, line, lang="p5", request=None, max_new_tokens=None, temperature=None):
        cands = super().repair(code, error, line, lang, request, max_new_tokens, temperature)
        for c in cands:
            c.prompt_ms, c.decode_ms = 300.0, 2700.0
        return cands


def test_run_reports_prompt_and_decoding_time_where_the_backend_measures_them(tmp_path, bench):
    out = tmp_path / "timed"
    rep = run_benchmark(RunConfig(benchmark=str(bench), out=str(out), repair=1, n=2), TimedFakeGen(ANSWERS),
                        progress=False)
    rows = {r["id"]: r for r in rep["rows"]}
    # best-of-2 shares one call's time; the broken prompt adds its repair call
    assert rows["mlp"]["prompt_ms"] == pytest.approx(100.0) and rows["mlp"]["decode_ms"] == pytest.approx(900.0)
    assert rows["bars-ja"]["prompt_ms"] == pytest.approx(400.0) and rows["bars-ja"]["decode_ms"] == pytest.approx(3600.0)
    assert rep["prompt_s"]["p50"] == pytest.approx(0.1) and rep["decode_s"]["p95"] > 0.9
    md = (out / "report.md").read_text(encoding="utf-8")
    assert "| prompt processing per prompt p50 / p95 | 100 ms / 370 ms |" in md
    assert "| decoding per prompt p50 / p95 | 900 ms / 3330 ms |" in md
    # a backend that does not measure them says so
    plain = tmp_path / "plain"
    run_benchmark(RunConfig(benchmark=str(bench), out=str(plain)), FakeGen(ANSWERS), progress=False)
    md = (plain / "report.md").read_text(encoding="utf-8")
    assert "| prompt processing per prompt p50 / p95 | not reported by the backend |" in md


class MendingFakeGen(FakeGen):
    """FakeGen whose first candidates had a name copied back before they ran, as the backends record it."""

    def generate(self, req, n=1, max_new_tokens=1024, temperature=0.7, stop_event=None):
        cands = super().generate(req, n, max_new_tokens, temperature, stop_event)
        for c in cands:
            c.fixes = {"declared": ["OFFSET"], "from": "example"}
        return cands


def test_run_rows_say_what_was_mended_in_their_candidates(tmp_path, bench):
    rep = run_benchmark(RunConfig(benchmark=str(bench), out=str(tmp_path / "m")), MendingFakeGen(ANSWERS),
                        progress=False)
    assert all(r["fixes"] == [{"declared": ["OFFSET"], "from": "example"}] for r in rep["rows"])
    plain = run_benchmark(RunConfig(benchmark=str(bench), out=str(tmp_path / "p")), FakeGen(ANSWERS), progress=False)
    assert all(r["fixes"] == [] for r in plain["rows"])
