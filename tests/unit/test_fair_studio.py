"""Fairness in the use-case: the in-flight limit, and the priority the paying pool earns."""

from __future__ import annotations

import pytest

from app.runtime import Runtime
from data import job_records, ledger
from data.jobs import Priority
from inference.worker import Worker
from studio.errors import BadRequest
from studio.settings import Settings
from studio.studio import ImagineOptions, Requester
from studio.wallet import Wallet

BOB, DAVE, CAROL = Requester(11, "bob"), Requester(12, "dave"), Requester(13, "carol")
ONE = ImagineOptions(count=1)


@pytest.fixture
async def runtime(tmp_path):
    settings = Settings(
        _env_file=None,
        data_dir=tmp_path / "var",
        model="tiny",
        local_worker=False,
        welcome_credits=1,
        max_jobs_per_user=2,
        paid_first_after=1,
        pack_credits=5,
    )
    started = await Runtime.start(settings)
    await started.watcher.start()
    yield started
    await started.stop()


async def paid_balance(runtime: Runtime, user: Requester) -> ledger.Balance:
    async with runtime.store.read() as db:
        return await ledger.balances(db, user.id)


async def test_paid_credits_go_first_and_the_in_flight_limit_holds(runtime, engine):
    studio = runtime.studio
    bob = await studio.imagine(BOB, "a fox", ONE)
    dave = await studio.imagine(DAVE, "a hen", ONE)
    assert await Wallet.of(studio).purchase(CAROL, entitlement_id=1)  # a pack of 5 (no lane)
    carol_free = await studio.imagine(CAROL, "an owl", ONE)  # her free credit goes first
    carol_paid = await studio.imagine(CAROL, "an owl at night", ONE)

    async with runtime.store.read() as db:
        jobs = {h.job_id: (await job_records.get(db, h.job_id)).job for h in (bob, carol_paid)}
    assert jobs[bob.job_id].user_id == BOB.id and jobs[bob.job_id].priority is Priority.FREE
    assert jobs[carol_paid.job_id].priority is Priority.PAID

    # Three jobs were waiting: the paid one jumps ahead; the rest keep their turns.
    handles = [bob, dave, carol_free, carol_paid]
    statuses = await runtime.queue.statuses([h.job_id for h in handles])
    assert [statuses[h.job_id].ahead for h in handles] == [1, 2, 3, 0]

    with pytest.raises(BadRequest, match=r"You have 2 unfinished requests \(the limit is 2\)"):
        await studio.imagine(CAROL, "a third owl", ONE)
    assert (await paid_balance(runtime, CAROL)).total == 4  # the refusal cost nothing
    (count,) = await runtime.store.fetchone("SELECT COUNT(*) FROM jobs WHERE user_id = ?", (13,))
    assert count == 2

    # A worker takes the paid job first; once it is done Carol may ask again.
    worker = Worker(runtime.queue, engine, worker_id="w")
    assert await worker.run_one()
    assert (await carol_paid.outcome()).ok
    third = await studio.imagine(CAROL, "a third owl", ONE)
    statuses = await runtime.queue.statuses([h.job_id for h in (bob, dave, carol_free, third)])
    assert [statuses[h.job_id].ahead for h in (third, bob, dave, carol_free)] == [0, 1, 2, 3]
