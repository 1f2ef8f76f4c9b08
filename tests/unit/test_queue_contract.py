"""The queue contract, run against both backends: SQLite (embedded) and a real redis-server.

Each queue a test opens is its own connection, as separate bot and worker processes have.
Leases are real and short, so expiry is tested on the server's own clock.
"""

from __future__ import annotations

import asyncio

from data.jobs import GeneratedImage, Job, JobKind, JobState, Priority, Result
from data.queue import JobQueue
from tests.conftest import OpenQueue

LEASE = 0.3  # seconds


def make_job(
    job_id: str, user_id: int = 1, priority: Priority = Priority.FREE, model: str = ""
) -> Job:
    return Job(
        id=job_id,
        kind=JobKind.GENERATE,
        model=model,
        user_id=user_id,
        priority=priority,
        prompt="p",
        seed=1,
        n=1,
        width=64,
        height=64,
        steps=2,
        guidance=0,
    )


def make_result(job_id: str) -> Result:
    return Result(
        job_id=job_id,
        model="tiny",
        width=64,
        height=64,
        seconds=0.1,
        images=[GeneratedImage(png=b"\x89PNG" + job_id.encode(), seed=1)],
    )


async def positions(queue: JobQueue, ids: list[str]) -> list[str]:
    """The queued ids in the order their ``ahead`` counts promise."""
    statuses = await queue.statuses(ids)
    queued = [s for s in statuses.values() if s.state is JobState.QUEUED]
    return [s.job_id for s in sorted(queued, key=lambda s: s.ahead)]


async def claim_all(queue: JobQueue, worker: str = "w") -> list[str]:
    order = []
    while (claim := await queue.claim(worker, 30)) is not None:
        order.append(claim.job.id)
    return order


async def test_submit_is_idempotent_and_positions_count_running_jobs(queues: OpenQueue):
    queue = await queues()
    for job_id in ("a", "b", "c", "a"):
        await queue.submit(make_job(job_id))
    statuses = await queue.statuses(["a", "b", "c", "unknown"])
    assert set(statuses) == {"a", "b", "c"}
    assert [statuses[j].ahead for j in "abc"] == [0, 1, 2]
    claim = await queue.claim("w1", lease_seconds=30)
    assert claim.job == make_job("a") and claim.attempt == 1
    statuses = await queue.statuses(["a", "b", "c"])
    assert statuses["a"].state is JobState.RUNNING and statuses["a"].attempts == 1
    assert [statuses[j].ahead for j in "bc"] == [1, 2]  # the running job is ahead of both


async def test_two_workers_never_claim_the_same_job(queues: OpenQueue):
    submitter = await queues()
    ids = [f"j{i:03}" for i in range(60)]
    for i, job_id in enumerate(ids):
        await submitter.submit(make_job(job_id, user_id=i % 7))
    workers = {"w1": await queues(), "w2": await queues()}
    claimed: dict[str, list[str]] = {"w1": [], "w2": []}

    async def drain(worker: str) -> None:
        queue = workers[worker]
        while (claim := await queue.claim(worker, 30)) is not None:
            claimed[worker].append(claim.job.id)
            assert await queue.complete(claim.job.id, worker, make_result(claim.job.id))

    await asyncio.gather(drain("w1"), drain("w2"))
    everything = claimed["w1"] + claimed["w2"]
    assert sorted(everything) == ids
    statuses = await submitter.statuses(ids)
    assert all(statuses[j].result == make_result(j) for j in ids)


async def test_a_silent_worker_loses_its_job_and_cannot_touch_it_after(queues: OpenQueue):
    queue = await queues()
    await queue.submit(make_job("j"))
    first = await queue.claim("dead-worker", lease_seconds=LEASE)
    assert first.attempt == 1
    assert await queue.claim("w2", lease_seconds=LEASE) is None  # leased
    await asyncio.sleep(LEASE + 0.2)
    second = await queue.claim("w2", lease_seconds=LEASE)
    assert second.job.id == "j" and second.attempt == 2
    assert (await queue.statuses(["j"]))["j"].attempts == 2
    # The dead worker wakes up: it no longer holds the job and cannot touch it.
    assert not await queue.heartbeat("j", "dead-worker", 1, 2, LEASE)
    assert not await queue.complete("j", "dead-worker", make_result("j"))
    assert not await queue.fail("j", "dead-worker", "late")
    assert await queue.complete("j", "w2", make_result("j"))
    status = (await queue.statuses(["j"]))["j"]
    assert status.state is JobState.DONE and status.result == make_result("j")


