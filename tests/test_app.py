"""App handlers, revision tree, repair loop, best-of-N, exports, preview safety, the public API, sessions."""
from __future__ import annotations

import html
import io
import re
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw

from app import handlers as h
from app.preview import preview_document, preview_iframe
from app.revisions import RevisionTree
from app.strings import EXAMPLES, UI, detect_lang
from tests._app_util import BROKEN, FIXED, ScriptedGenerator, scripted_factory


def _engine(gen: ScriptedGenerator | None = None, **kw) -> tuple[h.Engine, ScriptedGenerator]:
    gen = gen or ScriptedGenerator()
    return h.Engine(scripted_factory(gen), use_clip=False, **kw), gen


def _run(updates) -> list[h.Update]:
    return list(updates)


def _say(engine: h.Engine, session: h.Session, text: str) -> list[h.Update]:
    return _run(h.message_turn(engine, session, {"text": text, "files": []}))


def _chat_text(session: h.Session) -> str:
    return "\n".join(str(m["content"]) for m in session.chat)


# Revision tree (pure)

def test_tree_restore_and_branch_keep_everything():
    tree = RevisionTree()
    a = tree.add(code="a", lang="p5", instruction="first", source="model", status="ok")
    b = tree.add(code="b", lang="p5", instruction="second", source="model", status="ok")
    assert b.parent == a.id and tree.head == b.id
    tree.restore(a.id)
    c = tree.add(code="c", lang="p5", instruction="branch", source="model", status="ok")
    assert c.parent == a.id
    assert [r.code for r in tree.ordered()] == ["a", "b", "c"]
    assert {r.id for r in tree.children(a.id)} == {b.id, c.id}
    assert [r.id for r in tree.lineage()] == [a.id, c.id]
    outline = tree.outline()
    assert "▶ r3" in outline and "r2" in outline
    with pytest.raises(KeyError):
        tree.restore(99)


def test_each_session_copy_gets_its_own_id():
    import copy

    base = h.Session()
    a, b = copy.deepcopy(base), copy.deepcopy(base)
    assert len({base.sid, a.sid, b.sid}) == 3
    a.tree.add(code="x", lang="p5", instruction="i", source="model", status="ok")
    assert len(b.tree) == 0 and len(base.tree) == 0


# Preview safety (pure)

class _Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def test_preview_escapes_model_output_into_a_sandboxed_srcdoc():
    evil = 'function setup(){}\n// "></iframe><img src=x onerror="alert(1)"></script><script>alert(2)</script>'
    out = preview_iframe(evil, "p5", "gradio_api/file=/x/p5.min.js")
    parser = _Tags()
    parser.feed(out)
    assert [t for t, _ in parser.tags] == ["iframe", "div"]  # the page itself gets no <img>
    attrs = parser.tags[0][1]
    assert attrs["sandbox"] == "allow-scripts" and "allow-same-origin" not in out
    doc = attrs["srcdoc"]
    assert "connect-src 'none'" in doc and "default-src 'none'" in doc
    # Inside the iframe the code cannot close its own <script> element either.
    assert "</script><script>alert(2)" not in doc and "<\\/script>" in doc


def test_preview_error_lines_map_to_the_users_program():
    code = "function setup() {\n  createCanvas(100, 100);\n  oops();\n}"
    doc = preview_document(code, "p5", "p5.min.js")
    first = int(re.search(r"var FIRST = (\d+);", doc).group(1))
    assert doc.split("\n")[first - 1] == "function setup() {"


def test_preview_starts_from_the_servers_verdict():
    code = "function setup() { createCanvas(100, 100); }\nfunction draw() { nope(); }"
    out = preview_iframe(code, "p5", "p5.min.js", status="error", error="ReferenceError: nope is not defined",
                         line=2)
    parser = _Tags()
    parser.feed(out)
    console = parser.tags[1][1]
    assert console["data-server"] == "error" and console["data-kind"] == "error"
    assert "server render: error (line 2) — ReferenceError: nope is not defined" in html.unescape(out)
    blank = preview_iframe(code, "p5", "p5.min.js", status="blank")
    assert "the canvas stayed blank" in blank and 'data-server="blank"' in blank
    assert 'data-server="ok"' in preview_iframe(code, "p5", "p5.min.js", status="ok")


