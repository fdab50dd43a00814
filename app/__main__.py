"""Start the app: python -m app [--model NAME] [--adapter PATH] [--host H] [--port P] [--share]."""
from __future__ import annotations

import argparse
import logging
import threading
from dataclasses import dataclass

from app.engine import Engine, default_generator_factory
from app.limits import Limits
from app.sessions import SessionStore
from app.store import StoreError, default_data_dir
from app.ui import build_ui, launch_kwargs
from model.defaults import DEFAULTS

log = logging.getLogger("app")


@dataclass
class AppArgs:
    """Command-line settings of the app."""

    model: str | None = None
    adapter: str | None = None
    host: str = "127.0.0.1"
    port: int = 7860
    share: bool = False
    concurrency: int | None = None  # None: follows the backend (local model 1, endpoint ENDPOINT_CONCURRENCY)
    max_upload_mb: float = 8.0
    preload: bool = True
    warm_examples: bool = True  # after preloading, save the worked examples' prompt states until a request comes
    data_dir: str | None = None  # None: default_data_dir()
    expire_days: float = -1  # -1: never on a laptop, 30 on a Space; 0: never
    max_message_chars: int = Limits.max_message_chars
    max_edit_chars: int = Limits.max_edit_chars
    max_revisions: int = Limits.max_revisions
    max_session_mb: float = Limits.max_session_bytes / 2**20
    prompt_tokens: int = Limits.prompt_tokens


# An OpenAI-compatible server (vLLM, TGI) batches concurrent requests itself; one local model answers one at a time.
ENDPOINT_CONCURRENCY = 16


def default_concurrency(model: str | None) -> int:
    """Generations at once: many for a remote endpoint, one for a model in this process."""
    return ENDPOINT_CONCURRENCY if model and model.startswith(("http://", "https://")) else 1


def parse_args(argv: list[str] | None = None) -> AppArgs:
    """Parse the command line into AppArgs."""
    p = argparse.ArgumentParser(prog="python -m app", description=__doc__)
    p.add_argument("--model", default=None,
                   help="preset name, HF id, local dir, .gguf or http(s)://…/v1 endpoint (default: "
                        f"{DEFAULTS.preset}, from model/defaults.py)")
    p.add_argument("--adapter", default=None,
                   help="PEFT adapter directory to apply (default: the preset's trained adapter when it exists"
                        + ("" if DEFAULTS.adapter else " and model/defaults.py asks for it") + ")")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (0.0.0.0 for all)")
    p.add_argument("--port", type=int, default=7860, help="port to listen on")
    p.add_argument("--share", action="store_true", help="create a public gradio.live link")
    p.add_argument("--concurrency", type=int, default=None,
                   help=f"generations that may run at once (default: 1 for a local model, {ENDPOINT_CONCURRENCY} "
                        "for an http(s) endpoint, which batches requests itself)")
    p.add_argument("--max-upload-mb", type=float, default=8.0, help="largest image a user may attach")
    p.add_argument("--no-preload", dest="preload", action="store_false",
                   help="load the model on the first request instead of at start")
    p.add_argument("--no-warm-examples", dest="warm_examples", action="store_false",
                   help="do not compute the worked examples' prompt states in the background after loading "
                        "(they make a first figure's prompt quick; the work gives way to the first request)")
    p.add_argument("--data-dir", default=None,
                   help=f"where sessions are saved (default: {default_data_dir()}; on a Space /data when present)")
    p.add_argument("--expire-days", type=float, default=-1,
                   help="delete sessions untouched for this many days (default: never on a laptop, 30 on a "
                        "Space; 0: never)")
    p.add_argument("--max-message-chars", type=int, default=Limits.max_message_chars,
                   help="longest typed request")
    p.add_argument("--max-edit-chars", type=int, default=Limits.max_edit_chars, help="longest hand edit of the code")
    p.add_argument("--max-revisions", type=int, default=Limits.max_revisions, help="revisions per session")
    p.add_argument("--max-session-mb", type=float, default=Limits.max_session_bytes / 2**20,
                   help="stored megabytes per session")
    p.add_argument("--prompt-tokens", type=int, default=Limits.prompt_tokens,
                   help="largest prompt sent to the model (earlier turns are dropped first)")
    a = p.parse_args(argv)
    return AppArgs(**vars(a))


def main(argv: list[str] | None = None) -> None:
    """Build the UI and serve it."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    args = parse_args(argv)
    log.info("settings: %s", args)
    try:
        limits = Limits.for_host(expire_days=args.expire_days, max_message_chars=args.max_message_chars,
                                 max_edit_chars=args.max_edit_chars, max_revisions=args.max_revisions,
                                 max_session_bytes=int(args.max_session_mb * 2**20),
                                 prompt_tokens=args.prompt_tokens)
        sessions = SessionStore.open(args.data_dir or default_data_dir(), limits)
    except (StoreError, OSError, ValueError) as e:
        raise SystemExit(f"error: {e}") from None
    engine = Engine(default_generator_factory, model=args.model, adapter=args.adapter,
                    max_upload_mb=args.max_upload_mb, limits=limits)
    concurrency = args.concurrency or default_concurrency(args.model)
    log.info("generations at once: %d; sessions in %s", concurrency, sessions.store.path)
    if args.preload:
        # Load in the background so the page is up at once; the first request waits for it if needed.
        threading.Thread(target=_preload, args=(engine, args.warm_examples), daemon=True).start()
    demo = build_ui(engine=engine, concurrency_limit=concurrency, sessions=sessions)
    demo.queue(default_concurrency_limit=max(4, concurrency), max_size=64).launch(
        server_name=args.host, server_port=args.port, share=args.share,
        max_file_size=f"{int(args.max_upload_mb)}mb", **launch_kwargs())


def _preload(engine: Engine, warm_examples: bool = True) -> None:
    try:
        gen = engine.generator()
        log.info("model ready: %s", engine.describe())
    except Exception as e:  # the UI reports it again on the first request
        log.error("could not load the model: %s", e)
        return
    if warm_examples and hasattr(gen, "warm_examples"):
        try:
            saved = gen.warm_examples()
            log.info("worked examples: %d prompt states saved in the background", saved)
        except Exception as e:  # only a first figure's speed depends on it
            log.warning("could not save the worked examples' prompt states: %s", e)


if __name__ == "__main__":
    main()
