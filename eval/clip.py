"""A CLIP encoder loaded on first use, batched, shared by the CLIP-based metrics."""
from __future__ import annotations

import functools
import hashlib
import logging
import os
from pathlib import Path
from typing import Any, Sequence

__all__ = ["DEFAULT_CLIP", "COMPARABLE_CLIP", "DEFAULT_CACHE_DIR", "ClipUnavailable", "ClipEncoder", "EmbeddingStore",
           "get_encoder", "clip_score"]

log = logging.getLogger(__name__)

DEFAULT_CLIP = "openai/clip-vit-base-patch32"
# AutomaTikZ reports CLIPScore with this model; use it when comparing numbers with theirs.
COMPARABLE_CLIP = "openai/clip-vit-large-patch14-336"
# Where `--cache-dir` is suggested to point (the cache is off unless asked for).
DEFAULT_CACHE_DIR = Path.home() / ".cache" / "figure-assistant" / "eval"
# Bump when what an embedding means changes (preprocessing, pooling), so old cache entries are not reused.
_CACHE_FORMAT = 1


class ClipUnavailable(RuntimeError):
    """The CLIP model cannot be loaded (not cached and no hub, or a broken directory)."""


def clip_score(cos: float) -> float:
    """AutomaTikZ's CLIPScore scale: 100 · max(cos, 0)."""
    return 100.0 * max(float(cos), 0.0)


def _image_key(img: Any) -> str:
    """A content hash (SHA-256 of mode, size and pixels) so identical images are encoded once."""
    h = hashlib.sha256(f"{img.mode}{img.size}".encode())
    h.update(img.tobytes())
    return h.hexdigest()


def _text_key(text: str) -> str:
    """The cache key of a text (prefixed so it can never collide with an image's)."""
    return "t:" + hashlib.sha256(text.encode("utf-8")).hexdigest()


class EmbeddingStore:
    """Embeddings on disk, one SQLite file per model fingerprint: {content hash: float32 vector}.

    The fingerprint hashes the weights, the config and the preprocessing, so a cache entry is only ever reused by
    the very same model; comparing several runs against the same references encodes those references once.
    Several processes may share a directory (SQLite locks the file).
    """

    def __init__(self, directory: str | Path, fingerprint: str, name: str = ""):
        import sqlite3

        self.path = Path(directory).expanduser() / f"clip-{fingerprint[:24]}.sqlite"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(self.path), timeout=60, check_same_thread=False)
        self._db.execute("CREATE TABLE IF NOT EXISTS emb (key TEXT PRIMARY KEY, vec BLOB NOT NULL)")
        self._db.execute("CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v TEXT)")
        self._db.execute("INSERT OR REPLACE INTO meta VALUES ('model', ?)", (name,))
        self._db.commit()

    def get_many(self, keys: Sequence[str]) -> dict[str, Any]:
        """The stored vectors among `keys` (missing keys are left out)."""
        import numpy as np
        import torch

        out: dict[str, Any] = {}
        keys = list(keys)
        for i in range(0, len(keys), 500):  # SQLite limits the number of parameters in one statement
            chunk = keys[i:i + 500]
            q = f"SELECT key, vec FROM emb WHERE key IN ({','.join('?' * len(chunk))})"
            for k, blob in self._db.execute(q, chunk):
                out[k] = torch.from_numpy(np.frombuffer(blob, dtype=np.float32).copy())
        return out

    def put_many(self, items: dict[str, Any]) -> None:
        """Store vectors (float32) under their keys."""
        if not items:
            return
        rows = [(k, v.detach().float().cpu().numpy().tobytes()) for k, v in items.items()]
        self._db.executemany("INSERT OR REPLACE INTO emb VALUES (?, ?)", rows)
        self._db.commit()

    def __len__(self) -> int:
        return int(self._db.execute("SELECT COUNT(*) FROM emb").fetchone()[0])

    def close(self) -> None:
        self._db.close()


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


