"""llama.cpp backend: GGUF models (K-quants included) on the CPU through llama-cpp-python.

The decoding loop is the project's own, on llama.cpp's low-level API, so that it behaves like the transformers
backend: the same sampling chain (repetition penalty over prompt and reply, temperature, top-k, top-p), the mean
log-probability of the chosen tokens under the model's raw distribution, the stop event checked every step, and
the chat template read from the GGUF. Only the logits of the tokens that need them are computed (the last prompt
token, drafted tokens), and the KV cache keeps the longest prefix shared with the previous call, so repeated turns
over the same prompt prefill it once. n samples are decoded side by side as n sequences sharing the prompt's cache
cells (one step reads the weights once for all of them). Revision turns draft tokens by prompt lookup
(model.lookup: the tokens that follow the longest match of the reply's end in the prompt, in drafts that grow while
the reply keeps copying); a draft is accepted token by token only where the sampled token equals it, so the output
distribution is unchanged. Every call records how long the prompt (prefill) and the decoding took.
"""

from __future__ import annotations

import bisect
import codecs
import ctypes
import itertools
import logging
import os
import queue
import re
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from model.base import Generator
from model.errors import ModelError
from model.lookup import PromptLookup
from model.prefix_states import PrefixStates
from model.presets import GenSettings
from model.prompts import Request, continuation_text
from model.types import Candidate, StreamChunk

__all__ = ["LLAMA_CPP_PIN", "LlamaCppGenerator", "Sampling", "default_threads", "llama_cpp_available",
           "load_llamacpp", "penalised", "pick_token", "sampling_distribution"]

log = logging.getLogger(__name__)

LLAMA_CPP_PIN = "llama-cpp-python==0.3.36"
_INSTALL_HINT = (f"The llama.cpp backend needs llama-cpp-python, which is not installed. Run `bash scripts/setup.sh` "
                 f"(it compiles {LLAMA_CPP_PIN} once, CPU only, ~15 min on 2 cores) or "
                 f"`CMAKE_ARGS='-DGGML_BLAS=OFF -DLLAVA_BUILD=OFF' pip install {LLAMA_CPP_PIN}`; "
                 "or load with backend='transformers'.")

