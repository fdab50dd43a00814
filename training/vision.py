"""Image + text → code examples for Qwen-VL style models (the image is a sketch or an annotated render)."""
from __future__ import annotations

import io
import logging
import math
from typing import Any

from .configs import TrainingError
from .data import TokenStats, _chat_text, _finish, row_messages

__all__ = ["row_image", "fit_pixels", "processor_messages", "encode_vision_row"]

log = logging.getLogger(__name__)


def row_image(row: dict[str, Any]) -> Any:
    """The picture a row conditions on: the sketch (or annotated render), else None for text-only rows."""
    from PIL import Image

    img = row.get("sketch_image") if row.get("kind") in ("sketch", "annotation_edit") else None
    if img is None:
        return None
    if isinstance(img, dict):
        img = img.get("bytes")
    if isinstance(img, (bytes, bytearray)):
        img = Image.open(io.BytesIO(img))
    if not hasattr(img, "convert"):
        raise TrainingError(f"row {row.get('id')}: sketch_image is not an image ({type(img).__name__})")
    return img.convert("RGB")


def fit_pixels(img: Any, max_pixels: int, multiple: int = 28) -> Any:
    """Downscale to at most `max_pixels` (aspect kept), sides a multiple of the patch merge size."""
    w, h = img.size
    scale = min(1.0, math.sqrt(max_pixels / float(w * h)))
    nw = max(multiple, int(w * scale) // multiple * multiple)
    nh = max(multiple, int(h * scale) // multiple * multiple)
    return img if (nw, nh) == (w, h) else img.resize((nw, nh))


def processor_messages(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """model/'s vision messages for the processor's template: image parts become bare placeholders."""
    out = []
    for m in messages:
        parts = m["content"] if isinstance(m["content"], list) else [{"type": "text", "text": m["content"]}]
        # The pixels reach the processor separately; the template only needs to know where the image goes.
        out.append({"role": m["role"], "content": [{"type": "image"} if p.get("type") == "image" else p
                                                   for p in parts]})
    return out


def encode_vision_row(row: dict[str, Any], processor: Any, max_len: int, overlong: str = "drop",
                      stats: TokenStats | None = None, max_pixels: int = 448 * 448) -> dict[str, Any] | None:
    """`input_ids`, `labels` (answer only) and the image tensors (`pixel_values`, `image_grid_thw`) for one row."""
    img = row_image(row)
    if img is not None:
        img = fit_pixels(img, max_pixels)
    messages, answer = row_messages(row, vision=True, images=[img] if img is not None else [])
    msgs = processor_messages(messages)
    prompt_text = _chat_text(processor, msgs, add_generation_prompt=True)
    full_text = _chat_text(processor, msgs + [{"role": "assistant", "content": [{"type": "text", "text": answer}]}],
                           add_generation_prompt=False)
    if not full_text.startswith(prompt_text):
        raise TrainingError("the processor's chat template renders the prompt differently once an answer follows")
    # The processor expands the image placeholder into one token per merged patch; the answer is plain text.
    enc = processor(text=[prompt_text], images=[img] if img is not None else None, return_tensors="pt")
    prompt_ids = enc["input_ids"][0].tolist()
    answer_ids = processor.tokenizer(full_text[len(prompt_text):], add_special_tokens=False)["input_ids"]
    ex = _finish(prompt_ids, answer_ids, max_len, overlong, stats)
    if ex is not None:
        for key in ("pixel_values", "image_grid_thw"):
            if key in enc:
                ex[key] = enc[key]
        if "mm_token_type_ids" in enc:
            # Which tokens are image tokens (for M-RoPE positions); answer tokens are text (0).
            types = enc["mm_token_type_ids"][0].tolist()
            ex["mm_token_type_ids"] = types + [0] * (len(ex["input_ids"]) - len(types))
    return ex
