"""Helpers for the render tests: a TCP listener that must stay silent, and pixel probes."""
from __future__ import annotations

import socket
import threading

import numpy as np


class SilentListener:
    """A TCP server on 127.0.0.1 that records every connection it accepts (a blocked renderer makes none)."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.port: int = self.sock.getsockname()[1]
        self.connections: list[bytes] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except (socket.timeout, OSError):
                continue
            conn.settimeout(0.5)
            try:
                data = conn.recv(4096)
            except OSError:
                data = b""
            self.connections.append(data or b"<connected>")
            conn.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        self.sock.close()


def pixel(result, x: int, y: int) -> tuple[int, int, int]:
    """RGB of the rendered image at (x, y)."""
    return tuple(int(v) for v in np.asarray(result.image)[y, x])  # type: ignore[return-value]


def near(rgb: tuple[int, int, int], target: tuple[int, int, int], tol: int = 10) -> bool:
    """True when every channel is within tol."""
    return all(abs(a - b) <= tol for a, b in zip(rgb, target))
