"""Results cross both queues as bytes (SQLite BLOB, a binary Redis field), not base64 JSON,
and carry the worker's verdict on the images."""

from __future__ import annotations

import random

import pytest
import redis.asyncio as redis

from data.jobs import GeneratedImage, Job, JobKind, JobState, OutputRules, OutputVerdict, Result
from tests.conftest import OpenQueue
from tests.unit.test_queue_contract import make_job


def noise(seed: int) -> bytes:
    return random.Random(seed).randbytes(50_000)


def binary_result(job_id: str) -> Result:
    """PNG-sized random bytes, every byte value present: what base64 JSON would bloat."""
    return Result(
        job_id=job_id,
        model="tiny",
        width=64,
        height=64,
        seconds=0.25,
        images=[GeneratedImage(png=noise(seed) + bytes(range(256)), seed=seed) for seed in (7, 8)],
        verdict=OutputVerdict(allowed=True),
    )


def test_a_result_round_trips_through_bytes():
    result = binary_result("j")
    data = result.to_bytes()
    assert Result.from_bytes(data) == result
    assert len(data) < sum(len(image.png) for image in result.images) + 400  # no base64
    withheld = Result(
        job_id="k",
        model="tiny",
        width=8,
        height=8,
        seconds=1,
        images=[],
        verdict=OutputVerdict(allowed=False, reason="nudity", label="ANUS_EXPOSED", score=0.9),
    )
    assert Result.from_bytes(withheld.to_bytes()) == withheld
    with_grid = result.model_copy(update={"grid": noise(9)})
    assert Result.from_bytes(with_grid.to_bytes()) == with_grid
    # A result a queue stored as JSON before the upgrade still reads.
    assert Result.from_bytes(result.model_dump_json()) == result
    assert Result.from_bytes(result.model_dump_json().encode()) == result


def test_a_cut_off_result_is_refused():
    data = binary_result("j").to_bytes()
    with pytest.raises(ValueError, match="should have"):
        Result.from_bytes(data[:-10])


def test_jobs_carry_their_output_rules():
    job = make_job("j").model_copy(update={"output_rules": OutputRules(block_nudity=False)})
    assert Job.model_validate_json(job.model_dump_json()).output_rules.block_nudity is False
    older = Job.model_validate_json(  # a job written before rules travelled: checked
        '{"id":"o","kind":"generate","seed":1,"n":1,"width":8,"height":8,"steps":1,"guidance":0}'
    )
    assert older.kind is JobKind.GENERATE and older.output_rules.block_nudity


async def test_results_are_stored_as_bytes_on_both_queues(queues: OpenQueue, request):
    queue = await queues()
    await queue.submit(make_job("j"))
    await queue.claim("w", 30)
    assert await queue.complete("j", "w", binary_result("j"))
    status = (await queue.statuses(["j"]))["j"]
    assert status.state is JobState.DONE and status.result == binary_result("j")
    if "redis" in request.node.callspec.id:
        raw = redis.Redis.from_url(request.getfixturevalue("redis_url"))
        stored = await raw.hget("imagine:job:j", "result")
        await raw.aclose()
    elif "postgresql" in request.node.callspec.id:
        row = await queue._store.fetchone("SELECT pg_typeof(result)::text, result FROM queue")
        assert row[0] == "bytea"
        stored = bytes(row[1])
    else:
        row = await queue._store.fetchone("SELECT typeof(result), result FROM queue")
        assert row[0] == "blob"
        stored = row[1]
    assert stored == binary_result("j").to_bytes()


async def test_previews_are_binary_on_both_queues(queues: OpenQueue):
    queue = await queues()
    await queue.submit(make_job("j"))
    await queue.claim("w", 30)
    jpeg = b"\xff\xd8\xff" + bytes(range(256)) * 4  # not UTF-8, not base64
    assert await queue.heartbeat("j", "w", 1, 2, 30, jpeg)
    assert (await queue.statuses(["j"]))["j"].preview == jpeg
