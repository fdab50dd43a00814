"""Training rows from the worked-examples library (model/examples): first figures and short edit turns.

    rows = library_rows()                       # rendered and verified; needs render/ (headless Chromium)
    rows = library_rows(verify=False)           # every row the generator can make, unrendered (leakage test)

Each example gives two first-figure rows, its English and its Japanese caption as the request (with a note on the
labels' language when the caption does not already say it, so a request never teaches labels in the other
language), and up to `max_edits` edit turns made by deterministic changes of the program:

- `layers`: one layer of a network (`const LAYERS = [3, 4, 2]`) gets one unit more (or fewer) — "Give the hidden
  layer 5 units instead of 4.";
- `value`: one value of a bar chart or histogram (the array its `bars` check lists) changes — "Change the value of
  Pears to 11.";
- `recolor`: a colour tied to a label (`["Python", 48, "#4e79a7"]`, `{ name: "Model A", c: "#3366cc" }`, or a
  `COLORS` array beside a list of names) or a lone fill colour becomes another — "Make Python red.";
- `title`: a title at the top, drawn by a small helper called at the end of draw() — 'Add the title "Figure 1" at
  the top.' (「図1」 for a figure labelled in Japanese), only where the program stays within 70 lines.

Every candidate is verified and the first `max_edits` that hold are kept. An edit holds when both programs render
and the checks written for the change (columns of circles, bar values, a count of elements in the new and the old
colour, the title's text inside the canvas) hold on the changed program and fail on the original; a title also
needs the top 30 pixels of the original free.
All rows of one example share a group key, so a split never separates an example's figure from its edits.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

from .schema import empty_row

__all__ = ["LibraryEdit", "MAX_EDITS", "draws_japanese", "edit_candidates", "figure_rows", "library_rows",
           "verify_edits", "within_lines"]

MAX_EDITS = 2  # edit turns per example
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff]")
_STRING = re.compile(r'"([^"\\\n]*)"|\'([^\'\\\n]*)\'')
_HEX = re.compile(r'"(#[0-9a-fA-F]{6})"')
# Colours an edit may switch to: (English name, hex, Japanese name).
PALETTE = [("red", "#d62728", "赤"), ("green", "#2ca02c", "緑"), ("purple", "#9467bd", "紫"),
           ("orange", "#ff7f0e", "オレンジ"), ("blue", "#1f77b4", "青")]
_COLOR_JA = {name: ja for name, _, ja in PALETTE} | {"yellow": "黄色", "pink": "ピンク", "gray": "灰色",
                                                    "brown": "茶色", "cyan": "水色"}
_ORDINAL = ["first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth"]


@dataclass(frozen=True)
class LibraryEdit:
    """A change request and the program it turns the example into, with checks that tell the two apart."""

    kind: str  # "layers" | "value" | "recolor"
    en: str
    ja: str
    code: str
    checks: list[dict[str, Any]] = field(default_factory=list, hash=False)


def _strings(code: str) -> list[str]:
    """String literals of a program (comments removed)."""
    body = re.sub(r"//[^\n]*", "", code)
    return [a or b for a, b in _STRING.findall(body)]


def draws_japanese(code: str) -> bool:
    """True when a string literal of the program holds kana or kanji (its labels are Japanese)."""
    return any(_CJK.search(s) for s in _strings(code))


def _draws_english(code: str) -> bool:
    """True when a string literal holds an English word (three letters or more, not a colour)."""
    return any(re.search(r"[A-Za-z]{3,}", s) and not s.startswith("#") and s.lower() not in _COLOR_NAMES_EN
               for s in _strings(code))


_COLOR_NAMES_EN = {"red", "green", "blue", "orange", "purple", "yellow", "gray", "grey", "black", "white", "pink",
                   "brown", "cyan", "magenta", "steelblue", "navy", "teal"}


def _instructions(ex: Any) -> tuple[str, str]:
    """The English and Japanese requests of a first-figure row: the captions, plus the labels' language when the
    caption leaves it open."""
    en, ja = ex.caption_en.strip(), ex.caption_ja.strip()
    if draws_japanese(ex.code) and "japanese" not in en.lower():
        en += " Labels in Japanese."
    if not draws_japanese(ex.code) and _draws_english(ex.code) and "英語" not in ja:
        ja += "ラベルは英語で書く。"
    return en, ja


def _row(ex: Any, kind: str, instruction: str, instructions: list[str], code: str, code_before: str = "",
         tag: str = "") -> dict[str, Any]:
    row = empty_row()
    row.update(source="library", family=ex.tags[0] if ex.tags else ex.id, kind=kind, caption_en=ex.caption_en,
               caption_ja=ex.caption_ja, instructions=instructions, instruction=instruction,
               code_before=code_before, code=code,
               params=json.dumps({"example": ex.id}, ensure_ascii=False))  # one group per example
    row["id"] = f"library-{ex.id}-{tag or kind}"
    return row


def figure_rows(ex: Any) -> list[dict[str, Any]]:
    """The example's two first-figure rows (English and Japanese request, the example's program as the answer)."""
    en, ja = _instructions(ex)
    return [_row(ex, "figure", en, [en, ja], ex.code, tag="figure-en"),
            _row(ex, "figure", ja, [en, ja], ex.code, tag="figure-ja")]


# -------------------------------------------------------------------------------------------------------------
# Edits
# -------------------------------------------------------------------------------------------------------------
def _int_list(text: str) -> list[int] | None:
    items = [t.strip() for t in text.split(",")]
    return [int(t) for t in items] if items and all(re.fullmatch(r"\d+", t) for t in items) else None


def _layer_edits(ex: Any) -> list[LibraryEdit]:
    """One unit more (or fewer) in the first hidden layer, and in the output layer, of `const LAYERS = [...]`."""
    m = re.search(r"(const LAYERS = \[)([\d,\s]+)(\];)", ex.code)
    sizes = _int_list(m.group(2)) if m else None
    if not m or not sizes or len(sizes) < 3:
        return []
    out = []
    hidden = len(sizes) - 2
    for i in (1, len(sizes) - 1):
        old = sizes[i]
        new = old + 1 if old < 8 else old - 1
        changed = sizes[:i] + [new] + sizes[i + 1:]
        if i == len(sizes) - 1:
            role_en, role_ja = "output layer", "出力層"
        elif hidden == 1:
            role_en, role_ja = "hidden layer", "中間層"
        else:
            role_en, role_ja = f"{_ORDINAL[i - 1]} hidden layer", f"{i}番目の中間層"
        code = ex.code[:m.start()] + m.group(1) + ", ".join(map(str, changed)) + m.group(3) + ex.code[m.end():]
        en = f"Give the {role_en} {new} units instead of {old}."
        ja = f"{role_ja}のユニットを{old}個から{new}個にして。"
        out.append(LibraryEdit("layers", en, ja, code,
                               [{"type": "columns", "select": {"kind": "circle"}, "counts": changed}]))
    return out


def _ordinal_ja(i: int) -> str:
    return f"{i + 1}本目"


def _value_edits(ex: Any) -> list[LibraryEdit]:
    """A new value for one bar of a chart whose `bars` check lists its values (the array that holds them)."""
    bars = next((c for c in ex.checks if c.get("type") == "bars" and c.get("values")), None)
    if bars is None or not all(isinstance(v, int) for v in bars["values"]):
        return []
    values = list(bars["values"])
    for m in re.finditer(r"\[([\d,\s]+)\]", ex.code):
        if _int_list(m.group(1)) == values:
            break
    else:
        return []
    i = 1 if len(values) > 1 else 0
    d = max(1, round(0.3 * max(values)))
    new = values[i] + d if values[i] + d <= max(values) else values[i] - d
    if new <= 0 or new == values[i]:
        return []
    changed = values[:i] + [new] + values[i + 1:]
    code = ex.code[:m.start()] + "[" + ", ".join(map(str, changed)) + "]" + ex.code[m.end():]
    labels = bars.get("labels") or []
    if i < len(labels):
        en, ja = f"Change the value of {labels[i]} to {new}.", f"{labels[i]}の値を{new}にして。"
    else:
        en, ja = f"Change the {_ORDINAL[i]} bar to {new}.", f"{_ordinal_ja(i)}の棒の値を{new}にして。"
    check = dict(bars, values=changed)
    return [LibraryEdit("value", en, ja, code, [check])]


def _rgb(hex_color: str) -> tuple[int, int, int]:
    h = hex_color.lstrip("#")
    return int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16)


def _labelled_colors(code: str) -> list[tuple[str, str]]:
    """(label, "#hex") pairs where a colour belongs to a named thing: a tuple, an object or parallel arrays."""
    pairs = [(m.group(1), m.group(2)) for m in re.finditer(
        r'\[\s*"([^"#\n][^"\n]*)"\s*,[^\[\]\n]*?"(#[0-9a-fA-F]{6})"\s*\]', code)]
    pairs += [(m.group(1), m.group(2)) for m in re.finditer(
        r'name:\s*"([^"\n]+)"\s*,\s*c:\s*"(#[0-9a-fA-F]{6})"', code)]
    colors = re.search(r"const COLORS = \[([^\]]*)\]", code)
    if colors:
        hexes = _HEX.findall(colors.group(1))
        for m in re.finditer(r"const (?!COLORS)[A-Z_]+ = \[([^\[\]]*)\];", code):
            names = re.findall(r'"([^"\n]+)"', m.group(1))
            if len(names) == len(hexes) and len(names) == len([t for t in m.group(1).split(",") if t.strip()]):
                pairs += list(zip(names, hexes))
                break
    return pairs


def _recolor_edits(ex: Any) -> list[LibraryEdit]:
    """A colour tied to a label (or a lone fill colour) becomes a palette colour the program does not use yet."""
    from eval.checks import color_matches, nearest_color_name

    code = ex.code
    hexes = set(_HEX.findall(code))
    used = {nearest_color_name(_rgb(h)) for h in hexes}
    used |= {s.lower() for s in _strings(code) if s.lower() in _COLOR_NAMES_EN}
    # A new colour no colour of the program is named as or close to (within the checks' tolerance): the change
    # must show, and the counts that verify it must not mix the two.
    target = next(((n, h, ja) for n, h, ja in PALETTE if not {n, f"dark{n}", f"light{n}"} & used
                   and not any(color_matches(_rgb(old), h) for old in hexes)), None)
    if target is None:
        return []
    name, new_hex, name_ja = target
    pairs = _labelled_colors(code)
    if pairs:
        label, old_hex = pairs[0]
        en, ja = f"Make {label} {name}.", f"{label}を{name_ja}にして。"
    else:
        fills = re.findall(r'fill\("(#[0-9a-fA-F]{6})"\)', code)
        if len(set(fills)) != 1:
            return []
        old_hex = fills[0]
        old_name = nearest_color_name(_rgb(old_hex))
        if old_name not in _COLOR_JA:  # pale or grey fills have no name a person would use
            return []
        en, ja = f"Make the {old_name} parts {name}.", f"{_COLOR_JA[old_name]}の部分を{name_ja}にして。"
    # Every use of that colour changes (a legend swatch and its bar share it).
    changed = re.sub(re.escape(f'"{old_hex}"'), f'"{new_hex}"', code)
    # The new colour appears and the old one is gone; verification sharpens the counts from the original render.
    return [LibraryEdit("recolor", en, ja, changed, [{"type": "count", "select": {"color": new_hex}, "min": 1},
                                                     {"type": "count", "select": {"color": old_hex}, "max": 0}])]


TITLE_EN, TITLE_JA = "Figure 1", "図1"
TOP_BAND = 30  # pixels at the top of the canvas the title needs free
MAX_LINES = 70  # readable length (the library's own limit): no edit makes a program longer than this
_TITLE_HELPER = """
function drawTitle() {{
  push();
  resetMatrix();  // at the top whatever the drawing's transform was
  noStroke();
  fill(0);
  textAlign("center", "top");  // by value: a program may have its own TOP or CENTER constant
  textSize(16);
  text("{title}", width / 2, 8);
  pop();
}}
"""


def _body_end(code: str, name: str) -> int | None:
    """Index of the closing brace of `function name() {…}` (braces counted; the library's strings hold none)."""
    m = re.search(rf"function {name}\(\)\s*\{{", code)
    if m is None:
        return None
    depth = 0
    for i in range(m.end() - 1, len(code)):
        depth += {"{": 1, "}": -1}.get(code[i], 0)
        if depth == 0:
            return i
    return None


def _title_edits(ex: Any) -> list[LibraryEdit]:
    """A title at the top ("Figure 1", or 「図1」 for a figure labelled in Japanese), drawn by a new helper called
    at the end of draw() (or setup())."""
    end = _body_end(ex.code, "draw")
    end = end if end is not None else _body_end(ex.code, "setup")
    if end is None or "drawTitle" in ex.code:
        return []
    title = TITLE_JA if draws_japanese(ex.code) else TITLE_EN
    call = "  drawTitle();\n" if ex.code[end - 1] == "\n" else " drawTitle(); "
    code = ex.code[:end] + call + ex.code[end:].rstrip("\n") + "\n" + _TITLE_HELPER.format(title=title)
    if len(code.strip().splitlines()) > MAX_LINES:
        return []
    return [LibraryEdit("title", f'Add the title "{title}" at the top.', f"上に「{title}」というタイトルを付けて。",
                        code, [{"type": "text", "labels": [title]}, {"type": "inside_canvas"}])]


def edit_candidates(ex: Any, max_edits: int | None = MAX_EDITS) -> list[LibraryEdit]:
    """The example's edit turns before verification, in order of preference: layer changes, a value change, a
    recolouring, a title; at most `max_edits` (None: all)."""
    out = _layer_edits(ex) + _value_edits(ex) + _recolor_edits(ex) + _title_edits(ex)
    return out if max_edits is None else out[:max_edits]


# -------------------------------------------------------------------------------------------------------------
# Verification and rows
# -------------------------------------------------------------------------------------------------------------
def _recolor_checks(edit: LibraryEdit, before: Any) -> list[dict[str, Any]]:
    """The recolouring's checks with counts from the original render: more of the new colour, fewer of the old."""
    from eval.checks import Scene

    scene = Scene(before)
    new, old = edit.checks[0]["select"]["color"], edit.checks[1]["select"]["color"]
    n_new, n_old = len(scene.select({"color": new})), len(scene.select({"color": old}))
    return [{"type": "count", "select": {"color": new}, "min": n_new + 1},
            {"type": "count", "select": {"color": old}, "max": max(0, n_old - 1)}]


def _top_band_free(result: Any) -> bool:
    """True when nothing but a backdrop is drawn in the top TOP_BAND pixels of a render."""
    from eval.checks import Scene

    scene = Scene(result)
    return all(e.bbox[1] >= TOP_BAND for e in scene.elements if not scene.is_background(e))


def verify_edits(pairs: Sequence[tuple[Any, LibraryEdit]], render_many: Callable[..., list[Any]],
                 timeout_s: float = 10.0) -> list[tuple[Any, LibraryEdit]]:
    """The (example, edit) pairs whose programs both render and whose checks hold after and fail before."""
    from eval.checks import run_checks

    if not pairs:
        return []
    codes = [c for ex, e in pairs for c in (ex.code, e.code)]
    results = render_many(codes, timeout_s=timeout_s)
    kept = []
    for k, (ex, edit) in enumerate(pairs):
        before, after = results[2 * k], results[2 * k + 1]
        if not (before.ok and after.ok):
            continue
        checks = _recolor_checks(edit, before) if edit.kind == "recolor" else edit.checks
        holds_after = all(o.passed for o in run_checks(checks, after))
        fails_before = not all(o.passed for o in run_checks(checks, before))
        if edit.kind == "title" and not _top_band_free(before):
            continue  # the title would sit on the figure
        if holds_after and fails_before:
            kept.append((ex, LibraryEdit(edit.kind, edit.en, edit.ja, edit.code, checks)))
    return kept


def within_lines(rows: Sequence[dict[str, Any]], max_lines: int) -> tuple[list[dict[str, Any]], int]:
    """(rows whose program has at most max_lines lines, how many were dropped): readable answers only."""
    kept = [r for r in rows if len((r.get("code") or "").strip().splitlines()) <= max_lines]
    return kept, len(rows) - len(kept)


def library_rows(examples: Sequence[Any] | None = None, edits: bool = True, verify: bool = True,
                 max_edits: int = MAX_EDITS, render_many: Callable[..., list[Any]] | None = None,
                 timeout_s: float = 10.0) -> list[dict[str, Any]]:
    """Rows from the library (default: model/examples): two first figures per example, then up to max_edits
    verified edit turns, one row per language. `verify=False` skips rendering and keeps every candidate edit."""
    if examples is None:
        from model.examples import load_library

        examples = load_library()
    rows = [r for ex in examples for r in figure_rows(ex)]
    if not edits:
        return rows
    # Every candidate is verified, then the first max_edits that hold are kept: a failed one makes room.
    pairs = [(ex, e) for ex in examples for e in edit_candidates(ex, None)]
    if verify:
        if render_many is None:
            from render import render_many
        pairs = verify_edits(pairs, render_many, timeout_s)
    seen: dict[str, int] = {}
    for ex, e in pairs:
        if verify and seen.get(ex.id, 0) >= max_edits:
            continue
        n = seen[ex.id] = seen.get(ex.id, 0) + 1
        for lang, text in (("en", e.en), ("ja", e.ja)):
            rows.append(_row(ex, "edit", text, [e.en, e.ja], e.code, code_before=ex.code,
                             tag=f"edit{n}-{e.kind}-{lang}"))
    return rows
