"""Dataset rows → chat examples → token ids with the loss on the answer only; counts rows cut by max_seq_length."""
from __future__ import annotations

import logging
import math
from dataclasses import asdict, dataclass, field
from typing import Any, Callable, Sequence

import torch

from .configs import DataArguments, TrainingError

__all__ = [
    "IGNORE_INDEX", "TokenStats", "row_messages", "row_request", "encode_row", "encode_rows", "load_splits",
    "select_rows", "AnswerOnlyCollator",
]

log = logging.getLogger(__name__)

IGNORE_INDEX = -100  # label value the loss skips (prompt and padding)


@dataclass
class TokenStats:
    """What happened to the rows on their way to token sequences (reported in logs and the model card)."""

    rows: int = 0  # rows offered
    kept: int = 0  # examples that train
    truncated: int = 0  # longer than max_seq_length (kept with the answer's end cut, or dropped)
    dropped_overlong: int = 0  # dropped because of `overlong: drop`
    prompt_too_long: int = 0  # the prompt alone fills max_seq_length: no answer token left, dropped
    used: int = 0  # examples actually used after max_train_rows / max_eval_rows
    lengths: list[int] = field(default_factory=list, repr=False)  # full lengths before truncation

    def summary(self) -> dict[str, Any]:
        """Counts plus length percentiles, JSON-friendly."""
        d = {k: v for k, v in asdict(self).items() if k != "lengths"}
        d["truncated_fraction"] = round(self.truncated / self.rows, 4) if self.rows else 0.0
        if self.lengths:
            s = sorted(self.lengths)
            d["tokens_mean"] = round(sum(s) / len(s), 1)
            d["tokens_p50"] = s[len(s) // 2]
            d["tokens_p95"] = s[min(len(s) - 1, math.ceil(0.95 * len(s)) - 1)]
            d["tokens_max"] = s[-1]
        return d


def row_request(row: dict[str, Any], images: list[Any] | None = None):
    """The model/ `Request` a row stands for (the same one inference builds)."""
    from model.prompts import Request

    return Request(
        instruction=row["instruction"], code=row.get("code_before") or None,
        lang=row.get("lang") or "p5", sketch_text=row.get("sketch_text") or None, images=list(images or []),
    )


def row_messages(row: dict[str, Any], vision: bool = False,
                 images: list[Any] | None = None) -> tuple[list[dict[str, Any]], str]:
    """(prompt messages, assistant answer text) for one row, through model/'s single prompt format."""
    from model.prompts import build_messages, format_answer

    messages = build_messages(row_request(row, images), vision=vision)
    return messages, format_answer(row["code"], row.get("lang") or "p5")


def _chat_text(tokenizer: Any, messages: list[dict[str, Any]], add_generation_prompt: bool) -> str:
    """The chat template applied as text (tokenised separately so prompt and answer split cleanly)."""
    text = tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=add_generation_prompt)
    if not isinstance(text, str):
        raise TrainingError("the tokenizer's chat template did not return text")
    return text


def encode_row(row: dict[str, Any], tokenizer: Any, max_len: int, overlong: str = "truncate",
               stats: TokenStats | None = None) -> dict[str, list[int]] | None:
    """`input_ids`/`labels` for one row (labels are IGNORE_INDEX on the prompt), or None if it must be dropped."""
    messages, answer = row_messages(row)
    prompt_text = _chat_text(tokenizer, messages, add_generation_prompt=True)
    full_text = _chat_text(tokenizer, messages + [{"role": "assistant", "content": answer}], False)
    if not full_text.startswith(prompt_text):
        raise TrainingError("the chat template renders the prompt differently once an answer follows; "
                            "answer-only loss needs a template whose generation prompt is a prefix")
    # Tokenise the two parts apart: the prompt ids are then exactly those inference feeds the model.
    prompt_ids = tokenizer(prompt_text, add_special_tokens=False)["input_ids"]
    answer_ids = tokenizer(full_text[len(prompt_text):], add_special_tokens=False)["input_ids"]
    return _finish(prompt_ids, answer_ids, max_len, overlong, stats)


