"""Hugging Face Spaces entry point (README front matter `app_file: app.py`); locally run `python -m app`."""
import os

from app.__main__ import main

if __name__ == "__main__":
    # Spaces routes traffic to 0.0.0.0:7860; GRADIO_SERVER_NAME/PORT override when set.
    main(["--host", os.environ.get("GRADIO_SERVER_NAME", "0.0.0.0"),
          "--port", os.environ.get("GRADIO_SERVER_PORT", "7860")])
