"""OpenAI-compatible chat endpoint backend (vLLM with --enable-lora, TGI, Ollama, llama.cpp server)."""

from __future__ import annotations

import base64
import io
import json
import logging
import os
import threading
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlparse

from model.base import Generator
from model.errors import ModelError
from model.presets import GenSettings
from model.prompts import Request
from model.types import Candidate, StreamChunk

__all__ = ["API_KEY_ENV", "EndpointGenerator"]

log = logging.getLogger(__name__)

API_KEY_ENV = ("FIGURE_ASSISTANT_API_KEY", "OPENAI_API_KEY")
_RETRY_STATUS = {408, 409, 425, 429, 500, 502, 503, 504}
_MAX_CONCURRENT = 4  # generate_many: requests in flight at once (servers queue the rest anyway)


def _image_url(img: Any) -> str:
    """A data: URL (PNG) for an image the request carries."""
    from model.hf import _to_pil

    buf = io.BytesIO()
    _to_pil(img).save(buf, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


class EndpointGenerator(Generator):
    """Generation through an OpenAI-compatible /chat/completions endpoint."""

    def __init__(self, base_url: str, *, adapter: str | None = None, model: str | None = None,
                 settings: GenSettings | None = None, api_key: str | None = None, timeout_s: float = 120.0,
                 connect_timeout_s: float = 5.0, retries: int = 2, backoff_s: float = 0.5,
                 vision: bool = False, name: str | None = None) -> None:
        import httpx

        super().__init__(name or "", settings)
        url = base_url.rstrip("/")
        if urlparse(url).path in ("", "/"):
            url += "/v1"
        self.base_url = url
        self.api_key = api_key or next((os.environ[k] for k in API_KEY_ENV if os.environ.get(k)), None)
        self.retries = max(0, int(retries))
        self.backoff_s = backoff_s
        self.timeout_s = timeout_s
        self.is_vision = vision
        headers = {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}
        self._client = httpx.Client(timeout=httpx.Timeout(timeout_s, connect=connect_timeout_s), headers=headers)
        self._served: list[str] | None = None
        self.base_model = model or self._first_model()
        self._active: str | None = None
        if adapter:
            self.set_adapter(adapter)
        self.name = name or f"{self.base_model}@{urlparse(self.base_url).netloc}"

    # -- HTTP --
    def _request(self, method: str, path: str, body: dict[str, Any] | None = None, stream: bool = False) -> Any:
        """Send with retries on connection errors, time-outs and 429/5xx; ModelError with the reason."""
        import httpx

        url = f"{self.base_url}{path}"
        last = ""
        for attempt in range(self.retries + 1):
            if attempt:
                time.sleep(self.backoff_s * 2 ** (attempt - 1))
            try:
                req = self._client.build_request(method, url, json=body)
                resp = self._client.send(req, stream=stream)
            except httpx.ConnectError as exc:
                last = f"cannot connect to {self.base_url} ({exc}); is the server running?"
                continue
            except httpx.TimeoutException:
                last = f"{self.base_url} did not answer within {self.timeout_s:g} s"
                continue
            except httpx.HTTPError as exc:
                last = f"request to {url} failed: {exc}"
                continue
            if resp.status_code < 400:
                return resp
            detail = self._error_detail(resp)
            resp.close()
            if resp.status_code in _RETRY_STATUS:
                last = f"{url} answered {resp.status_code}: {detail}"
                continue
            if resp.status_code in (401, 403):
                raise ModelError(f"The endpoint refused the API key ({resp.status_code}: {detail}); set "
                                 f"{' or '.join(API_KEY_ENV)}.")
            if resp.status_code == 404:
                raise ModelError(f"{url} answered 404 ({detail}): check the base URL (it usually ends in /v1) "
                                 "and the model or adapter name.")
            raise ModelError(f"{url} answered {resp.status_code}: {detail}")
        raise ModelError(f"The model endpoint failed after {self.retries + 1} attempt(s): {last}")

    @staticmethod
    def _error_detail(resp: Any) -> str:
        try:
            resp.read()
            data = resp.json()
            err = data.get("error", data)
            return str(err.get("message", err) if isinstance(err, dict) else err)[:300]
        except Exception:
            return (resp.text or "")[:300] if hasattr(resp, "text") else ""

    def _first_model(self) -> str:
        models = self.served_models()
        if not models:
            raise ModelError(f"{self.base_url}/models lists no model; pass model='…' to load().")
        return models[0]

    def served_models(self) -> list[str]:
        """Model and adapter names the endpoint serves (GET /models)."""
        if self._served is None:
            data = self._request("GET", "/models").json()
            self._served = [m["id"] for m in data.get("data", []) if "id" in m]
        return list(self._served)

    # -- adapters: an adapter on an endpoint is a served model name (vLLM --lora-modules) --
    @property
    def adapter(self) -> str | None:
        return self._active

    @property
    def adapters(self) -> list[str]:
        try:
            return [m for m in self.served_models() if m != self.base_model]
        except ModelError:
            return [self._active] if self._active else []

    def set_adapter(self, name: str | None) -> None:
        if name is not None and self._served is not None and name not in self._served:
            raise ModelError(f"The endpoint serves no model or adapter named {name!r}; it serves: "
                             f"{', '.join(self._served)}.")
        self._active = name

    def load_adapter(self, path: str, name: str | None = None) -> str:
        """Ask a vLLM server (runtime LoRA updating enabled) to load an adapter from its own disk."""
        from pathlib import PurePath

        name = name or PurePath(path).name
        self._request("POST", "/load_lora_adapter", {"lora_name": name, "lora_path": path})
        self._served = None
        return name

    # -- generation --
    def _payload(self, request: Request, n: int, max_new_tokens: int, temperature: float, stream: bool,
                 prefix: str | None = None) -> dict[str, Any]:
        messages = self.messages(request)
        if self.is_vision:
            for m in messages:
                if isinstance(m["content"], list):
                    m["content"] = [{"type": "image_url", "image_url": {"url": _image_url(c["image"])}}
                                    if c["type"] == "image" else c for c in m["content"]]
        body: dict[str, Any] = {
            "model": self._active or self.base_model, "messages": messages, "n": n,
            "max_tokens": max_new_tokens, "temperature": temperature, "stream": stream, "logprobs": True,
        }
        if self.settings.top_p:
            body["top_p"] = self.settings.top_p
        if prefix is not None:
            # vLLM continues a partial assistant message with these two flags.
            messages.append({"role": "assistant", "content": prefix})
            body.update(continue_final_message=True, add_generation_prompt=False)
        return body

    def _limits(self, max_new_tokens: int | None, temperature: float | None) -> tuple[int, float]:
        mnt = int(max_new_tokens or self.settings.max_new_tokens)
        if mnt < 1:
            raise ModelError(f"max_new_tokens must be at least 1, not {mnt}.")
        return mnt, self.settings.temperature if temperature is None else float(temperature)

    def _from_choice(self, choice: dict[str, Any], request: Request, prefix: str = "") -> Candidate:
        text = prefix + ((choice.get("message") or {}).get("content") or "")
        lps = [t["logprob"] for t in ((choice.get("logprobs") or {}).get("content") or []) if "logprob" in t]
        finish = {"length": "length"}.get(choice.get("finish_reason") or "stop", "stop")
        return self._candidate(text, request.lang, logprob=sum(lps) / len(lps) if lps else None, tokens=len(lps),
                               finish_reason=finish, adapter=self._active, request=request)

    def generate(self, request: Request, n: int = 1, max_new_tokens: int | None = None,
                 temperature: float | None = None, stop_event: threading.Event | None = None) -> list[Candidate]:
        self._validate(request, n)
        mnt, temp = self._limits(max_new_tokens, temperature)
        cands: list[Candidate] = []
        # Some servers (llama.cpp, Ollama) ignore n and return one choice: ask again for the rest.
        while len(cands) < n:
            if stop_event is not None and stop_event.is_set():
                break
            data = self._request("POST", "/chat/completions",
                                 self._payload(request, n - len(cands), mnt, temp, stream=False)).json()
            choices = data.get("choices") or []
            if not choices:
                raise ModelError(f"The endpoint returned no choices: {str(data)[:200]}")
            cands.extend(self._from_choice(c, request) for c in choices)
        return cands[:n]

    def generate_many(self, requests: list[Request], n: int = 1, max_new_tokens: int | None = None,
                      temperature: float | None = None,
                      stop_event: threading.Event | None = None) -> list[list[Candidate]]:
        """n candidates for each request; the requests go out concurrently (at most 4 at a time), in order."""
        from concurrent.futures import ThreadPoolExecutor

        for request in requests:
            self._validate(request, n)
        if len(requests) < 2:
            return super().generate_many(requests, n=n, max_new_tokens=max_new_tokens, temperature=temperature,
                                         stop_event=stop_event)
        pool = ThreadPoolExecutor(max_workers=min(_MAX_CONCURRENT, len(requests)), thread_name_prefix="endpoint")
        try:
            # map() yields in request order and re-raises the first failing request's error (a ModelError).
            return list(pool.map(lambda r: self.generate(r, n=n, max_new_tokens=max_new_tokens,
                                                         temperature=temperature, stop_event=stop_event),
                                 requests))
        finally:
            pool.shutdown(wait=True, cancel_futures=True)  # after a failure, queued requests are not sent

    def _sse(self, body: dict[str, Any], stop_event: threading.Event | None) -> Iterator[dict[str, Any] | None]:
        """Parsed SSE events of a streaming completion; yields None once when cancelled."""
        resp = self._request("POST", "/chat/completions", body, stream=True)
        try:
            for line in resp.iter_lines():
                if stop_event is not None and stop_event.is_set():
                    yield None
                    return
                if not line.startswith("data:"):
                    continue
                payload = line[5:].strip()
                if payload == "[DONE]":
                    return
                try:
                    event = json.loads(payload)
                except json.JSONDecodeError as exc:
                    raise ModelError(f"The endpoint sent a malformed stream event: {payload[:120]}") from exc
                if "error" in event:
                    raise ModelError(f"The endpoint reported an error mid-stream: {event['error']}")
                yield event
        except Exception as exc:
            import httpx

            if isinstance(exc, httpx.TimeoutException):
                raise ModelError(f"The endpoint stopped sending for more than {self.timeout_s:g} s.") from exc
            if isinstance(exc, httpx.HTTPError):
                raise ModelError(f"The endpoint's stream broke off: {exc}") from exc
            raise
        finally:
            resp.close()

    def stream(self, request: Request, max_new_tokens: int | None = None, temperature: float | None = None,
               stop_event: threading.Event | None = None, prefix: str | None = None) -> Iterator[StreamChunk]:
        self._validate(request)
        mnt, temp = self._limits(max_new_tokens, temperature)
        text = prefix or ""
        lps: list[float] = []
        finish = "stop"
        for event in self._sse(self._payload(request, 1, mnt, temp, stream=True, prefix=prefix), stop_event):
            if event is None:
                finish = "cancelled"
                break
            for choice in event.get("choices") or []:
                piece = (choice.get("delta") or {}).get("content") or ""
                lps.extend(t["logprob"] for t in ((choice.get("logprobs") or {}).get("content") or [])
                           if "logprob" in t)
                if choice.get("finish_reason") == "length":
                    finish = "length"
                if piece:
                    text += piece
                    yield StreamChunk(text=text)
        cand = self._candidate(text, request.lang, request=request, logprob=sum(lps) / len(lps) if lps else None,
                               tokens=len(lps), finish_reason=finish, adapter=self._active)
        yield StreamChunk(text=text, done=True, candidate=cand)

    def continue_generation(self, request: Request, candidate: Candidate, max_new_tokens: int | None = None,
                            stop_event: threading.Event | None = None) -> Candidate:
        last = None
        for last in self.stream(request, max_new_tokens=max_new_tokens, stop_event=stop_event,
                                prefix=candidate.text):
            pass
        assert last is not None and last.candidate is not None
        cand = last.candidate
        cand.tokens += candidate.tokens
        return cand

    def close(self) -> None:
        """Close the HTTP connection pool."""
        self._client.close()
