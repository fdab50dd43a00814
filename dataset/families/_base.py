"""Shared pieces of the procedural figure families: the Family interface, colours, JS formatting, trace helpers."""
from __future__ import annotations

import json
import random
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any, Iterable, Sequence

__all__ = [
    "Edit", "Family", "Raw", "PALETTE", "CANVASES", "js", "const_lines", "p5_program", "pick_color", "calls",
    "texts", "ARROW_FN", "expect_count", "expect_texts", "color_en", "color_ja", "copy_params", "hex_of", "color_iro",
    "ORDINALS_EN", "ORDINALS_JA", "toggle_edit",
]

# Named colours with their English and Japanese names; edits such as 「出力ノードを赤くして」 pick from these.
PALETTE: dict[str, tuple[str, str]] = {
    "red": ("#d62728", "赤"),
    "blue": ("#1f77b4", "青"),
    "green": ("#2ca02c", "緑"),
    "orange": ("#ff7f0e", "オレンジ"),
    "purple": ("#9467bd", "紫"),
    "gray": ("#7f7f7f", "灰色"),
    "teal": ("#17becf", "水色"),
    "pink": ("#e377c2", "ピンク"),
    "brown": ("#8c564b", "茶色"),
    "black": ("#222222", "黒"),
}
_HEX_TO_NAME = {hex_: name for name, (hex_, _) in PALETTE.items()}

# Canvas sizes used across families (width, height).
CANVASES: list[tuple[int, int]] = [(400, 300), (480, 320), (500, 350), (400, 400), (600, 400), (520, 360)]

# Arrow helper shared by the diagram families; expects a constant ARROW_SIZE in the program.
ARROW_FN = """function drawArrow(x1, y1, x2, y2) {
  line(x1, y1, x2, y2);
  const angle = atan2(y2 - y1, x2 - x1);
  push();
  translate(x2, y2);
  rotate(angle);
  triangle(0, 0, -ARROW_SIZE, -ARROW_SIZE / 2, -ARROW_SIZE, ARROW_SIZE / 2);
  pop();
}"""

# Ordinals used in instructions that name a layer or stage ("the second layer", 「2つ目」).
ORDINALS_EN = ["first", "second", "third", "fourth"]
ORDINALS_JA = ["1つ目", "2つ目", "3つ目", "4つ目"]


@dataclass(frozen=True)
class Edit:
    """A parameter change together with the instruction that asks for it, in English and Japanese."""

    params: dict
    en: str
    ja: str


def copy_params(p: dict) -> dict:
    """Deep copy of a JSON-like parameter dict (edits must never mutate the original)."""
    return json.loads(json.dumps(p))


class Raw(str):
    """A JavaScript expression written into a program as it is (e.g. an arrow function)."""


def js(value: Any) -> str:
    """JavaScript literal for a JSON-like value (strings double-quoted, lists with spaces)."""
    if isinstance(value, Raw):
        return str(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(round(value, 3))
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k}: {js(v)}" for k, v in value.items()) + " }"
    if isinstance(value, (list, tuple)):
        if value and all(isinstance(v, dict) for v in value):
            # One record per line reads better than one long line.
            return "[\n" + "".join(f"  {js(v)},\n" for v in value) + "]"
        return "[" + ", ".join(js(v) for v in value) + "]"
    return json.dumps(value, ensure_ascii=False)


def const_lines(consts: Sequence[tuple[str, Any]]) -> list[str]:
    """`const NAME = value;` lines for the named constants at the top of a program."""
    return [f"const {name} = {js(value)};" for name, value in consts]


def p5_program(header: str, consts: Sequence[tuple[str, Any]], body: str, helpers: Iterable[str] = ()) -> str:
    """A global-mode p5.js program: header comment, constants, setup() with noLoop(), helpers and draw()."""
    parts = [f"// {header}", *const_lines(consts), "", "function setup() {", "  createCanvas(W, H);",
             "  noLoop();", "}", ""]
    for helper in helpers:
        parts += [helper.strip("\n"), ""]
    parts.append(body.strip("\n"))
    return "\n".join(parts) + "\n"


def pick_color(rng: random.Random, exclude: Iterable[str] = ()) -> str:
    """A random palette colour name, avoiding the given names."""
    names = [n for n in PALETTE if n not in set(exclude) and n != "black"]
    return rng.choice(names)


def color_en(name: str) -> str:
    """English colour name."""
    return name


def color_ja(name: str) -> str:
    """Japanese colour name."""
    return PALETTE[name][1]


def color_iro(name: str) -> str:
    """Japanese colour noun ending in 色 (「赤色」, but 「水色」 not 「水色色」)."""
    ja = PALETTE[name][1]
    return ja if ja.endswith("色") else ja + "色"


def hex_of(name: str) -> str:
    """Hex code of a palette colour."""
    return PALETTE[name][0]


def calls(trace: Sequence[Any], *fns: str) -> list[Any]:
    """Draw calls whose function name is one of `fns`."""
    return [c for c in trace if c.fn in fns]


def texts(trace: Sequence[Any]) -> list[str]:
    """Strings drawn with text(), in order."""
    out = []
    for c in trace:
        if c.fn == "text":
            out.append(str(c.text if c.text is not None else (c.args[0] if c.args else "")))
    return out


def expect_count(problems: list[str], what: str, got: int, want: int) -> None:
    """Record a problem when a count in the trace differs from the parameters."""
    if got != want:
        problems.append(f"{what}: trace has {got}, parameters say {want}")


def expect_texts(problems: list[str], trace: Sequence[Any], wanted: Iterable[str]) -> None:
    """Record a problem for every wanted label that no text() call drew."""
    drawn = texts(trace)
    for w in wanted:
        if not any(w in t for t in drawn):
            problems.append(f"label {w!r} not drawn (texts: {drawn[:12]})")


class Family(ABC):
    """A generator of one kind of figure with known parameters."""

    name: str = ""

    @abstractmethod
    def sample(self, rng: random.Random) -> dict:
        """Random parameters (JSON-serialisable)."""

    @abstractmethod
    def code(self, p: dict) -> str:
        """The p5.js program for these parameters."""

    @abstractmethod
    def caption(self, p: dict) -> tuple[str, str]:
        """(English caption, Japanese caption)."""

    @abstractmethod
    def instructions(self, p: dict) -> tuple[list[str], list[str]]:
        """(English phrasings, Japanese phrasings) of a request for this figure."""

    @abstractmethod
    def edits(self, p: dict, rng: random.Random) -> list[Edit]:
        """Possible parameter changes from `p`, each with its instruction."""

    @abstractmethod
    def check(self, p: dict, trace: Sequence[Any]) -> list[str]:
        """Problems found comparing a render's draw trace with the parameters ([] when it matches)."""


def toggle_edit(p: dict, key: str, en: tuple[str, str], ja: tuple[str, str]) -> "Edit":
    """An edit that flips the boolean parameter `key`; en/ja are the (turn on, turn off) instructions."""
    q = copy_params(p)
    q[key] = not p[key]
    return Edit(q, en[0] if q[key] else en[1], ja[0] if q[key] else ja[1])