def test_each_preview_reports_under_its_own_id():
    """The line under the preview only takes reports of the document shown with it (see the browser test)."""
    def ids(code: str, status: str | None) -> tuple[str, str]:
        parser = _Tags()
        parser.feed(preview_iframe(code, "p5", "p5.min.js", status=status))
        doc_id = re.search(r"var DOC = \"(\w+)\";", parser.tags[0][1]["srcdoc"]).group(1)
        return doc_id, parser.tags[1][1]["data-doc"]

    broken, fixed = "function setup() { nope(); }", "function setup() { createCanvas(100, 100); }"
    doc_a, console_a = ids(broken, "error")
    doc_b, console_b = ids(fixed, "ok")
    assert doc_a == console_a and doc_b == console_b and doc_a != doc_b
    assert ids(fixed, "ok") == (doc_b, console_b)  # the same revision again is the same document: no reload
    assert ids(fixed, "timeout")[0] != doc_b  # a new verdict on the same code reloads the iframe, which reports


def test_strings_cover_both_languages_and_research_prompt():
    assert set(UI["en"]) == set(UI["ja"])
    assert any("3層のニューラルネットワーク" in e for e in EXAMPLES)
    assert detect_lang("赤くして") == "ja" and detect_lang("make it red") == "en"


# Handlers (real renderer, scripted model)

def test_message_streams_code_then_records_a_rendered_revision():
    engine, gen = _engine()
    s = h.Session()
    ups = _say(engine, s, "Draw a 3-layer MLP")
    streamed = [u.text for u in ups if u.kind == "stream"]
    assert len(streamed) > 3 and len(streamed[0]) < len(streamed[-2])  # code grows while it is written
    rev = s.tree.current
    assert rev.ok and rev.png and rev.width == 400 and rev.model == gen.name and rev.adapter == "figures"
    assert rev.trace  # the draw trace travels on for sketch grounding
    assert "r1" in _chat_text(s) and gen.name in _chat_text(s)


def test_the_chat_says_what_was_mended_in_the_models_code_before_it_ran():
    """A candidate whose code was mended (a name copied from the example, an item recoloured) is announced."""
    class Mending(ScriptedGenerator):
        def _cand(self, code, logprob=-0.5):
            cand = super()._cand(code, logprob)
            cand.fixes = {"declared": ["OFFSET"], "from": "example", "recoloured": ["coal"]}
            return cand

    engine, _ = _engine(Mending())
    s = h.Session()
    _say(engine, s, "Draw a 3-layer MLP")
    chat = _chat_text(s)
    assert "OFFSET used but not declared, copied from the worked example" in chat and "coal given the colour" in chat
    assert s.tree.current.ok  # the note comes with the revision, which is kept as usual
    s_ja = h.Session()
    _say(engine, s_ja, "3層のニューラルネットワークを描いて")
    assert "定義のない OFFSET をお手本のプログラムから追加" in _chat_text(s_ja)


def test_follow_up_sends_current_code_and_history():
    engine, gen = _engine()
    s = h.Session()
    _say(engine, s, "Draw a 3-layer MLP")
    _say(engine, s, "make the nodes red")
    _say(engine, s, "赤いままで")
    req = gen.requests[-1]
    assert req.code == s.tree.get(2).code and req.render_status == "ok"
    assert [t.instruction for t in req.history] == ["Draw a 3-layer MLP", "make the nodes red"]  # oldest first
    assert "'red'" in s.tree.current.code
    assert s.lang == "ja" and "リビジョン" in s.chat[-1]["content"]


