"""Saved cache states of prompt prefixes that come back: the worked examples before a first figure.

A worked example puts 400–700 tokens before the request, and on a 2-core CPU their prefill costs more than the
rest of the prompt (≈ 15 s for the 0.5B, ≈ 60 s for the 1.5B). The keys and values of a prefix depend only on its
tokens, the weights and the adapter, so the state of sequence 0 after the prefix is saved once and restored the
next time a prompt starts with it. States are kept in memory (newest first, within a byte budget) and, when a
directory is given, on disk, so they outlive the process; the disk copy is pruned oldest first to its own budget.
A state is only ever restored for exactly the tokens it was saved for, under the same model file, adapter file and
llama.cpp version (all part of its key).
"""

from __future__ import annotations

import hashlib
import logging
import os
import struct
import tempfile
from collections import OrderedDict
from pathlib import Path

__all__ = ["PrefixStates"]

log = logging.getLogger(__name__)

_MAGIC = b"FIGKV1\n"


def _file_identity(path: str | None) -> str:
    """Path, size and modification time of a file ('' for none): a changed file gets new keys."""
    if not path:
        return ""
    try:
        st = os.stat(path)
    except OSError:
        return path
    return f"{os.path.abspath(path)}:{st.st_size}:{st.st_mtime_ns}"


class PrefixStates:
    """Cache states keyed by (model, adapter, prefix tokens), in memory and optionally on disk."""

    def __init__(self, *, model_path: str, runtime: str, max_bytes: int = 256 << 20,
                 directory: Path | None = None, max_disk_bytes: int = 2 << 30) -> None:
        """runtime: what else the state depends on (the llama.cpp version, the cache's number types)."""
        self._base = f"{_file_identity(model_path)}|{runtime}"
        self.max_bytes = int(max_bytes)
        self.directory = Path(directory) if directory else None
        self.max_disk_bytes = int(max_disk_bytes)
        self._memory: OrderedDict[str, bytes] = OrderedDict()
        self._used = 0

    def key(self, tokens: list[int], adapter_path: str | None) -> str:
        """The key of a prefix under an adapter (None: the base model)."""
        h = hashlib.sha256(f"{self._base}|{_file_identity(adapter_path)}|".encode())
        h.update(struct.pack(f"<{len(tokens)}i", *tokens))
        return h.hexdigest()

    def get(self, key: str) -> bytes | None:
        """The saved state for a key, from memory or disk, or None."""
        data = self._memory.get(key)
        if data is not None:
            self._memory.move_to_end(key)
            return data
        path = self._path(key)
        if path is None or not path.is_file():
            return None
        try:
            raw = path.read_bytes()
            os.utime(path)  # recently used: pruned last
        except OSError as exc:
            log.warning("Could not read the saved prompt state %s: %s", path, exc)
            return None
        if not raw.startswith(_MAGIC):
            log.warning("Ignoring %s: not a saved prompt state", path)
            return None
        data = raw[len(_MAGIC):]
        self._keep(key, data)
        return data

    def has(self, key: str) -> bool:
        """True when a state for the key is saved (in memory or on disk)."""
        path = self._path(key)
        return key in self._memory or (path is not None and path.is_file())

    def put(self, key: str, data: bytes) -> None:
        """Save a state in memory and, when there is a directory, on disk."""
        self._keep(key, data)
        path = self._path(key)
        if path is None or path.exists():
            return
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=path.parent, delete=False, suffix=".part") as tmp:
                tmp.write(_MAGIC)
                tmp.write(data)
            os.replace(tmp.name, path)  # readers never see half a file
            self._prune_disk()
        except OSError as exc:  # a full or read-only disk only costs the next process a prefill
            log.warning("Could not save a prompt state under %s: %s", path.parent, exc)

    def __len__(self) -> int:
        return len(self._memory)

    def _keep(self, key: str, data: bytes) -> None:
        if len(data) > self.max_bytes:
            return
        old = self._memory.pop(key, None)
        if old is not None:
            self._used -= len(old)
        self._memory[key] = data
        self._used += len(data)
        while self._used > self.max_bytes:
            _, dropped = self._memory.popitem(last=False)
            self._used -= len(dropped)

    def _path(self, key: str) -> Path | None:
        return self.directory / f"{key}.kv" if self.directory else None

    def _prune_disk(self) -> None:
        """Delete the least recently used saved states beyond the disk budget."""
        assert self.directory is not None
        files = []
        for p in self.directory.glob("*.kv"):
            try:
                st = p.stat()
            except OSError:
                continue
            files.append((st.st_mtime, st.st_size, p))
        total = sum(size for _, size, _ in files)
        for _, size, p in sorted(files):
            if total <= self.max_disk_bytes:
                break
            try:
                p.unlink()
                total -= size
            except OSError:
                pass
