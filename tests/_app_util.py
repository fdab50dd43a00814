"""A deterministic generator for app tests: fixed p5 programs chosen by keywords, and a record of requests."""
from __future__ import annotations

import threading
import time
from typing import Any

from model import Candidate, StreamChunk

MLP = """function setup() {
  createCanvas(400, 300);
  background(255);
  stroke(0);
  const layers = [4, 5, 1];
  for (let i = 0; i < layers.length; i++) {
    for (let j = 0; j < layers[i]; j++) {
      fill(FILL);
      circle(80 + i * 120, 40 + j * 50, 30);
    }
  }
}
"""
BROKEN = """function setup() {
  createCanvas(300, 200);
  background(255);
  drawNetwork();
}
"""
FIXED = """function setup() {
  createCanvas(300, 200);
  background(255);
  fill(30, 120, 220);
  rect(50, 50, 200, 100);
}
"""
SQUARE = """function setup() {
  createCanvas(300, 300);
  background(255);
  fill(20, 160, 60);
  rect(60, 60, 180, 180);
}
"""


SVG = """<svg xmlns="http://www.w3.org/2000/svg" width="200" height="120" viewBox="0 0 200 120">
  <rect width="200" height="120" fill="white"/>
  <circle cx="60" cy="60" r="40" fill="FILL"/>
</svg>
"""


def program(instruction: str, lang: str = "p5") -> str:
    """The fixed program answering an instruction (keywords pick it)."""
    low = instruction.lower()
    if lang == "svg":
        return SVG.replace("FILL", "red" if "red" in low else "steelblue")
    if "broken" in low or "壊" in instruction:
        return BROKEN
    if "square" in low or "sketch" in low or "スケッチ" in instruction:
        return SQUARE
    fill = "'red'" if ("red" in low or "赤" in instruction) else "200"
    return MLP.replace("FILL", fill)


def _is_repair(req: Any) -> bool:
    """True for the request model.repair_request builds (the failing code and the fix-it instruction)."""
    return (req.render_status == "error" and bool(req.code)
            and req.instruction.startswith(("The code fails", "このコード")))


class ScriptedGenerator:
    """Implements the model/ Generator methods the app calls, deterministically and quickly."""

    name = "scripted-test-model"
    adapters: list[str] = ["figures"]
    is_vision = False

    def __init__(self, fail_with: Exception | None = None, repair_works: bool = True, chunk_delay: float = 0.0,
                 slow_stream: bool = False, repeat_below: float | None = None):
        self.adapter: str | None = "figures"
        self.requests: list[Any] = []
        self.repairs: list[tuple[str, str, int | None]] = []
        self.temperatures: list[float | None] = []  # of every stream/generate call, in order
        self.fail_with = fail_with
        self.repair_works = repair_works
        # Answers repeat the request's code unchanged while the temperature is below this (None: never).
        self.repeat_below = repeat_below
        self.chunk_delay = chunk_delay
        self.slow_stream = slow_stream
        self.lock = threading.Lock()

    def _cand(self, code: str, logprob: float | None = -0.5) -> Candidate:
        return Candidate(code=code, text=f"```javascript\n{code}```", logprob=logprob, tokens=len(code) // 4,
                         model=self.name, adapter=self.adapter)

    def _answer(self, req: Any, temperature: float | None) -> str:
        """The program for a request: a repair request gets FIXED (or BROKEN), others their keyword program."""
        if self.repeat_below is not None and req.code and (temperature or 0.0) < self.repeat_below:
            return req.code
        if _is_repair(req):
            # A failed repair still changes the code (one more argument), so each attempt is a new revision.
            return FIXED if self.repair_works else req.code.replace("drawNetwork(", "drawNetwork(0, ", 1)
        return program(req.instruction, req.lang)

    def _record(self, req: Any, temperature: float | None) -> None:
        with self.lock:
            self.requests.append(req)
            self.temperatures.append(temperature)
            if _is_repair(req):
                self.repairs.append((req.code, req.error, req.error_line))

    def stream(self, req: Any, max_new_tokens: int = 1024, stop_event: threading.Event | None = None,
               temperature: float | None = None, **kw: Any):
        """Yield the program a few lines at a time, then the finished candidate."""
        self._record(req, temperature)
        if self.fail_with is not None:
            raise self.fail_with
        code = self._answer(req, temperature)
        text = "```javascript\n"
        lines = code.splitlines(keepends=True)
        for i, line in enumerate(lines):
            if stop_event is not None and stop_event.is_set():
                yield StreamChunk(text=text, done=True,
                                  candidate=Candidate(code="", text=text, model=self.name, adapter=self.adapter,
                                                      finish_reason="cancelled"))
                return
            text += line
            yield StreamChunk(text=text)
            if self.slow_stream:
                time.sleep(0.5)
            elif self.chunk_delay:
                time.sleep(self.chunk_delay)
        yield StreamChunk(text=text + "```", done=True, candidate=self._cand(code))

    def generate(self, req: Any, n: int = 1, max_new_tokens: int = 1024, temperature: float = 0.7,
                 stop_event: threading.Event | None = None, **kw: Any) -> list[Candidate]:
        """n candidates: a broken one with the best log-probability, then working ones in falling order.

        A repair request, or a request answered by repeating its code, gets n copies of that one answer.
        """
        self._record(req, temperature)
        if self.fail_with is not None:
            raise self.fail_with
        answer = self._answer(req, temperature)
        if answer == req.code or _is_repair(req):
            return [self._cand(answer, logprob=-0.2 - 0.1 * i) for i in range(n)]
        good = program(req.instruction, req.lang)
        out = [self._cand(BROKEN, logprob=-0.1)]
        for i in range(1, n):
            out.append(self._cand(good.replace("30);", f"{30 + i * 4});"), logprob=-0.2 - 0.1 * i))
        return out[:n]

    def set_adapter(self, name: str) -> None:
        """Select an adapter by name."""
        if name not in self.adapters:
            raise ValueError(f"unknown adapter {name}")
        self.adapter = name


def scripted_factory(gen: ScriptedGenerator):
    """A generator_factory that hands out this generator."""
    return lambda model, adapter: gen


def launch_scripted(port: int, gen: ScriptedGenerator | None = None):
    """Serve the app with the scripted generator on 127.0.0.1:port (returns demo, url, generator)."""
    from app.ui import build_ui, launch_kwargs

    gen = gen or ScriptedGenerator()
    demo = build_ui(generator_factory=scripted_factory(gen))
    demo.queue(default_concurrency_limit=4)
    _, url, _ = demo.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True,
                            **launch_kwargs())
    return demo, url, gen
