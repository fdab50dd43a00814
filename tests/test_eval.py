"""Tests for eval/: metric values against hand-computed ones, report schema, generate/score/compare, the judge."""
from __future__ import annotations

import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

sys.path.insert(0, str(Path(__file__).parent))
from _eval_util import FakeCall, FakeResult, save_tiny_clip  # noqa: E402

from eval.clip import ClipEncoder, clip_score  # noqa: E402
from eval.generate import GenerateConfig, generate_file, pick_best  # noqa: E402
from eval.jsonl import read_jsonl  # noqa: E402
from eval.metrics import SSIM, ClipImageScore, ClipScore, CodeLength, CostToSuccess, RenderSuccess, Sample  # noqa: E402
from eval.metrics.judge import Judge, JudgeConfig, parse_verdict, JudgeError  # noqa: E402
from eval.metrics.ssim import ssim  # noqa: E402
from eval.redact import paint_out, plan_redaction, strip_svg_text  # noqa: E402
from eval.score import ScoreConfig, score_rows  # noqa: E402


# Fixtures -----------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def tiny_clip(tmp_path_factory) -> Path:
    return save_tiny_clip(tmp_path_factory.mktemp("clip") / "tiny-clip", seed=0)


def noise(seed: int, size=(32, 32)) -> Image.Image:
    return Image.fromarray(np.random.RandomState(seed).randint(0, 256, (size[1], size[0], 3), dtype=np.uint8))


def by_hand_features(clip_dir: Path, text: str, img: Image.Image):
    """Text and image features computed directly from the model: our own preprocessing, no eval/ code."""
    import torch
    from transformers import AutoTokenizer, CLIPModel

    model = CLIPModel.from_pretrained(clip_dir).eval()
    ids = AutoTokenizer.from_pretrained(clip_dir)(text, return_tensors="pt")
    arr = np.asarray(img.convert("RGB"), dtype=np.float32) / 255.0  # already 32×32: resize and crop are identity
    mean = np.array([0.48145466, 0.4578275, 0.40821073], dtype=np.float32)
    std = np.array([0.26862954, 0.26130258, 0.27577711], dtype=np.float32)
    pix = torch.from_numpy(((arr - mean) / std).transpose(2, 0, 1)[None].copy())
    with torch.no_grad():
        t = model.get_text_features(input_ids=ids["input_ids"], attention_mask=ids["attention_mask"])
        v = model.get_image_features(pixel_values=pix)
    t = t if torch.is_tensor(t) else t.pooler_output
    v = v if torch.is_tensor(v) else v.pooler_output
    return t[0], v[0]


def cosine(a, b) -> float:
    return float((a @ b) / (a.norm() * b.norm()))


def sample(row=None, status="ok", image=None, ref=None, **kw) -> Sample:
    return Sample(row=row or {"id": "x", "prompt": "a red circle"}, status=status, image=image, reference_image=ref,
                  **kw)


# CLIP ---------------------------------------------------------------------------------------------------------

def test_clip_score_scale_clamps_negative_cosines():
    assert clip_score(0.25) == pytest.approx(25.0)
    assert clip_score(-0.4) == 0.0
    assert clip_score(1.0) == 100.0


def test_clip_score_matches_hand_computed_cosine(tiny_clip):
    texts = ["a red circle", "three layer neural network", "bar chart with five bars"]
    images = [noise(1), noise(2), noise(3)]
    m = ClipScore(ClipEncoder(str(tiny_clip), batch_size=2))  # batch of 2 over 3 rows: batching must not matter
    for i, (t, im) in enumerate(zip(texts, images)):
        m.update(sample({"id": str(i), "prompt": t}, image=im))
    m.update(sample({"id": "failed", "prompt": "a circle"}, status="error"))
    res = m.compute()
    expected = [100 * max(cosine(*by_hand_features(tiny_clip, t, im)), 0.0) for t, im in zip(texts, images)]
    got = [r["clip_score"] for r in res.per_row]
    assert got[:3] == pytest.approx(expected, abs=1e-3)
    assert got[3] is None
    assert res.summary["clip_score"] == pytest.approx(sum(expected) / 4, abs=1e-3)  # failure counts as 0
    assert res.summary["clip_score_rendered"] == pytest.approx(sum(expected) / 3, abs=1e-3)


def test_clip_score_uses_caption_when_given(tiny_clip):
    enc = ClipEncoder(str(tiny_clip))
    m = ClipScore(enc)
    m.update(sample({"id": "c", "prompt": "change the bars to blue", "caption": "a bar chart"}, image=noise(4)))
    t, v = by_hand_features(tiny_clip, "a bar chart", noise(4))
    assert m.compute().per_row[0]["clip_score"] == pytest.approx(100 * max(cosine(t, v), 0), abs=1e-3)


def test_clip_image_score_identical_is_100_and_different_matches_hand(tiny_clip):
    m = ClipImageScore(ClipEncoder(str(tiny_clip)))
    m.update(sample(image=noise(5), ref=noise(5)))
    m.update(sample(image=noise(6), ref=noise(7)))
    m.update(sample(status="blank", ref=noise(7)))  # reference but no render: 0
    m.update(sample(image=noise(6)))  # no reference: not counted
    res = m.compute()
    _, a = by_hand_features(tiny_clip, "a", noise(6))
    _, b = by_hand_features(tiny_clip, "a", noise(7))
    scores = [r["clip_image_score"] for r in res.per_row]
    assert scores[0] == pytest.approx(100.0, abs=1e-3)
    assert scores[1] == pytest.approx(100 * max(cosine(a, b), 0), abs=1e-3)
    assert scores[2] == 0.0 and scores[3] is None
    assert res.summary["clip_image_score_n"] == 3