def _finish(prompt_ids: list[int], answer_ids: list[int], max_len: int, overlong: str,
            stats: TokenStats | None) -> dict[str, list[int]] | None:
    """Apply the length policy to one example and update the counts."""
    stats = stats if stats is not None else TokenStats()
    stats.rows += 1
    total = len(prompt_ids) + len(answer_ids)
    stats.lengths.append(total)
    if total > max_len:
        stats.truncated += 1
        if len(prompt_ids) >= max_len:
            stats.prompt_too_long += 1
            return None
        if overlong == "drop":
            stats.dropped_overlong += 1
            return None
        answer_ids = answer_ids[: max_len - len(prompt_ids)]
    stats.kept += 1
    return {"input_ids": list(prompt_ids) + list(answer_ids),
            "labels": [IGNORE_INDEX] * len(prompt_ids) + list(answer_ids)}


def encode_rows(rows: Sequence[dict[str, Any]], encode: Callable[..., dict | None], max_len: int, overlong: str,
                desc: str = "tokenising") -> tuple[list[dict], TokenStats]:
    """Encode every row with `encode(row, max_len, overlong, stats)`; returns the kept examples and the counts."""
    from tqdm.auto import tqdm

    stats = TokenStats()
    out = []
    for row in tqdm(rows, desc=desc, disable=len(rows) < 200):
        ex = encode(row, max_len, overlong, stats)
        if ex is not None:
            out.append(ex)
    if stats.truncated:
        log.warning("%s: %d of %d rows are longer than max_seq_length=%d (%s); p95 length %s tokens",
                    desc, stats.truncated, stats.rows, max_len,
                    "answers cut" if overlong == "truncate" else "dropped", stats.summary().get("tokens_p95"))
    return out, stats


def load_splits(args: DataArguments) -> dict[str, list[dict[str, Any]]]:
    """Train and eval rows from a saved dataset or from dataset.synth; the eval split is made if missing."""
    from dataset import split_rows

    if args.synth_rows > 0:
        from dataset import make_rows

        splits = split_rows(make_rows(args.synth_rows, seed=args.synth_seed), test_fraction=args.eval_fraction,
                            seed=args.synth_seed)
        splits = {args.train_split: splits["train"], args.eval_split: splits["test"]}
    elif args.dataset_path:
        splits = _read_saved(args.dataset_path, args)
    else:
        splits = {args.train_split: []}
    if args.library_rows:
        from dataset.library import library_rows

        lib = library_rows()
        log.info("library: %d rows (%d first figures, %d edit turns)", len(lib),
                 sum(r["kind"] == "figure" for r in lib), sum(r["kind"] == "edit" for r in lib))
        splits[args.train_split] = list(splits.get(args.train_split) or []) + lib
    if args.max_code_lines is not None:
        from dataset.library import within_lines

        for name in list(splits):
            splits[name], dropped = within_lines(splits[name], args.max_code_lines)
            if dropped:
                log.info("%s: %d rows dropped, their programs are longer than %d lines", name, dropped,
                         args.max_code_lines)
    if args.train_split not in splits or not splits[args.train_split]:
        raise TrainingError(f"{args.dataset_path}: no rows in split {args.train_split!r} (has {sorted(splits)})")
    if not splits.get(args.eval_split) and args.eval_fraction > 0:
        held = split_rows(splits[args.train_split], test_fraction=args.eval_fraction, seed=0)
        log.info("no %r split: holding out %d of %d rows by figure group", args.eval_split, len(held["test"]),
                 len(splits[args.train_split]))
        splits[args.train_split], splits[args.eval_split] = held["train"], held["test"]
    return {"train": splits[args.train_split], "eval": splits.get(args.eval_split, [])}


