"""The one defaults table: what a plain request gets when no flag or setting says otherwise.

The app (`app.handlers.Settings`, the model it loads), `python -m model generate` and `python -m eval
generate|run` all read `DEFAULTS`; the presets' prompt settings (`model.presets.GenSettings`) take their worked
examples, temperature and token limit from it too. Changing the default is a change to this table, and
tests/test_model_defaults.py checks that every entry point follows it. The values are the row of the ablation in
docs/model_quality.md that meets the time limit (≤ 45 s median per first figure on 2 cores).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["DEFAULTS", "EXAMPLE_MODES", "Defaults"]

EXAMPLE_MODES = ("shot", "adapt")


@dataclass(frozen=True)
class Defaults:
    """Model, adapter, prompting, best-of-N and repair settings every entry point starts from."""

    preset: str = "qwen2.5-coder-0.5b"  # model/presets.py name of the default model
    adapter: bool = False  # use the preset's trained adapter when it exists (False: the base model alone)
    examples: int = 1  # worked examples retrieved from model/examples before a first-figure request
    # "shot": the examples show good answers to other requests; "adapt": the request asks for the (last) example's
    # program changed to fit it
    example_mode: str = "adapt"
    request_checks: bool = False  # checks derived from the request rank candidates and start repair rounds
    samples: int = 1  # candidates sampled per answer; the best is kept (best-of-N)
    repair_rounds: int = 2  # repair attempts when a figure fails to render (or misses the request's checks)
    temperature: float = 0.7
    max_new_tokens: int = 1024

    def __post_init__(self) -> None:
        if not 0 <= self.examples <= 4:
            raise ValueError(f"examples must be between 0 and 4, not {self.examples}")
        if self.example_mode not in EXAMPLE_MODES:
            raise ValueError(f"example_mode must be one of {', '.join(EXAMPLE_MODES)}, not {self.example_mode!r}")
        if self.samples < 1 or self.repair_rounds < 0 or self.max_new_tokens < 1:
            raise ValueError("samples and max_new_tokens must be >= 1 and repair_rounds >= 0")

    def adapter_arg(self) -> bool | None:
        """`model.load(adapter=…)` for the default adapter choice: None picks the preset's, False none."""
        return None if self.adapter else False


DEFAULTS = Defaults()
