"""`load()`: one entry point for presets, local dirs, hub ids, GGUF files and OpenAI-compatible endpoints.

Local models run on one of two backends: llama.cpp (`model/llamacpp.py`) for GGUF files and the presets whose
weights ship as a packaged GGUF, when llama-cpp-python is installed; transformers (`model/hf.py`) for everything
else, and for training, merging and the vision models. `backend=` forces one.
"""

from __future__ import annotations

import logging
import os
from dataclasses import replace
from pathlib import Path
from typing import Any

from model.base import Generator
from model.errors import ModelError
from model.presets import DEFAULT_PRESET, GenSettings, Preset, get_preset, resolve_adapter_dir

__all__ = ["BACKENDS", "load"]

log = logging.getLogger(__name__)

_SETTING_KEYS = {f for f in GenSettings.__dataclass_fields__}
EMBEDDED_SOURCE = "<embedded>"
BACKENDS = ("transformers", "llamacpp")


def _split_settings(kw: dict[str, Any], base: GenSettings) -> GenSettings:
    """Pull prompt/sampling overrides (temperature, max_new_tokens, …) out of kw."""
    changes = {k: kw.pop(k) for k in list(kw) if k in _SETTING_KEYS}
    return replace(base, **changes) if changes else base


def _hub_reachable(timeout_s: float = 3.0) -> bool:
    """True when the model hub answers quickly (never asked when HF_HUB_OFFLINE is set)."""
    import httpx

    try:
        url = os.environ.get("HF_ENDPOINT", "https://huggingface.co")
        return httpx.head(url, timeout=timeout_s).status_code < 500
    except httpx.HTTPError:
        return False


def _preset_sources(preset: Preset, prefer_hub: bool | None) -> list[str]:
    """Where the preset's weights may come from, in order: hub cache, installed embedded package, reachable hub."""
    from model.hf import hub_offline

    if _hub_cached(preset.model) or not preset.embedded:
        return [preset.model, EMBEDDED_SOURCE] if preset.embedded else [preset.model]
    # The packaged copy needs no network at all: when it is installed, use it without asking the hub.
    if prefer_hub is not True and _embedded_installed(preset.name):
        return [EMBEDDED_SOURCE]
    if prefer_hub is not False and not hub_offline() and _hub_reachable():
        return [preset.model, EMBEDDED_SOURCE]
    return [EMBEDDED_SOURCE]


def _embedded_installed(name: str | None = None) -> bool:
    """True when an embedded model (default: the 0.5B) is converted or joined already, or its parts are installed."""
    from model.embedded import (EMBEDDED, EMBEDDED_SPECS, _gguf_is_complete, _is_complete, embedded_gguf_path,
                                embedded_model_dir, gguf_part_paths)

    spec = EMBEDDED_SPECS.get(name or "", EMBEDDED)
    if _is_complete(embedded_model_dir(spec)) or _gguf_is_complete(embedded_gguf_path(spec), spec):
        return True
    try:
        gguf_part_paths(spec)
    except ModelError:
        return False
    return True


def _check_backend(backend: str | None) -> str | None:
    """The backend name, normalised; ModelError for an unknown one."""
    if backend is None:
        return None
    key = str(backend).strip().lower().replace("-", "").replace("_", "").replace(".", "")
    key = {"hf": "transformers", "llama": "llamacpp", "gguf": "llamacpp"}.get(key, key)
    if key not in BACKENDS:
        raise ModelError(f"Unknown backend {backend!r}; use one of {', '.join(BACKENDS)}.")
    return key


def _preset_backend(preset: Preset, backend: str | None, prefer_hub: bool | None) -> str:
    """The backend a preset loads with: the forced one, else its preferred one when that is installed."""
    from model.llamacpp import llama_cpp_available

    if backend is not None:
        if backend == "llamacpp" and (preset.vision or not preset.embedded):
            raise ModelError(f"{preset.name} has no packaged GGUF for llama.cpp; load it with "
                             "backend='transformers', or pass the path of a .gguf file.")
        return backend
    if preset.backend == "llamacpp" and prefer_hub is not True and not preset.vision:
        if not llama_cpp_available():
            log.warning("llama-cpp-python is not installed: %s runs on transformers (slower; "
                        "bash scripts/setup.sh installs it)", preset.name)
        elif _embedded_installed(preset.name):
            return "llamacpp"
    return "transformers"


def _hub_cached(repo_id: str) -> bool:
    """True when the local hub cache holds the model's config and weights."""
    try:
        from huggingface_hub import try_to_load_from_cache
    except ImportError:
        return False
    cfg = try_to_load_from_cache(repo_id, "config.json")
    weights = try_to_load_from_cache(repo_id, "model.safetensors") or try_to_load_from_cache(
        repo_id, "model.safetensors.index.json")
    return isinstance(cfg, str) and isinstance(weights, str)


