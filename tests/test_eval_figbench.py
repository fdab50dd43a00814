"""eval.figbench and `python -m eval verify-benchmark`: row validation, reference verification, subsets."""
from __future__ import annotations

import json
from collections import Counter

import pytest

from eval.__main__ import main
from eval.figbench import load_benchmark, resolve_benchmark, row_errors, select_subset, verify_benchmark

TWO_CIRCLES = "function setup() { createCanvas(200, 100); background(255); circle(50, 50, 30); circle(150, 50, 30); }"
ONE_CIRCLE = "function setup() { createCanvas(200, 100); background(255); circle(50, 50, 30); }"


def row(id_, code=TWO_CIRCLES, eq=2, **kw):
    r = {"id": id_, "prompt": f"draw {eq} circles", "lang": "en", "category": "shapes",
         "checks": [{"type": "count", "select": {"kind": "circle"}, "eq": eq}], "reference_code": code}
    r.update(kw)
    return r


def write(path, rows):
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def test_row_errors_name_every_problem():
    assert row_errors(row("a")) == []
    bad = {"id": "", "prompt": " ", "lang": "fr", "category": "x", "checks": [{"type": "nope"}], "extra": 1}
    errs = row_errors(bad)
    assert "missing 'reference_code'" in errs and "id must be a non-empty string" in errs
    assert "prompt must be a non-empty string" in errs and any("lang must be 'en' or 'ja'" in e for e in errs)
    assert any("unknown key 'extra'" in e for e in errs) and any("unknown type 'nope'" in e for e in errs)


def test_verify_counts_and_failures(tmp_path):
    rows = [
        row("ok"),
        row("ja", lang="ja", prompt="円を2つ描いて", category="日本"),
        row("wrong", code=ONE_CIRCLE),  # the reference fails its own check
        row("broken", code="function setup() { createCanvas(10, 10); nope(); }"),
        row("edit", code_before=ONE_CIRCLE),  # a real edit: one circle → two
        row("noop-edit", code_before=TWO_CIRCLES),  # code_before already passes: the checks test nothing
        row("ok"),  # duplicate id
        {"id": "malformed", "prompt": "x"},
    ]
    s = verify_benchmark(rows)
    assert (s["prompts"], s["ja"], s["categories"], s["edit_rows"]) == (8, 1, 2, 2)
    assert s["references_pass"] == 2  # ja and edit; both rows with the duplicated id "ok" fail
    f = s["failing"]
    assert set(f) == {"wrong", "broken", "noop-edit", "ok", "malformed"}
    assert f["wrong"] == ["check 1 (count): 1 circles, want 2"]
    assert f["broken"][0].startswith("reference_code did not render (error: ReferenceError")
    assert "code_before already passes every check" in f["noop-edit"][0]
    assert f["ok"] == ["duplicate id (also row 1)"]
    assert "missing 'lang'" in f["malformed"]


def test_verify_benchmark_cli_prints_one_json_object(tmp_path, capsys):
    good = write(tmp_path / "good.jsonl", [row("a"), row("b", lang="ja")])
    assert main(["-q", "verify-benchmark", str(good)]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["prompts"] == 2 and out["references_pass"] == 2 and out["failing"] == {}
    assert "too_close_to_training" in out
    bad = write(tmp_path / "bad.jsonl", [row("a"), row("w", code=ONE_CIRCLE)])
    assert main(["-q", "verify-benchmark", str(bad)]) == 1
    assert list(json.loads(capsys.readouterr().out)["failing"]) == ["w"]
    assert main(["-q", "verify-benchmark", "no-such-benchmark"]) == 2


def test_resolve_and_load(tmp_path):
    with pytest.raises(FileNotFoundError, match="no benchmark 'nope-v9'"):
        resolve_benchmark("nope-v9")
    p = write(tmp_path / "b.jsonl", [row("a"), row("a")])
    assert resolve_benchmark(str(p)) == p
    with pytest.raises(ValueError, match="duplicate id"):
        load_benchmark(p)
    (tmp_path / "c.jsonl").write_text('{"id": "a"}\nnot json\n')
    with pytest.raises(ValueError, match=r"c.jsonl:2: not valid JSON"):
        load_benchmark(tmp_path / "c.jsonl")


def test_subset_is_stratified_deterministic_and_bilingual():
    rows = [row(f"{c}-{i}", category=c, lang="ja" if i % 3 == 0 else "en") for c in "abcde" for i in range(6)]
    sub = select_subset(rows, 10, seed=0)
    assert len(sub) == 10 and select_subset(rows, 10, seed=0) == sub
    assert Counter(r["category"] for r in sub) == Counter({c: 2 for c in "abcde"})
    assert {r["lang"] for r in sub} == {"en", "ja"}
    assert select_subset(rows, 10, seed=1) != sub
    assert [r["id"] for r in sub] == [r["id"] for r in rows if r in sub]  # benchmark order kept
    assert select_subset(rows, None) == rows and select_subset(rows, 999) == rows