def test_repair_loop_fixes_a_failing_revision_with_visible_attempts():
    engine, gen = _engine()
    s = h.Session()
    s.settings.repair_limit = 3
    _say(engine, s, "draw something broken")
    revs = s.tree.ordered()
    assert [r.status for r in revs] == ["error", "ok"]
    assert revs[1].parent == revs[0].id and revs[1].source == "repair" and revs[1].attempt == 1
    code, error, line = gen.repairs[0]
    assert code == BROKEN and "drawNetwork" in error and line == 4
    text = _chat_text(s)
    assert "Repair attempt 1/3" in text and "attempt 1 worked" in text


def test_repair_stops_at_the_users_limit_and_keeps_every_attempt():
    engine, gen = _engine(ScriptedGenerator(repair_works=False))
    s = h.Session()
    s.settings.repair_limit = 2
    _say(engine, s, "broken again")
    assert [r.status for r in s.tree.ordered()] == ["error", "error", "error"]
    assert len(gen.repairs) == 2 and "Stopped after 2 repair" in _chat_text(s)
    s.settings.repair_limit = 0
    _say(engine, s, "broken with no repair")
    assert len(gen.repairs) == 2 and len(s.tree) == 4


def test_best_of_n_prefers_rendering_candidates_and_keeps_the_others():
    engine, gen = _engine()
    s = h.Session()
    s.settings.best_of = 3
    _say(engine, s, "Draw a 3-layer MLP")
    rev = s.tree.current
    assert rev.ok and rev.score == pytest.approx(-0.3) and rev.score_kind == "logprob"
    assert [a.status for a in rev.alternatives] == ["ok", "error"]  # the broken best-logprob one ranks last
    assert len(s.tree) == 1
    alt = h.use_alternative(s, rev.id, 1)
    assert alt.code == BROKEN and alt.parent == rev.parent and len(s.tree) == 2 and s.tree.get(rev.id).ok


def test_svg_target_renders_previews_without_scripts_and_exports(tmp_path):
    engine, gen = _engine()
    s = h.Session()
    s.settings.lang = "svg"
    _say(engine, s, "a blue circle")
    _say(engine, s, "make it red")
    rev = s.tree.current
    assert rev.ok and rev.lang == "svg" and gen.requests[-1].lang == "svg" and 'fill="red"' in rev.code
    out = preview_iframe(rev.code, rev.lang, "p5.min.js")
    assert 'sandbox=""' in out and "script-src" not in out
    files = {p.suffix for p in h.export_current(s, tmp_path)}
    assert files == {".svg", ".html", ".png"}


def test_rank_candidates_uses_clip_when_given():
    class R:
        def __init__(self, status):
            self.status = status

    cands = [type("C", (), {"logprob": lp})() for lp in (-0.1, -0.5, -0.9)]
    results = [R("ok"), R("ok"), R("blank")]
    assert h.rank_candidates(cands, results) == ([0, 1, 2], "logprob")
    assert h.rank_candidates(cands, results, clip=[0.1, 0.3, 0.9]) == ([1, 0, 2], "clip")


def test_hand_edit_restore_and_branch_lose_nothing():
    engine, gen = _engine()
    s = h.Session()
    _say(engine, s, "Draw a 3-layer MLP")
    edited = FIXED.replace("rect(50, 50, 200, 100)", "ellipse(150, 100, 120, 60)")
    rev2 = h.apply_edit(engine, s, edited)
    assert rev2.ok and rev2.source == "hand" and rev2.parent == 1 and rev2.code == edited
    assert h.apply_edit(engine, s, edited) is None  # unchanged code makes no revision
    bad = h.apply_edit(engine, s, "function setup(){ createCanvas(100,100); nope(); }")
    assert bad.status == "error" and bad.line == 1
    h.restore(s, "r1 ← whatever label")
    _say(engine, s, "make the nodes red")
    assert s.tree.current.parent == 1 and len(s.tree) == 4
    assert [r.code for r in s.tree.ordered()][:2] == [s.tree.get(1).code, edited]
    ra, rb, diff = h.compare(s, 1, 4)
    assert "-      fill(200);" in diff and "+      fill('red');" in diff


