"""Configuration dataclasses of `train.py`, parsed from a YAML recipe plus command-line flags."""
from __future__ import annotations

import dataclasses
import json
import logging
from dataclasses import dataclass, field
from typing import Any, Sequence

from transformers import TrainingArguments

__all__ = ["ModelArguments", "DataArguments", "TrainConfig", "parse_args", "config_dict", "TrainingError"]

log = logging.getLogger(__name__)

# Attention and MLP projections of Qwen2 / Qwen2.5 (and most Llama-style) decoders.
DEFAULT_TARGET_MODULES = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]
ROW_KINDS = ("figure", "edit", "annotation_edit", "sketch")


class TrainingError(ValueError):
    """A configuration or data problem a user can fix; the message says how."""


@dataclass
class ModelArguments:
    """Which base model to tune and how to attach LoRA to it."""

    model_name_or_path: str = field(
        default="qwen2.5-coder-0.5b",
        metadata={"help": "model/ preset name (e.g. qwen2.5-coder-0.5b), hub id or local directory of the base model"},
    )
    base_model_id: str | None = field(
        default=None,
        metadata={"help": "id written into the adapter config and card as its base (default: the resolved base)"},
    )
    vision: bool | None = field(
        default=None, metadata={"help": "train the image+text→code variant (default: decided by the model's config)"}
    )
    dtype: str = field(
        default="auto",
        metadata={"help": "weights dtype: auto (bf16 on CUDA, fp32 on CPU), float32, bfloat16 or float16",
                  "choices": ["auto", "float32", "bfloat16", "float16"]},
    )
    attn_implementation: str | None = field(
        default=None, metadata={"help": "attention kernel: sdpa, eager, flash_attention_2 (default: transformers' pick)"}
    )
    load_in_4bit: bool = field(
        default=False, metadata={"help": "QLoRA: load the base in 4 bits with bitsandbytes (needs a CUDA GPU)"}
    )
    bnb_4bit_quant_type: str = field(default="nf4", metadata={"help": "4-bit data type", "choices": ["nf4", "fp4"]})
    bnb_4bit_use_double_quant: bool = field(
        default=True, metadata={"help": "also quantise the quantisation constants (saves ≈0.4 bit per weight)"}
    )
    bnb_4bit_compute_dtype: str = field(
        default="bfloat16", metadata={"help": "dtype of the 4-bit matmuls", "choices": ["bfloat16", "float16", "float32"]}
    )
    lora_r: int = field(default=16, metadata={"help": "LoRA rank"})
    lora_alpha: int = field(default=32, metadata={"help": "LoRA scaling numerator (scale = alpha / r)"})
    lora_dropout: float = field(default=0.05, metadata={"help": "dropout on the LoRA input"})
    lora_target_modules: list[str] = field(
        default_factory=lambda: list(DEFAULT_TARGET_MODULES),
        metadata={"help": "module names that get LoRA (vision models: only those of the language model)"},
    )
    lora_last_layers: int | None = field(
        default=None,
        metadata={"help": "LoRA only in the last N decoder layers: gradients stop there, so the layers below "
                          "cost a forward pass only"},
    )

    def __post_init__(self) -> None:
        if self.lora_last_layers is not None and self.lora_last_layers <= 0:
            raise TrainingError(f"lora_last_layers must be positive, got {self.lora_last_layers}")
        if self.lora_r <= 0 or self.lora_alpha <= 0:
            raise TrainingError(f"lora_r and lora_alpha must be positive, got r={self.lora_r} alpha={self.lora_alpha}")
        if not 0.0 <= self.lora_dropout < 1.0:
            raise TrainingError(f"lora_dropout must be in [0, 1), got {self.lora_dropout}")
        if not self.lora_target_modules:
            raise TrainingError("lora_target_modules is empty: name at least one module (e.g. q_proj)")


