"""Pull the program out of a model reply: fenced or bare code, several blocks, HTML pages, truncated output."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from model.js_fixes import let_reassigned_consts, literal_at

__all__ = ["Extraction", "extract_code", "js_is_unbalanced"]

_FENCE_OPEN = re.compile(r"^[ \t]*(`{3,}|~{3,})[ \t]*([\w+#.-]*)[^\n]*$", re.MULTILINE)
_JS_TAGS = {"", "js", "javascript", "p5", "p5js", "p5.js", "jsx", "ts", "typescript", "node", "ecmascript"}
_SVG_TAGS = {"svg", "xml", "html", ""}
_HTML_TAGS = {"html", "htm", "xhtml"}
_SCRIPT = re.compile(r"<script\b([^>]*)>([\s\S]*?)(</script\s*>|$)", re.IGNORECASE)
_SVG_DOC = re.compile(r"<svg\b[\s\S]*?</svg\s*>", re.IGNORECASE)
_SVG_OPEN = re.compile(r"<svg\b", re.IGNORECASE)
_JS_START = re.compile(
    r"^\s*(function\b|let\b|const\b|var\b|class\b|//|/\*|async\s+function\b|[A-Za-z_$][\w$]*\s*\(|"
    r"[A-Za-z_$][\w$.\[\]]*\s*=[^=]|\}|'use strict'|\"use strict\")"
)
_P5_HINT = re.compile(r"\b(function\s+(setup|draw)\s*\(|createCanvas\s*\()")


@dataclass
class Extraction:
    """The chosen program, whether it was cut off, and every code block found."""

    code: str
    truncated: bool = False
    blocks: list[str] = field(default_factory=list)


@dataclass
class _Block:
    tag: str
    body: str
    closed: bool


def _fenced_blocks(text: str) -> list[_Block]:
    """Fenced code blocks in order; the last one may be unclosed (cut off)."""
    blocks: list[_Block] = []
    pos = 0
    while True:
        m = _FENCE_OPEN.search(text, pos)
        if not m:
            break
        fence, tag = m.group(1), m.group(2).lower()
        start = m.end() + 1
        close = re.compile(rf"^[ \t]*{re.escape(fence[0])}{{{len(fence)},}}[ \t]*$", re.MULTILINE)
        c = close.search(text, start)
        if c is None:
            blocks.append(_Block(tag, text[start:], closed=False))
            break
        blocks.append(_Block(tag, text[start:c.start()], closed=True))
        pos = c.end()
    return blocks


def js_is_unbalanced(code: str) -> bool:
    """True when brackets, a string or a block comment are left open at the end (a sign of a cut-off program)."""
    stack: list[str] = []
    pairs = {")": "(", "]": "[", "}": "{"}
    i, n = 0, len(code)
    while i < n:
        ch = code[i]
        span = literal_at(code, i)
        if span is not None:
            if not span.closed:
                return True
            i = span.next
            continue
        if ch in "([{":
            stack.append(ch)
        elif ch in ")]}":
            if stack and stack[-1] == pairs[ch]:
                stack.pop()
        i += 1
    return bool(stack)


def _from_html(html: str, lang: str) -> tuple[str, bool] | None:
    """The sketch inside an HTML page: inline scripts (p5) or the inline <svg> (svg)."""
    if lang == "svg":
        m = _SVG_DOC.search(html)
        if m:
            return m.group(0), False
        m = _SVG_OPEN.search(html)
        return (html[m.start():], True) if m else None
    scripts = []
    truncated = False
    for m in _SCRIPT.finditer(html):
        attrs, body, end = m.group(1), m.group(2), m.group(3)
        if re.search(r"\bsrc\s*=", attrs, re.IGNORECASE):
            continue  # a library include (p5.min.js), not the sketch
        if not end:
            truncated = True
        if body.strip():
            scripts.append(body.strip("\n"))
    if not scripts:
        return None
    code = "\n\n".join(scripts)
    return code, truncated or js_is_unbalanced(code)


def _looks_like_html(text: str) -> bool:
    """True for a page or fragment with <script> or <html> tags."""
    return bool(re.search(r"<(!doctype\s+html|html\b|script\b|body\b)", text, re.IGNORECASE))


def _bare_js(text: str) -> str:
    """Code lines of an unfenced reply: from the first code-like line to the last closing line."""
    lines = text.splitlines()
    start = next((i for i, ln in enumerate(lines) if _JS_START.match(ln)), None)
    if start is None:
        return ""
    end = len(lines)
    # Drop trailing prose: keep up to the last line that ends a statement or block.
    for j in range(len(lines) - 1, start - 1, -1):
        s = lines[j].rstrip()
        if s.endswith((";", "}", ")", "{", ",")) or s.lstrip().startswith(("//", "*")):
            end = j + 1
            break
    else:
        end = len(lines)
    return "\n".join(lines[start:end]).strip("\n")


_FUNC_DEF = re.compile(r"\bfunction\s+([A-Za-z_$][\w$]*)\s*\(")


def _pick_js(candidates: list[tuple[str, bool]]) -> tuple[str, bool]:
    """Prefer the longest block that is a whole sketch (setup/createCanvas); otherwise the longest.

    Blocks that define functions the chosen block calls but does not define are appended: small models often
    split one program into a main block and a block of helpers.
    """
    whole = [c for c in candidates if _P5_HINT.search(c[0])]
    pool = whole or candidates
    picked = max(pool, key=lambda c: len(c[0]))
    code, cut = picked
    defined = set(_FUNC_DEF.findall(code))
    for body, body_cut in candidates:
        if body is picked[0]:
            continue
        names = set(_FUNC_DEF.findall(body)) - defined
        if names and any(re.search(rf"(?<![\w$.]){re.escape(n)}\s*\(", code) for n in names):
            code, cut = f"{code}\n\n{body}", cut or body_cut
            defined |= names
    return code, cut


def _pick_svg(candidates: list[tuple[str, bool]]) -> tuple[str, bool] | None:
    """The longest candidate holding an <svg> document."""
    docs = []
    for body, cut in candidates:
        m = _SVG_DOC.search(body)
        if m:
            docs.append((m.group(0), cut and False))
        elif _SVG_OPEN.search(body):
            docs.append((body[_SVG_OPEN.search(body).start():].strip(), True))
    return max(docs, key=lambda c: len(c[0])) if docs else None


def extract_code(text: str, lang: str = "p5") -> Extraction:
    """Extract the program for `lang` ("p5" | "svg") from a reply; code is "" when none is found.

    A p5.js program's `const` declarations that it assigns to later become `let` (model.js_fixes): the same
    program without its certain "Assignment to constant variable" crash.
    """
    if lang not in ("p5", "svg"):
        raise ValueError(f"lang must be 'p5' or 'svg', not {lang!r}")
    found = _extract(text or "", lang)
    if lang == "p5" and found.code:
        found.code = let_reassigned_consts(found.code)[0]
    return found


def _extract(text: str, lang: str) -> Extraction:
    """The program as the reply has it (see extract_code)."""
    blocks = _fenced_blocks(text)
    all_bodies = [b.body.strip("\n") for b in blocks]

    # Each candidate: (code, truncated). HTML blocks are unwrapped to their sketch.
    candidates: list[tuple[str, bool]] = []
    for b in blocks:
        body = b.body.strip("\n")
        cut = not b.closed
        if b.tag in _HTML_TAGS or (lang == "p5" and _looks_like_html(body)):
            inner = _from_html(body, lang)
            if inner:
                candidates.append((inner[0], inner[1] or cut))
            continue
        if lang == "p5" and b.tag in _JS_TAGS:
            candidates.append((body, cut or js_is_unbalanced(body)))
        elif lang == "svg" and (b.tag in _SVG_TAGS or _SVG_OPEN.search(body)):
            candidates.append((body, cut))

    if lang == "svg":
        picked = _pick_svg(candidates) if candidates else None
        if picked is None:
            picked = _pick_svg([(text, False)])
        if picked is None:
            return Extraction("", truncated=bool(blocks and not blocks[-1].closed), blocks=all_bodies)
        code, cut = picked
        return Extraction(code.strip(), truncated=cut, blocks=all_bodies or [code.strip()])

    if candidates:
        code, cut = _pick_js(candidates)
        return Extraction(code.strip("\n"), truncated=cut, blocks=all_bodies)
    if blocks and not blocks[-1].closed and not blocks[-1].body.strip():
        return Extraction("", truncated=True, blocks=all_bodies)
    # No usable fence: a bare HTML page or bare code with prose around it.
    if _looks_like_html(text):
        inner = _from_html(text, lang)
        if inner:
            return Extraction(inner[0].strip("\n"), truncated=inner[1], blocks=[inner[0]])
    code = _bare_js(text)
    if not code:
        return Extraction("", truncated=False, blocks=all_bodies)
    return Extraction(code, truncated=js_is_unbalanced(code), blocks=all_bodies or [code])
