"""The Blocks layout: chat + code + live preview, drawing, history, compare, export and settings."""
from __future__ import annotations

import io
import logging
import os
import re
import secrets
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import gradio as gr
import numpy as np
from PIL import Image

from app import handlers as h
from app.files import image_file, unique_dir
from app.preview import PARENT_LISTENER_JS, placeholder_html, preview_iframe
from app.sessions import ImportProblem, SessionStore, session_message
from app.spaces import gpu
from app.strings import EXAMPLES, i18n, label, message

__all__ = ["build_ui", "launch_kwargs", "p5_path", "CSS", "theme", "emoji_font_css"]

log = logging.getLogger(__name__)

# Smallest interval between two streamed code updates of one turn (the final code always follows).
STREAM_EVERY_S = 0.25

ROOT = Path(__file__).resolve().parent.parent
CSS = """
.preview-console { font: 12px monospace; min-height: 1.2em; color: #555; }
.preview-console.error { color: #b91c1c; }
.preview-empty { padding: 2em; color: #888; text-align: center; border: 1px dashed #ccc; }
#model-info p { font-size: 0.85em; color: #555; margin: 0; }
"""
# Gradio's bundled Source Sans Pro SemiBold (600) holds only a handful of glyphs (a capital "A" among them), so
# 600-weight text mixed two fonts; its Regular and Bold are complete, and 600 resolves to Bold. Emoji (📎 ✏️) come
# from the reader's colour emoji font, else from Noto Emoji, which the app serves itself (node_modules/@fontsource).
FONT_STACK = ("Source Sans Pro", "ui-sans-serif", "system-ui", "sans-serif", "Apple Color Emoji", "Segoe UI Emoji",
              "Noto Color Emoji", "Noto Emoji")
EMOJI_FONT_DIR = ROOT / "node_modules" / "@fontsource" / "noto-emoji"


def theme() -> gr.themes.Base:
    """The default theme with font faces that hold every glyph the app shows."""
    return gr.themes.Default(
        font=[gr.themes.LocalFont(FONT_STACK[0], weights=(400, 700)), *FONT_STACK[1:]],
        font_mono=[gr.themes.LocalFont("IBM Plex Mono", weights=(400, 700)), "ui-monospace", "Consolas",
                   "monospace", *FONT_STACK[4:]])


def emoji_font_css(font_dir: Path = EMOJI_FONT_DIR) -> str:
    """@font-face rules for the served Noto Emoji (woff2, split by unicode-range so only what is shown loads)."""
    sheet = font_dir / "400.css"
    if not sheet.is_file():
        log.warning("%s is missing (run scripts/setup.sh): emoji fall back to the reader's own fonts", sheet)
        return ""
    files = (font_dir / "files").resolve()

    def src(m: re.Match) -> str:
        return f"src: url('gradio_api/file={files}/{m.group(1)}.woff2') format('woff2');"

    # Keep the woff2 source only (every browser the app supports reads it) and point it at the app's file route.
    return re.sub(r"src:\s*url\(\./files/([\w.\-]+)\.woff2\)[^;]*;", src, sheet.read_text(encoding="utf-8"))


def p5_path() -> Path:
    """The vendored p5.min.js the preview loads (served by the app, never a CDN)."""
    try:
        from render import P5_MIN_JS

        return Path(P5_MIN_JS).resolve()
    except ImportError:
        return (ROOT / "node_modules" / "p5" / "lib" / "p5.min.js").resolve()


def _p5_url() -> str:
    """URL of p5.min.js as the app serves it."""
    # Relative, so it also works under a proxy prefix (Spaces): srcdoc documents resolve against the page.
    return f"gradio_api/file={p5_path()}"


def _presets() -> list[str]:
    """Model preset names for the settings panel."""
    try:
        from model.presets import PRESETS

        return list(PRESETS)
    except ImportError:
        return []


def _default_preset(model: str | None) -> str | None:
    """The preset shown in Settings: the given model, or the default preset when none was given."""
    if model:
        return model
    try:
        from model.presets import DEFAULT_PRESET

        return DEFAULT_PRESET
    except ImportError:
        return None