async def test_heartbeats_keep_the_lease(queues: OpenQueue):
    queue = await queues()
    await queue.submit(make_job("j"))
    assert await queue.claim("w1", lease_seconds=LEASE)
    for step in range(1, 5):
        await asyncio.sleep(LEASE / 2)
        assert await queue.heartbeat("j", "w1", step, 4, LEASE)
        assert await queue.claim("w2", lease_seconds=LEASE) is None
    assert await queue.complete("j", "w1", make_result("j"))


async def test_after_max_attempts_the_job_fails(queues: OpenQueue):
    queue = await queues(max_attempts=2)
    await queue.submit(make_job("j"))
    await queue.submit(make_job("k"))
    for worker in ("w1", "w2"):
        assert (await queue.claim(worker, lease_seconds=LEASE)).job.id == "j"
        await asyncio.sleep(LEASE + 0.2)
    # "j" is given up on; "k" (never claimed) is next and its lease is untouched.
    assert (await queue.claim("w3", lease_seconds=30)).job.id == "k"
    status = (await queue.statuses(["j"]))["j"]
    assert status.state is JobState.FAILED
    assert "stopped responding 2 times" in status.error


async def test_progress_failure_and_forget(queues: OpenQueue):
    queue = await queues()
    await queue.submit(make_job("j"))
    await queue.claim("w", 30)
    assert await queue.heartbeat("j", "w", 1, 4, 30)
    status = (await queue.statuses(["j"]))["j"]
    assert (status.state, status.step, status.total_steps) == (JobState.RUNNING, 1, 4)
    await queue.forget("j")  # still running: kept
    assert "j" in await queue.statuses(["j"])
    assert await queue.fail("j", "w", "bad input")
    status = (await queue.statuses(["j"]))["j"]
    assert (status.state, status.error) == (JobState.FAILED, "bad input")
    assert not await queue.complete("j", "w", make_result("j"))  # finished is final
    await queue.forget("j")
    assert await queue.statuses(["j"]) == {}


async def test_users_take_turns_and_positions_are_the_claim_order(queues: OpenQueue):
    queue = await queues()
    for job_id, user in [("a1", 1), ("a2", 1), ("a3", 1), ("a4", 1)]:
        await queue.submit(make_job(job_id, user))
    for job_id, user in [("b1", 2), ("b2", 2), ("c1", 3)]:
        await queue.submit(make_job(job_id, user))
    ids = ["a1", "a2", "a3", "a4", "b1", "b2", "c1", "d1"]
    assert await positions(queue, ids) == ["a1", "b1", "c1", "a2", "b2", "a3", "a4"]
    assert (await queue.claim("w", 30)).job.id == "a1"
    # A newcomer joins the turn being served: after c1, before everyone's second job.
    await queue.submit(make_job("d1", 4))
    promised = await positions(queue, ids)
    assert promised == ["b1", "c1", "d1", "a2", "b2", "a3", "a4"]
    assert [(await queue.statuses([j]))[j].ahead for j in promised] == list(range(1, 8))
    assert await claim_all(queue) == promised


async def test_paid_jobs_go_first_only_when_the_queue_is_long(queues: OpenQueue):
    queue = await queues(paid_first_after=3)
    paid = Priority.PAID
    await queue.submit(make_job("f1", 1))
    await queue.submit(make_job("f2", 2))
    await queue.submit(make_job("p1", 3, paid))  # 2 waiting: not long yet, takes its place
    await queue.submit(make_job("f3", 4))
    await queue.submit(make_job("p2", 5, paid))  # 4 waiting: first lane
    await queue.submit(make_job("p3", 5, paid))  # user 5's second turn in the first lane
    await queue.submit(make_job("p4", 6, paid))  # user 6's first turn: before p3
    ids = ["f1", "f2", "f3", "p1", "p2", "p3", "p4"]
    expected = ["p2", "p4", "p3", "f1", "f2", "p1", "f3"]
    assert await positions(queue, ids) == expected
    assert await claim_all(queue) == expected


