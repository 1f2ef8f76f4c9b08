"""What only the Redis backend has: the stream and group underneath, dead letters, cleanup."""

from __future__ import annotations

import asyncio

import pytest
import redis.asyncio as redis

from data.queue import Changes, QueueUnavailable, open_queue
from data.redis_queue import RedisQueue
from tests.redis_server import RedisServer, free_port
from tests.unit.test_queue_contract import LEASE, make_job, make_result


@pytest.fixture
async def client(redis_url):
    connection = redis.Redis.from_url(redis_url, decode_responses=True)
    yield connection
    await connection.aclose()


async def test_jobs_flow_through_the_stream_and_leave_nothing_behind(redis_url, client):
    queue = await open_queue(redis_url)
    await queue.submit(make_job("j", user_id=7))
    assert await client.xlen("imagine:jobs") == 0  # waiting in fair order, not yet delivered
    assert await client.zcard("imagine:ready") == 1
    await queue.claim("w1", 30)
    pending = await client.xpending_range("imagine:jobs", "workers", "-", "+", 10)
    assert [(p["consumer"], p["times_delivered"]) for p in pending] == [("w1", 1)]
    assert await queue.complete("j", "w1", make_result("j"))
    assert await client.xlen("imagine:jobs") == 0  # acked and deleted
    assert (await client.xpending("imagine:jobs", "workers"))["pending"] == 0
    assert 0 < await client.ttl("imagine:job:j") <= 24 * 3600  # the result waits, not forever
    assert not await client.hexists("imagine:job:j", "payload")  # the inputs are dropped
    await queue.forget("j")
    assert await client.keys("imagine:job:*") == []
    assert await client.hlen("imagine:user:queued") == 0
    await queue.close()


async def test_given_up_and_failed_jobs_go_to_the_dead_letter_stream(redis_url, client):
    queue: RedisQueue = await open_queue(redis_url, max_attempts=1)
    await queue.submit(make_job("silent", user_id=1))
    await queue.submit(make_job("broken", user_id=2))
    assert (await queue.claim("dead-worker", lease_seconds=LEASE)).job.id == "silent"
    assert (await queue.claim("w2", lease_seconds=30)).job.id == "broken"
    assert await queue.fail("broken", "w2", "generation failed: out of memory")
    await asyncio.sleep(LEASE + 0.2)
    assert await queue.claim("w3", lease_seconds=30) is None
    letters = await queue.dead_letters()
    assert [(d["job"], d["user"], d["reason"]) for d in letters] == [
        ("silent", "1", "the worker stopped responding 1 times"),
        ("broken", "2", "generation failed: out of memory"),
    ]
    assert all(set(d) == {"job", "user", "attempts", "reason"} for d in letters)  # no payload
    assert (await queue.overview()).dead_letters == 2
    # The dead worker's consumer is gone from the group; the live ones stay.
    consumers = {c["name"] for c in await client.xinfo_consumers("imagine:jobs", "workers")}
    assert "dead-worker" not in consumers and "w3" in consumers
    await queue.close()


async def test_an_unreachable_redis_is_one_clear_sentence():
    url = f"redis://127.0.0.1:{free_port()}/0"
    with pytest.raises(
        QueueUnavailable, match=r"QUEUE=redis://127\.0\.0\.1:\d+/0 cannot be reached"
    ):
        await open_queue(url)


async def test_an_unknown_queue_scheme_is_refused():
    with pytest.raises(
        ValueError, match="use sqlite:///PATH, redis://HOST:PORT or postgresql://HOST/DB"
    ):
        await open_queue("amqp://localhost")


async def test_the_queue_carries_on_after_redis_restarts(tmp_path):
    server = RedisServer(tmp_path / "redis")
    queue = await open_queue(server.url)
    try:
        await queue.submit(make_job("lost"))
        await queue.wait_for_jobs(0.01)  # subscribed to the wake-ups
        server.restart()  # no persistence: everything is gone, connections are broken
        await queue.wait_for_jobs(0.2)  # a broken subscription does not stop a worker
        assert await queue.statuses(["lost"]) == {}  # the bot's watcher submits it again
        await queue.submit(make_job("lost"))
        waiting = asyncio.create_task(queue.wait_for_jobs(30))  # subscribes again
        await asyncio.sleep(0.1)
        await queue.submit(make_job("new"))
        await asyncio.wait_for(waiting, 5)
        assert (await queue.claim("w", 30)).job.id == "lost"
        assert await queue.complete("lost", "w", make_result("lost"))
    finally:
        await queue.close()
        server.stop()


async def test_forgetting_a_user_deletes_their_dead_letters_only(redis_url, client):
    queue: RedisQueue = await open_queue(redis_url, max_attempts=1)
    for job_id, user in (("a", 1), ("b", 2)):
        await queue.submit(make_job(job_id, user_id=user))
        claim = await queue.claim("w", 30)
        assert await queue.fail(claim.job.id, "w", "generation failed")
    assert await client.xlen("imagine:dead") == 2
    await queue.forget_user(1)
    assert [d["user"] for d in await queue.dead_letters()] == ["2"]
    assert await client.keys("imagine:job:a") == []
    await queue.close()


async def test_a_ring_names_the_job_that_changed_or_says_the_order_moved(redis_url):
    """A heartbeat or an end rings with the job's id; a claim (every waiting job's place
    moves) rings naming none; a timeout says nothing is known."""
    worker, bot = await open_queue(redis_url), await open_queue(redis_url)
    try:
        assert await bot.wait_for_changes(0.01) is None  # subscribed; nothing rang
        for job_id in ("a", "b"):
            await bot.submit(make_job(job_id, user_id=1))
        await worker.claim("w", 30)
        assert await bot.wait_for_changes(5) == Changes(frozenset())  # rang, names none
        await worker.heartbeat("a", "w", 1, 4, 30)
        assert await bot.wait_for_changes(5) == Changes(frozenset({"a"}))
        await worker.complete("a", "w", make_result("a"))
        assert await bot.wait_for_changes(5) == Changes(frozenset({"a"}))
    finally:
        await worker.close()
        await bot.close()