def _editor_value(session: h.Session, blank: bool = False) -> dict[str, Any]:
    """The image editor's value: the current render as background (white for a blank pad)."""
    cur = session.tree.current
    if cur is not None and cur.png and not blank:
        bg = np.array(Image.open(io.BytesIO(cur.png)).convert("RGBA"))
    else:
        w, hgt = session.settings.canvas
        bg = np.full((hgt, w, 4), 255, dtype=np.uint8)
    return {"background": image_file(Image.fromarray(bg)), "layers": [], "composite": None}


def _preview(session: h.Session) -> str:
    """The preview HTML of the current revision (sandboxed iframe) or a placeholder."""
    cur = session.tree.current
    if cur is None:
        return placeholder_html("The figure appears here. / 図はここに表示されます。")
    # The server's render status goes along, so the line under the preview agrees with it.
    return preview_iframe(cur.code, cur.lang, _p5_url(), height=cur.height or session.settings.canvas[1],
                          status=cur.status, error=cur.error, line=cur.line)


def _info(engine: h.Engine, session: h.Session) -> str:
    """The line under the preview: the model in use and who wrote the current revision."""
    cur = session.tree.current
    text = f"**Model:** {engine.describe()}"
    if cur is not None:
        by = f"{cur.model}" + (f" + {cur.adapter}" if cur.adapter else "") if cur.model else cur.source
        text += f" · **r{cur.id}** ({cur.status}) by {by}"
        if cur.score is not None:
            text += f" · {cur.score_kind} {cur.score:.3f}"
    return text


def _choices(session: h.Session) -> list[tuple[str, str]]:
    """(label, value) pairs: the value is the short id ("r3") so API callers can pass it directly."""
    return [(r.label(), f"r{r.id}") for r in session.tree.ordered()]


def _current_label(session: h.Session) -> str | None:
    """Dropdown value of the current revision."""
    cur = session.tree.current
    return f"r{cur.id}" if cur else None


def _alternatives(session: h.Session) -> list[tuple[Image.Image, str]]:
    """Thumbnails and captions of the current revision's other best-of-N candidates."""
    cur = session.tree.current
    if cur is None:
        return []
    return [(image_file(h.thumbnail(a)), f"#{i + 2} {a.status} {a.score_kind} "
             + (f"{a.score:.3f}" if a.score is not None and np.isfinite(a.score) else "–"))
            for i, a in enumerate(cur.alternatives)]


