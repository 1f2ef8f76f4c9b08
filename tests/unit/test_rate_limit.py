"""The per-member job rate limit: a window per member, in memory or shared through Redis."""

from __future__ import annotations

import pytest

from studio.errors import RateLimited
from studio.rate_limit import JobRateLimit


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


async def _redis_limits(url: str, count: int, jobs: int, seconds: float):
    """``count`` limits as ``count`` processes would hold them: one Redis client each."""
    import redis.asyncio as redis

    from data.redis_rate_limit import RedisRateCounter

    clients = [redis.Redis.from_url(url) for _ in range(count)]
    limits = [JobRateLimit(jobs, seconds, shared=RedisRateCounter(c)) for c in clients]
    return clients, limits


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
