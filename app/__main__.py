"""Start the app: python -m app [--model NAME] [--adapter PATH] [--host H] [--port P] [--share]."""
from __future__ import annotations

import argparse
import logging
import threading
from dataclasses import dataclass

from app.engine import Engine, default_generator_factory
from app.ui import build_ui, launch_kwargs

log = logging.getLogger("app")


@dataclass
class AppArgs:
    """Command-line settings of the app."""

    model: str | None = None
    adapter: str | None = None
    host: str = "127.0.0.1"
    port: int = 7860
    share: bool = False
    concurrency: int = 1
    max_upload_mb: float = 8.0
    preload: bool = True


def parse_args(argv: list[str] | None = None) -> AppArgs:
    """Parse the command line into AppArgs."""
    p = argparse.ArgumentParser(prog="python -m app", description=__doc__)
    p.add_argument("--model", default=None,
                   help="preset name, HF id, local dir, .gguf or http(s)://…/v1 endpoint (default: embedded model)")
    p.add_argument("--adapter", default=None, help="PEFT adapter directory to apply")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (0.0.0.0 for all)")
    p.add_argument("--port", type=int, default=7860, help="port to listen on")
    p.add_argument("--share", action="store_true", help="create a public gradio.live link")
    p.add_argument("--concurrency", type=int, default=1, help="generations that may run at once")
    p.add_argument("--max-upload-mb", type=float, default=8.0, help="largest image a user may attach")
    p.add_argument("--no-preload", dest="preload", action="store_false",
                   help="load the model on the first request instead of at start")
    a = p.parse_args(argv)
    return AppArgs(**vars(a))


def main(argv: list[str] | None = None) -> None:
    """Build the UI and serve it."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    args = parse_args(argv)
    log.info("settings: %s", args)
    engine = Engine(default_generator_factory, model=args.model, adapter=args.adapter,
                    max_upload_mb=args.max_upload_mb)
    if args.preload:
        # Load in the background so the page is up at once; the first request waits for it if needed.
        threading.Thread(target=_preload, args=(engine,), daemon=True).start()
    demo = build_ui(engine=engine, concurrency_limit=args.concurrency)
    demo.queue(default_concurrency_limit=4, max_size=64).launch(
        server_name=args.host, server_port=args.port, share=args.share,
        max_file_size=f"{int(args.max_upload_mb)}mb", **launch_kwargs())


def _preload(engine: Engine) -> None:
    try:
        engine.generator()
        log.info("model ready: %s", engine.describe())
    except Exception as e:  # the UI reports it again on the first request
        log.error("could not load the model: %s", e)


if __name__ == "__main__":
    main()
