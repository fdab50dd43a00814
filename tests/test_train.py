"""train.py and training/: recipes, answer-only examples, truncation counts, a few real steps, resume, vision."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _train_util import CHATML, save_tiny_causal_lm, tiny_tokenizer  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import train  # noqa: E402
from training import IGNORE_INDEX, TokenStats, TrainingError, encode_row, parse_args  # noqa: E402
from training.data import AnswerOnlyCollator, row_messages  # noqa: E402


@pytest.fixture(scope="module")
def tiny_dir(tmp_path_factory) -> Path:
    """A tiny random Qwen2 with a ChatML tokenizer, saved like a hub checkpoint."""
    return save_tiny_causal_lm(tmp_path_factory.mktemp("tiny") / "model")


@pytest.fixture(scope="module")
def tok(tiny_dir):
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(tiny_dir)


def _common(tiny_dir: Path, out: Path, *extra: str) -> list[str]:
    """Flags for a short CPU run on the tiny model and in-process synthetic rows."""
    return ["--model_name_or_path", str(tiny_dir), "--synth_rows", "24", "--synth_seed", "3",
            "--eval_fraction", "0.3", "--max_seq_length", "1024", "--output_dir", str(out), "--use_cpu", "true",
            "--per_device_train_batch_size", "2", "--lora_r", "8", "--lora_alpha", "16", "--logging_steps", "1",
            "--report_to", "none", "--dataloader_num_workers", "0", "--save_strategy", "steps", *extra]


# --- configuration ---------------------------------------------------------------------------------------------

def test_research_recipe_parses_to_the_research_values():
    m, d, t = parse_args(["--config", str(ROOT / "recipes/qwen2.5-coder-3b-qlora.yaml"), "--dataset_path", "x"])
    assert m.model_name_or_path == "Qwen/Qwen2.5-Coder-3B"
    assert d.max_seq_length == 2048
    assert (m.load_in_4bit, m.bnb_4bit_quant_type, m.bnb_4bit_use_double_quant, m.bnb_4bit_compute_dtype) == \
        (True, "nf4", True, "bfloat16")
    assert (m.lora_r, m.lora_alpha, m.lora_dropout) == (64, 128, 0.05)
    assert (t.per_device_train_batch_size, t.gradient_accumulation_steps) == (2, 4)
    assert t.num_train_epochs == 3 and t.max_steps == -1
    assert t.learning_rate == 2e-4 and t.weight_decay == 0.01 and t.warmup_steps == 100
    assert str(getattr(t.optim, "value", t.optim)) == "adamw_torch"
    assert str(getattr(t.lr_scheduler_type, "value", t.lr_scheduler_type)) == "cosine"


@pytest.mark.parametrize("recipe", sorted(p.name for p in (ROOT / "recipes").glob("*.yaml")))
def test_every_recipe_parses(recipe):
    m, d, t = parse_args(["--config", str(ROOT / "recipes" / recipe), "--dataset_path", "x"])
    assert t.output_dir and m.lora_r > 0 and d.max_seq_length >= 512


def test_library_rows_join_the_training_split_and_long_programs_are_dropped(monkeypatch, tmp_path):
    import dataset.library
    from dataset.schema import empty_row
    from training.data import load_splits

    def row(i: int, lines: int) -> dict:
        return dict(empty_row(), id=f"library-ex{i}", source="library", instruction=f"figure {i}",
                    code="line();\n" * lines, params=json.dumps({"example": f"ex{i}"}))

    library = [row(i, 20 + i) for i in range(10)] + [row(10, 71)]  # the last program is over the 70 lines
    monkeypatch.setattr(dataset.library, "library_rows", lambda: list(library))
    flags = ["--config", str(ROOT / "recipes/qwen2.5-coder-0.5b-library.yaml"), "--output_dir", str(tmp_path)]
    _, d, _ = parse_args(flags)  # the library alone is enough data
    assert d.library_rows and d.max_code_lines == 70 and not d.dataset_path
    splits = load_splits(d)
    ids = sorted(r["id"] for rows in splits.values() for r in rows)
    assert ids == sorted(f"library-ex{i}" for i in range(10)) and splits["train"]
    _, d, _ = parse_args(flags + ["--synth_rows", "12"])
    splits = load_splits(d)
    assert sum(r["source"] == "library" for r in splits["train"]) == 10
    assert sum(r["source"] == "synth" for rows in splits.values() for r in rows) >= 1
    with pytest.raises(TrainingError):
        parse_args(flags + ["--library_rows", "false"])  # no data at all


def test_the_card_says_the_rows_came_from_the_library(tmp_path):
    from training.card import write_card

    config = {"ModelArguments": {"lora_r": 8}, "DataArguments": {"dataset_path": "out/synth", "library_rows": True,
                                                                  "max_code_lines": 70}}
    write_card(tmp_path, base_id="tiny/qwen2", config=config, data={}, metrics={}, command="python train.py",
               wall_s=1.0, machine="test")
    card = (tmp_path / "README.md").read_text()
    assert "Source: `out/synth` + `dataset.library.library_rows()" in card
    assert "programs of at most 70 lines (splits" in card


def test_flags_override_the_recipe_and_unknown_keys_are_errors(tmp_path):
    recipe = ROOT / "recipes/qwen2.5-coder-3b-qlora.yaml"
    m, d, t = parse_args(["--config", str(recipe), "--dataset_path", "x", "--lora_r", "8",
                          "--max_seq_length", "512", "--learning_rate", "1e-3"])
    assert (m.lora_r, d.max_seq_length, t.learning_rate) == (8, 512, 1e-3)
    assert m.lora_alpha == 128  # untouched keys keep the recipe's value
    bad = tmp_path / "bad.yaml"
    bad.write_text(recipe.read_text() + "lora_rank: 8\n")
    with pytest.raises(ValueError, match="lora_rank"):
        parse_args(["--config", str(bad), "--dataset_path", "x"])
    with pytest.raises(ValueError, match="no_such_flag"):
        parse_args(["--config", str(recipe), "--dataset_path", "x", "--no_such_flag", "1"])
    with pytest.raises(TrainingError, match="no data"):
        parse_args(["--config", str(recipe)])


def test_help_lists_the_fields(capsys):
    with pytest.raises(SystemExit) as e:
        parse_args(["--help"])
    assert e.value.code == 0
    out = capsys.readouterr().out
    assert "--lora_last_layers" in out and "--max_seq_length" in out and "--learning_rate" in out


def test_bad_configuration_exits_with_a_message(caplog, tmp_path):
    assert train.main(["--output_dir", str(tmp_path), "--lora_r", "0", "--synth_rows", "4"]) == 2
    assert "lora_r" in caplog.text


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the message shown when no GPU is present")
def test_4bit_without_cuda_is_a_clear_error(caplog, tmp_path, tiny_dir):
    rc = train.main(_common(tiny_dir, tmp_path / "run", "--load_in_4bit", "true", "--max_steps", "1"))
    assert rc == 2
    assert "CUDA" in caplog.text and "load_in_4bit false" in caplog.text


# --- examples --------------------------------------------------------------------------------------------------

def _rows():
    from dataset import make_rows

    rows = make_rows(6, seed=5, edit_fraction=0.5)
    ann = dict(next(r for r in rows if r["kind"] == "edit"), kind="annotation_edit", id="ann-1",
               sketch_text="A red circle around the node at (120, 80); an arrow points right.")
    return rows + [ann]


def test_examples_put_the_loss_on_the_answer_only(tok):
    from model import Request, build_messages, format_answer

    rows = _rows()
    assert {r["kind"] for r in rows} >= {"figure", "edit", "annotation_edit"}
    for row in rows:
        ex = encode_row(row, tok, max_len=100_000)
        n_prompt = sum(1 for lab in ex["labels"] if lab == IGNORE_INDEX)
        # The prompt is exactly what inference sends for the same request.
        req = Request(row["instruction"], code=row["code_before"] or None, sketch_text=row["sketch_text"] or None)
        prompt = tok.apply_chat_template(build_messages(req), tokenize=False, add_generation_prompt=True)
        assert tok.decode(ex["input_ids"][:n_prompt]) == prompt
        assert all(lab == IGNORE_INDEX for lab in ex["labels"][:n_prompt])
        answer = tok.decode([t for t in ex["labels"] if t != IGNORE_INDEX])
        assert answer.startswith(format_answer(row["code"]))
        assert answer.rstrip().endswith("<|im_end|>")  # the model learns to stop
        if row["kind"] != "figure":
            assert row["code_before"].strip().splitlines()[0] in prompt
        if row["kind"] == "annotation_edit":
            assert "red circle around the node" in prompt


def test_truncation_is_counted_and_applied(tok):
    rows = _rows()
    full = [len(encode_row(r, tok, 100_000)["input_ids"]) for r in rows]
    prompts = [sum(1 for lab in encode_row(r, tok, 100_000)["labels"] if lab == IGNORE_INDEX) for r in rows]
    limit = sorted(full)[len(full) // 2]
    longer = sum(1 for n in full if n > limit)
    no_room = sum(1 for p, n in zip(prompts, full) if n > limit and p >= limit)

    stats = TokenStats()
    kept = [e for e in (encode_row(r, tok, limit, "truncate", stats) for r in rows) if e is not None]
    assert (stats.rows, stats.truncated, stats.prompt_too_long) == (len(rows), longer, no_room)
    assert stats.kept == len(kept) == len(rows) - no_room
    assert all(len(e["input_ids"]) <= limit for e in kept)
    assert stats.summary()["tokens_max"] == max(full)

    stats = TokenStats()
    kept = [e for e in (encode_row(r, tok, limit, "drop", stats) for r in rows) if e is not None]
    assert len(kept) == len(rows) - longer and stats.dropped_overlong == longer - no_room


def test_collator_pads_and_masks():
    batch = AnswerOnlyCollator(pad_token_id=0)([{"input_ids": [5, 6, 7], "labels": [IGNORE_INDEX, 6, 7]},
                                                {"input_ids": [8], "labels": [8]}])
    assert batch["input_ids"].tolist() == [[5, 6, 7], [8, 0, 0]]
    assert batch["labels"].tolist() == [[IGNORE_INDEX, 6, 7], [8, IGNORE_INDEX, IGNORE_INDEX]]
    assert batch["attention_mask"].tolist() == [[1, 1, 1], [1, 0, 0]]


# --- training ----------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def trained(tmp_path_factory, tiny_dir):
    """One short run: 16 steps on the tiny model, eval loss before and after, adapter saved."""
    out = tmp_path_factory.mktemp("run") / "run"
    rc = train.main(_common(tiny_dir, out, "--max_steps", "16", "--learning_rate", "2e-2", "--warmup_steps", "0",
                            "--save_steps", "8", "--eval_on_start", "true", "--base_model_id", "tiny/qwen2"))
    assert rc == 0
    return out


def test_a_few_steps_lower_the_loss(trained):
    metrics = json.loads((trained / "adapter" / "metrics.json").read_text())["metrics"]
    assert metrics["steps"] == 16
    assert metrics["eval_loss"] < metrics["eval_loss_before"] - 0.05
    losses = [json.loads(line)["loss"] for line in (trained / "log.jsonl").read_text().splitlines()
              if '"loss"' in line]
    assert sum(losses[-4:]) / 4 < sum(losses[:4]) / 4


def test_the_card_names_base_data_recipe_and_metrics(trained):
    card = (trained / "adapter" / "README.md").read_text()
    assert "base_model: tiny/qwen2" in card and "library_name: peft" in card
    assert "--max_steps 16" in card  # the exact command
    assert "| train |" in card and "eval_loss" in card and "lora_r: 8" in card
    cfg = json.loads((trained / "adapter" / "adapter_config.json").read_text())
    assert cfg["base_model_name_or_path"] == "tiny/qwen2" and cfg["r"] == 8
    assert "Not measured for this adapter." in card


def test_the_card_evaluation_section_can_be_filled_in(trained, tmp_path):
    import shutil

    from training.card import set_evaluation

    adapter = shutil.copytree(trained / "adapter", tmp_path / "adapter")
    set_evaluation(adapter, "| model | render success |\n|---|---|\n| base | 2/4 |")
    set_evaluation(adapter, "| model | render success |\n|---|---|\n| adapter | 3/4 |")
    card = (adapter / "README.md").read_text()
    assert "| adapter | 3/4 |" in card and "base | 2/4" not in card and "Not measured" not in card
    assert card.index("## Evaluation") < card.index("| adapter | 3/4 |") < card.index("## Recipe")


def test_saved_adapter_loads_through_model_and_generates(trained, tiny_dir):
    from safetensors.torch import load_file

    from model import Request, load

    weights = load_file(str(trained / "adapter" / "adapter_model.safetensors"))
    # LoRA B starts at zero: non-zero B matrices mean the saved adapter carries what was learned.
    assert any(k.endswith("lora_B.weight") and v.abs().sum() > 0 for k, v in weights.items())
    gen = load(str(tiny_dir), adapter=str(trained / "adapter"), device="cpu")
    assert gen.adapter is not None
    cand = gen.generate(Request("A bar chart of 3 bars"), n=1, max_new_tokens=12, temperature=0.0)[0]
    assert cand.tokens > 0 and cand.adapter == gen.adapter


def test_resume_continues_from_the_last_checkpoint(tmp_path, tiny_dir, caplog):
    out = tmp_path / "run"
    assert train.main(_common(tiny_dir, out, "--max_steps", "4", "--save_steps", "2",
                              "--resume_from_checkpoint", "last")) == 2  # nothing to resume yet
    assert "holds no checkpoint" in caplog.text
    assert train.main(_common(tiny_dir, out, "--max_steps", "4", "--save_steps", "2")) == 0
    first = [json.loads(x)["step"] for x in (out / "log.jsonl").read_text().splitlines()]
    assert (out / "checkpoint-4").is_dir()
    assert train.main(_common(tiny_dir, out, "--max_steps", "6", "--save_steps", "2",
                              "--resume_from_checkpoint", "last")) == 0
    steps = [json.loads(x)["step"] for x in (out / "log.jsonl").read_text().splitlines()][len(first):]
    loss_steps = [s for s in steps if s]
    assert loss_steps and min(loss_steps) == 5 and max(loss_steps) == 6  # steps 1-4 were not redone
    state = json.loads((out / "checkpoint-6" / "trainer_state.json").read_text())
    assert state["global_step"] == 6


def test_two_processes_train_data_parallel(tmp_path, tiny_dir):
    """torchrun (what `accelerate launch --multi_gpu` runs) with 2 CPU processes: one DDP run, one adapter."""
    import os
    import subprocess

    out = tmp_path / "run"
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
           str(ROOT / "train.py"), *_common(tiny_dir, out, "--max_steps", "3", "--base_model_id", "tiny/qwen2",
                                            "--save_steps", "2")]
    env = dict(os.environ, OMP_NUM_THREADS="1", PYTHONPATH=str(ROOT))
    proc = subprocess.run(cmd, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    steps = [json.loads(line) for line in (out / "log.jsonl").read_text().splitlines() if '"loss"' in line]
    # 2 processes × batch 2 = 4 examples a step; one process would advance the epoch half as fast.
    used = json.loads((out / "adapter" / "metrics.json").read_text())["data"]["train"]["used"]
    assert [s["step"] for s in steps] == [1, 2, 3]
    assert steps[0]["epoch"] == pytest.approx(1 / -(-used // 4), rel=1e-3)
    assert proc.stderr.count("adapter saved to") == 1  # only the main process writes the adapter
    assert "Unable to fetch remote file" not in proc.stderr  # checkpoints do not ask the hub for the base config
    assert json.loads((out / "adapter" / "adapter_config.json").read_text())["base_model_name_or_path"] == "tiny/qwen2"
    assert (out / "checkpoint-2").is_dir()


# --- vision ------------------------------------------------------------------------------------------------------

def _tiny_vl():
    """A tiny random Qwen2-VL (1 vision block, 2 text layers) and its processor (PIL image processor)."""
    from unittest import mock

    from transformers import Qwen2VLConfig, Qwen2VLForConditionalGeneration, Qwen2VLProcessor
    from transformers.models.qwen2_vl.image_processing_pil_qwen2_vl import Qwen2VLImageProcessorPil
    from transformers.processing_utils import ProcessorMixin

    tok = tiny_tokenizer()
    ids = {t: tok.convert_tokens_to_ids(t) for t in ("<|image_pad|>", "<|video_pad|>", "<|vision_start|>",
                                                     "<|vision_end|>")}
    cfg = Qwen2VLConfig(
        text_config=dict(vocab_size=len(tok), hidden_size=64, intermediate_size=128, num_hidden_layers=2,
                         num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=4096,
                         rope_scaling={"type": "mrope", "mrope_section": [2, 3, 3]},
                         eos_token_id=tok.eos_token_id, pad_token_id=tok.pad_token_id, bos_token_id=None),
        vision_config=dict(depth=1, embed_dim=32, hidden_size=64, num_heads=2, mlp_ratio=2, patch_size=14,
                           spatial_merge_size=2, temporal_patch_size=2),
        image_token_id=ids["<|image_pad|>"], video_token_id=ids["<|video_pad|>"],
        vision_start_token_id=ids["<|vision_start|>"], vision_end_token_id=ids["<|vision_end|>"],
    )
    torch.manual_seed(0)
    model = Qwen2VLForConditionalGeneration(cfg)
    # transformers insists on a video processor class, which needs torchvision (not installed here); images only.
    with mock.patch.object(ProcessorMixin, "check_argument_for_proper_class", lambda self, name, arg: type(arg)):
        proc = Qwen2VLProcessor(image_processor=Qwen2VLImageProcessorPil(min_pixels=56 * 56, max_pixels=112 * 112),
                                tokenizer=tok, video_processor=None, chat_template=CHATML)
    return model, proc


def _vision_rows(n: int) -> list[dict]:
    """Sketch and annotation-edit rows with small PNG sketches."""
    import io

    from PIL import Image, ImageDraw

    from dataset import make_rows

    rows = []
    for i, row in enumerate(make_rows(n, seed=11, edit_fraction=0.5)):
        img = Image.new("RGB", (112, 84), "white")
        ImageDraw.Draw(img).ellipse((10 + i, 10, 60, 60), outline="red", width=3)
        buf = io.BytesIO()
        img.save(buf, format="PNG")
        kind = "annotation_edit" if row["kind"] == "edit" else "sketch"
        rows.append(dict(row, kind=kind, sketch_image=buf.getvalue(),
                         sketch_text="A red circle around the top-left node." if kind == "annotation_edit" else ""))
    return rows


def test_vision_step_on_a_tiny_qwen2_vl(tmp_path):
    from dataset.io import save_dataset

    from training.configs import DataArguments, ModelArguments, TrainConfig
    from training.modeling import LoadedBase, add_lora
    from training.pipeline import build_examples, make_trainer
    from training.vision import encode_vision_row

    model, proc = _tiny_vl()
    rows = _vision_rows(8)
    save_dataset({"train": rows[:6], "test": rows[6:]}, tmp_path / "data")

    ex = encode_vision_row(rows[0], proc, max_len=4096, max_pixels=112 * 112)
    n_image = int(ex["image_grid_thw"].prod()) // 4  # one token per 2 × 2 merged patch
    assert ex["input_ids"].count(proc.image_token_id) == n_image > 0
    assert ex["labels"][0] == IGNORE_INDEX and ex["labels"][-1] != IGNORE_INDEX

    base = LoadedBase(model=model, tokenizer=proc, path="tiny-vl", base_id="tiny/qwen2-vl", vision=True)
    peft_model = add_lora(base, ModelArguments(model_name_or_path="tiny-vl", lora_r=4, lora_alpha=8))
    names = [n for n, p in peft_model.named_parameters() if p.requires_grad]
    assert names and all("lora_" in n and "visual" not in n for n in names)  # vision tower frozen, adapter-free

    train_ex, eval_ex, stats = build_examples(base, DataArguments(dataset_path=str(tmp_path / "data"),
                                                                  max_seq_length=4096, image_max_pixels=112 * 112))
    assert stats["train"].kept == 6 and all("pixel_values" in e for e in train_ex)  # sketch rows kept for vision
    args = TrainConfig(output_dir=str(tmp_path / "run"), use_cpu=True, max_steps=2, per_device_train_batch_size=2,
                       learning_rate=1e-2, logging_steps=1, report_to="none", save_strategy="no")
    trainer = make_trainer(peft_model, base, args, train_ex, eval_ex)

    batch = trainer.data_collator(train_ex[:2])
    with torch.no_grad():
        loss = peft_model(**batch).loss
        blank = peft_model(**dict(batch, pixel_values=torch.zeros_like(batch["pixel_values"]))).loss
    assert torch.isfinite(loss) and not torch.isclose(loss, blank)  # the pixels reach the model
    lora_b = {n: p.detach().clone() for n, p in peft_model.named_parameters() if "lora_B" in n}
    trainer.train()
    assert trainer.state.global_step == 2
    assert any(not torch.equal(p, lora_b[n]) for n, p in peft_model.named_parameters() if n in lora_b)


def test_resolve_base_uses_the_embedded_model_of_the_preset(monkeypatch, tmp_path):
    """Each embedded preset trains on its own packaged weights (the 0.5B and the 1.5B)."""
    import model.embedded
    from training.modeling import resolve_base

    monkeypatch.setattr(model.embedded, "ensure_embedded_model", lambda spec: tmp_path / spec.name)
    assert resolve_base("qwen2.5-coder-1.5b") == (str(tmp_path / "qwen2.5-coder-1.5b"),
                                                  "Qwen/Qwen2.5-Coder-1.5B-Instruct")
    assert resolve_base("qwen2.5-coder-0.5b")[0] == str(tmp_path / "qwen2.5-coder-0.5b")
