"""Helpers for tests/test_dataset.py: a tiny TikZ subset (parse, draw with PIL, translate to p5.js) and a local
server speaking the OpenAI chat-completions protocol with scripted teacher behaviours.

`python tests/_dataset_util.py` rebuilds the images of tests/data/datikz_sample/ from its TikZ code.
"""
from __future__ import annotations

import json
import re
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from PIL import Image, ImageDraw

SAMPLE_DIR = Path(__file__).parent / "data" / "datikz_sample"
SCALE = 40  # pixels per TikZ unit
PAD = 20

_PT = r"\(\s*(-?[\d.]+)\s*,\s*(-?[\d.]+)\s*\)"
_CIRCLE = re.compile(r"\\(draw|fill)(?:\[[^\]]*\])?\s*" + _PT + r"\s*circle\s*\(\s*([\d.]+)(?:cm)?\s*\)\s*;")
_RECT = re.compile(r"\\(draw|fill)(?:\[[^\]]*\])?\s*" + _PT + r"\s*rectangle\s*" + _PT + r"\s*;")
_PATH = re.compile(r"\\draw(?:\[([^\]]*)\])?\s*(" + _PT + r"(?:\s*--\s*(?:" + _PT + r"|cycle))+)\s*;")
_NODE = re.compile(r"\\node(?:\[[^\]]*\])?\s*at\s*" + _PT + r"\s*\{([^}]*)\}\s*;")


@dataclass
class Shape:
    """One primitive of the TikZ subset."""

    kind: str  # circle | rect | path | text
    pts: list[tuple[float, float]]
    r: float = 0.0
    fill: bool = False
    arrow: bool = False
    text: str = ""


def parse_tikz(code: str) -> list[Shape]:
    """Shapes of a program written in the subset (circle, rectangle, -- paths, nodes)."""
    shapes: list[Shape] = []
    for m in _CIRCLE.finditer(code):
        shapes.append(Shape("circle", [(float(m[2]), float(m[3]))], r=float(m[4]), fill=m[1] == "fill"))
    for m in _RECT.finditer(code):
        shapes.append(Shape("rect", [(float(m[2]), float(m[3])), (float(m[4]), float(m[5]))], fill=m[1] == "fill"))
    for m in _PATH.finditer(code):
        pts = [(float(a), float(b)) for a, b in re.findall(_PT, m[2])]
        if "cycle" in m[2]:
            pts.append(pts[0])
        shapes.append(Shape("path", pts, arrow="->" in (m[1] or "")))
    for m in _NODE.finditer(code):
        shapes.append(Shape("text", [(float(m[1]), float(m[2]))], text=m[3]))
    return shapes


def _bounds(shapes: list[Shape]) -> tuple[float, float, float, float]:
    xs, ys = [], []
    for s in shapes:
        for x, y in s.pts:
            xs += [x - s.r, x + s.r]
            ys += [y - s.r, y + s.r]
    return min(xs), min(ys), max(xs), max(ys)


def canvas_size(shapes: list[Shape]) -> tuple[int, int, float, float]:
    """(width, height, x0, y0) of a canvas that holds every shape."""
    x0, y0, x1, y1 = _bounds(shapes)
    return round((x1 - x0) * SCALE + 2 * PAD), round((y1 - y0) * SCALE + 2 * PAD), x0, y0


def draw_png(code: str, path: Path) -> None:
    """Render the TikZ subset with PIL (stands in for the LaTeX render of a DaTikZ row)."""
    shapes = parse_tikz(code)
    w, h, x0, y0 = canvas_size(shapes)
    img = Image.new("RGB", (w, h), "white")
    d = ImageDraw.Draw(img)

    def px(x: float, y: float) -> tuple[float, float]:
        return (x - x0) * SCALE + PAD, h - ((y - y0) * SCALE + PAD)

    for s in shapes:
        if s.kind == "circle":
            cx, cy = px(*s.pts[0])
            rr = s.r * SCALE
            d.ellipse([cx - rr, cy - rr, cx + rr, cy + rr], outline="black", width=2,
                      fill="gray" if s.fill else None)
        elif s.kind == "rect":
            (ax, ay), (bx, by) = px(*s.pts[0]), px(*s.pts[1])
            d.rectangle([min(ax, bx), min(ay, by), max(ax, bx), max(ay, by)], outline="black", width=2,
                        fill="gray" if s.fill else None)
        elif s.kind == "path":
            d.line([px(*p) for p in s.pts], fill="black", width=2)
        else:
            cx, cy = px(*s.pts[0])
            d.text((cx, cy), s.text, fill="black", anchor="mm")
    img.save(path)


