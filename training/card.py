"""The adapter's model card (README.md with YAML front matter): base, data, recipe, metrics, command, machine."""
from __future__ import annotations

import dataclasses
import enum
import json
import os
import platform
from pathlib import Path
from typing import Any

import yaml

__all__ = ["machine_description", "write_card", "set_evaluation", "recipe_yaml", "EVAL_START", "EVAL_END"]

# The evaluation section sits between these markers so a later evaluation can replace it in place.
EVAL_START = "<!-- evaluation:start -->"
EVAL_END = "<!-- evaluation:end -->"


def machine_description() -> str:
    """One line naming the machine: CPU cores or GPU(s), OS, torch build."""
    import torch

    if torch.cuda.is_available():
        gpus = [torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())]
        dev = f"{len(gpus)} × {gpus[0]}"
    else:
        dev = f"CPU only, {os.cpu_count()} cores"
    return f"{dev}; {platform.system()} {platform.machine()}; Python {platform.python_version()}; torch {torch.__version__}"


def _table(d: dict[str, Any]) -> str:
    return "\n".join(f"| {k} | {v} |" for k, v in d.items())


def _training_defaults() -> dict[str, Any]:
    """TrainingArguments' declared defaults, read from its fields."""
    # Not by instantiating it: a second TrainingArguments sets up devices again, which resets accelerate's shared
    # distributed state and turns a torchrun / `accelerate launch` run into independent single-process runs.
    from transformers import TrainingArguments

    out: dict[str, Any] = {}
    for f in dataclasses.fields(TrainingArguments):
        if f.default is not dataclasses.MISSING:
            value = f.default
        elif f.default_factory is not dataclasses.MISSING:
            value = f.default_factory()
        else:
            continue
        out[f.name] = value.value if isinstance(value, enum.Enum) else value
    return out


def recipe_yaml(config: dict[str, Any]) -> str:
    """The parsed recipe, keeping only the settings that differ from the library defaults plus the key ones."""
    ref = _training_defaults()
    keep = {"output_dir", "learning_rate", "num_train_epochs", "max_steps", "per_device_train_batch_size",
            "gradient_accumulation_steps", "warmup_steps", "weight_decay", "optim", "lr_scheduler_type", "seed"}
    skip = {"logging_dir", "hub_token", "push_to_hub_token"}

    def differs(k: str, v: Any) -> bool:
        return k in ref and json.dumps(ref[k], default=str) != json.dumps(v, default=str)

    train = {k: v for k, v in config.get("TrainConfig", {}).items() if k not in skip and (k in keep or differs(k, v))}
    out = {"ModelArguments": config.get("ModelArguments", {}), "DataArguments": config.get("DataArguments", {}),
           "TrainConfig": train}
    return yaml.safe_dump(out, sort_keys=False, allow_unicode=True)


def write_card(adapter_dir: str | Path, *, base_id: str, config: dict[str, Any], data: dict[str, Any],
               metrics: dict[str, Any], command: str, wall_s: float, machine: str,
               evaluation_md: str | None = None, notes: str = "") -> Path:
    """Write README.md (and training_config.json, metrics.json) into the adapter directory."""
    adapter_dir = Path(adapter_dir)
    adapter_dir.mkdir(parents=True, exist_ok=True)
    m = config.get("ModelArguments", {})
    d = config.get("DataArguments", {})
    parts = [d["dataset_path"]] if d.get("dataset_path") else (
        [f"dataset.synth.make_rows({d.get('synth_rows')}, seed={d.get('synth_seed')})"] if d.get("synth_rows") else [])
    if d.get("library_rows"):
        parts.append("dataset.library.library_rows() (worked examples: first figures and verified edit turns)")
    source = " + ".join(f"`{part}`" for part in parts)
    if d.get("max_code_lines"):
        source += f", programs of at most {d['max_code_lines']} lines"
    front = {
        "base_model": base_id, "library_name": "peft", "license": "apache-2.0", "language": ["en", "ja"],
        "pipeline_tag": "text-generation",
        "tags": ["lora", "peft", "p5.js", "figures", "code-generation", "figure-assistant"],
    }
    wall = f"{wall_s / 60:.1f} min" if wall_s < 7200 else f"{wall_s / 3600:.2f} h"
    evaluation = evaluation_md or "Not measured for this adapter."
    layers = f" of the last {m['lora_last_layers']} decoder layers" if m.get("lora_last_layers") else ""
    text = f"""---
{yaml.safe_dump(front, sort_keys=False, allow_unicode=True).strip()}
---

# LoRA adapter for {base_id}: scientific figures as p5.js

A LoRA adapter (r={m.get('lora_r')}, alpha={m.get('lora_alpha')}, dropout={m.get('lora_dropout')}, on
{', '.join(m.get('lora_target_modules') or [])}{layers}) that teaches `{base_id}` the figure assistant's prompt format:
a figure request (English or Japanese), optionally the current p5.js program and a description of strokes drawn
on it, answered with one complete p5.js 1.x global-mode program in a fenced code block. Loss was computed on
the answer tokens only. {'4-bit nf4 base (QLoRA).' if m.get('load_in_4bit') else 'Full-precision base (plain LoRA).'}

```python
from model import load, Request
gen = load("{m.get('model_name_or_path')}", adapter={{"figures": "{adapter_dir.as_posix()}"}})
print(gen.generate(Request(instruction="A 3-layer MLP with 4, 5 and 2 nodes"), n=1)[0].code)
```

## Data

Source: {source} (splits `{d.get('train_split')}` / `{d.get('eval_split')}`), kinds:
{', '.join(d.get('kinds') or []) or 'every kind the model can use'}; max_seq_length {d.get('max_seq_length')},
rows over it: {d.get('overlong')}.

| split | rows | fit | used | over max_seq_length | tokens p50 | tokens p95 | tokens max |
|---|---|---|---|---|---|---|---|
""" + "\n".join(
        f"| {name} | {s.get('rows')} | {s.get('kept')} | {s.get('used')} | {s.get('truncated')} | {s.get('tokens_p50', '—')} | "
        f"{s.get('tokens_p95', '—')} | {s.get('tokens_max', '—')} |" for name, s in data.items()
    ) + f"""

## Training

Reproduce with:

```bash
{command}
```

Wall time {wall} on {machine}.

| metric | value |
|---|---|
{_table(metrics)}

{notes.strip()}

## Evaluation

{EVAL_START}
{evaluation.strip()}
{EVAL_END}

## Recipe (parsed configuration)

```yaml
{recipe_yaml(config).strip()}
```
"""
    (adapter_dir / "README.md").write_text(text, encoding="utf-8")
    (adapter_dir / "training_config.json").write_text(json.dumps(config, indent=1, default=str) + "\n")
    (adapter_dir / "metrics.json").write_text(json.dumps({"metrics": metrics, "data": data, "wall_s": wall_s,
                                                           "machine": machine, "command": command}, indent=1) + "\n")
    return adapter_dir / "README.md"


def set_evaluation(adapter_dir: str | Path, markdown: str) -> Path:
    """Replace the card's evaluation section (between the markers) with `markdown`."""
    path = Path(adapter_dir) / "README.md"
    text = path.read_text(encoding="utf-8")
    start, end = text.find(EVAL_START), text.find(EVAL_END)
    if start < 0 or end < start:
        raise ValueError(f"{path} has no evaluation markers ({EVAL_START} … {EVAL_END})")
    path.write_text(text[: start + len(EVAL_START)] + "\n" + markdown.strip() + "\n" + text[end:], encoding="utf-8")
    return path
