"""PEFT LoRA adapter → GGUF LoRA that llama.cpp applies at run time (what llama.cpp's convert_lora_to_gguf.py does).

llama.cpp wants, per adapted weight, `<gguf tensor name>.lora_a` (PEFT's lora_A, [r, in]) and `.lora_b` (lora_B,
[out, r]) with `general.type = adapter`, `adapter.type = lora` and the base model's architecture. It scales each
pair by `adapter.lora.alpha / r`, or by nothing when alpha is 0; PEFT's per-module scaling (lora_alpha / r, over
sqrt(r) with rsLoRA, rank_pattern and alpha_pattern overrides) is therefore folded into lora_b here and alpha is
written as 0, which is exact for every one of those variants. The converted file is cached next to the adapter
(`llamacpp-lora-<arch>-<hash>.gguf`, the hash covering the adapter's weights and config), or under the model cache
when the adapter's directory is read-only.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import os
import re
from pathlib import Path
from typing import Any

from model.errors import ModelError

__all__ = ["CONVERTER_VERSION", "peft_scaling", "peft_to_gguf_lora", "write_gguf_lora"]

log = logging.getLogger(__name__)

CONVERTER_VERSION = "1"  # part of the cache key: bump when the written file changes
_PREFIX = "base_model.model."


def _adapter_files(adapter_dir: Path) -> tuple[dict[str, Any], Path]:
    """The adapter's config and its weights file; ModelError when either is missing or unreadable."""
    cfg_path = adapter_dir / "adapter_config.json"
    if not cfg_path.is_file():
        raise ModelError(f"{adapter_dir} is not a PEFT adapter directory (it has no adapter_config.json).")
    try:
        cfg = json.loads(cfg_path.read_text())
    except (OSError, ValueError) as exc:
        raise ModelError(f"{cfg_path} is not valid JSON: {exc}") from exc
    weights = adapter_dir / "adapter_model.safetensors"
    if not weights.is_file():
        raise ModelError(f"{adapter_dir} has no adapter_model.safetensors (older .bin adapters: re-save them "
                         "with save_pretrained(safe_serialization=True)).")
    return cfg, weights


def _check_supported(cfg: dict[str, Any], adapter_dir: Path) -> None:
    """ModelError for PEFT features llama.cpp's LoRA cannot express."""
    if cfg.get("peft_type", "LORA") != "LORA":
        raise ModelError(f"{adapter_dir} is a {cfg.get('peft_type')} adapter; llama.cpp applies LoRA adapters only.")
    unsupported = {"use_dora": "DoRA", "fan_in_fan_out": "fan_in_fan_out (Conv1D) layers",
                   "modules_to_save": "modules_to_save (fully trained layers)",
                   "trainable_token_indices": "trained token embeddings", "lora_bias": "LoRA biases",
                   "layer_replication": "layer replication"}
    for key, what in unsupported.items():
        if cfg.get(key):
            raise ModelError(f"{adapter_dir} uses {what}, which the llama.cpp backend cannot apply; use "
                             "backend='transformers' (or merge the adapter and convert the merged model).")


def _pattern_value(patterns: dict[str, Any], module: str, default: Any) -> Any:
    """PEFT's rank_pattern / alpha_pattern lookup: a key matches a module name it ends the path of."""
    for key, value in (patterns or {}).items():
        if re.match(rf"(.*\.)?({key})$", module):
            return value
    return default


def peft_scaling(cfg: dict[str, Any], module: str) -> float:
    """The factor PEFT multiplies lora_B @ lora_A by for one module."""
    r = int(_pattern_value(cfg.get("rank_pattern"), module, cfg.get("r", 8)))
    alpha = float(_pattern_value(cfg.get("alpha_pattern"), module, cfg.get("lora_alpha", r)))
    return alpha / math.sqrt(r) if cfg.get("use_rslora") else alpha / r


def _digest(cfg_path: Path, weights: Path, arch: str) -> str:
    h = hashlib.sha256(f"{CONVERTER_VERSION}:{arch}:".encode())
    h.update(cfg_path.read_bytes())
    with open(weights, "rb") as f:
        while chunk := f.read(1 << 22):
            h.update(chunk)
    return h.hexdigest()[:16]


