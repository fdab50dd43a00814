"""Fine-tune a code LLM with LoRA (QLoRA on CUDA) to write p5.js figures, then save the adapter and its card.

    python train.py --config recipes/qwen2.5-coder-0.5b-cpu.yaml --dataset_path out/synth
    python train.py --config recipes/qwen2.5-coder-3b-qlora.yaml --dataset_path out/synth
    accelerate launch --num_processes 4 train.py --config recipes/qwen2.5-coder-3b-qlora.yaml --dataset_path out/synth

A YAML recipe gives the settings, flags override them (`--lora_r 32`), unknown keys are errors. See
docs/training.md.
"""
from __future__ import annotations

import json
import logging
import sys
import time


def main(argv: list[str] | None = None) -> int:
    """Parse the recipe, train, evaluate and save; returns the process exit code."""
    from training import TrainingError, config_dict, parse_args

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    log = logging.getLogger("train")
    try:
        model_args, data_args, train_args = parse_args(argv)
    except (TrainingError, ValueError) as e:
        log.error("%s", e)
        return 2
    from model.errors import ModelError
    from training.modeling import add_lora, load_base
    from training.pipeline import build_examples, launch_command, make_trainer, resolve_resume, save_adapter

    from training.card import recipe_yaml

    config = config_dict(model_args, data_args, train_args)
    log.info("configuration (training settings that differ from the defaults):\n%s", recipe_yaml(config))
    log.debug("full configuration:\n%s", json.dumps(config, indent=1, default=str))
    t0 = time.perf_counter()
    try:
        # Model
        base = load_base(model_args, gradient_checkpointing=bool(train_args.activation_checkpointing))
        model = add_lora(base, model_args)

        # Dataset
        train_ex, eval_ex, stats = build_examples(base, data_args)

        # Training
        eval_first, train_args.eval_on_start = train_args.eval_on_start, False  # evaluated here, not twice
        trainer = make_trainer(model, base, train_args, train_ex, eval_ex)
        resume = resolve_resume(train_args)
        metrics: dict = {}
        if eval_ex and eval_first and resume is None:
            metrics["eval_loss_before"] = round(trainer.evaluate()["eval_loss"], 4)
        result = trainer.train(resume_from_checkpoint=resume)
        metrics.update(steps=trainer.state.global_step, train_loss=round(result.training_loss, 4),
                       train_runtime_s=round(result.metrics.get("train_runtime", 0.0), 1),
                       train_examples=stats["train"].used, truncated_train_rows=stats["train"].truncated)
        if eval_ex:
            metrics["eval_loss"] = round(trainer.evaluate()["eval_loss"], 4)
        log.info("metrics: %s", metrics)

        # Save
        save_adapter(trainer, base, train_args, config, stats, metrics, launch_command(argv),
                     wall_s=time.perf_counter() - t0)
    except (TrainingError, ModelError) as e:
        log.error("%s", e)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
