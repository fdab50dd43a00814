"""Fixtures for the eval tests: a tiny CLIP saved to disk, fake render results, a fake generator."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

WORDS = ["a", "an", "the", "three", "layer", "neural", "network", "bar", "chart", "with", "five", "bars", "circle",
         "red", "blue", "diagram", "of", "cnn", "skip", "connection", "mlp", "figure", "plot", "axes", "labels"]


def save_tiny_clip(path: Path, seed: int = 0, image_size: int = 32) -> Path:
    """A CLIP with a few thousand random (seeded) weights, its word-level tokenizer and PIL image processor."""
    import torch
    from tokenizers import Tokenizer, models, pre_tokenizers, processors
    from transformers import CLIPConfig, CLIPModel, PreTrainedTokenizerFast
    from transformers.models.clip.image_processing_pil_clip import CLIPImageProcessorPil

    specials = ["<pad>", "<unk>", "<bos>", "<eos>"]
    vocab = {w: i for i, w in enumerate(specials + WORDS)}
    tok = Tokenizer(models.WordLevel(vocab=vocab, unk_token="<unk>"))
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    tok.post_processor = processors.TemplateProcessing(
        single="<bos> $A <eos>", special_tokens=[("<bos>", vocab["<bos>"]), ("<eos>", vocab["<eos>"])])
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, pad_token="<pad>", unk_token="<unk>", bos_token="<bos>",
                                   eos_token="<eos>", model_max_length=16)
    cfg = CLIPConfig(
        text_config=dict(vocab_size=len(vocab), hidden_size=16, intermediate_size=32, num_hidden_layers=1,
                         num_attention_heads=2, max_position_embeddings=16, pad_token_id=0,
                         bos_token_id=vocab["<bos>"], eos_token_id=vocab["<eos>"]),
        vision_config=dict(hidden_size=16, intermediate_size=32, num_hidden_layers=1, num_attention_heads=2,
                           image_size=image_size, patch_size=8),
        projection_dim=8)
    torch.manual_seed(seed)
    model = CLIPModel(cfg).eval()
    path.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(path)
    fast.save_pretrained(path)
    CLIPImageProcessorPil(size={"shortest_edge": image_size},
                          crop_size={"height": image_size, "width": image_size}).save_pretrained(path)
    return path


@dataclass
class FakeResult:
    """Stands in for render.RenderResult where a test needs no browser."""

    status: str
    image: Any = None
    error: str | None = None
    line: int | None = None
    trace: list = field(default_factory=list)
    png: bytes | None = None

    @property
    def ok(self) -> bool:
        return self.status == "ok"


@dataclass
class FakeCall:
    """Stands in for render.DrawCall."""

    fn: str
    kind: str
    bbox: tuple[float, float, float, float]
    text: str | None = None
    line: int | None = None
    args: list = field(default_factory=list)


PROGRAM = [  # the one program the bigram model writes, one token per chunk
    "```javascript\n", "function setup() {\n", "  createCanvas(200, 200);\n", "  background(255);\n",
    "  fill(200, 30, 30);\n", "  circle(100, 100, 80);\n", "  fill(0);\n", "  text('MLP', 20, 30);\n", "}\n",
    "```",
]


def save_bigram_qwen(path: Path) -> Path:
    """A tiny Qwen2 that always answers with PROGRAM.

    Attention and MLP write nothing, so the next token depends only on the current one; lm_head maps the prompt's
    last token (the newline after 'assistant') → first chunk → … → last chunk → <|im_end|>. The tokenizer is
    byte-level BPE without merges (one token per byte) plus the chunks as added tokens.
    """
    import torch
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast, Qwen2Config, Qwen2ForCausalLM

    alphabet = pre_tokenizers.ByteLevel.alphabet()
    vocab = {ch: i for i, ch in enumerate(sorted(alphabet))}
    tok = Tokenizer(models.BPE(vocab=vocab, merges=[]))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    tok.add_special_tokens(["<|endoftext|>", "<|im_start|>", "<|im_end|>"])
    tok.add_tokens(PROGRAM)
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, eos_token="<|im_end|>", pad_token="<|endoftext|>")
    fast.chat_template = ("{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n"
                          "{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}")
    vocab_size = len(fast)
    hidden = -(-vocab_size // 4) * 4  # head_dim (hidden / 2 heads) must be even for rotary embeddings
    cfg = Qwen2Config(vocab_size=vocab_size, hidden_size=hidden, intermediate_size=16, num_hidden_layers=1,
                      num_attention_heads=2, num_key_value_heads=1, max_position_embeddings=4096,
                      tie_word_embeddings=False, eos_token_id=fast.convert_tokens_to_ids("<|im_end|>"),
                      pad_token_id=fast.pad_token_id, bos_token_id=None)
    model = Qwen2ForCausalLM(cfg)
    newline = fast.convert_tokens_to_ids(pre_tokenizers.ByteLevel(add_prefix_space=False).pre_tokenize_str("\n")[0][0])
    ids = [newline] + [fast.convert_tokens_to_ids(t) for t in PROGRAM] + [cfg.eos_token_id]
    with torch.no_grad():
        model.model.embed_tokens.weight.copy_(torch.eye(vocab_size, hidden))  # one-hot token embeddings
        for layer in model.model.layers:
            layer.self_attn.o_proj.weight.zero_()
            layer.mlp.down_proj.weight.zero_()
        head = torch.zeros(vocab_size, hidden)
        for a, b in zip(ids, ids[1:]):
            head[b, a] = 10.0  # after RMSNorm a one-hot has height sqrt(hidden): a wide logit margin
        for t in range(vocab_size):
            if t not in ids[:-1]:
                head[ids[-1], t] = 10.0  # anything else ends the reply
        model.lm_head.weight.copy_(head)
    path.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(path)
    fast.save_pretrained(path)
    return path
