"""Processors for vision-language models, including on machines without torchvision."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from model.errors import ModelError

__all__ = ["load_processor", "processor_without_video"]

log = logging.getLogger(__name__)


def processor_without_video(processor_cls: type, **parts: Any) -> Any:
    """Build a processor whose video part is absent.

    Without torchvision, transformers has no video processor classes, and its argument check rejects
    `video_processor=None`; figures never need video, so the check is skipped for that missing part only.
    """
    def check(self: Any, name: str, arg: Any) -> Any:
        if arg is None and name == "video_processor":
            return None
        return processor_cls.check_argument_for_proper_class(self, name, arg)

    lite = type(processor_cls.__name__, (processor_cls,), {"check_argument_for_proper_class": check})
    return lite(video_processor=None, **parts)


def _processor_class_name(source: str, local_files_only: bool) -> str | None:
    """The processor class named in the model's saved processor or tokenizer config."""
    from transformers.utils import cached_file

    for fname in ("processor_config.json", "preprocessor_config.json", "tokenizer_config.json"):
        try:
            path = cached_file(source, fname, local_files_only=local_files_only,
                               _raise_exceptions_for_missing_entries=False)
        except OSError:
            path = None
        if path:
            name = json.loads(Path(path).read_text()).get("processor_class")
            if name:
                return name
    return None


def load_processor(source: str, **kw: Any) -> Any:
    """AutoProcessor, falling back to a video-less processor when torchvision is missing."""
    from transformers import AutoImageProcessor, AutoProcessor, AutoTokenizer
    from transformers.utils import is_torchvision_available

    try:
        return AutoProcessor.from_pretrained(source, **kw)
    except Exception as exc:
        if is_torchvision_available():
            raise ModelError(f"Could not load the processor of {source}: {exc}") from exc
        first_error = exc
    import transformers

    name = _processor_class_name(source, kw.get("local_files_only", False))
    cls = getattr(transformers, name, None) if name else None
    if cls is None:
        raise ModelError(f"Could not load the processor of {source}: {first_error}")
    tokenizer = AutoTokenizer.from_pretrained(source, **kw)
    image_processor = AutoImageProcessor.from_pretrained(source, backend="pil", **kw)
    chat_template = getattr(tokenizer, "chat_template", None)
    log.info("Using %s without a video processor (torchvision is not installed)", name)
    return processor_without_video(cls, image_processor=image_processor, tokenizer=tokenizer,
                                   chat_template=chat_template)