async def test_a_reclaimed_job_runs_before_waiting_ones(queues: OpenQueue):
    queue = await queues()
    await queue.submit(make_job("first", 1))
    assert (await queue.claim("dead", lease_seconds=LEASE)).job.id == "first"
    await queue.submit(make_job("second", 2))
    await asyncio.sleep(LEASE + 0.2)
    claim = await queue.claim("w", lease_seconds=30)
    assert (claim.job.id, claim.attempt) == ("first", 2)


async def test_idle_workers_and_the_watcher_are_woken(queues: OpenQueue):
    worker, bot = await queues(), await queues()
    await worker.wait_for_jobs(0.01)  # subscribe before anything happens
    await bot.wait_for_changes(0.01)
    waiting = asyncio.create_task(worker.wait_for_jobs(30))
    await asyncio.sleep(0.05)
    await bot.submit(make_job("j"))
    await asyncio.wait_for(waiting, 5)  # long before its 30 s fallback
    watching = asyncio.create_task(bot.wait_for_changes(30))
    await asyncio.sleep(0.05)
    await worker.claim("w", 30)
    await asyncio.wait_for(watching, 5)


async def test_a_running_jobs_preview_is_kept_until_it_finishes(queues: OpenQueue):
    queue, bot = await queues(), await queues()
    for job_id in ("a", "b"):
        await queue.submit(make_job(job_id))
    await queue.claim("w", lease_seconds=30)
    await queue.claim("w", lease_seconds=30)
    jpeg = bytes(range(256)) * 4  # any bytes, binary included, come back unchanged
    assert await queue.heartbeat("a", "w", 2, 8, 30, jpeg)
    assert await queue.heartbeat("b", "w", 2, 8, 30)
    statuses = await bot.statuses(["a", "b"])
    assert statuses["a"].preview == jpeg and statuses["b"].preview is None
    assert await queue.heartbeat("a", "w", 3, 8, 30)  # no new preview: the last one stays
    assert not await queue.heartbeat("a", "intruder", 4, 8, 30, b"other")
    assert (await bot.statuses(["a"]))["a"].preview == jpeg
    assert await queue.complete("a", "w", make_result("a"))
    assert await queue.heartbeat("b", "w", 4, 8, 30, b"b-preview")
    assert await queue.fail("b", "w", "broken")
    statuses = await bot.statuses(["a", "b"])
    assert statuses["a"].preview is None and statuses["b"].preview is None


async def test_a_reclaimed_job_starts_without_the_dead_workers_preview(queues: OpenQueue):
    queue = await queues()
    await queue.submit(make_job("a"))
    await queue.claim("dead", lease_seconds=LEASE)
    assert await queue.heartbeat("a", "dead", 5, 8, LEASE, b"old picture")
    await asyncio.sleep(LEASE + 0.1)
    claim = await queue.claim("w", lease_seconds=30)
    assert claim.job.id == "a" and claim.attempt == 2
    assert (await queue.statuses(["a"]))["a"].preview is None


async def test_the_overview_shows_waiting_and_running_jobs(queues: OpenQueue):
    queue, operator = await queues(), await queues()
    empty = await operator.overview()
    assert empty.waiting == 0 and empty.running == []
    for job_id in ("a", "b", "c", "d"):
        await queue.submit(make_job(job_id))
    await queue.claim("w1", lease_seconds=30)
    await asyncio.sleep(0.2)
    await queue.claim("w2", lease_seconds=30)
    assert await queue.heartbeat("b", "w2", 3, 8, 30)
    overview = await operator.overview()
    assert overview.waiting == 2
    assert [(r.job_id, r.worker, r.step, r.total_steps, r.attempt) for r in overview.running] == [
        ("a", "w1", 0, 0, 1),  # the longest silent first
        ("b", "w2", 3, 8, 1),
    ]
    silent_a, silent_b = (r.silent_seconds for r in overview.running)
    assert 0.2 <= silent_a < 5 and 0 <= silent_b < silent_a
    assert await queue.complete("a", "w1", make_result("a"))
    assert [r.job_id for r in (await operator.overview()).running] == ["b"]


