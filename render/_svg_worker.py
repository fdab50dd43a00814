"""cairosvg worker process: reads (width, height, svg bytes) frames on stdin, writes (status, payload) frames.

Started by render/svg.py as a plain script (not multiprocessing), so that no caller's main module is re-imported.
"""
import struct
import sys

HEADER = struct.Struct("<III")  # width, height, payload length
REPLY = struct.Struct("<BI")  # status (0 ok, 1 error), payload length


def _read_exact(stream, n: int) -> bytes | None:
    buf = b""
    while len(buf) < n:
        chunk = stream.read(n - len(buf))
        if not chunk:
            return None
        buf += chunk
    return buf


def main() -> None:
    """Serve render jobs until stdin closes."""
    import cairosvg

    inp, out = sys.stdin.buffer, sys.stdout.buffer
    while True:
        head = _read_exact(inp, HEADER.size)
        if head is None:
            return
        w, h, n = HEADER.unpack(head)
        data = _read_exact(inp, n) or b""
        try:
            payload = cairosvg.svg2png(bytestring=data, output_width=w, output_height=h, unsafe=False,
                                       background_color="white")
            status = 0
        except Exception as e:  # every cairosvg failure becomes the user's error message
            payload, status = f"{type(e).__name__}: {e}".encode("utf-8", "replace"), 1
        out.write(REPLY.pack(status, len(payload)) + payload)
        out.flush()


if __name__ == "__main__":
    main()
