"""Export a revision: .js, a self-contained .html (p5.js inline), an offline zip, .png and .svg."""
from __future__ import annotations

import logging
import re
import zipfile
from pathlib import Path

from app.revisions import Revision

__all__ = ["ExportError", "export_revision"]

log = logging.getLogger(__name__)


class ExportError(ValueError):
    """An export that cannot be made (the message is shown to the user)."""


def _inline_notice(lib: str) -> str:
    """The header of a page that carries p5.js inline: which version, its licence, where the source is."""
    m = re.search(r"p5\.js v[\w.\-]+", lib[:200])  # the banner: /*! p5.js v1.11.13 … */
    version = m.group(0) if m else "p5.js"
    return (f"Figure exported by Figure Assistant. This page works on its own: it carries {version} inline\n"
            "(the <script> element in <head>). p5.js is free software under the GNU Lesser General Public License\n"
            "2.1 (LGPL-2.1): https://github.com/processing/p5.js (source and licence text). You may replace that\n"
            "<script> element with another build of p5.js, e.g. <script src=\"p5.min.js\"></script>.\n"
            "The figure's own program is the last <script> element.")


def _svg_page(svg: str) -> str:
    """A standalone HTML page showing an SVG figure."""
    return ("<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>figure</title></head>\n"
            f"<body style=\"margin:0\">\n{svg}\n</body></html>\n")


def export_revision(rev: Revision, out_dir: str | Path, stem: str | None = None) -> tuple[list[Path], list[str]]:
    """Write the export files of `rev` into `out_dir`; return their paths and the formats that failed (why)."""
    from render import P5_MIN_JS, export_svg, standalone_html

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    stem = stem or f"figure_r{rev.id}"
    files: list[Path] = []
    problems: list[str] = []
    if rev.lang == "svg":
        svg_path = out / f"{stem}.svg"
        svg_path.write_text(rev.code, encoding="utf-8")
        page = out / f"{stem}.html"
        page.write_text(_svg_page(rev.code), encoding="utf-8")
        files += [svg_path, page]
    else:
        js = out / f"{stem}.js"
        js.write_text(rev.code, encoding="utf-8")
        page = out / f"{stem}.html"
        # The .html is opened on its own, so it carries p5.js inline (about 1 MB) instead of loading it from beside.
        lib = Path(P5_MIN_JS).read_text(encoding="utf-8")
        page.write_text(standalone_html(rev.code, p5_inline=lib, title=f"Figure r{rev.id}",
                                        header=_inline_notice(lib)), encoding="utf-8")
        bundle = out / f"{stem}_offline.zip"
        # The zip's page loads p5.min.js from beside itself (small page, library as its own file).
        with zipfile.ZipFile(bundle, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            zf.writestr(f"{stem}/index.html", standalone_html(rev.code, p5_src="p5.min.js", title=f"Figure r{rev.id}"))
            zf.write(js, f"{stem}/sketch.js")
            zf.write(P5_MIN_JS, f"{stem}/p5.min.js")
        files += [js, page, bundle]
        try:
            svg = export_svg(rev.code)
        except Exception as e:  # an SVG export failure must not block the other formats
            log.warning("SVG export of r%s failed: %s", rev.id, e)
            problems.append(f"SVG: {e}")
            svg = None
        if svg:
            svg_path = out / f"{stem}.svg"
            svg_path.write_text(svg, encoding="utf-8")
            files.append(svg_path)
    if rev.png:
        png = out / f"{stem}.png"
        png.write_bytes(rev.png)
        files.append(png)
    else:  # say why instead of leaving the .png out silently
        where = f" at line {rev.line}" if rev.line else ""
        why = rev.error or {"blank": "the canvas stayed blank", "timeout": "it did not finish in time"}.get(
            rev.status, "it did not render")
        problems.append(f"PNG: r{rev.id} did not render ({rev.status}{where}: {why}), so there is no image; "
                        "the code files are exported so it can be fixed")
    if not files:
        raise ExportError(f"revision r{rev.id} has nothing to export")
    return files, problems

