"""eval.leakage: the similarity measure, and the guard that keeps figure-benchmark prompts out of training data."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from eval.leakage import THRESHOLD, nearest, similarity_matrix, too_close, training_texts

BENCH = Path(__file__).resolve().parents[1] / "eval" / "benchmarks"


def benchmark_prompts() -> list[tuple[str, str]]:
    """(id, prompt) of every figures-v1 row."""
    out = []
    for line in (BENCH / "figures-v1.jsonl").read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            out.append((row["id"], row["prompt"]))
    return out


def test_similarity_basics():
    sims = similarity_matrix(["Draw a bar chart", "ＤＲＡＷ  a BAR chart", "円グラフを描いて"],
                             ["draw a bar chart", "円グラフを描いて"])
    assert sims[0, 0] == pytest.approx(1.0) and sims[1, 0] == pytest.approx(1.0)  # NFKC, case, whitespace
    assert sims[2, 1] == pytest.approx(1.0) and sims[0, 1] < 0.05 and sims[2, 0] < 0.05
    texts, against = ["a pie chart of four slices", "棒グラフ"], ["pie chart with 4 slices", "棒グラフを描いて"]
    full = similarity_matrix(texts, against)
    assert nearest(texts, against) == [(0, pytest.approx(full[0, 0])), (1, pytest.approx(full[1, 1]))]
    assert [(i, j) for i, j, _ in too_close(texts, against, threshold=0.3)] == [(1, 1), (0, 0)] or \
        [(i, j) for i, j, _ in too_close(texts, against, threshold=0.3)] == [(0, 0), (1, 1)]
    assert too_close(["x"], []) == [] and too_close([], ["x"]) == []
    with pytest.raises(ValueError):
        nearest(["x"], [])


def test_a_template_instance_with_other_numbers_is_caught():
    texts = training_texts(n=400, seed=0)
    mlp = next(t for t in texts if re.match(r"Draw a \d-layer neural network with", t))
    planted = re.sub(r"\d", lambda m: str((int(m.group()) + 1) % 10), mlp)  # same sentence, other layer sizes
    hand = "Sketch a small perceptron: two inputs, one hidden layer of three, a single output."
    (i, sim), (_, sim_hand) = nearest([planted, hand], texts)
    assert sim >= THRESHOLD, (planted, texts[i], sim)
    assert sim_hand < THRESHOLD


def test_training_texts_cover_every_generator():
    texts = training_texts(n=300, seed=0)
    assert any(t.startswith("Turn this sketch into p5.js code") or "Make a clean figure from this sketch" in t
               for t in texts)  # dataset.augment sketch pairs
    assert any("I marked the place on the figure" in t for t in texts)  # dataset.annotate
    assert any(re.search(r"[\u3040-\u30ff]", t) for t in texts)  # Japanese instructions and captions
    assert len(texts) == len(set(texts))
    from dataset.library import edit_candidates, figure_rows
    from model.examples import load_library

    library = load_library()
    # dataset.library: every example's first-figure requests and every candidate edit turn, in both languages
    wanted = {t for ex in library for r in figure_rows(ex) for t in r["instructions"]}
    wanted |= {t for ex in library for e in edit_candidates(ex) for t in (e.en, e.ja)}
    assert any(t.startswith("Give the hidden layer") for t in wanted) and wanted <= set(texts)


def test_no_training_generator_comes_close_to_a_benchmark_prompt():
    ids, prompts = zip(*benchmark_prompts())
    texts = training_texts(n=3000, seed=0)
    close = too_close(texts, list(prompts))
    worst: dict[str, tuple[float, str]] = {}
    for i, j, sim in close:
        if ids[j] not in worst or sim > worst[ids[j]][0]:
            worst[ids[j]] = (sim, texts[i])
    assert not worst, "benchmark prompts too close to training text (similarity >= %.2f):\n%s" % (
        THRESHOLD, "\n".join(f"  {k}: {s:.2f} {t!r}" for k, (s, t) in sorted(worst.items())))
