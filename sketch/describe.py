"""Phrasing stroke groups and their grounded draw calls as text for the model request."""
from __future__ import annotations

import json
from typing import Any, Sequence

from .types import StrokeGroup

__all__ = ["line_ranges", "call_snippet", "target_phrase", "describe_annotations", "describe_layout", "colour_name",
           "describe_diagram"]

_NOUNS = {"circle": "circle", "ellipse": "ellipse", "rect": "rectangle", "square": "square", "line": "line segment",
          "triangle": "triangle", "quad": "shape", "arc": "arc", "point": "point", "text": "text", "image": "image",
          "bezier": "curve", "curve": "curve", "endShape": "shape", "beginShape": "shape", "vertex": "shape"}

_COLOURS = {"black": (0, 0, 0), "white": (255, 255, 255), "grey": (128, 128, 128), "red": (220, 30, 30),
            "green": (30, 160, 50), "blue": (30, 70, 220), "yellow": (240, 210, 30), "orange": (245, 140, 20),
            "purple": (140, 50, 170), "magenta": (230, 40, 200), "cyan": (30, 190, 220), "brown": (130, 80, 40),
            "pink": (250, 150, 180)}


def colour_name(hex_colour: str) -> str:
    """Nearest plain colour name for a "#rrggbb" colour."""
    try:
        r, g, b = (int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))
    except (ValueError, IndexError):
        return "coloured"
    return min(_COLOURS, key=lambda k: sum((a - c) ** 2 for a, c in zip((r, g, b), _COLOURS[k])))


def line_ranges(lines: Sequence[int]) -> str:
    """[14, 15, 20] → "lines 14–15, 20"; [7] → "line 7"."""
    ls = sorted(set(int(x) for x in lines))
    if not ls:
        return ""
    parts, start, prev = [], ls[0], ls[0]
    for x in ls[1:] + [None]:
        if x is not None and x == prev + 1:
            prev = x
            continue
        parts.append(f"{start}–{prev}" if prev != start else f"{start}")
        if x is not None:
            start = prev = x
    return ("line " if len(ls) == 1 else "lines ") + ", ".join(parts)


