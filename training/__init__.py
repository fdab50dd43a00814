"""LoRA / QLoRA fine-tuning of the figure model: configs, data, model loading, callbacks and the model card."""
from __future__ import annotations

from .configs import DataArguments, ModelArguments, TrainConfig, TrainingError, config_dict, parse_args
from .data import IGNORE_INDEX, AnswerOnlyCollator, TokenStats, encode_row, row_messages

__all__ = [
    "ModelArguments", "DataArguments", "TrainConfig", "TrainingError", "parse_args", "config_dict",
    "IGNORE_INDEX", "AnswerOnlyCollator", "TokenStats", "encode_row", "row_messages",
]
