"""Sessions that survive reloads and restarts: the store, export/import, share links, limits, crashes, load."""
from __future__ import annotations

import base64
import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from app import handlers as h
from app.files import write_once
from app.limits import Limits, fit_prompt, message_problem
from app.sessions import ImportProblem, SessionStore, parse_export
from app.store import DB_NAME
from tests._app_util import FIXED, ScriptedGenerator, scripted_factory

ROOT = Path(__file__).resolve().parent.parent


def _engine(gen: ScriptedGenerator | None = None, **kw) -> tuple[h.Engine, ScriptedGenerator]:
    gen = gen or ScriptedGenerator()
    return h.Engine(scripted_factory(gen), use_clip=False, **kw), gen


def _say(engine: h.Engine, session: h.Session, text: str) -> None:
    list(h.message_turn(engine, session, {"text": text, "files": []}))


def _two_turn_session(engine: h.Engine) -> h.Session:
    s = h.Session()
    _say(engine, s, "Draw a 3-layer MLP")
    h.apply_edit(engine, s, FIXED)
    h.restore(s, 1)
    _say(engine, s, "make the nodes red")
    return s


def _same(a: h.Session, b: h.Session) -> None:
    """Two sessions hold the same revisions, head, chat and settings."""
    assert [(r.id, r.parent, r.code, r.status, r.source, r.png) for r in a.tree.ordered()] == \
        [(r.id, r.parent, r.code, r.status, r.source, r.png) for r in b.tree.ordered()]
    assert a.tree.head == b.tree.head
    assert [m["content"] for m in a.chat] == [m["content"] for m in b.chat]
    assert a.settings == b.settings


# Store and sessions (in-process)

def test_session_round_trips_through_the_database_and_a_restart(tmp_path):
    engine, _ = _engine()
    ss = SessionStore.open(tmp_path)
    s = _two_turn_session(engine)
    s.settings.best_of, s.settings.temperature = 2, 0.3
    ss.persist(s)
    ss.store.close()
    ss2 = SessionStore.open(tmp_path)  # a new process would do exactly this
    back = ss2.load(s.sid, s.owner)
    _same(s, back)
    assert back.tree.current.parent == 1 and back.tree.get(2).source == "hand"
    assert back.tree.get(1).trace and back.tree.get(1).trace[0].fn == s.tree.get(1).trace[0].fn
    # the next revision continues the numbering
    _say(engine, back, "a green square")
    assert back.tree.current.id == 4
    assert [r["sid"] for r in ss2.sessions_of(s.owner)] == [s.sid]


def test_another_browser_cannot_open_a_session(tmp_path):
    engine, _ = _engine()
    ss = SessionStore.open(tmp_path)
    s = h.Session()
    _say(engine, s, "Draw a 3-layer MLP")
    ss.persist(s)
    other = h.Session()
    assert ss.load(s.sid, other.owner) is None  # knowing the id is not enough
    assert ss.load("x" * 32, s.owner) is None
    assert ss.sessions_of(other.owner) == []
    # ids and owner secrets carry at least 128 random bits (URL-safe base64: 6 bits a character)
    assert len(s.sid) * 6 >= 128 and len(s.owner) * 6 >= 128 and s.sid != other.sid
    raw = sqlite3.connect(tmp_path / DB_NAME).execute("SELECT owner FROM sessions").fetchone()[0]
    assert raw != s.owner  # the database keeps a hash of the browser's secret, not the secret


def test_every_change_is_committed_when_it_happens(tmp_path):
    engine, _ = _engine()
    ss = SessionStore.open(tmp_path)
    s = h.Session()
    _say(engine, s, "Draw a 3-layer MLP")
    ss.persist(s)

    def on_disk() -> tuple[int, int, int | None, str]:
        db = sqlite3.connect(tmp_path / DB_NAME)  # a separate connection sees only committed data
        try:
            revs = db.execute("SELECT COUNT(*) FROM revisions").fetchone()[0]
            msgs = db.execute("SELECT COUNT(*) FROM messages").fetchone()[0]
            head, settings = db.execute("SELECT head, settings FROM sessions").fetchone()
            return revs, msgs, head, settings
        finally:
            db.close()

    assert on_disk()[:3] == (1, len(s.chat), 1)
    h.apply_edit(engine, s, FIXED)
    ss.persist(s)
    assert on_disk()[:3] == (2, len(s.chat), 2)
    h.restore(s, 1)
    s.settings.repair_limit = 4
    ss.persist(s)
    revs, msgs, head, settings = on_disk()
    assert head == 1 and json.loads(settings)["repair_limit"] == 4 and msgs == len(s.chat)


