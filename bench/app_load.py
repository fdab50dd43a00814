"""Many simulated users at once against the app on a fake OpenAI-compatible endpoint (no model cost).

    .venv/bin/python -m bench.app_load --users 20 --turns 5 [--tokens-per-s 60] [--concurrency N] [--json out.json]

Starts bench.fake_endpoint in this process and `python -m app --model <endpoint>` as a child process with a fresh
data directory, then runs `--users` gradio_client users at once. Each user: `--turns` messages (a marker like
`[u3t2]` in each, which the endpoint copies into the program), a hand edit after turns 2 and 4, a restore of r1
after turn 3 (the next answers branch from it), then an export of the figure and of the session. Checked: every
turn answered with a revision, each user's outputs carry only its own markers (no cross-talk), and after all users
finish a fresh connection that resumes each session finds exactly the revisions that user was shown (none lost).

Measured per turn: the user's wait (submit to result), the time the endpoint spent streaming or answering the
requests of that turn (repairs included), and the app's own overhead = wait - endpoint time (queueing, rendering,
saving, Gradio); plus the highest queue position a waiting user was shown (gradio_client's job status, the same
numbers the browser shows).
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from tqdm import tqdm

from bench.fake_endpoint import EndpointConfig, FakeEndpoint

log = logging.getLogger("bench.app_load")
ROOT = Path(__file__).resolve().parent.parent
WORDS = ["Draw a 3-layer MLP", "make the nodes red", "a bar chart of four values", "plot a sine wave",
         "make it red", "a bar chart, red bars", "Draw a 3-layer MLP in red"]
EDIT = """function setup() {
  createCanvas(300, 200);
  background(255);
  fill(30, 120, 220);
  rect(50, 50, 200, 100);
}
"""


@dataclass
class LoadConfig:
    """What the run does."""

    users: int = 20
    turns: int = 5
    tokens_per_s: float = 60.0
    broken_every: int = 5
    concurrency: int | None = None  # None: the app's default for an endpoint
    json: str | None = None


@dataclass
class TurnRecord:
    """One user message and what it cost."""

    user: int
    turn: int
    wait_s: float
    endpoint_s: float
    overhead_s: float
    max_queue_rank: int | None
    answered: bool


@dataclass
class UserResult:
    """What one simulated user saw."""

    user: int
    key: dict[str, str]
    turns: list[TurnRecord] = field(default_factory=list)
    revisions_seen: int = 0
    cross_talk: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _key(out: Any) -> dict[str, str]:
    return next(o for o in out if isinstance(o, dict) and "owner" in o)


def _foreign(text: str, user: int, users: int) -> list[str]:
    """Markers of other users found in a text."""
    return [f"u{v}t" for v in range(users) if v != user and (f"[u{v}t" in text or f"// u{v}t" in text)]


def run_user(url: str, user: int, cfg: LoadConfig, endpoint: FakeEndpoint) -> UserResult:
    """One simulated user's whole session."""
    from gradio_client import Client

    c = Client(url, verbose=False)
    res = UserResult(user=user, key=_key(c.predict({}, api_name="/resume")))
    for t in range(cfg.turns):
        marker = f"u{user}t{t}"
        text = f"{WORDS[(user + t) % len(WORDS)]} [{marker}]"
        t0 = time.monotonic()
        job = c.submit({"text": text, "files": []}, api_name="/send")
        rank = None
        while not job.done():
            st = job.status()
            if st.rank is not None and st.code.name in ("IN_QUEUE", "JOINING_QUEUE"):
                rank = max(rank or 0, int(st.rank) + 1)  # rank 0 = next in line: shown as position 1
            time.sleep(0.05)
        try:
            out = job.result()
        except Exception as e:  # recorded, not raised: the run reports every failure
            res.errors.append(f"turn {t}: {type(e).__name__}: {e}")
            res.turns.append(TurnRecord(user, t, time.monotonic() - t0, 0.0, 0.0, rank, False))
            continue
        wait = time.monotonic() - t0
        chat_text = "\n".join(str(m.get("content")) for m in out[0])
        answered = f"// {marker}" in str(out[1]) and "Generation failed" not in chat_text.split(marker)[-1]
        spent = sum(r.end - r.start for r in list(endpoint.records) if r.marker == marker and r.end)
        res.turns.append(TurnRecord(user, t, wait, spent, wait - spent, rank, answered))
        res.cross_talk += _foreign(chat_text + str(out[1]), user, cfg.users)
        res.revisions_seen = len(out[4])
        if t in (1, 3):
            out = c.predict(EDIT + f"// edit by u{user} after turn {t}\n", api_name="/edit")
            res.revisions_seen = len(out[4])
        if t == 2:
            out = c.predict("r1", api_name="/restore")
            res.cross_talk += _foreign(str(out[1]), user, cfg.users)
    files, _ = c.predict(api_name="/export")
    for f in files:
        if str(f).endswith(".js"):
            res.cross_talk += _foreign(Path(f).read_text(), user, cfg.users)
    doc = json.loads(Path(c.predict(api_name="/export_session")).read_text())
    if len(doc["revisions"]) != res.revisions_seen:
        res.errors.append(f"export holds {len(doc['revisions'])} revisions, the user saw {res.revisions_seen}")
    return res


