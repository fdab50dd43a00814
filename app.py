"""Hugging Face Spaces entry point (README front matter `app_file: app.py`); locally run `python -m app`."""
import logging
import os
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent
log = logging.getLogger("app")


def ensure_vendor_files() -> None:
    """Install p5.js from npm when node_modules/ is missing (a Space's build runs pip and apt, not npm)."""
    if (ROOT / "node_modules" / "p5" / "lib" / "p5.min.js").is_file():
        return
    npm = shutil.which("npm")
    if npm is None:
        raise SystemExit("p5.js is missing and npm is not installed: run `bash scripts/setup.sh`.")
    log.info("installing p5.js from npm (package.json)")
    subprocess.run([npm, "install", "--no-audit", "--no-fund", "--loglevel=error"], cwd=ROOT, check=True)


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    ensure_vendor_files()
    from app.__main__ import main

    # Spaces routes traffic to 0.0.0.0:7860; GRADIO_SERVER_NAME/PORT override when set.
    main(["--host", os.environ.get("GRADIO_SERVER_NAME", "0.0.0.0"),
          "--port", os.environ.get("GRADIO_SERVER_PORT", "7860")])
