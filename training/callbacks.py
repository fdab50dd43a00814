"""Trainer callbacks: a wall-clock budget and a JSON-lines log of every logged metric."""
from __future__ import annotations

import json
import logging
import time
from pathlib import Path
from typing import Any

from transformers import TrainerCallback, TrainerControl, TrainerState, TrainingArguments

__all__ = ["TimeLimitCallback", "JsonlLogCallback"]

log = logging.getLogger(__name__)


class TimeLimitCallback(TrainerCallback):
    """Stops training (saving a checkpoint) once `minutes` of wall time have passed since training began."""

    def __init__(self, minutes: float):
        self.seconds = minutes * 60.0
        self.start: float | None = None
        self.stopped_at_step: int | None = None

    def on_train_begin(self, args: TrainingArguments, state: TrainerState, control: TrainerControl, **kw: Any):
        self.start = time.monotonic()

    def on_step_end(self, args: TrainingArguments, state: TrainerState, control: TrainerControl, **kw: Any):
        if self.start is not None and time.monotonic() - self.start >= self.seconds:
            log.warning("wall-clock budget of %.1f min reached at step %d of %d: stopping", self.seconds / 60,
                        state.global_step, state.max_steps)
            self.stopped_at_step = state.global_step
            control.should_training_stop = True
            control.should_save = True
        return control


class JsonlLogCallback(TrainerCallback):
    """Appends each log record (loss, lr, eval loss, …) with its step to `path` as one JSON line."""

    def __init__(self, path: str | Path):
        self.path = Path(path)

    def on_log(self, args: TrainingArguments, state: TrainerState, control: TrainerControl,
               logs: dict[str, Any] | None = None, **kw: Any):
        if not logs or not state.is_world_process_zero:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as f:
            f.write(json.dumps({"step": state.global_step, "epoch": state.epoch, **logs}) + "\n")
