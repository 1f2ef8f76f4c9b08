"""Issue 25 (second security review) on the Images API: the key and the rate limit come
before any body is read, every admitted request counts (also one refused later), uploads
decode off the event loop, member roles are asked of Discord at most once a minute per
member, and a hostile JSON body is a 400, never a 500."""

from __future__ import annotations

import asyncio
import gc
import io
import time

import aiohttp
from PIL import Image

from app.api.app import start_api
from app.api.forms import decode_image
from app.runtime import Runtime
from tests.api.conftest import serving

USER = 731
GUILD = 9100


def opaque_webp(side: int = 4096) -> bytes:
    """A tiny lossless WebP of a big opaque picture: cheap to send, costly to decode."""
    buffer = io.BytesIO()
    Image.new("RGBA", (side, side), (20, 90, 200, 255)).save(buffer, "WEBP", lossless=True)
    return buffer.getvalue()


async def decoding_on_the_loop(picture: bytes, times: int = 3) -> tuple[float, float]:
    """Decode ``picture`` on the loop itself, as the API did before: the worst event-loop
    lag meanwhile, and the loop thread's CPU time for one decode (the fastest of
    ``times``). Measured now, under the machine's load of the moment."""
    lag = LoopLag()
    ticker = asyncio.create_task(lag.run())
    await asyncio.sleep(0.02)
    cpu = []
    for _ in range(times):
        started = time.thread_time()
        decode_image(picture, "image", max_bytes=len(picture), max_pixels=4096 * 4096)
        cpu.append(time.thread_time() - started)
        await asyncio.sleep(0.01)  # the ticker wakes up between decodes
    lag.stop()
    await ticker
    return lag.worst, min(cpu)


def small_mask() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGBA", (64, 64), (0, 0, 0, 0)).save(buffer, "PNG")
    return buffer.getvalue()


def edit_form(image: bytes | None, mask: bytes | None = None) -> aiohttp.FormData:
    form = aiohttp.FormData()
    form.add_field("prompt", "a red door")
    if image is not None:
        form.add_field("image", image, filename="big.webp", content_type="image/webp")
    if mask is not None:
        form.add_field("mask", mask, filename="mask.png", content_type="image/png")
    return form


async def post_edit(
    session: aiohttp.ClientSession, url: str, key: str, image: bytes | None, mask=None
):
    async with session.post(
        f"{url}/v1/images/edits",
        data=edit_form(image, mask),
        headers={"Authorization": f"Bearer {key}"},
    ) as answer:
        return answer.status, await answer.json()


class LoopLag:
    """The longest the event loop was late to wake a 5 ms sleeper while it runs."""

    def __init__(self) -> None:
        self.worst = 0.0
        self._stop = asyncio.Event()

    async def run(self) -> None:
        while not self._stop.is_set():
            before = time.perf_counter()
            await asyncio.sleep(0.005)
            self.worst = max(self.worst, time.perf_counter() - before - 0.005)

    def stop(self) -> None:
        self._stop.set()


async def test_uploads_decode_off_the_event_loop(settings):
    """A burst of 8 tiny 4096² WebP edits (with a mask of the wrong size, so each is fully
    decoded, then refused): on the loop each decode held it 250–880 ms."""
    settings = settings.model_copy(update={"rate_limit_jobs": 100})
    picture = opaque_webp()
    assert len(picture) < 64 * 1024
    async with serving(settings) as api, aiohttp.ClientSession() as session:
        key = await api.key(USER)
        lag = LoopLag()
        ticker = asyncio.create_task(lag.run())
        mask = small_mask()
        # A full collection of a test process's heap (models, indexes) can take the loop
        # hundreds of ms (seen once in the whole suite: 390 ms); it is not what is measured.
        gc.collect()
        gc.disable()
        try:
            started = time.thread_time()  # CPU of this thread: the loop's, server included
            answers = await asyncio.gather(
                *(post_edit(session, api.url, key, picture, mask) for _ in range(8))
            )
            loop_cpu = time.thread_time() - started
        finally:
            gc.enable()
        lag.stop()
        await ticker
        before, one_decode = await decoding_on_the_loop(picture)
        for status, body in answers:  # fully decoded, then refused: the mask does not fit
            assert status == 400, body
            assert "it must be the image's size, 4096×4096" in body["error"]["message"]
        print(
            f"worst event-loop lag: {lag.worst * 1000:.0f} ms during 8 uploads at once, "
            f"{before * 1000:.0f} ms decoding the same upload on the loop; loop thread CPU "
            f"{loop_cpu * 1000:.0f} ms for the 8, {one_decode * 1000:.0f} ms per decode on it"
        )
        # On the loop, the 8 decodes would cost it 8 decodes; in the image threads its own
        # CPU stays under one (48–66 ms against ~200 ms here). The bound leaves room for a
        # loaded machine's slower loop, and still fails at 3 decodes of the 8 on it.
        assert loop_cpu < 3 * one_decode
        # Its wall-clock lag (printed above) is not asserted: a busy 2-core machine delays
        # every thread, and under load it came out 248 ms against a 231 ms baseline.
        assert await api.job_count() == 0