# A ChatML template for GGUF files that carry none (Qwen GGUFs bring their own).
_CHATML = (
    "{% for m in messages %}<|im_start|>{{ m['role'] }}\n"
    "{% if m['content'] is string %}{{ m['content'] }}{% else %}{% for c in m['content'] %}"
    "{% if c['type'] == 'text' %}{{ c['text'] }}{% endif %}{% endfor %}{% endif %}<|im_end|>\n{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)


def _prefer_sleeping_threads() -> None:
    """Ask OpenMP for sleeping threads unless the environment says otherwise; call before llama_cpp loads.

    OpenMP reads its wait policy once, when llama.cpp's CPU library loads. Spinning threads stall each other when
    another process holds a core; sleeping ones do not (docs/benchmarks.md, "Threads").
    """
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")


def llama_cpp_available() -> bool:
    """True when llama-cpp-python can be imported."""
    _prefer_sleeping_threads()
    try:
        import llama_cpp  # noqa: F401
    except (ImportError, OSError):
        return False
    return True


def _import_llama() -> Any:
    """The llama_cpp module, or a ModelError that says how to install it."""
    _prefer_sleeping_threads()
    try:
        import llama_cpp
    except (ImportError, OSError) as exc:
        raise ModelError(f"{_INSTALL_HINT} ({exc})") from None
    return llama_cpp


_BACKEND_READY = False
MAX_PARALLEL = 8  # sequences decoded side by side for best-of-n (more run in further rounds)


_NATIVE_LOG = logging.getLogger("model.llamacpp.native")
_LOG_CALLBACK: Any = None  # the ctypes callback must outlive every call llama.cpp makes to it


def _backend_init(llama_cpp: Any) -> None:
    """Initialise llama.cpp once per process; its log lines go to `logging` (only errors unless at DEBUG)."""
    global _BACKEND_READY, _LOG_CALLBACK
    if _BACKEND_READY:
        return

    @llama_cpp.llama_log_callback
    def forward(level: int, text: bytes, _user: Any) -> None:
        if level == 3 or _NATIVE_LOG.isEnabledFor(logging.DEBUG):
            line = text.decode("utf-8", errors="replace").rstrip()
            # A LoRA tensor kept in plain CPU memory instead of the repacked layout is reported at error level
            # once per tensor, yet the adapter applies as it should (tests compare it with PEFT).
            benign = "cannot use buft" in line and "fallback to CPU" in line
            _NATIVE_LOG.log(logging.ERROR if level == 3 and not benign else logging.DEBUG, "%s", line)

    _LOG_CALLBACK = forward
    llama_cpp.llama_log_set(forward, ctypes.c_void_p(0))
    llama_cpp.llama_backend_init()
    _BACKEND_READY = True


def default_threads() -> int:
    """Decode threads: one per core, with OpenMP's passive wait policy (set in `_import_llama`).

    During a reply nothing else in the app needs a core (the preview renders after it). On 2 idle cores two
    threads decode the 0.5B ≈ 1.5× faster than one; llama.cpp's threads meet at a barrier after every operation, and
    with OpenMP's default spinning wait a two-thread decode collapsed when another process held a core (0.8 tok/s
    against 11 on one thread); sleeping at the barrier avoids that (docs/benchmarks.md, "Threads"). `num_threads=`
    overrides it.
    """
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(1, cores)


@dataclass
class Sampling:
    """One call's sampling settings."""

    temperature: float
    top_k: int | None
    top_p: float | None
    repetition_penalty: float | None


@dataclass
class _Result:
    """What one decoding run produced."""

    tokens: list[int]
    logprobs: list[float]
    finish: str  # "stop" | "length" | "cancelled"
    text: str
    drafted: int = 0
    accepted: int = 0
    prompt_ms: float = 0.0  # prefill of the prompt tokens not already cached
    decode_ms: float = 0.0  # everything after the prefill
    prefilled: int = 0  # prompt tokens computed (the rest came from the cache)
    batches: int = 0  # llama_decode calls after the prefill


def _log_softmax_at(logits: np.ndarray, token: int) -> float:
    """log p(token) under softmax(logits), computed stably."""
    m = float(logits.max())
    return float(logits[token] - m - np.log(np.exp(logits - m).sum()))


def penalised(logits: np.ndarray, seen: np.ndarray | None, penalty: float | None) -> np.ndarray:
    """transformers' RepetitionPenaltyLogitsProcessor: seen tokens' positive scores divided, negative multiplied."""
    if not penalty or penalty == 1.0 or seen is None or not seen.any():
        return logits
    scores = logits.copy()
    sel = scores[seen]
    scores[seen] = np.where(sel > 0, sel / penalty, sel * penalty)
    return scores


def sampling_distribution(scores: np.ndarray, s: Sampling) -> tuple[np.ndarray, np.ndarray]:
    """(token ids, probabilities) after temperature → top-k → top-p, as model.cpu_decode.TopKTopPSampler."""
    vocab = scores.shape[0]
    k = min(int(s.top_k), vocab) if s.top_k else vocab
    if k < vocab:
        index = np.argpartition(-scores, k - 1)[:k]
    else:
        index = np.arange(vocab)
    values = scores[index].astype(np.float64)
    order = np.argsort(-values, kind="stable")  # best first, as torch.topk gives them
    index, values = index[order], values[order]
    probs = np.exp((values - values[0]) / s.temperature)
    probs /= probs.sum()
    if s.top_p is not None and s.top_p < 1.0:
        # Keep the smallest head whose mass reaches top_p: a token goes when the mass before it already does.
        drop = (np.cumsum(probs) - probs) >= s.top_p
        drop[0] = False
        probs = np.where(drop, 0.0, probs)
        probs /= probs.sum()
    return index, probs


def pick_token(logits: np.ndarray, seen: np.ndarray | None, s: Sampling, rng: np.random.Generator) -> int:
    """The next token: repetition penalty on seen tokens, then greedy, or a draw from sampling_distribution."""
    scores = penalised(logits, seen, s.repetition_penalty)
    if s.temperature <= 0:
        return int(np.argmax(scores))
    index, probs = sampling_distribution(scores, s)
    return int(index[rng.choice(len(probs), p=probs)])


class _Reply:
    """One reply being decoded: its tokens, their log-probabilities, its text and when it ends."""

    def __init__(self, gen: LlamaCppGenerator, prompt: list[int], budget: int, sampling: Sampling,
                 on_text: Callable[[str], None] | None = None) -> None:
        self.gen = gen
        self.budget = budget
        self.sampling = sampling
        self.on_text = on_text
        self.tokens: list[int] = []
        self.logprobs: list[float] = []
        self.text = ""
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self.seen = None  # tokens the repetition penalty applies to: the prompt's and the reply's
        if sampling.repetition_penalty and sampling.repetition_penalty != 1.0:
            self.seen = np.zeros(gen.n_vocab, dtype=bool)
            self.seen[np.asarray(prompt, dtype=np.int64)] = True

    def pick(self, logits: np.ndarray, rng: np.random.Generator) -> int:
        return pick_token(logits, self.seen, self.sampling, rng)

    def add(self, token: int, logits: np.ndarray) -> str | None:
        """Record a chosen token; the finish reason when the reply ends with it."""
        self.tokens.append(token)
        self.logprobs.append(_log_softmax_at(logits, token))
        if self.seen is not None:
            self.seen[token] = True
        if self.gen._is_eog(token):
            return "stop"
        piece = self._decoder.decode(self.gen._piece(token))
        if piece:
            self.text += piece
            if self.on_text is not None:
                self.on_text(self.text)
        return "length" if len(self.tokens) >= self.budget else None

    def result(self, finish: str, drafted: int = 0, accepted: int = 0) -> _Result:
        self.text += self._decoder.decode(b"", final=True)
        return _Result(self.tokens, self.logprobs, finish, self.text, drafted, accepted)


@dataclass
class _Exchange:
    """A thread's last call as the cache holds it: the messages sent and the model's reply to them."""

    thread: str
    lang: str
    canvas: tuple[int, int]
    messages: list[dict[str, Any]]
    reply: str
    code: str
    finish: str


def _ms_since(t0: float) -> float:
    return (time.perf_counter() - t0) * 1000.0


class LlamaCppGenerator(Generator):
    """A GGUF model run by llama.cpp, with optional LoRA adapters converted from PEFT."""

    def __init__(self, model_path: str, *, name: str | None = None, settings: GenSettings | None = None,
                 n_ctx: int = 8192, n_threads: int | None = None, n_threads_batch: int | None = None,
                 seed: int | None = None, prompt_lookup: bool = True, lookup_ngram: int = 2,
                 lookup_tokens: int = 4, lookup_max_tokens: int = 64, n_batch: int = 512,
                 continue_threads: bool = True, continue_max_tokens: int = 4096, prefix_cache: bool = True,
                 prefix_cache_dir: str | None = None, prefix_cache_mb: int = 256, prefix_cache_disk_mb: int = 2048
                 ) -> None:
        """prompt_lookup: draft revision turns from the prompt (model.lookup); lookup_ngram: tokens that must match
        before a draft is made; lookup_tokens: the first draft after a match; lookup_max_tokens: the longest draft
        (drafts grow in between while they are accepted; at most n_batch - 1). continue_threads: a revision of the
        code this model just wrote for the same `Request.thread` continues that exchange, whose keys and values
        are still cached, instead of restating the code (whose prefill is most of an edit turn on a CPU), while
        the conversation stays under continue_max_tokens. prefix_cache: the cache state after a first figure's worked
        examples is saved (prefix_cache_mb in memory, prefix_cache_disk_mb on disk under prefix_cache_dir, default
        the model cache's prompt-states folder; "" keeps them in memory only) and restored when a later prompt
        starts with the same examples (model.prefix_states)."""
        llama_cpp = _import_llama()
        from llama_cpp import _internals as internals

        _backend_init(llama_cpp)

        path = Path(model_path).expanduser()
        if not path.is_file():
            raise ModelError(f"No GGUF file at {path}.")
        with open(path, "rb") as f:
            if f.read(4) != b"GGUF":
                raise ModelError(f"{path} is not a GGUF file (it does not start with the GGUF magic).")
        super().__init__(name or path.stem, settings)
        self.model_path = str(path)
        self._llama_cpp = llama_cpp
        threads = int(n_threads or default_threads())
        mp = llama_cpp.llama_model_default_params()
        mp.n_gpu_layers = 0  # CPU only, also on a build that has a GPU backend
        try:
            self._model = internals.LlamaModel(path_model=self.model_path, params=mp, verbose=False)
        except (ValueError, RuntimeError) as exc:
            raise ModelError(f"llama.cpp could not load {path}: the file is damaged, incomplete or of an "
                             f"architecture this llama.cpp does not know ({exc}).") from None
        cp = llama_cpp.llama_context_default_params()
        # Beyond the trained context the model's answers degrade; llama.cpp would only warn.
        cp.n_ctx = min(int(n_ctx), self._model.n_ctx_train() or int(n_ctx))
        cp.n_batch = cp.n_ubatch = int(n_batch)
        cp.n_threads = threads
        cp.n_threads_batch = int(n_threads_batch or threads)
        # Best-of-n decodes n sequences in one batch over a cache whose prompt cells they share.
        cp.n_seq_max = MAX_PARALLEL
        cp.kv_unified = True
        cp.no_perf = True
        try:
            self._ctx = internals.LlamaContext(model=self._model, params=cp, verbose=False)
        except ValueError as exc:
            raise ModelError(f"llama.cpp could not create a context for {path} (n_ctx={n_ctx}): {exc}") from None
        self._batch = internals.LlamaBatch(n_tokens=int(n_batch), embd=0, n_seq_max=1, verbose=False)
        self.n_batch = int(n_batch)
        self.n_ctx = llama_cpp.llama_n_ctx(self._ctx.ctx)
        self.n_threads = threads
        self.n_vocab = self._model.n_vocab()
        self.metadata = self._model.metadata()
        self.arch = self.metadata.get("general.architecture", "")
        self._vocab = self._model.vocab
        self._piece_cache: dict[int, bytes] = {}
        self._template = self._compile_template(self.metadata.get("tokenizer.chat_template") or _CHATML)
        self.prompt_lookup = prompt_lookup
        self.lookup_ngram = int(lookup_ngram)
        self.lookup_tokens = int(lookup_tokens)
        self.lookup_max_tokens = int(lookup_max_tokens)
        self.continue_threads = bool(continue_threads)
        self.continue_max_tokens = int(continue_max_tokens)
        self._last: _Exchange | None = None  # the exchange the cache holds, when it belongs to a thread
        self._requests = 0  # calls that asked for the cache so far: a warm-up gives way as soon as one does
        self._states: PrefixStates | None = None
        if prefix_cache:
            if prefix_cache_dir is None:
                from model.embedded import cache_root

                prefix_cache_dir = str(cache_root() / "prompt-states")
            self._states = PrefixStates(
                model_path=self.model_path, runtime=f"llama-cpp-python {llama_cpp.__version__}, f16 cache",
                max_bytes=int(prefix_cache_mb) << 20, directory=Path(prefix_cache_dir) if prefix_cache_dir else None,
                max_disk_bytes=int(prefix_cache_disk_mb) << 20)
        try:
            PromptLookup([], first=self.lookup_tokens, longest=self.lookup_max_tokens, min_match=self.lookup_ngram)
        except ValueError as exc:
            raise ModelError(f"Prompt lookup: {exc}.") from None
        self._rng = np.random.default_rng(seed)
        self._seeded = seed is not None
        self._lock = threading.Lock()
        self._kv: list[int] = []  # tokens whose keys/values sit in the cache, in order (sequence 0)
        self._prefilled = 0  # prompt tokens the last prefill computed (the others were cached)
        self._adapter_handles: dict[str, Any] = {}
        self._adapter_paths: dict[str, str] = {}
        self._active: str | None = None
        self.last_stats: dict[str, int] = {}
        log.info("llama.cpp: %s (%s, %d threads, n_ctx %d)", self.name, self.arch, threads, self.n_ctx)

    # -- lifetime --
    def close(self) -> None:
        """Free the context, adapters and model now (they are also freed when the generator is collected)."""
        with self._lock:
            for handle in self._adapter_handles.values():
                self._llama_cpp.llama_adapter_lora_free(handle)
            self._adapter_handles.clear()
            self._batch.close()
            self._ctx.close()
            self._model.close()

    def reseed(self, seed: int | None) -> None:
        """Restart the sampling random stream (same seed, same samples on the same machine); None: unseeded."""
        self._rng = np.random.default_rng(seed)
        self._seeded = seed is not None

    def _call_rng(self) -> np.random.Generator:
        """The random stream of one call: the seeded one, or one drawn from torch's global generator when torch is
        loaded, so that torch.manual_seed() makes this backend repeatable as it does the transformers backend."""
        torch = sys.modules.get("torch")
        if self._seeded or torch is None:
            return self._rng
        return np.random.default_rng(int(torch.randint(0, 2**62, (1,)).item()))

    # -- adapters --
    @property
    def adapter(self) -> str | None:
        return self._active

    @property
    def adapters(self) -> list[str]:
        return list(self._adapter_handles)

    def load_adapter(self, path: str, name: str | None = None) -> str:
        """Convert a PEFT adapter to a GGUF LoRA (cached next to it) and load it; the first one becomes active."""
        from model.lora_gguf import peft_to_gguf_lora

        p = Path(path).expanduser()
        name = (name or p.name).replace(".", "_")  # the same names the transformers backend gives
        if name in self._adapter_handles:
            raise ModelError(f"An adapter named {name!r} is already loaded.")
        gguf_lora = peft_to_gguf_lora(p, arch=self.arch, n_layers=int(self.metadata.get(f"{self.arch}.block_count",
                                                                                       0)))
        handle = self._llama_cpp.llama_adapter_lora_init(self._model.model, str(gguf_lora).encode())
        if not handle:
            raise ModelError(f"Adapter {p} does not fit {self.name}: llama.cpp refused {gguf_lora.name} (its "
                             "tensors name layers or shapes this model does not have).")
        self._adapter_handles[name] = handle
        self._adapter_paths[name] = str(gguf_lora)
        if self._active is None and len(self._adapter_handles) == 1:
            self.set_adapter(name)
        log.info("Loaded adapter %r from %s (active: %s)", name, p, self._active)
        return name

    def set_adapter(self, name: str | None) -> None:
        if name is not None and name not in self._adapter_handles:
            raise ModelError(f"No adapter named {name!r}; loaded: {', '.join(self._adapter_handles) or 'none'}.")
        llama_cpp = self._llama_cpp
        with self._lock:
            if name is None:
                rc = llama_cpp.llama_set_adapters_lora(self._ctx.ctx, None, 0, None)
            else:
                handles = (llama_cpp.llama_adapter_lora_p_ctypes * 1)(self._adapter_handles[name])
                scales = (ctypes.c_float * 1)(1.0)
                rc = llama_cpp.llama_set_adapters_lora(self._ctx.ctx, handles, 1, scales)
            if rc != 0:
                raise ModelError(f"llama.cpp could not switch to adapter {name!r} (code {rc}).")
            self._active = name
            self._forget_cache()  # cached keys/values were computed with the previous weights

    def merge(self) -> None:
        """llama.cpp applies the adapter at run time for a small cost; there is nothing to merge."""
        if self._active is None:
            raise ModelError("No active adapter to merge; load one or choose it with set_adapter().")
        log.info("llama.cpp applies adapter %r at run time; merge() leaves it as it is", self._active)

    # -- tokens and prompts --
    def tokenize(self, text: str, special: bool = True) -> list[int]:
        """Token ids of text (special=True parses <|im_start|> and the like as control tokens)."""
        return self._model.tokenize(text.encode("utf-8"), add_bos=False, special=special) if text else []

    def count_tokens(self, text: str) -> int:
        return len(self.tokenize(text, special=False))

    def _piece(self, token: int) -> bytes:
        """The bytes a token stands for (control tokens: none)."""
        piece = self._piece_cache.get(token)
        if piece is None:
            buf = ctypes.create_string_buffer(64)
            n = self._llama_cpp.llama_token_to_piece(self._vocab, token, buf, 64, 0, False)
            if n < 0:  # longer than the buffer
                buf = ctypes.create_string_buffer(-n)
                n = self._llama_cpp.llama_token_to_piece(self._vocab, token, buf, -n, 0, False)
            piece = buf.raw[:max(n, 0)]
            self._piece_cache[token] = piece
        return piece

    def detokenize(self, tokens: list[int]) -> str:
        """Text of tokens (control tokens left out)."""
        return b"".join(self._piece(t) for t in tokens).decode("utf-8", errors="replace")

    def _is_eog(self, token: int) -> bool:
        return bool(self._llama_cpp.llama_vocab_is_eog(self._vocab, token))

    @staticmethod
    def _compile_template(source: str) -> Any:
        """The GGUF's chat template as a sandboxed Jinja template (what transformers does with it)."""
        from jinja2.sandbox import ImmutableSandboxedEnvironment

        def raise_exception(message: str) -> None:
            raise ModelError(f"The model's chat template refused the messages: {message}")

        env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True)
        env.globals["raise_exception"] = raise_exception
        try:
            return env.from_string(source)
        except Exception as exc:
            raise ModelError(f"The GGUF's chat template does not parse: {exc}") from exc

    def prompt_text(self, request: Request) -> str:
        """The full prompt string (the GGUF's chat template, generation prompt added)."""
        if request.images:
            log.debug("%s is a text model: %d image(s) ignored, the sketch text is used", self.name,
                      len(request.images))
        return self._render(self.messages(request))

    def _render(self, messages: list[dict[str, Any]], generation_prompt: bool = True) -> str:
        """The messages in the GGUF's chat template (with the assistant's opening when generation_prompt)."""
        return self._template.render(messages=messages, add_generation_prompt=generation_prompt, bos_token="",
                                     eos_token="")

    # -- continuing a thread --
    def _continued(self, request: Request) -> _Exchange | None:
        """The cached exchange this request continues: same thread, and its code is the model's last answer."""
        last = self._last
        if (not self.continue_threads or last is None or not request.thread or last.thread != request.thread
                or last.finish != "stop" or not request.code or request.images or request.lang != last.lang
                or request.canvas != last.canvas or request.code.strip() != last.code.strip()):
            return None
        return last

    def messages(self, request: Request) -> list[dict[str, Any]]:
        """The base prompt, or for a revision of this thread's last answer: that exchange, the answer as the
        assistant's turn, and a short user turn with the new instruction (the code is not restated)."""
        last = self._continued(request)
        return super().messages(request) if last is None else self._continuation(last, request)

    @staticmethod
    def _continuation(last: _Exchange, request: Request) -> list[dict[str, Any]]:
        return last.messages + [{"role": "assistant", "content": last.reply},
                                {"role": "user", "content": continuation_text(request)}]

    def _prompt(self, request: Request, max_new_tokens: int) -> tuple[list[dict[str, Any]], list[int]]:
        """Messages and prompt tokens for a request; a continued thread that has grown too long starts afresh."""
        last = self._continued(request)
        if last is not None:
            msgs = self._continuation(last, request)
            prompt = self.tokenize(self._render(msgs))
            if len(prompt) <= self.continue_max_tokens and len(prompt) + max_new_tokens <= self.n_ctx:
                return msgs, prompt
        msgs = super().messages(request)
        return msgs, self.tokenize(self._render(msgs))

    def _remember(self, request: Request, messages: list[dict[str, Any]], reply: str, finish: str,
                  code: str) -> None:
        """Note the exchange the cache now holds when it belongs to a thread (the caller holds the lock)."""
        self._last = (_Exchange(request.thread, request.lang, request.canvas, messages, reply, code, finish)
                      if request.thread and finish in ("stop", "length") else None)

    def remember(self, request: Request, reply: str) -> None:
        """Take `reply` as the model's answer to `request` on its thread and bring the cache to that exchange, so
        the next revision of the thread continues it (a reply obtained elsewhere, e.g. a benchmark's program)."""
        self._validate(request)
        self._requests += 1
        msgs, _ = self._prompt(request, 0)
        tokens = self.tokenize(self._render(msgs) + reply)
        with self._lock:
            self._check_prompt(tokens)
            self._prefill(tokens)
            code = self._candidate(reply, request.lang, logprob=None, tokens=0, finish_reason="stop",
                                   adapter=self._active).code
            self._remember(request, msgs, reply, "stop", code)

    # -- decoding core --
    def _forget_cache(self) -> None:
        self._ctx.kv_cache_clear()
        self._kv = []

    def _logits(self, i: int) -> np.ndarray:
        """A copy of the logits of the i-th token of the last batch."""
        ptr = self._llama_cpp.llama_get_logits_ith(self._ctx.ctx, i)
        if not ptr:
            raise ModelError("llama.cpp returned no logits for a token that asked for them.")
        return np.ctypeslib.as_array(ptr, shape=(self.n_vocab,)).copy()

    def _decode(self, tokens: list[int], want_logits: str) -> None:
        """Append tokens to sequence 0 after the cached ones; want_logits 'last' or 'all'."""
        batch = self._batch.batch
        pos = len(self._kv)
        for start in range(0, len(tokens), self.n_batch):
            chunk = tokens[start:start + self.n_batch]
            last_chunk = start + self.n_batch >= len(tokens)
            batch.n_tokens = len(chunk)
            for i, tok in enumerate(chunk):
                batch.token[i] = tok
                batch.pos[i] = pos + start + i
                batch.n_seq_id[i] = 1
                batch.seq_id[i][0] = 0
                batch.logits[i] = want_logits == "all" and last_chunk
            batch.logits[len(chunk) - 1] = last_chunk
            rc = self._llama_cpp.llama_decode(self._ctx.ctx, batch)
            if rc != 0:
                self._forget_cache()
                raise ModelError(f"llama.cpp could not decode a batch (code {rc}); the context ({self.n_ctx} "
                                 "tokens) may be full.")
            self._kv.extend(chunk)
        if want_logits == "all" and len(tokens) > self.n_batch:
            raise AssertionError("drafts are never longer than a batch")

    def _truncate_cache(self, n: int) -> None:
        """Drop cached positions from n on."""
        if n < len(self._kv):
            if not self._ctx.kv_cache_seq_rm(0, n, -1):
                self._forget_cache()
                return
            del self._kv[n:]

    def _prefill(self, prompt: list[int], keep: int = 0) -> np.ndarray:
        """Bring the cache to the prompt, reusing the longest shared prefix; the logits after the last token.

        keep: the length of a prefix worth saving (worked examples): its saved state is restored when the cache
        shares less of the prompt, and saved after its prefill when there is none.
        """
        shared = 0
        for a, b in zip(self._kv, prompt):
            if a != b:
                break
            shared += 1
        shared = min(shared, len(prompt) - 1)  # the last prompt token runs again to give the first logits
        self._last = None  # the cache moves on; a caller that keeps an exchange notes it again afterwards
        keep = keep if self._states is not None and 0 < keep < len(prompt) else 0
        key = self._state_key(prompt[:keep]) if keep else ""
        if keep and shared < keep:
            data = self._states.get(key)
            if data is not None and self._restore(data, prompt[:keep]):
                shared = keep
        self._truncate_cache(shared)
        self._prefilled = len(prompt) - len(self._kv)
        if keep and len(self._kv) < keep:
            self._decode(prompt[len(self._kv):keep], "last")
            self._save(key)
        self._decode(prompt[len(self._kv):], "last")
        return self._logits(self._batch.batch.n_tokens - 1)

    def _state_key(self, tokens: list[int]) -> str:
        """The saved-state key of a prompt prefix under the active adapter."""
        return self._states.key(tokens, self._adapter_paths.get(self._active or ""))

    def _save(self, key: str) -> None:
        """Save the state of sequence 0 (the cached tokens) under key."""
        llama_cpp = self._llama_cpp
        size = llama_cpp.llama_state_seq_get_size(self._ctx.ctx, 0)
        buf = (ctypes.c_uint8 * size)()
        written = llama_cpp.llama_state_seq_get_data(self._ctx.ctx, buf, size, 0)
        if written:
            self._states.put(key, ctypes.string_at(buf, written))

    def _restore(self, data: bytes, tokens: list[int]) -> bool:
        """Replace the cache by a saved state of exactly these tokens; False (cache empty) when llama.cpp refuses."""
        self._forget_cache()
        src = (ctypes.c_uint8 * len(data)).from_buffer_copy(data)
        if self._llama_cpp.llama_state_seq_set_data(self._ctx.ctx, src, len(data), 0) != len(data):
            log.warning("A saved prompt state did not load; the prompt is computed instead")
            self._forget_cache()
            return False
        self._kv = list(tokens)
        return True

    def warm_examples(self, languages: tuple[str, ...] = ("en", "ja"), *, examples: Sequence[Any] | None = None,
                      stop_event: threading.Event | None = None, chunk: int = 32, progress: bool = False) -> int:
        """Compute and save the state of every worked example's prefix not saved yet; the number saved.

        For a first figure with one worked example (the prompt settings' examples == 1) on the default canvas, in
        each language's captions. The prefill runs a chunk at a time and gives way for good as soon as a request
        arrives (or stop_event is set), so a user waits at most one chunk; what it saved stays for later
        processes. Examples whose labels are in a language come first for it: retrieval prefers them.
        examples: these instead of the whole library.
        """
        if self._states is None or int(getattr(self.settings, "examples", 0) or 0) != 1:
            return 0
        from tqdm import tqdm

        from model.examples import load_library
        from model.prompts import build_messages, is_japanese

        seen = self._requests
        given_way = lambda: seen != self._requests or (stop_event is not None and stop_event.is_set())  # noqa: E731
        library = list(examples) if examples is not None else load_library()
        items = [(ex, lang) for lang in languages
                 for ex in sorted(library, key=lambda e: is_japanese(e.code) != (lang == "ja"))]
        saved = 0
        with tqdm(total=len(items), desc="worked examples", unit="example", disable=not progress) as bar:
            for ex, lang in items:
                bar.update(1)
                req = Request("図を描いて" if lang == "ja" else "Draw a figure")
                msgs = build_messages(req, history_budget=self.settings.history_budget,
                                      count_tokens=self.count_tokens, examples=[ex])[:-1]
                head = self.tokenize(self._render(msgs, generation_prompt=False))
                key = self._state_key(head)
                if self._states.has(key) or len(head) + 64 > self.n_ctx:  # saved, or no room for a request after it
                    continue
                done = 0
                while done < len(head):
                    if given_way():
                        return saved
                    with self._lock:
                        if given_way():
                            return saved
                        if self._kv[:done] != head[:done]:  # the cache moved on meanwhile: start this one again
                            done = 0
                        self._last = None
                        self._truncate_cache(done)
                        done = len(self._kv)  # 0 when llama.cpp could not cut the cache and it was emptied
                        self._decode(head[done:done + chunk], "last")
                        done = len(self._kv)
                with self._lock:
                    if self._kv == head:
                        self._save(key)
                        saved += 1
        return saved

    def _examples_prefix(self, request: Request, messages: list[dict[str, Any]], prompt: list[int]) -> int:
        """The number of prompt tokens up to the end of the worked examples (0 when the prompt has none)."""
        # A first figure's messages are the system prompt, any example turns, then the request.
        if self._states is None or request.code or len(messages) < 4:
            return 0
        head = self.tokenize(self._render(messages[:-1], generation_prompt=False))
        return len(head) if 0 < len(head) < len(prompt) and prompt[:len(head)] == head else 0

    def _check_prompt(self, prompt: list[int]) -> None:
        if not prompt:
            raise ModelError("The prompt is empty.")
        if len(prompt) >= self.n_ctx:
            raise ModelError(f"The prompt has {len(prompt)} tokens, more than the context of {self.n_ctx}; "
                             "shorten the history or load with a larger n_ctx.")

    def _code_ends(self, prompt: list[int]) -> list[int]:
        """Indices of the prompt tokens that close a code block (a line of just ```): the reply's own block closes
        there and goes on differently, so drafts stop at them."""
        pieces = [self._piece(t) for t in prompt]
        token_end = list(itertools.accumulate(len(p) for p in pieces))  # byte offset after each token
        text = b"".join(pieces)
        return [bisect.bisect_right(token_end, m.start() + 2)  # the token holding the fence's last backtick
                for m in re.finditer(rb"(?<![^\n])```[ \t]*(?=\n|\Z)", text)]

    def _run(self, prompt: list[int], *, max_new_tokens: int, sampling: Sampling,
             stop_events: list[threading.Event], on_text: Callable[[str], None] | None = None,
             lookup: bool = False, keep: int = 0) -> _Result:
        """Decode one reply to the prompt (the caller holds the lock)."""
        self._check_prompt(prompt)
        reply = _Reply(self, prompt, min(max_new_tokens, self.n_ctx - len(prompt)), sampling, on_text)
        drafter = PromptLookup(prompt, first=self.lookup_tokens, longest=self.lookup_max_tokens,
                               min_match=self.lookup_ngram, stops=self._code_ends(prompt)) if lookup else None
        drafted = accepted = batches = 0
        cancelled = lambda: any(e.is_set() for e in stop_events)  # noqa: E731
        t0 = time.perf_counter()
        logits = self._prefill(prompt, keep)
        prefilled = self._prefilled
        prompt_ms = _ms_since(t0)
        t1 = time.perf_counter()
        if cancelled():
            return _Result([], [], "cancelled", "", prompt_ms=prompt_ms, prefilled=prefilled)
        rng = self._call_rng()
        pending = reply.pick(logits, rng)
        finish = reply.add(pending, logits)
        while finish is None:
            if cancelled():
                finish = "cancelled"
                break
            draft: list[int] = []
            room = reply.budget - len(reply.tokens)
            if drafter is not None and room > 1:
                draft = drafter.draft(reply.tokens, min(room - 1, self.n_batch - 1))
            start = len(self._kv)
            self._decode([pending] + draft, "all" if draft else "last")
            batches += 1
            drafted += len(draft)
            for j in range(len(draft) + 1):
                logits = self._logits(j)
                token = reply.pick(logits, rng)
                finish = reply.add(token, logits)
                if j < len(draft) and token == draft[j]:
                    accepted += 1
                    if finish is None:
                        continue
                # Positions after the last token that stays (pending + the accepted drafts) are dropped.
                self._truncate_cache(start + j + 1)
                pending = token
                break
        res = reply.result(finish, drafted, accepted)
        res.prompt_ms, res.decode_ms, res.prefilled, res.batches = prompt_ms, _ms_since(t1), prefilled, batches
        return res

    def _run_batch(self, prompt: list[int], n: int, *, max_new_tokens: int, sampling: Sampling,
                   stop_events: list[threading.Event], keep: int = 0) -> list[_Result]:
        """n sampled replies decoded side by side as n sequences that share the prompt's cache cells.

        Decoding on a CPU is bound by reading the weights, which one step for n sequences reads once.
        """
        self._check_prompt(prompt)
        llama_cpp = self._llama_cpp
        budget = min(max_new_tokens, (self.n_ctx - len(prompt)) // n)
        replies = [_Reply(self, prompt, budget, sampling) for _ in range(n)]
        cancelled = lambda: any(e.is_set() for e in stop_events)  # noqa: E731
        t0 = time.perf_counter()
        logits = self._prefill(prompt, keep)
        prefilled = self._prefilled
        base = len(self._kv)
        for seq in range(1, n):
            llama_cpp.llama_memory_seq_cp(self._ctx.memory, 0, seq, -1, -1)
        prompt_ms = _ms_since(t0)
        t1 = time.perf_counter()
        steps = 0
        rng = self._call_rng()
        finish: list[str | None] = [r.add(r.pick(logits, rng), logits) for r in replies]
        batch = self._batch.batch
        try:
            while any(f is None for f in finish):
                if cancelled():
                    finish = [f or "cancelled" for f in finish]
                    break
                live = [i for i, f in enumerate(finish) if f is None]
                batch.n_tokens = len(live)
                for j, i in enumerate(live):
                    batch.token[j] = replies[i].tokens[-1]
                    batch.pos[j] = base + len(replies[i].tokens) - 1
                    batch.n_seq_id[j] = 1
                    batch.seq_id[j][0] = i
                    batch.logits[j] = True
                rc = llama_cpp.llama_decode(self._ctx.ctx, batch)
                steps += 1
                if rc != 0:
                    raise ModelError(f"llama.cpp could not decode {len(live)} sequences (code {rc}).")
                for j, i in enumerate(live):
                    lg = self._logits(j)
                    finish[i] = replies[i].add(replies[i].pick(lg, rng), lg)
        finally:
            # Keep only the prompt (sequence 0) cached: the next call over this prompt starts from it.
            for seq in range(1, n):
                llama_cpp.llama_memory_seq_rm(self._ctx.memory, seq, -1, -1)
            self._truncate_cache(base)
            if not llama_cpp.llama_memory_seq_rm(self._ctx.memory, 0, base, -1):
                self._forget_cache()
        decode_ms = _ms_since(t1)
        results = [r.result(f or "cancelled") for r, f in zip(replies, finish)]
        for res in results:  # the replies were decoded together: each carries an equal share of the time
            res.prompt_ms, res.decode_ms = prompt_ms / n, decode_ms / n
            res.prefilled, res.batches = prefilled, steps
        return results

    def _sampling(self, temperature: float) -> Sampling:
        s = self.settings
        return Sampling(temperature=temperature, top_k=s.top_k, top_p=s.top_p,
                         repetition_penalty=s.repetition_penalty)

    def _limits(self, max_new_tokens: int | None, temperature: float | None) -> tuple[int, float]:
        mnt = int(max_new_tokens or self.settings.max_new_tokens)
        if mnt < 1:
            raise ModelError(f"max_new_tokens must be at least 1, not {mnt}.")
        temp = self.settings.temperature if temperature is None else float(temperature)
        return mnt, temp

    def _to_candidate(self, res: _Result, request: Request, prefix: str = "",
                      prior: Candidate | None = None) -> Candidate:
        lp_sum, ntok = float(sum(res.logprobs)), len(res.tokens)
        if prior is not None and prior.logprob is not None:
            lp_sum += prior.logprob * prior.tokens
            ntok += prior.tokens
        cand = self._candidate(prefix + res.text, request.lang, logprob=lp_sum / ntok if ntok else None, tokens=ntok,
                               finish_reason=res.finish, adapter=self._active, request=request)
        cand.prompt_ms, cand.decode_ms = res.prompt_ms, res.decode_ms
        if prior is not None:  # the whole reply's time: the part before the continuation too
            cand.prompt_ms += prior.prompt_ms or 0.0
            cand.decode_ms += prior.decode_ms or 0.0
        return cand

    def _use_lookup(self, request: Request) -> bool:
        """Prompt lookup pays off where the reply copies the prompt: revisions of existing code, and first figures
        that follow worked examples (whose helpers and layout the answer reuses)."""
        return self.prompt_lookup and (bool(request.code) or bool(self.examples_for(request)))

    def _generate_one(self, prompt: list[int], request: Request, mnt: int, sampling: Sampling,
                      stop_events: list[threading.Event], on_text: Callable[[str], None] | None = None,
                      keep: int = 0) -> _Result:
        res = self._run(prompt, max_new_tokens=mnt, sampling=sampling, stop_events=stop_events, on_text=on_text,
                        lookup=self._use_lookup(request), keep=keep)
        self.last_stats = {"prompt_tokens": len(prompt), "new_tokens": len(res.tokens), "drafted": res.drafted,
                           "accepted": res.accepted, "prefilled": res.prefilled, "batches": res.batches,
                           "prompt_ms": res.prompt_ms, "decode_ms": res.decode_ms}
        return res

    # -- public API --
    def generate(self, request: Request, n: int = 1, max_new_tokens: int | None = None,
                 temperature: float | None = None, stop_event: threading.Event | None = None) -> list[Candidate]:
        self._validate(request, n)
        self._requests += 1
        mnt, temp = self._limits(max_new_tokens, temperature)
        msgs, prompt = self._prompt(request, mnt)
        keep = self._examples_prefix(request, msgs, prompt)
        sampling = self._sampling(temp)
        events = [stop_event] if stop_event else []
        cands: list[Candidate] = []
        with self._lock:
            if temp <= 0 or n == 1:  # greedy decoding gives one answer
                res = self._generate_one(prompt, request, mnt, sampling, events, keep=keep)
                cands.append(self._to_candidate(res, request))
                self._remember(request, msgs, res.text, res.finish, cands[0].code)
            else:
                stats: dict[str, Any] = {"prompt_tokens": len(prompt), "new_tokens": 0, "drafted": 0, "accepted": 0,
                                         "prefilled": 0, "batches": 0, "prompt_ms": 0.0, "decode_ms": 0.0}
                while len(cands) < n and not any(e.is_set() for e in events):
                    k = min(n - len(cands), MAX_PARALLEL)
                    results = self._run_batch(prompt, k, max_new_tokens=mnt, sampling=sampling, stop_events=events,
                                              keep=keep)
                    cands += [self._to_candidate(r, request) for r in results]
                    stats["parallel"] = stats.get("parallel", k)
                    stats["new_tokens"] += sum(len(r.tokens) for r in results)
                    stats["prefilled"] += results[0].prefilled
                    stats["batches"] += results[0].batches
                    stats["prompt_ms"] += sum(r.prompt_ms for r in results)
                    stats["decode_ms"] += sum(r.decode_ms for r in results)
                    self.last_stats = dict(stats)
                if not cands:  # cancelled before the first round
                    cands.append(self._candidate("", request.lang, logprob=None, tokens=0, finish_reason="cancelled",
                                                 adapter=self._active))
        if len(cands) < n:  # greedy (or cancelled): copies of one answer share the time it took
            prompt_ms = sum(c.prompt_ms or 0.0 for c in cands) / n
            decode_ms = sum(c.decode_ms or 0.0 for c in cands) / n
            while len(cands) < n:
                cands.append(Candidate(**cands[-1].to_dict()))
            for c in cands:
                c.prompt_ms, c.decode_ms = prompt_ms, decode_ms
        return cands

    def stream(self, request: Request, max_new_tokens: int | None = None, temperature: float | None = None,
               stop_event: threading.Event | None = None) -> Iterator[StreamChunk]:
        self._validate(request)
        self._requests += 1
        mnt, temp = self._limits(max_new_tokens, temperature)
        msgs, prompt = self._prompt(request, mnt)
        keep = self._examples_prefix(request, msgs, prompt)
        sampling = self._sampling(temp)
        abandoned = threading.Event()  # set when the consumer stops iterating early
        events = [abandoned] + ([stop_event] if stop_event else [])
        pieces: queue.Queue = queue.Queue()
        done = object()
        result: dict[str, Any] = {}

        def work() -> None:
            try:
                with self._lock:
                    res = self._generate_one(prompt, request, mnt, sampling, events, on_text=pieces.put, keep=keep)
                    result["out"] = res
                    result["cand"] = cand = self._to_candidate(res, request)
                    self._remember(request, msgs, res.text, res.finish, cand.code)
            except BaseException as exc:  # re-raised in the consumer's thread
                result["error"] = exc
            finally:
                pieces.put(done)

        # Decoding runs in a worker (llama.cpp releases the GIL) so a consumer on another thread, such as
        # Gradio's, can stop early without holding the model's lock.
        thread = threading.Thread(target=work, name="llamacpp-stream", daemon=True)
        thread.start()
        try:
            while (item := pieces.get()) is not done:
                yield StreamChunk(text=item)
            thread.join()
            if "error" in result:
                exc = result["error"]
                raise exc if isinstance(exc, ModelError) else ModelError(f"Generation failed: {exc}") from exc
            cand = result["cand"]
            yield StreamChunk(text=cand.text, done=True, candidate=cand)
        finally:
            abandoned.set()
            thread.join(timeout=60)

    def continue_generation(self, request: Request, candidate: Candidate, max_new_tokens: int | None = None,
                            stop_event: threading.Event | None = None) -> Candidate:
        self._validate(request)
        self._requests += 1
        mnt, temp = self._limits(max_new_tokens, None)
        last = self._last
        if last is not None and request.thread and last.thread == request.thread and last.reply == candidate.text:
            msgs = last.messages  # carry on under the prompt the candidate was written for (still cached)
        else:
            msgs, _ = self._prompt(request, mnt)
        prompt = self.tokenize(self._render(msgs) + candidate.text)
        with self._lock:
            res = self._generate_one(prompt, request, mnt, self._sampling(temp),
                                     [stop_event] if stop_event else [])
            cand = self._to_candidate(res, request, prefix=candidate.text, prior=candidate)
            self._remember(request, msgs, cand.text, res.finish, cand.code)
        return cand

    def token_logprobs(self, prompt_text: str, continuation: list[int]) -> list[float]:
        """Teacher-forced log-probabilities of continuation tokens after a prompt (for tests and comparisons)."""
        prompt = self.tokenize(prompt_text)
        with self._lock:
            logits = [self._prefill(prompt)]
            if len(continuation) > 1:
                self._decode(list(continuation[:-1]), "all")
                logits += [self._logits(j) for j in range(len(continuation) - 1)]
            return [_log_softmax_at(lg, t) for lg, t in zip(logits, continuation)]


def load_llamacpp(gguf_path: str, *, name: str | None = None,
                  adapter: str | list[str] | dict[str, str] | None = None, merge: bool = False,
                  settings: GenSettings | None = None, quantize: str | None = None, num_threads: int | None = None,
                  **options: Any) -> LlamaCppGenerator:
    """Load a GGUF file into a llama.cpp generator with optional PEFT adapters.

    options: n_ctx, n_threads_batch, seed, prompt_lookup, lookup_ngram, lookup_tokens, lookup_max_tokens, n_batch,
    continue_threads, continue_max_tokens, prefix_cache, prefix_cache_dir, prefix_cache_mb, prefix_cache_disk_mb.
    """
    from model.hf import _normalise_adapters

    if quantize:
        raise ModelError(f"quantize={quantize!r} applies to the transformers backend; a GGUF is already quantised "
                         "(Q4_K_M for the embedded models).")
    for key in ("load_in_4bit", "device", "dtype", "cache_implementation", "vision", "small_batch_matmul",
                "local_files_only", "trust_remote_code"):
        value = options.pop(key, None)
        if value not in (None, False, "cpu"):
            raise ModelError(f"{key}={value!r} is a transformers option; the llama.cpp backend runs GGUF files on "
                             "the CPU (use backend='transformers').")
    known = {"n_ctx", "n_threads_batch", "seed", "prompt_lookup", "lookup_ngram", "lookup_tokens",
             "lookup_max_tokens", "n_batch", "continue_threads", "continue_max_tokens", "prefix_cache",
             "prefix_cache_dir", "prefix_cache_mb", "prefix_cache_disk_mb"}
    unknown = set(options) - known
    if unknown:
        raise ModelError(f"Unknown llama.cpp option(s): {', '.join(sorted(unknown))}.")
    gen = LlamaCppGenerator(gguf_path, name=name, settings=settings, n_threads=num_threads, **options)
    for adapter_name, path in _normalise_adapters(adapter).items():
        gen.load_adapter(path, adapter_name)
    if merge and gen.adapters:
        gen.merge()
    return gen
