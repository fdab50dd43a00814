"""Files the app hands to Gradio: content-addressed, written once under a temporary name and renamed into place.

Gradio's own image caching (`save_pil_to_cache`) rewrites `<cache>/<hash>/image.webp` every time an image is
returned; two sessions showing the same thumbnail rewrote a file while it was being served, and the reader got
`Too much data for declared Content-Length`. Handing Gradio paths of files that never change avoids that: a path is
only ever created by an atomic rename and never written again.
"""
from __future__ import annotations

import hashlib
import io
import os
import tempfile
from pathlib import Path

from PIL import Image

__all__ = ["FILES_DIR", "write_once", "image_file", "unique_dir"]

# Under the system temp dir: Gradio copies output files from there into its cache without extra allowed_paths.
FILES_DIR = Path(tempfile.gettempdir()) / "figure-assistant-files"


def write_once(data: bytes, suffix: str, root: Path | None = None) -> str:
    """Store bytes at a path named by their hash; an existing file is reused, never rewritten."""
    root = root or FILES_DIR
    digest = hashlib.sha256(data).hexdigest()
    d = root / digest[:2]
    d.mkdir(parents=True, exist_ok=True)
    path = d / f"{digest[2:34]}{suffix}"
    if path.exists():
        return str(path)
    fd, tmp = tempfile.mkstemp(dir=d, prefix=".part-")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        # os.replace is atomic: a concurrent reader sees either no file or the whole file.
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return str(path)


def image_file(im: Image.Image, root: Path | None = None) -> str:
    """A PNG file of an image (content-addressed, written once)."""
    buf = io.BytesIO()
    im.save(buf, format="PNG")
    return write_once(buf.getvalue(), ".png", root)


def unique_dir(root: Path) -> Path:
    """A fresh directory under root, so files written for one request never overwrite another's."""
    root.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(dir=root))
