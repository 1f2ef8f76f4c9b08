"""``stream: true``: server-sent events in the spec's shape, read by OpenAI's own client.

The studio's progress previews (the JPEGs a worker sends with its heartbeats) become the
partial images: the test plays the worker on the real queue, so it decides when each
preview arrives and waits for the event it must cause."""

from __future__ import annotations

import asyncio
import base64
import io

import pytest
from openai import APIError
from PIL import Image

from data.jobs import GeneratedImage, OutputVerdict, Result
from tests.api.conftest import job_rows, png, serving, working

USER = 901
WORKER = "test-worker"


def jpeg(colour: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (32, 32), colour).save(buffer, format="JPEG")
    return buffer.getvalue()


def decoded(b64: str) -> Image.Image:
    return Image.open(io.BytesIO(base64.b64decode(b64)))


async def claimed(api):
    """The job the request queued, claimed by the test's worker."""
    deadline = asyncio.get_running_loop().time() + 60
    while (claim := await api.runtime.queue.claim(WORKER, 60)) is None:
        assert asyncio.get_running_loop().time() < deadline, "no job was queued"
        await asyncio.sleep(0.05)
    return claim


def collect(stream) -> tuple[asyncio.Task, asyncio.Queue]:
    """Read the stream's events into a queue (None when it ends) in a task."""
    events: asyncio.Queue = asyncio.Queue()

    async def read() -> None:
        try:
            async for event in await stream:
                await events.put(event)
        except APIError as error:
            await events.put(error)
        await events.put(None)

    return asyncio.create_task(read()), events


async def next_event(events: asyncio.Queue):
    return await asyncio.wait_for(events.get(), timeout=60)


async def test_previews_stream_as_partial_images_then_the_image_completes(settings):
    async with serving(settings) as api:
        client = api.client(await api.key(USER))
        reader, events = collect(
            client.images.generate(
                model="gpt-image-1",
                prompt="a red fox",
                stream=True,
                partial_images=2,
                output_format="webp",
            )
        )
        claim = await claimed(api)
        queue = api.runtime.queue
        for index, colour in enumerate(("red", "lime")):
            await queue.heartbeat(claim.job.id, WORKER, index + 1, 4, 60, preview=jpeg(colour))
            partial = await next_event(events)
            assert partial.type == "image_generation.partial_image"
            assert partial.partial_image_index == index
            assert partial.output_format == "webp" and partial.background == "opaque"
            assert partial.size == "64x64" and partial.quality == "medium"
            picture = decoded(partial.b64_json)
            assert picture.format == "WEBP"  # in the format asked for
            assert picture.convert("RGB").getpixel((16, 16))[index] > 200  # red, then green
        await queue.heartbeat(claim.job.id, WORKER, 3, 4, 60, preview=jpeg("blue"))  # a 3rd
        made = Image.effect_noise((64, 64), 60).convert("RGB")
        result = Result(
            job_id=claim.job.id,
            model="tiny",
            width=64,
            height=64,
            images=[GeneratedImage(png=png(made), seed=1)],
            seconds=1,
            verdict=OutputVerdict(allowed=True),
        )
        await queue.complete(claim.job.id, WORKER, result)
        completed = await next_event(events)
        assert completed.type == "image_generation.completed"  # no third partial image
        assert completed.size == "64x64" and completed.quality == "medium"
        assert decoded(completed.b64_json).format == "WEBP"
        assert completed.usage.output_tokens == 64 and completed.usage.total_tokens > 64
        assert await next_event(events) is None
        await reader
        assert await api.spent(USER) == 1


async def test_a_job_that_fails_mid_stream_ends_it_with_an_error_and_a_refund(settings):
    async with serving(settings) as api:
        client = api.client(await api.key(USER))
        reader, events = collect(
            client.images.generate(model="gpt-image-1", prompt="a fox", stream=True)
        )
        claim = await claimed(api)
        assert await api.spent(USER) == 1
        await api.runtime.queue.fail(claim.job.id, WORKER, "the GPU fell over")
        error = await next_event(events)
        assert isinstance(error, APIError) and "refunded" in error.message
        assert await next_event(events) is None
        await reader
        assert await api.spent(USER) == 0


async def test_edits_stream_image_edit_events(settings, engine):
    settings.rate_limit_jobs = 10
    async with serving(settings) as api:
        client = api.client(await api.key(USER))
        source = png(Image.effect_noise((64, 64), 60).convert("RGB"))
        async with working(api, engine):
            stream = await client.images.edit(
                model="gpt-image-1",
                image=("p.png", source),
                prompt="autumn",
                stream=True,
                partial_images=0,
                n=2,
            )
            seen = [event async for event in stream]
        assert [event.type for event in seen] == ["image_edit.completed"] * 2
        assert all(decoded(event.b64_json).size == (64, 64) for event in seen)
        ((job, _),) = await job_rows(api)
        assert job.kind.value == "vary" and job.prompt == "autumn"


async def test_a_stream_of_links_is_refused(settings):
    async with serving(settings) as api:
        client = api.client(await api.key(USER))
        with pytest.raises(APIError) as refused:
            await client.images.generate(prompt="a fox", stream=True, response_format="url")
        assert refused.value.body["param"] == "response_format"
        assert await api.job_count() == 0


async def test_a_queued_stream_keeps_the_connection_alive(settings, monkeypatch):
    """While the job waits, comment lines keep proxies from closing the stream; clients
    skip them (OpenAI's client reads the events after them as usual)."""
    import aiohttp

    from app.api import stream

    monkeypatch.setattr(stream, "KEEP_ALIVE_SECONDS", 0.05)
    async with serving(settings) as api:
        key = await api.key(USER)
        body = {"model": "gpt-image-1", "prompt": "a fox", "stream": True}
        headers = {"Authorization": f"Bearer {key}"}
        async with (
            aiohttp.ClientSession() as http,
            http.post(f"{api.url}/v1/images/generations", json=body, headers=headers) as answer,
        ):
            assert answer.content_type == "text/event-stream"
            assert await asyncio.wait_for(answer.content.readline(), 30) == b": keep-alive\n"
            claim = await claimed(api)
            made = png(Image.effect_noise((64, 64), 60).convert("RGB"))
            result = Result(
                job_id=claim.job.id, model="tiny", width=64, height=64, seconds=1,
                images=[GeneratedImage(png=made, seed=1)], verdict=OutputVerdict(allowed=True),
            )  # fmt: skip
            await api.runtime.queue.complete(claim.job.id, WORKER, result)
            rest = (await asyncio.wait_for(answer.content.read(), 30)).decode()
        assert "event: image_generation.completed\ndata: {" in rest