def test_clip_images_are_encoded_once_across_metrics(tiny_clip):
    enc = ClipEncoder(str(tiny_clip), batch_size=4)
    enc.load()
    seen = []
    original = enc._model.get_image_features

    def counting(pixel_values):
        seen.append(pixel_values.shape[0])
        return original(pixel_values=pixel_values)

    enc._model.get_image_features = counting
    a = enc.embed_images([noise(10), noise(11), noise(10)])
    b = enc.embed_images([noise(11), noise(12)])
    assert seen == [2, 1]  # the repeat within a call and the one across calls are not encoded again
    assert float((a[1] @ b[0])) == pytest.approx(1.0)


def test_fast_preprocessing_equals_the_clip_processor():
    from transformers.models.clip.image_processing_pil_clip import CLIPImageProcessorPil

    proc = CLIPImageProcessorPil()  # OpenAI CLIP's settings: shortest edge 224, bicubic, centre crop 224
    enc = ClipEncoder.from_components("p", __import__("torch").nn.Identity(), None, proc)
    images = [noise(i, size) for i, size in enumerate([(400, 300), (300, 400), (224, 224), (500, 225), (37, 1000),
                                                         (399, 401)])]
    images.append(Image.new("RGB", (640, 480), (12, 200, 99)))
    fast = enc.pixel_values(images)
    slow = proc(images=images, return_tensors="pt")["pixel_values"]
    assert enc._fast_plan() is not None and fast.shape == slow.shape == (7, 3, 224, 224)
    assert float((fast - slow).abs().max()) <= 1e-5  # in fact bit-identical: same PIL resize, same arithmetic
    enc.fast_preprocess = False
    assert enc._fast_plan() is None and bool((enc.pixel_values(images) == slow).all())


def _old_path_embeddings(clip_dir, texts, images):
    """Embeddings the way the encoder made them before its speed work: processor, texts in given order."""
    import torch
    from transformers import AutoTokenizer, CLIPModel
    from transformers.models.clip.image_processing_pil_clip import CLIPImageProcessorPil

    model = CLIPModel.from_pretrained(clip_dir).eval()
    tok = AutoTokenizer.from_pretrained(clip_dir)
    proc = CLIPImageProcessorPil.from_pretrained(clip_dir)
    with torch.inference_mode():
        ids = tok(texts, padding=True, truncation=True, max_length=16, return_tensors="pt")
        t = model.get_text_features(input_ids=ids["input_ids"], attention_mask=ids["attention_mask"])
        v = model.get_image_features(pixel_values=proc(images=images, return_tensors="pt")["pixel_values"])
    t = t if torch.is_tensor(t) else t.pooler_output
    v = v if torch.is_tensor(v) else v.pooler_output
    return torch.nn.functional.normalize(t, dim=-1), torch.nn.functional.normalize(v, dim=-1)


def test_fast_path_embeddings_and_scores_equal_the_old_path(tiny_clip):
    texts = ["a red circle", "three layer neural network with five bars", "a", "bar chart", "a red circle"]
    images = [noise(20, (48, 40)), noise(21, (40, 64)), noise(20, (48, 40)), noise(22), noise(23, (80, 33))]
    old_t, old_v = _old_path_embeddings(tiny_clip, texts, images)
    enc = ClipEncoder(str(tiny_clip), batch_size=2)  # several batches, length-sorted texts, repeats
    new_t, new_v = enc.embed_texts(texts), enc.embed_images(images)
    assert float((new_t - old_t).abs().max()) < 1e-5 and float((new_v - old_v).abs().max()) < 1e-5
    assert enc.stats["texts_encoded"] == 4 and enc.stats["images_encoded"] == 4  # repeats encoded once
    m = ClipImageScore(enc)
    m.update(sample(image=images[0], ref=images[1]))
    m.update(sample(image=images[3], ref=images[4]))
    got = [r["clip_image_score"] for r in m.compute().per_row]
    want = [clip_score(float(old_v[0] @ old_v[1])), clip_score(float(old_v[3] @ old_v[4]))]
    assert got == pytest.approx(want, abs=1e-4)


def test_disk_cache_reuses_embeddings_across_encoders(tiny_clip, tmp_path):
    images = [noise(30), noise(31)]
    first = ClipEncoder(str(tiny_clip), cache_dir=tmp_path / "cache")
    a_img, a_txt = first.embed_images(images), first.embed_texts(["a red circle"])
    assert first.stats["images_encoded"] == 2 and first.stats["images_from_disk"] == 0

    second = ClipEncoder(str(tiny_clip), cache_dir=tmp_path / "cache")  # a later run: same weights
    second.load()
    second._model.get_image_features = second._model.get_text_features = None  # must not be called
    b_img, b_txt = second.embed_images(images), second.embed_texts(["a red circle"])
    assert bool((a_img == b_img).all()) and bool((a_txt == b_txt).all())
    assert second.stats["images_from_disk"] == 2 and second.stats["texts_from_disk"] == 1

    other = save_tiny_clip(tmp_path / "other-clip", seed=1)  # different weights: a different cache file
    third = ClipEncoder(str(other), cache_dir=tmp_path / "cache")
    third.embed_images(images[:1])
    assert third.stats["images_from_disk"] == 0 and third.stats["images_encoded"] == 1
    assert len(list((tmp_path / "cache").glob("clip-*.sqlite"))) == 2