async def test_the_limit_comes_before_the_body_and_refused_requests_count(settings):
    settings = settings.model_copy(update={"rate_limit_jobs": 2})
    async with serving(settings) as api, aiohttp.ClientSession() as session:
        key = await api.key(USER)
        for _ in range(2):  # admitted, then refused for the body: each counts
            status, body = await post_edit(session, api.url, key, None)
            assert status == 400 and body["error"]["param"] == "image"
        status, body = await post_edit(session, api.url, key, opaque_webp(64))
        assert status == 429, body
        assert body["error"]["code"] == "rate_limit_exceeded"
        async with session.post(  # a wrong key is a 401 before anything else
            f"{api.url}/v1/images/generations",
            data=b"{not json",
            headers={"Authorization": "Bearer imk_wrong", "Content-Type": "application/json"},
        ) as answer:
            assert answer.status == 401
        assert await api.job_count() == 0


async def test_deeply_nested_json_is_a_400(settings):
    async with serving(settings) as api, aiohttp.ClientSession() as session:
        key = await api.key(USER)
        depth = 20_000
        body = '{"prompt": ' + "[" * depth + "]" * depth + "}"
        async with session.post(
            f"{api.url}/v1/images/generations",
            data=body.encode(),
            headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
        ) as answer:
            assert answer.status == 400
            assert "nested too deeply" in (await answer.json())["error"]["message"]
        async with session.post(  # a shallow wrong type names its field
            f"{api.url}/v1/images/generations",
            json={"prompt": [[["a cat"]]]},
            headers={"Authorization": f"Bearer {key}"},
        ) as answer:
            assert answer.status == 400
            assert (await answer.json())["error"]["param"] == "prompt"


async def test_member_roles_are_asked_once_a_minute_and_only_after_the_limit(settings):
    settings = settings.model_copy(update={"rate_limit_jobs": 3})
    asked: list[tuple[int, int]] = []

    async def roles(guild_id: int, user_id: int) -> frozenset[int]:
        asked.append((guild_id, user_id))
        return frozenset({1})

    runtime = await Runtime.start(settings)
    runner, url = await start_api(runtime.studio, "127.0.0.1", 0, member_roles=roles)
    try:
        async with aiohttp.ClientSession() as session:
            from studio.api_keys import ApiKeys
            from studio.requester import Requester

            made = await ApiKeys.of(runtime.studio).create(Requester(USER, "u", GUILD), "t")
            auth = {"Authorization": f"Bearer {made.secret}"}
            for _ in range(3):
                async with session.get(f"{url}/v1/models", headers=auth) as answer:
                    assert answer.status == 200
            assert asked == []  # listing models needs no roles
            for _ in range(3):
                status, _ = await post_edit(session, url, made.secret, None)
                assert status == 400
            assert asked == [(GUILD, USER)]  # cached for the member on that server
            status, _ = await post_edit(session, url, made.secret, None)
            assert status == 429
            assert asked == [(GUILD, USER)]  # over the limit: Discord is not asked
    finally:
        await runner.cleanup()
        await runtime.stop()