def test_untouched_page_load_stores_nothing(tmp_path):
    ss = SessionStore.open(tmp_path)
    ss.persist(h.Session())
    assert ss.store.query("SELECT COUNT(*) FROM sessions")[0][0] == 0


def test_interrupted_turn_is_marked_after_a_restart(tmp_path):
    engine, _ = _engine()
    ss = SessionStore.open(tmp_path)
    s = h.Session()
    _say(engine, s, "Draw a 3-layer MLP")
    ss.begin_turn(s, "make it red")
    s.user("make it red")
    ss.persist(s)
    ss.store.turn_progress(s.sid, "function setup() {")
    ss.store.close()  # the process dies here: end_turn never runs
    ss2 = SessionStore.open(tmp_path)
    back = ss2.load(s.sid, s.owner)
    assert len(back.tree) == 1 and back.chat[-2]["content"] == "make it red"
    assert "interrupted" in back.chat[-1]["content"] and "18 characters" in back.chat[-1]["content"]
    assert "“make it red”" in back.chat[-1]["content"]  # the request is named even if it never started
    assert ss2.store.query("SELECT COUNT(*) FROM turns")[0][0] == 0
    ss2.store.close()
    again = SessionStore.open(tmp_path).load(s.sid, s.owner)  # marked once, not at every start
    assert sum("interrupted" in m["content"] for m in again.chat) == 1


