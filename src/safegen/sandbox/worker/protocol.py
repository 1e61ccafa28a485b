"""Framing: host <-> worker (4-byte length + pickle in, 4-byte length + JSON out) and JSON lines on pipes."""

from __future__ import annotations

import json
import os
import pickle
import struct
from typing import Any

HEADER = struct.Struct(">I")
MAX_MESSAGE = 64 << 20


def read_exact(fd: int, size: int) -> bytes:
    chunks = []
    while size:
        chunk = os.read(fd, min(size, 1 << 20))
        if not chunk:
            raise EOFError
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)


def write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def encode(message: Any) -> bytes:
    """JSON as ASCII; anything JSON cannot hold becomes its repr."""
    return json.dumps(message, ensure_ascii=True, default=repr).encode()


def send(fd: int, message: dict[str, Any]) -> None:
    """One framed message to the host."""
    data = encode(message)
    write_all(fd, HEADER.pack(len(data)) + data)


def recv_job(fd: int) -> dict[str, Any] | None:
    """The host's next job, or None at end of input (or for an oversized one)."""
    try:
        (size,) = HEADER.unpack(read_exact(fd, HEADER.size))
        if size > MAX_MESSAGE:
            return None
        job: dict[str, Any] = pickle.loads(read_exact(fd, size))
        return job
    except EOFError:
        return None


def send_line(fd: int, message: dict[str, Any]) -> None:
    """One JSON line on a pipe between the worker's own processes."""
    write_all(fd, encode(message) + b"\n")


def take_lines(buffer: bytes) -> tuple[list[Any], bytes]:
    """The complete JSON lines in ``buffer``, decoded (malformed ones dropped), and the unfinished rest."""
    *lines, rest = buffer.split(b"\n")
    messages = []
    for line in lines:
        try:
            messages.append(json.loads(line))
        except ValueError:
            continue
    return messages, rest
