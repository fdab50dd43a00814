"""A tiny static server on 127.0.0.1 for the harness page and the vendored p5.js files."""
from __future__ import annotations

import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

log = logging.getLogger(__name__)

REPO_ROOT = Path(__file__).resolve().parent.parent
JS_DIR = Path(__file__).resolve().parent / "js"
P5_MIN_JS = REPO_ROOT / "node_modules" / "p5" / "lib" / "p5.min.js"
P5_SVG_JS = REPO_ROOT / "node_modules" / "p5.js-svg" / "dist" / "p5.svg.js"

# The SVG export page loads p5.js-svg and makes every 2D canvas an SVG canvas.
_SVG_EXTRA = """<script src="/p5.svg.js"></script>
<script>
(function () {
  const create = p5.prototype.createCanvas;
  p5.prototype.createCanvas = function (w, h, renderer, ...rest) {
    if (renderer === undefined) renderer = this.SVG;  // p5's own default canvas passes 'p2d' explicitly
    return create.call(this, w, h, renderer, ...rest);
  };
})();
</script>"""


def _files() -> dict[str, tuple[bytes, str]]:
    """Path -> (body, content type) of everything the harness pages load."""
    for p in (P5_MIN_JS, P5_SVG_JS):
        if not p.exists():
            raise FileNotFoundError(f"{p} is missing: run `bash scripts/setup.sh` (it installs p5.js from npm).")
    html = (JS_DIR / "harness.html").read_text(encoding="utf-8")
    return {
        "/harness.html": (html.replace("<!--EXTRA-->", "").encode(), "text/html; charset=utf-8"),
        "/svg.html": (html.replace("<!--EXTRA-->", _SVG_EXTRA).encode(), "text/html; charset=utf-8"),
        "/harness.js": ((JS_DIR / "harness.js").read_bytes(), "text/javascript; charset=utf-8"),
        "/p5.min.js": (P5_MIN_JS.read_bytes(), "text/javascript; charset=utf-8"),
        "/p5.svg.js": (P5_SVG_JS.read_bytes(), "text/javascript; charset=utf-8"),
    }


class StaticServer:
    """Serves the harness files with a long Cache-Control so fresh pages load p5.js from the browser cache."""

    def __init__(self) -> None:
        files = _files()

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server API)
                path = self.path.split("?", 1)[0]
                item = files.get(path)
                if item is None:
                    self.send_error(404)
                    return
                body, ctype = item
                self.send_response(200)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Cache-Control", "public, max-age=31536000, immutable")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, fmt: str, *args) -> None:
                log.debug("static: " + fmt, *args)

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self.port: int = self._httpd.server_address[1]
        self.origin = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="render-static", daemon=True)
        self._thread.start()

    def close(self) -> None:
        """Stop serving."""
        self._httpd.shutdown()
        self._httpd.server_close()
