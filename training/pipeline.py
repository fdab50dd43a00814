"""The steps `train.py` strings together: examples from rows, the Trainer, resuming, saving and pushing."""
from __future__ import annotations

import functools
import logging
import os
import shlex
import sys
from pathlib import Path
from typing import Any

from .callbacks import JsonlLogCallback, TimeLimitCallback
from .card import machine_description, write_card
from .configs import DataArguments, ModelArguments, TrainConfig, TrainingError
from .data import AnswerOnlyCollator, TokenStats, encode_row, encode_rows, load_splits, select_rows
from .modeling import LoadedBase

__all__ = ["build_examples", "make_trainer", "resolve_resume", "save_adapter", "launch_command"]

log = logging.getLogger(__name__)


def build_examples(base: LoadedBase, args: DataArguments) -> tuple[list[dict], list[dict], dict[str, TokenStats]]:
    """Tokenised train and eval examples plus what happened to the rows of each split."""
    splits = load_splits(args)
    if base.vision:
        from .vision import encode_vision_row

        enc = functools.partial(_vision_encode, processor=base.tokenizer, max_pixels=args.image_max_pixels,
                                fn=encode_vision_row)
    else:
        enc = functools.partial(_text_encode, tokenizer=base.tokenizer)
    out: dict[str, list[dict]] = {}
    stats: dict[str, TokenStats] = {}
    for name, limit in (("train", args.max_train_rows), ("eval", args.max_eval_rows)):
        rows = select_rows(splits[name], args.kinds, base.vision, None, name)
        examples, stats[name] = encode_rows(rows, enc, args.max_seq_length, args.overlong,
                                            desc=f"tokenising {name}")
        # The limit counts examples that fit, so over-long rows do not shrink a small eval set further.
        out[name] = examples[:limit] if limit is not None else examples
        stats[name].used = len(out[name])
        log.info("%s: %s; %d examples used", name, stats[name].summary(), len(out[name]))
    if not out["train"]:
        raise TrainingError(f"no training example left (max_seq_length={args.max_seq_length}, "
                            f"overlong={args.overlong}): {stats['train'].summary()}")
    return out["train"], out["eval"], stats


def _text_encode(row: dict, max_len: int, overlong: str, stats: TokenStats, tokenizer: Any) -> dict | None:
    return encode_row(row, tokenizer, max_len, overlong, stats)


def _vision_encode(row: dict, max_len: int, overlong: str, stats: TokenStats, processor: Any, max_pixels: int,
                   fn: Any) -> dict | None:
    return fn(row, processor, max_len, overlong, stats, max_pixels=max_pixels)


def make_trainer(model: Any, base: LoadedBase, train_args: TrainConfig, train_ex: list[dict],
                 eval_ex: list[dict]) -> Any:
    """A `transformers.Trainer` over the pre-tokenised examples with answer-only labels."""
    from transformers import Trainer

    tok = getattr(base.tokenizer, "tokenizer", base.tokenizer)
    callbacks = [JsonlLogCallback(Path(train_args.output_dir) / "log.jsonl")]
    if train_args.max_train_minutes:
        callbacks.append(TimeLimitCallback(train_args.max_train_minutes))
    # Examples are plain dicts the collator pads; there are no dataset columns to drop.
    train_args.remove_unused_columns = False
    return Trainer(
        model=model, args=train_args, train_dataset=train_ex, eval_dataset=eval_ex or None,
        data_collator=AnswerOnlyCollator(tok.pad_token_id), callbacks=callbacks,
    )


def resolve_resume(train_args: TrainConfig) -> str | None:
    """The checkpoint to resume from: `last` finds the newest one in output_dir, a path must exist."""
    from transformers.trainer_utils import get_last_checkpoint

    want = train_args.resume_from_checkpoint
    if not want:
        return None
    if want in ("last", "auto"):
        out = Path(train_args.output_dir)
        last = get_last_checkpoint(str(out)) if out.is_dir() else None
        if last is None:
            if want == "auto":
                log.info("no checkpoint in %s: starting fresh", out)
                return None
            raise TrainingError(f"resume_from_checkpoint=last but {out} holds no checkpoint-* directory")
        log.info("resuming from %s", last)
        return last
    if not Path(want).is_dir():
        raise TrainingError(f"resume_from_checkpoint: {want} is not a checkpoint directory")
    return want


def launch_command(argv: list[str] | None = None) -> str:
    """The command line that started this run, as one copyable shell line."""
    argv = list(sys.argv if argv is None else ["train.py", *argv])
    prefix = "accelerate launch " if int(os.environ.get("WORLD_SIZE", "1")) > 1 else "python "
    return prefix + " ".join(shlex.quote(a) for a in argv)


def save_adapter(trainer: Any, base: LoadedBase, train_args: TrainConfig, config: dict, stats: dict[str, TokenStats],
                 metrics: dict[str, Any], command: str, wall_s: float) -> Path | None:
    """Save the LoRA weights (safetensors) and the model card; push both when asked. Main process only."""
    if not trainer.is_world_process_zero():
        return None
    out = Path(train_args.adapter_dir)
    out.mkdir(parents=True, exist_ok=True)
    # model.load(..., adapter=PATH) and the hub read the base from here: name the public id, not a cache path.
    for peft_config in getattr(trainer.model, "peft_config", {}).values():
        peft_config.base_model_name_or_path = base.base_id
    # save_embedding_layers=False: the embeddings are not trained, and "auto" would ask the hub for the base config
    trainer.model.save_pretrained(str(out), safe_serialization=True, save_embedding_layers=False)
    data = {name: s.summary() for name, s in stats.items()}
    card = write_card(out, base_id=base.base_id, config=config, data=data, metrics=metrics, command=command,
                      wall_s=wall_s, machine=machine_description())
    size = sum(f.stat().st_size for f in out.iterdir() if f.is_file())
    log.info("adapter saved to %s (%.1f MB), card %s", out, size / 1e6, card)
    if getattr(train_args, "push_adapter", False):
        from huggingface_hub import HfApi

        api = HfApi()
        api.create_repo(train_args.hub_model_id, private=train_args.hub_private, exist_ok=True)
        api.upload_folder(folder_path=str(out), repo_id=train_args.hub_model_id,
                          commit_message=f"adapter trained with: {command}")
        log.info("pushed %s to the hub as %s", out, train_args.hub_model_id)
    return out

