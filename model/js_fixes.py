"""Mechanical fixes of generated p5.js that keep what the program means and only remove a certain crash.

Small models often declare a value with `const` and change it later (`const y = 40; … y += 30;`), which throws
"TypeError: Assignment to constant variable." the first time the line runs — a figure lost, or a repair round spent,
for one keyword. Such a declaration is made `let`; nothing else in the program changes.

They also drop definitions they go on using: a program adapted from a worked example keeps `x += OFFSET` but not
the example's `const OFFSET = 6;`, and a revision keeps calling `arrow(...)` but leaves the helper out. That throws
"ReferenceError: OFFSET is not defined". `borrow_definitions` copies such a name's top-level declaration from the
program the answer was written from (the worked example, or the program being revised), and only when the answer
uses the name without declaring it anywhere.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache
from typing import NamedTuple

__all__ = ["Literal", "literal_at", "mask_js", "match_close", "let_reassigned_consts", "borrow_definitions",
           "top_level_definitions"]

_IDENT = r"[A-Za-z_$][\w$]*"
_CONST = re.compile(rf"\bconst(\s+)({_IDENT})(?=\s*=[^=>]|\s+of\b|\s+in\b)")
_ASSIGN_OPS = r"(?:\*\*|<<|>>>|>>|&&|\|\||\?\?|[-+*/%&|^])?=(?![=>])"


class Literal(NamedTuple):
    """A comment, string or template literal in JavaScript source: what it holds, where scanning goes on."""

    start: int  # first index of the content (a comment's whole text; a string's text inside its quotes)
    end: int  # index after the content
    next: int  # where scanning resumes
    closed: bool  # False when the source ends inside it (a cut-off program)


def literal_at(code: str, i: int) -> Literal | None:
    """The comment or string that starts at index i, or None when none does."""
    n = len(code)
    ch = code[i]
    if ch == "/" and i + 1 < n and code[i + 1] == "/":
        j = code.find("\n", i)
        j = n if j < 0 else j
        return Literal(i, j, j, True)
    if ch == "/" and i + 1 < n and code[i + 1] == "*":
        j = code.find("*/", i + 2)
        return Literal(i, n, n, False) if j < 0 else Literal(i, j + 2, j + 2, True)
    if ch in "'\"`":
        j = i + 1
        while j < n and code[j] != ch:
            if code[j] == "\\":
                j += 1
            elif code[j] == "\n" and ch != "`":
                break  # an unterminated ordinary string ends at the line; JS would reject it anyway
            j += 1
        return Literal(i + 1, min(j, n), j + 1, j < n)
    return None


def mask_js(code: str) -> str:
    """The code with the insides of comments, strings and template literals blanked (same length, same lines)."""
    out = list(code)
    i, n = 0, len(code)
    while i < n:
        lit = literal_at(code, i)
        if lit is None:
            i += 1
            continue
        for k in range(lit.start, lit.end):  # a string's quotes stay, so it is still seen as a value
            if out[k] != "\n":
                out[k] = " "
        i = lit.next
    return "".join(out)


def _reassigned(masked: str, name: str, declared_at: int) -> bool:
    """True when `name` is assigned to (=, op=, ++, --) anywhere other than in its own declaration."""
    n = re.escape(name)
    pattern = re.compile(rf"(?<![\w$.])(?:{n}\s*(?:{_ASSIGN_OPS}|\+\+|--)|(?:\+\+|--)\s*{n}(?![\w$]))")
    for m in pattern.finditer(masked):
        if m.start() == declared_at:
            continue
        before = masked[:m.start()].rstrip()
        if re.search(r"\b(?:const|let|var)$", before):
            continue  # another declaration of the name (a shadowing let, a second const) is not an assignment
        return True
    return False


def let_reassigned_consts(code: str) -> tuple[str, list[str]]:
    """The program with every `const` that is later assigned to declared `let` instead; and those names."""
    masked = mask_js(code)
    fixes: list[tuple[int, str]] = []
    for m in _CONST.finditer(masked):
        name = m.group(2)
        if _reassigned(masked, name, m.start(2)):
            fixes.append((m.start(), name))
    if not fixes:
        return code, []
    out = code
    for start, _ in reversed(fixes):
        out = out[:start] + "let" + out[start + len("const"):]
    return out, [name for _, name in fixes]


# p5.js globals (its constants module and the sketch's live variables) and browser globals: a source that shadows
# one of these at top level (an example's `const LEFT = 50;` margin) is not copied over an answer that means the
# global (`textAlign(LEFT)`).
_P5_CONSTANTS = (
    "ADD ALT ARROW AUTO AXES BACKSPACE BASELINE BEVEL BEZIER BLEND BLUR BOLD BOLDITALIC BOTTOM BURN CENTER CHAR "
    "CHORD CLAMP CLOSE CONTAIN CONTROL CORNER CORNERS COVER CROSS CURVE DARKEST DEGREES DEG_TO_RAD DELETE "
    "DIFFERENCE DILATE DODGE DOWN_ARROW ENTER ERODE ESCAPE EXCLUSION FALLBACK FILL FLAT FLOAT GRAY GRID HALF_FLOAT "
    "HALF_PI HAND HARD_LIGHT HSB HSL IMAGE IMMEDIATE INVERT ITALIC LABEL LANDSCAPE LEFT LEFT_ARROW LIGHTEST LINEAR "
    "LINES LINE_LOOP LINE_STRIP MIRROR MITER MOVE MULTIPLY NEAREST NORMAL OPAQUE OPEN OPTION OVERLAY P2D PI PIE "
    "POINTS PORTRAIT POSTERIZE PROJECT QUADRATIC QUADS QUAD_STRIP QUARTER_PI RADIANS RADIUS RAD_TO_DEG REMOVE "
    "REPEAT REPLACE RETURN RGB RGBA RIGHT RIGHT_ARROW ROUND SCREEN SHIFT SMOOTH SOFT_LIGHT SQUARE STROKE SUBTRACT "
    "TAB TAU TESS TEXT TEXTURE THRESHOLD TOP TRIANGLES TRIANGLE_FAN TRIANGLE_STRIP TWO_PI UNSIGNED_BYTE "
    "UNSIGNED_INT UP_ARROW VERSION WAIT WEBGL WEBGL2 WORD")
_GLOBALS = frozenset((_P5_CONSTANTS + " width height mouseX mouseY pmouseX pmouseY mouseIsPressed frameCount "
                      "key keyCode keyIsPressed windowWidth windowHeight displayWidth displayHeight deltaTime "
                      "focused pixels drawingContext window document console Math Number String Array Object "
                      "JSON Date Infinity NaN undefined").split())
_OPEN, _CLOSE = "([{", ")]}"


class Definition(NamedTuple):
    """A top-level declaration in a program: its name, kind and the source of a standalone declaration."""

    name: str
    kind: str  # "var" (const/let/var declarator) | "function" | "class"
    text: str  # e.g. "const OFFSET = 6;" or the whole function


def match_close(masked: str, i: int) -> int:
    """Index after the bracket that closes the one at i in masked code (len(masked) when it never closes)."""
    depth = 0
    for j in range(i, len(masked)):
        if masked[j] in _OPEN:
            depth += 1
        elif masked[j] in _CLOSE:
            depth -= 1
            if depth == 0:
                return j + 1
    return len(masked)


def _statement_end(masked: str, i: int) -> int:
    """Index after a declaration statement starting at i: its `;` at depth 0, or the line end where it stops."""
    depth, j, n = 0, i, len(masked)
    while j < n:
        ch = masked[j]
        if ch in _OPEN:
            depth += 1
        elif ch in _CLOSE:
            depth -= 1
            if depth < 0:
                return j
        elif depth == 0 and ch == ";":
            return j + 1
        elif depth == 0 and ch == "\n":
            before = masked[i:j].rstrip()
            after = masked[j:].lstrip()
            # a line that ends mid-expression, or a next line that carries it on, continues the statement
            if before and before[-1] not in ",=+-*/%&|?:" and not re.match(r"[.?:+\-*/%&|]", after):
                return j
        j += 1
    return n


def _split_top(masked: str, start: int, end: int) -> list[tuple[int, int]]:
    """(start, end) spans of the comma-separated parts of masked[start:end] at bracket depth 0."""
    parts, depth, s = [], 0, start
    for j in range(start, end):
        ch = masked[j]
        if ch in _OPEN:
            depth += 1
        elif ch in _CLOSE:
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append((s, j))
            s = j + 1
    parts.append((s, end))
    return parts


def _top_statements(masked: str) -> Iterator[tuple[int, int, re.Match[str]]]:
    """(start, end, match) of each top-level declaration statement (const/let/var) and function or class, in order.

    match.group(1) is the keyword ("const", "let", "var", "function", "function*" or "class"); for a function or
    class match.group(2) is its name.
    """
    i, n, depth = 0, len(masked), 0
    while i < n:
        ch = masked[i]
        if ch in _OPEN:
            depth += 1
        elif ch in _CLOSE:
            depth = max(0, depth - 1)
        elif depth == 0 and (i == 0 or not re.match(r"[\w$.]", masked[i - 1])):
            m = re.match(r"(const|let|var)\s", masked[i:])
            if m:
                end = _statement_end(masked, i + m.end())
                yield i, end, m
                i = end
                continue
            m = re.match(rf"(?:async\s+)?(function\*?|class)\s+({_IDENT})", masked[i:])
            if m:
                brace = masked.find("{", i + m.end())
                end = match_close(masked, brace) if brace >= 0 else n
                yield i, end, m
                i = end
                continue
        i += 1


def top_level_definitions(code: str) -> dict[str, Definition]:
    """The program's top-level constants, variables, functions and classes, by name (the first of each name)."""
    return {d.name: d for d in _definitions(code)}