def test_failed_generation_and_bad_inputs_keep_every_revision():
    gen = ScriptedGenerator()
    engine, _ = _engine(gen, max_upload_mb=0.01)
    s = h.Session()
    _say(engine, s, "Draw a 3-layer MLP")
    before = [r.code for r in s.tree.ordered()]
    gen.fail_with = RuntimeError("endpoint http://127.0.0.1:9/v1 refused the connection")
    _say(engine, s, "make it red")
    assert "Generation failed" in s.chat[-1]["content"] and "refused" in s.chat[-1]["content"]
    _say(engine, s, "   ")
    assert "Please type a request" in s.chat[-1]["content"]
    big = io.BytesIO()
    Image.fromarray(np.random.default_rng(0).integers(0, 255, (200, 200, 3), dtype=np.uint8)).save(big, "PNG")
    path = _tmp_file(big.getvalue(), "big.png")
    _run(h.message_turn(engine, s, {"text": "like this", "files": [path]}))
    assert "too large" in s.chat[-1]["content"]
    engine.max_upload_mb = 8
    bad = _tmp_file(b"not an image", "bad.png")
    _run(h.message_turn(engine, s, {"text": "like this", "files": [bad]}))
    said = s.chat[-1]["content"]
    assert "could not be read" in said and "bad.png" in said
    assert str(Path(bad).parent) not in said and "/tmp" not in said  # the server's paths stay private
    _run(h.sketch_turn(engine, s, _editor_value(s, strokes=False), "", False))
    assert "Could not use the drawing" in s.chat[-1]["content"]
    assert [r.code for r in s.tree.ordered()] == before and len(gen.requests) == 2


def test_hand_edit_with_a_syntax_error_says_what_is_wrong():
    engine, gen = _engine()
    s = h.Session()
    _say(engine, s, "Draw a 3-layer MLP")
    rev = h.apply_edit(engine, s, "function setup() {\n  createCanvas(100, 100);\n  rect(10, 10, 50, 50;\n}\n")
    assert rev.status == "error" and rev.error
    said = s.chat[-1]["content"]
    assert "does not render" in said and rev.error in said and "SyntaxError" in said


def test_stop_ends_generation_without_a_revision():
    engine, gen = _engine()
    s = h.Session()
    it = h.message_turn(engine, s, {"text": "Draw a 3-layer MLP", "files": []})
    for up in it:
        if up.kind == "stream":
            h.stop(engine, s)
    assert len(s.tree) == 0 and "Stopped" in s.chat[-1]["content"]


def test_stop_ends_a_streaming_repair():
    engine, gen = _engine()
    s = h.Session()
    s.settings.repair_limit = 3
    repair_chunks = 0
    for up in h.message_turn(engine, s, {"text": "draw something broken", "files": []}):
        if up.kind == "stream" and gen.repairs:  # the repair streams into the code pane like an answer
            repair_chunks += 1
            if repair_chunks == 2:
                h.stop(engine, s)
    assert len(gen.repairs) == 1 and repair_chunks == 2  # the repair stream ended at the next chunk
    assert [r.status for r in s.tree.ordered()] == ["error"]  # the cut-off repair made no revision
    text = _chat_text(s)
    assert "Repair attempt 1/3" in text and "Stopped" in s.chat[-1]["content"] and "attempt 2" not in text


def test_repair_that_changes_nothing_resamples_hotter():
    engine, gen = _engine(ScriptedGenerator(repeat_below=1.0))
    s = h.Session()
    s.settings.repair_limit = 2
    _say(engine, s, "draw something broken")
    assert [(r.status, r.source) for r in s.tree.ordered()] == [("error", "model"), ("ok", "repair")]
    assert s.tree.current.code == FIXED
    # the streamed repair at the user's temperature repeated the code; the resample ran hotter
    assert gen.temperatures == [0.7, 0.7, h._hotter(0.7)] and h._hotter(0.7) > 0.7
    text = _chat_text(s)
    assert "same code as before, so nothing changed" in text and "attempt 1 worked" in text


