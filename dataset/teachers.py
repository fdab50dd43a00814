"""Teacher models behind OpenAI-compatible chat-completion endpoints, with retries and an on-disk cache."""
from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import os
import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

__all__ = ["Teacher", "TeacherClient", "ClientConfig", "parse_teacher", "TeacherError"]

log = logging.getLogger(__name__)


class TeacherError(RuntimeError):
    """A teacher request failed for good (after retries, or with an error that retrying cannot fix)."""


@dataclass(frozen=True)
class Teacher:
    """An endpoint (base URL ending in /v1) and the model name it serves."""

    url: str
    model: str

    @property
    def name(self) -> str:
        """How the teacher is recorded in the dataset."""
        return self.model


def parse_teacher(spec: str) -> Teacher:
    """`URL=MODEL` → Teacher; a clear error for anything else."""
    if "=" not in spec:
        raise ValueError(f"--teacher must look like URL=MODEL (e.g. http://localhost:8000/v1=Qwen/Qwen2.5-72B-Instruct),"
                         f" got {spec!r}")
    url, model = spec.rsplit("=", 1)
    if not url.startswith(("http://", "https://")) or not model:
        raise ValueError(f"--teacher {spec!r}: URL must start with http:// or https:// and MODEL must not be empty")
    return Teacher(url.rstrip("/"), model)


@dataclass
class ClientConfig:
    """Sampling, concurrency and retry settings."""

    concurrency: int = 32  # requests in flight over all teachers
    max_retries: int = 5
    backoff_s: float = 1.0  # first wait; doubles each retry, with jitter
    max_backoff_s: float = 30.0
    timeout_s: float = 180.0  # per request
    temperature: float = 0.2
    max_tokens: int = 2048
    api_key_env: str = "OPENAI_API_KEY"  # read only if set; local vLLM/TGI servers need none
    extra: dict[str, Any] = field(default_factory=dict)


class TeacherClient:
    """Asks teachers for chat completions; every answer is cached on disk by (teacher, prompt, settings)."""

    def __init__(self, cache_dir: str | Path, cfg: ClientConfig | None = None) -> None:
        self.cfg = cfg or ClientConfig()
        self.cache_dir = Path(cache_dir)
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        self._sem = asyncio.Semaphore(self.cfg.concurrency)
        key = os.environ.get(self.cfg.api_key_env) if self.cfg.api_key_env else None
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        self._http = httpx.AsyncClient(timeout=httpx.Timeout(self.cfg.timeout_s, connect=10.0), headers=headers,
                                       limits=httpx.Limits(max_connections=self.cfg.concurrency))
        self.stats = {"requests": 0, "cache_hits": 0, "retries": 0, "failures": 0}

    async def aclose(self) -> None:
        """Close the HTTP connections."""
        await self._http.aclose()

    def _key(self, teacher: Teacher, messages: list[dict[str, str]], sample: int) -> str:
        blob = json.dumps({"url": teacher.url, "model": teacher.model, "messages": messages, "sample": sample,
                           "temperature": self.cfg.temperature, "max_tokens": self.cfg.max_tokens,
                           "extra": self.cfg.extra}, sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()

    def _cache_path(self, key: str) -> Path:
        return self.cache_dir / key[:2] / f"{key}.json"

    def cached(self, teacher: Teacher, messages: list[dict[str, str]], sample: int = 0) -> str | None:
        """The cached answer, if this exact question was asked before."""
        p = self._cache_path(self._key(teacher, messages, sample))
        if p.is_file():
            try:
                return json.loads(p.read_text(encoding="utf-8"))["content"]
            except (json.JSONDecodeError, KeyError):
                log.warning("ignoring a corrupt cache entry %s", p)
        return None

    def _store(self, key: str, teacher: Teacher, content: str) -> None:
        p = self._cache_path(key)
        p.parent.mkdir(exist_ok=True)
        tmp = p.with_name(f"{p.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps({"teacher": teacher.model, "url": teacher.url, "content": content},
                                  ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, p)

    async def complete(self, teacher: Teacher, messages: list[dict[str, str]], sample: int = 0) -> str:
        """The teacher's answer (from the cache when asked before); raises TeacherError when it cannot be had."""
        key = self._key(teacher, messages, sample)
        hit = self.cached(teacher, messages, sample)
        if hit is not None:
            self.stats["cache_hits"] += 1
            return hit
        body = {"model": teacher.model, "messages": messages, "temperature": self.cfg.temperature,
                "max_tokens": self.cfg.max_tokens, **self.cfg.extra}
        if sample:
            body["seed"] = sample  # different samples of one prompt must not collapse onto one answer
        last = ""
        for attempt in range(self.cfg.max_retries + 1):
            if attempt:
                self.stats["retries"] += 1
                wait = min(self.cfg.max_backoff_s, self.cfg.backoff_s * 2 ** (attempt - 1))
                await asyncio.sleep(wait * random.uniform(0.5, 1.0))
            try:
                async with self._sem:
                    self.stats["requests"] += 1
                    r = await self._http.post(f"{teacher.url}/chat/completions", json=body)
            except httpx.HTTPError as e:  # timeouts, refused connections, dropped streams: worth retrying
                last = f"{type(e).__name__}: {e}"
                continue
            if r.status_code == 429 or r.status_code >= 500:
                last = f"HTTP {r.status_code}: {r.text[:200]}"
                continue
            if r.status_code >= 400:
                self.stats["failures"] += 1
                raise TeacherError(f"{teacher.model} at {teacher.url}: HTTP {r.status_code}: {r.text[:300]}")
            try:
                content = r.json()["choices"][0]["message"]["content"]
            except (ValueError, KeyError, IndexError, TypeError):
                last = f"malformed response: {r.text[:200]}"
                continue
            if not isinstance(content, str):
                last = "response content is not text"
                continue
            self._store(key, teacher, content)
            return content
        self.stats["failures"] += 1
        raise TeacherError(f"{teacher.model} at {teacher.url}: gave up after {self.cfg.max_retries + 1} attempts "
                           f"({last})")
