"""p5.js helpers outside the warm pool: offline export pages and SVG export through p5.js-svg."""
from __future__ import annotations

import html
import json

__all__ = ["standalone_html", "export_svg"]

_CSP = ("default-src 'none'; script-src 'self' 'unsafe-inline' 'unsafe-eval'; style-src 'unsafe-inline'; "
        "img-src data: blob:; font-src data:; media-src data: blob:; connect-src 'none'")


def standalone_html(code: str, p5_src: str = "p5.min.js", title: str = "Figure",
                    p5_inline: str | None = None, header: str | None = None) -> str:
    """An offline page that runs the sketch (no network: a CSP forbids every request).

    The page loads p5.js from `p5_src` beside it, or carries the library inline when `p5_inline` holds its text
    (then the page works on its own). `header` becomes an HTML comment at the top of the page.
    """
    # A </script> inside the program would end the script element early; JSON-escape it instead.
    safe = _script_safe(code)
    lib = (f"<script src={json.dumps(p5_src)}></script>" if p5_inline is None
           else f"<script>\n{_script_safe(p5_inline)}\n</script>")
    note = "" if header is None else "<!--\n" + header.replace("--", "- -") + "\n-->\n"
    return f"""<!doctype html>
{note}<html>
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{_CSP}">
<title>{html.escape(title)}</title>
<style>html, body {{ margin: 0; padding: 0; background: #ffffff; }}</style>
{lib}
</head>
<body>
<script>
{safe}
</script>
</body>
</html>
"""


def _script_safe(text: str) -> str:
    """Keep a script inside its <script> element: `</script` and `<!--` would change how HTML parses it."""
    return text.replace("</script", "<\\/script").replace("<!--", "<\\!--")


def export_svg(code: str, timeout_s: float = 10.0) -> str:
    """SVG markup of a p5.js program drawn by p5.js-svg; raises ValueError when the program fails."""
    from .pool import get_pool

    r = get_pool().export_svg(code, timeout_s=timeout_s)
    if r.status in ("error", "timeout") or not r.svg:
        where = f" (line {r.line})" if r.line else ""
        raise ValueError(f"SVG export failed: {r.error or 'no SVG canvas'}{where}")
    return r.svg