def _fmt_arg(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return str(int(round(v))) if abs(v - round(v)) < 1e-6 or abs(v) >= 10 else f"{v:.2f}".rstrip("0")
    if isinstance(v, str):
        return json.dumps(v if len(v) <= 24 else v[:23] + "…", ensure_ascii=False)
    return "…"


def call_snippet(c: Any) -> str:
    """`circle(240, 100, 28)` from a draw call's name and arguments."""
    args = list(getattr(c, "args", None) or [])
    s = ", ".join(_fmt_arg(a) for a in args[:6]) + (", …" if len(args) > 6 else "")
    return f"{c.fn}({s})"


def target_phrase(calls: Sequence[Any]) -> str:
    """'the 5 circles drawn at line 14 (`circle(240, 100, 28)` ×5)' for a set of matched calls."""
    by_line: dict[int, list[Any]] = {}
    for c in calls:
        by_line.setdefault(int(c.line), []).append(c)
    fns = {c.fn for c in calls}
    n = len(calls)
    if n == 1:
        c = calls[0]
        noun = f'the text "{c.text}"' if c.kind == "text" and c.text else "the " + _NOUNS.get(c.fn, "element")
    elif len(fns) == 1 and next(iter(fns)) in _NOUNS and _NOUNS[next(iter(fns))] not in ("shape", "text"):
        noun = f"the {n} {_NOUNS[next(iter(fns))]}s"
    elif all(c.kind == "text" for c in calls):
        shown = [f'"{c.text}"' for c in calls[:4] if c.text]
        noun = "the texts " + ", ".join(shown) + (" …" if n > 4 else "") if shown else f"the {n} texts"
    else:
        noun = f"the {n} elements"
    snippets = []
    for line in sorted(by_line)[:4]:
        cs = by_line[line]
        snip = f"`{call_snippet(cs[0])}`"
        snippets.append(snip + (f" ×{len(cs)}" if len(cs) > 1 else ""))
    more = f", and calls at {len(by_line) - 4} more lines" if len(by_line) > 4 else ""
    where = ""
    if n == 1 and getattr(calls[0], "bbox", None) is not None:
        # Arguments are in local coordinates under translate/rotate; the canvas box says where it really is.
        x0, y0, x1, y1 = (int(round(float(v))) for v in calls[0].bbox)
        where = f", on canvas ({x0}, {y0})–({x1}, {y1})"
    return f"{noun} drawn at {line_ranges(list(by_line))} ({', '.join(snippets)}{where}{more})"


def _pt(p: tuple[float, float] | None) -> str:
    return "?" if p is None else f"({int(round(p[0]))}, {int(round(p[1]))})"


def _geom(g: StrokeGroup) -> str:
    """Short geometry note: colour, shape, position, size."""
    x0, y0, x1, y1 = g.bbox
    col = colour_name(g.color)
    shape = {"circle": "ellipse", "rectangle": "rectangle", "selection": "loop", "cross_out": "cross-out",
             "freehand": "curve", "text_mark": "marks", "arrow": "arrow", "line": "line"}[g.kind]
    return (f"[{col} {shape}, box ({int(x0)}, {int(y0)})–({int(x1)}, {int(y1)}), "
            f"{int(x1 - x0)}×{int(y1 - y0)} px]")


def _sentence(g: StrokeGroup) -> str:
    """One grounded sentence for a mark on a figure."""
    m = g.matches
    if g.kind in ("circle", "rectangle", "selection"):
        verb = {"circle": "circled", "rectangle": "drew a box around", "selection": "outlined a region around"}[g.kind]
        if "enclosed" in m:
            return f"{verb} {target_phrase(m['enclosed'])}"
        if "within" in m:
            what = {"circle": "circled", "rectangle": "boxed", "selection": "outlined"}[g.kind]
            return f"{what} a spot centred at {_pt(g.center)} inside {target_phrase(m['within'])}"
        return f"drew a {'ellipse' if g.kind == 'circle' else g.kind} centred at {_pt(g.center)} over an empty area"
    if g.kind == "cross_out":
        if "crossed" in m:
            return f"crossed out {target_phrase(m['crossed'])}"
        return f"crossed out the empty area around {_pt(g.center)}"
    if g.kind in ("arrow", "line"):
        src = f"{target_phrase(m['from'])}" if "from" in m else _pt(g.tail)
        if g.kind == "arrow":
            dst = f"to {target_phrase(m['to'])}" if "to" in m else f"toward {_pt(g.head)}"
            return f"drew an arrow from {src} {dst}"
        dst = target_phrase(m["to"]) if "to" in m else _pt(g.head)
        return f"drew a line from {src} to {dst}"
    if g.kind == "freehand":
        start, end = (g.points[0], g.points[-1]) if g.points else (None, None)
        over = f", passing over {target_phrase(m['touched'])}" if "touched" in m else ""
        return f"drew a freehand curve from {_pt(start)} to {_pt(end)}{over}"
    near = f" next to {target_phrase(m['near'])}" if "near" in m else ""
    return f"wrote a handwritten note (content not read) at {_pt(g.center)}{near}"


def describe_annotations(groups: Sequence[StrokeGroup], figure_size: tuple[int, int], has_trace: bool) -> str:
    """Numbered, grounded description of marks drawn over a figure."""
    w, h = figure_size
    head = (f"The user drew {len(groups)} mark{'s' if len(groups) != 1 else ''} on the current figure "
            f"(canvas {w}×{h} px, origin top-left):")
    if not has_trace:
        head += " (no draw trace: positions only)"
    body = [f"{i + 1}. The user {_sentence(g)} {_geom(g)}." for i, g in enumerate(groups)]
    return "\n".join([head] + body)


def _inside(p: tuple[float, float], b: tuple[float, float, float, float], tol: float) -> bool:
    return b[0] - tol <= p[0] <= b[2] + tol and b[1] - tol <= p[1] <= b[3] + tol


def describe_layout(groups: Sequence[StrokeGroup], figure_size: tuple[int, int]) -> str:
    """A blank-pad sketch as a layout of primitives (with arrows and notes tied to the shapes they touch)."""
    w, h = figure_size
    names = {"circle": "ellipse", "rectangle": "rectangle", "selection": "closed outline", "cross_out": "cross",
             "freehand": "freehand curve", "text_mark": "handwritten text (content not read)", "arrow": "arrow",
             "line": "line"}
    shapes = [(i, g) for i, g in enumerate(groups) if g.kind in ("circle", "rectangle", "selection")]

    def at(p: tuple[float, float] | None, self_i: int) -> str:
        if p is None:
            return ""
        hits = [i for i, s in shapes if i != self_i and _inside(p, s.bbox, 12 + s.stroke_width)]
        return f" (at {names[groups[hits[0]].kind]} {hits[0] + 1})" if hits else ""

    lines = [f"The user sketched a figure on a blank pad; normalised to the {w}×{h} canvas (origin top-left) it is "
             f"a layout of {len(groups)} primitive{'s' if len(groups) != 1 else ''}:"]
    for i, g in enumerate(groups):
        x0, y0, x1, y1 = g.bbox
        col = colour_name(g.color)
        if g.kind in ("arrow", "line"):
            s = f"{names[g.kind]} from {_pt(g.tail)}{at(g.tail, i)} to {_pt(g.head)}{at(g.head, i)}"
        elif g.kind == "circle":
            s = f"ellipse centred at {_pt(g.center)}, {int(x1 - x0)}×{int(y1 - y0)} px"
        else:
            s = f"{names[g.kind]} from ({int(x0)}, {int(y0)}) to ({int(x1)}, {int(y1)})"
        if g.kind == "text_mark":
            inside = [j for j, sh in shapes if _inside(g.center, sh.bbox, 0)]
            if inside:
                s += f", inside {names[groups[inside[-1]].kind]} {inside[-1] + 1}"
        lines.append(f"{i + 1}. {s} [{col}].")
    return "\n".join(lines)


def _plural(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "es" if noun.endswith(("x", "s")) else "s")


def _shape_noun(groups: Sequence[StrokeGroup], ids: Sequence[int]) -> str:
    """'circle', 'box' or 'shape' for a set of shapes."""
    kinds = {groups[i].kind for i in ids}
    return "circle" if kinds == {"circle"} else "box" if kinds == {"rectangle"} else "shape"


def _curve_phrase(g: StrokeGroup) -> str:
    """Where a free curve goes: its ends and a few points between."""
    pts = g.points
    if len(pts) > 5:
        pts = [pts[int(round(k * (len(pts) - 1) / 4))] for k in range(5)]
    return "a curve through " + ", ".join(_pt(p) for p in pts)


def _summary(groups: Sequence[StrokeGroup], st: dict[str, Any]) -> str:
    """One sentence saying what the diagram is, as a person would."""
    shapes = [i for i, g in enumerate(groups) if g.kind in ("circle", "rectangle")]
    conn_kind = {g.kind for g in groups if g.kind in ("line", "arrow")}
    joined = "an arrow" if conn_kind == {"arrow"} else "a line" if conn_kind == {"line"} else "a line or arrow"
    if st.get("axes"):
        ox, oy = st["axes_origin_fig"]
        s = f"x and y axes (origin at ({int(round(ox))}, {int(round(oy))}))"
        if st["bars"]:
            hs = ", ".join(f"{h:.2f}" for h in st["bar_heights"])
            s += f" with {_plural(st['bars'], 'bar')} of heights {hs} (share of the y axis, left to right)"
        curves = [g for g in groups if g.kind == "freehand"]
        if curves:
            s += (" and " if st["bars"] else " with ") + _plural(len(curves), "curve") + ": " + \
                "; ".join(_curve_phrase(g) for g in curves)
        return s
    if "layers" in st:
        cols = st["columns"]
        noun = _shape_noun(groups, shapes)
        by = joined.replace("a line or arrow", "a line")
        if len(cols) == 2:
            s = (f"a diagram of {_plural(len(shapes), noun)} in 2 columns ({len(cols[0])} left, {len(cols[1])} right)")
            if st.get("fully_connected"):
                s += f"; each left {noun} is joined by {by} to each right {noun}"
        else:
            sizes = ", ".join(str(len(c)) for c in cols)
            s = f"a layered diagram of {_plural(len(shapes), noun)} in {len(cols)} columns of {sizes} from left to right"
            if st.get("fully_connected"):
                s += f"; each {noun} is joined by {by} to each {noun} in the next column"
        return s + " (a fully connected network)" if st.get("fully_connected") else s
    if "chain" in st:
        ch = st["chain"]
        noun = _shape_noun(groups, shapes)
        way = {"down": "top to bottom", "up": "bottom to top", "right": "left to right", "left": "right to left"}
        d = ch["direction"]
        adj = {"down": "downward", "up": "upward", "right": "rightward", "left": "leftward"}[d]
        link = f"joined by {adj} arrows" if ch["arrows"] == "forward" else "joined by lines" \
            if ch["arrows"] == "none" else "joined by lines and arrows"
        s = f"{_plural(len(ch['order']), noun)} {way[d]} {link}"
        if "feedback" in ch:
            a, b = ch["feedback"]
            s += f", and a connection back from {noun} {a + 1} to {noun} {b + 1}"
        return s
    if "tree" in st:
        t = st["tree"]
        noun = _shape_noun(groups, shapes)
        levels = ", ".join(str(x) for x in t["levels"])
        return (f"a tree of {_plural(t['nodes'], noun)} in {len(t['levels'])} levels ({levels} from the top), "
                f"each joined by {joined} to its parent above")
    if "venn" in st:
        return f"{_plural(st['venn'], 'overlapping circle')} (a Venn diagram)"
    if shapes:
        n_conn = int(st.get("n_connections", 0))
        return f"a diagram of {_plural(len(shapes), _shape_noun(groups, shapes))}" + \
            (f" with {n_conn} connections" if n_conn else "")
    kinds = sorted({g.kind for g in groups})
    return "a drawing of " + ", ".join(kinds)


def describe_diagram(groups: Sequence[StrokeGroup], st: dict[str, Any], connections: Sequence[Any],
                     inside: Sequence[tuple[int, int]], figure_size: tuple[int, int], max_parts: int = 60) -> str:
    """A blank-pad sketch as a diagram: one summary sentence, the parts (numbered) and their connections."""
    w, h = figure_size
    names = {"circle": "circle", "rectangle": "box", "line": "line", "arrow": "arrow", "axes": "x and y axes",
             "text_mark": "handwritten label (content not read)", "freehand": "free curve"}
    label_of = {i: o for i, o in inside if groups[i].kind == "text_mark"}
    labels: dict[int, list[int]] = {}
    for i, o in label_of.items():
        labels.setdefault(o, []).append(i)
    head = (f"The user sketched a figure on a blank pad; normalised to the {w}×{h} canvas (origin top-left) it is "
            f"{_summary(groups, st)}.")
    lines = [head, "Parts:"]
    for i, g in enumerate(groups):
        if i == max_parts:
            lines.append(f"… and {len(groups) - max_parts} more parts.")
            break
        x0, y0, x1, y1 = g.bbox
        if g.kind in ("circle", "rectangle"):
            noun = "circle" if g.kind == "circle" and 0.83 <= (x1 - x0) / max(y1 - y0, 1) <= 1.2 else \
                "ellipse" if g.kind == "circle" else "box"
            s = f"{noun} centred at {_pt(g.center)}, {int(x1 - x0)}×{int(y1 - y0)} px"
            if i in labels:
                s += f", with a handwritten label inside ({', '.join(str(j + 1) for j in labels[i])})"
        elif g.kind in ("line", "arrow"):
            s = f"{names[g.kind]} from {_pt(g.tail)} to {_pt(g.head)}"
            if len(g.points) > 2 and g.kind == "line":
                s = "polyline through " + ", ".join(_pt(p) for p in g.points)
        elif g.kind == "axes":
            s = f"x and y axes, box ({int(x0)}, {int(y0)})–({int(x1)}, {int(y1)})"
        elif g.kind == "freehand":
            s = _curve_phrase(g)
        else:
            s = f"{names[g.kind]} at {_pt(g.center)}"
            if i in label_of:
                s += f", inside part {label_of[i] + 1}"
        lines.append(f"{i + 1}. {s}.")
    if connections:
        lines.append("Connections:")
        for c in connections:
            how = "arrow" if c.directed else groups[c.via].kind
            arrow = "→" if c.directed else "—"
            lines.append(f"- part {c.a + 1} {arrow} part {c.b + 1} ({how}, part {c.via + 1})")
    return "\n".join(lines)
