"""Tests of dataset/: synthetic figures and edits, validation, output, sketch pairs and TikZ translation."""
from __future__ import annotations

import io
import json
import os
import random
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PIL import Image

from dataset.families import FAMILIES
from dataset.schema import COLUMNS
from dataset.synth import make_rows, split_rows
from dataset.tokens import approx_tokens, load_counter
from tests._dataset_util import SAMPLE_DIR, FakeTeachers, start_server

ROOT = Path(__file__).resolve().parents[1]
JA = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


def _render_available() -> bool:
    try:
        import render  # noqa: F401
    except Exception:
        return False
    return True


needs_render = pytest.mark.skipif(not _render_available(), reason="render/ is not importable")


# ---------------------------------------------------------------- synth (no rendering)

def test_make_rows_is_deterministic_and_complete():
    a = make_rows(300, seed=7)
    b = make_rows(300, seed=7)
    c = make_rows(300, seed=8)
    assert a == b
    assert [r["id"] for r in a] != [r["id"] for r in c]
    assert len(a) == 300
    assert len({r["id"] for r in a}) == 300
    assert {r["kind"] for r in a} == {"figure", "edit"}
    assert {r["family"] for r in a} == set(FAMILIES)
    for r in a:
        assert set(r) == set(COLUMNS)
        assert r["source"] == "synth" and r["lang"] == "p5" and r["teacher"] == ""
        assert r["caption_en"] and JA.search(r["caption_ja"]), r["caption_ja"]
        assert r["instruction"] in r["instructions"]
        assert any(JA.search(i) for i in r["instructions"]) and any(not JA.search(i) for i in r["instructions"])
        assert "createCanvas(W, H);" in r["code"] and "noLoop();" in r["code"]
        assert json.loads(r["params"])
        if r["kind"] == "edit":
            assert r["code_before"] and r["code_before"] != r["code"]
            assert "before" in json.loads(r["params"])
        else:
            assert r["code_before"] == ""


def test_instructions_mix_languages():
    rows = make_rows(500, seed=1, ja_fraction=0.4)
    ja = sum(1 for r in rows if JA.search(r["instruction"]))
    assert 100 < ja < 300
    assert all(JA.search(r["instruction"]) for r in make_rows(50, seed=1, ja_fraction=1.0))
    assert not any(JA.search(r["instruction"]) for r in make_rows(50, seed=1, ja_fraction=0.0))


def test_programs_are_short_for_a_small_model():
    rows = make_rows(400, seed=3)
    assert max(approx_tokens(r["code"]) for r in rows) < 1500


def test_family_filter_and_bad_arguments():
    rows = make_rows(40, seed=0, families=["mlp", "pie_chart"])
    assert {r["family"] for r in rows} == {"mlp", "pie_chart"}
    with pytest.raises(ValueError, match="unknown families"):
        make_rows(10, families=["nope"])
    with pytest.raises(ValueError):
        make_rows(10, edit_fraction=1.5)


def test_mlp_edit_turns_say_what_changed():
    rows = [r for r in make_rows(600, seed=2, families=["mlp"], edit_fraction=1.0)]
    hidden = [r for r in rows if r["instructions"][0].startswith("Make the hidden layer")]
    assert hidden
    r = hidden[0]
    k = int(re.search(r"(\d+) units", r["instructions"][0]).group(1))
    after = json.loads(r["params"])
    assert after["layers"][1] == k and after["before"]["layers"][1] != k
    assert f"中間層を{k}ユニットにして" == r["instructions"][1]
    red = [r for r in rows if r["instructions"][1] == "出力ノードを赤くして"]
    assert red and json.loads(red[0]["params"])["output_color"] == "red"
    assert "#d62728" in red[0]["code"]


