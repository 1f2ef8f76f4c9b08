"""Stopping background tasks that must stop."""

from __future__ import annotations

import asyncio
import contextlib

RECANCEL_SECONDS = 1.0


async def cancel_and_wait(task: asyncio.Task | None) -> None:
    """Cancel ``task`` and wait until it has ended, cancelling again while it runs on.

    On Python 3.11 a cancellation that lands just as an inner timeout fires can be
    swallowed (seen in redis-py's pub/sub read under load): the task goes on as if never
    cancelled, and a single ``cancel(); await task`` would wait forever.
    """
    if task is None:
        return
    while not task.done():
        task.cancel()
        await asyncio.wait({task}, timeout=RECANCEL_SECONDS)
    with contextlib.suppress(asyncio.CancelledError):
        task.result()
