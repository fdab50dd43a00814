"""Worked examples: a library of short, checked p5.js programs, and retrieval of the ones closest to a request."""

from model.examples.library import LIBRARY_DIR, Example, load_library, parse_example
from model.examples.retrieval import ExampleIndex, default_index, retrieve, terms

__all__ = ["Example", "ExampleIndex", "LIBRARY_DIR", "default_index", "load_library", "parse_example", "retrieve",
           "terms"]