def tikz_to_p5(code: str, sloppy: bool = False) -> str:
    """A faithful p5.js translation of the subset (or, `sloppy`, one that draws every shape as a box)."""
    shapes = parse_tikz(code)
    w, h, x0, y0 = canvas_size(shapes)
    lines = [f"const W = {w};", f"const H = {h};", f"const S = {SCALE};", f"const X0 = {x0};", f"const Y0 = {y0};",
             "", "function setup() {", "  createCanvas(W, H);", "  noLoop();", "}", "",
             f"function tx(x) {{\n  return (x - X0) * S + {PAD};\n}}",
             f"function ty(y) {{\n  return H - ((y - Y0) * S + {PAD});\n}}", "", "function draw() {",
             "  background(255);", "  stroke(0);", "  strokeWeight(2);", "  noFill();"]
    for s in shapes:
        if sloppy and s.kind != "text":
            (x, y) = s.pts[0]
            lines.append(f"  rect(tx({x}) - 10, ty({y}) - 10, 20, 20);")
            continue
        if s.kind == "circle":
            (x, y) = s.pts[0]
            lines.append(f"  {'fill(128);' if s.fill else 'noFill();'} circle(tx({x}), ty({y}), {2 * s.r} * S);")
        elif s.kind == "rect":
            (ax, ay), (bx, by) = s.pts
            lines.append(f"  {'fill(128);' if s.fill else 'noFill();'} rect(tx({min(ax, bx)}), ty({max(ay, by)}), "
                         f"{abs(bx - ax)} * S, {abs(by - ay)} * S);")
        elif s.kind == "path":
            for (ax, ay), (bx, by) in zip(s.pts, s.pts[1:]):
                lines.append(f"  line(tx({ax}), ty({ay}), tx({bx}), ty({by}));")
        else:
            (x, y) = s.pts[0]
            lines.append(f"  noStroke(); fill(0); textAlign(CENTER, CENTER); text({json.dumps(s.text)}, tx({x}), "
                         f"ty({y})); stroke(0); noFill();")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _tikz_of(messages: list[dict]) -> tuple[str, str]:
    user = next(m["content"] for m in messages if m["role"] == "user")
    caption = user.split("\n", 1)[0].removeprefix("Caption: ")
    m = re.search(r"```latex\n(.*?)\n```", user, re.S)
    return (m[1] if m else ""), caption


@dataclass
class FakeTeachers:
    """Scripted teacher behaviours, chosen by the request's model name.

    good: faithful translation · sloppy: renders, but every shape is a box · flaky: HTTP 500 on the first
    request for a prompt · slow: waits `delay` seconds on the first request for a prompt · slowgood: waits
    `delay` on every request · broken: code that throws · chatty: an answer without code · down: always 503.
    """

    delay: float = 2.0
    requests: dict[str, int] = field(default_factory=dict)
    seen: set[tuple[str, str]] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(self, model: str, messages: list[dict]) -> tuple[int, str]:
        """(HTTP status, reply text) for one request."""
        tikz, caption = _tikz_of(messages)
        with self.lock:
            self.requests[model] = self.requests.get(model, 0) + 1
            first = (model, tikz) not in self.seen
            self.seen.add((model, tikz))
        ja = f"Japanese caption: {caption}（日本語）"
        if model == "down":
            return 503, "overloaded"
        if model == "flaky" and first:
            return 500, "internal error"
        if (model == "slow" and first) or model == "slowgood":
            time.sleep(self.delay)
        if model == "broken":
            return 200, "```javascript\nfunction setup() {\n  createCanvas(100, 100);\n  notAFunction();\n}\n```"
        if model == "chatty":
            return 200, "I cannot translate this figure, sorry."
        code = tikz_to_p5(tikz, sloppy=(model == "sloppy"))
        return 200, f"Here is the translation.\n\n```javascript\n{code}```\n{ja}\n"


class _Handler(BaseHTTPRequestHandler):
    teachers: FakeTeachers

    def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        status, text = self.server.teachers.answer(body["model"], body["messages"])  # type: ignore[attr-defined]
        if status == 200:
            payload = {"id": "x", "object": "chat.completion", "model": body["model"],
                       "choices": [{"index": 0, "finish_reason": "stop",
                                    "message": {"role": "assistant", "content": text}}]}
            data = json.dumps(payload).encode()
        else:
            data = json.dumps({"error": {"message": text}}).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout test)
            pass

    def log_message(self, *args) -> None:
        pass


def start_server(teachers: FakeTeachers) -> tuple[ThreadingHTTPServer, str]:
    """Start the fake endpoint on a free port; returns (server, base URL ending in /v1)."""
    srv = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    srv.daemon_threads = True
    srv.teachers = teachers  # type: ignore[attr-defined]
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv, f"http://127.0.0.1:{srv.server_address[1]}/v1"


def _make_sample_images() -> None:
    for jl in SAMPLE_DIR.glob("*.jsonl"):
        for line in jl.read_text(encoding="utf-8").splitlines():
            rec = json.loads(line)
            draw_png(rec["code"], SAMPLE_DIR / rec["image"])


if __name__ == "__main__":
    _make_sample_images()
