"""Offline retrieval of worked examples: BM25 over words and character n-grams (Japanese needs no tokenizer)."""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from functools import lru_cache

from model.examples.library import Example, load_library

__all__ = ["MIN_SCORE", "SAME_KIND_RATIO", "ExampleIndex", "default_index", "retrieve", "terms"]

# Below this BM25 score a match rests on a stray shared word or n-gram ("LSTM cell" -> a heatmap's cells): no
# example is better than a misleading one. Measured on requests outside the benchmark (tests/test_model_examples.py):
# right matches scored 7.8-17, stray ones 3-5.7.
MIN_SCORE = 6.0
# An example of the same kind (first tag) with labels in the request's language replaces a better-scoring one in
# the other language when it scores at least this fraction of it: the model copies the example's label language.
SAME_KIND_RATIO = 0.5

_WORD = re.compile(r"[a-z0-9]+(?:[.'][a-z0-9]+)*")
# Kana, kanji and full-width forms: runs of these are cut into character bigrams and trigrams.
_CJK_RUN = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uff66-\uff9f]+")
_JA = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff]")
# Words that every figure request shares carry no signal about which example fits.
_STOP = frozenset("a an the of and or with to in on for by at from as is are be it its this that draw drawn "
                  "figure diagram show shows showing make please using use each all one two three".split())


def _normalize(text: str) -> str:
    """NFKC and lower case, so full-width digits and letters match their ASCII forms."""
    return unicodedata.normalize("NFKC", text).lower()


def terms(text: str) -> list[str]:
    """Index terms of a text: English words (and 5-character prefixes as a cheap stem), CJK 2- and 3-grams."""
    norm = _normalize(text)
    out: list[str] = []
    for w in _WORD.findall(norm):
        if w in _STOP:
            continue
        out.append(w)
        if len(w) > 6 and not w.isdigit():
            out.append(w[:5] + "*")  # "networks"/"network", "convolutional"/"convolution"
    for run in _CJK_RUN.findall(norm):
        if len(run) == 1:
            out.append(run)
        out.extend(run[i:i + 2] for i in range(len(run) - 1))
        out.extend(run[i:i + 3] for i in range(len(run) - 2))
    return out


class ExampleIndex:
    """BM25 over the examples' captions (both languages), tags and ids."""

    def __init__(self, examples: Sequence[Example], k1: float = 1.2, b: float = 0.75) -> None:
        if not examples:
            raise ValueError("ExampleIndex needs at least one example")
        self.examples = tuple(examples)
        self.k1, self.b = k1, b
        docs = [Counter(terms(e.search_text() + " " + e.id.replace("-", " "))) for e in self.examples]
        self._len = [sum(d.values()) for d in docs]
        self._avg = sum(self._len) / len(docs)
        df: Counter[str] = Counter()
        for d in docs:
            df.update(d.keys())
        n = len(docs)
        self._idf = {t: math.log(1 + (n - c + 0.5) / (c + 0.5)) for t, c in df.items()}
        # Postings: term -> [(doc index, term frequency)], so a query touches only the documents it shares terms with.
        self._post: dict[str, list[tuple[int, int]]] = {}
        for i, d in enumerate(docs):
            for t, tf in d.items():
                self._post.setdefault(t, []).append((i, tf))

    def scores(self, query: str) -> list[float]:
        """BM25 score of every example for the query (0 for examples sharing no term)."""
        out = [0.0] * len(self.examples)
        for t, qtf in Counter(terms(query)).items():
            idf = self._idf.get(t)
            if idf is None:
                continue
            for i, tf in self._post[t]:
                norm = tf + self.k1 * (1 - self.b + self.b * self._len[i] / self._avg)
                out[i] += idf * tf * (self.k1 + 1) / norm
        return out

    def search(self, query: str, k: int = 1, min_score: float = MIN_SCORE) -> list[Example]:
        """The k best examples for the query, best first, preferring labels in the query's language within a kind."""
        if k <= 0 or not query.strip():
            return []
        ja = bool(_JA.search(query))
        scores = self.scores(query)
        ranked = [i for i in sorted(range(len(scores)), key=lambda i: -scores[i]) if scores[i] >= min_score]
        out: list[int] = []
        for i in ranked:
            if len(out) == k:
                break
            if i in out:
                continue
            if self._is_ja(i) != ja:
                kind = self.examples[i].tags[:1]
                swap = next((j for j in ranked if j not in out and self._is_ja(j) == ja and kind
                             and self.examples[j].tags[:1] == kind and scores[j] >= SAME_KIND_RATIO * scores[i]),
                            None)
                if swap is not None:
                    out.append(swap)
                    continue
            out.append(i)
        return [self.examples[i] for i in out]

    def _is_ja(self, i: int) -> bool:
        """True when the example's program writes Japanese labels."""
        return bool(_JA.search(self.examples[i].code))


@lru_cache(maxsize=1)
def default_index() -> ExampleIndex:
    """The index over the packaged library, built once."""
    return ExampleIndex(load_library())


def retrieve(request: object, k: int = 1) -> list[Example]:
    """The k worked examples closest to a request (a model.Request or its instruction text), best first."""
    text = request if isinstance(request, str) else getattr(request, "instruction", None)
    if not isinstance(text, str):
        raise TypeError(f"retrieve() takes a request or its instruction text, not {type(request).__name__}")
    return default_index().search(text, k)