@dataclass
class DataArguments:
    """Where the rows come from and how they become token sequences."""

    dataset_path: str | None = field(
        default=None,
        metadata={"help": "saved dataset from `python -m dataset` (dir with hf/, parquet file/dir or jsonl)"},
    )
    synth_rows: int = field(
        default=0, metadata={"help": "instead of dataset_path: make this many rows in-process with dataset.synth"}
    )
    synth_seed: int = field(default=0, metadata={"help": "seed for synth_rows"})
    library_rows: bool = field(
        default=False,
        metadata={"help": "also train on the worked-examples library (model/examples): each example's English and "
                          "Japanese first figure and its verified edit turns (dataset/library.py; renders them)"},
    )
    max_code_lines: int | None = field(
        default=None,
        metadata={"help": "drop rows whose program (answer) is longer than this many lines: readable programs "
                          "like the library's (at most 70 lines)"},
    )
    train_split: str = field(default="train", metadata={"help": "split to train on"})
    eval_split: str = field(default="test", metadata={"help": "held-out split for eval loss (made if missing)"})
    eval_fraction: float = field(
        default=0.05, metadata={"help": "share of figure groups held out when the dataset has no eval split"}
    )
    max_train_rows: int | None = field(default=None, metadata={"help": "train on at most this many examples (rows that fit)"})
    max_eval_rows: int | None = field(default=200, metadata={"help": "evaluate on at most this many examples (rows that fit)"})
    kinds: list[str] = field(
        default_factory=list,
        metadata={"help": "row kinds to train (default: every kind the model can use; `sketch` needs vision)"},
    )
    max_seq_length: int = field(default=2048, metadata={"help": "tokens per example (prompt + answer)"})
    overlong: str = field(
        default="truncate",
        metadata={"help": "rows longer than max_seq_length: truncate the answer's end, or drop the row",
                  "choices": ["truncate", "drop"]},
    )
    image_max_pixels: int = field(
        default=448 * 448, metadata={"help": "vision: images are resized to at most this many pixels"}
    )

    def __post_init__(self) -> None:
        if not self.dataset_path and self.synth_rows <= 0 and not self.library_rows:
            raise TrainingError("no data: set dataset_path (a saved dataset), synth_rows > 0 or library_rows")
        if self.max_code_lines is not None and self.max_code_lines < 1:
            raise TrainingError(f"max_code_lines must be at least 1, got {self.max_code_lines}")
        if self.dataset_path and self.synth_rows > 0:
            raise TrainingError("set either dataset_path or synth_rows, not both")
        if self.max_seq_length < 16:
            raise TrainingError(f"max_seq_length must be at least 16, got {self.max_seq_length}")
        if not 0.0 <= self.eval_fraction < 1.0:
            raise TrainingError(f"eval_fraction must be in [0, 1), got {self.eval_fraction}")
        unknown = [k for k in self.kinds if k not in ROW_KINDS]
        if unknown:
            raise TrainingError(f"unknown row kinds {unknown}; known: {list(ROW_KINDS)}")


@dataclass
class TrainConfig(TrainingArguments):
    """`transformers.TrainingArguments` plus where the adapter goes and a wall-clock budget."""

    adapter_dir: str | None = field(
        default=None, metadata={"help": "where the final adapter and its card are saved (default: OUTPUT_DIR/adapter)"}
    )
    max_train_minutes: float | None = field(
        default=None, metadata={"help": "stop training (and save) after this many minutes of wall time"}
    )
    hub_private: bool = field(default=True, metadata={"help": "with --push_to_hub: make the hub repo private"})

    def __post_init__(self) -> None:
        if self.output_dir is None:
            raise TrainingError("output_dir is required (checkpoints go there), e.g. --output_dir runs/my-run")
        # The Trainer would push every checkpoint; the adapter and its card are pushed once, at the end.
        self.push_adapter = bool(self.push_to_hub)
        self.push_to_hub = False
        import torch

        if not self.use_cpu and not torch.cuda.is_available() and not torch.backends.mps.is_available():
            # No accelerator: say so up front instead of failing later on bf16 / device checks.
            log.info("no GPU visible: training on the CPU")
            self.use_cpu = True
        super().__post_init__()
        if self.push_adapter and not self.hub_model_id:
            raise TrainingError("--push_to_hub needs --hub_model_id USER/NAME")
        if self.adapter_dir is None:
            self.adapter_dir = f"{self.output_dir.rstrip('/')}/adapter"


def parse_args(argv: Sequence[str] | None = None) -> tuple[ModelArguments, DataArguments, TrainConfig]:
    """Parse `--config recipe.yaml` plus flags (flags win); unknown keys or flags are errors."""
    from trl import TrlParser

    parser = TrlParser((ModelArguments, DataArguments, TrainConfig))
    argv = list(argv) if argv is not None else None
    try:
        model_args, data_args, train_args = parser.parse_args_and_config(argv, fail_with_unknown_args=True)
    except SystemExit as e:  # argparse exits on bad flags; turn that into an exception (but let --help exit)
        if e.code in (0, None):
            raise
        raise TrainingError(f"bad command line (see the message above; run with --help): exit {e.code}") from None
    return model_args, data_args, train_args


def config_dict(*configs: Any) -> dict[str, Any]:
    """The parsed configuration as one JSON-friendly dict (for logs, the card and the run directory)."""
    out: dict[str, Any] = {}
    for cfg in configs:
        name = type(cfg).__name__
        if isinstance(cfg, TrainingArguments):
            d = cfg.to_dict()
            d["push_to_hub"] = getattr(cfg, "push_adapter", False)
        else:
            d = dataclasses.asdict(cfg)
        out[name] = json.loads(json.dumps(d, default=str))
    return out
