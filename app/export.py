"""Export a revision: .js, an offline .html (zipped next to p5.min.js), .png and .svg."""
from __future__ import annotations

import logging
import zipfile
from pathlib import Path

from app.revisions import Revision

__all__ = ["ExportError", "export_revision"]

log = logging.getLogger(__name__)


class ExportError(ValueError):
    """An export that cannot be made (the message is shown to the user)."""


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
        page.write_text(standalone_html(rev.code, p5_src="p5.min.js"), encoding="utf-8")
        bundle = out / f"{stem}_offline.zip"
        # The page loads p5.min.js from beside itself, so ship both together.
        with zipfile.ZipFile(bundle, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            zf.write(page, f"{stem}/index.html")
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
    if not files:
        raise ExportError(f"revision r{rev.id} has nothing to export")
    return files, problems