@lru_cache(maxsize=512)  # the same worked examples are read for every answer that follows them
def _definitions(code: str) -> tuple[Definition, ...]:
    """top_level_definitions, in source order, cached."""
    masked = mask_js(code)
    out: dict[str, Definition] = {}
    for start, end, m in _top_statements(masked):
        if m.group(1) in ("const", "let", "var"):
            body_end = end - 1 if masked[end - 1:end] == ";" else end
            # each simple declarator (destructuring patterns declare no one name to copy)
            for s, e in _split_top(masked, start + m.end(), body_end):
                d = re.match(rf"\s*({_IDENT})\s*(?:=|$)", masked[s:e])
                if d and d.group(1) not in out:
                    out[d.group(1)] = Definition(d.group(1), "var", f"{m.group(1)} {code[s:e].strip()};")
        elif m.group(2) not in out:
            kind = "class" if m.group(1) == "class" else "function"
            out[m.group(2)] = Definition(m.group(2), kind, code[start:end])
    return tuple(out.values())


def _declares(masked: str, name: str) -> bool:
    """True when the program declares `name` anywhere: a declaration, a destructuring, a parameter."""
    n = re.escape(name)
    pats = [rf"(?<![\w$.])(?:const|let|var|function\*?|class)\s+{n}(?![\w$])",
            rf"(?<![\w$.])(?:const|let|var)\s*[\[{{][^=;]*?(?<![\w$.]){n}(?![\w$])",
            rf"(?<![\w$.])(?:const|let|var)\s+[^;]*?,\s*{n}\s*(?:=|,|;|$)",
            rf"function\*?\s*[\w$]*\s*\([^)]*(?<![\w$.]){n}(?![\w$])[^)]*\)",
            rf"\([^()]*(?<![\w$.]){n}(?![\w$])[^()]*\)\s*=>",
            rf"(?<![\w$.]){n}\s*=>",
            rf"catch\s*\(\s*{n}\s*\)"]
    return any(re.search(p, masked, re.M) for p in pats)


