"""Acknowledge first: Discord gives an interaction 3 seconds, the work after it has minutes.

A command is acknowledged (deferred) after two short reads, its rate limit and its
member's /settings; the work after that (the content policy, the ledger, the queue) takes
several times longer. When a flood of commands arrives at a bot short of CPU, each
command's task would run its later work in turn with the others' acknowledgements, and
the last ones would miss Discord's 3 seconds: "The application did not respond", no job.
So the work after an acknowledgement waits while other commands still wait for theirs,
up to :data:`MAX_WAIT` seconds (a steady stream must not hold it back for ever).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator

MAX_WAIT = 2.0  # seconds a command's work waits for the others' acknowledgements


class AcknowledgeFirst:
    """Counts the commands on their way to an acknowledgement; work waits for none left."""

    def __init__(self, max_wait: float = MAX_WAIT) -> None:
        self.max_wait = max_wait
        self._waiting = 0
        self._none_waiting = asyncio.Event()
        self._none_waiting.set()

    @property
    def waiting(self) -> int:
        """Commands not yet acknowledged."""
        return self._waiting

    @contextlib.contextmanager
    def acknowledging(self) -> Iterator[None]:
        """Around a command's way to its acknowledgement (refused or deferred)."""
        self._waiting += 1
        self._none_waiting.clear()
        try:
            yield
        finally:
            self._waiting -= 1
            if not self._waiting:
                self._none_waiting.set()

    async def after_others(self) -> None:
        """Return once no other command waits for its acknowledgement, or after
        ``max_wait`` seconds."""
        if self._waiting:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._none_waiting.wait(), self.max_wait)
