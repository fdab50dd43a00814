"""The one exception type a user of model/ needs to catch."""

__all__ = ["ModelError"]


class ModelError(RuntimeError):
    """A model could not be loaded or asked; the message says what to do about it."""
