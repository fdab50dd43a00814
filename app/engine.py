"""What all sessions share: the generator (loaded once), the headless renderer and the optional CLIP scorer."""
from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from typing import Any

from app.limits import Limits

__all__ = ["Engine", "GeneratorFactory", "default_generator_factory"]

log = logging.getLogger(__name__)

# (model name or None for the default model, adapter path or None) -> a model/ Generator
GeneratorFactory = Callable[[str | None, str | None], Any]


def default_generator_factory(model: str | None, adapter: str | None) -> Any:
    """Load a generator through model/; None takes the model (and adapter choice) of model/defaults.py."""
    from model import load
    from model.defaults import DEFAULTS

    return load(model or DEFAULTS.preset, adapter=adapter if adapter else DEFAULTS.adapter_arg())


class Engine:
    """What all sessions share: the generator (loaded once, lazily), the renderer and the CLIP scorer."""

    def __init__(self, generator_factory: GeneratorFactory = default_generator_factory,
                 model: str | None = None, adapter: str | None = None, render_timeout_s: float = 10.0,
                 use_clip: bool = True, max_upload_mb: float = 8.0, limits: Limits | None = None):
        self._factory = generator_factory
        self.limits = limits or Limits()  # size and abuse limits every handler applies
        self.model_name = model
        self.adapter_path = adapter
        self.render_timeout_s = render_timeout_s
        self.max_upload_mb = max_upload_mb
        self._use_clip = use_clip
        self._clip: Any = None
        self._gen: Any = None
        self._lock = threading.RLock()
        self._stops: dict[str, threading.Event] = {}

    # Model
    def generator(self) -> Any:
        """The generator, loaded on first use (model/ raises ModelError with a clear message)."""
        with self._lock:
            if self._gen is None:
                log.info("loading model %s (adapter %s)", self.model_name or "embedded default", self.adapter_path)
                self._gen = self._factory(self.model_name, self.adapter_path)
            return self._gen

    @property
    def loaded(self) -> bool:
        """True once a generator is loaded."""
        return self._gen is not None

    def switch(self, model: str | None, adapter: str | None) -> Any:
        """Load another model/adapter; on failure the current one stays in use."""
        gen = self._factory(model, adapter)
        with self._lock:
            self._gen, self.model_name, self.adapter_path = gen, model, adapter
        return gen

    def set_adapter(self, name: str) -> None:
        """Activate one of the loaded adapters by name."""
        self.generator().set_adapter(name)

    def describe(self) -> str:
        """'model (+ adapter)' of the loaded generator, or what will load."""
        if self._gen is None:
            return f"{self.model_name or 'embedded default'} (not loaded yet)"
        adapter = getattr(self._gen, "adapter", None)
        return f"{self._gen.name}" + (f" + {adapter}" if adapter else "")

    # Stop
    def stop_event(self, sid: str) -> threading.Event:
        """A fresh stop event for a session's next generation."""
        ev = threading.Event()
        self._stops[sid] = ev
        return ev

    def stop(self, sid: str) -> None:
        """Ask the session's running generation to stop."""
        ev = self._stops.get(sid)
        if ev is not None:
            ev.set()

    # Rendering
    def render(self, code: str, lang: str) -> Any:
        """Render one program in the headless renderer (render/'s pool)."""
        from render import render

        return render(code, lang=lang, timeout_s=self.render_timeout_s)

    def render_many(self, codes: Sequence[str], lang: str) -> list[Any]:
        """Render several programs concurrently, same order."""
        from render import render_many

        return render_many(list(codes), lang=lang, timeout_s=self.render_timeout_s)

    # Scoring
    def clip_scores(self, text: str, images: Sequence[Any]) -> list[float] | None:
        """CLIP text-image cosine per image, or None when no CLIP model can be loaded."""
        if not self._use_clip or not images:
            return None
        try:
            from eval.clip import ClipUnavailable, get_encoder
        except ImportError:
            self._use_clip = False
            return None
        try:
            enc = self._clip or get_encoder()
            enc.load()
            self._clip = enc
            t = enc.embed_texts([text])
            ims = enc.embed_images(list(images))
            return [float(x) for x in (ims @ t.T).reshape(-1).tolist()]
        except (ClipUnavailable, OSError, ValueError) as e:
            log.info("CLIP unavailable, ranking by log-probability: %s", e)
            self._use_clip = False
            return None
