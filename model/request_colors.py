"""Colours the request names for items, put on the items' rows of a data-driven program.

Small models adapting a worked example keep its palette: asked for "coal 30% in dark gray, gas 25% in orange",
the 0.5B writes `["Coal", 30, "#3498db"], ["Gas", 25, "#ff5722"]` and draws a blue coal slice. When a program
keeps its data in rows (the library's style: `["Coal", 30, "#3498db"]`, `{ label: "Output", color: "#e15759" }`),
the row that holds an item's name and exactly one colour gets the colour the request names for that item. Nothing
else changes; a program that does not keep colours in such rows is left alone.

    pairs = item_colors("Pie chart: coal 30% in dark gray, gas 25% in orange")  # [("coal", "darkgray"), ...]
    code, changed = apply_item_colors(code, pairs)                             # changed: ["coal", "gas"]
"""

from __future__ import annotations

import re
import unicodedata

from model.js_fixes import literal_at, mask_js, match_close

__all__ = ["item_colors", "apply_item_colors", "recolor_items"]

# CSS colour names for the colour words a request uses (p5.js's fill() takes CSS names).
_EN_COLORS = {"red": "red", "blue": "blue", "green": "green", "yellow": "gold", "orange": "orange",
              "purple": "purple", "violet": "violet", "pink": "hotpink", "gray": "gray", "grey": "gray",
              "brown": "saddlebrown", "cyan": "darkcyan", "black": "black", "teal": "teal", "navy": "navy"}
# "dark gray" -> darkgray; shades CSS lacks fall back to the plain colour.
_SHADES = {("dark", "gray"): "dimgray", ("dark", "grey"): "dimgray", ("light", "gray"): "lightgray",
           ("light", "grey"): "lightgray", ("dark", "blue"): "darkblue", ("light", "blue"): "lightblue",
           ("dark", "green"): "darkgreen", ("light", "green"): "lightgreen", ("dark", "red"): "darkred",
           ("dark", "orange"): "darkorange", ("light", "pink"): "pink", ("dark", "purple"): "indigo",
           ("sky", "blue"): "skyblue", ("pale", "blue"): "lightblue", ("pale", "green"): "palegreen"}
_JA_COLORS = {"赤": "red", "青": "blue", "緑": "green", "黄": "gold", "オレンジ": "orange", "橙": "orange",
              "紫": "purple", "ピンク": "hotpink", "灰": "gray", "グレー": "gray", "茶": "saddlebrown",
              "水色": "lightblue", "黒": "black"}
# Words of a clause that are not the item's name.
_NOT_NAME = frozenset("a an the in with and make colour color colored coloured fill filled draw paint show "
                      "slice slices bar bars node nodes box boxes part parts segment segments wedge wedges "
                      "sector sectors share shares of is are be its it as dark light sky pale deep chart graph "
                      "diagram figure plot pie line lines circle circles arrow arrows edge edges text label "
                      "labels background title border outline everything all state states shade shades layer "
                      "layers column columns row rows cell cells region regions area areas curve curves".split())
# Japanese words for a part: 「処理の箱を灰色に」 names the item before its の (処理), not the part (箱).
_JA_PARTS = frozenset("箱 四角 ボックス ノード 線 円 丸 棒 部分 扇形 領域 層 矢印 文字".split())
_CLAUSE = re.compile(r"[^,;.:()\n、。；：（）]+")


def _css(shade: str | None, word: str) -> str:
    """The CSS name for an English colour word with an optional shade."""
    word = word.lower()
    if shade and (shade.lower(), word) in _SHADES:
        return _SHADES[(shade.lower(), word)]
    return _EN_COLORS[word]


