"""Wake-ups between processes on one machine, so the SQLite queue need not poll fast.

Each listener binds a UNIX datagram socket named after its topic; ringing sends one byte
to every socket of a topic. A lost ring costs nothing but latency: listeners still poll
at their fallback interval, so correctness never depends on the bell.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import socket
import tempfile
from pathlib import Path


def bell_folder(key: str) -> Path:
    """A short folder per database (socket paths are limited to 107 bytes)."""
    digest = hashlib.sha1(key.encode()).hexdigest()[:12]
    return Path(tempfile.gettempdir()) / f"imagine-bells-{digest}"


class Doorbell:
    def __init__(self, key: str) -> None:
        self.folder = bell_folder(key)
        self._listeners: dict[str, socket.socket] = {}
        self._sender = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self._sender.setblocking(False)

    def ring(self, topic: str) -> None:
        """Wake every listener of ``topic``; stale sockets of dead processes are removed."""
        for path in self.folder.glob(f"{topic}.*.sock"):
            try:
                self._sender.sendto(b"!", str(path))
            except (ConnectionRefusedError, FileNotFoundError):
                with contextlib.suppress(FileNotFoundError):
                    path.unlink()
            except (BlockingIOError, OSError):
                pass  # its buffer is full: it has wake-ups pending already

    async def wait(self, topic: str, timeout: float) -> None:
        """Return on a ring of ``topic`` or after ``timeout`` seconds, whichever is first."""
        listener = self._listener(topic)
        loop = asyncio.get_running_loop()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(loop.sock_recv(listener, 64), timeout)
        with contextlib.suppress(BlockingIOError, InterruptedError):
            while listener.recv(64):  # several rings, one wake-up
                pass

    def _listener(self, topic: str) -> socket.socket:
        if topic not in self._listeners:
            self.folder.mkdir(mode=0o700, exist_ok=True)
            path = self.folder / f"{topic}.{os.getpid()}.{id(self)}.sock"
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
            sock.bind(str(path))
            sock.setblocking(False)
            self._listeners[topic] = sock
        return self._listeners[topic]

    def close(self) -> None:
        for sock in self._listeners.values():
            path = sock.getsockname()
            sock.close()
            with contextlib.suppress(FileNotFoundError, TypeError):
                Path(path).unlink()
        self._listeners.clear()
        self._sender.close()
        with contextlib.suppress(OSError):
            self.folder.rmdir()  # only when no other process listens here