def test_missing_clip_model_is_a_clear_error(tmp_path):
    from eval.clip import ClipUnavailable

    with pytest.raises(ClipUnavailable, match="--clip-model"):
        ClipEncoder(str(tmp_path / "no-such-clip")).load()


# SSIM ---------------------------------------------------------------------------------------------------------

def test_ssim_identical_images_is_one():
    assert ssim(noise(8, (64, 64)), noise(8, (64, 64)), size=64) == pytest.approx(1.0)


def test_ssim_constant_images_matches_formula():
    # Constant images: every local variance is 0, so SSIM reduces to the luminance term (2μxμy + C1)/(μx²+μy²+C1).
    a = Image.new("L", (50, 40), 100)
    b = Image.new("L", (80, 80), 150)
    c1 = (0.01 * 255) ** 2
    assert ssim(a, b, size=32) == pytest.approx((2 * 100 * 150 + c1) / (100 ** 2 + 150 ** 2 + c1), rel=1e-6)


def test_ssim_metric_counts_failures_as_zero_and_skips_rows_without_reference():
    m = SSIM(size=32)
    m.update(sample(image=Image.new("L", (32, 32), 80), ref=Image.new("L", (32, 32), 80)))
    m.update(sample(status="error", ref=Image.new("L", (32, 32), 80)))
    m.update(sample(image=Image.new("L", (32, 32), 80)))
    res = m.compute()
    assert [r["ssim"] for r in res.per_row] == [pytest.approx(1.0), 0.0, None]
    assert res.summary["ssim"] == pytest.approx(0.5) and res.summary["ssim_n"] == 2


# Other metrics --------------------------------------------------------------------------------------------------

def test_render_success_breakdown():
    m = RenderSuccess()
    for s in ["ok", "ok", "error", "blank", "timeout", "ok", "empty", "error"]:
        m.update(sample(status=s))
    r = m.compute().summary
    assert r["render_success_rate"] == pytest.approx(3 / 8)
    assert (r["render"]["error"], r["render"]["blank"], r["render"]["timeout"], r["render"]["empty"]) == (2, 1, 1, 1)
    assert r["render"]["error_rate"] == pytest.approx(2 / 8)


def test_cost_to_success_by_hand():
    m = CostToSuccess()
    rows = [
        [{"tokens": 100, "status": "error"}, {"tokens": 50, "status": "ok"}, {"tokens": 70, "status": "ok"}],
        [{"tokens": 30, "status": "ok"}],
        [{"tokens": 40, "status": "error"}, {"tokens": 60, "status": "blank"}],
    ]
    for c in rows:
        m.update(sample({"id": "r", "prompt": "p", "candidates": c}))
    s = m.compute().summary["cost_to_success"]
    assert s["solved"] == 2 and s["solved_rate"] == pytest.approx(2 / 3)
    assert s["mean_samples"] == pytest.approx((2 + 1) / 2)
    assert s["mean_tokens"] == pytest.approx((150 + 30) / 2)
    assert s["samples_per_success"] == pytest.approx((2 + 1 + 2) / 2)  # unsolved rows still cost their samples
    assert s["tokens_per_success"] == pytest.approx((150 + 30 + 100) / 2)
    assert s["first_sample_success_rate"] == pytest.approx(1 / 3)


def test_code_length_and_truncation():
    m = CodeLength()
    for t, tr in [(10, False), (20, True), (30, False), (40, True), (1000, False)]:
        m.update(sample({"id": "x", "prompt": "p", "tokens": t, "truncated": tr, "code": "x"}))
    s = m.compute().summary
    assert s["code_tokens"]["mean"] == pytest.approx(220.0)
    assert s["code_tokens"]["median"] == 30.0
    assert s["code_tokens"]["p90"] == pytest.approx(np.percentile([10, 20, 30, 40, 1000], 90))
    assert s["truncation_rate"] == pytest.approx(0.4)


# Redaction ------------------------------------------------------------------------------------------------------

def test_trace_text_boxes_are_painted_with_the_background():
    img = Image.new("RGB", (40, 40), "white")
    img.paste((0, 0, 0), (10, 10, 20, 15))  # "text"
    img.paste((255, 0, 0), (30, 30, 38, 38))  # a shape that must stay
    res = FakeResult("ok", image=img, trace=[FakeCall("text", "text", (10, 10, 20, 15), "hi"),
                                             FakeCall("rect", "shape", (30, 30, 38, 38))])
    plan = plan_redaction("text('hi', 10, 10)", "p5", res)
    out = np.asarray(plan.image)
    assert plan.method == "trace"
    assert (out[10:15, 10:20] == 255).all()
    assert tuple(out[34, 34]) == (255, 0, 0)


def test_trace_without_text_keeps_image_and_no_trace_rerenders():
    img = Image.new("RGB", (10, 10), "white")
    assert plan_redaction("c", "p5", FakeResult("ok", img, trace=[FakeCall("circle", "shape", (0, 0, 5, 5))])
                          ).method == "unchanged"
    plan = plan_redaction("circle(5,5,5)", "p5", FakeResult("ok", img, trace=[]))
    assert plan.method == "rerender" and plan.code.endswith("circle(5,5,5)") and "p5.prototype.text" in plan.code
    assert plan_redaction("x", "p5", FakeResult("error")).method == "none"


