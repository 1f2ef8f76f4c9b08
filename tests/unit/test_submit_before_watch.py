"""A job is watched only once the queue has it: a watcher tick that ran while the first
submission was still on its way found the job missing from the queue and submitted it a
second time, from a record read before the first one was settled (seen in
``bench/scale_sim.py`` when the bot was paused mid-request: a result never posted)."""

from __future__ import annotations

import asyncio

from app.runtime import Runtime
from studio.requester import Requester
from studio.studio import ImagineOptions

ALICE = Requester(1, "alice")


async def test_a_tick_during_the_first_submission_does_not_submit_the_job_again(settings):
    runtime = await Runtime.start(settings)  # the watcher is not ticking: the test ticks it
    try:
        queue = runtime.queue
        submit = queue.submit
        submitted: list[str] = []
        entered, release = asyncio.Event(), asyncio.Event()

        async def slow_first_submit(job):
            submitted.append(job.id)
            if len(submitted) == 1:  # the first submission is still on its way
                entered.set()
                await release.wait()
            await submit(job)

        queue.submit = slow_first_submit
        request = asyncio.create_task(
            runtime.studio.imagine(ALICE, "owls", ImagineOptions(count=1))
        )
        await asyncio.wait_for(entered.wait(), 10)
        await runtime.watcher.tick()  # meanwhile, as the watcher's own task would
        release.set()
        handle = await asyncio.wait_for(request, 10)
        await runtime.watcher.tick()
        assert submitted == [handle.job_id]  # once
        assert list(await queue.statuses([handle.job_id])) == [handle.job_id]
    finally:
        await runtime.stop()