@functools.lru_cache(maxsize=8)
def _normalise_lut(scale: float, mean: tuple[float, ...], std: tuple[float, ...]):
    """(3, 256) float32: what the CLIP processor turns each uint8 value into, per channel, by its arithmetic.

    As transformers does it: value.astype(float64) * scale, cast to float32, then (v - mean) / std in float32.
    """
    import numpy as np

    v = (np.arange(256, dtype=np.uint8).astype(np.float64) * scale).astype(np.float32)
    m = np.array(mean, dtype=np.float32)
    s = np.array(std, dtype=np.float32)
    return np.ascontiguousarray(((v[:, None] - m) / s).T)


class ClipEncoder:
    """Text and image embeddings (unit length) from a CLIP model; the model loads on the first call.

    Speed without changing a value: each distinct image (by content hash) and each distinct text is encoded once
    per process; images are preprocessed by a batched re-implementation of the CLIP image processor (same PIL
    resize, crop, rescale and normalisation; `fast_preprocess=False` uses the processor itself); texts are batched
    by token length so little padding is computed; with `cache_dir` embeddings also persist on disk, keyed by the
    model's weights fingerprint and the content hash.
    """

    def __init__(self, name: str = DEFAULT_CLIP, batch_size: int = 32, device: str = "cpu",
                 cache_dir: str | Path | None = None, fast_preprocess: bool = True):
        self.name = name
        self.batch_size = max(1, int(batch_size))
        self.device = device
        self.progress = False  # tqdm bars over batches (the scorer turns them on)
        self.cache_dir = cache_dir
        self.fast_preprocess = fast_preprocess
        # Metrics ask for the same renders (text↔image and image↔image): encode each image once per process.
        self._image_cache: dict[str, Any] = {}
        self._text_cache: dict[str, Any] = {}
        self.cache_size = 50_000
        self._store: EmbeddingStore | None = None
        self.stats = {"images_asked": 0, "images_encoded": 0, "images_from_disk": 0, "texts_asked": 0,
                      "texts_encoded": 0, "texts_from_disk": 0}
        self._model = None
        self._tokenizer = None
        self._processor = None

    @classmethod
    def from_components(cls, name: str, model: Any, tokenizer: Any, processor: Any,
                        batch_size: int = 32, cache_dir: str | Path | None = None) -> "ClipEncoder":
        """An encoder around an already built model (benchmarks time a randomly initialised architecture)."""
        enc = cls(name, batch_size=batch_size, cache_dir=cache_dir)
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

    # Disk cache ---------------------------------------------------------------------------------------------------

    def fingerprint(self) -> str:
        """SHA-256 of the weights, the model config and the preprocessing: what an embedding depends on."""
        import torch

        self.load()
        h = hashlib.sha256(f"clip-embedding-v{_CACHE_FORMAT}".encode())
        h.update(self._model.config.to_json_string().encode())
        proc = self._processor
        h.update(repr(proc.to_dict() if hasattr(proc, "to_dict") else proc).encode())
        h.update(repr(getattr(self._tokenizer, "name_or_path", "")).encode())
        h.update(str(len(self._tokenizer)).encode())
        for k, v in sorted(self._model.state_dict().items()):
            h.update(k.encode())
            t = v.detach().to("cpu").contiguous()
            if t.dtype == torch.bfloat16:
                t = t.float()
            h.update(t.numpy().tobytes())
        return h.hexdigest()

    def _disk(self) -> "EmbeddingStore | None":
        """The on-disk store when `cache_dir` is set (opened on first use)."""
        if self.cache_dir is None:
            return None
        if self._store is None:
            self._store = EmbeddingStore(self.cache_dir, self.fingerprint(), self.name)
            log.info("CLIP embedding cache %s (%d entries)", self._store.path, len(self._store))
        return self._store

    def _fill_from_disk(self, todo: dict[str, Any], cache: dict[str, Any], stat: str) -> dict[str, Any]:
        """Move what the disk store holds for `todo`'s keys into `cache`; returns the keys still to encode."""
        store = self._disk()
        if store is None or not todo:
            return todo
        got = store.get_many(list(todo))
        cache.update(got)
        self.stats[stat] += len(got)
        return {k: v for k, v in todo.items() if k not in got}

    def _keep(self, new: dict[str, Any], cache: dict[str, Any], stat: str) -> None:
        """Put freshly encoded vectors in `cache` and, when there is one, the disk store."""
        self.stats[stat] += len(new)
        cache.update(new)
        if (store := self._disk()) is not None:
            store.put_many(new)

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

    # Texts --------------------------------------------------------------------------------------------------------

    def embed_texts(self, texts: Sequence[str]):
        """Unit-length text embeddings, shape (len(texts), d); long texts are truncated to the tower's limit.

        Each distinct text is encoded once; batches hold texts of similar token length, so the padding computed
        is small (the text tower is causal and pooled at the end token: padding never changes an embedding).
        """
        import torch

        self.load()
        texts = [t or "" for t in texts]
        self.stats["texts_asked"] += len(texts)
        if not texts:
            return torch.zeros(0, self._model.config.projection_dim)
        if len(self._text_cache) + len(texts) > self.cache_size:
            self._text_cache.clear()
        keys = [_text_key(t) for t in texts]
        todo = {k: t for k, t in zip(keys, texts) if k not in self._text_cache}
        todo = self._fill_from_disk(todo, self._text_cache, "texts_from_disk")
        if todo:
            limit = self.max_text_tokens
            ukeys = list(todo)
            lengths = [len(ids) for ids in self._tokenizer([todo[k] for k in ukeys], truncation=True,
                                                           max_length=limit)["input_ids"]]
            order = sorted(range(len(ukeys)), key=lambda i: lengths[i])
            new: dict[str, Any] = {}
            with torch.inference_mode():
                for i in self._batches(len(order), "CLIP text"):
                    chunk = [ukeys[j] for j in order[i:i + self.batch_size]]
                    enc = self._tokenizer([todo[k] for k in chunk], padding=True, truncation=True, max_length=limit,
                                          return_tensors="pt").to(self.device)
                    feats = self._features(self._model.get_text_features(
                        input_ids=enc["input_ids"], attention_mask=enc["attention_mask"]))
                    for k, f in zip(chunk, torch.nn.functional.normalize(feats.float(), dim=-1).cpu()):
                        new[k] = f.clone()
            self._keep(new, self._text_cache, "texts_encoded")
        return torch.stack([self._text_cache[k] for k in keys])

    # Images -------------------------------------------------------------------------------------------------------

    def clear_cache(self) -> None:
        """Forget the embeddings computed so far in this process (the disk cache stays)."""
        self._image_cache.clear()
        self._text_cache.clear()

    def _fast_plan(self) -> tuple | None:
        """The processor's settings when the batched preprocessing reproduces it exactly, else None."""
        p = self._processor
        # Only the PIL backend: a torchvision processor resizes with torch, whose numbers differ from PIL's.
        if (not self.fast_preprocess or not type(p).__name__.startswith("CLIPImageProcessor")
                or getattr(p, "backend", None) != "pil"):
            return None

        def get(d: Any, k: str) -> Any:
            return d.get(k) if isinstance(d, dict) else getattr(d, k, None)

        size, crop = getattr(p, "size", None), getattr(p, "crop_size", None)
        ok = (getattr(p, "do_resize", False) and get(size, "shortest_edge") and not get(size, "longest_edge")
              and not get(size, "height") and not get(size, "width")
              and getattr(p, "do_center_crop", False) and get(crop, "height") and get(crop, "width")
              and getattr(p, "do_rescale", False) and getattr(p, "do_normalize", False)
              and not getattr(p, "do_pad", False) and isinstance(getattr(p, "resample", None), int)
              and getattr(p, "default_to_square", False) is False)
        if not ok:
            return None
        return (int(get(size, "shortest_edge")), int(get(crop, "height")), int(get(crop, "width")), int(p.resample),
                float(p.rescale_factor), tuple(float(v) for v in p.image_mean), tuple(float(v) for v in p.image_std))

    def pixel_values(self, images: Sequence[Any]):
        """The model's input for RGB PIL images: the processor's output, computed for the whole batch at once.

        Same steps as CLIPImageProcessor(Pil): PIL resize of the shortest edge (its resample filter), centre crop,
        rescale in float64 then float32, (x - mean) / std in float32. A uint8 pixel has 256 values, so rescale and
        normalisation are a per-channel lookup table built with the processor's own arithmetic (bit-identical).
        Falls back to the processor for settings it does not cover, or an image smaller than the crop.
        """
        import numpy as np
        import torch

        plan = self._fast_plan()
        if plan is None:
            return self._processor(images=list(images), return_tensors="pt")["pixel_values"]
        short, ch, cw, resample, scale, mean, std = plan
        crops = []
        for im in images:
            w, h = im.size
            lo, hi = (w, h) if w <= h else (h, w)
            new_hi = int(short * hi / lo)
            nw, nh = (short, new_hi) if w <= h else (new_hi, short)
            top, left = (nh - ch) // 2, (nw - cw) // 2
            if top < 0 or left < 0:
                return self._processor(images=list(images), return_tensors="pt")["pixel_values"]
            arr = np.asarray(im.resize((nw, nh), resample=resample))
            crops.append(arr[top:top + ch, left:left + cw])
        x = np.stack(crops)  # (B, H, W, 3) uint8
        lut = _normalise_lut(scale, mean, std)  # (3, 256) float32
        out = np.empty((len(crops), 3, ch, cw), dtype=np.float32)
        for c in range(3):
            np.take(lut[c], x[..., c], out=out[:, c])
        return torch.from_numpy(out)

    def embed_images(self, images: Sequence[Any]):
        """Unit-length image embeddings, shape (len(images), d); an image already seen is not encoded again."""
        import torch

        self.load()
        self.stats["images_asked"] += len(images)
        if not images:
            return torch.zeros(0, self._model.config.projection_dim)
        if len(self._image_cache) + len(images) > self.cache_size:
            self._image_cache.clear()
        keys = [_image_key(im) for im in images]
        unique: dict[str, Any] = {}
        for k, im in zip(keys, images):
            if k not in self._image_cache and k not in unique:
                unique[k] = im if im.mode == "RGB" else im.convert("RGB")
        unique = self._fill_from_disk(unique, self._image_cache, "images_from_disk")
        ukeys = list(unique)
        new: dict[str, Any] = {}
        with torch.inference_mode():
            for i in self._batches(len(ukeys), "CLIP images"):
                chunk = ukeys[i:i + self.batch_size]
                pix = self.pixel_values([unique[k] for k in chunk])
                feats = self._features(self._model.get_image_features(pixel_values=pix.to(self.device)))
                feats = torch.nn.functional.normalize(feats.float(), dim=-1).cpu()
                for k, f in zip(chunk, feats):
                    new[k] = f.clone()
        self._keep(new, self._image_cache, "images_encoded")
        return torch.stack([self._image_cache[k] for k in keys])


@functools.lru_cache(maxsize=4)
def get_encoder(name: str = DEFAULT_CLIP, batch_size: int = 32, device: str = "cpu",
                cache_dir: str | None = None) -> ClipEncoder:
    """One encoder per (model, batch size, device, cache) in a process, so metrics share the loaded weights."""
    return ClipEncoder(name, batch_size=batch_size, device=device, cache_dir=cache_dir)
