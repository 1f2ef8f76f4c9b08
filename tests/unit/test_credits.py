"""The credit economy: concurrency, free before paid, expiry, refunds, a year of refills."""

import asyncio
from datetime import UTC, datetime

import pytest

from app.refills import RefillScheduler
from data import ledger, users
from data.ledger import EntryKind, Pool
from data.store import Store
from studio.credits import CreditRules, add_months
from studio.errors import NotEnoughCredits

RULES = CreditRules(welcome_credits=50, monthly_credits=15, pack_credits=115)
START = datetime(2026, 1, 31, 12, tzinfo=UTC).timestamp()  # month ends make anniversaries hard
DAY = 86_400.0


@pytest.fixture
def store(any_store: Store) -> Store:
    """Every test here runs on SQLite and on PostgreSQL."""
    return any_store


async def new_user(store: Store, user_id: int = 1, now: float = START) -> None:
    async with store.transaction() as db:
        await users.ensure_user(db, user_id, "u", now)
        await RULES.top_up(db, user_id, now)


async def charge(store: Store, job: str, cost: int = 1, now: float = START) -> bool:
    try:
        async with store.transaction() as db:
            await RULES.charge(db, 1, cost, job, now)
        return True
    except NotEnoughCredits:
        return False


async def test_concurrent_spends_never_go_below_zero(store: Store):
    await new_user(store)
    other = await Store.open(store.location)  # a second process's connection
    try:
        stores = [store, other]
        results = await asyncio.gather(*(charge(stores[i % 2], f"job{i}") for i in range(80)))
    finally:
        await other.close()
    assert results.count(True) == 50
    async with store.read() as db:
        assert await ledger.balance(db, 1) == 0


async def test_free_credits_go_first_and_expire_paid_ones_keep(store: Store):
    await new_user(store)
    async with store.transaction() as db:
        assert await RULES.purchase(db, 1, entitlement_id=99, now=START)
        assert not await RULES.purchase(db, 1, entitlement_id=99, now=START)  # once per id
    assert await charge(store, "a", cost=3)
    async with store.read() as db:
        assert await ledger.balances(db, 1) == ledger.Balance(free=47, paid=115)
    next_month = add_months(datetime.fromtimestamp(START, UTC), 1).timestamp()
    assert await charge(store, "b", cost=1, now=next_month)
    async with store.read() as db:
        assert await ledger.balances(db, 1) == ledger.Balance(free=14, paid=115)
        expired = [e for e in await ledger.recent(db, 1) if e.kind is EntryKind.EXPIRY]
    assert [(e.delta, e.pool) for e in expired] == [(-47, Pool.FREE)]


async def test_a_spend_across_pools_is_refunded_to_each_pool_once(store: Store):
    await new_user(store)
    async with store.transaction() as db:
        await RULES.purchase(db, 1, 7, START)
    assert await charge(store, "big", cost=60)  # 50 free + 10 paid
    for _ in range(2):
        async with store.transaction() as db:
            await RULES.refund(db, 1, 60, "big", "failed", START)
    async with store.read() as db:
        assert await ledger.balances(db, 1) == ledger.Balance(free=50, paid=115)


async def test_not_enough_credits_changes_nothing(store: Store):
    await new_user(store)
    assert not await charge(store, "huge", cost=51)
    async with store.read() as db:
        assert await ledger.balance(db, 1) == 50
        assert not await ledger.with_key_prefix(db, "spend:huge")


async def test_a_year_of_refills_with_the_bot_down_over_two_refill_dates(store: Store):
    await new_user(store)
    clock = {"now": START}
    scheduler = RefillScheduler(store, RULES, clock=lambda: clock["now"])
    first = datetime.fromtimestamp(START, UTC)
    down_from = add_months(first, 3).timestamp() - 2 * DAY  # off before refill #3 …
    down_until = add_months(first, 4).timestamp() + 3 * DAY  # … back after refill #4
    for day in range(366):
        clock["now"] = START + day * DAY
        if down_from <= clock["now"] < down_until:
            continue
        for _ in range(2):  # a run that happens twice grants once
            await scheduler.run_once()
    async with store.read() as db:
        grants = [e for e in await ledger.recent(db, 1, 100) if e.kind is EntryKind.FREE_GRANT]
        balance = await ledger.balances(db, 1)
    periods = sorted(int(e.idem_key.rsplit(":", 1)[1]) for e in grants)
    assert periods == [0, 1, 2, 4, 5, 6, 7, 8, 9, 10, 11, 12]  # #3 fell in the downtime: no
    assert balance.free == 15  # each month's unused credits expired before the next grant


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (datetime(2026, 1, 31, tzinfo=UTC), 1, datetime(2026, 2, 28, tzinfo=UTC)),
        (datetime(2026, 11, 15, tzinfo=UTC), 3, datetime(2027, 2, 15, tzinfo=UTC)),
    ],
)
def test_months_are_calendar_months(start, months, expected):
    assert add_months(start, months) == expected