def write_gguf_lora(adapter_dir: Path, out_path: Path, *, arch: str, n_layers: int) -> Path:
    """Convert the PEFT adapter in adapter_dir into a GGUF LoRA at out_path (F32 tensors)."""
    import gguf
    import numpy as np
    from safetensors.numpy import load_file

    cfg, weights_path = _adapter_files(adapter_dir)
    _check_supported(cfg, adapter_dir)
    arch_enum = next((a for a, n in gguf.MODEL_ARCH_NAMES.items() if n == arch), None)
    if arch_enum is None:
        raise ModelError(f"The gguf package does not know the architecture {arch!r}; cannot convert {adapter_dir}.")
    names = gguf.get_tensor_name_map(arch_enum, n_layers)
    tensors = load_file(str(weights_path))
    pairs: dict[str, dict[str, Any]] = {}
    for key, arr in tensors.items():
        m = re.fullmatch(r"(?:base_model\.model\.)?(.+)\.lora_([AB])(?:\.[^.]+)?\.weight", key)
        if m is None:
            if key.endswith((".lora_embedding_A", ".lora_embedding_B")) or "embed_tokens" in key or "lm_head" in key:
                raise ModelError(f"{adapter_dir} adapts the embeddings or the output layer ({key}); the llama.cpp "
                                 "backend cannot apply that. Use backend='transformers'.")
            raise ModelError(f"{adapter_dir} holds a tensor that is not a LoRA pair: {key}.")
        pairs.setdefault(m.group(1), {})[m.group(2)] = arr
    if not pairs:
        raise ModelError(f"{adapter_dir} holds no LoRA weights.")
    writer = gguf.GGUFWriter(str(out_path), arch)
    writer.add_type(gguf.GGUFType.ADAPTER)
    writer.add_string(gguf.Keys.Adapter.TYPE, "lora")
    # alpha 0 tells llama.cpp not to rescale: PEFT's scaling is already inside lora_b.
    writer.add_float32(gguf.Keys.Adapter.LORA_ALPHA, 0.0)
    for module, ab in sorted(pairs.items()):
        if set(ab) != {"A", "B"}:
            raise ModelError(f"{adapter_dir}: the LoRA pair of {module} is missing lora_{'B' if 'A' in ab else 'A'}.")
        target = names.get_name(module)
        if target is None:
            raise ModelError(f"{adapter_dir} adapts {module}, which has no {arch} GGUF tensor (is the adapter "
                             "for another model?).")
        a = np.ascontiguousarray(ab["A"], dtype=np.float32)
        b = np.ascontiguousarray(ab["B"].astype(np.float32) * peft_scaling(cfg, module), dtype=np.float32)
        if a.ndim != 2 or b.ndim != 2 or a.shape[0] != b.shape[1]:
            raise ModelError(f"{adapter_dir}: the LoRA pair of {module} has shapes {a.shape} and {b.shape}.")
        writer.add_tensor(f"{target}.weight.lora_a", a)
        writer.add_tensor(f"{target}.weight.lora_b", b)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return out_path


def _writable(directory: Path) -> bool:
    return os.access(directory, os.W_OK)


def peft_to_gguf_lora(adapter_dir: str | Path, *, arch: str, n_layers: int) -> Path:
    """The GGUF LoRA for a PEFT adapter, converted once and cached (next to the adapter when it can be)."""
    from model.embedded import _file_lock, cache_root

    adapter_dir = Path(adapter_dir).expanduser()
    if not adapter_dir.is_dir():
        raise ModelError(f"No adapter directory at {adapter_dir}.")
    cfg, weights = _adapter_files(adapter_dir)
    digest = _digest(adapter_dir / "adapter_config.json", weights, arch)
    name = f"llamacpp-lora-{arch}-{digest}.gguf"
    out_dir = adapter_dir if _writable(adapter_dir) else cache_root() / "lora" / digest
    out = out_dir / name
    if out.is_file():
        return out
    out_dir.mkdir(parents=True, exist_ok=True)
    with _file_lock(cache_root() / "lora" / f".{digest}.lock"):
        if out.is_file():
            return out
        tmp = out.with_name(f".{name}.tmp-{os.getpid()}")
        try:
            write_gguf_lora(adapter_dir, tmp, arch=arch, n_layers=n_layers)
            os.replace(tmp, out)
        finally:
            tmp.unlink(missing_ok=True)
        for stale in out_dir.glob(f"llamacpp-lora-{arch}-*.gguf"):  # conversions of earlier adapter versions
            if stale != out:
                stale.unlink(missing_ok=True)
    log.info("Converted adapter %s to %s", adapter_dir, out)
    return out