def test_strip_svg_text_removes_text_and_refuses_entities():
    svg = ('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="5" height="5"/>'
           '<g><text x="1" y="1">label<tspan>x</tspan></text></g></svg>')
    out = strip_svg_text(svg)
    assert "<text" not in out and "rect" in out
    assert strip_svg_text('<!DOCTYPE s [<!ENTITY e "x">]><svg>&e;</svg>') is None
    assert paint_out(Image.new("RGB", (8, 8), "white"), []).size == (8, 8)


# Judge ----------------------------------------------------------------------------------------------------------

class _OpenAIHandler(BaseHTTPRequestHandler):
    """A tiny OpenAI-compatible chat endpoint: scores 9 when the program draws a circle, else 3."""

    requests: list = []

    def do_POST(self):  # noqa: N802 (http.server API)
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).requests.append((self.path, body, self.headers.get("Authorization")))
        user = body["messages"][-1]["content"]
        if "BROKEN" in user:
            content = "I cannot judge this."
        else:
            score = 9 if "circle(" in user else 3
            content = f'```json\n{{"score": {score}, "judgement": "draws {"a circle" if score == 9 else "else"}"}}\n```'
        data = json.dumps({"id": "x", "object": "chat.completion", "model": body["model"],
                           "choices": [{"index": 0, "finish_reason": "stop",
                                        "message": {"role": "assistant", "content": content}}]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *a):
        pass


@pytest.fixture()
def judge_server():
    _OpenAIHandler.requests = []
    srv = ThreadingHTTPServer(("127.0.0.1", 0), _OpenAIHandler)
    th = threading.Thread(target=srv.serve_forever, daemon=True)
    th.start()
    yield f"http://127.0.0.1:{srv.server_address[1]}/v1"
    srv.shutdown()
    srv.server_close()


def test_judge_scores_through_openai_endpoint(judge_server, monkeypatch):
    monkeypatch.setenv("EVAL_TEST_KEY", "secret")
    j = Judge(JudgeConfig(url=judge_server, model="judge-model", api_key_env="EVAL_TEST_KEY", concurrency=2))
    j.update(sample({"id": "a", "prompt": "a red circle", "code": "circle(5,5,5)",
                     "reference_code": "REFCODE circle(1,1,1)"}))
    j.update(sample({"id": "b", "prompt": "a square", "code": "rect(1,1,1,1)"}, status="error", error="boom"))
    j.update(sample({"id": "c", "prompt": "BROKEN", "code": "x"}))
    res = j.compute()
    assert [r.get("judge_score") for r in res.per_row] == [9, 3, None]
    assert res.per_row[0]["judge_judgement"] == "draws a circle"
    assert "judge_error" in res.per_row[2]
    assert res.summary["judge_score"] == pytest.approx(6.0)
    assert res.summary["judge"]["failures"] == 1
    paths = {p for p, _, _ in _OpenAIHandler.requests}
    assert paths == {"/v1/chat/completions"}
    bodies = {b["messages"][-1]["content"].split("\n")[1]: b for _, b, _ in _OpenAIHandler.requests}
    assert "REFCODE" in bodies["a red circle"]["messages"][-1]["content"]  # the reference is given when present
    assert "boom" in bodies["a square"]["messages"][-1]["content"]
    assert all(auth == "Bearer secret" for _, _, auth in _OpenAIHandler.requests)
    assert all(b["model"] == "judge-model" for _, b, _ in _OpenAIHandler.requests)


def test_parse_verdict_rejects_out_of_range():
    assert parse_verdict('{"score": "7", "judgement": "ok"}') == (7, "ok")
    with pytest.raises(JudgeError):
        parse_verdict('{"score": 11}')
    with pytest.raises(JudgeError):
        parse_verdict("no json here")
    with pytest.raises(ValueError):
        JudgeConfig(url="localhost:8000")


# Score with a fake renderer (no browser) ------------------------------------------------------------------------

def fake_render_many(codes, lang="p5", timeout_s=10.0, progress=False):
    """Programs are tiny scripts: 'fill R G B' draws a coloured canvas; 'error'/'blank'/'timeout' fail so."""
    out = []
    for code in codes:
        if code.startswith("fill"):
            rgb = tuple(int(v) for v in code.split()[1:4])
            img = Image.new("RGB", (40, 40), "white")
            img.paste(rgb, (5, 5, 35, 35))
            out.append(FakeResult("ok", image=img, trace=[FakeCall("rect", "shape", (5, 5, 35, 35))]))
        elif code.startswith("error"):
            out.append(FakeResult("error", error="ReferenceError: foo is not defined", line=3))
        else:
            out.append(FakeResult(code.split()[0]))
    return out


REPORT_KEYS = {"report_version", "n", "render_success_rate", "render", "cost_to_success", "code_tokens",
               "truncation_rate", "clip_score", "clip_score_rendered", "clip", "clip_image_score",
               "clip_image_score_redacted", "ssim", "ssim_redacted", "redaction", "skipped", "config", "timing_s",
               "rows"}


def prediction_rows():
    return [
        {"id": "1", "prompt": "a red square", "code": "fill 255 0 0", "reference_code": "fill 255 0 0", "tokens": 12,
         "truncated": False, "candidates": [{"code": "error", "tokens": 5}, {"code": "fill 255 0 0", "tokens": 12}]},
        {"id": "2", "prompt": "a blue square", "code": "fill 255 0 0", "reference_code": "fill 0 0 255", "tokens": 12,
         "truncated": True, "candidates": [{"code": "fill 255 0 0", "tokens": 12, "status": "ok"}]},
        {"id": "3", "prompt": "a circle", "code": "error x", "tokens": 40, "truncated": False,
         "candidates": [{"code": "error x", "tokens": 40, "status": "error"}]},
        {"id": "4", "prompt": "nothing", "code": "", "tokens": 0, "truncated": False, "candidates": []},
    ]


def test_score_report_schema_and_values(tiny_clip):
    rows = prediction_rows()
    rep = score_rows(rows, ScoreConfig(clip_model=str(tiny_clip), ssim_size=32, progress=False),
                     render_many=fake_render_many)
    assert REPORT_KEYS <= set(rep)
    assert all(k == k.lower() and " " not in k for k in rep)  # snake_case keys
    assert rep["n"] == 4 and rep["render_success_rate"] == pytest.approx(0.5)
    assert rep["render"]["error"] == 1 and rep["render"]["empty"] == 1
    assert rep["cost_to_success"]["mean_samples"] == pytest.approx(1.5)  # row 1 needed 2 samples, row 2 one
    assert rep["truncation_rate"] == pytest.approx(0.25)
    assert rep["rows"][0]["ssim"] == pytest.approx(1.0) and rep["rows"][0]["clip_image_score"] == pytest.approx(100)
    assert rep["rows"][1]["ssim"] < 1.0
    assert rep["ssim_n"] == 2 and rep["rows"][2]["ssim"] is None  # row 3 has no reference
    assert rep["rows"][2]["error"].startswith("ReferenceError") and rep["rows"][2]["line"] == 3
    assert rep["redaction"] == {"unchanged": 4}
    json.dumps(rep)  # the whole report is JSON


def test_score_without_clip_model_still_reports_other_metrics(tmp_path):
    rep = score_rows(prediction_rows(), ScoreConfig(clip_model=str(tmp_path / "missing"), ssim_size=32,
                                                    progress=False), render_many=fake_render_many)
    assert "clip_score" not in rep and "--clip-model" in rep["skipped"]["clip"]
    assert rep["render_success_rate"] == pytest.approx(0.5) and rep["ssim"] is not None


def test_markdown_and_plots_and_compare(tmp_path):
    from eval.__main__ import main

    rep = score_rows(prediction_rows(), ScoreConfig(clip=False, ssim_size=32, progress=False),
                     render_many=fake_render_many)
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    a.write_text(json.dumps(rep))
    rep2 = dict(rep, render_success_rate=0.75)
    b.write_text(json.dumps(rep2))
    from eval.report import to_markdown, write_plots

    md = to_markdown(rep)
    assert "| render success | 50.0% |" in md and "ReferenceError" in md and "Not computed: clip" in md
    assert {p.name for p in write_plots(rep, tmp_path / "plots")} >= {"render_outcome.png", "ssim.png"}
    assert main(["compare", str(a), str(b), "--names", "base", "tuned", "--plots", str(tmp_path / "cmp"),
                 "--markdown", str(tmp_path / "cmp.md")]) == 0
    table = (tmp_path / "cmp.md").read_text()
    assert "| metric | base | tuned |" in table and "| render success | 50.0% | 75.0% |" in table
    assert (tmp_path / "cmp" / "compare_rates.png").stat().st_size > 0


def test_compare_bad_report_is_clear(tmp_path, caplog):
    from eval.__main__ import main

    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    assert main(["compare", str(bad)]) == 2
    assert "not a readable report" in caplog.text


def _model_ready() -> bool:
    try:
        from model import Candidate, Request, load  # noqa: F401
    except ImportError:
        return False
    return True


needs_model = pytest.mark.skipif(not _model_ready(), reason="model/ does not export load, Request, Candidate yet")


# Generate with a scripted generator --------------------------------------------------------------------------------

class ScriptedGen:
    """Returns prepared candidates; repair returns a working program. Records every call."""

    name = "scripted"
    adapter = None
    is_vision = False

    def __init__(self, samples):
        self.samples = samples  # prompt -> list of (code, logprob, tokens)
        self.calls = []

    def generate(self, req, n=1, max_new_tokens=1024, temperature=0.7, stop_event=None):
        from model import Candidate

        self.calls.append(("generate", req.instruction, n))
        return [Candidate(code=c, text=c, logprob=lp, tokens=t) for c, lp, t in self.samples[req.instruction][:n]]

    def repair(self, code, error, line, lang="p5", request=None, max_new_tokens=None, temperature=None):
        from model import Candidate

        self.calls.append(("repair", code, error, line))
        return [Candidate(code="fill 0 255 0", text="", logprob=-0.5, tokens=9)]


class BatchingGen(ScriptedGen):
    """A ScriptedGen with generate_many; records the size of every batch it is asked for."""

    def __init__(self, samples):
        super().__init__(samples)
        self.batches = []

    def generate_many(self, requests, n=1, max_new_tokens=None, temperature=None, stop_event=None):
        self.batches.append(len(requests))
        return [ScriptedGen.generate(self, r, n=n) for r in requests]


def write_prompts(path, rows):
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


@needs_model
def test_best_of_n_prefers_rendering_then_logprob_and_repairs(tmp_path):
    gen = ScriptedGen({
        "p1": [("error a", -0.1, 10), ("fill 1 2 3", -0.9, 20), ("fill 4 5 6", -0.3, 30)],
        "p2": [("error b", -0.2, 10), ("blank", -0.1, 5)],
    })
    prompts = write_prompts(tmp_path / "p.jsonl", [{"id": "a", "prompt": "p1"}, {"id": "b", "prompt": "p2"}])
    out = tmp_path / "preds.jsonl"
    generate_file(prompts, out, gen, GenerateConfig(n=3, repair=2), render_many=fake_render_many, progress=False)
    a, b = read_jsonl(out)
    assert a["code"] == "fill 4 5 6" and a["tokens"] == 30 and a["attempts"] == 3  # renders, best logprob
    assert [c["status"] for c in a["candidates"]] == ["error", "ok", "ok"]
    # p2: nothing renders, so one repair of the failing sample that ranks best (blank beats error)
    assert ("repair", "blank", "the sketch drew nothing visible", None) in gen.calls
    assert b["code"] == "fill 0 255 0" and b["attempts"] == 3 and b["candidates"][-1]["source"] == "repair"
    assert pick_best([{"status": "error", "logprob": -0.1}, {"status": "blank", "logprob": -5}]) == 1


@needs_model
def test_generate_resumes_and_survives_a_torn_last_line(tmp_path):
    gen = ScriptedGen({f"p{i}": [("fill 1 1 1", -0.1, 3)] for i in range(4)})
    prompts = write_prompts(tmp_path / "p.jsonl", [{"id": i, "prompt": f"p{i}"} for i in range(4)])
    out = tmp_path / "preds.jsonl"
    done = read_jsonl(prompts)[:2]
    first = generate_file(write_prompts(tmp_path / "p2.jsonl", done), out, gen, GenerateConfig(),
                          render_many=fake_render_many, progress=False)
    assert first == {"prompts": 2, "skipped": 0, "written": 2}
    with out.open("a") as f:
        f.write('{"id": 2, "prompt": "p2", "co')  # a run killed mid-write
    gen.calls.clear()
    second = generate_file(prompts, out, gen, GenerateConfig(), render_many=fake_render_many, progress=False)
    assert second == {"prompts": 4, "skipped": 2, "written": 2}
    assert [c[1] for c in gen.calls] == ["p2", "p3"]
    assert [r["id"] for r in read_jsonl(out)] == [0, 1, 2, 3]
    assert generate_file(prompts, out, gen, GenerateConfig(), render_many=fake_render_many,
                         progress=False)["written"] == 0


@needs_model
def test_generate_batches_prompts_through_generate_many(tmp_path):
    samples = {f"p{i}": [("fill 1 1 1", -0.1, 3)] for i in range(10)}
    samples["p3"] = [("error z", -0.1, 4)]  # fails: repaired on its own, after its chunk was sampled
    prompts = write_prompts(tmp_path / "p.jsonl", [{"id": i, "prompt": f"p{i}"} for i in range(10)])
    out = tmp_path / "preds.jsonl"
    gen = BatchingGen(samples)
    written = []
    renders = []

    def counting_render(codes, **kw):
        renders.append(len(codes))
        written.append(len(read_jsonl(out)) if out.exists() else 0)
        return fake_render_many(codes, **kw)

    assert generate_file(prompts, out, gen, GenerateConfig(n=1, repair=1), render_many=counting_render,
                         progress=False)["written"] == 10
    assert gen.batches == [4, 4, 2]  # default 4 prompts per batch when n == 1
    assert [c[0] for c in gen.calls].count("repair") == 1
    rows = read_jsonl(out)
    assert [r["id"] for r in rows] == list(range(10))
    assert rows[3]["code"] == "fill 0 255 0" and rows[3]["attempts"] == 2
    assert renders[0] == 4 and written[0] == 0  # a chunk's samples are rendered in one call
    assert written[-1] == 8  # the last chunk is rendered after the first two chunks' rows were appended

    gen2 = BatchingGen({f"p{i}": [("fill 1 1 1", -0.1, 3)] * 3 for i in range(5)})
    out2 = tmp_path / "preds2.jsonl"
    generate_file(write_prompts(tmp_path / "p2.jsonl", [{"id": i, "prompt": f"p{i}"} for i in range(5)]), out2,
                  gen2, GenerateConfig(n=3), render_many=fake_render_many, progress=False)
    assert gen2.batches == [1] * 5  # best-of-N: one prompt at a time by default
    gen3 = BatchingGen(gen2.samples)
    done = read_jsonl(out2)[:2]
    out3 = tmp_path / "preds3.jsonl"
    out3.write_text("".join(json.dumps(r) + "\n" for r in done))
    generate_file(tmp_path / "p2.jsonl", out3, gen3, GenerateConfig(n=3, batch_size=2), render_many=fake_render_many,
                  progress=False)
    assert gen3.batches == [2, 1]  # resumed: only the 3 missing rows, in chunks of --batch-size
    assert [r["id"] for r in read_jsonl(out3)] == list(range(5))


@needs_model
def test_generate_falls_back_to_generate_without_generate_many(tmp_path):
    gen = ScriptedGen({f"p{i}": [("fill 1 1 1", -0.1, 3)] for i in range(3)})
    assert not hasattr(gen, "generate_many")
    prompts = write_prompts(tmp_path / "p.jsonl", [{"id": i, "prompt": f"p{i}"} for i in range(3)])
    generate_file(prompts, tmp_path / "o.jsonl", gen, GenerateConfig(batch_size=2), render_many=fake_render_many,
                  progress=False)
    assert [c[:2] for c in gen.calls] == [("generate", "p0"), ("generate", "p1"), ("generate", "p2")]
    with pytest.raises(ValueError, match="--batch-size"):
        GenerateConfig(batch_size=0)


def test_bad_prompts_are_rejected_with_the_row(tmp_path):
    from eval.generate import validate_prompts

    with pytest.raises(ValueError, match="row 2"):
        validate_prompts([{"id": "a", "prompt": "x"}, {"id": "b"}])
    with pytest.raises(ValueError, match="appears in rows 1 and 2"):
        validate_prompts([{"id": "a", "prompt": "x"}, {"id": "a", "prompt": "y"}])
    with pytest.raises(ValueError, match="does not exist"):
        validate_prompts([{"id": "a", "prompt": "x", "image": str(tmp_path / "none.png")}])
    with pytest.raises(ValueError, match="-n"):
        GenerateConfig(n=0)


# End to end: tiny model → generate → render → score -------------------------------------------------------------

def _render_ready() -> bool:
    try:
        from render import render_many  # noqa: F401
    except ImportError:
        return False
    return True


needs_render = pytest.mark.skipif(not _render_ready(), reason="render/ is not importable")


@pytest.fixture(scope="module")
def bigram_model(tmp_path_factory) -> Path:
    from _eval_util import save_bigram_qwen

    return save_bigram_qwen(tmp_path_factory.mktemp("qwen") / "bigram-qwen")


@needs_model
@needs_render
def test_generate_then_score_end_to_end(tmp_path, bigram_model, tiny_clip):
    from _eval_util import PROGRAM

    from eval.__main__ import main

    program = "".join(PROGRAM[1:-1])
    prompts = write_prompts(tmp_path / "prompts.jsonl", [
        {"id": "same", "prompt": "a red circle", "reference_code": program, "caption": "a red circle"},
        {"id": "other", "prompt": "a blue square",
         "reference_code": "function setup() {\n  createCanvas(200, 200);\n  background(255);\n  fill(0, 0, 200);\n"
                           "  rect(50, 50, 100, 100);\n  text('CNN', 150, 190);\n}\n"},
        {"id": "noref", "prompt": "three layer neural network"},
    ])
    preds = tmp_path / "preds.jsonl"
    assert main(["-q", "generate", "--prompts", str(prompts), "--out", str(preds), "--model", str(bigram_model),
                 "-n", "2", "--max-new-tokens", "64"]) == 0
    rows = read_jsonl(preds)
    assert [r["id"] for r in rows] == ["same", "other", "noref"]
    for r in rows:
        assert r["code"].strip() == program.strip()
        assert r["attempts"] == 2 and len(r["candidates"]) == 2 and r["truncated"] is False
        assert r["tokens"] == len(PROGRAM) + 1  # one token per chunk, and <|im_end|>
        assert all(c["status"] == "ok" for c in r["candidates"])
    report, md, plots = tmp_path / "report.json", tmp_path / "report.md", tmp_path / "plots"
    assert main(["-q", "score", "--predictions", str(preds), "--out", str(report), "--markdown", str(md),
                 "--plots", str(plots), "--clip-model", str(tiny_clip), "--ssim-size", "64"]) == 0
    rep = json.loads(report.read_text())
    assert REPORT_KEYS <= set(rep)
    assert rep["render_success_rate"] == 1.0 and rep["cost_to_success"]["mean_samples"] == 1.0
    by_id = {r["id"]: r for r in rep["rows"]}
    assert by_id["same"]["ssim"] == pytest.approx(1.0) and by_id["same"]["clip_image_score"] == pytest.approx(100)
    assert by_id["other"]["ssim"] < 0.99 and by_id["noref"]["ssim"] is None
    assert rep["redaction"]["trace"] == 4  # both programs with a reference draw text: painted out from the trace
    assert by_id["same"]["ssim_redacted"] == pytest.approx(1.0)
    assert rep["truncation_rate"] == 0.0 and rep["code_tokens"]["mean"] == len(PROGRAM) + 1
    assert "| render success | 100.0% |" in md.read_text()
    assert (plots / "render_outcome.png").exists()


@needs_model
@needs_render
def test_truncated_programs_are_repaired_and_counted(tmp_path, bigram_model):
    from model import load

    gen = load(str(bigram_model))
    prompts = write_prompts(tmp_path / "p.jsonl", [{"id": "t", "prompt": "a red circle"}])
    out = tmp_path / "preds.jsonl"
    generate_file(prompts, out, gen, GenerateConfig(n=1, repair=2, max_new_tokens=5), progress=False)
    (row,) = read_jsonl(out)
    # 5 tokens cut the program before its closing brace: it fails, and so do the (equally cut) repairs.
    assert row["truncated"] is True and row["attempts"] == 3
    assert [c["source"] for c in row["candidates"]] == ["sample", "repair", "repair"]
    assert all(c["status"] == "error" and c["error"] for c in row["candidates"])
    rep = score_rows([row], ScoreConfig(clip=False, progress=False))
    assert rep["render_success_rate"] == 0.0 and rep["truncation_rate"] == 1.0
    assert rep["cost_to_success"]["solved"] == 0 and rep["cost_to_success"]["samples_spent"] == 3


def test_bad_predictions_are_rejected_with_the_row(tmp_path):
    with pytest.raises(ValueError, match="row 2 has no 'id'"):
        score_rows([{"id": "a", "code": "fill 1 1 1"}, {"code": "x"}], ScoreConfig(clip=False, progress=False),
                   render_many=fake_render_many)
    with pytest.raises(ValueError, match="'code' must be a string"):
        score_rows([{"id": "a", "code": 5}], ScoreConfig(clip=False, progress=False), render_many=fake_render_many)
    with pytest.raises(ValueError, match="cannot be read"):
        score_rows([{"id": "a", "code": "fill 1 1 1", "reference_image": str(tmp_path / "none.png")}],
                   ScoreConfig(clip=False, progress=False), render_many=fake_render_many)


def test_generate_cli_passes_merge_and_int8_to_the_loader(tmp_path, monkeypatch):
    """`--quantize int8` loads merged int8 weights; `--no-adapter` asks for the base model; endpoints get neither."""
    import model

    from eval.__main__ import main

    seen: list[tuple[tuple, dict]] = []

    class _Stub:
        name, adapter = "stub", None

        def generate(self, request, n=1, **kw):
            raise AssertionError("no prompt should be generated")

    monkeypatch.setattr(model, "load", lambda *a, **kw: seen.append((a, kw)) or _Stub())
    prompts = tmp_path / "p.jsonl"
    prompts.write_text("")
    out = tmp_path / "o.jsonl"
    base = ["generate", "--prompts", str(prompts), "--out", str(out)]
    assert main(base + ["--quantize", "int8", "--seed", "3"]) == 0
    assert main(base + ["--no-adapter", "--merge", "--repetition-penalty", "1"]) == 0
    assert main(base + ["--model", "http://127.0.0.1:9/v1", "--quantize", "int8"]) == 0
    from model.defaults import DEFAULTS

    default = DEFAULTS.adapter_arg()  # no --adapter / --no-adapter: as model/defaults.py says
    assert seen[0][1] == {"adapter": default, "merge": True, "quantize": "int8"}
    assert seen[1][1] == {"adapter": False, "merge": True, "repetition_penalty": 1.0}
    assert seen[2] == (("http://127.0.0.1:9/v1",), {"adapter": default})


# Generation with checks derived from the request (model.request_checks) -------------------------------------------

def _net(*sizes: int) -> str:
    """A p5 network with these units per column."""
    return ("function setup() {\n  createCanvas(400, 300);\n  background(255);\n"
            f"  const layers = [{', '.join(map(str, sizes))}];\n"
            "  for (let i = 0; i < layers.length; i++) {\n"
            "    for (let j = 0; j < layers[i]; j++) circle(80 + i * 120, 40 + j * 50, 30);\n  }\n}\n")


class _NetGen:
    """Samples a 3-4-1 net (likelier) and a 3-4-2 net; a mismatch repair answers 3-4-2."""

    name, adapter = "net-gen", None

    def __init__(self):
        self.mismatch_reasons: list[list[str]] = []

    def generate(self, req, n=1, **kw):
        from model import Candidate

        codes = [(_net(3, 4, 1), -0.1), (_net(3, 4, 2), -0.9)][:n]
        return [Candidate(code=c, text=c, logprob=lp, tokens=10) for c, lp in codes]

    def repair_mismatch(self, code, reasons, lang="p5", request=None, **kw):
        from model import Candidate

        self.mismatch_reasons.append(list(reasons))
        return [Candidate(code=_net(3, 4, 2), text="", logprob=-0.5, tokens=10)]


def test_request_checks_rank_samples_before_log_probability():
    from eval.generate import GenerateConfig, predict_row
    from render import render_many

    row = {"id": "x", "prompt": "a 3-4-2 neural network"}
    plain = predict_row(row, _NetGen(), GenerateConfig(n=2), render_many)
    assert plain["code"] == _net(3, 4, 1) and "request_checks" not in plain  # off: log-probability decides
    ranked = predict_row(row, _NetGen(), GenerateConfig(n=2, request_checks=True), render_many)
    assert ranked["code"] == _net(3, 4, 2)
    assert ranked["request_checks"] == [{"type": "columns", "select": {"kind": "circle"}, "counts": [3, 4, 2]}]
    assert [c["checks_passed"] for c in ranked["candidates"]] == [0, 1]


def test_request_checks_start_a_repair_round_for_a_figure_that_misses_the_request():
    from eval.generate import GenerateConfig, predict_row
    from render import render_many

    gen = _NetGen()
    row = {"id": "y", "prompt": "a 3-4-2 neural network"}
    out = predict_row(row, gen, GenerateConfig(n=1, repair=2, request_checks=True), render_many)
    assert len(gen.mismatch_reasons) == 1 and len(gen.mismatch_reasons[0]) == 1
    assert gen.mismatch_reasons[0][0].startswith("column 3 has 1 circle") and "want 2" in gen.mismatch_reasons[0][0]
    assert [c["source"] for c in out["candidates"]] == ["sample", "check-repair"]  # fixed: no second round
    assert out["code"] == _net(3, 4, 2) and out["candidates"][1]["check_failures"] == []
    none = predict_row(row, _NetGen(), GenerateConfig(n=1, repair=0, request_checks=True), render_many)
    assert len(none["candidates"]) == 1  # no repair rounds asked for