def _pct(values: list[float], q: float) -> float:
    """The q-th percentile (nearest rank)."""
    s = sorted(values)
    return s[min(len(s) - 1, max(0, int(round(q / 100 * len(s) + 0.5)) - 1))] if s else float("nan")


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Run the load test and print (and optionally save) the summary."""
    p = argparse.ArgumentParser(prog="python -m bench.app_load", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--users", type=int, default=LoadConfig.users)
    p.add_argument("--turns", type=int, default=LoadConfig.turns)
    p.add_argument("--tokens-per-s", type=float, default=LoadConfig.tokens_per_s)
    p.add_argument("--broken-every", type=int, default=LoadConfig.broken_every)
    p.add_argument("--concurrency", type=int, default=None, help="the app's --concurrency (default: its own)")
    p.add_argument("--json", default=None, help="write the records here")
    cfg = LoadConfig(**vars(p.parse_args(argv)))
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per request would drown the summary
    log.info("settings: %s", cfg)

    # Endpoint
    endpoint = FakeEndpoint(EndpointConfig(tokens_per_s=cfg.tokens_per_s, broken_every=cfg.broken_every)).start()
    # App
    port = _free_port()
    data = Path(tempfile.mkdtemp(prefix="app-load-"))
    app_log = data / "app.log"
    cmd = [sys.executable, "-m", "app", "--model", endpoint.url, "--port", str(port), "--data-dir",
           str(data / "sessions"), "--no-preload"]
    if cfg.concurrency:
        cmd += ["--concurrency", str(cfg.concurrency)]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=app_log.open("wb"), stderr=subprocess.STDOUT,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"}, start_new_session=True)
    url = f"http://127.0.0.1:{port}/"
    try:
        import httpx

        for _ in range(600):
            if proc.poll() is not None:
                raise SystemExit(f"the app exited:\n{app_log.read_text()[-3000:]}")
            try:
                if httpx.get(url, timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        # Warm up: the first turn loads the endpoint client and starts the renderer's browser.
        from gradio_client import Client

        Client(url, verbose=False).predict({"text": "warm up", "files": []}, api_name="/send")
        endpoint.records.clear()
        t0 = time.monotonic()
        results: list[UserResult] = []
        with ThreadPoolExecutor(cfg.users) as pool, tqdm(total=cfg.users, desc="users done") as bar:
            futures = [pool.submit(run_user, url, u, cfg, endpoint) for u in range(cfg.users)]
            for f in futures:
                results.append(f.result())
                bar.update(1)
        wall = time.monotonic() - t0
        # Nothing lost: a fresh connection resumes every session and finds what its user saw.
        lost = []
        for r in results:
            back = Client(url, verbose=False).predict(r.key, api_name="/resume")
            if len(back[4]) != r.revisions_seen:
                lost.append(f"u{r.user}: saw {r.revisions_seen}, resumed {len(back[4])}")
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
        endpoint.stop()
    server_log = app_log.read_text(errors="replace")
    turns = [t for r in results for t in r.turns]
    overhead = [t.overhead_s for t in turns if t.answered]
    waits = [t.wait_s for t in turns if t.answered]
    at_endpoint = [t.endpoint_s for t in turns if t.answered]
    ranks = [t.max_queue_rank for t in turns if t.max_queue_rank is not None]
    summary = {
        "config": asdict(cfg), "cpus": os.cpu_count(), "wall_s": round(wall, 1), "turns": len(turns),
        "answered": sum(t.answered for t in turns),
        "errors": [e for r in results for e in r.errors],
        "cross_talk": sorted({x for r in results for x in r.cross_talk}),
        "lost_revisions": lost,
        "revisions": sum(r.revisions_seen for r in results),
        "wait_p50_s": round(_pct(waits, 50), 2), "wait_p95_s": round(_pct(waits, 95), 2),
        "endpoint_p50_s": round(_pct(at_endpoint, 50), 2), "endpoint_p95_s": round(_pct(at_endpoint, 95), 2),
        "overhead_p50_s": round(_pct(overhead, 50), 2), "overhead_p95_s": round(_pct(overhead, 95), 2),
        "overhead_mean_s": round(statistics.fmean(overhead), 2) if overhead else None,
        "turns_queued": len(ranks), "queue_position_max": max(ranks) if ranks else 0,
        "queue_position_p50": _pct([float(x) for x in ranks], 50) if ranks else 0,
        "content_length_errors": server_log.count("Too much data for declared Content-Length"),
        "server_tracebacks": server_log.count("Traceback"),
    }
    print(json.dumps(summary, indent=1))
    if cfg.json:
        Path(cfg.json).write_text(json.dumps({"summary": summary, "turns": [asdict(t) for t in turns]}, indent=1))
    return summary


if __name__ == "__main__":
    main()
