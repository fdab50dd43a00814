"""Checks derived from the request text alone, for repair and ranking: what was asked that a trace can confirm.

    checks = derive_checks("3層のニューラルネットワーク。入力層は4ユニット、中間層は5ユニット、出力層は1ユニット")
    # [{"type": "columns", "select": {"kind": "circle"}, "counts": [4, 5, 1]}]
    failures = failed_reasons(checks, render_result)   # ["column 2 has 4 circles, want 5"]

What is covered (docs/model_quality.md, "Request-derived checks"): layer sizes of a network ("4-5-1", "4 input
units, 5 hidden units and 1 output unit", 「入力層は4ユニット」…), a chart's values ("values 3, 7, 5, 2" /
「値はそれぞれ3, 7, 5, 2」: that many bars at those heights) and its categories, counts of boxes, nodes, circles,
states or bars ("three boxes", 「5つのノード」), quoted labels ("…", '…', 「…」, "the title 'Sales 2024'"), labels
chained by arrows ("Start → Process → End"), symbols written out ("weights w1, w2 and bias b", 「入力 x1, x2」), an
algorithm's statements in a flowchart request ("s = s + i", "i <= 10"), and colours named for parts ("the output
node red", 「棒を青に」). Anything else yields no check: a request is never failed for what this module cannot read.
The language of the checks is eval/checks.py's (imported lazily so model/ does not depend on eval/ at import time).
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from model.prompts import is_japanese

__all__ = ["derive_checks", "failed_reasons", "run_request_checks", "mismatch_text"]

_NUM_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
              "ten": 10, "eleven": 11, "twelve": 12, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7,
              "八": 8, "九": 9, "十": 10}
_NUM = r"(\d{1,2}|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|[一二三四五六七八九十])"
_NETWORK = re.compile(r"network|neural|mlp|perceptron|layer|ネットワーク|ニューラル|層|パーセプトロン", re.I)

# English and Japanese words for the parts a request may count or colour, and the trace kind that draws them.
_PARTS: list[tuple[str, str]] = [
    (r"circles?|円|丸", "circle"),
    (r"nodes?|units?|neurons?|states?|ノード|ユニット|ニューロン|状態|頂点", "shape"),
    (r"boxes|box|rectangles?|blocks?|squares?|steps?|stages?|箱|四角|長方形|ブロック|ボックス|ステップ|段階", "rect"),
    (r"bars?|columns?|棒", "rect"),
    (r"arrows?|edges?|lines?|矢印|辺|線", "line"),
]
_COLORS = {
    "red": "red", "blue": "blue", "green": "green", "yellow": "yellow", "orange": "orange", "purple": "purple",
    "pink": "pink", "gray": "gray", "grey": "gray", "brown": "brown", "cyan": "cyan",
    "赤": "red", "青": "blue", "緑": "green", "黄": "yellow", "オレンジ": "orange", "橙": "orange", "紫": "purple",
    "ピンク": "pink", "灰": "gray", "グレー": "gray", "茶": "brown", "水色": "lightblue",
}


def _num(token: str) -> int:
    """An integer from digits or a number word."""
    return int(token) if token.isdigit() else _NUM_WORDS[token.lower()]


def _normalize(text: str) -> str:
    """NFKC (full-width digits and letters become ASCII) with dashes unified."""
    # a superscript is a power (x² is x^2), not an index (NFKC alone would make it x2)
    text = re.sub(r"[²³]", lambda m: "^" + {"²": "2", "³": "3"}[m.group(0)], text)
    text = unicodedata.normalize("NFKC", text)
    return re.sub(r"[‐‑‒–—−]", "-", text)


# ---------------------------------------------------------------------------------------------------------------
# Networks: units per layer
# ---------------------------------------------------------------------------------------------------------------
_JA_LAYER = re.compile(r"(入力層|中間層|隠れ層|出力層|第\s*\d+\s*層)\s*(?:は|が|に|:|：)?\s*(\d{1,2})\s*(?:個の)?\s*(?:ユニット|ノード|ニューロン|個)?")
_EN_LAYER = re.compile(r"(\d{1,2}|one|two|three|four|five|six|seven|eight|nine|ten)\s+(input|hidden|output)\s+"
                       r"(?:units?|nodes?|neurons?)", re.I)
_EN_LAYER_REV = re.compile(r"(input|hidden|output)\s+layer\s+(?:of|with|has)\s+(\d{1,2})\s+(?:units?|nodes?|neurons?)",
                           re.I)
_DASHED = re.compile(r"(?<![\d.])(\d{1,2}(?:\s*-\s*\d{1,2}){2,6})(?![\d.])")
_UNITS_LIST = re.compile(r"(\d{1,2}(?:\s*,\s*\d{1,2})*\s*,?\s*(?:and|&|と)\s*\d{1,2})\s*(?:units?|nodes?|neurons?|ユニット)",
                         re.I)


def _layer_sizes(text: str) -> list[int] | None:
    """Units per layer, input to output, when the request states them."""
    if not _NETWORK.search(text):
        return None
    ja = _JA_LAYER.findall(text)
    if len(ja) >= 2:
        order = {"入力層": 0, "中間層": 1, "隠れ層": 1, "出力層": 3}
        # 第N層 counts as layer N; repeated hidden layers keep their order of mention.
        keyed = [(order.get(name, None) if not name.startswith("第") else int(re.sub(r"\D", "", name)), i, int(n))
                 for i, (name, n) in enumerate(ja)]
        if all(k is not None for k, _, _ in keyed):
            return [n for _, _, n in sorted(keyed, key=lambda t: (t[0], t[1]))]
    en = [(m.group(2).lower(), _num(m.group(1)), m.start()) for m in _EN_LAYER.finditer(text)]
    en += [(m.group(1).lower(), int(m.group(2)), m.start()) for m in _EN_LAYER_REV.finditer(text)]
    if len(en) >= 2:
        rank = {"input": 0, "hidden": 1, "output": 2}
        return [n for _, n, _ in sorted(en, key=lambda t: (rank[t[0]], t[2]))]
    m = _DASHED.search(text)
    if m:
        return [int(v) for v in re.split(r"\s*-\s*", m.group(1))]
    m = _UNITS_LIST.search(text)
    if m:
        return [int(v) for v in re.findall(r"\d{1,2}", m.group(1))]
    return None


# ---------------------------------------------------------------------------------------------------------------
# Charts: values and categories
# ---------------------------------------------------------------------------------------------------------------
_VALUES = re.compile(r"(?:values?|heights?|data|counts?|scores?|値|データ|数値|得点|度数)[^\d\-]{0,20}"
                     r"(-?\d+(?:\.\d+)?(?:\s*(?:,|、|;|/|and|と)\s*-?\d+(?:\.\d+)?){1,11})", re.I)
_ITEMS = re.compile(r"(?:categories|items|labels|項目|カテゴリ|ラベル)\s*(?:are|:|は|が)?\s*"
                    r"([^\s,、.。]{1,12}(?:\s*(?:,|、)\s*[^\s,、.。]{1,12}){1,11})", re.I)
_BAR_CHART = re.compile(r"bar\s*(?:chart|graph|plot)|histogram|棒グラフ|ヒストグラム", re.I)


def _chart(text: str) -> list[dict[str, Any]]:
    """A bars check for a bar chart whose values (and categories) the request lists."""
    if not _BAR_CHART.search(text):
        return []
    m = _VALUES.search(text)
    if not m:
        return []
    values = [float(v) for v in re.findall(r"-?\d+(?:\.\d+)?", m.group(1))]
    if len(values) < 2 or any(v < 0 for v in values):
        return []
    check: dict[str, Any] = {"type": "bars", "count": len(values),
                             "values": [int(v) if v.is_integer() else v for v in values]}
    items = _ITEMS.search(text)
    if items:
        # The list ends where the sentence goes on (「…, Dで、値は…」, "…, birds with values …").
        listed = re.split(r"で|とし|\s+(?:with|and the|whose)\s", items.group(1))[0]
        labels = [s.strip() for s in re.split(r"\s*(?:,|、)\s*", listed) if s.strip()]
        if len(labels) == len(values):
            check["labels"] = labels
    if re.search(r"horizontal|横棒", text, re.I):
        check["horizontal"] = True
    return [check]


# ---------------------------------------------------------------------------------------------------------------
# Counts, labels, colours
# ---------------------------------------------------------------------------------------------------------------
def _counts(text: str, skip_kinds: set[str]) -> list[dict[str, Any]]:
    """'three boxes', '5 nodes', 「3つの箱」, 「ノードを5つ」: at least that many shapes of the kind."""
    out: dict[str, int] = {}
    for words, kind in _PARTS:
        if kind in skip_kinds:
            continue
        pats = [rf"\b{_NUM}\s+(?:\w+\s+)?(?:{words})\b",  # "three boxes", "5 labelled nodes"
                rf"{_NUM}\s*(?:つ|個|本)の\s*\w{{0,6}}?(?:{words})",  # 「3つの箱」
                rf"(?:{words})\s*(?:を|が|は)\s*{_NUM}\s*(?:つ|個|本)"]  # 「ノードを5つ」
        for pat in pats:
            for m in re.finditer(pat, text, re.I):
                n = _num(m.group(1))
                if 2 <= n <= 20:
                    out[kind] = max(out.get(kind, 0), n)
    # Counted parts are "at least": labels, arrow heads and decorations add shapes of the same kind.
    return [{"type": "count", "select": {"kind": kind}, "min": n} for kind, n in out.items()]


_QUOTED = re.compile(r"\"([^\"\n]{1,40})\"|“([^”\n]{1,40})”|「([^」\n]{1,40})」|'([^'\s]{1,20})'")
_ITEM = r"[^\s→,、。.:：;()\[\]「」『』\"“”']{1,20}"
_ARROW_CHAIN = re.compile(rf"({_ITEM}(?:\s*(?:→|->|⇒)\s*{_ITEM}){{1,9}})")
_HIRAGANA = re.compile(r"[\u3041-\u309f]")
# Words that end an English arrow chain without being a step ("… → analyze → back to observe").
_CHAIN_WORDS = frozenset("back again repeat loop then to and or".split())


def _is_label(s: str) -> bool:
    """A short name a figure would draw: not a sentence, not a list, not a Japanese clause."""
    if not s or len(s.split()) > 3 or re.search(r"[。.,、%]", s):
        return False
    # Labels are kanji, katakana, Latin or a short all-hiragana word (「すすぐ」); kanji or katakana followed by
    # hiragana particles means the sentence went on (「青と遷移します」, 「Yesならホーム画面表示」).
    hira = len(_HIRAGANA.findall(s))
    return (hira < 2 or hira == len(s)) and s.lower() not in _CHAIN_WORDS


# A title, caption or label named in single quotes may have spaces ("the title 'Energy use 2020'"); other single
# quotes with spaces are too often apostrophes or quotations to read as labels.
_NAMED_QUOTE = re.compile(r"(?:title[ds]?|caption(?:ed)?|label(?:l?ed)?|heading|text|named|called|says?|reads?)"
                          r"\s+(?:of\s+|as\s+)?'([^'\n]{1,40})'", re.I)
# Names of variables and weights in a Japanese request are written in Latin letters (「重み w1, w2 とバイアス b」):
# a figure of it shows them as labels. Acronyms (CNN, ReLU) and numbers with units (3x3, 5cm) are not such names.
_JA_SYMBOL = re.compile(r"(?<![A-Za-z0-9_.^-])([A-Za-z](?:_?[0-9]{1,2})?|[a-z]_[a-z0-9])(?![A-Za-z0-9_(^-])")
# A variable inside an equation or a range ("y = x^2 - 4", "-3 <= x <= 3", 「x = 1, 2, 3」) is maths, not a label.
_IN_EQUATION = re.compile(r"[=<>≤≥+*/^-]\s*$")
_BEFORE_EQUATION = re.compile(r"\s*[=<>≤≥+*/^-]")
# In English, an indexed name (x1, w_2, h3) is a symbol; a single letter only when a word says it is a name
# ("bias b", "the output y", "nodes labelled A").
_EN_INDEXED = re.compile(r"(?<![A-Za-z0-9_.^-])([A-Za-z]_?[0-9]{1,2})(?![A-Za-z0-9_(^-])")
_EN_LETTER = re.compile(r"\b(?:bias|weights?|inputs?|outputs?|variables?|targets?|labell?ed|named|called|node|"
                        r"vertex|point|state)\s+([A-Za-z])(?![A-Za-z0-9_'(])")
# The steps of an algorithm's flowchart are its statements ("s = s + i", "i <= 10"): each is a box's text.
_ALGORITHM = re.compile(r"flow\s*chart|flowchart|algorithm|pseudo-?code|フローチャート|流れ図|アルゴリズム", re.I)
_STATEMENT = re.compile(r"(?<![\w.])([a-z]\w{0,5}\s*(?:<=|>=|==|!=|\+=|-=|<|>|=)\s*"
                        r"[a-z0-9]\w{0,5}(?:\s*[-+*/%]\s*[a-z0-9]\w{0,5})*)(?![\w.])", re.I)


def _symbols(text: str) -> list[str]:
    """Variable and weight names the request writes out, which its figure labels."""
    found: list[re.Match[str]] = []
    if is_japanese(text):
        found += list(_JA_SYMBOL.finditer(text))
    else:
        found += list(_EN_INDEXED.finditer(text))
        found += [m for m in _EN_LETTER.finditer(text) if m.group(1) not in ("a", "A", "I")]
    return [m.group(1) for m in found
            if not _IN_EQUATION.search(text[:m.start(1)]) and not _BEFORE_EQUATION.match(text[m.end(1):])]


def _statements(text: str) -> list[str]:
    """An algorithm's assignments and tests (for a flowchart request), spaced as written."""
    if not _ALGORITHM.search(text):
        return []
    return [re.sub(r"\s+", " ", m.group(1)).strip() for m in _STATEMENT.finditer(text)]


