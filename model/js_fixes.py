"""Mechanical fixes of generated p5.js that keep what the program means and only remove a certain crash.

Small models often declare a value with `const` and change it later (`const y = 40; … y += 30;`), which throws
"TypeError: Assignment to constant variable." the first time the line runs — a figure lost, or a repair round spent,
for one keyword. Such a declaration is made `let`; nothing else in the program changes.
"""

from __future__ import annotations

import re

__all__ = ["mask_js", "let_reassigned_consts"]

_IDENT = r"[A-Za-z_$][\w$]*"
_CONST = re.compile(rf"\bconst(\s+)({_IDENT})(?=\s*=[^=>]|\s+of\b|\s+in\b)")
_ASSIGN_OPS = r"(?:\*\*|<<|>>>|>>|&&|\|\||\?\?|[-+*/%&|^])?=(?![=>])"


def mask_js(code: str) -> str:
    """The code with the insides of comments, strings and template literals blanked (same length, same lines)."""
    out = list(code)
    i, n = 0, len(code)

    def blank(a: int, b: int) -> None:
        for k in range(a, min(b, n)):
            if out[k] != "\n":
                out[k] = " "

    while i < n:
        ch = code[i]
        if ch == "/" and i + 1 < n and code[i + 1] == "/":
            j = code.find("\n", i)
            j = n if j < 0 else j
            blank(i, j)
            i = j
        elif ch == "/" and i + 1 < n and code[i + 1] == "*":
            j = code.find("*/", i + 2)
            j = n if j < 0 else j + 2
            blank(i, j)
            i = j
        elif ch in "'\"`":
            j = i + 1
            while j < n and code[j] != ch:
                if code[j] == "\\":
                    j += 1
                elif code[j] == "\n" and ch != "`":
                    break
                j += 1
            blank(i + 1, j)  # the quotes stay, so a string is still seen as a value
            i = j + 1
        else:
            i += 1
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
