"""Background tasks stop even when a library swallowed their first cancellation."""

from __future__ import annotations

import asyncio

from studio.tasks import cancel_and_wait


async def test_a_task_that_swallows_a_cancellation_is_cancelled_again():
    cancels_seen = 0

    async def swallows_the_first_cancel() -> None:
        nonlocal cancels_seen
        while True:
            try:
                await asyncio.sleep(3600)
            except asyncio.CancelledError:
                cancels_seen += 1
                if cancels_seen > 1:
                    raise
                asyncio.current_task().uncancel()  # as a racing inner timeout does

    task = asyncio.create_task(swallows_the_first_cancel())
    await asyncio.sleep(0)
    await asyncio.wait_for(cancel_and_wait(task), 10)
    assert task.cancelled() and cancels_seen == 2


async def test_a_plain_task_is_cancelled_once_and_none_is_a_no_op():
    task = asyncio.create_task(asyncio.sleep(3600))
    await asyncio.sleep(0)
    await cancel_and_wait(task)
    assert task.cancelled()
    await cancel_and_wait(None)