@pytest.mark.parametrize("damage", ["garbage", "truncated"])
def test_damaged_database_is_set_aside_with_a_message(tmp_path, damage):
    engine, _ = _engine()
    ss = SessionStore.open(tmp_path)
    s = _two_turn_session(engine)
    ss.persist(s)
    ss.store.close()
    db = tmp_path / DB_NAME
    data = db.read_bytes()
    db.write_bytes(b"this is not a database" * 50 if damage == "garbage" else data[:len(data) // 3])
    for suffix in ("-wal", "-shm"):
        Path(str(db) + suffix).unlink(missing_ok=True)
    ss2 = SessionStore.open(tmp_path)
    assert ss2.note and "damaged" in ss2.note and "moved to" in ss2.note
    aside = [p for p in tmp_path.iterdir() if ".corrupt-" in p.name]
    assert aside and aside[0].read_bytes()[:20] == (data[:len(data) // 3] if damage == "truncated"
                                                   else b"this is not a database" * 50)[:20]
    s2 = h.Session()
    _say(engine, s2, "Draw a 3-layer MLP")
    ss2.persist(s2)  # the fresh database works
    assert ss2.load(s2.sid, s2.owner) is not None
    ss2.store.close()
    assert SessionStore.open(tmp_path).note is None  # no crash loop: the next start is clean


def test_old_sessions_expire_when_configured(tmp_path):
    engine, _ = _engine()
    ss = SessionStore.open(tmp_path)
    s = h.Session()
    _say(engine, s, "Draw a 3-layer MLP")
    ss.persist(s)
    assert ss.store.expire(None) == 0 and ss.store.expire(30 * 86400) == 0
    assert ss.store.expire(30 * 86400, now=time.time() + 31 * 86400) == 1
    assert ss.load(s.sid, s.owner) is None
    ss.limits.expire_days = 1e-12  # everything is older than that: the hourly sweep deletes it
    s2 = h.Session()
    _say(engine, s2, "a green square")
    ss.persist(s2)
    assert ss.maybe_expire() == 1 and ss.maybe_expire() == 0  # at most once an hour
    assert Limits.for_host().expire_days is None  # a laptop keeps sessions forever


def test_expiry_default_on_a_space(monkeypatch):
    monkeypatch.setenv("SPACE_ID", "someone/figure-assistant")
    assert Limits.for_host().expire_days == 30.0
    assert Limits.for_host(expire_days=0).expire_days is None


def test_share_token_opens_one_revision_read_only(tmp_path):
    engine, _ = _engine()
    ss = SessionStore.open(tmp_path)
    s = _two_turn_session(engine)
    token = ss.share(s, 2)
    assert len(token) * 6 >= 128 and ss.share(s, 2) == token
    rev = ss.shared(token)
    assert rev.id == 2 and rev.code == FIXED and rev.png == s.tree.get(2).png
    assert ss.shared("nope") is None and ss.shared("") is None and ss.shared(None) is None


# Export / import

def test_export_import_round_trip(tmp_path):
    engine, _ = _engine()
    ss = SessionStore.open(tmp_path)
    s = _two_turn_session(engine)
    data = ss.export_json(s)
    doc = json.loads(data)
    assert doc["format"] == "figure-assistant-session" and len(doc["revisions"]) == 3
    other = SessionStore.open(tmp_path / "other-machine")
    new_owner = h.Session().owner
    imported = other.import_json(data, new_owner)
    _same(s, imported)
    assert imported.sid != s.sid and other.load(imported.sid, new_owner) is not None


def _doc(engine: h.Engine, data_dir: Path) -> dict:
    return json.loads(SessionStore.open(data_dir).export_json(_two_turn_session(engine)))


@pytest.mark.parametrize("mutate, says", [
    (lambda d: b"{not json", "not a JSON file"),
    (lambda d: {**d, "format": "something-else"}, "not a session file"),
    (lambda d: {**d, "version": 99}, "unsupported version"),
    (lambda d: {**d, "revisions": "x"}, "'revisions' must be a list"),
    (lambda d: {**d, "revisions": [{**d["revisions"][0], "parent": 7}]}, "parent r7 is not an earlier"),
    (lambda d: {**d, "revisions": [{**d["revisions"][0], "status": "great"}]}, "status must be one of"),
    (lambda d: {**d, "revisions": [{**d["revisions"][0], "code": 5}]}, "'code' must be text"),
    (lambda d: {**d, "revisions": [{**d["revisions"][0], "code": "x" * 300_000}]}, "at most 200,000"),
    (lambda d: {**d, "revisions": [{**d["revisions"][0], "png": base64.b64encode(b"GIF89a....").decode()}]},
     "not a PNG"),
    (lambda d: {**d, "revisions": [{**d["revisions"][0], "png": base64.b64encode(
        b"\x89PNG\r\n\x1a\n" + b"\0" * 40).decode()}]}, "damaged"),
    (lambda d: {**d, "revisions": d["revisions"] * 200}, "at most 300"),
    (lambda d: {**d, "head": 42}, "'head' r42"),
    (lambda d: {**d, "chat": [{"role": "system", "content": "x"}]}, "role must be"),
])
def test_import_refuses_bad_files_with_a_reason(mutate, says, tmp_path):
    engine, _ = _engine()
    doc = _doc(engine, tmp_path)
    bad = mutate(doc)
    data = bad if isinstance(bad, bytes) else json.dumps(bad).encode()
    with pytest.raises(ImportProblem, match=says.replace("(", r"\(")):
        parse_export(data, Limits())


def test_import_size_cap_is_checked_before_parsing():
    with pytest.raises(ImportProblem, match="at most 1 MB"):
        parse_export(b" " * (2 * 2**20), Limits(max_import_bytes=2**20))


# Limits

def test_long_message_is_refused_with_the_limit_and_never_sent():
    engine, gen = _engine(limits=Limits(max_message_chars=100))
    s = h.Session()
    _say(engine, s, "x" * 20_000)
    assert "20,000 characters" in s.chat[-1]["content"] and "limit is 100" in s.chat[-1]["content"]
    assert gen.requests == [] and len(s.tree) == 0
    assert not any(m["role"] == "user" for m in s.chat)
    list(h.sketch_turn(engine, s, None, "y" * 500, True))
    assert "limit is 100" in s.chat[-1]["content"] and gen.requests == []
    assert message_problem("日本語" * 40, Limits(max_message_chars=100), "ja").startswith("メッセージが 120 文字")


def test_long_hand_edit_and_revision_cap_are_refused():
    engine, gen = _engine(limits=Limits(max_edit_chars=1000, max_revisions=2))
    s = h.Session()
    _say(engine, s, "Draw a 3-layer MLP")
    assert h.apply_edit(engine, s, FIXED + "//" + "x" * 2000) is None
    assert "limit for a hand edit is 1,000" in s.chat[-1]["content"] and len(s.tree) == 1
    assert h.apply_edit(engine, s, FIXED) is not None
    _say(engine, s, "make the nodes red")
    assert "2 revisions, the limit is 2" in s.chat[-1]["content"] and len(s.tree) == 2
    assert len(gen.requests) == 1


def test_session_byte_cap():
    engine, gen = _engine(limits=Limits(max_session_bytes=5000))
    s = h.Session()
    _say(engine, s, "Draw a 3-layer MLP")  # a PNG render alone is several kB
    _say(engine, s, "make the nodes red")
    assert "MB, the limit is" in s.chat[-1]["content"] and len(gen.requests) == 1


class _CountingGen:
    """Just enough of a Generator to price a prompt: one token per word."""

    def messages(self, req):
        from model import build_messages

        return build_messages(req)

    def count_tokens(self, text: str) -> int:
        return len(text.split())


def test_prompt_is_kept_within_the_budget():
    from model import Request, Turn

    hist = [Turn(instruction=f"step {i} " + "word " * 200, code="x", render_status="ok") for i in range(6)]
    req = Request(instruction="make it red", code="function setup() {}", lang="p5", history=hist)
    gen = _CountingGen()
    fitted, problem = fit_prompt(gen, req, Limits(prompt_tokens=100_000))
    assert problem is None and fitted.history == hist
    fitted, problem = fit_prompt(gen, req, Limits(prompt_tokens=300))
    assert problem is None and fitted.history == []  # earlier turns go first
    big = Request(instruction="make it red", code="a b " * 5000, lang="p5")
    _, problem = fit_prompt(gen, big, Limits(prompt_tokens=300))
    assert problem and "budget is 300" in problem


# Served files

def test_served_files_are_written_once_and_never_rewritten(tmp_path):
    data = os.urandom(200_000)
    paths = list(ThreadPoolExecutor(8).map(lambda _: write_once(data, ".png", tmp_path), range(32)))
    assert len(set(paths)) == 1 and Path(paths[0]).read_bytes() == data
    st = os.stat(paths[0])
    assert write_once(data, ".png", tmp_path) == paths[0]
    st2 = os.stat(paths[0])
    assert (st.st_ino, st.st_mtime_ns) == (st2.st_ino, st2.st_mtime_ns)  # not rewritten
    assert not [p for p in tmp_path.rglob(".part-*")]


# Fake endpoint

def test_fake_endpoint_streams_markers_and_broken_programs():
    from bench.fake_endpoint import EndpointConfig, FakeEndpoint
    from model import Request, load

    ep = FakeEndpoint(EndpointConfig(tokens_per_s=5000, first_token_ms=0, broken_every=2)).start()
    try:
        gen = load(ep.url)
        chunks = list(gen.stream(Request(instruction="[u1t1] a bar chart", lang="p5")))
        first = chunks[-1].candidate.code
        assert len(chunks) > 10 and first.startswith("// u1t1") and "drawLegend" not in first
        second = list(gen.stream(Request(instruction="[u1t2] a bar chart", lang="p5")))[-1].candidate.code
        assert "drawLegend" in second  # every 2nd streamed answer is broken
        fixed = gen.repair(second, "drawLegend is not defined", 4, request=Request(instruction="[u1t2] fix"))
        assert "drawLegend" not in fixed[0].code
        assert [r.marker for r in ep.records][:2] == ["u1t1", "u1t2"] and all(r.end >= r.start for r in ep.records)
    finally:
        ep.stop()


# Through the API (in-process server, scripted model)

def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    from app.ui import build_ui, launch_kwargs

    data = tmp_path_factory.mktemp("sessions")
    gen = ScriptedGenerator()
    engine = h.Engine(scripted_factory(gen), use_clip=False)
    ss = SessionStore.open(data, engine.limits)
    demo = build_ui(engine=engine, sessions=ss)
    demo.queue(default_concurrency_limit=8)
    _, url, _ = demo.launch(server_name="127.0.0.1", server_port=_free_port(), prevent_thread_lock=True,
                            quiet=True, **launch_kwargs())
    yield url, gen, ss
    demo.close()


def _key(out) -> dict:
    return next(o for o in out if isinstance(o, dict) and "owner" in o)


def test_api_resume_share_export_import(served):
    from gradio_client import Client

    url, gen, ss = served
    c = Client(url, verbose=False)
    key = _key(c.predict({}, api_name="/resume"))
    c.predict({"text": "Draw a 3-layer MLP", "files": []}, api_name="/send")
    c.predict(FIXED, api_name="/edit")
    # a new connection with the key (a reloaded page) gets the same session back
    back = Client(url, verbose=False).predict(key, api_name="/resume")
    assert back[1].strip() == FIXED.strip() and len(back[4]) == 2 and _key(back)["sid"] == key["sid"]
    # another browser with the same session id but its own secret does not
    stranger = Client(url, verbose=False)
    other = stranger.predict({"owner": "s" * 32, "sid": key["sid"]}, api_name="/resume")
    assert _key(other)["sid"] != key["sid"] and len(other[4]) == 0 and other[1] == ""
    link = c.predict(api_name="/share")
    assert "?rev=" in link
    assert ss.shared(link.split("?rev=")[1]).code.strip() == FIXED.strip()
    path = c.predict(api_name="/export_session")
    doc = json.loads(Path(path).read_text())
    assert len(doc["revisions"]) == 2
    from gradio_client import handle_file

    d = Client(url, verbose=False)
    dkey = _key(d.predict({}, api_name="/resume"))
    out = d.predict(dkey, handle_file(path), api_name="/import_session")
    assert len(out[4]) == 2 and out[1].strip() == FIXED.strip() and "Imported a session" in str(out[0][-1])
    assert _key(out)["sid"] not in (key["sid"], dkey["sid"])


def test_small_load_no_cross_talk_no_lost_revisions(served):
    """Six users at once, each: 3 messages, a hand edit, a restore and an export (the bench runs 20 x 5)."""
    from gradio_client import Client

    url, gen, ss = served

    def user(u: int) -> tuple[dict, list]:
        c = Client(url, verbose=False)
        key = _key(c.predict({}, api_name="/resume"))
        outs = []
        for t in range(3):
            words = ["Draw a 3-layer MLP", "make the nodes red", "a green square"][t]
            outs.append(c.predict({"text": f"{words} [u{u}t{t}]", "files": []}, api_name="/send"))
            if t == 1:
                c.predict(FIXED + f"// u{u}\n", api_name="/edit")
        c.predict("r1", api_name="/restore")
        files, _ = c.predict(api_name="/export")
        return key, outs, files

    with ThreadPoolExecutor(6) as pool:
        results = list(pool.map(user, range(6)))
    for u, (key, outs, files) in enumerate(results):
        session = ss.load(key["sid"], key["owner"])
        assert len(session.tree) == 4  # 3 answers + 1 edit: none lost
        text = "\n".join(str(m["content"]) for m in session.chat)
        assert f"[u{u}t2]" in text and not any(f"[u{v}t" in text for v in range(6) if v != u)
        assert f"// u{u}\n" in session.tree.get(3).code
        assert session.tree.head == 1
        js = next(f for f in files if str(f).endswith(".js"))
        assert Path(js).read_text() == session.tree.get(1).code


# Crash: SIGKILL in the middle of a streamed answer

def _start_app(port: int, data: Path, endpoint: str, log: Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen(
        [sys.executable, "-m", "app", "--model", endpoint, "--port", str(port), "--data-dir", str(data),
         "--no-preload"], cwd=ROOT, env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT,
        start_new_session=True)


def _wait_up(url: str, proc: subprocess.Popen, log: Path, limit_s: float = 180) -> None:
    import httpx

    end = time.monotonic() + limit_s
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise AssertionError(f"the app exited: {log.read_text()[-2000:]}")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise AssertionError(f"the app did not start: {log.read_text()[-2000:]}")


def test_sigkill_mid_stream_then_restart_loses_nothing_shown(tmp_path):
    from gradio_client import Client

    from bench.fake_endpoint import EndpointConfig, FakeEndpoint

    ep = FakeEndpoint(EndpointConfig(tokens_per_s=2000, first_token_ms=0, broken_every=0)).start()
    port, data, log = _free_port(), tmp_path / "data", tmp_path / "app.log"
    url = f"http://127.0.0.1:{port}/"
    proc = _start_app(port, data, ep.url, log)
    try:
        _wait_up(url, proc, log)
        c = Client(url, verbose=False)
        key = _key(c.predict({}, api_name="/resume"))
        first = c.predict({"text": "Draw a 3-layer MLP [u0t0]", "files": []}, api_name="/send")
        c.predict(FIXED, api_name="/edit")
        shown_revs = len(c.predict("r1", api_name="/restore")[4])
        ep.config.tokens_per_s = 4  # the next answer streams slowly: kill the app while it does
        job = c.submit({"text": "make the nodes red [u0t1]", "files": []}, api_name="/send")
        streamed = threading.Event()

        def watch() -> None:
            while not job.done():
                outs = job.outputs()
                if outs and "// u0t1" in str(outs[-1][1]):
                    streamed.set()
                    return
                time.sleep(0.05)

        threading.Thread(target=watch, daemon=True).start()
        assert streamed.wait(120), "no streamed code arrived"
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(30)
        ep.config.tokens_per_s = 2000
        proc = _start_app(port, data, ep.url, log)
        _wait_up(url, proc, log)
        back = Client(url, verbose=False).predict(key, api_name="/resume")
        assert len(back[4]) == shown_revs == 2 and back[1] == first[1]  # head r1 again, r2 still there
        chat = [str(m.get("content")) for m in back[0]]
        assert "make the nodes red [u0t1]" in chat[-2] and "interrupted" in chat[-1]
        assert "damaged" not in log.read_text()
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(30)
        ep.stop()


def test_default_concurrency_follows_the_backend(tmp_path):
    from app.__main__ import ENDPOINT_CONCURRENCY, default_concurrency, parse_args

    assert default_concurrency(None) == 1 and default_concurrency("qwen2.5-coder-3b") == 1
    assert default_concurrency("http://gpu-host:8000/v1") == ENDPOINT_CONCURRENCY > 1
    args = parse_args(["--data-dir", str(tmp_path), "--expire-days", "0", "--max-message-chars", "500"])
    assert args.concurrency is None and args.data_dir == str(tmp_path) and args.max_message_chars == 500
    assert parse_args(["--concurrency", "3"]).concurrency == 3


def test_preloading_warms_the_worked_examples_unless_told_not_to():
    from app.__main__ import _preload, parse_args
    from app.engine import Engine

    class Gen:
        name, adapter = "g", None

        def __init__(self, fail=False):
            self.warmed, self.fail = 0, fail

        def warm_examples(self):
            self.warmed += 1
            if self.fail:
                raise RuntimeError("disk full")
            return 3

    gen = Gen()
    _preload(Engine(lambda m, a: gen))
    assert gen.warmed == 1
    _preload(Engine(lambda m, a: gen), warm_examples=False)
    assert gen.warmed == 1
    failing = Gen(fail=True)
    engine = Engine(lambda m, a: failing)
    _preload(engine)  # a failed warm-up is logged; the model stays loaded
    assert failing.warmed == 1 and engine.loaded
    assert parse_args([]).warm_examples is True and parse_args(["--no-warm-examples"]).warm_examples is False


def test_default_data_dir(monkeypatch, tmp_path):
    from app.store import default_data_dir

    monkeypatch.delenv("FIGURE_ASSISTANT_DATA", raising=False)
    monkeypatch.delenv("SPACE_ID", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert default_data_dir() == tmp_path / "figure-assistant"
    monkeypatch.setenv("FIGURE_ASSISTANT_DATA", str(tmp_path / "x"))
    assert default_data_dir() == tmp_path / "x"


def test_two_tabs_of_one_browser_share_the_session(tmp_path):
    engine, _ = _engine()
    ss = SessionStore.open(tmp_path)
    s = h.Session()
    _say(engine, s, "Draw a 3-layer MLP")
    ss.persist(s)
    tab_a, tab_b = ss.load(s.sid, s.owner), ss.load(s.sid, s.owner)
    _say(engine, tab_a, "make the nodes red")
    ss.persist(tab_a)
    _say(engine, tab_b, "a green square")  # from a stale copy this would overwrite r2
    ss.persist(tab_b)
    ss.store.close()
    back = SessionStore.open(tmp_path).load(s.sid, s.owner)
    assert [r.id for r in back.tree.ordered()] == [1, 2, 3]
    assert "'red'" in back.tree.get(2).code and "rect(60, 60, 180, 180)" in back.tree.get(3).code


def test_a_locked_database_is_left_alone_with_a_clear_error(tmp_path, monkeypatch):
    import app.store as store_mod
    from app.store import StoreError

    engine, _ = _engine()
    ss = SessionStore.open(tmp_path)
    s = h.Session()
    _say(engine, s, "Draw a 3-layer MLP")
    ss.persist(s)
    monkeypatch.setattr(store_mod, "BUSY_TIMEOUT_S", 0.2)
    other = sqlite3.connect(tmp_path / DB_NAME, timeout=0)
    other.execute("BEGIN EXCLUSIVE")  # another process holds the database
    try:
        with pytest.raises(StoreError, match="another instance"):
            SessionStore.open(tmp_path)
    finally:
        other.rollback()
        other.close()
    assert not [p for p in tmp_path.iterdir() if ".corrupt-" in p.name]  # a healthy file is never set aside
    assert SessionStore.open(tmp_path).load(s.sid, s.owner) is not None