def test_answers_that_repeat_their_input_never_become_revisions():
    engine, gen = _engine(ScriptedGenerator(repeat_below=99))
    s = h.Session()
    s.settings.repair_limit = 2
    _say(engine, s, "draw something broken")
    assert len(s.tree) == 1  # two repair rounds, each answer the same code: no new revision
    assert gen.temperatures == [0.7, 0.7, 1.0, 1.0, 1.3]  # and each round samples hotter than the last
    text = _chat_text(s)
    assert text.count("nothing changed and no revision was added") == 2 and "Stopped after 2 repair" in text
    _say(engine, s, "make the nodes bigger")  # a follow-up answered with the same code
    assert len(s.tree) == 1 and "nothing changed" in s.chat[-1]["content"]
    s.settings.best_of = 3
    _say(engine, s, "make the nodes smaller")
    assert len(s.tree) == 1 and "nothing changed" in s.chat[-1]["content"]
    assert h.same_code("a(1);\n  b();\n", "a(1); b();") and not h.same_code("a(1);", "a(2);")


def test_blank_pad_and_new_figure_start_from_no_code():
    engine, gen = _engine()
    s = h.Session()
    _say(engine, s, "Draw a 3-layer MLP")
    _say(engine, s, "make the nodes red")
    pad = np.full((300, 300, 4), 255, dtype=np.uint8)
    im = Image.fromarray(np.zeros_like(pad))
    ImageDraw.Draw(im).rectangle((60, 60, 240, 240), outline=(0, 0, 0, 255), width=4)
    _run(h.sketch_turn(engine, s, {"background": pad, "layers": [np.array(im)], "composite": None}, "", True))
    req = gen.requests[-1]
    assert req.code is None and req.history == [] and req.render_status is None
    sketched = s.tree.current
    assert sketched.parent is None and sketched.source == "sketch" and "rect(60, 60" in sketched.code
    h.new_figure(s)
    assert s.tree.current is None and len(s.tree) == 3 and "New figure" in s.chat[-1]["content"]
    _say(engine, s, "make the nodes red")
    assert gen.requests[-1].code is None and gen.requests[-1].history == []
    assert s.tree.current.parent is None and len(s.tree) == 4  # a fourth root-level figure; nothing lost
    assert [r.id for r in s.tree.children(None)] == [1, 3, 4]


def test_broken_revision_does_not_carry_into_an_unrelated_request():
    engine, gen = _engine()
    s = h.Session()
    s.settings.repair_limit = 0
    _say(engine, s, "draw something broken")
    _say(engine, s, "make the boxes red")  # a change of the broken figure keeps its code
    assert gen.requests[-1].code == BROKEN and len(s.tree) == 2 and s.tree.current.parent == 1
    h.restore(s, 1)  # back to the broken figure
    _say(engine, s, "Draw a 3-layer neural network: 4 input units, 5 hidden units, 1 output unit.")
    req = gen.requests[-1]
    assert req.code is None and req.history == [] and s.tree.current.parent is None and s.tree.current.ok
    assert "starts from no code" in _chat_text(s)
    assert len(s.tree) == 3 and s.tree.get(1).code == BROKEN  # the broken revision stays in the history


def test_every_request_of_a_session_and_its_repairs_name_the_session_as_their_thread():
    engine, gen = _engine()
    s, other = h.Session(), h.Session()
    _say(engine, s, "draw something broken")  # repaired: the repair request belongs to the session too
    _say(engine, s, "make the boxes red")
    _say(engine, other, "draw something broken")
    threads = [r.thread for r in gen.requests]
    assert len(threads) > 3 and set(threads) == {s.sid, other.sid}
    assert threads[-1] == other.sid  # a backend that keeps its cache continues only the same session's exchange