def build_ui(generator_factory: h.GeneratorFactory = h.default_generator_factory, model: str | None = None,
             adapter: str | None = None, concurrency_limit: int = 1, max_upload_mb: float = 8.0,
             engine: h.Engine | None = None, sessions: SessionStore | None = None) -> gr.Blocks:
    """Build the app; `generator_factory(model, adapter)` makes the generator (tests inject their own).

    `sessions` is where sessions are saved; without one they go to a fresh temporary directory.
    """
    engine = engine or h.Engine(generator_factory, model=model, adapter=adapter, max_upload_mb=max_upload_mb)
    if sessions is None:
        sessions = SessionStore.open(tempfile.mkdtemp(prefix="figure-sessions-"), engine.limits)
    # BrowserState encrypts what it keeps in localStorage; a stable secret lets it survive a restart.
    secret = sessions.store.meta("browser_secret")
    if secret is None:
        secret = secrets.token_urlsafe(24)
        sessions.store.set_meta("browser_secret", secret)
    thumbs: dict[tuple[str, int], str] = {}  # (session, revision) -> thumbnail file; revisions never change
    gr.set_static_paths([str(p5_path().parent), str(EMOJI_FONT_DIR / "files")])
    t = label
    export_root = Path(tempfile.mkdtemp(prefix="figure-exports-"))

    with gr.Blocks(title="Figure Assistant", fill_width=True) as demo:
        demo.engine = engine  # reachable by tests and the entry point
        demo.sessions = sessions
        state = gr.State(h.Session())
        # The browser's secret (owner) and its open session id: a reload or a restart finds the session again.
        bstate = gr.BrowserState({}, storage_key="figure-assistant", secret=secret)
        gr.Markdown(t("title"))
        with gr.Row(equal_height=False):
            with gr.Column(scale=5):
                chat = gr.Chatbot(label=t("chat"), height=460, elem_id="chat", buttons=["copy"])
                box = gr.MultimodalTextbox(placeholder=t("input_placeholder"), file_types=["image"],
                                           file_count="single", sources=["upload"], elem_id="prompt",
                                           show_label=False, submit_btn=True)
                with gr.Row():
                    # Red only while a request runs (echo/idle below switch it).
                    stop_btn = gr.Button(t("stop"), variant="secondary", size="sm", elem_id="stop")
                    figure_btn = gr.Button(t("new_figure"), size="sm", elem_id="new-figure")
                gr.Examples([[{"text": e, "files": []}] for e in EXAMPLES], inputs=[box], label=t("examples"))
            with gr.Column(scale=6):
                preview = gr.HTML(_preview(h.Session()), elem_id="preview", label=t("preview"))
                info = gr.Markdown(_info(engine, h.Session()), elem_id="model-info")
                with gr.Tabs():
                    with gr.Tab(t("code"), id="code"):
                        code = gr.Code(language="javascript", interactive=True, lines=18, max_lines=40,
                                       elem_id="code", label=t("code"))
                        apply_btn = gr.Button(t("apply_edit"), elem_id="apply-edit")
                    with gr.Tab(t("sketch_tab"), id="sketch") as sketch_tab:
                        editor = gr.ImageEditor(
                            value=_editor_value(h.Session()), type="numpy", label=t("sketch"),
                            elem_id="sketch", sources=[], transforms=(), layers=False, canvas_size=(400, 400),
                            brush=gr.Brush(colors=["#e11d48", "#2563eb", "#16a34a", "#000000"],
                                           default_size=4, color_mode="fixed"))
                        words = gr.Textbox(label=t("sketch_words"), elem_id="sketch-words", lines=1)
                        with gr.Row():
                            blank = gr.Checkbox(label=t("blank_pad"), value=False, elem_id="blank-pad")
                            reset_btn = gr.Button(t("reset_sketch"), size="sm")
                        sketch_btn = gr.Button(t("send_sketch"), variant="primary", elem_id="send-sketch")
                    with gr.Tab(t("history_tab"), id="history"):
                        gallery = gr.Gallery(label=t("history"), columns=5, height=260, allow_preview=False,
                                             elem_id="history-gallery", object_fit="contain", fit_columns=False)
                        with gr.Row():
                            pick = gr.Dropdown(label=t("revision"), choices=[], elem_id="rev-pick", scale=4)
                            restore_btn = gr.Button(t("restore"), elem_id="restore", scale=1)
                        tree = gr.Textbox(label=t("tree"), lines=6, max_lines=20, interactive=False,
                                          elem_id="rev-tree")
                        # Shown only when the current answer has other best-of-N candidates.
                        with gr.Column(visible=False, elem_id="alternatives-box") as alt_box:
                            alts = gr.Gallery(label=t("alternatives"), columns=5, height=180, allow_preview=False,
                                              elem_id="alternatives", object_fit="contain", fit_columns=False)
                            alt_btn = gr.Button(t("use_alternative"), size="sm", elem_id="use-alternative")
                        alt_idx = gr.Number(value=-1, visible=False)
                    with gr.Tab(t("compare_tab"), id="compare"):
                        with gr.Row():
                            cmp_a = gr.Dropdown(label=t("compare_a"), choices=[], elem_id="cmp-a")
                            cmp_b = gr.Dropdown(label=t("compare_b"), choices=[], elem_id="cmp-b")
                        cmp_btn = gr.Button(t("compare"), elem_id="compare-btn")
                        with gr.Row():
                            img_a = gr.Image(label="A", type="pil", interactive=False, elem_id="cmp-img-a")
                            img_b = gr.Image(label="B", type="pil", interactive=False, elem_id="cmp-img-b")
                        diff = gr.Code(label=t("diff"), language=None, interactive=False, elem_id="cmp-diff")
                    with gr.Tab(t("export_tab"), id="export"):
                        export_btn = gr.Button(t("export"), elem_id="export-btn")
                        files = gr.File(label=t("export_files"), file_count="multiple", elem_id="export-files")
                    with gr.Tab(t("settings_tab"), id="settings"):
                        target = gr.Radio([("p5.js", "p5"), ("SVG", "svg")], value="p5", label=t("target"),
                                          elem_id="target")
                        start = h.Settings()  # the panel starts from the defaults table (model/defaults.py)
                        repair = gr.Slider(0, 5, value=start.repair_limit, step=1, label=t("repair_limit"),
                                           elem_id="repair-limit")
                        best_of = gr.Slider(1, 8, value=start.best_of, step=1, label=t("best_of"), elem_id="best-of")
                        request_checks = gr.Checkbox(value=start.request_checks, label=t("request_checks"),
                                                     info=t("request_checks_info"), elem_id="request-checks")
                        max_tokens = gr.Slider(128, 4096, value=start.max_new_tokens, step=64, label=t("max_tokens"),
                                               elem_id="max-tokens")
                        temperature = gr.Slider(0.0, 1.5, value=start.temperature, step=0.05, label=t("temperature"),
                                                elem_id="temperature")
                        presets = _presets()
                        preset = gr.Dropdown(presets, value=model if model in presets else _default_preset(model),
                                             allow_custom_value=True, label=t("preset"), elem_id="preset")
                        adapter_box = gr.Textbox(value=adapter or "", label=t("adapter"), elem_id="adapter")
                        settings_btn = gr.Button(t("apply_settings"), elem_id="apply-settings")
                    with gr.Tab(t("sessions_tab"), id="sessions") as sessions_tab:
                        with gr.Row():
                            sess_pick = gr.Dropdown(label=t("sessions"), choices=[], elem_id="session-pick",
                                                    scale=4)
                            open_btn = gr.Button(t("open_session"), elem_id="open-session", scale=1)
                            new_btn = gr.Button(t("new_session"), elem_id="new-session", scale=1)
                        with gr.Row():
                            share_btn = gr.Button(t("share"), elem_id="share-btn")
                            share_link = gr.Textbox(label=t("share_link"), elem_id="share-link",
                                                    interactive=False, buttons=["copy"])
                        with gr.Row():
                            export_sess_btn = gr.Button(t("export_session"), elem_id="export-session")
                            sess_file = gr.File(label=t("session_file"), elem_id="session-file",
                                                interactive=False)
                        import_file = gr.File(label=t("import_session"), file_types=[".json"], type="filepath",
                                              elem_id="import-session")

        # Outputs every refresh writes; streaming writes only the first three.
        outs = [state, chat, code, preview, info, gallery, pick, tree, cmp_a, cmp_b, alts, editor, alt_box]

        def thumb(session: h.Session, rev: h.Revision) -> str:
            key = (session.sid, rev.id)
            if key not in thumbs:
                if len(thumbs) > 50_000:
                    thumbs.clear()
                thumbs[key] = image_file(h.thumbnail(rev))
            return thumbs[key]

        def saved(session: h.Session) -> list:
            """Commit the session, then hand the chat to the browser (nothing is shown before it is saved)."""
            sessions.persist(session)
            return list(session.chat)

        def view(session: h.Session, editor_too: bool = True) -> tuple:
            chat_now = saved(session)
            choices = _choices(session)
            cur = _current_label(session)
            revs = session.tree.ordered()
            return (session, chat_now,
                    session.tree.current.code if session.tree.current else "",
                    _preview(session), _info(engine, session),
                    [(thumb(session, r), r.label()) for r in revs],
                    gr.Dropdown(choices=choices, value=cur),
                    session.tree.outline(),
                    gr.Dropdown(choices=choices), gr.Dropdown(choices=choices, value=cur),
                    _alternatives(session),
                    _editor_value(session) if editor_too else gr.skip(),
                    gr.Column(visible=bool(session.tree.current and session.tree.current.alternatives)))

        def stream_view(session: h.Session, text: str) -> tuple:
            chat_now = saved(session)
            sessions.turn_progress(session, text)
            return (session, chat_now, text) + tuple(gr.skip() for _ in outs[3:])

        def drive(session: h.Session, updates, progress: gr.Progress | None = None):
            """Turn handler updates into component updates."""
            # A turn in flight is recorded, so a server that dies mid-answer marks it interrupted on restart.
            sessions.begin_turn(session)
            try:
                head = session.tree.head
                last_stream = 0.0
                for up in updates:
                    if up.kind == "stream":
                        # At most STREAM_EVERY_S apart: an endpoint sends a chunk per token, and 16 streams of
                        # per-token updates kept the server busy serialising outputs instead of serving users.
                        now = time.monotonic()
                        if now - last_stream >= STREAM_EVERY_S:
                            last_stream = now
                            yield stream_view(session, up.text)
                    else:
                        yield view(session, editor_too=session.tree.head != head)
                        head = session.tree.head
                yield view(session, editor_too=session.tree.head != head)
            finally:
                sessions.end_turn(session)

        running = {"n": 0}  # generations running now (all sessions), to tell a waiting user why
        running_lock = threading.Lock()

        def counted(turn):
            """Count a generation as running while its updates are produced."""
            with running_lock:
                running["n"] += 1
            try:
                yield from turn
            finally:
                with running_lock:
                    running["n"] -= 1

        def on_echo(session: h.Session, text: str, files: list | None = None):
            """Show the user's own message at once, even while the request waits in the queue; Stop turns red."""
            names = [Path(h._file_path(f)).name for f in files or []]
            shown = (text or "").strip() + "".join(f"\n📎 {n}" for n in names)
            chat_now = list(session.chat) + ([{"role": "user", "content": shown}] if shown.strip() else [])
            if shown.strip():  # on disk before it is shown: a restart while it waits marks it interrupted
                sessions.begin_turn(session, shown)
            with running_lock:
                busy = running["n"] >= concurrency_limit
            if busy and shown.strip():
                chat_now.append({"role": "assistant", "content": message("queued", h.detect_lang(shown))})
            return chat_now, gr.Button(variant="stop")

        def on_echo_message(session: h.Session, msg: dict | None):
            msg = msg if isinstance(msg, dict) else {"text": msg or "", "files": []}
            return on_echo(session, msg.get("text") or "", list(msg.get("files") or []))

        def on_echo_sketch(session: h.Session, text: str | None, is_blank: bool):
            blank_now = bool(is_blank) or session.tree.current is None
            return on_echo(session, (text or "") + ("\n✏️ (sketch on a blank pad)" if blank_now
                                                    else "\n✏️ (drawing on the figure)"))

        def on_idle():
            """The request ended: Stop is no longer red."""
            return gr.Button(variant="secondary")

        @gpu(duration=120)
        def on_message(session: h.Session, msg: dict | None, progress: gr.Progress = gr.Progress()):
            """Send a text (and optional image) request."""
            progress(0, desc="generating")
            first = True
            for out in drive(session, counted(h.message_turn(engine, session, msg))):
                yield out + ((gr.MultimodalTextbox(value=None) if first else gr.skip()),)
                first = False

        @gpu(duration=120)
        def on_sketch(session: h.Session, value: Any, text: str, is_blank: bool,
                      progress: gr.Progress = gr.Progress()):
            """Send the drawing with optional words."""
            progress(0, desc="reading the drawing")
            for out in drive(session, counted(h.sketch_turn(engine, session, value, text, bool(is_blank)))):
                session.pad_rev = session.tree.head  # the pad is on screen, so its update lands
                yield out

        def on_edit(session: h.Session, new_code: str):
            """Apply a hand edit of the code."""
            h.apply_edit(engine, session, new_code)
            return view(session)

        def on_restore(session: h.Session, label: str | None):
            """Restore the revision chosen in the dropdown."""
            try:
                h.restore(session, label)
            except (KeyError, ValueError) as e:
                session.say(str(e))
            return view(session)

        def on_gallery_select(session: h.Session, evt: gr.SelectData):
            """Clicking a thumbnail picks that revision in the dropdown."""
            revs = session.tree.ordered()
            if evt.index is None or evt.index >= len(revs):
                return gr.skip()
            return gr.Dropdown(value=f"r{revs[evt.index].id}")

        def on_alt_select(session: h.Session, evt: gr.SelectData):
            """Remember which candidate thumbnail was clicked (in the session and in the browser)."""
            cur = session.tree.current
            session.alt_choice = (cur.id, int(evt.index)) if cur is not None else None
            return session, evt.index

        def on_use_alt(session: h.Session, idx: float):
            """Promote the chosen best-of-N candidate to a revision."""
            cur = session.tree.current
            if cur is not None and session.alt_choice and session.alt_choice[0] == cur.id:
                idx = session.alt_choice[1]  # the UI's click; API callers pass the index instead
            if cur is None or idx is None or not 0 <= int(idx) < len(cur.alternatives):
                session.say("Pick a candidate thumbnail first.")
                return view(session, editor_too=False)
            h.use_alternative(session, cur.id, int(idx))
            return view(session)

        def on_compare(session: h.Session, a: str | None, b: str | None):
            """Two revisions side by side and their code difference."""
            if not a or not b:
                return None, None, "Choose two revisions."
            try:
                ra, rb, d = h.compare(session, a, b)
            except (KeyError, ValueError) as e:
                raise gr.Error(str(e)) from e
            return image_file(h.thumbnail(ra, 400)), image_file(h.thumbnail(rb, 400)), d

        def on_export(session: h.Session):
            """Files of the current revision."""
            from app.export import ExportError

            try:
                # A fresh folder per export: a file that may be being served is never rewritten.
                paths = [str(p) for p in h.export_current(session, unique_dir(export_root))]
            except ExportError as e:
                raise gr.Error(str(e)) from e
            return paths, session, saved(session)

        def on_stop(session: h.Session):
            """Stop the running generation or repair (revisions made so far stay)."""
            h.stop(engine, session)
            sessions.store.end_turn(session.sid)  # a request stopped while still queued is not "interrupted"
            return session, saved(session), gr.Button(variant="secondary")

        def on_new_figure(session: h.Session):
            """Start a new figure from no code; every revision stays in the history."""
            h.new_figure(session)
            session.pad_rev = session.tree.head
            return view(session)

        def on_settings(session: h.Session, lang: str, rl: float, bo: float, rc: bool, mt: float, temp: float):
            """Per-session generation settings."""
            h.apply_settings(session, lang, rl, bo, rc, mt, temp)
            return session, saved(session), gr.Code(language="javascript" if lang == "p5" else "html")

        def on_model(session: h.Session, name: str | None, adapter_path: str | None,
                     progress: gr.Progress = gr.Progress()):
            """Load another model preset / adapter for the whole app."""
            progress(0, desc="loading model")
            try:
                adapter_path = (adapter_path or "").strip() or None
                gen = engine.generator() if engine.loaded else None
                if gen is not None and adapter_path and adapter_path in (getattr(gen, "adapters", None) or []) \
                        and (name or None) in (None, engine.model_name):
                    engine.set_adapter(adapter_path)
                else:
                    engine.switch(name or None, adapter_path)
                session.say(message("model_loaded", session.lang, model=engine.describe(), adapter=""))
            except Exception as e:
                log.exception("model switch failed")
                session.say(message("model_failed", session.lang, error=h.short_error(e)))
            return session, saved(session), _info(engine, session)

        def on_sketch_tab(session: h.Session):
            """Opening the pad shows the current figure (updates sent while the tab was hidden are lost)."""
            if session.pad_rev == session.tree.head:
                return gr.skip(), session
            session.pad_rev = session.tree.head
            return _editor_value(session), session

        def on_blank(session: h.Session, is_blank: bool):
            """Switch the pad between the current figure and a white page."""
            return _editor_value(session, blank=bool(is_blank))

        # Sessions: reload, reopen, new, share, export and import
        def session_choices(owner: str) -> gr.Dropdown:
            rows = sessions.sessions_of(owner)
            return gr.Dropdown(choices=[(
                f"{r['title'] or session_message('untitled')} · {r['revisions']} rev · "
                f"{time.strftime('%Y-%m-%d %H:%M', time.localtime(r['updated']))}", r["sid"]) for r in rows])

        def with_key(session: h.Session) -> tuple:
            """The view, what the browser keeps (its secret and the open session), its session list, settings."""
            st = session.settings
            return view(session) + ({"owner": session.owner, "sid": session.sid}, session_choices(session.owner),
                                    st.lang, st.repair_limit, st.best_of, st.request_checks, st.max_new_tokens,
                                    st.temperature)

        def _owner(session: h.Session, key: Any) -> str:
            owner = key.get("owner") if isinstance(key, dict) else None
            return owner if isinstance(owner, str) and 16 <= len(owner) <= 100 else session.owner

        def on_load(session: h.Session, key: Any, request: gr.Request):
            """Page load: a share link opens its revision; otherwise the browser's session comes back."""
            owner = _owner(session, key)
            token = dict(getattr(request, "query_params", {}) or {}).get("rev") if request else None
            if sessions.note:
                gr.Warning(sessions.note)
            sessions.maybe_expire()
            if token:
                session = h.Session()
                session.owner = owner
                rev = sessions.shared(token)
                if rev is None:
                    session.say(session_message("share_missing"))
                else:
                    session.tree.add(parent=None, **{k: getattr(rev, k) for k in (
                        "code", "lang", "instruction", "source", "status", "error", "line", "png", "width",
                        "height", "model", "adapter", "score", "score_kind", "trace")})
                    session.settings.lang = rev.lang
                    session.say(session_message("shared_view", session.lang, rev=rev.id))
                return with_key(session)
            loaded = sessions.load(key.get("sid") if isinstance(key, dict) else None, owner)
            if loaded is not None:
                return with_key(loaded)
            session.owner = owner
            return with_key(session)

        def on_open(session: h.Session, key: Any, sid: str | None):
            """Reopen one of this browser's sessions."""
            loaded = sessions.load(sid, _owner(session, key)) if sid else None
            if loaded is None:
                gr.Warning(session_message("not_found", session.lang))
                return with_key(session)
            return with_key(loaded)

        def on_new(session: h.Session, key: Any):
            """Start an empty session (the current one stays in the list)."""
            new = h.Session()
            new.owner = _owner(session, key)
            new.settings = type(session.settings)(**vars(session.settings))  # keep the user's settings
            gr.Info(session_message("new_session", session.lang))
            return with_key(new)

        def on_share(session: h.Session, request: gr.Request):
            """A read-only link to the current revision."""
            cur = session.tree.current
            if cur is None:
                raise gr.Error(message("no_revision", session.lang))
            token = sessions.share(session, cur.id)
            return f"{_base_url(request)}?rev={token}"

        def on_export_session(session: h.Session):
            """The whole session as one JSON file."""
            sessions.persist(session)
            path = unique_dir(export_root) / f"figure-session-{time.strftime('%Y%m%d-%H%M%S')}.json"
            path.write_bytes(sessions.export_json(session))
            return str(path)

        def on_import(session: h.Session, key: Any, path: str | None):
            """A session file becomes a new session of this browser (validated, never executed)."""
            if not path:
                return (gr.skip(),) * len(key_outs) + (None,)
            name = os.path.basename(path)
            try:
                size = os.path.getsize(path)
                if size > sessions.limits.max_import_bytes:
                    raise ImportProblem(f"the file is {size / 2**20:.1f} MB "
                                        f"(at most {sessions.limits.max_import_bytes / 2**20:.0f} MB)")
                with open(path, "rb") as f:
                    new = sessions.import_json(f.read(), _owner(session, key))
            except ImportProblem as e:
                session.say(session_message("import_failed", session.lang, name=name, error=str(e)))
                return with_key(session) + (None,)
            new.say(session_message("imported", session.lang, n=len(new.tree), name=name))
            return with_key(new) + (None,)

        # Opening the tab lists the sessions as they are now (titles and counts change with every turn).
        sessions_tab.select(lambda s: session_choices(s.owner), [state], [sess_pick], api_name=False)
        key_outs = outs + [bstate, sess_pick, target, repair, best_of, request_checks, max_tokens, temperature]
        demo.load(on_load, [state, bstate], key_outs, api_name="resume")
        open_btn.click(on_open, [state, bstate, sess_pick], key_outs, api_name="open_session")
        new_btn.click(on_new, [state, bstate], key_outs, api_name="new_session")
        share_btn.click(on_share, [state], [share_link], api_name="share")
        export_sess_btn.click(on_export_session, [state], [sess_file], api_name="export_session")
        import_file.upload(on_import, [state, bstate, import_file], key_outs + [import_file],
                           api_name="import_session")

        gen_kw = dict(concurrency_limit=concurrency_limit, concurrency_id="generate")
        # The echo is not queued behind other generations, so a waiting user sees their own message at once.
        echo_kw = dict(concurrency_limit=None, api_name=False, show_progress="hidden")
        ev_msg = box.submit(on_echo_message, [state, box], [chat, stop_btn], **echo_kw).then(
            on_message, [state, box], outs + [box], api_name="send", **gen_kw)
        ev_msg.then(on_idle, None, [stop_btn], api_name=False, show_progress="hidden")
        ev_sketch = sketch_btn.click(on_echo_sketch, [state, words, blank], [chat, stop_btn], **echo_kw).then(
            on_sketch, [state, editor, words, blank], outs, api_name="sketch", **gen_kw)
        ev_sketch.then(on_idle, None, [stop_btn], api_name=False, show_progress="hidden")
        stop_btn.click(on_stop, [state], [state, chat, stop_btn], cancels=[ev_msg, ev_sketch], api_name="stop",
                       concurrency_limit=None)
        figure_btn.click(on_new_figure, [state], outs, api_name="new_figure")
        apply_btn.click(on_edit, [state, code], outs, api_name="edit")
        restore_btn.click(on_restore, [state, pick], outs, api_name="restore")
        gallery.select(on_gallery_select, [state], [pick], api_name=False)
        alts.select(on_alt_select, [state], [state, alt_idx], api_name=False)
        alt_btn.click(on_use_alt, [state, alt_idx], outs, api_name="use_alternative")
        cmp_btn.click(on_compare, [state, cmp_a, cmp_b], [img_a, img_b, diff], api_name="compare")
        export_btn.click(on_export, [state], [files, state, chat], api_name="export")
        for comp in (target, repair, best_of, request_checks, max_tokens, temperature):
            comp.change(on_settings, [state, target, repair, best_of, request_checks, max_tokens, temperature],
                        [state, chat, code], api_name=False)
        settings_btn.click(on_model, [state, preset, adapter_box], [state, chat, info], api_name="model",
                           concurrency_limit=1, concurrency_id="generate")
        sketch_tab.select(on_sketch_tab, [state], [editor, state], api_name=False)
        blank.change(on_blank, [state, blank], [editor], api_name=False)
        reset_btn.click(lambda s: _editor_value(s), [state], [editor], api_name=False)
    return demo


def _base_url(request: gr.Request | None) -> str:
    """The address the browser used for the app (behind a proxy: the forwarded one)."""
    if request is None:
        return ""
    headers = getattr(request, "headers", {}) or {}
    url = getattr(request, "url", None)
    proto = headers.get("x-forwarded-proto") or (url.scheme if url is not None else "http")
    host = headers.get("x-forwarded-host") or headers.get("host") or (url.netloc if url is not None else "")
    return f"{proto}://{host}/" if host else "/"


def launch_kwargs() -> dict[str, Any]:
    """What launch() needs: the i18n table, CSS and the page-side listener for preview errors."""
    return {"i18n": i18n(), "css": CSS + emoji_font_css(), "head": PARENT_LISTENER_JS, "theme": theme(),
            "allowed_paths": [str(p5_path().parent), str(EMOJI_FONT_DIR / "files")]}
