import asyncio

from data.jobs import JobState
from data.sqlite_queue import SqliteQueue
from data.store import Store
from tests.unit.test_queue_contract import make_job, make_result


class FakeClock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


async def test_submit_is_idempotent_and_positions_are_true(store: Store):
    queue = SqliteQueue(store)
    for job_id in ("a", "b", "c", "a"):
        await queue.submit(make_job(job_id))
        await asyncio.sleep(0.001)
    statuses = await queue.statuses(["a", "b", "c"])
    assert [statuses[j].ahead for j in "abc"] == [0, 1, 2]
    claim = await queue.claim("w1", lease_seconds=30)
    assert claim.job.id == "a" and claim.attempt == 1
    statuses = await queue.statuses(["a", "b", "c"])
    assert statuses["a"].state is JobState.RUNNING
    assert [statuses[j].ahead for j in "bc"] == [1, 2]  # the running job is ahead of both


async def test_two_workers_never_claim_the_same_job(store: Store):
    await SqliteQueue(store).submit(make_job("x"))
    jobs = [make_job(f"j{i:03}") for i in range(60)]
    for job in jobs:
        await SqliteQueue(store).submit(job)
    # Two separate connections, as two worker processes would have.
    second = await Store.open(store.path)
    queues = {"w1": SqliteQueue(store), "w2": SqliteQueue(second)}
    claimed: dict[str, list[str]] = {"w1": [], "w2": []}

    async def drain(worker: str) -> None:
        while (claim := await queues[worker].claim(worker, 30)) is not None:
            claimed[worker].append(claim.job.id)
            assert await queues[worker].complete(claim.job.id, worker, make_result(claim.job.id))

    await asyncio.gather(drain("w1"), drain("w2"))
    await second.close()
    everything = claimed["w1"] + claimed["w2"]
    assert sorted(everything) == sorted(["x", *(job.id for job in jobs)])
    assert len(set(everything)) == len(everything)


async def test_an_expired_lease_makes_the_job_run_again(store: Store):
    clock = FakeClock()
    queue = SqliteQueue(store, clock=clock)
    await queue.submit(make_job("j"))
    first = await queue.claim("dead-worker", lease_seconds=10)
    assert await queue.claim("w2", lease_seconds=10) is None  # leased
    clock.now += 11
    second = await queue.claim("w2", lease_seconds=10)
    assert second.job.id == "j" and second.attempt == 2
    # The dead worker wakes up: it no longer holds the job and cannot touch it.
    assert not await queue.heartbeat("j", "dead-worker", 1, 2, 10)
    assert not await queue.complete("j", "dead-worker", make_result("j"))
    assert await queue.complete("j", "w2", make_result("j"))
    status = (await queue.statuses(["j"]))["j"]
    assert status.state is JobState.DONE
    assert status.result.images[0].png == make_result("j").images[0].png
    assert first.attempt == 1


async def test_after_max_attempts_the_job_fails(store: Store):
    clock = FakeClock()
    queue = SqliteQueue(store, max_attempts=2, clock=clock)
    await queue.submit(make_job("j"))
    for _ in range(2):
        assert await queue.claim("w", lease_seconds=5) is not None
        clock.now += 6
    assert await queue.claim("w", lease_seconds=5) is None
    status = (await queue.statuses(["j"]))["j"]
    assert status.state is JobState.FAILED
    assert "stopped responding 2 times" in status.error


async def test_heartbeat_reports_progress_and_forget_drops_finished_jobs(store: Store):
    queue = SqliteQueue(store)
    await queue.submit(make_job("j"))
    await queue.claim("w", 30)
    assert await queue.heartbeat("j", "w", 1, 4, 30)
    status = (await queue.statuses(["j"]))["j"]
    assert (status.step, status.total_steps) == (1, 4)
    await queue.forget("j")  # still running: kept
    assert "j" in await queue.statuses(["j"])
    assert await queue.fail("j", "w", "bad input")
    await queue.forget("j")
    assert await queue.statuses(["j"]) == {}
