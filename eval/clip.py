"""A CLIP encoder loaded on first use, batched, shared by the CLIP-based metrics."""
from __future__ import annotations

import functools
import hashlib
import logging
import os
from pathlib import Path
from typing import Any, Sequence

__all__ = ["DEFAULT_CLIP", "COMPARABLE_CLIP", "ClipUnavailable", "ClipEncoder", "get_encoder", "clip_score"]

log = logging.getLogger(__name__)

DEFAULT_CLIP = "openai/clip-vit-base-patch32"
# AutomaTikZ reports CLIPScore with this model; use it when comparing numbers with theirs.
COMPARABLE_CLIP = "openai/clip-vit-large-patch14-336"


class ClipUnavailable(RuntimeError):
    """The CLIP model cannot be loaded (not cached and no hub, or a broken directory)."""


def clip_score(cos: float) -> float:
    """AutomaTikZ's CLIPScore scale: 100 · max(cos, 0)."""
    return 100.0 * max(float(cos), 0.0)


def _image_key(img: Any) -> str:
    """A content hash so identical images are encoded once."""
    h = hashlib.sha1(f"{img.mode}{img.size}".encode())
    h.update(img.tobytes())
    return h.hexdigest()


def _hub_reachable(timeout_s: float = 3.0) -> bool:
    """Whether the Hugging Face hub answers at all (False at once when offline mode is set)."""
    if os.environ.get("HF_HUB_OFFLINE", "").lower() in ("1", "true", "yes"):
        return False
    import httpx

    try:
        httpx.head(os.environ.get("HF_ENDPOINT", "https://huggingface.co"), timeout=timeout_s)
    except httpx.HTTPError:
        return False
    return True