async def test_the_scheduler_grants_on_start_and_on_its_interval(store: Store):
    await new_user(store)  # welcome credits at START
    clock = {"now": START + 40 * DAY}  # the bot comes back after the first anniversary
    scheduler = RefillScheduler(store, RULES, every_minutes=0.001, clock=lambda: clock["now"])
    await scheduler.start()  # catches up at once
    try:
        async with store.read() as db:
            assert await ledger.balances(db, 1) == ledger.Balance(free=15, paid=0)
        await new_user(store, 2, now=START + 40 * DAY)
        clock["now"] = START + 80 * DAY  # both users' next anniversaries have passed
        for _ in range(100):
            async with store.read() as db:
                if await ledger.balance(db, 2) == 15 and await ledger.balance(db, 1) == 15:
                    grants = [e for e in await ledger.recent(db, 1, 100) if e.delta == 15]
                    break
            await asyncio.sleep(0.02)
        else:
            raise AssertionError("the interval job never granted the refills")
        assert len(grants) == 2  # refill #1 at start, #2 on the interval; never twice
    finally:
        await scheduler.stop()


async def test_credits_per_server_are_separate_and_bought_packs_go_everywhere(store: Store):
    server_a, server_b = 111, 222
    async with store.transaction() as db:
        await users.ensure_user(db, 1, "u", START)
        await RULES.top_up(db, 1, START, scope=server_a)
        await RULES.top_up(db, 1, START, scope=server_b)
        await RULES.purchase(db, 1, entitlement_id=5, now=START)
        await RULES.charge(db, 1, 60, "big", START, scope=server_a)  # 50 free of A, 10 paid
        assert await RULES.wallet(db, 1, server_a) == ledger.Balance(free=0, paid=105)
        assert await RULES.wallet(db, 1, server_b) == ledger.Balance(free=50, paid=105)
        assert await ledger.balances(db, 1) == ledger.Balance(free=0, paid=105)  # no DM welcome
        assert await RULES.refund(db, 1, 60, "big", "failed", START)
        assert not await RULES.refund(db, 1, 60, "big", "failed", START)
        assert await RULES.wallet(db, 1, server_a) == ledger.Balance(free=50, paid=115)
        assert await ledger.accounts(db) == [(1, server_a), (1, server_b)]


class CountedRules(CreditRules):
    """The real rules, counting how often a scheduler ran them."""

    runs = 0

    async def refill_everyone(self, db, now: float) -> None:
        self.runs += 1
        await super().refill_everyone(db, now)


async def test_one_scheduler_of_several_on_a_redis_queue_holds_the_refills(store, redis_url):
    """Bot processes on one Redis take turns by lease: one runs the refills; when it
    stops another takes over at once, and when it dies, once its lease expires."""
    from app.refills import refill_lease
    from data.queue import open_queue
    from tests.e2e.conftest import wait_until

    await new_user(store)
    later = START + 40 * DAY  # past the first anniversary: one refill is due
    queues = [await open_queue(redis_url) for _ in range(3)]
    rules = [CountedRules(50, 15, 115) for _ in queues]
    first, second, third = (
        RefillScheduler(
            store, r, every_minutes=0.005, clock=lambda: later, lease=refill_lease(q, f"bot-{i}")
        )
        for i, (r, q) in enumerate(zip(rules, queues, strict=True))
    )
    try:
        assert await first.run_once() and not await second.run_once()
        assert await first.run_once()  # the holder renews
        await first.stop()  # lets go
        assert await second.run_once() and not await third.run_once()
        # the second dies holding it (no stop): the third takes over once it expires
        await wait_until(third.run_once, timeout=10)
        assert [r.runs for r in rules] == [2, 1, 1]
        async with store.read() as db:
            grants = [e for e in await ledger.recent(db, 1, 100) if e.kind is EntryKind.FREE_GRANT]
            assert len(grants) == 2  # the welcome and one refill, however many runs
    finally:
        for queue in queues:
            await queue.close()
