"""studio/recent.py: rows every request reads, kept for a moment and forgotten at a change."""

from __future__ import annotations

import asyncio

from studio.recent import Recent


async def test_a_value_is_read_once_then_kept_until_it_is_forgotten():
    reads: list[str] = []

    async def read() -> str:
        reads.append("read")
        return f"value {len(reads)}"

    kept: Recent[int, str] = Recent()
    assert await kept.get(1, read) == await kept.get(1, read) == "value 1"
    kept.forget(1)
    assert await kept.get(1, read) == "value 2" and len(reads) == 2


async def test_a_read_overtaken_by_a_change_is_not_kept():
    """A change lands while a read is on its way: the old value it brings is answered to
    its caller but not kept, or it would be served for the whole memory's time."""
    kept: Recent[int, str] = Recent()
    value = "old"
    reading = asyncio.Event()
    go_on = asyncio.Event()

    async def slow_read() -> str:
        seen = value
        reading.set()
        await go_on.wait()
        return seen

    async def read() -> str:
        return value

    pending = asyncio.create_task(kept.get(1, slow_read))
    await reading.wait()
    value = "new"
    kept.clear()  # the change, told by this process or the settings bell
    go_on.set()
    assert await pending == "old"
    assert await kept.get(1, read) == "new"


async def test_a_value_expires_and_the_memory_is_bounded(monkeypatch):
    now = [100.0]
    monkeypatch.setattr("studio.recent.time.monotonic", lambda: now[0])
    kept: Recent[int, int] = Recent(seconds=10, limit=2)
    calls = {"n": 0}

    async def read() -> int:
        calls["n"] += 1
        return calls["n"]

    assert await kept.get(1, read) == 1
    now[0] += 11
    assert await kept.get(1, read) == 2  # expired: read again
    await kept.get(2, read)
    await kept.get(3, read)  # over the limit: everything else forgotten
    assert await kept.get(1, read) == 5
