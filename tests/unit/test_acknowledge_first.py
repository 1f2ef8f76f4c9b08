"""A flood of commands: every one is acknowledged before any does its later work
(app/discord/acknowledging.py), so none misses Discord's 3 seconds behind the others'."""

from __future__ import annotations

import asyncio

from app.discord.acknowledging import AcknowledgeFirst


async def _flood(acks: AcknowledgeFirst, size: int) -> list[str]:
    """``size`` commands started together, each acknowledged one loop turn after the
    one before it (as each waits for its own reads), then doing its work."""
    order: list[str] = []
    turns = [asyncio.Event() for _ in range(size)]

    async def command(number: int) -> None:
        with acks.acknowledging():
            await turns[number].wait()
            order.append(f"ack {number}")
        await acks.after_others()
        order.append(f"work {number}")

    tasks = [asyncio.create_task(command(n)) for n in range(size)]
    await asyncio.sleep(0)  # every command on its way to its acknowledgement
    for turn in turns:
        turn.set()
        for _ in range(3):  # the acknowledged command may now run ahead, if it is let
            await asyncio.sleep(0)
    await asyncio.gather(*tasks)
    return order


async def test_every_command_is_acknowledged_before_any_does_its_work():
    order = await _flood(AcknowledgeFirst(), 3)
    assert order[:3] == ["ack 0", "ack 1", "ack 2"]
    assert sorted(order[3:]) == ["work 0", "work 1", "work 2"]


async def test_without_the_wait_the_work_runs_between_acknowledgements():
    """The control: with no wait (a stream that never ends), each command runs ahead."""
    order = await _flood(AcknowledgeFirst(max_wait=0), 3)
    assert order == ["ack 0", "work 0", "ack 1", "work 1", "ack 2", "work 2"]


async def test_work_goes_on_at_once_when_nothing_waits_and_the_count_is_kept():
    acks = AcknowledgeFirst()
    await acks.after_others()  # nothing waits: returns at once
    try:
        with acks.acknowledging():
            assert acks.waiting == 1
            raise RuntimeError("the defer failed")
    except RuntimeError:
        pass
    assert acks.waiting == 0  # a failed acknowledgement does not hold the others' work
    await asyncio.wait_for(acks.after_others(), timeout=1)