class ClipEncoder:
    """Text and image embeddings (unit length) from a CLIP model; the model loads on the first call."""

    def __init__(self, name: str = DEFAULT_CLIP, batch_size: int = 32, device: str = "cpu"):
        self.name = name
        self.batch_size = max(1, int(batch_size))
        self.device = device
        self.progress = False  # tqdm bars over batches (the scorer turns them on)
        # Metrics ask for the same renders (text↔image and image↔image): encode each image once per process.
        self._image_cache: dict[str, Any] = {}
        self.cache_size = 50_000
        self._model = None
        self._tokenizer = None
        self._processor = None

    @classmethod
    def from_components(cls, name: str, model: Any, tokenizer: Any, processor: Any,
                        batch_size: int = 32) -> "ClipEncoder":
        """An encoder around an already built model (benchmarks time a randomly initialised architecture)."""
        enc = cls(name, batch_size=batch_size)
        enc._model, enc._tokenizer, enc._processor = model.eval(), tokenizer, processor
        return enc

    def load(self) -> None:
        """Load model, tokenizer and image processor, or raise `ClipUnavailable` with what to do."""
        if self._model is not None:
            return
        # The local cache first: without a hub, asking it costs minutes of retries before failing.
        try:
            model, tokenizer, processor = self._from_pretrained(local_only=True)
        except (OSError, ValueError) as e:
            if Path(self.name).exists() or not _hub_reachable():
                raise self._unavailable(e) from e
            try:
                model, tokenizer, processor = self._from_pretrained(local_only=False)
            except (OSError, ValueError) as e2:
                raise self._unavailable(e2) from e2
        self._model = model.to(self.device).eval()
        self._tokenizer = tokenizer
        self._processor = processor
        log.info("loaded CLIP %s", self.name)

    def _from_pretrained(self, local_only: bool) -> tuple[Any, Any, Any]:
        """Model, tokenizer and image processor from a directory, the cache or (not local_only) the hub."""
        from transformers import AutoTokenizer, CLIPModel

        model = CLIPModel.from_pretrained(self.name, local_files_only=local_only)
        tokenizer = AutoTokenizer.from_pretrained(self.name, local_files_only=local_only)
        return model, tokenizer, self._load_processor(local_only)

    def _unavailable(self, e: Exception) -> "ClipUnavailable":
        """The user-facing error for a CLIP that cannot be loaded."""
        return ClipUnavailable(
            f"CLIP model {self.name!r} could not be loaded ({type(e).__name__}: {str(e).splitlines()[0][:200]}). "
            + ("The directory is not a complete CLIP save. " if Path(self.name).exists() else
               "It is neither a local directory nor in the Hugging Face cache, and no hub was reachable. ")
            + "Pass --clip-model /path/to/a/saved/clip (a directory written by CLIPModel.save_pretrained with "
            "its tokenizer and preprocessor), or --no-clip to skip the CLIP metrics.")

    def _load_processor(self, local_only: bool = True) -> Any:
        """The PIL image processor (no torchvision here), falling back to the auto class."""
        try:
            from transformers.models.clip.image_processing_pil_clip import CLIPImageProcessorPil

            return CLIPImageProcessorPil.from_pretrained(self.name, local_files_only=local_only)
        except ImportError:
            from transformers import CLIPImageProcessor

            return CLIPImageProcessor.from_pretrained(self.name, local_files_only=local_only)

    @property
    def max_text_tokens(self) -> int:
        """Longest text the text tower accepts (77 for OpenAI CLIP)."""
        self.load()
        return int(self._model.config.text_config.max_position_embeddings)

    def _batches(self, n: int, desc: str):
        """Batch start offsets, with a progress bar when asked for and there is more than one batch."""
        from tqdm import tqdm

        starts = range(0, n, self.batch_size)
        return tqdm(starts, desc=desc, unit="batch", disable=not self.progress or len(starts) < 2)

    @staticmethod
    def _features(out: Any) -> Any:
        """Projected features whether transformers returns a tensor or a pooled output."""
        import torch

        if torch.is_tensor(out):
            return out
        return out.pooler_output

    def embed_texts(self, texts: Sequence[str]):
        """Unit-length text embeddings, shape (len(texts), d); long texts are truncated to the tower's limit."""
        import torch

        self.load()
        if not texts:
            return torch.zeros(0, self._model.config.projection_dim)
        out = []
        with torch.inference_mode():
            for i in self._batches(len(texts), "CLIP text"):
                batch = [t or "" for t in texts[i:i + self.batch_size]]
                enc = self._tokenizer(batch, padding=True, truncation=True, max_length=self.max_text_tokens,
                                      return_tensors="pt").to(self.device)
                feats = self._features(self._model.get_text_features(
                    input_ids=enc["input_ids"], attention_mask=enc["attention_mask"]))
                out.append(torch.nn.functional.normalize(feats.float(), dim=-1).cpu())
        return torch.cat(out)

    def clear_cache(self) -> None:
        """Forget the image embeddings computed so far."""
        self._image_cache.clear()

    def embed_images(self, images: Sequence[Any]):
        """Unit-length image embeddings, shape (len(images), d); an image already seen is not encoded again."""
        import torch

        self.load()
        if not images:
            return torch.zeros(0, self._model.config.projection_dim)
        if len(self._image_cache) + len(images) > self.cache_size:
            self.clear_cache()
        keys = [_image_key(im) for im in images]
        unique: dict[str, Any] = {}
        for k, im in zip(keys, images):
            if k not in self._image_cache:
                unique.setdefault(k, im.convert("RGB"))
        ukeys = list(unique)
        feats_by_key = self._image_cache
        with torch.inference_mode():
            for i in self._batches(len(ukeys), "CLIP images"):
                chunk = ukeys[i:i + self.batch_size]
                pix = self._processor(images=[unique[k] for k in chunk], return_tensors="pt")["pixel_values"]
                feats = self._features(self._model.get_image_features(pixel_values=pix.to(self.device)))
                feats = torch.nn.functional.normalize(feats.float(), dim=-1).cpu()
                for k, f in zip(chunk, feats):
                    feats_by_key[k] = f
        return torch.stack([feats_by_key[k] for k in keys])


@functools.lru_cache(maxsize=4)
def get_encoder(name: str = DEFAULT_CLIP, batch_size: int = 32, device: str = "cpu") -> ClipEncoder:
    """One encoder per (model, batch size, device) in a process, so metrics share the loaded weights."""
    return ClipEncoder(name, batch_size=batch_size, device=device)
