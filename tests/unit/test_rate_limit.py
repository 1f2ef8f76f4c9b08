"""The per-member job rate limit: a window per member, in memory or shared through Redis."""

from __future__ import annotations

import pytest

from app.runtime import Runtime
from data.origins import HttpOrigin
from studio.errors import RateLimited
from studio.rate_limit import JobRateLimit
from studio.studio import EditOptions, ImagineOptions, Requester
from tests.conftest import running_studio


async def test_each_user_gets_their_own_bucket_and_it_refills_after_the_window():
    limit = JobRateLimit(jobs=2, seconds=60)
    await limit.check(1, now=1000.0)
    await limit.check(1, now=1010.0)
    with pytest.raises(RateLimited) as refused:
        await limit.check(1, now=1020.0)
    assert refused.value.retry_after == pytest.approx(40)
    assert "Try again in 40 seconds" in str(refused.value)
    await limit.check(2, now=1020.0)  # another user is not affected
    with pytest.raises(RateLimited):
        await limit.check(1, now=1059.0)
    await limit.check(1, now=1061.0)  # a minute after the first request: a fresh window


async def test_a_refusal_does_not_extend_the_wait():
    limit = JobRateLimit(jobs=1, seconds=10)
    await limit.check(7, now=0.5)
    for moment in (1.0, 5.0, 9.0):
        with pytest.raises(RateLimited):
            await limit.check(7, now=moment)
    await limit.check(7, now=10.6)


async def test_a_request_is_counted_once_however_many_use_cases_it_runs():
    """An API request for 10 images is several jobs; an early admission (before a body is
    read) and the use-case's own check are one request. Without a key, every call counts."""
    limit = JobRateLimit(jobs=2, seconds=60)
    for _ in range(4):
        await limit.check(1, now=0.0, request="http:a")
    await limit.check(1, now=1.0, request="http:b")
    with pytest.raises(RateLimited):
        await limit.check(1, now=2.0, request="http:c")
    await limit.check(1, now=3.0, request="http:a")  # still the admitted request
    await limit.check(1, now=61.0, request="http:a")  # a new window counts it afresh
    await limit.check(1, now=62.0)
    with pytest.raises(RateLimited):
        await limit.check(1, now=63.0)


async def test_every_use_case_that_starts_a_job_checks_the_limit_itself(settings, engine):
    """No adapter in between: the use-cases refuse a member over the limit, and an edit
    without a mask (which becomes a variation) counts as one request."""
    settings.rate_limit_jobs = 2
    member = Requester(5, "eve")
    async with running_studio(settings, engine) as runtime:
        assert isinstance(runtime, Runtime)
        first = await runtime.studio.imagine(member, "a fox", ImagineOptions(count=1))
        image = (await first.outcome()).images[0]
        origin = HttpOrigin(api_key_id="k", request_id="r1", created_at=0.0)
        await runtime.studio.edit(member, image.id, "a hat", EditOptions(), origin=origin)
        calls = [
            lambda: runtime.studio.imagine(member, "a cat"),
            lambda: runtime.studio.vary(member, image.id),
            lambda: runtime.studio.edit(member, image.id, "a hat", EditOptions(region="top")),
            lambda: runtime.studio.reroll(member, image.id),
            lambda: runtime.studio.upscale(member, image.id),
            lambda: runtime.studio.outpaint(member, image.id, direction="left"),
        ]
        for call in calls:
            with pytest.raises(RateLimited):
                await call()


async def test_a_member_with_a_limit_of_their_own_and_an_unlimited_one():
    """The operator's console account has its own setting (CONSOLE_RATE_LIMIT_JOBS)."""
    limit = JobRateLimit(2, 60, clock=lambda: 0.0, own_limits={0: 0, 5: 3})
    for _ in range(50):
        await limit.check(0)  # 0: unlimited
    for _ in range(3):
        await limit.check(5)
    with pytest.raises(RateLimited) as refused:
        await limit.check(5)
    assert refused.value.jobs == 3
    await limit.check(7)
    await limit.check(7)
    with pytest.raises(RateLimited):
        await limit.check(7)  # everyone else: the common limit


async def test_the_studio_gives_the_console_account_its_own_setting(tmp_path):
    from studio.requester import CONSOLE
    from studio.settings import Settings
    from studio.studio import Studio

    def studio(**settings) -> Studio:
        chosen = Settings(_env_file=None, data_dir=tmp_path, model="tiny", **settings)
        return Studio(chosen, None, None, None, None, None)  # the limit needs none of them

    unlimited = studio(rate_limit_jobs=1)
    for _ in range(20):
        await unlimited.admit(CONSOLE)
    limited = studio(rate_limit_jobs=1, console_rate_limit_jobs=2)
    await limited.admit(CONSOLE)
    await limited.admit(CONSOLE)
    with pytest.raises(RateLimited):
        await limited.admit(CONSOLE)


async def _redis_limits(url: str, count: int, jobs: int, seconds: float):
    """``count`` limits as ``count`` processes would hold them: one Redis client each."""
    import redis.asyncio as redis

    from data.redis_rate_limit import RedisRateCounter

    clients = [redis.Redis.from_url(url) for _ in range(count)]
    limits = [JobRateLimit(jobs, seconds, shared=RedisRateCounter(c)) for c in clients]
    return clients, limits


async def test_a_shared_limit_counts_a_request_once_across_processes(redis_url):
    """The same request admitted by an adapter in one process and by its use-case (or a
    second job of it) anywhere counts once; a new window counts it afresh."""
    clients, (first, second) = await _redis_limits(redis_url, 2, jobs=2, seconds=0.5)
    try:
        for limit in (first, second, first):
            await limit.check(1, request="http:a")
        await second.check(1, request="http:b")
        with pytest.raises(RateLimited):
            await first.check(1, request="http:c")
        await second.check(1, request="http:a")  # still the admitted request
    finally:
        for client in clients:
            await client.aclose()


async def test_processes_on_one_redis_share_one_limit(redis_url):
    clients, (first, second) = await _redis_limits(redis_url, 2, jobs=3, seconds=60)
    try:
        await first.check(1)
        await second.check(1)
        await first.check(1)
        for limit in (second, first):  # the fourth request is refused in either process
            with pytest.raises(RateLimited) as refused:
                await limit.check(1)
            assert 55 < refused.value.retry_after <= 60  # a refusal does not extend it
        await second.check(2)  # another member is not affected
    finally:
        for client in clients:
            await client.aclose()


async def test_a_shared_window_ends_on_time(redis_url):
    from tests.e2e.conftest import wait_until

    clients, (limit,) = await _redis_limits(redis_url, 1, jobs=1, seconds=0.3)
    try:
        await limit.check(5)
        with pytest.raises(RateLimited) as refused:
            await limit.check(5)
        assert 0 < refused.value.retry_after <= 0.3

        async def allowed() -> bool:
            try:
                await limit.check(5)
            except RateLimited:
                return False
            return True

        await wait_until(allowed, timeout=5)  # the window ended: counted again
    finally:
        for client in clients:
            await client.aclose()


async def test_the_runtime_shares_the_limit_on_a_redis_queue(settings, redis_url):
    """Two bot (or API) processes on one QUEUE=redis://… see one limit per member."""
    from app.runtime import Runtime

    shared = settings.model_copy(update={"queue": redis_url, "rate_limit_jobs": 1})
    one = await Runtime.start(shared)
    other = await Runtime.start(shared)
    try:
        await one.studio.rate_limit.check(9)
        with pytest.raises(RateLimited):
            await other.studio.rate_limit.check(9)
    finally:
        await one.stop()
        await other.stop()