def item_colors(text: str) -> list[tuple[str, str]]:
    """(item name, CSS colour) for each clause that names an item and one colour ("gas 25% in orange",
    「石炭は灰色」); a clause with no colour, several colours or no name before its colour gives nothing."""
    if not isinstance(text, str):
        return []
    text = unicodedata.normalize("NFKC", text)
    traffic = "信号" in text  # a Japanese traffic light's 青 is its green lamp
    en = "|".join(_EN_COLORS)
    out: list[tuple[str, str]] = []
    for clause in _CLAUSE.findall(re.sub(r"\s+and\s+", ", ", text)):
        found = list(re.finditer(rf"\b(?:(dark|light|sky|pale)\s*-?\s*)?({en})\b", clause, re.I))
        if len(found) == 1:
            m = found[0]
            # the item is the last name before the colour ("a budget pie with rent in purple": rent)
            words = re.findall(r"[A-Za-z][\w'-]*", clause[:m.start()])
            name = [w for w in words if w.lower() not in _NOT_NAME]
            if name:
                out.append((name[-1], _css(m.group(1), m.group(2))))
            continue
        ja = [(m.start(), m.group(1)) for m in re.finditer("(" + "|".join(_JA_COLORS) + ")(?:色)?", clause)]
        if len(ja) == 1:
            start, word = ja[0]
            # 「石炭は灰色」「ガスをオレンジで」: the name is what comes before its particle
            m = re.search(r"([^\sはをがの]{1,12})\s*(?:は|を|が|の(?:部分|扇形|棒)?(?:は|を)?)\s*$", clause[:start])
            if m and m.group(1) in _JA_PARTS:
                m = re.search(r"([^\sはをがの]{1,12})の" + re.escape(m.group(1)), clause[:start])
            if m:
                color = "green" if traffic and word == "青" else _JA_COLORS[word]
                out.append((m.group(1), color))
    return out


def _enclosing(masked: str, i: int) -> tuple[int, int] | None:
    """(start, end) of the innermost [...] or {...} literal around index i (None at top level)."""
    depth = 0
    for j in range(i - 1, -1, -1):
        ch = masked[j]
        if ch in ")]}":
            depth += 1
        elif ch in "([{":
            if depth == 0:
                if ch == "(":
                    return None  # a call's arguments, not a data row
                end = match_close(masked, j)
                return (j, end) if masked[end - 1:end] == {"[": "]", "{": "}"}[ch] else None
            depth -= 1
    return None


_COLOR_VALUE = re.compile(r"#[0-9a-fA-F]{3,8}|rgba?\([^)]*\)|hsla?\([^)]*\)|[a-z]{3,20}")


def _strings(code: str, start: int, end: int) -> list[tuple[int, int, str]]:
    """(content start, content end, text) of the string literals in code[start:end]."""
    out = []
    i = start
    while i < end:
        lit = literal_at(code, i)
        if lit is None:
            i += 1
            continue
        if code[i] in "'\"`":
            out.append((lit.start, lit.end, code[lit.start:lit.end]))
        i = lit.next
    return out


def _is_color(s: str) -> bool:
    """True for a colour string: hex, rgb()/hsl(), or a CSS colour name."""
    from eval.checks import parse_color  # the one reader of colour strings (CSS names, hex, rgb)

    return bool(_COLOR_VALUE.fullmatch(s.strip())) and parse_color(s.strip()) is not None


def apply_item_colors(code: str, pairs: list[tuple[str, str]]) -> tuple[str, list[str]]:
    """The program with each named item's row given its colour; and the items recoloured."""
    if not code or not pairs:
        return code, []
    masked = mask_js(code)
    strings = _strings(code, 0, len(code))
    edits: dict[int, tuple[int, str]] = {}
    changed: list[str] = []
    for item, color in pairs:
        key = item.lower()
        for s, e, text in strings:
            t = text.strip().lower()
            if not (t == key or t.startswith(key + " ") or (len(key) >= 2 and not key.isascii() and t.startswith(key))):
                continue
            row = _enclosing(masked, s - 1)
            if row is None:
                continue
            in_row = [(cs, ce, _is_color(ct)) for cs, ce, ct in _strings(code, *row)]
            colors = [(cs, ce) for cs, ce, is_color in in_row if is_color]
            if len(colors) != 1 or len(in_row) - len(colors) > 3:
                continue  # a whole palette or a list of names is not one item's row
            cs, ce = colors[0]
            edits[cs] = (ce, color)
            changed.append(item)
            break
    out = code
    for cs in sorted(edits, reverse=True):
        ce, color = edits[cs]
        out = out[:cs] + color + out[ce:]
    return out, changed


def recolor_items(code: str, request_text: str) -> str:
    """apply_item_colors with the pairs the request names (the code unchanged when it names none)."""
    return apply_item_colors(code, item_colors(request_text))[0]
