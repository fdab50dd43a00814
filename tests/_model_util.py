"""Tiny models for the model/ tests: a byte-level BPE tokenizer, Qwen2 and Qwen2-VL with random weights, LoRA."""

from __future__ import annotations

import json
from pathlib import Path

SPECIALS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>", "<|vision_start|>", "<|vision_end|>",
            "<|image_pad|>", "<|video_pad|>"]

# ChatML with Qwen2-VL's image placeholder, so the same tokenizer serves the text and the vision model.
CHAT_TEMPLATE = (
    "{% for m in messages %}<|im_start|>{{ m['role'] }}\n"
    "{% if m['content'] is string %}{{ m['content'] }}{% else %}{% for c in m['content'] %}"
    "{% if c['type'] == 'image' %}<|vision_start|><|image_pad|><|vision_end|>"
    "{% elif c['type'] == 'text' %}{{ c['text'] }}{% endif %}{% endfor %}{% endif %}<|im_end|>\n"
    "{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)

CORPUS = [
    "function setup() { createCanvas(400, 400); background(255); noLoop(); }",
    "function draw() { fill(255, 0, 0); circle(200, 200, 50); rect(10, 10, 80, 40); line(0, 0, 100, 100); }",
    "```javascript\nlet x = 3;\n```",
    '<svg xmlns="http://www.w3.org/2000/svg" width="400" height="400"><circle cx="5" r="2"/></svg>',
    "Write a p5.js program for this request: draw a three layer neural network with arrows.",
    "3層のニューラルネットワークを図示せよ。入力層は4ユニット。",
    "The current code fails at line 3: ReferenceError: foo is not defined. Fix it.",
]


def make_tokenizer(out_dir: Path):
    """Train a small byte-level BPE tokenizer and save it as a transformers fast tokenizer."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=400, special_tokens=SPECIALS,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
    tok.train_from_iterator(CORPUS * 3, trainer)
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, eos_token="<|im_end|>", pad_token="<|endoftext|>",
                                   bos_token=None, unk_token=None)
    fast.chat_template = CHAT_TEMPLATE
    out_dir.mkdir(parents=True, exist_ok=True)
    fast.save_pretrained(out_dir)
    return fast


def make_qwen2(out_dir: Path, seed: int = 0):
    """A 2-layer Qwen2 causal LM with random weights and the test tokenizer, saved to out_dir."""
    import torch
    from transformers import Qwen2Config, Qwen2ForCausalLM

    tok = make_tokenizer(out_dir)
    torch.manual_seed(seed)
    cfg = Qwen2Config(vocab_size=len(tok), hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                      num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=2048,
                      eos_token_id=tok.eos_token_id, pad_token_id=tok.pad_token_id, tie_word_embeddings=True)
    model = Qwen2ForCausalLM(cfg)
    model.save_pretrained(out_dir)
    return out_dir


def make_lora(base_dir: Path, out_dir: Path, seed: int, scale: float = 0.5) -> Path:
    """A LoRA adapter for the tiny Qwen2 with random (non-zero) B so it changes the output."""
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    base = AutoModelForCausalLM.from_pretrained(base_dir)
    peft_model = get_peft_model(base, LoraConfig(r=4, lora_alpha=8, target_modules=["q_proj", "v_proj",
                                                                                    "down_proj"]))
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in peft_model.named_parameters():
            if "lora_B" in name:
                p.copy_(torch.randn(p.shape, generator=gen) * scale)
    peft_model.save_pretrained(out_dir)
    return out_dir


def make_qwen2_vl(out_dir: Path, seed: int = 0) -> Path:
    """A tiny Qwen2-VL with random weights, a PIL image processor and the test tokenizer."""
    import torch
    from transformers import Qwen2VLConfig, Qwen2VLForConditionalGeneration, Qwen2VLProcessor
    from transformers.models.qwen2_vl.image_processing_pil_qwen2_vl import Qwen2VLImageProcessorPil

    from model.vision import processor_without_video

    tok = make_tokenizer(out_dir)
    ids = {t: tok.convert_tokens_to_ids(t) for t in SPECIALS}
    torch.manual_seed(seed)
    cfg = Qwen2VLConfig(
        text_config=dict(vocab_size=len(tok), hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                         num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=2048, bos_token_id=None,
                         rope_scaling={"type": "mrope", "mrope_section": [1, 1, 2]},
                         eos_token_id=tok.eos_token_id, pad_token_id=tok.pad_token_id),
        vision_config=dict(depth=1, embed_dim=32, hidden_size=32, num_heads=2, mlp_ratio=2, patch_size=14,
                           spatial_merge_size=2, temporal_patch_size=2, in_channels=3),
        image_token_id=ids["<|image_pad|>"], video_token_id=ids["<|video_pad|>"],
        vision_start_token_id=ids["<|vision_start|>"], vision_end_token_id=ids["<|vision_end|>"],
        eos_token_id=tok.eos_token_id, pad_token_id=tok.pad_token_id, bos_token_id=None,
    )
    model = Qwen2VLForConditionalGeneration(cfg)
    model.save_pretrained(out_dir)
    image_processor = Qwen2VLImageProcessorPil(min_pixels=28 * 28, max_pixels=56 * 56)
    # Build the processor once to prove the parts fit; a processor with no video part cannot be saved whole,
    # so its parts are saved and the processor class is named for the loader.
    processor_without_video(Qwen2VLProcessor, image_processor=image_processor, tokenizer=tok,
                            chat_template=CHAT_TEMPLATE)
    image_processor.save_pretrained(out_dir)
    (out_dir / "processor_config.json").write_text(json.dumps({"processor_class": "Qwen2VLProcessor"}))
    return out_dir


def make_gguf(model_dir: Path, out_path: Path) -> Path:
    """Write the tiny Qwen2 (F32 tensors, byte-level BPE vocabulary) as a GGUF file."""
    import gguf
    from safetensors.numpy import load_file
    from transformers import AutoConfig

    cfg = AutoConfig.from_pretrained(model_dir)
    tok_json = json.loads((model_dir / "tokenizer.json").read_text())
    vocab = dict(tok_json["model"]["vocab"])
    for added in tok_json.get("added_tokens", []):
        vocab[added["content"]] = added["id"]
    tokens = [t for t, _ in sorted(vocab.items(), key=lambda kv: kv[1])]
    merges = [m if isinstance(m, str) else " ".join(m) for m in tok_json["model"]["merges"]]
    w = gguf.GGUFWriter(str(out_path), "qwen2")
    w.add_context_length(cfg.max_position_embeddings)
    w.add_embedding_length(cfg.hidden_size)
    w.add_block_count(cfg.num_hidden_layers)
    w.add_feed_forward_length(cfg.intermediate_size)
    w.add_head_count(cfg.num_attention_heads)
    w.add_head_count_kv(cfg.num_key_value_heads)
    w.add_rope_freq_base(float(cfg.rope_parameters["rope_theta"]))
    w.add_layer_norm_rms_eps(cfg.rms_norm_eps)
    w.add_vocab_size(len(tokens))
    w.add_tokenizer_model("gpt2")
    w.add_tokenizer_pre("qwen2")
    w.add_token_list(tokens)
    w.add_token_types([3 if t in SPECIALS else 1 for t in tokens])
    w.add_token_merges(merges)
    w.add_eos_token_id(vocab["<|im_end|>"])
    w.add_pad_token_id(vocab["<|endoftext|>"])
    w.add_chat_template(CHAT_TEMPLATE)
    names = gguf.get_tensor_name_map(gguf.MODEL_ARCH.QWEN2, cfg.num_hidden_layers)
    for hf_name, arr in load_file(model_dir / "model.safetensors").items():
        base, suffix = hf_name.rsplit(".", 1)
        w.add_tensor(f"{names.get_name(base)}.{suffix}", arr.astype("float32"))
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    return out_path
