"""Claiming a batch: only jobs that can share a pipeline call, within the image budget.

Run against both backends (SQLite and a real redis-server), as the queue contract is.
"""

import asyncio

from data.jobs import Job, JobKind, JobState
from data.queue import Claim, JobQueue
from data.sqlite_queue import SqliteQueue
from data.store import Store
from tests.conftest import OpenQueue


def make_job(job_id: str, kind: JobKind = JobKind.GENERATE, **fields) -> Job:
    values = dict(
        id=job_id, kind=kind, prompt=job_id, seed=1, n=4, width=64, height=64, steps=2, guidance=0
    )
    values.update(fields)
    return Job(**values)


async def submit_all(queue: JobQueue, *jobs: Job) -> None:
    for job in jobs:
        await queue.submit(job)
        await asyncio.sleep(0.001)  # distinct enqueue times: a defined order


def ids(claims: list[Claim]) -> list[str]:
    return [claim.job.id for claim in claims]


async def test_a_batch_takes_only_compatible_jobs_oldest_first(queues: OpenQueue):
    queue = await queues()
    await submit_all(
        queue,
        make_job("first"),
        make_job("wider", width=96),
        make_job("vary", JobKind.VARY, init_image=b"x"),
        make_job("more-steps", steps=3),
        make_job("guided", guidance=7.5),
        make_job("stronger", strength=0.9),
        make_job("mate", prompt="something else", seed=9, n=2, negative_prompt="blur"),
        make_job("mate2", n=1),
    )
    claims = await queue.claim_batch("w", 30, max_images=16)
    assert ids(claims) == ["first", "mate", "mate2"]
    assert all(claim.attempt == 1 for claim in claims)
    statuses = await queue.statuses(["first", "mate", "mate2", "wider"])
    assert {statuses[j].state for j in ("first", "mate", "mate2")} == {JobState.RUNNING}
    assert statuses["wider"].state is JobState.QUEUED and statuses["wider"].ahead == 3
    # The next batch starts with the oldest job left, alone since nothing matches it.
    assert ids(await queue.claim_batch("w", 30, max_images=16)) == ["wider"]


async def test_the_image_budget_is_kept_and_a_big_first_job_comes_alone(queues: OpenQueue):
    queue = await queues()
    await submit_all(queue, make_job("eight", n=8), *(make_job(f"j{i}", n=3) for i in range(4)))
    assert ids(await queue.claim_batch("w", 30, max_images=4)) == ["eight"]
    # 3 + 3 fit in 7; a third job of 3 would not (its running sum is 9).
    assert ids(await queue.claim_batch("w", 30, max_images=7)) == ["j0", "j1"]
    assert ids(await queue.claim_batch("w", 30, max_images=3)) == ["j2"]


async def test_topping_up_takes_only_queued_jobs_like_the_batch(queues: OpenQueue):
    queue = await queues()
    await submit_all(queue, make_job("first"))
    batch = await queue.claim_batch("w", 30, max_images=16)
    assert ids(batch) == ["first"]
    like = batch[0].job
    assert await queue.claim_batch("w", 30, max_images=12, like=like) == []
    await submit_all(queue, make_job("other", width=96), make_job("late"), make_job("later"))
    assert ids(await queue.claim_batch("w", 30, max_images=4, like=like)) == ["late"]
    assert ids(await queue.claim_batch("w2", 30, max_images=16)) == ["other"]
    assert (await queue.statuses(["later"]))["later"].state is JobState.QUEUED


async def test_two_workers_claiming_batches_never_share_a_job(queues: OpenQueue):
    jobs = [make_job(f"j{i:03}", n=1 + i % 4, width=64 + 32 * (i % 2)) for i in range(60)]
    await submit_all(await queues(), *jobs)
    workers = {"w1": await queues(), "w2": await queues()}
    claimed: dict[str, list[Job]] = {"w1": [], "w2": []}

    async def drain(worker: str) -> None:
        while batch := await workers[worker].claim_batch(worker, 30, max_images=8):
            assert len({claim.job.batch_key() for claim in batch}) == 1
            assert len(batch) == 1 or sum(claim.job.n for claim in batch) <= 8
            claimed[worker] += [claim.job for claim in batch]
            await asyncio.sleep(0)

    await asyncio.gather(drain("w1"), drain("w2"))
    everything = [job.id for job in claimed["w1"] + claimed["w2"]]
    assert sorted(everything) == sorted(job.id for job in jobs)
    assert len(set(everything)) == len(everything)


async def test_the_default_claim_batch_of_any_backend_claims_one_job(store: Store):
    class OneByOne(SqliteQueue):
        claim_like = JobQueue.claim_like  # what a backend without batching inherits

    queue = OneByOne(store)
    await submit_all(queue, make_job("a"), make_job("b"))
    batch = await queue.claim_batch("w", 30, max_images=16)
    assert ids(batch) == ["a"]
    assert await queue.claim_batch("w", 30, max_images=16, like=batch[0].job) == []


async def test_batch_mates_follow_the_fair_order_not_arrival(queues: OpenQueue):
    """A batch tops up with the jobs claim() would serve next: users take turns."""
    queue = await queues()
    await submit_all(
        queue,
        *(make_job(f"greedy{i}", user_id=1, n=1) for i in range(4)),
        make_job("polite", user_id=2, n=1),
    )
    batch = await queue.claim_batch("w", 30, max_images=3)
    assert ids(batch) == ["greedy0", "polite", "greedy1"]
    statuses = await queue.statuses(["greedy2", "greedy3"])
    assert [statuses[job].ahead for job in ("greedy2", "greedy3")] == [3, 4]


async def test_a_reclaimed_job_batches_with_waiting_mates(queues: OpenQueue):
    queue = await queues()
    await submit_all(queue, make_job("lost", n=1))
    assert ids(await queue.claim_batch("dead-worker", 0.05, max_images=1)) == ["lost"]
    await submit_all(queue, make_job("new", n=1))
    await asyncio.sleep(0.1)  # the dead worker's lease runs out
    batch = await queue.claim_batch("w", 30, max_images=4)
    assert ids(batch) == ["lost", "new"]
    assert [claim.attempt for claim in batch] == [2, 1]
    assert not await queue.heartbeat("lost", "dead-worker", 1, 2, 30)
