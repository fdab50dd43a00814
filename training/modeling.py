"""The base model for training: resolve presets through model/, load in 4 bits on CUDA (QLoRA), attach LoRA."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from .configs import ModelArguments, TrainingError

__all__ = ["LoadedBase", "resolve_base", "load_base", "add_lora", "is_vision_config"]

log = logging.getLogger(__name__)

_DTYPES = {"float32": torch.float32, "bfloat16": torch.bfloat16, "float16": torch.float16}


@dataclass
class LoadedBase:
    """A trainable base model, its tokenizer (or processor for vision) and where it came from."""

    model: Any
    tokenizer: Any  # a tokenizer; for vision models the processor (its `.tokenizer` is the tokenizer)
    path: str  # what from_pretrained read
    base_id: str  # what the card and adapter config name as the base
    vision: bool


def resolve_base(name_or_path: str) -> tuple[str, str]:
    """(path to load, public id) for a model/ preset name, a local directory or a hub id."""
    from model.presets import get_preset

    if Path(name_or_path).exists():
        return name_or_path, name_or_path
    preset = get_preset(name_or_path)
    if preset is None:
        return name_or_path, name_or_path
    if preset.embedded:
        from model.embedded import EMBEDDED_SPECS, ensure_embedded_model

        # The embedded models ship inside the installed packages; model/ converts them once and caches them.
        return str(ensure_embedded_model(EMBEDDED_SPECS[preset.name])), preset.model
    return preset.model, preset.model


def is_vision_config(config: Any) -> bool:
    """True for image+text models (Qwen2-VL, Qwen2.5-VL and other configs with a vision tower)."""
    return getattr(config, "vision_config", None) is not None


def _dtype(args: ModelArguments) -> torch.dtype:
    if args.dtype == "auto":
        return torch.bfloat16 if torch.cuda.is_available() else torch.float32
    return _DTYPES[args.dtype]


def _quantization_config(args: ModelArguments) -> Any:
    """bitsandbytes 4-bit config (nf4, double quantisation) or a clear error when it cannot work here."""
    if not torch.cuda.is_available():
        raise TrainingError("load_in_4bit (QLoRA) needs a CUDA GPU and none is visible. On a CPU train plain LoRA: "
                            "--load_in_4bit false (see recipes/qwen2.5-coder-0.5b-cpu.yaml).")
    try:
        import bitsandbytes  # noqa: F401
    except ImportError:
        raise TrainingError("load_in_4bit needs bitsandbytes: pip install bitsandbytes") from None
    from transformers import BitsAndBytesConfig

    return BitsAndBytesConfig(
        load_in_4bit=True, bnb_4bit_quant_type=args.bnb_4bit_quant_type,
        bnb_4bit_use_double_quant=args.bnb_4bit_use_double_quant,
        bnb_4bit_compute_dtype=_DTYPES[args.bnb_4bit_compute_dtype],
    )


def load_base(args: ModelArguments, gradient_checkpointing: bool = False) -> LoadedBase:
    """Load the base model and tokenizer/processor for training."""
    from transformers import AutoConfig, AutoProcessor, AutoTokenizer

    quant = _quantization_config(args) if args.load_in_4bit else None
    path, base_id = resolve_base(args.model_name_or_path)
    try:
        config = AutoConfig.from_pretrained(path)
    except (OSError, ValueError) as e:
        raise TrainingError(f"cannot read a model config from {args.model_name_or_path!r}: {e}") from None
    vision = is_vision_config(config) if args.vision is None else args.vision
    if vision and not is_vision_config(config):
        raise TrainingError(f"vision: true but {args.model_name_or_path} has no vision tower")
    kwargs: dict[str, Any] = {"dtype": _dtype(args)}
    if args.attn_implementation:
        kwargs["attn_implementation"] = args.attn_implementation
    if quant is not None:
        from accelerate import PartialState

        kwargs["quantization_config"] = quant
        # One full copy per process under `accelerate launch`: each rank keeps its weights on its own GPU.
        kwargs["device_map"] = {"": PartialState().local_process_index}
    if vision:
        from transformers import AutoModelForImageTextToText

        try:
            tokenizer = AutoProcessor.from_pretrained(path)
        except (ImportError, AttributeError, ValueError, TypeError) as e:
            # transformers builds Qwen-VL processors with a video processor, which needs torchvision.
            raise TrainingError(f"cannot build the processor of {args.model_name_or_path} ({e}); vision "
                                "processors need torchvision: pip install torchvision matching your torch") from None
        model = AutoModelForImageTextToText.from_pretrained(path, **kwargs)
    else:
        from transformers import AutoModelForCausalLM

        model = AutoModelForCausalLM.from_pretrained(path, **kwargs)
        tokenizer = AutoTokenizer.from_pretrained(path)
    tok = getattr(tokenizer, "tokenizer", tokenizer)
    if tok.pad_token_id is None:
        tok.pad_token = tok.eos_token
    if not getattr(tok, "chat_template", None) and not getattr(tokenizer, "chat_template", None):
        raise TrainingError(f"{args.model_name_or_path} has no chat template; train from an instruct/chat model")
    model.config.use_cache = False  # the KV cache only costs memory while training
    if quant is not None:
        from peft import prepare_model_for_kbit_training

        model = prepare_model_for_kbit_training(
            model, use_gradient_checkpointing=gradient_checkpointing,
            gradient_checkpointing_kwargs={"use_reentrant": False},
        )
    elif gradient_checkpointing:
        # With frozen embeddings the checkpointed blocks would see no input that requires grad.
        model.enable_input_require_grads()
    log.info("base %s (%s) loaded: %s parameters, dtype %s, 4-bit %s, vision %s", base_id, path,
             f"{sum(p.numel() for p in model.parameters()):,}", kwargs["dtype"], quant is not None, vision)
    return LoadedBase(model=model, tokenizer=tokenizer, path=path, base_id=args.base_model_id or base_id,
                      vision=vision)


def add_lora(base: LoadedBase, args: ModelArguments) -> Any:
    """Wrap the model with a trainable LoRA adapter (the language model only, for vision models)."""
    from peft import LoraConfig, get_peft_model

    cfg = LoraConfig(
        r=args.lora_r, lora_alpha=args.lora_alpha, lora_dropout=args.lora_dropout,
        target_modules=list(args.lora_target_modules), task_type="CAUSAL_LM", bias="none",
        # The vision tower's MLP reuses names like gate_proj; keep it frozen and adapter-free.
        exclude_modules=r".*(visual|vision_tower|vision_model).*" if base.vision else None,
    )
    if args.lora_last_layers:
        text_cfg = getattr(base.model.config, "text_config", None) or base.model.config
        n = int(text_cfg.num_hidden_layers)
        # Gradients never flow below the lowest adapted layer, so the frozen layers under it cost a forward only.
        cfg.layers_to_transform = list(range(max(0, n - args.lora_last_layers), n))
        cfg.layers_pattern = "layers"
    model = get_peft_model(base.model, cfg)
    # Checkpoints name the local weights: PEFT's save looks the base config up there, where a public id would send
    # it to the hub on every checkpoint. save_adapter names the public id in the final adapter.
    model.peft_config["default"].base_model_name_or_path = str(base.path)
    trainable, total = model.get_nb_trainable_parameters()
    log.info("LoRA r=%d alpha=%d on %s: %s trainable of %s parameters (%.2f%%)", args.lora_r, args.lora_alpha,
             ",".join(args.lora_target_modules), f"{trainable:,}", f"{total:,}", 100 * trainable / total)
    return model