def load(name_or_path: str = DEFAULT_PRESET, adapter: str | list[str] | dict[str, str] | None = None, *,
         backend: str | None = None, load_in_4bit: bool = False, device: str | None = None, dtype: Any = None,
         merge: bool = False, **kw: Any) -> Generator:
    """A ready generator for a preset name, hub id, local dir, .gguf file or http(s)://…/v1 endpoint.

    adapter: a PEFT adapter path, a list of paths, or {name: path}; for presets, None means "the project's
    trained adapter when it exists" and False means "no adapter". Extra keywords: prompt/sampling settings
    (temperature, max_new_tokens, history_budget, top_p, top_k, repetition_penalty) and backend options
    (quantize="int8", num_threads, cache_implementation="static", api_key, timeout_s, retries, vision,
    prefer_hub=True to try the hub before the installed embedded package, False never to ask it).
    backend: None picks llama.cpp for .gguf files and the embedded presets when llama-cpp-python is installed, and
    transformers otherwise; "transformers" or "llamacpp" forces one. llama.cpp options: num_threads, n_ctx, seed,
    prompt_lookup (drafting by prompt lookup on revision turns; lookup_tokens, lookup_max_tokens and lookup_ngram
    tune it, see model.lookup), n_threads_batch.
    """
    source = str(name_or_path or DEFAULT_PRESET).strip()
    backend = _check_backend(backend)
    if source.startswith(("http://", "https://")):
        if backend is not None:
            raise ModelError("backend= applies to local models; an endpoint runs its own.")
        from model.endpoint import EndpointGenerator

        settings = _split_settings(kw, GenSettings(top_k=None, repetition_penalty=None))
        if load_in_4bit:
            raise ModelError("load_in_4bit applies to local models; an endpoint quantises on its own side.")
        return EndpointGenerator(source, adapter=adapter if isinstance(adapter, str) else None,
                                 settings=settings, **kw)

    from model.hf import load_transformers

    preset = get_preset(source)
    if preset is not None:
        settings = _split_settings(kw, preset.settings)
        if adapter is None and preset.adapter:
            found = resolve_adapter_dir(preset.adapter)
            adapter = {Path(preset.adapter).name: str(found)} if found else None
            if found is None:
                log.info("No trained adapter at %s yet; %s answers with the base model", preset.adapter,
                         preset.name)
        prefer_hub = kw.pop("prefer_hub", None)
        if _preset_backend(preset, backend, prefer_hub) == "llamacpp":
            from model.embedded import EMBEDDED_SPECS, ensure_embedded_gguf
            from model.llamacpp import load_llamacpp

            if load_in_4bit:
                raise ModelError("load_in_4bit applies to the transformers backend; the GGUF is already 4-bit.")
            gguf = ensure_embedded_gguf(EMBEDDED_SPECS[preset.name])
            return load_llamacpp(str(gguf), name=preset.name, adapter=adapter or None, merge=merge,
                                 settings=settings, device=device, dtype=dtype, **kw)
        sources = _preset_sources(preset, prefer_hub)
        for i, src in enumerate(sources):
            if src == EMBEDDED_SOURCE:
                from model.embedded import EMBEDDED_SPECS, ensure_embedded_model

                src = str(ensure_embedded_model(EMBEDDED_SPECS[preset.name]))
            try:
                return load_transformers(src, name=preset.name, adapter=adapter or None, load_in_4bit=load_in_4bit,
                                         device=device, dtype=dtype, merge=merge, settings=settings,
                                         vision=preset.vision or None, **kw)
            except ModelError as exc:
                if i == len(sources) - 1:
                    raise
                log.warning("Could not load %s from the hub (%s); using the embedded copy", preset.name, exc)
        raise AssertionError("unreachable: sources is never empty")

    settings = _split_settings(kw, GenSettings())
    path = Path(source).expanduser()
    if source.lower().endswith(".gguf"):
        if not path.is_file():
            raise ModelError(f"No GGUF file at {source}.")
        from model.llamacpp import llama_cpp_available, load_llamacpp

        if backend == "llamacpp" or (backend is None and llama_cpp_available()):
            if load_in_4bit:
                raise ModelError("load_in_4bit applies to the transformers backend; a GGUF is quantised already.")
            return load_llamacpp(str(path), adapter=adapter or None, merge=merge, settings=settings, device=device,
                                 dtype=dtype, **kw)
        return load_transformers(str(path.parent), gguf_file=path.name, adapter=adapter or None,
                                 load_in_4bit=load_in_4bit, device=device, dtype=dtype, merge=merge,
                                 settings=settings, **kw)
    if backend == "llamacpp":
        raise ModelError(f"llama.cpp reads .gguf files and the embedded presets; {source} is neither. Load it with "
                         "backend='transformers', or convert it to GGUF first.")
    return load_transformers(source, adapter=adapter or None, load_in_4bit=load_in_4bit, device=device,
                             dtype=dtype, merge=merge, settings=settings, **kw)