def _labels(text: str) -> list[dict[str, Any]]:
    """Quoted labels, arrow-chained steps, written-out symbols and algorithm steps must appear as text."""
    labels: list[str] = []
    for m in _QUOTED.finditer(text):
        s = next(g for g in m.groups() if g is not None).strip()
        # Quoted sentences or lists are quotations (a text to translate, survey answers), not labels to draw.
        if _is_label(s) and len(s.split()) <= 2:
            labels.append(s)
    labels += [m.group(1).strip() for m in _NAMED_QUOTE.finditer(text) if len(m.group(1).split()) <= 4]
    labels += _symbols(text)
    labels += _statements(text)
    for m in _ARROW_CHAIN.finditer(text):
        items = [s.strip() for s in re.split(r"\s*(?:→|->|⇒)\s*", m.group(1))]
        # An end item that runs on into more words ("-> mean μ and std σ ->") is only part of a step's name.
        if re.match(r" +\w", text[m.end():]):
            items.pop()
        if re.search(r"\w +$", text[:m.start()]) and items:
            items.pop(0)
        labels += [s for s in items if _is_label(s)]
    seen: dict[str, None] = {}
    for s in labels:
        seen.setdefault(s, None)
    # a symbol inside a longer label ("v2" of 'Data pipeline v2') is checked by that label
    kept = [s for s in seen if not any(s != o and s in o for o in seen)]
    return [{"type": "text", "labels": kept}] if kept else []


