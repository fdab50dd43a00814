"""The Gradio app: describe or sketch a figure, get p5.js/SVG code, refine it by talking and drawing."""
from app.ui import build_ui, launch_kwargs

__all__ = ["build_ui", "launch_kwargs"]