@pytest.mark.parametrize("text, earlier, new", [
    ("Draw a flowchart with three boxes", ["Draw a 3-layer MLP"], True),
    ("Plot y = sin(x) from 0 to 2π", ["Draw a 3-layer MLP"], True),
    ("Draw a 3-layer MLP with red nodes", ["Draw a 3-layer MLP"], False),
    ("make the nodes red", ["Draw a 3-layer MLP"], False),
    ("draw an arrow from the input layer to the output", ["Draw a 3-layer MLP with an input layer"], False),
    ("make it bigger", [], False),
    ("棒グラフを描け。項目はA, B, C, D", ["3層のニューラルネットワークを図示せよ。"], True),
    ("ニューラルネットワークの出力層を赤く描いて", ["3層のニューラルネットワークを図示せよ。"], False),
    ("この図の円を赤くして", ["ベン図を描いてください"], False),
])
def test_new_figure_requests_are_told_from_changes(text, earlier, new):
    assert h.looks_like_new_figure(text, earlier) is new


def _tmp_file(data: bytes, name: str) -> str:
    import tempfile
    from pathlib import Path

    d = Path(tempfile.mkdtemp())
    (d / name).write_bytes(data)
    return str(d / name)


def _editor_value(s: h.Session, strokes: bool = True) -> dict:
    cur = s.tree.current
    bg = np.array(Image.open(io.BytesIO(cur.png)).convert("RGBA"))
    layer = np.zeros_like(bg)
    if strokes:
        im = Image.fromarray(layer)
        ImageDraw.Draw(im).ellipse((50, 15, 110, 75), outline=(225, 29, 72, 255), width=4)
        layer = np.array(im)
    return {"background": bg, "layers": [layer], "composite": bg}


def test_sketch_over_the_figure_reaches_the_model_as_text():
    engine, gen = _engine()
    s = h.Session()
    _say(engine, s, "Draw a 3-layer MLP")
    _run(h.sketch_turn(engine, s, _editor_value(s), "make this one red", False))
    req = gen.requests[-1]
    assert req.instruction == "make this one red" and req.sketch_text and req.code == s.tree.get(1).code
    assert s.last_sketch == req.sketch_text
    assert s.tree.current.source == "sketch" and s.tree.current.parent == 1


def test_blank_pad_sketch_makes_a_first_figure():
    engine, gen = _engine()
    s = h.Session()
    pad = np.full((300, 300, 4), 255, dtype=np.uint8)
    im = Image.fromarray(np.zeros_like(pad))
    ImageDraw.Draw(im).rectangle((60, 60, 240, 240), outline=(0, 0, 0, 255), width=4)
    _run(h.sketch_turn(engine, s, {"background": pad, "layers": [np.array(im)], "composite": None}, "", True))
    req = gen.requests[-1]
    assert req.code is None and req.sketch_text and "sketch" in req.instruction.lower()
    assert s.tree.current.ok


def test_export_writes_js_offline_html_zip_png_svg(tmp_path):
    engine, gen = _engine()
    s = h.Session()
    _say(engine, s, "Draw a 3-layer MLP")
    files = {p.suffix: p for p in h.export_current(s, tmp_path)}
    assert {".js", ".html", ".zip", ".png", ".svg"} <= set(files)
    assert "<svg" in files[".svg"].read_text()
    assert files[".js"].read_text() == s.tree.current.code
    assert Image.open(files[".png"]).size == (400, 300)
    with zipfile.ZipFile(files[".zip"]) as zf:
        names = zf.namelist()
        page = zf.read(next(n for n in names if n.endswith("index.html"))).decode()
        assert any(n.endswith("/p5.min.js") for n in names)
    assert 'src="p5.min.js"' in page and not re.search(r"""src=["']?(https?:)?//""", page)
    # The standalone .html carries p5.js inline (it works on its own) and says so, with the library's licence.
    alone = files[".html"].read_text()
    parser = _Tags()
    parser.feed(alone)
    scripts = [attrs for tag, attrs in parser.tags if tag == "script"]
    assert scripts == [{}, {}]  # both inline: the library, then the figure's program; nothing loaded by src
    assert "p5.js v1." in alone and "LGPL-2.1" in alone
    assert alone.index("createCanvas(400, 300)") > alone.index("/*! p5.js v1.")


