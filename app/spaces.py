"""ZeroGPU awareness: wrap GPU work in `spaces.GPU` only on a ZeroGPU Space; elsewhere change nothing."""
from __future__ import annotations

import functools
import logging
import os
from collections.abc import Callable
from typing import Any, TypeVar

__all__ = ["on_zero_gpu", "gpu"]

log = logging.getLogger(__name__)
F = TypeVar("F", bound=Callable[..., Any])


def on_zero_gpu() -> bool:
    """True on a Hugging Face ZeroGPU Space with the `spaces` package installed."""
    if os.environ.get("SPACES_ZERO_GPU", "").lower() not in ("1", "true"):
        return False
    try:
        import spaces  # noqa: F401
    except ImportError:
        return False
    return True


def gpu(duration: int = 60) -> Callable[[F], F]:
    """`@spaces.GPU(duration=…)` on ZeroGPU, otherwise the function unchanged."""

    def wrap(fn: F) -> F:
        if not on_zero_gpu():
            return fn
        import spaces

        log.info("ZeroGPU: %s runs under spaces.GPU(duration=%s)", fn.__name__, duration)
        return functools.wraps(fn)(spaces.GPU(duration=duration)(fn))

    return wrap