def _colors(text: str) -> list[dict[str, Any]]:
    """A colour named in the request: some part of that kind (or anything, when no part is named) has it."""
    out: list[dict[str, Any]] = []
    seen: set[str] = set()
    # A Japanese traffic light's 青 is its green lamp.
    traffic = bool(re.search(r"信号", text))
    en = "|".join(k for k in _COLORS if k.isascii())
    ja = "|".join(k for k in _COLORS if not k.isascii())
    for m in re.finditer(rf"\b({en})\b|({ja})(?:色)?", text, re.I):
        word = (m.group(1) or m.group(2)).lower()
        color = "green" if traffic and word == "青" else _COLORS[word]
        # The part a colour belongs to is named near it, in the same clause ("the output node red", 「棒を青に」).
        start = max(text.rfind(c, 0, m.start()) for c in ",、。;.") + 1
        ends = [i for i in (text.find(c, m.end()) for c in ",、。;.") if i >= 0]
        clause = text[start:min(ends) if ends else len(text)]
        kind = next((k for words, k in _PARTS if re.search(words, clause, re.I)), "any")
        if color in seen:  # one check per colour: the first mention names its part
            continue
        seen.add(color)
        out.append({"type": "count", "select": {"kind": kind, "color": color}, "min": 1})
    return out