def test_export_of_a_failing_revision_says_why_there_is_no_png(tmp_path):
    engine, gen = _engine()
    s = h.Session()
    s.settings.repair_limit = 0
    _say(engine, s, "draw something broken")
    files = {p.suffix for p in h.export_current(s, tmp_path)}
    assert {".js", ".html", ".zip"} <= files and ".png" not in files
    said = _chat_text(s)
    assert "PNG: r1 did not render (error at line 4" in said and "drawNetwork" in said


# Public API and sessions (in-process server)

def free_port() -> int:
    """A TCP port nobody listens on right now."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def served():
    from app.ui import build_ui, launch_kwargs

    gen = ScriptedGenerator()
    demo = build_ui(generator_factory=scripted_factory(gen))
    demo.queue(default_concurrency_limit=4)
    _, url, _ = demo.launch(server_name="127.0.0.1", server_port=free_port(), prevent_thread_lock=True, quiet=True,
                            **launch_kwargs())
    yield url, gen, demo
    demo.close()


def test_gradio_client_api_send_edit_restore_export(served):
    from gradio_client import Client

    url, gen, demo = served
    c = Client(url, verbose=False)
    api = c.view_api(print_info=False, return_format="dict")
    names = set(api["named_endpoints"])
    assert {"/send", "/sketch", "/edit", "/restore", "/export", "/compare", "/stop", "/model"} <= names
    out = c.predict({"text": "Draw a 3-layer MLP", "files": []}, api_name="/send")
    chat, code, preview = out[0], out[1], out[2]
    assert "createCanvas(400, 300)" in code and 'sandbox="allow-scripts"' in preview
    assert any("r1" in str(m.get("content")) for m in chat)
    out = c.predict(FIXED, api_name="/edit")
    assert out[1].strip() == FIXED.strip() and len(out[4]) == 2
    out = c.predict("r1", api_name="/restore")
    assert "createCanvas(400, 300)" in out[1]
    files, _chat = c.predict(api_name="/export")
    assert {"html", "js", "png", "zip"} <= {str(f).rsplit(".", 1)[-1] for f in files}


def test_two_sessions_see_only_their_own_revisions(served):
    from gradio_client import Client

    url, gen, demo = served
    a, b = Client(url, verbose=False), Client(url, verbose=False)
    a.predict({"text": "Draw a 3-layer MLP", "files": []}, api_name="/send")
    job = b.submit({"text": "a green square", "files": []}, api_name="/send")
    a_out = a.predict({"text": "make the nodes red", "files": []}, api_name="/send")
    b_out = job.result()
    assert len(a_out[4]) == 2 and len(b_out[4]) == 1
    assert "'red'" in a_out[1] and "rect(60, 60, 180, 180)" in b_out[1]
    assert not any("square" in str(m.get("content")) for m in a_out[0])
    assert html.unescape(b_out[2]).count("rect(60, 60, 180, 180)") == 1
    a_files, _ = a.predict(api_name="/export")
    b_files, _ = b.predict(api_name="/export")
    a_js = next(f for f in a_files if str(f).endswith(".js"))
    b_js = next(f for f in b_files if str(f).endswith(".js"))
    assert "'red'" in open(a_js).read() and "rect(60, 60, 180, 180)" in open(b_js).read()


# Request-aware repair

class _CheckAwareGenerator(ScriptedGenerator):
    """Answers a request that names layer sizes with a 4-5-1 network; a mismatch repair gets the asked sizes."""

    def _answer(self, req, temperature):
        if req.render_status == "ok" and "does not match the request" in req.instruction:
            return _mlp_program(4, 5, 2)
        return _mlp_program(4, 5, 1)


def _mlp_program(*sizes: int) -> str:
    """A p5 network with these units per column."""
    return ("function setup() {\n  createCanvas(400, 300);\n  background(255);\n"
            f"  const layers = [{', '.join(map(str, sizes))}];\n"
            "  for (let i = 0; i < layers.length; i++) {\n"
            "    for (let j = 0; j < layers[i]; j++) circle(80 + i * 120, 40 + j * 50, 30);\n  }\n}\n")


def test_request_checks_repair_a_rendering_figure_that_misses_the_request():
    engine, gen = _engine(_CheckAwareGenerator())
    s = h.Session()
    s.settings.request_checks = True
    _say(engine, s, "Draw a 4-5-2 neural network")
    revs = s.tree.ordered()
    assert [r.status for r in revs] == ["ok", "ok"] and revs[1].source == "repair" and revs[1].parent == revs[0].id
    fix = gen.requests[-1]
    assert fix.render_status == "ok" and "column 3 has 1 circle" in fix.instruction
    assert "Draw a 4-5-2 neural network" in fix.instruction
    assert "misses the request" in _chat_text(s) and "still misses" not in _chat_text(s)


def test_request_checks_off_leave_a_rendering_figure_alone_and_on_say_what_is_still_missing():
    engine, gen = _engine(_CheckAwareGenerator())
    s = h.Session()
    _say(engine, s, "Draw a 4-5-2 neural network")
    assert len(s.tree) == 1  # the default: only render failures are repaired
    s2 = h.Session()
    s2.settings.request_checks = True
    s2.settings.repair_limit = 1
    _say(engine, s2, "Draw a 4-5-3 neural network")  # the repair draws 4-5-2: still one short
    assert len(s2.tree) == 2 and "still misses the request" in _chat_text(s2)


def test_the_request_checks_switch_decides_whether_a_mismatching_figure_is_repaired_and_is_saved(tmp_path):
    from app.sessions import SessionStore
    from model.defaults import DEFAULTS

    engine, _ = _engine(_CheckAwareGenerator())
    panel = dict(lang="p5", repair_limit=2, best_of=1, max_new_tokens=1024, temperature=0.7)
    off, on = h.Session(), h.Session()
    assert off.settings.request_checks is DEFAULTS.request_checks  # the panel starts from the defaults table
    h.apply_settings(off, request_checks=False, **panel)
    h.apply_settings(on, request_checks=True, **panel)
    _say(engine, off, "Draw a 4-5-2 neural network")
    _say(engine, on, "Draw a 4-5-2 neural network")
    assert [r.source for r in off.tree.ordered()] == ["model"]  # the 4-5-1 figure renders: left alone
    assert [r.source for r in on.tree.ordered()] == ["model", "repair"]  # it misses the request: repaired
    ss = SessionStore.open(tmp_path)
    ss.persist(on)
    ss.store.close()
    back = SessionStore.open(tmp_path).load(on.sid, on.owner)
    assert back.settings.request_checks is True
    data = SessionStore.open(tmp_path).export_json(back)  # a session file carries the switch too
    assert SessionStore.open(tmp_path / "other").import_json(data, h.Session().owner).settings.request_checks
    h.apply_settings(back, request_checks=False, **panel)  # switched off again, the next figure is not repaired
    h.new_figure(back)
    _say(engine, back, "Draw a 4-5-2 neural network")
    assert back.tree.current.source == "model"


def test_rank_candidates_puts_more_request_checks_passed_before_log_probability():
    class R:
        def __init__(self, status):
            self.status = status

    class C:
        def __init__(self, lp):
            self.logprob = lp

    cands, results = [C(-0.1), C(-0.5), C(-0.9)], [R("ok"), R("ok"), R("error")]
    assert h.rank_candidates(cands, results)[0] == [0, 1, 2]
    assert h.rank_candidates(cands, results, checks_passed=[0, 2, 3])[0] == [1, 0, 2]  # rendering still first
