"""transformers backend: causal code LMs, vision-language models, GGUF files and PEFT adapters."""

from __future__ import annotations

import contextlib
import io
import logging
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from model.base import Generator
from model.errors import ModelError
from model.presets import GenSettings
from model.prompts import Request
from model.types import Candidate, StreamChunk

__all__ = ["INT8_KEEP_FP32", "TransformersGenerator", "hub_offline", "load_transformers", "quantize_int8"]

log = logging.getLogger(__name__)

_DTYPES = {"float32": "float32", "fp32": "float32", "bfloat16": "bfloat16", "bf16": "bfloat16",
           "float16": "float16", "fp16": "float16", "half": "float16"}

# A ChatML template for models that ship none (base checkpoints); Qwen models bring their own.
_CHATML = (
    "{% for m in messages %}<|im_start|>{{ m['role'] }}\n"
    "{% if m['content'] is string %}{{ m['content'] }}{% else %}{% for c in m['content'] %}"
    "{% if c['type'] == 'text' %}{{ c['text'] }}{% endif %}{% endfor %}{% endif %}<|im_end|>\n{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)


def hub_offline() -> bool:
    """True when the environment forbids reaching the model hub."""
    return any(os.environ.get(k, "").lower() in ("1", "true", "yes", "on")
               for k in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE"))


def _resolve_dtype(dtype: Any, device: str) -> Any:
    """torch dtype from a name or dtype; bf16 on CUDA and fp32 on CPU by default."""
    import torch

    if dtype is None:
        return torch.bfloat16 if device.startswith("cuda") else torch.float32
    if isinstance(dtype, torch.dtype):
        return dtype
    key = str(dtype).lower().replace("torch.", "")
    if key == "auto":
        return "auto"
    if key not in _DTYPES:
        raise ModelError(f"Unknown dtype {dtype!r}; use one of float32, bfloat16, float16, auto.")
    return getattr(torch, _DTYPES[key])


def _to_pil(img: Any) -> Any:
    """A PIL RGB image from a PIL image, numpy array, PNG/JPEG bytes or a file path."""
    from PIL import Image

    if isinstance(img, Image.Image):
        return img.convert("RGB")
    if isinstance(img, (bytes, bytearray)):
        return Image.open(io.BytesIO(img)).convert("RGB")
    if isinstance(img, (str, Path)):
        p = Path(img)
        if not p.is_file():
            raise ModelError(f"Image file not found: {p}")
        return Image.open(p).convert("RGB")
    try:
        import numpy as np

        arr = np.asarray(img)
        if arr.dtype != np.uint8:
            arr = np.clip(arr * (255 if arr.max() <= 1.0 else 1), 0, 255).astype(np.uint8)
        return Image.fromarray(arr).convert("RGB")
    except Exception as exc:
        raise ModelError(f"Cannot read an image from a {type(img).__name__}: {exc}") from exc


def _make_stop_criteria(events: list[threading.Event]) -> Any:
    """A StoppingCriteria that ends generation for the whole batch once any event is set."""
    import torch
    from transformers import StoppingCriteria

    class _EventStop(StoppingCriteria):
        def __call__(self, input_ids: Any, scores: Any, **kwargs: Any) -> Any:
            hit = any(e.is_set() for e in events)
            return torch.full((input_ids.shape[0],), hit, dtype=torch.bool, device=input_ids.device)

    return _EventStop()


def _make_logprob_recorder() -> Any:
    """A LogitsProcessor that records the raw log-probability of each chosen token, one step late.

    It must run before any sampling warper so it sees the model's own distribution; keeping only the
    previous step's distribution avoids holding steps × batch × vocab floats.
    """
    import torch
    from transformers import LogitsProcessor

    class _Recorder(LogitsProcessor):
        def __init__(self) -> None:
            self.prev: Any = None
            self.values: list[Any] = []

        def __call__(self, input_ids: Any, scores: Any) -> Any:
            if self.prev is not None:
                self.values.append(self.prev.gather(1, input_ids[:, -1:]).squeeze(1))
            self.prev = torch.log_softmax(scores.float(), dim=-1)
            return scores

        def finish(self, last_tokens: Any) -> Any:
            if self.prev is not None:
                self.values.append(self.prev.gather(1, last_tokens[:, None]).squeeze(1))
                self.prev = None
            return torch.stack(self.values, dim=1) if self.values else None

    return _Recorder()


def _shared_prefill(model: Any, inputs: Any, n: int) -> Any:
    """Prefill the prompt once at batch 1 and return its KV cache repeated to n rows, or None if that fails."""
    # num_return_sequences copies the prompt before prefill, so the compute-bound prompt pass would run n times;
    # running it once and copying the cache leaves generate() only the last prompt token and the (cheap,
    # memory-bound) batched decode. The last token is left out so generate() still produces the first logits.
    from transformers import DynamicCache

    try:
        out = model(input_ids=inputs["input_ids"][:, :-1], attention_mask=inputs["attention_mask"][:, :-1],
                    use_cache=True, logits_to_keep=1)
        cache = out.past_key_values
        if type(cache) is not DynamicCache:
            log.debug("shared prefill skipped: the model's cache is a %s", type(cache).__name__)
            return None
        cache.batch_repeat_interleave(n)
        return cache
    except Exception as exc:  # any model that cannot do this keeps the plain path
        log.debug("shared prefill failed, duplicating the prompt instead: %s", exc)
        return None


class TransformersGenerator(Generator):
    """A transformers model (text or vision) with optional PEFT adapters."""

    def __init__(self, model: Any, tokenizer: Any, *, name: str, processor: Any = None,
                 settings: GenSettings | None = None, device: str = "cpu",
                 generate_kwargs: dict[str, Any] | None = None) -> None:
        super().__init__(name, settings)
        self.model = model
        self.tokenizer = tokenizer
        self.processor = processor
        self.is_vision = processor is not None
        self.device = device
        self.generate_kwargs = dict(generate_kwargs or {})  # e.g. cache_implementation="static"
        self.shared_prefill = True  # best-of-n prefills the prompt once (see _shared_prefill)
        self.fast_sampling = True  # top-k sampling drawn within the k best tokens (see TopKTopPSampler)
        self._lock = threading.RLock()
        self._adapter_names: list[str] = []
        self._active: str | None = None
        self._merged: str | None = None
        if getattr(self.tokenizer, "chat_template", None) is None and not (
                processor is not None and getattr(processor, "chat_template", None)):
            self.tokenizer.chat_template = _CHATML
        if self.tokenizer.pad_token_id is None:
            self.tokenizer.pad_token = self.tokenizer.eos_token
        self.tokenizer.padding_side = "left"
        self._eos_ids = self._collect_eos_ids()

    # -- adapters --
    @property
    def adapter(self) -> str | None:
        return self._active

    @property
    def adapters(self) -> list[str]:
        return list(self._adapter_names)

    @property
    def merged(self) -> str | None:
        """Name of the adapter merged into the weights, if any."""
        return self._merged

    def load_adapter(self, path: str, name: str | None = None) -> str:
        from peft import PeftModel

        p = Path(path).expanduser()
        if not (p / "adapter_config.json").is_file():
            raise ModelError(f"{p} is not a PEFT adapter directory (it has no adapter_config.json).")
        if self._merged:
            raise ModelError(f"Adapter {self._merged!r} is merged into the weights; reload the model to add "
                             "another adapter.")
        # PEFT adapter names become module names, which may not contain dots ("qwen2.5-…" directories do).
        name = (name or p.name).replace(".", "_")
        if name in self._adapter_names:
            raise ModelError(f"An adapter named {name!r} is already loaded.")
        with self._lock:
            try:
                if isinstance(self.model, PeftModel):
                    self.model.load_adapter(str(p), adapter_name=name)
                else:
                    self.model = PeftModel.from_pretrained(self.model, str(p), adapter_name=name)
                    self._active = name
                    self.model.set_adapter(name)
            except (ValueError, RuntimeError, OSError, KeyError) as exc:
                raise ModelError(f"Adapter {p} does not fit {self.name}: {exc}") from exc
            self.model.eval()
        self._adapter_names.append(name)
        log.info("Loaded adapter %r from %s (active: %s)", name, p, self._active)
        return name

    def set_adapter(self, name: str | None) -> None:
        if self._merged:
            if name == self._merged:
                return
            raise ModelError(f"Adapter {self._merged!r} is merged into the weights; reload the model to switch.")
        if name is None:
            self._active = None
            return
        if name not in self._adapter_names:
            raise ModelError(f"No adapter named {name!r}; loaded: {', '.join(self._adapter_names) or 'none'}.")
        with self._lock:
            self.model.set_adapter(name)
            self._active = name

    def merge(self) -> None:
        if self._merged:
            return
        if self._active is None:
            raise ModelError("No active adapter to merge; load one or choose it with set_adapter().")
        with self._lock:
            self.model = self.model.merge_and_unload(adapter_names=[self._active])
            self.model.eval()
        self._merged = self._active
        self._adapter_names = [self._active]
        log.info("Merged adapter %r into %s", self._active, self.name)

    # -- prompting --
    def count_tokens(self, text: str) -> int:
        return len(self.tokenizer.encode(text, add_special_tokens=False))

    def prompt_text(self, request: Request) -> str:
        """The full prompt string (chat template applied, generation prompt added)."""
        templater = self.processor if self.is_vision else self.tokenizer
        return templater.apply_chat_template(self.messages(request), add_generation_prompt=True, tokenize=False)

    def _inputs(self, request: Request, prefix: str = "") -> Any:
        """Tokenised (and for vision, pixel) inputs on the model's device."""
        text = self.prompt_text(request) + prefix
        if self.is_vision:
            images = [_to_pil(i) for i in request.images]
            inputs = self.processor(text=[text], images=images or None, return_tensors="pt")
        else:
            if request.images:
                log.debug("%s is a text model: %d image(s) ignored, the sketch text is used", self.name,
                          len(request.images))
            inputs = self.tokenizer([text], return_tensors="pt", add_special_tokens=False)
        return inputs.to(self._model_device())

    def _model_device(self) -> Any:
        try:
            return next(self.model.parameters()).device
        except StopIteration:
            return self.device

    def _collect_eos_ids(self) -> list[int]:
        ids: list[int] = []
        cfg_eos = getattr(getattr(self.model, "generation_config", None), "eos_token_id", None)
        for v in (cfg_eos if isinstance(cfg_eos, list) else [cfg_eos]) + [self.tokenizer.eos_token_id]:
            if isinstance(v, int) and v not in ids:
                ids.append(v)
        for tok in ("<|im_end|>", "<|endoftext|>"):
            tid = self.tokenizer.convert_tokens_to_ids(tok)
            if isinstance(tid, int) and tid != self.tokenizer.unk_token_id and tid not in ids and tid >= 0:
                ids.append(tid)
        return ids

    # -- generation core --
    def _run(self, inputs: Any, *, n: int, max_new_tokens: int, temperature: float,
             stop_events: list[threading.Event], streamer: Any = None) -> tuple[Any, Any, str]:
        """One generate() call; returns (new token ids [n, T], per-token logprobs [n, T], cancel flag)."""
        import torch
        from transformers import (
            GenerationConfig,
            LogitsProcessorList,
            RepetitionPenaltyLogitsProcessor,
            StoppingCriteriaList,
            TemperatureLogitsWarper,
            TopKLogitsWarper,
            TopPLogitsWarper,
        )

        from model.cpu_decode import TopKTopPSampler

        s = self.settings
        sample = temperature > 0
        text_only = not self.is_vision and "pixel_values" not in inputs
        # The top-k sampler draws inside a logits processor (see TopKTopPSampler); it needs the n copies of each
        # prompt made here, which is only safe for text inputs (vision inputs are not batch-first).
        own_sampler = sample and bool(s.top_k) and self.fast_sampling and (n == 1 or text_only)
        recorder = _make_logprob_recorder()
        processors: list[Any] = [recorder]
        # The sampling chain is built here (not from the model's generation config) so the recorder sees
        # the raw distribution first.
        if s.repetition_penalty and s.repetition_penalty != 1.0:
            processors.append(RepetitionPenaltyLogitsProcessor(s.repetition_penalty))
        if own_sampler:
            processors.append(TopKTopPSampler(temperature, s.top_k, s.top_p))
        elif sample:
            processors.append(TemperatureLogitsWarper(temperature))
            if s.top_k:
                processors.append(TopKLogitsWarper(s.top_k))
            if s.top_p and s.top_p < 1.0:
                processors.append(TopPLogitsWarper(s.top_p))
        cache_impl = self.generate_kwargs.get("cache_implementation")
        prompt_len = inputs["input_ids"].shape[1]
        share = (sample and n > 1 and self.shared_prefill and text_only and cache_impl in (None, "dynamic")
                 and inputs["input_ids"].shape[0] == 1 and prompt_len > 1)
        with self._lock, torch.inference_mode(), self._adapter_context():
            cache = _shared_prefill(self.model, inputs, n) if share else None
            expand_here = sample and n > 1 and (cache is not None or own_sampler)
            if expand_here:  # row order as num_return_sequences gives: each prompt's n copies together
                inputs = {k: v.repeat_interleave(n, dim=0) for k, v in inputs.items()}
            config = GenerationConfig(
                max_new_tokens=max_new_tokens, do_sample=sample and not own_sampler,
                num_return_sequences=n if sample and not expand_here else 1,
                eos_token_id=self._eos_ids, pad_token_id=self.tokenizer.pad_token_id,
                temperature=None, top_k=None, top_p=None, repetition_penalty=None,
                # generate() refuses a cache_implementation next to a cache it is handed.
                cache_implementation=cache_impl if cache is None else None,
            )
            extra = {"past_key_values": cache} if cache is not None else {}
            out = self.model.generate(
                **inputs, **extra, generation_config=config, logits_processor=LogitsProcessorList(processors),
                stopping_criteria=StoppingCriteriaList([_make_stop_criteria(stop_events)]),
                streamer=streamer,
            )
        seqs = out[:, prompt_len:] if not hasattr(out, "sequences") else out.sequences[:, prompt_len:]
        logps = recorder.finish(seqs[:, -1]) if seqs.shape[1] else None
        cancelled = "cancelled" if any(e.is_set() for e in stop_events) else ""
        return seqs, logps, cancelled

    def _adapter_context(self) -> Any:
        """Disable PEFT adapters for this call when the base model was chosen."""
        if self._adapter_names and self._active is None and not self._merged:
            return self.model.disable_adapter()
        return contextlib.nullcontext()

    def _to_candidates(self, seqs: Any, logps: Any, cancelled: str, request: Request, prefix: str = "",
                       prior: Candidate | None = None) -> list[Candidate]:
        """Decode sequences into candidates with mean log-probs and finish reasons."""
        cands = []
        eos = set(self._eos_ids)
        for i in range(seqs.shape[0]):
            ids = seqs[i].tolist()
            stop_at = next((j for j, t in enumerate(ids) if t in eos), None)
            used = ids[: stop_at + 1] if stop_at is not None else ids
            finish = "stop" if stop_at is not None else (cancelled or "length")
            lp_sum = float(logps[i, : len(used)].sum()) if logps is not None and used else 0.0
            ntok = len(used)
            text = prefix + self.tokenizer.decode(used, skip_special_tokens=True)
            if prior is not None and prior.logprob is not None:
                lp_sum += prior.logprob * prior.tokens
                ntok += prior.tokens
            logprob = lp_sum / ntok if ntok else None
            cands.append(self._candidate(text, request.lang, logprob=logprob, tokens=ntok, finish_reason=finish,
                                         adapter=self._active, request=request))
        return cands

    def _limits(self, max_new_tokens: int | None, temperature: float | None) -> tuple[int, float]:
        mnt = int(max_new_tokens or self.settings.max_new_tokens)
        if mnt < 1:
            raise ModelError(f"max_new_tokens must be at least 1, not {mnt}.")
        temp = self.settings.temperature if temperature is None else float(temperature)
        return mnt, temp

    # -- public API --
    def generate(self, request: Request, n: int = 1, max_new_tokens: int | None = None,
                 temperature: float | None = None, stop_event: threading.Event | None = None) -> list[Candidate]:
        self._validate(request, n)
        mnt, temp = self._limits(max_new_tokens, temperature)
        inputs = self._inputs(request)
        seqs, logps, cancelled = self._run(inputs, n=n, max_new_tokens=mnt, temperature=temp,
                                           stop_events=[stop_event] if stop_event else [])
        cands = self._to_candidates(seqs, logps, cancelled, request)
        if len(cands) < n:  # greedy decoding is deterministic: every candidate is the same answer
            cands += [Candidate(**cands[0].to_dict()) for _ in range(n - len(cands))]
        return cands

    def generate_many(self, requests: list[Request], n: int = 1, max_new_tokens: int | None = None,
                      temperature: float | None = None,
                      stop_event: threading.Event | None = None) -> list[list[Candidate]]:
        """n candidates for each request from one left-padded batched generate() call (vision: one call each)."""
        for request in requests:
            self._validate(request, n)
        if self.is_vision or len(requests) < 2:
            return super().generate_many(requests, n=n, max_new_tokens=max_new_tokens, temperature=temperature,
                                         stop_event=stop_event)
        mnt, temp = self._limits(max_new_tokens, temperature)
        inputs = self._batch_inputs(requests)
        seqs, logps, cancelled = self._run(inputs, n=n, max_new_tokens=mnt, temperature=temp,
                                           stop_events=[stop_event] if stop_event else [])
        per = seqs.shape[0] // len(requests)  # n rows per prompt when sampling, 1 when greedy
        out = []
        for i, request in enumerate(requests):
            rows = slice(i * per, (i + 1) * per)
            cands = self._to_candidates(seqs[rows], logps[rows] if logps is not None else None, cancelled,
                                        request)
            cands += [Candidate(**cands[0].to_dict()) for _ in range(n - len(cands))]
            out.append(cands)
        return out

    def _batch_inputs(self, requests: list[Request]) -> Any:
        """Several text prompts as one left-padded batch on the model's device."""
        texts = [self.prompt_text(r) for r in requests]
        if any(r.images for r in requests):
            log.debug("%s is a text model: images ignored, the sketch text is used", self.name)
        saved = self.tokenizer.padding_side
        self.tokenizer.padding_side = "left"  # generate() appends on the right, so the prompts must end aligned
        try:
            inputs = self.tokenizer(texts, return_tensors="pt", padding=True, add_special_tokens=False)
        finally:
            self.tokenizer.padding_side = saved
        return inputs.to(self._model_device())

    def stream(self, request: Request, max_new_tokens: int | None = None, temperature: float | None = None,
               stop_event: threading.Event | None = None) -> Iterator[StreamChunk]:
        from transformers import TextIteratorStreamer

        self._validate(request)
        mnt, temp = self._limits(max_new_tokens, temperature)
        inputs = self._inputs(request)
        streamer = TextIteratorStreamer(self.tokenizer, skip_prompt=True, skip_special_tokens=True)
        abandoned = threading.Event()  # set when the consumer stops iterating early
        events = [abandoned] + ([stop_event] if stop_event else [])
        result: dict[str, Any] = {}

        def work() -> None:
            try:
                result["out"] = self._run(inputs, n=1, max_new_tokens=mnt, temperature=temp,
                                          stop_events=events, streamer=streamer)
            except BaseException as exc:  # re-raised in the consumer's thread
                result["error"] = exc
                streamer.end()

        thread = threading.Thread(target=work, name="model-stream", daemon=True)
        thread.start()
        text = ""
        try:
            for piece in streamer:
                if piece:
                    text += piece
                    yield StreamChunk(text=text)
            thread.join()
            if "error" in result:
                exc = result["error"]
                raise exc if isinstance(exc, ModelError) else ModelError(f"Generation failed: {exc}") from exc
            cand = self._to_candidates(*result["out"], request)[0]
            yield StreamChunk(text=cand.text, done=True, candidate=cand)
        finally:
            abandoned.set()
            thread.join(timeout=60)

    def continue_generation(self, request: Request, candidate: Candidate, max_new_tokens: int | None = None,
                            stop_event: threading.Event | None = None) -> Candidate:
        self._validate(request)
        mnt, temp = self._limits(max_new_tokens, None)
        inputs = self._inputs(request, prefix=candidate.text)
        seqs, logps, cancelled = self._run(inputs, n=1, max_new_tokens=mnt, temperature=temp,
                                           stop_events=[stop_event] if stop_event else [])
        return self._to_candidates(seqs, logps, cancelled, request, prefix=candidate.text,
                                   prior=candidate)[0]


def _is_local(source: str) -> bool:
    """True when source names a local path rather than a hub id."""
    return source.startswith(("/", "./", "../", "~")) or Path(source).expanduser().exists()


def load_transformers(source: str, *, name: str | None = None, gguf_file: str | None = None,
                      adapter: str | list[str] | dict[str, str] | None = None, load_in_4bit: bool = False,
                      device: str | None = None, dtype: Any = None, merge: bool = False,
                      settings: GenSettings | None = None, quantize: str | None = None,
                      num_threads: int | None = None, cache_implementation: str | None = None,
                      local_files_only: bool | None = None, trust_remote_code: bool = False,
                      vision: bool | None = None, small_batch_matmul: bool = True) -> TransformersGenerator:
    """Load a transformers model (dir, hub id or GGUF) with optional adapters into a generator."""
    import torch
    from transformers import AutoConfig, AutoModelForCausalLM, AutoModelForImageTextToText, AutoTokenizer

    from model.vision import load_processor

    device = device or ("cuda" if torch.cuda.is_available() else "cpu")
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise ModelError("device='cuda' was asked for but no CUDA GPU is available; use device='cpu'.")
    if num_threads:
        torch.set_num_threads(int(num_threads))
    local = _is_local(source)
    if local and not Path(source).expanduser().exists():
        raise ModelError(f"No model at {source}: the path does not exist.")
    if local:
        source = str(Path(source).expanduser())
    offline = hub_offline() if local_files_only is None else local_files_only
    common: dict[str, Any] = {"local_files_only": local or offline, "trust_remote_code": trust_remote_code}
    if gguf_file:
        common["gguf_file"] = gguf_file

    try:
        config = AutoConfig.from_pretrained(source, **common)
    except (OSError, ValueError) as exc:
        if local:
            raise ModelError(f"{source} is not a model directory transformers can read: {exc}") from exc
        where = "the hub is offline (HF_HUB_OFFLINE=1)" if offline else "the hub could not be reached"
        raise ModelError(
            f"Model {source!r} is not in the local cache and {where}. Use a local directory, a .gguf file, an "
            "OpenAI-compatible endpoint URL, or the embedded default 'qwen2.5-coder-0.5b'."
        ) from exc
    if vision is None:
        vision = hasattr(config, "vision_config")

    torch_dtype = _resolve_dtype(dtype, device)
    model_kw: dict[str, Any] = dict(common, dtype=torch_dtype)
    if load_in_4bit:
        if not torch.cuda.is_available():
            raise ModelError("4-bit (nf4) loading needs a CUDA GPU and none is available; load without "
                             "load_in_4bit, or use bfloat16/int8 on the CPU.")
        try:
            import bitsandbytes  # noqa: F401
            from transformers import BitsAndBytesConfig
        except ImportError as exc:
            raise ModelError("4-bit loading needs bitsandbytes: pip install bitsandbytes") from exc
        model_kw["quantization_config"] = BitsAndBytesConfig(
            load_in_4bit=True, bnb_4bit_quant_type="nf4", bnb_4bit_use_double_quant=True,
            bnb_4bit_compute_dtype=torch.bfloat16)
        model_kw["device_map"] = {"": 0}
        model_kw["dtype"] = torch.bfloat16

    processor = None
    try:
        if vision:
            processor = load_processor(source, **common)
            tokenizer = processor.tokenizer
            model = AutoModelForImageTextToText.from_pretrained(source, **model_kw)
        else:
            tokenizer = AutoTokenizer.from_pretrained(source, **common)
            model = AutoModelForCausalLM.from_pretrained(source, **model_kw)
    except (OSError, ValueError, ImportError) as exc:
        raise ModelError(f"Could not load {source}: {exc}") from exc
    if not load_in_4bit:
        model.to(device)
    model.eval()

    # Sampling is configured per call by the generator; model-level defaults would run before its recorder.
    gc = model.generation_config
    for attr in ("temperature", "top_p", "top_k", "repetition_penalty"):
        if hasattr(gc, attr):
            setattr(gc, attr, None)
    gc.do_sample = False

    gen = TransformersGenerator(model, tokenizer, name=name or _display_name(source, gguf_file),
                                processor=processor, settings=settings, device=device,
                                generate_kwargs={"cache_implementation": cache_implementation}
                                if cache_implementation else None)
    for adapter_name, path in _normalise_adapters(adapter).items():
        gen.load_adapter(path, adapter_name)
    if merge and gen.adapters:
        gen.merge()
    if quantize:
        _quantize(gen, quantize)
    if device == "cpu" and small_batch_matmul:
        from model.cpu_decode import use_small_batch_linears

        use_small_batch_linears(gen.model)  # after quantising: the layers left in fp32
    log.info("Loaded %s (%s, %s%s), adapter: %s", gen.name, "vision" if vision else "text", device,
             f", {quantize}" if quantize else "", gen.adapter or "none")
    return gen


# Layers int8 leaves in fp32. The MLP's down projection reads the SiLU-gated activations, whose outliers one
# int8 scale per row cannot hold. On the embedded model (bench/int8_agreement.py, teacher-forced p5 programs)
# per-channel int8 everywhere agrees with fp32 on the next token 84 % of the time (KL 0.20 nats); with the down
# projections in fp32, 93 % (KL 0.036). Render success on 19 eval prompts: 8/19, fp32 7/19, torch's default
# per-tensor int8 everywhere 2/19 (docs/benchmarks.md).
INT8_KEEP_FP32 = ("down_proj",)


def quantize_int8(model: Any, *, per_channel: bool = True, keep_fp32: tuple[str, ...] = INT8_KEEP_FP32) -> Any:
    """Dynamic int8 quantisation of a model's Linear layers, but those whose names end with keep_fp32."""
    import torch
    from torch.ao.quantization import default_dynamic_qconfig, per_channel_dynamic_qconfig

    qconfig = per_channel_dynamic_qconfig if per_channel else default_dynamic_qconfig
    names = {name for name, module in model.named_modules()
             if isinstance(module, torch.nn.Linear) and not name.endswith(keep_fp32)}
    return torch.ao.quantization.quantize_dynamic(model, {name: qconfig for name in names}, dtype=torch.qint8)


def _quantize(gen: TransformersGenerator, how: str) -> None:
    """The generator's model in int8 (quantize_int8's defaults: per-channel, INT8_KEEP_FP32 in fp32; CPU)."""
    if how != "int8":
        raise ModelError(f"Unknown quantize={how!r}; the CPU option is 'int8'.")
    if gen.adapters and not gen.merged:
        raise ModelError("int8 quantisation needs the adapter merged first: load with merge=True.")
    if gen.device != "cpu":
        raise ModelError("int8 dynamic quantisation runs on the CPU only.")
    gen.model = quantize_int8(gen.model)


def _display_name(source: str, gguf_file: str | None) -> str:
    if gguf_file:
        return Path(gguf_file).stem
    return Path(source).name if _is_local(source) else source


def _normalise_adapters(adapter: str | list[str] | dict[str, str] | None) -> dict[str, str]:
    """Adapter argument → {name: path}."""
    if not adapter:
        return {}
    if isinstance(adapter, (str, Path)):
        return {Path(adapter).name: str(adapter)}
    if isinstance(adapter, dict):
        return {str(k): str(v) for k, v in adapter.items()}
    out: dict[str, str] = {}
    for p in adapter:
        name = Path(p).name
        if name in out:
            raise ModelError(f"Two adapters are named {name!r}; pass a dict of name → path.")
        out[name] = str(p)
    return out
