"""Mechanical fixes of generated p5.js that keep what the program means and only remove a certain crash.

Small models often declare a value with `const` and change it later (`const y = 40; … y += 30;`), which throws
"TypeError: Assignment to constant variable." the first time the line runs — a figure lost, or a repair round spent,
for one keyword. Such a declaration is made `let`; nothing else in the program changes.
"""

from __future__ import annotations

import re
from typing import NamedTuple

__all__ = ["Literal", "literal_at", "mask_js", "let_reassigned_consts"]

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