def test_split_is_deterministic_and_keeps_groups_together():
    rows = make_rows(800, seed=4)
    s1 = split_rows(rows, test_fraction=0.2, seed=0)
    s2 = split_rows(rows, test_fraction=0.2, seed=0)
    assert [r["id"] for r in s1["test"]] == [r["id"] for r in s2["test"]]
    assert 80 < len(s1["test"]) < 240
    test_groups = set()
    from dataset.schema import group_key
    for r in s1["test"]:
        test_groups.add(group_key(r))
    assert not any(group_key(r) in test_groups for r in s1["train"])


def test_synth_cli_without_rendering_writes_dataset(tmp_path):
    import datasets

    out = tmp_path / "synth"
    r = subprocess.run([sys.executable, "-m", "dataset", "synth", "--n", "120", "--seed", "0", "--out", str(out),
                        "--no-render"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    summary = json.loads(r.stdout.strip().splitlines()[-1])
    assert sum(summary["rows"].values()) == 120
    dd = datasets.load_from_disk(str(out / "hf"))
    assert set(dd) == {"train", "test"}
    assert list(dd["train"].features) == COLUMNS
    assert (out / "parquet" / "train.parquet").is_file()
    card = (out / "README.md").read_text()
    assert "Apache-2.0" in card and "| mlp |" in card
    assert json.loads((out / "stats.json").read_text())["splits"] == summary["rows"]


def test_cli_rejects_bad_input(tmp_path):
    r = subprocess.run([sys.executable, "-m", "dataset", "synth", "--n", "5", "--out", str(tmp_path / "x"),
                        "--families", "bogus", "--no-render"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert r.returncode == 2 and "unknown families" in r.stderr


def test_token_counter_uses_a_local_tokenizer(tmp_path):
    from tokenizers import Tokenizer, models, pre_tokenizers

    tok = Tokenizer(models.WordLevel({"[UNK]": 0, "a": 1}, unk_token="[UNK]"))
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    path = tmp_path / "tokenizer.json"
    tok.save(str(path))
    counter = load_counter(str(path))
    assert counter.exact and counter.count("a b c d") == 4
    # The approximation grows with the text and counts code at roughly one token per word or symbol.
    line = "  circle(layerX(l), nodeY(i, LAYER_SIZES[l]), 2 * NODE_R);\n"
    assert 20 <= approx_tokens(line) <= 35
    assert approx_tokens(line * 10) == 10 * approx_tokens(line)
    with pytest.raises(ValueError, match="does not exist"):
        load_counter(str(tmp_path / "missing"))


# ---------------------------------------------------------------- rendering: every family, trace checks

@needs_render
def test_every_family_renders_and_matches_its_parameters():
    from render import render_many

    codes, meta = [], []
    for name, fam in sorted(FAMILIES.items()):
        rng = random.Random(11)
        for _ in range(2):
            p = fam.sample(rng)
            for q in [p] + [e.params for e in fam.edits(p, rng)][:3]:
                codes.append(fam.code(q))
                meta.append((name, q))
    results = render_many(codes, timeout_s=15)
    failures = []
    for (name, q), res in zip(meta, results):
        if res.status != "ok":
            failures.append((name, res.status, res.error))
        elif problems := FAMILIES[name].check(q, res.trace):
            failures.append((name, problems[:2]))
    assert not failures


@needs_render
def test_mlp_4_5_1_draws_4_5_and_1_nodes():
    from render import render

    fam = FAMILIES["mlp"]
    p = fam.sample(random.Random(0))
    p.update(layers=[4, 5, 1], labels=True)
    res = render(fam.code(p))
    assert res.status == "ok"
    circles = [c for c in res.trace if c.fn == "circle"]
    columns: dict[int, int] = {}
    for c in circles:
        columns[round(c.bbox[0] + c.bbox[2])] = columns.get(round(c.bbox[0] + c.bbox[2]), 0) + 1
    assert [columns[k] for k in sorted(columns)] == [4, 5, 1]
    assert fam.check(p, res.trace) == []
    # The check is not a rubber stamp: the same trace contradicts other parameters.
    assert fam.check({**p, "layers": [4, 6, 1]}, res.trace)
    assert "4 input units, 5 hidden units and 1 output units" in fam.caption(p)[0]


# ---------------------------------------------------------------- validation

@needs_render
def test_validation_drops_and_counts_each_reason():
    from dataset.validate import ValidateConfig, validate_rows

    good = make_rows(6, seed=5, edit_fraction=0.0, families=["bar_chart", "tree", "venn"])
    base = dict(good[0])

    made = []

    def variant(**kw):
        r = dict(base)
        r.update(kw)
        made.append(r)
        r["id"] = f"variant-{len(made)}"
        return r

    error = variant(code="function setup() {\n  createCanvas(100, 100);\n  undefinedThing();\n}\n")
    blank = variant(code="function setup() {\n  createCanvas(100, 100);\n  background(255);\n}\n")
    empty = variant(code="   ")
    exact = dict(good[1])
    near = dict(good[2])
    near["id"] = "near"
    near["code"] = good[2]["code"].replace("function draw() {", "// the figure\nfunction draw() {")
    long_code = variant(code=base["code"] + "\n".join(f"// padding line {i} " + "x" * 80 for i in range(200)),
                        instruction="long one")
    mismatch = dict(good[4])
    mismatch["id"] = "mismatch"
    params = json.loads(mismatch["params"])
    # Same program, but parameters that describe another figure:
    if mismatch["family"] == "tree":
        params["depth"] = params["depth"] + 1 if params["depth"] < 3 else 2
    elif mismatch["family"] == "bar_chart":
        params["values"] = params["values"] + [50]
    else:
        params["k"] = 5 - params["k"]
    mismatch["params"] = json.dumps(params)
    mismatch["instruction"] = "different instruction so it is no duplicate"
    rows = good + [error, blank, empty, exact, near, long_code, mismatch]
    kept, report = validate_rows(rows, ValidateConfig(token_budget=1500, timeout_s=10))
    c = report.counts
    assert c["render_error"] == 1 and c["render_blank"] == 1 and c["empty_code"] == 1
    assert c["exact_duplicate"] == 1 and c["near_duplicate"] == 1
    assert c["over_token_budget"] == 1 and c["trace_mismatch"] == 1
    assert c["kept"] == len(good) == len(kept)
    assert all(Image.open(io.BytesIO(r["image"])).size[0] > 0 for r in kept)
    # Flag mode keeps the long program and lists it.
    kept2, report2 = validate_rows([good[0], long_code], ValidateConfig(token_budget=1500, over_budget="flag"))
    assert report2.flagged == [long_code["id"]] and len(kept2) == 2


@needs_render
def test_synth_with_rendering_adds_images_and_sketch_pairs(tmp_path):
    import datasets

    out = tmp_path / "s"
    r = subprocess.run([sys.executable, "-m", "dataset", "synth", "--n", "40", "--seed", "3", "--out", str(out),
                        "--sketch-fraction", "0.5", "--annotation-fraction", "0"], cwd=ROOT,
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr[-3000:]
    dd = datasets.load_from_disk(str(out / "hf"))
    rows = [x for split in dd.values() for x in split]
    assert all(x["image"] is not None for x in rows)
    sketches = [x for x in rows if x["kind"] == "sketch"]
    assert sketches and all(x["sketch_image"] is not None and x["code_before"] == "" for x in sketches)
    stats = json.loads((out / "stats.json").read_text())
    assert stats["validation"]["kept"] == len(rows) - len(sketches)


def _sketch_available() -> bool:
    try:
        import sketch.synth  # noqa: F401
    except Exception:
        return False
    return True


@needs_render
@pytest.mark.skipif(not _sketch_available(), reason="sketch.synth is not importable")
def test_annotation_edits_mark_what_the_edit_changes():
    from dataset.annotate import annotation_rows, changed_calls
    from render import render_many

    rows = make_rows(24, seed=5, edit_fraction=1.0, families=["mlp", "bar_chart", "encoder_decoder"])
    made = annotation_rows(rows, seed=1, fraction=1.0)
    assert len(made) >= 6
    by_id = {r["id"]: r for r in rows}
    for a in made:
        assert a["kind"] == "annotation_edit" and a["code_before"] != a["code"]
        assert a["sketch_text"].startswith("The user drew") and a["sketch_image"] and a["image"]
        assert a["instruction"] in a["instructions"]
        assert a["id"] not in by_id
    # Marks point at the calls that change: recolouring the output layer changes exactly its circles.
    fam = FAMILIES["mlp"]
    p = fam.sample(random.Random(3))
    p.update(layers=[3, 4, 2], output_color="green", input_color="blue", hidden_color="gray")
    q = {**p, "output_color": "red"}
    before, after = render_many([fam.code(p), fam.code(q)])
    changed = changed_calls(before.png, after.png, before.trace)
    circles = [c for c in changed if c.fn == "circle"]
    assert len(circles) == 2 and all(c.bbox[0] > before.width / 2 for c in circles)
    assert changed_calls(before.png, before.png, before.trace) == []


@needs_render
def test_validate_cli_renders_a_saved_dataset(tmp_path):
    import datasets

    raw, valid = tmp_path / "raw", tmp_path / "valid"
    for cmd in (["synth", "--n", "16", "--seed", "9", "--out", str(raw), "--no-render"],
                ["validate", str(raw), "--out", str(valid), "--over-budget", "flag"]):
        r = subprocess.run([sys.executable, "-m", "dataset", *cmd], cwd=ROOT, capture_output=True, text=True,
                           timeout=600)
        assert r.returncode == 0, r.stderr[-3000:]
    before = datasets.load_from_disk(str(raw / "hf"))
    after = datasets.load_from_disk(str(valid / "hf"))
    assert {k: len(v) for k, v in after.items()} == {k: len(v) for k, v in before.items()}
    assert all(x["image"] is not None for split in after.values() for x in split)
    assert json.loads((valid / "stats.json").read_text())["validation"]["kept"] == 16


# ---------------------------------------------------------------- worked-examples library rows

_NET = """/* example
{"tags": ["mlp"], "caption_en": "A network of 2, 3 and 1 units.", "caption_ja": "2-3-1のネットワーク。",
 "checks": [{"type": "columns", "select": {"kind": "circle"}, "counts": [2, 3, 1]}]}
*/
const LAYERS = [2, 3, 1];

function setup() {
  createCanvas(300, 300);
  noLoop();
}

function draw() {
  background(255);
  fill("#ffffff");
  LAYERS.forEach((n, i) => {
    for (let j = 0; j < n; j++) circle(60 + i * 90, 60 + j * 60, 30);
  });
  fill(0);
  text("Input", 50, 280);
}
"""
_BARS = """/* example
{"tags": ["bar chart"], "caption_en": "Bars A, B, C with values 6, 2, 4.", "caption_ja": "A、B、Cの棒グラフ。値は6, 2, 4。",
 "checks": [{"type": "bars", "count": 3, "values": [6, 2, 4], "labels": ["A", "B", "C"]}]}
*/
const LABELS = ["A", "B", "C"];
const VALUES = [6, 2, 4];

function setup() {
  createCanvas(300, 300);
  noLoop();
}

function draw() {
  background(255);
  VALUES.forEach((v, i) => {
    fill("#1f77b4");
    rect(40 + i * 80, 250 - v * 30, 50, v * 30);
    fill(0);
    text(LABELS[i], 60 + i * 80, 270);
  });
}
"""
# LAYERS is declared but the drawing ignores it: a changed count cannot show, so the edit must not survive.
_DEAF = _NET.replace("LAYERS.forEach((n, i) =>", "[2, 3, 1].forEach((n, i) =>")
_PIE_JA = """/* example
{"tags": ["pie chart"], "caption_en": "A pie chart of yes and no.", "caption_ja": "はいといいえの円グラフ。",
 "checks": [{"type": "text", "labels": ["はい", "いいえ"]}]}
*/
const PARTS = [["はい", 70, "#4e79a7"], ["いいえ", 30, "#f28e2b"]];
const TOP = 40;  // shadows p5's TOP: an added title must not depend on it

function setup() {
  createCanvas(300, 300);
  noLoop();
}

function draw() {
  background(255);
  let a = 0;
  for (const [name, pct, c] of PARTS) {
    fill(c);
    arc(150, 150, 200, 200, a, a + TWO_PI * pct / 100, PIE);
    a += TWO_PI * pct / 100;
    fill(0);
    text(name, 150 + 60 * cos(a - 0.5), 150 + 60 * sin(a - 0.5));
  }
}
"""


def _tiny_library(*texts: tuple[str, str]):
    from model.examples import parse_example

    return [parse_example(text, name) for name, text in texts]


def test_library_rows_pair_each_example_with_both_languages_and_constant_edits():
    from dataset.library import edit_candidates, library_rows
    from dataset.schema import group_key

    net, bars, pie = _tiny_library(("net", _NET), ("bars", _BARS), ("pie-ja", _PIE_JA))
    rows = library_rows([net, bars, pie], verify=False)
    figures = [r for r in rows if r["kind"] == "figure"]
    assert [r["id"] for r in figures] == [f"library-{n}-figure-{lang}" for n in ("net", "bars", "pie-ja")
                                          for lang in ("en", "ja")]
    assert all(set(r) == set(COLUMNS) and r["source"] == "library" for r in rows)
    assert all(not r["code_before"] for r in figures)
    # the labels' language is said when the caption leaves it open
    by_id = {r["id"]: r for r in rows}
    assert by_id["library-net-figure-ja"]["instruction"] == "2-3-1のネットワーク。ラベルは英語で書く。"
    assert by_id["library-pie-ja-figure-en"]["instruction"] == "A pie chart of yes and no. Labels in Japanese."
    assert by_id["library-pie-ja-figure-ja"]["instruction"] == "はいといいえの円グラフ。"
    layers = edit_candidates(net)
    assert [e.en for e in layers] == ["Give the hidden layer 4 units instead of 3.",
                                      "Give the output layer 2 units instead of 1."]
    assert "const LAYERS = [2, 4, 1];" in layers[0].code and layers[1].ja == "出力層のユニットを1個から2個にして。"
    value, recolor = edit_candidates(bars)
    assert value.en == "Change the value of B to 4." and "const VALUES = [6, 4, 4];" in value.code
    assert recolor.en == "Make the blue parts red." and '"#d62728"' in recolor.code and "#1f77b4" not in recolor.code
    pie_edit, pie_title = edit_candidates(pie)
    assert pie_edit.ja == "はいを赤にして。" and '["はい", 70, "#d62728"]' in pie_edit.code
    assert pie_title.en == 'Add the title "図1" at the top.' and pie_title.ja == "上に「図1」というタイトルを付けて。"
    assert "  drawTitle();\n}" in pie_title.code and 'text("図1", width / 2, 8);' in pie_title.code
    assert [e.kind for e in edit_candidates(net, None)] == ["layers", "layers", "title"]  # the first two by default
    edits = [r for r in rows if r["kind"] == "edit"]  # unverified: every candidate
    assert len(edits) == 2 * 8 and all(r["code_before"] and r["code"] != r["code_before"] for r in edits)
    # an example and its edits stay in one split
    assert len({group_key(r) for r in rows if "-net-" in r["id"]}) == 1
    groups = split_rows(rows, test_fraction=0.5, seed=1)
    assert {r["id"].split("-")[1] for r in groups["test"]}.isdisjoint({r["id"].split("-")[1] for r in groups["train"]})


def test_within_lines_keeps_readable_programs_only():
    from dataset.library import within_lines

    rows = [{"code": "a\nb\n"}, {"code": "\n".join("x" * 3 for _ in range(80))}, {"code": ""}]
    kept, dropped = within_lines(rows, 70)
    assert kept == [rows[0], rows[2]] and dropped == 1


@needs_render
def test_library_edits_are_kept_only_when_the_render_shows_the_change(tmp_path):
    from dataset.library import library_rows

    net, bars, deaf, pie = _tiny_library(("net", _NET), ("bars", _BARS), ("deaf", _DEAF), ("pie-ja", _PIE_JA))
    rows = library_rows([net, bars, deaf, pie])
    kept = sorted({r["id"].rsplit("-", 1)[0] for r in rows if r["kind"] == "edit"})
    # The deaf copy's layer edits change nothing drawn: dropped, and its title edit takes their place.
    assert kept == ["library-bars-edit1-value", "library-bars-edit2-recolor", "library-deaf-edit1-title",
                    "library-net-edit1-layers", "library-net-edit2-layers", "library-pie-ja-edit1-recolor",
                    "library-pie-ja-edit2-title"]
    assert sum(r["kind"] == "figure" for r in rows) == 8

    from dataset.__main__ import main

    assert main(["library", "--out", str(tmp_path / "lib"), "--no-verify", "--max-code-lines", "70"]) == 0
    stats = json.loads((tmp_path / "lib" / "stats.json").read_text())
    assert stats["splits"]["train"] > 170 and stats["over_max_lines"] == 0


# ---------------------------------------------------------------- sketch pairs

def test_sketchify_changes_the_picture_but_keeps_it_recognisable():
    from dataset.similarity import image_similarity
    from dataset.sketchify import sketchify_png

    img = Image.new("RGB", (200, 150), "white")
    from PIL import ImageDraw
    d = ImageDraw.Draw(img)
    d.rectangle([40, 40, 160, 110], outline=(200, 0, 0), width=3)
    d.line([20, 130, 180, 20], fill="blue", width=2)
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    png = buf.getvalue()
    a, b, c = sketchify_png(png, 1), sketchify_png(png, 1), sketchify_png(png, 2)
    assert a == b and a != c and a != png
    out = Image.open(io.BytesIO(a))
    assert out.size == (200, 150)
    other = Image.new("RGB", (200, 150), "white")
    ImageDraw.Draw(other).ellipse([10, 10, 60, 60], outline="black", width=3)
    assert image_similarity(png, a) > image_similarity(png, other)


# ---------------------------------------------------------------- translation

def _run_translate(out: Path, url: str, *models: str, extra: tuple[str, ...] = ()) -> dict:
    from dataset.__main__ import main

    argv = ["translate", "--source", str(SAMPLE_DIR), "--split", "train", "--out", str(out), "--backoff", "0.05"]
    for m in models:
        argv += ["--teacher", f"{url}={m}"]
    argv += list(extra)
    assert main(argv) == 0
    return json.loads((out / "stats.json").read_text())


def _kept(out: Path) -> list[dict]:
    import datasets

    return list(datasets.load_from_disk(str(out / "hf"))["train"])


@needs_render
def test_translate_keeps_the_closest_render_and_drops_rows_without_caption(tmp_path):
    teachers = FakeTeachers()
    srv, url = start_server(teachers)
    try:
        stats = _run_translate(tmp_path / "t", url, "sloppy", "good")
        rows = _kept(tmp_path / "t")
        n_captioned = sum(1 for line in (SAMPLE_DIR / "train.jsonl").read_text().splitlines()
                          if json.loads(line)["caption"])
        assert len(rows) == n_captioned == 9
        assert stats["failures"] == {"no_caption": 1}
        # Both teachers render; the faithful one is closer to the original image every time.
        assert {r["teacher"] for r in rows} == {"good"}
        for r in rows:
            assert r["source"] == "datikz" and r["kind"] == "figure" and r["caption_en"] in r["instructions"]
            assert r["caption_ja"].endswith("（日本語）")
            assert json.loads(r["params"])["rendered"] == 2
        asked = dict(teachers.requests)
        # A second run asks nothing: finished rows are skipped and every answer is cached.
        stats2 = _run_translate(tmp_path / "t", url, "sloppy", "good")
        assert teachers.requests == asked
        assert stats2["last_run"]["this_run"]["already_done"] == 10
        assert len(_kept(tmp_path / "t")) == 9
    finally:
        srv.shutdown()


@needs_render
def test_translate_survives_failures_and_slow_answers(tmp_path):
    teachers = FakeTeachers(delay=1.5)
    srv, url = start_server(teachers)
    try:
        stats = _run_translate(tmp_path / "f", url, "flaky", "slow", extra=("--request-timeout", "0.7"))
        rows = _kept(tmp_path / "f")
        assert len(rows) == 9
        assert stats["last_run"]["requests"]["retries"] >= 18  # one 500 and one timeout per prompt
        # Broken code and code-less answers fail for good; a dead endpoint leaves rows for the next run.
        stats = _run_translate(tmp_path / "b", url, "broken", "chatty", extra=("--limit", "4"))
        assert stats["failures"] == {"render_failed": 4}
        from dataset.teachers import ClientConfig, parse_teacher
        from dataset.translate import TranslateConfig, translate

        summary = translate(TranslateConfig(source=str(SAMPLE_DIR), teachers=[parse_teacher(f"{url}=down")],
                                            out=tmp_path / "d", limit=3,
                                            client=ClientConfig(max_retries=1, backoff_s=0.01)))
        assert summary["this_run"] == {"teacher_failed": 3}
        assert not list((tmp_path / "d" / "work" / "failed").glob("*/*.json"))
    finally:
        srv.shutdown()


@needs_render
def test_translate_resumes_after_a_kill_without_loss_or_duplicates(tmp_path):
    teachers = FakeTeachers(delay=0.4)
    srv, url = start_server(teachers)
    out = tmp_path / "r"
    cmd = [sys.executable, "-m", "dataset", "translate", "--source", str(SAMPLE_DIR), "--out", str(out),
           "--teacher", f"{url}=slowgood", "--concurrency", "1", "--batch-size", "2"]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    try:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                start_new_session=True)
        rows_dir = out / "work" / "rows" / "train"
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and len(list(rows_dir.glob("*.json"))) < 2:
            time.sleep(0.05)
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        written = len(list(rows_dir.glob("*.json")))
        assert 2 <= written < 9, "the run should have been killed midway"
        asked_before = teachers.requests.get("slowgood", 0)
        r = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
        assert r.returncode == 0, r.stderr[-3000:]
        rows = _kept(out)
        assert len(rows) == 9 and len({x["id"] for x in rows}) == 9
        # Nothing is asked twice, except the one request in flight when the run was killed (never answered).
        assert asked_before >= written
        assert teachers.requests["slowgood"] <= 9 + 1
        stats = json.loads((out / "stats.json").read_text())
        assert stats["last_run"]["this_run"]["already_done"] == written
    finally:
        srv.shutdown()


def test_translate_reports_unreadable_sources(tmp_path, caplog):
    from dataset.__main__ import main

    # A hub id without network (tests run offline) fails with a message that says what to do instead.
    assert main(["translate", "--source", "nllg/datikz-v2", "--teacher", "http://127.0.0.1:9/v1=m",
                 "--out", str(tmp_path / "o")]) == 2
    assert "pass the local directory or parquet files" in caplog.text
    assert main(["translate", "--source", str(tmp_path / "nothing"), "--teacher", "http://127.0.0.1:9/v1=m",
                 "--out", str(tmp_path / "o")]) == 2
    assert main(["translate", "--source", str(SAMPLE_DIR), "--teacher", "not-a-url",
                 "--out", str(tmp_path / "o")]) == 2
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"caption": "x"}\n')
    assert main(["translate", "--source", str(bad), "--teacher", "http://127.0.0.1:9/v1=m",
                 "--out", str(tmp_path / "o")]) == 2


def test_extract_p5_reads_code_and_japanese_caption():
    from dataset.translate import extract_p5

    code, ja = extract_p5("Sure!\n```latex\n\\draw (0,0);\n```\n```js\nfunction setup() {\n  createCanvas(10, 10);"
                          "\n}\n```\nJapanese caption: 「円の図」\n")
    assert code.startswith("function setup()") and ja == "円の図"
    assert extract_p5("no code here") == ("", "")
