"""The live preview: untrusted code runs only inside a sandboxed, network-less iframe built from `srcdoc`."""
from __future__ import annotations

import hashlib
import html
import json
import re

__all__ = ["PREVIEW_SOURCE", "CSP_P5", "CSP_SVG", "preview_document", "preview_iframe", "placeholder_html",
           "PARENT_LISTENER_JS"]

# Tag on every message the iframe posts, so the page ignores anything else.
PREVIEW_SOURCE = "figure-preview"

# No network at all: scripts only inline or the app's own p5.min.js; images only inline data.
CSP_P5 = ("default-src 'none'; script-src 'unsafe-inline' {script_src}; style-src 'unsafe-inline'; "
          "img-src data: blob:; font-src data:; connect-src 'none'; media-src 'none'; frame-src 'none'; "
          "worker-src 'none'; form-action 'none'; base-uri 'none'")
CSP_SVG = ("default-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src data:; "
           "form-action 'none'; base-uri 'none'")

_REPORTER = """(function () {
  var FIRST = %(first)d;
  var DOC = %(doc)s;  // which preview this is: the page drops late reports of a preview already replaced
  var seen = {};
  var failed = false;  // once an error was seen (e.g. thrown in draw()), the canvas is never reported as fine
  function send(kind, message, line) {
    var key = kind + ":" + message + ":" + line;
    if (seen[key]) return;  // a failing draw() repeats its error every frame
    seen[key] = true;
    if (kind === "error") failed = true;
    try { parent.postMessage({source: %(tag)s, doc: DOC, kind: kind, message: String(message), line: line}, "*"); }
    catch (e) {}
  }
  function lineFromStack(stack) {
    var m = /about:srcdoc:(\\d+):\\d+/.exec(String(stack || ""));
    return m ? Number(m[1]) - FIRST + 1 : null;
  }
  function userLine(n) { return (n && n >= FIRST) ? n - FIRST + 1 : null; }
  window.addEventListener("error", function (e) {
    var line = userLine(e.lineno) || lineFromStack(e.error && e.error.stack);
    send("error", e.message || "error", line);
  });
  window.addEventListener("unhandledrejection", function (e) {
    var r = e.reason || {};
    send("error", r.message || String(e.reason), lineFromStack(r.stack));
  });
  window.addEventListener("load", function () {
    setTimeout(function () {
      var c = document.querySelector("canvas");
      if (failed) return;
      if (c) { send("ok", c.width + "x" + c.height, null); } else { send("error", "no canvas was created", null); }
    }, 400);
  });
})();"""


def _script_safe(code: str) -> str:
    """Keep code inside its <script> element: `</script` (any case) would end it early."""
    return re.sub(r"</(?=[sS][cC][rR][iI][pP][tT])", r"<\\/", code).replace("<!--", "<\\!--")


def preview_document(code: str, lang: str, p5_url: str, script_origins: str = "'self'", doc_id: str = "") -> str:
    """The full HTML document that runs `code` (p5) or shows it (SVG) with a no-network CSP.

    `doc_id` goes with every report the document posts to the page (see `preview_iframe`).
    """
    if lang == "svg":
        return ("<!doctype html><html><head><meta charset=\"utf-8\">"
                f"<meta http-equiv=\"Content-Security-Policy\" content=\"{CSP_SVG}\">"
                "<style>html,body{margin:0;background:#fff}svg{max-width:100%;height:auto}</style>"
                f"</head><body>{code}</body></html>")
    csp = CSP_P5.format(script_src=script_origins)
    head = ["<!doctype html>", "<html><head><meta charset=\"utf-8\">",
            f"<meta http-equiv=\"Content-Security-Policy\" content=\"{csp}\">",
            "<style>html,body{margin:0;padding:0;background:#fff;overflow:hidden}canvas{display:block}</style>"]
    # The reporter comes first so it sees errors from p5 and the sketch; FIRST maps page lines to user lines.
    p5_tag = f"<script src=\"{html.escape(p5_url, quote=True)}\"></script>"

    def before(first: int) -> list[str]:
        return head + ["<script>", _REPORTER % {"first": first, "tag": json.dumps(PREVIEW_SOURCE),
                                                "doc": json.dumps(doc_id)}, "</script>",
                       p5_tag, "<script>"]

    first = sum(part.count("\n") + 1 for part in before(0)) + 1
    lines = before(first) + [_script_safe(code), "</script>", "</head><body></body></html>"]
    return "\n".join(lines)


