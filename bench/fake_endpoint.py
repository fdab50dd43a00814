"""A fake OpenAI-compatible endpoint on 127.0.0.1: streams canned p5.js programs at a set token rate, some broken.

    .venv/bin/python -m bench.fake_endpoint --port 8011 --tokens-per-s 60 --broken-every 5
    .venv/bin/python -m app --model http://127.0.0.1:8011/v1 --no-preload

It lets the app be loaded and faulted without model cost. Answers are chosen from the request: a marker like
`[u3t2]` in the user's words is copied into the program as a comment (so a load test can tell whose answer it
is); "red" turns the fill red; every `broken_every`-th streamed answer calls an undefined function (the app's
repair loop then asks again without streaming, and gets a working program). GET /stats returns one record per
request (marker, streamed or not, start and end times, tokens), so a benchmark can subtract the time spent at the
endpoint from what a user waited.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import logging
import re
import threading
import time
from dataclasses import asdict, dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

__all__ = ["FakeEndpoint", "EndpointConfig", "program_for", "main"]

log = logging.getLogger(__name__)

MODEL_ID = "fake-coder"
MARKER = re.compile(r"\[(u\d+t\d+)\]")
CODE_MARKER = re.compile(r"// (u\d+t\d+)\n")

PROGRAMS = [
    """function setup() {
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
""",
    """function setup() {
  createCanvas(400, 300);
  background(255);
  const vals = [3, 7, 5, 2];
  for (let i = 0; i < vals.length; i++) {
    fill(FILL);
    rect(50 + i * 80, 260 - vals[i] * 30, 50, vals[i] * 30);
    fill(0);
    text(String.fromCharCode(65 + i), 70 + i * 80, 280);
  }
}
""",
    """function setup() {
  createCanvas(400, 300);
  background(255);
  noFill();
  stroke(FILL);
  strokeWeight(3);
  beginShape();
  for (let x = 0; x <= 360; x += 4) vertex(20 + x, 150 - 100 * sin(radians(x)));
  endShape();
  stroke(0);
  line(20, 150, 380, 150);
}
""",
]
BROKEN_LINE = "  drawLegend(width - 80, 20);\n"


@dataclass
class EndpointConfig:
    """How the fake endpoint answers."""

    tokens_per_s: float = 60.0  # per stream (a GPU server decoding a small model does 50–150)
    chars_per_token: int = 4
    first_token_ms: float = 150.0  # prefill before the first token
    broken_every: int = 5  # every n-th streamed answer fails to render (0: never)


@dataclass
class RequestRecord:
    """What the endpoint did for one request."""

    marker: str | None
    stream: bool
    start: float
    end: float = 0.0
    tokens: int = 0
    broken: bool = False


def _fill(text: str) -> str:
    return "'red'" if "red" in text.lower() or "赤" in text else "200"


def program_for(instruction: str, marker: str | None, broken: bool) -> str:
    """The canned program answering an instruction (the same words give the same program)."""
    idx = int(hashlib.sha1(re.sub(MARKER, "", instruction).encode()).hexdigest(), 16) % len(PROGRAMS)
    code = PROGRAMS[idx].replace("FILL", _fill(instruction))
    if broken:
        code = code.replace("  background(255);\n", "  background(255);\n" + BROKEN_LINE, 1)
    return (f"// {marker}\n" if marker else "") + code


def _last_user_text(body: dict[str, Any]) -> str:
    for m in reversed(body.get("messages") or []):
        if m.get("role") == "user":
            c = m.get("content")
            if isinstance(c, list):
                c = " ".join(str(p.get("text", "")) for p in c if isinstance(p, dict))
            return str(c or "")
    return ""


def _instruction(user_text: str) -> str:
    """The user's request: the prompt puts it last, after 'for this request:'."""
    tail = user_text.rsplit("for this request:", 1)
    return tail[-1].strip()


class FakeEndpoint:
    """The server: start() on a free port, url for `--model`, stop() when done; thread-safe records."""

    def __init__(self, config: EndpointConfig | None = None, host: str = "127.0.0.1", port: int = 0):
        self.config = config or EndpointConfig()
        self.records: list[RequestRecord] = []
        self._lock = threading.Lock()
        self._streams = 0
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, fmt: str, *args: Any) -> None:  # quiet: the benchmark prints its own summary
                log.debug(fmt, *args)

            def _json(self, code: int, obj: Any) -> None:
                data = json.dumps(obj).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                if self.path.rstrip("/").endswith("/models"):
                    self._json(200, {"object": "list", "data": [{"id": MODEL_ID, "object": "model"}]})
                elif self.path.rstrip("/").endswith("/stats"):
                    with outer._lock:
                        self._json(200, [asdict(r) for r in outer.records])
                else:
                    self._json(404, {"error": {"message": f"no route {self.path}"}})

            def do_POST(self) -> None:
                if not self.path.rstrip("/").endswith("/chat/completions"):
                    self._json(404, {"error": {"message": f"no route {self.path}"}})
                    return
                n = int(self.headers.get("Content-Length") or 0)
                try:
                    body = json.loads(self.rfile.read(n) or b"{}")
                except json.JSONDecodeError:
                    self._json(400, {"error": {"message": "body is not JSON"}})
                    return
                outer._answer(self, body)

        self._server = ThreadingHTTPServer((host, port), Handler)
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """The base URL to pass as --model."""
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/v1"

    def start(self) -> "FakeEndpoint":
        """Serve in a background thread."""
        self._thread = threading.Thread(target=self._server.serve_forever, name="fake-endpoint", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the socket."""
        self._server.shutdown()
        self._server.server_close()

    def _answer(self, handler: BaseHTTPRequestHandler, body: dict[str, Any]) -> None:
        """One chat completion, streamed token by token or whole."""
        cfg = self.config
        text = _last_user_text(body)
        instruction = _instruction(text)
        # A repair request carries no marker in its words, but the program it fixes carries it as a comment.
        found = MARKER.findall(instruction) or CODE_MARKER.findall(text)
        marker = found[-1] if found else None
        stream = bool(body.get("stream"))
        with self._lock:
            broken = False
            if stream:
                self._streams += 1
                broken = bool(cfg.broken_every) and self._streams % cfg.broken_every == 0
            rec = RequestRecord(marker=marker, stream=stream, start=time.time(), broken=broken)
            self.records.append(rec)
        reply = f"```javascript\n{program_for(instruction, marker, broken)}```"
        pieces = [reply[i:i + cfg.chars_per_token] for i in range(0, len(reply), cfg.chars_per_token)]
        pieces = pieces[:max(1, int(body.get("max_tokens") or 4096))]
        time.sleep(cfg.first_token_ms / 1000)
        try:
            if not stream:
                time.sleep(len(pieces) / cfg.tokens_per_s)
                choices = [{"index": i, "message": {"role": "assistant", "content": "".join(pieces)},
                            "logprobs": {"content": [{"token": p, "logprob": -0.1 - 0.01 * i} for p in pieces]},
                            "finish_reason": "stop"} for i in range(int(body.get("n") or 1))]
                handler._json(200, {"id": "fake", "object": "chat.completion", "model": MODEL_ID,
                                    "choices": choices})
            else:
                handler.send_response(200)
                handler.send_header("Content-Type", "text/event-stream")
                handler.send_header("Cache-Control", "no-cache")
                handler.send_header("Connection", "close")
                handler.end_headers()
                t0 = time.monotonic()
                for i, piece in enumerate(pieces):
                    # Paced against the clock, so slow writes do not slow the rate further.
                    delay = t0 + i / cfg.tokens_per_s - time.monotonic()
                    if delay > 0:
                        time.sleep(delay)
                    event = {"choices": [{"index": 0, "delta": {"content": piece},
                                          "logprobs": {"content": [{"token": piece, "logprob": -0.1}]},
                                          "finish_reason": None}]}
                    handler.wfile.write(f"data: {json.dumps(event)}\n\n".encode())
                    handler.wfile.flush()
                done = {"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}
                handler.wfile.write(f"data: {json.dumps(done)}\n\ndata: [DONE]\n\n".encode())
                handler.wfile.flush()
                handler.close_connection = True
        except (BrokenPipeError, ConnectionResetError):
            pass  # the app stopped reading (a user pressed Stop, or the app died)
        finally:
            with self._lock:
                rec.end, rec.tokens = time.time(), len(pieces)


def main(argv: list[str] | None = None) -> None:
    """Serve until interrupted."""
    p = argparse.ArgumentParser(prog="python -m bench.fake_endpoint", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--port", type=int, default=8011)
    p.add_argument("--tokens-per-s", type=float, default=EndpointConfig.tokens_per_s)
    p.add_argument("--first-token-ms", type=float, default=EndpointConfig.first_token_ms)
    p.add_argument("--broken-every", type=int, default=EndpointConfig.broken_every,
                   help="every n-th streamed answer does not render (0: never)")
    a = p.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    ep = FakeEndpoint(EndpointConfig(tokens_per_s=a.tokens_per_s, first_token_ms=a.first_token_ms,
                                     broken_every=a.broken_every), port=a.port).start()
    log.info("fake endpoint at %s (%.0f tokens/s, every %d-th answer broken)", ep.url, a.tokens_per_s,
             a.broken_every)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        ep.stop()


if __name__ == "__main__":
    main()
