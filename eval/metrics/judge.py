"""LLM-as-judge through an OpenAI-compatible endpoint: an absolute 1–10 score and a short judgement in JSON."""
from __future__ import annotations

import json
import logging
import os
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from .base import MetricResult, Sample, mean

__all__ = ["JudgeConfig", "Judge", "JudgeError", "build_judge_messages", "parse_verdict"]

log = logging.getLogger(__name__)

SYSTEM = (
    "You review programs that draw scientific figures. Judge how well the program fulfils the request: "
    "correct content and structure, readable labels, sensible layout, and whether it runs. "
    "Be strict and consistent. Reply with JSON only, exactly: "
    '{"score": <integer 1-10>, "judgement": "<one or two sentences>"}'
)


class JudgeError(RuntimeError):
    """The judge endpoint failed or answered something that is not a verdict."""


@dataclass
class JudgeConfig:
    """Where the judge lives and how to call it."""

    url: str  # base URL of an OpenAI-compatible API, e.g. http://localhost:8000/v1
    model: str = "judge"
    api_key_env: str = "OPENAI_API_KEY"  # read from the environment so keys never land in reports or logs
    timeout_s: float = 120.0
    concurrency: int = 4
    max_tokens: int = 256

    def __post_init__(self) -> None:
        if not self.url.startswith(("http://", "https://")):
            raise ValueError(f"judge URL must start with http:// or https://, got {self.url!r}")
        if self.concurrency < 1:
            raise ValueError("judge concurrency must be >= 1")


def build_judge_messages(row: dict[str, Any], status: str, error: str | None) -> list[dict[str, str]]:
    """The chat messages for one prediction: request, program, render outcome and the reference when present."""
    lang = row.get("lang") or "p5"
    parts = [f"Request:\n{row.get('prompt', '')}"]
    if row.get("code_before"):
        parts.append(f"Program before the request:\n```{lang}\n{row['code_before']}\n```")
    parts.append(f"Program to judge ({'p5.js' if lang == 'p5' else lang}):\n```{lang}\n{row.get('code') or ''}\n```")
    outcome = {"ok": "it rendered a figure", "blank": "it ran but drew nothing visible",
               "timeout": "it did not finish in time", "empty": "there was no program"}.get(status)
    parts.append(f"Render result: {outcome or 'it failed with an error: ' + (error or 'unknown')}")
    if row.get("reference_code"):
        parts.append(f"Reference solution (a good answer, not the only one):\n```{lang}\n{row['reference_code']}\n```")
    parts.append('Answer with JSON only: {"score": <1-10>, "judgement": "..."}')
    return [{"role": "system", "content": SYSTEM}, {"role": "user", "content": "\n\n".join(parts)}]


def parse_verdict(text: str) -> tuple[int, str]:
    """(score, judgement) from the judge's reply; tolerates code fences and prose around the JSON object."""
    m = re.search(r"\{.*\}", text or "", re.S)
    if not m:
        raise JudgeError(f"judge reply holds no JSON object: {text[:200]!r}")
    try:
        obj = json.loads(m.group(0))
    except json.JSONDecodeError as e:
        raise JudgeError(f"judge reply is not valid JSON ({e.msg}): {m.group(0)[:200]!r}") from None
    score = obj.get("score")
    if isinstance(score, str) and score.strip().isdigit():
        score = int(score.strip())
    if not isinstance(score, (int, float)) or isinstance(score, bool) or not 1 <= score <= 10:
        raise JudgeError(f"judge score must be a number from 1 to 10, got {score!r}")
    return int(round(score)), str(obj.get("judgement") or obj.get("reason") or "").strip()


class Judge:
    """Asks the judge about every prediction in `compute`, a few requests at a time."""

    name = "judge"

    def __init__(self, config: JudgeConfig, progress: bool = False):
        self.config = config
        self.progress = progress
        self._items: list[tuple[dict[str, Any], str, str | None]] = []

    def update(self, sample: Sample) -> None:
        self._items.append((sample.row, sample.status, sample.error))

    def _ask(self, client: Any, item: tuple[dict[str, Any], str, str | None]) -> dict[str, Any]:
        row, status, error = item
        body = {"model": self.config.model, "messages": build_judge_messages(row, status, error),
                "temperature": 0.0, "max_tokens": self.config.max_tokens}
        try:
            r = client.post("/chat/completions", json=body)
            r.raise_for_status()
            text = r.json()["choices"][0]["message"]["content"]
            score, judgement = parse_verdict(text)
            return {"judge_score": score, "judge_judgement": judgement}
        except Exception as e:  # one bad answer must not sink the other rows; it is counted and reported
            msg = f"{type(e).__name__}: {e}"[:300]
            log.warning("judge failed on %s: %s", row.get("id"), msg)
            return {"judge_score": None, "judge_error": msg}

    def compute(self) -> MetricResult:
        import httpx
        from tqdm import tqdm

        key = os.environ.get(self.config.api_key_env, "")
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        with httpx.Client(base_url=self.config.url.rstrip("/"), headers=headers,
                          timeout=self.config.timeout_s) as client:
            with ThreadPoolExecutor(self.config.concurrency) as pool:
                per_row = list(tqdm(pool.map(lambda it: self._ask(client, it), self._items), total=len(self._items),
                                    desc="judge", unit="row", disable=not self.progress))
        scores = [r["judge_score"] for r in per_row if r.get("judge_score") is not None]
        failures = len(per_row) - len(scores)
        if per_row and not scores:
            log.error("the judge answered no row; first error: %s", per_row[0].get("judge_error"))
        return MetricResult(
            summary={"judge_score": mean(scores),
                     "judge": {"model": self.config.model, "url": self.config.url, "n_scored": len(scores),
                               "failures": failures}},
            per_row=per_row,
        )
