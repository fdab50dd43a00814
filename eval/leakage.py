"""Training-data leakage guard: how close generated texts come to benchmark prompts.

Similarity: cosine of TF-IDF vectors over character 3-grams, after Unicode NFKC, lower-casing and whitespace
collapsing (each text padded with one space at either end). Character n-grams treat English and Japanese alike
(no word segmentation needed), and IDF over both lists discounts the domain words every figure request shares
("network", "layer", "図"). THRESHOLD and how it was chosen: docs/benchmark.md ("Keeping the benchmark out of
training data").

    close = too_close(training_texts, benchmark_prompts)   # [(text_i, prompt_j, similarity), …] above THRESHOLD
"""
from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from typing import Sequence

import numpy as np

__all__ = ["THRESHOLD", "NGRAM", "normalize", "similarity_matrix", "nearest", "too_close", "training_texts"]

NGRAM = 3
THRESHOLD = 0.65  # measured; see docs/benchmark.md


def normalize(text: str) -> str:
    """NFKC, lower case, whitespace collapsed."""
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", str(text))).strip().lower()


def _grams(text: str) -> Counter[str]:
    s = f" {normalize(text)} "
    if len(s) <= NGRAM:
        return Counter([s])
    return Counter(s[i:i + NGRAM] for i in range(len(s) - NGRAM + 1))


def _vectors(docs: list[Counter[str]], vocab: dict[str, int], idf: np.ndarray):
    """Rows of L2-normalised TF-IDF vectors as a scipy CSR matrix."""
    from scipy.sparse import csr_matrix

    data, cols, ptr = [], [], [0]
    for d in docs:
        for g, n in d.items():
            j = vocab.get(g)
            if j is not None:
                cols.append(j)
                data.append(n * idf[j])
        ptr.append(len(cols))
    m = csr_matrix((np.asarray(data, dtype=np.float64), np.asarray(cols, dtype=np.int64), np.asarray(ptr)),
                   shape=(len(docs), len(vocab)))
    norms = np.sqrt(np.asarray(m.multiply(m).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    from scipy.sparse import diags

    return diags(1.0 / norms) @ m


def similarity_matrix(texts: Sequence[str], against: Sequence[str]) -> np.ndarray:
    """Cosine similarities, shape (len(texts), len(against)); IDF is taken over both lists together."""
    a = [_grams(t) for t in texts]
    b = [_grams(t) for t in against]
    df: Counter[str] = Counter()
    for d in a + b:
        df.update(d.keys())
    vocab = {g: i for i, g in enumerate(sorted(df))}
    n = len(a) + len(b)
    idf = np.array([math.log((1 + n) / (1 + df[g])) + 1.0 for g in sorted(df)])  # smoothed, as scikit-learn
    if not a or not b:
        return np.zeros((len(a), len(b)))
    return np.asarray((_vectors(a, vocab, idf) @ _vectors(b, vocab, idf).T).todense())


def nearest(texts: Sequence[str], against: Sequence[str]) -> list[tuple[int, float]]:
    """For every text, the index of the most similar text in `against` and the similarity."""
    if not against:
        raise ValueError("nearest: `against` is empty")
    sims = similarity_matrix(texts, against)
    idx = sims.argmax(axis=1) if len(texts) else np.zeros(0, dtype=int)
    return [(int(j), float(sims[i, j])) for i, j in enumerate(idx)]


def too_close(texts: Sequence[str], against: Sequence[str],
              threshold: float = THRESHOLD) -> list[tuple[int, int, float]]:
    """(text index, against index, similarity) for every pair at or above the threshold, most similar first."""
    if not texts or not against:
        return []
    sims = similarity_matrix(texts, against)
    i, j = np.nonzero(sims >= threshold)
    out = [(int(a), int(b), float(sims[a, b])) for a, b in zip(i, j)]
    return sorted(out, key=lambda t: -t[2])


def training_texts(n: int = 3000, seed: int = 0) -> list[str]:
    """Every instruction and caption the dataset generators can emit for `n` sampled synthetic rows.

    Figure and edit rows from dataset.synth.make_rows (all phrasings of each, not only the one picked, and both
    captions), sketch-pair instructions (dataset.augment) and annotation-edit instructions (dataset.annotate)
    built from those rows' captions and edit phrasings, and the worked-examples library's rows (dataset.library:
    first-figure requests and every candidate edit turn, before rendering drops any). Distinct texts, in a stable
    order.
    """
    from dataset.annotate import _EN as ANN_EN, _JA as ANN_JA
    from dataset.augment import SKETCH_INSTRUCTIONS_EN, SKETCH_INSTRUCTIONS_JA
    from dataset.library import library_rows
    from dataset.synth import make_rows

    out: dict[str, None] = {}
    for r in library_rows(verify=False):
        for t in list(r.get("instructions") or []) + [r.get("caption_en") or "", r.get("caption_ja") or ""]:
            if t:
                out[t] = None
    for r in make_rows(n, seed=seed):
        for t in list(r.get("instructions") or []) + [r.get("caption_en") or "", r.get("caption_ja") or ""]:
            if t:
                out[t] = None
        if r.get("kind") == "figure":
            for s in SKETCH_INSTRUCTIONS_EN:
                out[s.format(caption=r["caption_en"])] = None
            for s in SKETCH_INSTRUCTIONS_JA:
                out[s.format(caption=r["caption_ja"])] = None
        elif r.get("kind") == "edit" and r.get("instructions"):
            en, ja = r["instructions"][0], r["instructions"][-1]
            for s in ANN_EN:
                out[s.format(en=en)] = None
            for s in ANN_JA:
                out[s.format(ja=ja)] = None
    return list(out)