def _read_saved(path: str | None, args: DataArguments) -> dict[str, list[dict[str, Any]]]:
    """Every split of a saved dataset (DatasetDict dir, parquet dir/file or jsonl)."""
    import json
    from pathlib import Path

    from dataset.io import load_rows

    p = Path(path or "")
    if not p.exists():
        raise TrainingError(f"dataset_path {path!r} does not exist (make one with `python -m dataset synth`)")
    hf = p / "hf" if (p / "hf").is_dir() else p
    if (hf / "dataset_dict.json").exists():
        names = json.loads((hf / "dataset_dict.json").read_text())["splits"]
        return {n: load_rows(hf, split=n) for n in names if n in (args.train_split, args.eval_split)}
    pq = p / "parquet" if (p / "parquet").is_dir() else p
    if pq.is_dir() and list(pq.glob("*.parquet")):
        return {f.stem: load_rows(f) for f in sorted(pq.glob("*.parquet"))
                if f.stem in (args.train_split, args.eval_split)}
    return {args.train_split: load_rows(p)}


def select_rows(rows: list[dict[str, Any]], kinds: Sequence[str], vision: bool, limit: int | None,
                name: str) -> list[dict[str, Any]]:
    """Rows of the wanted kinds that the model can learn from (sketch rows need an image and a vision model)."""
    wanted = set(kinds) if kinds else {"figure", "edit", "annotation_edit", "sketch"}
    if not vision:
        wanted.discard("sketch")
    out = [r for r in rows if r.get("kind", "figure") in wanted and (r.get("code") or "").strip()
           and (r.get("instruction") or "").strip()]
    if vision:
        out = [r for r in out if r.get("kind") != "sketch" or r.get("sketch_image") is not None]
    skipped = len(rows) - len(out)
    if skipped:
        log.info("%s: %d of %d rows skipped (kind not trained%s, or empty code/instruction)", name, skipped,
                 len(rows), "" if vision else "; sketch rows need a vision model")
    if limit is not None and len(out) > limit:
        out = out[:limit]
    return out


class AnswerOnlyCollator:
    """Right-pads `input_ids`/`labels` to the longest example of the batch and builds the attention mask."""

    def __init__(self, pad_token_id: int, pad_to_multiple_of: int | None = None):
        self.pad_token_id = pad_token_id
        self.pad_to_multiple_of = pad_to_multiple_of

    def __call__(self, examples: list[dict[str, Any]]) -> dict[str, torch.Tensor]:
        """Stack a batch; extra tensor keys (vision inputs) are concatenated along their first axis."""
        n = max(len(e["input_ids"]) for e in examples)
        if self.pad_to_multiple_of:
            n = -(-n // self.pad_to_multiple_of) * self.pad_to_multiple_of
        ids = torch.full((len(examples), n), self.pad_token_id, dtype=torch.long)
        labels = torch.full((len(examples), n), IGNORE_INDEX, dtype=torch.long)
        mask = torch.zeros((len(examples), n), dtype=torch.long)
        for i, e in enumerate(examples):
            k = len(e["input_ids"])
            ids[i, :k] = torch.as_tensor(e["input_ids"])
            labels[i, :k] = torch.as_tensor(e["labels"])
            mask[i, :k] = 1
        batch = {"input_ids": ids, "labels": labels, "attention_mask": mask}
        # Other per-token lists (e.g. Qwen-VL's mm_token_type_ids) pad with 0; rows without one are all text.
        per_token = sorted({k for e in examples for k, v in e.items() if isinstance(v, list)} - set(batch))
        for key in per_token:
            t = torch.zeros((len(examples), n), dtype=torch.long)
            for i, e in enumerate(examples):
                if key in e:
                    t[i, :len(e[key])] = torch.as_tensor(e[key])
            batch[key] = t
        # Image tensors: rows without an image have none, and Qwen-VL takes every image's patches in one stack.
        extra = sorted({k for e in examples for k, v in e.items() if isinstance(v, torch.Tensor)} - set(batch))
        for key in extra:
            batch[key] = torch.cat([e[key] for e in examples if key in e], dim=0)
        return batch