def derive_checks(text: str) -> list[dict[str, Any]]:
    """Checks (eval/checks.py's language) for what the request text states; [] when it states nothing checkable."""
    if not isinstance(text, str) or not text.strip():
        return []
    t = _normalize(text)
    checks: list[dict[str, Any]] = []
    sizes = _layer_sizes(t)
    if sizes and 2 <= len(sizes) <= 8 and all(1 <= n <= 16 for n in sizes):
        checks.append({"type": "columns", "select": {"kind": "circle"}, "counts": sizes})
    chart = _chart(t)
    checks += chart
    checks += _counts(t, skip_kinds={"shape"} if sizes else ({"rect"} if chart else set()))
    # a chart's category names are checked with its bars, not again as texts
    charted = {lab for c in chart for lab in c.get("labels", [])}
    for c in _labels(t):
        kept = [lab for lab in c["labels"] if lab not in charted]
        if kept:
            checks.append({**c, "labels": kept})
    checks += _colors(t)
    return checks


def run_request_checks(checks: list[dict[str, Any]], result: Any) -> list[Any]:
    """Outcomes of the checks on a render result (eval.checks.run_checks; [] when there are no checks)."""
    if not checks:
        return []
    from eval.checks import run_checks

    return run_checks(checks, result)


def failed_reasons(checks: list[dict[str, Any]], result: Any) -> list[str]:
    """One readable reason per failing check ('column 2 has 4 circles, want 5')."""
    return [o.reason for o in run_request_checks(checks, result) if not o.passed]


def mismatch_text(reasons: list[str], japanese: bool = False) -> str:
    """The repair instruction for a figure that renders but misses what was asked."""
    listed = "; ".join(reasons)
    if japanese:
        return (f"このコードは描画できますが、依頼と合っていません: {listed}。"
                "依頼どおりの図になるように直した完全なコードを返してください。")
    return (f"The code renders, but the figure does not match the request: {listed}. "
            "Fix it so the figure shows what was asked, and return the whole corrected program.")