def _uses(masked: str, name: str) -> bool:
    """True when the program refers to `name` as a value (not as a property or an object key)."""
    for m in re.finditer(rf"(?<![\w$]){re.escape(name)}(?![\w$])", masked):
        before = masked[:m.start()].rstrip()
        if before.endswith(".") and not before.endswith(".."):
            continue  # obj.name
        if before.endswith(("{", ",")) and re.match(r"\s*:(?!:)", masked[m.end():]):
            continue  # { name: value }
        return True
    return False


def borrow_definitions(code: str, sources: list[str]) -> tuple[str, list[str]]:
    """The program with the top-level definitions it uses but never declares copied from `sources`; and their names.

    Only names a source declares at its top level are copied, with whatever further source definitions those
    need. Constants and variables go after the program's own top-level declarations (before its first function),
    in the source's order; functions and classes go at the end. A program that declares everything it uses is
    returned unchanged.
    """
    defs: dict[str, Definition] = {}
    for src in sources:
        if src:
            for name, d in top_level_definitions(src).items():
                defs.setdefault(name, d)
    if not code or not defs:
        return code, []
    masked = mask_js(code)
    borrowed: dict[str, Definition] = {}
    todo = [name for name in defs if name not in _GLOBALS and _uses(masked, name) and not _declares(masked, name)]
    while todo:  # a borrowed helper may use further constants or helpers of its source
        name = todo.pop(0)
        if name in borrowed:
            continue
        borrowed[name] = defs[name]
        inner = mask_js(defs[name].text)
        for other, d in defs.items():
            if (other not in borrowed and other != name and other not in _GLOBALS and _uses(inner, other)
                    and not _declares(masked, other)):
                todo.append(other)
    if not borrowed:
        return code, []
    picked = [d for name, d in defs.items() if name in borrowed]  # in the sources' order
    values = [d for d in picked if d.kind == "var"]
    funcs = [d for d in picked if d.kind != "var"]
    out = code
    if values:
        at = _after_top_declarations(code)
        block = "\n".join(d.text for d in values)
        out = out[:at] + ("\n" if at and out[at - 1:at] != "\n" else "") + block + "\n" + out[at:]
    if funcs:
        out = out.rstrip("\n") + "\n\n" + "\n\n".join(d.text for d in funcs) + "\n"
    return out, [d.name for d in values + funcs]


def _after_top_declarations(code: str) -> int:
    """Where borrowed constants go: after the line ending the last top-level declaration before the first function
    (after leading comments when there is none)."""
    masked = mask_js(code)
    first_fn = re.search(r"^(?:async\s+)?(?:function|class)\b", masked, re.M)
    limit = first_fn.start() if first_fn else len(masked)
    last_end = 0
    for start, end, m in _top_statements(masked):
        if start >= limit:
            break
        if m.group(1) in ("const", "let", "var") and (start == 0 or masked[start - 1] == "\n"):
            nl = code.find("\n", end)
            last_end = len(code) if nl < 0 else nl + 1
    if last_end:
        return min(last_end, len(code))
    # no declarations: after the leading comment lines
    m = re.match(r"(?:[ \t]*(?://[^\n]*|/\*.*?\*/)[ \t]*\n|[ \t]*\n)*", code, re.S)
    return m.end() if m else 0
