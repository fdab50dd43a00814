"""Named presets: friendly names → model, adapter and prompt/sampling settings (the one table)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from model.defaults import DEFAULTS, EXAMPLE_MODES

__all__ = ["DEFAULT_PRESET", "PRESETS", "PROJECT_ROOT", "GenSettings", "Preset", "get_preset", "resolve_adapter_dir"]

PROJECT_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class GenSettings:
    """Prompt and sampling settings a preset carries."""

    history_budget: int = 256  # tokens for the summary of earlier turns
    max_new_tokens: int = DEFAULTS.max_new_tokens
    temperature: float = DEFAULTS.temperature
    top_p: float | None = 0.8
    top_k: int | None = 20
    repetition_penalty: float | None = 1.05
    # Worked examples from model/examples retrieved and put before a first-figure request (0: none).
    examples: int = DEFAULTS.examples
    example_mode: str = DEFAULTS.example_mode  # "shot" or "adapt" (model/defaults.py)

    def __post_init__(self) -> None:
        if not 0 <= int(self.examples) <= 4:
            raise ValueError(f"examples must be between 0 and 4, not {self.examples}")
        if self.example_mode not in EXAMPLE_MODES:
            raise ValueError(f"example_mode must be one of {', '.join(EXAMPLE_MODES)}, not {self.example_mode!r}")


@dataclass(frozen=True)
class Preset:
    """A friendly model name: where the weights come from and how to prompt them."""

    name: str
    model: str  # hub id (or a local path)
    adapter: str | None = None  # project-relative adapter directory, used only when it exists
    vision: bool = False
    embedded: bool = False  # falls back to the packaged offline weights when the hub has no copy
    backend: str | None = None  # preferred local backend when it is installed: "llamacpp" runs the packaged GGUF
    settings: GenSettings = GenSettings()
    note: str = ""


DEFAULT_PRESET = DEFAULTS.preset  # model/defaults.py holds the choice

PRESETS: dict[str, Preset] = {
    p.name: p
    for p in [
        Preset("qwen2.5-coder-0.5b", "Qwen/Qwen2.5-Coder-0.5B-Instruct",
               adapter="adapters/qwen2.5-coder-0.5b-figures", embedded=True, backend="llamacpp",
               note="embedded offline default (Apache-2.0 weights, packaged Q4_K_M GGUF)"),
        Preset("qwen2.5-coder-1.5b", "Qwen/Qwen2.5-Coder-1.5B-Instruct",
               adapter="adapters/qwen2.5-coder-1.5b-figures", embedded=True, backend="llamacpp",
               note="second embedded model (Apache-2.0 weights, packaged Q4_K_M GGUF)"),
        Preset("qwen2.5-coder-3b", "Qwen/Qwen2.5-Coder-3B-Instruct",
               adapter="adapters/qwen2.5-coder-3b-figures", note="the research base model size"),
        Preset("qwen2.5-vl-3b", "Qwen/Qwen2.5-VL-3B-Instruct", vision=True,
               settings=GenSettings(top_k=None, top_p=0.9, repetition_penalty=None),
               note="vision: reads the sketch image"),
        Preset("qwen3-vl-2b", "Qwen/Qwen3-VL-2B-Instruct", vision=True,
               settings=GenSettings(top_k=20, top_p=0.8, repetition_penalty=None),
               note="vision: reads the sketch image"),
    ]
}


def get_preset(name: str) -> Preset | None:
    """The preset of that name (case-insensitive), or None."""
    return PRESETS.get(name.strip().lower())


def resolve_adapter_dir(path: str | None) -> Path | None:
    """The adapter directory (relative paths against the project root) when it holds a trained adapter."""
    if not path:
        return None
    p = Path(path).expanduser()
    if not p.is_absolute():
        p = PROJECT_ROOT / p
    return p if (p / "adapter_config.json").is_file() else None


def with_settings(preset: Preset, **changes: object) -> Preset:
    """Copy of a preset with some settings changed."""
    return replace(preset, settings=replace(preset.settings, **changes))