def preview_iframe(code: str, lang: str, p5_url: str, height: int = 420,
                   script_origins: str = "'self'", status: str | None = None, error: str | None = None,
                   line: int | None = None) -> str:
    """An <iframe sandbox="allow-scripts"> whose srcdoc attribute holds the escaped preview document.

    `status`/`error`/`line` are the server's render outcome: when it failed, the line under the preview says so
    from the start, and the page never replaces that with a success message from the iframe.

    The document and the line under it share an id derived from all of these. Gradio patches the preview in
    place (the iframe element stays, its window object too), so without it a report that the previous document
    posted just before it was replaced would land on the new line — an old error then hid the new figure's
    "ok" for good. And since the id is inside the document, a change of status alone reloads the iframe, which
    reports again, instead of leaving the line under it empty.
    """
    key = json.dumps([code, lang, p5_url, script_origins, status, error, line])
    doc_id = hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]
    doc = preview_document(code, lang, p5_url, script_origins, doc_id=doc_id)
    # Never allow-same-origin: the sketch must not reach the app's cookies, DOM or API.
    sandbox = "allow-scripts" if lang != "svg" else ""
    return (f'<iframe class="figure-preview" title="figure preview" sandbox="{sandbox}" '
            f'referrerpolicy="no-referrer" style="width:100%;height:{int(height) + 8}px;border:1px solid #e5e7eb;border-radius:6px;background:#fff" '
            f'srcdoc="{html.escape(doc, quote=True)}"></iframe>' + _console(status, error, line, doc_id))


def _console(status: str | None, error: str | None, line: int | None, doc_id: str = "") -> str:
    """The line under the preview, starting with the server's verdict when the server's render failed."""
    doc = f' data-doc="{html.escape(doc_id)}"'
    if status is None or status == "ok":
        server = f' data-server="{html.escape(status)}"' if status else ""
        return f'<div id="preview-console" class="preview-console"{server}{doc}></div>'
    what = error or {"blank": "the canvas stayed blank", "timeout": "did not finish in time"}.get(status, status)
    where = f" (line {int(line)})" if line else ""
    text = f"\u26a0 server render: {status}{where} — {what}"
    return (f'<div id="preview-console" class="preview-console error" data-server="{html.escape(status)}"{doc} '
            f'data-kind="error">{html.escape(text)}</div>')


def placeholder_html(text: str) -> str:
    """A plain placeholder shown before the first figure (escaped text only)."""
    return f'<div class="preview-empty">{html.escape(text)}</div>'


# Runs in the app page (passed to launch(head=...)): shows iframe errors under the preview as text.
PARENT_LISTENER_JS = """<script>
window.addEventListener("message", function (e) {
  var d = e.data;
  if (!d || d.source !== "%s") return;
  var frame = document.querySelector("iframe.figure-preview");
  if (!frame || e.source !== frame.contentWindow) return;
  var out = document.getElementById("preview-console");
  if (!out) return;
  // A report of the document this line belongs to, not a late one of the document shown before it.
  if ((d.doc || "") !== (out.dataset.doc || "")) return;
  // The server's verdict stands: a render it marked as failed is never shown as fine.
  // An error this document reported stays; one of the document before it (the line patched in place) does not.
  var sameDoc = (out.dataset.kindDoc || "") === (d.doc || "");
  if (d.kind === "ok" && ((out.dataset.kind === "error" && sameDoc) || (out.dataset.server && out.dataset.server !== "ok"))) return;
  out.dataset.kind = d.kind;
  out.dataset.kindDoc = d.doc || "";
  if (d.kind === "ok") { out.textContent = "\\u2713 p5.js canvas " + d.message; out.className = "preview-console ok"; }
  else { out.textContent = "\\u26a0 " + d.message + (d.line ? " (line " + d.line + ")" : "");
         out.className = "preview-console error"; }
});
</script>""" % PREVIEW_SOURCE
