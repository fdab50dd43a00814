"""`load()`: one entry point for presets, local dirs, hub ids, GGUF files and OpenAI-compatible endpoints."""

from __future__ import annotations

import logging
import os
from dataclasses import replace
from pathlib import Path
from typing import Any

from model.base import Generator
from model.errors import ModelError
from model.presets import DEFAULT_PRESET, GenSettings, Preset, get_preset, resolve_adapter_dir

__all__ = ["load"]

log = logging.getLogger(__name__)

_SETTING_KEYS = {f for f in GenSettings.__dataclass_fields__}
EMBEDDED_SOURCE = "<embedded>"


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
    if prefer_hub is not True and _embedded_installed():
        return [EMBEDDED_SOURCE]
    if prefer_hub is not False and not hub_offline() and _hub_reachable():
        return [preset.model, EMBEDDED_SOURCE]
    return [EMBEDDED_SOURCE]


def _embedded_installed() -> bool:
    """True when the embedded model is converted already or its packaged GGUF parts are installed."""
    from model.embedded import _is_complete, embedded_model_dir, gguf_part_paths

    if _is_complete(embedded_model_dir()):
        return True
    try:
        gguf_part_paths()
    except ModelError:
        return False
    return True


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
         load_in_4bit: bool = False, device: str | None = None, dtype: Any = None, merge: bool = False,
         **kw: Any) -> Generator:
    """A ready generator for a preset name, hub id, local dir, .gguf file or http(s)://…/v1 endpoint.

    adapter: a PEFT adapter path, a list of paths, or {name: path}; for presets, None means "the project's
    trained adapter when it exists" and False means "no adapter". Extra keywords: prompt/sampling settings
    (temperature, max_new_tokens, history_budget, top_p, top_k, repetition_penalty) and backend options
    (quantize="int8", num_threads, cache_implementation="static", api_key, timeout_s, retries, vision,
    prefer_hub=True to try the hub before the installed embedded package, False never to ask it).
    """
    source = str(name_or_path or DEFAULT_PRESET).strip()
    if source.startswith(("http://", "https://")):
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
        sources = _preset_sources(preset, prefer_hub)
        for i, src in enumerate(sources):
            if src == EMBEDDED_SOURCE:
                from model.embedded import ensure_embedded_model

                src = str(ensure_embedded_model())
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
        return load_transformers(str(path.parent), gguf_file=path.name, adapter=adapter or None,
                                 load_in_4bit=load_in_4bit, device=device, dtype=dtype, merge=merge,
                                 settings=settings, **kw)
    return load_transformers(source, adapter=adapter or None, load_in_4bit=load_in_4bit, device=device,
                             dtype=dtype, merge=merge, settings=settings, **kw)