async def test_forget_user_drops_only_that_users_finished_jobs(queues: OpenQueue):
    """/forget-me (issue 19): the queue keeps no payload or result of the member after it."""
    queue = await queues()
    for job_id, user in (("mine-done", 1), ("mine-failed", 1), ("theirs", 2), ("mine-open", 1)):
        await queue.submit(make_job(job_id, user_id=user))
    for _ in range(3):
        claim = await queue.claim("w", 30)
        if claim.job.id == "mine-failed":
            assert await queue.fail(claim.job.id, "w", "broken")
        else:
            assert await queue.complete(claim.job.id, "w", make_result(claim.job.id))
    assert await queue.forget_user(1) >= 2
    known = await queue.statuses(["mine-done", "mine-failed", "theirs", "mine-open"])
    assert set(known) == {"theirs", "mine-open"}  # another's result and an open job stay


async def test_a_worker_claims_only_jobs_for_its_model_in_fair_order(queues: OpenQueue):
    """Jobs name their model: a FLUX.2 worker never paints an SD job (its PNG would name
    another model than the one asked), takes unnamed jobs (queued before models were
    named) in their turn, and a claim without a model takes anything."""
    queue = await queues()
    for job_id, user, model in [
        ("sd-1", 1, "tiny"),
        ("flux-1", 2, "tiny:flux2"),
        ("old", 3, ""),
        ("sd-2", 4, "tiny"),
        ("flux-2", 5, "tiny:flux2"),
    ]:
        await queue.submit(make_job(job_id, user, model=model))
    flux = []
    while (claim := await queue.claim("flux-worker", 30, model="tiny:flux2")) is not None:
        flux.append(claim.job.id)
    assert flux == ["flux-1", "old", "flux-2"]
    assert await claim_all(queue, "any") == ["sd-1", "sd-2"]  # model None: whatever waits


async def test_batch_mates_are_of_the_same_model(queues: OpenQueue):
    queue = await queues()
    for job_id, model in [("a", "tiny:flux2"), ("b", "tiny"), ("c", "tiny:flux2")]:
        await queue.submit(make_job(job_id, model=model))
    claims = await queue.claim_batch("w", 30, max_images=8, model="tiny:flux2")
    assert [claim.job.id for claim in claims] == ["a", "c"]


async def test_a_dead_workers_job_runs_again_only_on_a_worker_of_its_model(queues: OpenQueue):
    queue = await queues()
    await queue.submit(make_job("j", model="tiny:flux2"))
    assert (await queue.claim("dead", LEASE, model="tiny:flux2")).job.id == "j"
    await asyncio.sleep(LEASE + 0.2)  # the lease runs out: that is what is tested
    assert await queue.claim("sd-worker", LEASE, model="tiny") is None
    again = await queue.claim("flux-worker", LEASE, model="tiny:flux2")
    assert again.job.id == "j" and again.attempt == 2


async def test_workers_announce_the_model_they_serve_until_they_retire(queues: OpenQueue):
    queue = await queues()
    assert await queue.served_models() == {}
    await queue.announce("w1", "tiny:flux2", 30)
    await queue.announce("w2", "tiny:flux2", 30)
    await queue.announce("w3", "tiny", 30)
    await queue.announce("w3", "tiny:sd3", 30)  # a worker re-announced serves its new model
    assert await queue.served_models() == {"tiny:flux2": 2, "tiny:sd3": 1}
    await queue.retire("w2")
    await queue.announce("gone", "tiny:zimage", LEASE)  # a worker that dies stops renewing
    await asyncio.sleep(LEASE + 0.1)
    assert await queue.served_models() == {"tiny:flux2": 1, "tiny:sd3": 1}
