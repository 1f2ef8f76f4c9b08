"""Issue 25 (second security review) on the Images API: the key and the rate limit come
before any body is read, every admitted request counts (also one refused later), uploads
decode off the event loop, member roles are asked of Discord at most once a minute per
member, and a hostile JSON body is a 400, never a 500."""

from __future__ import annotations

import asyncio
import io
import time

import aiohttp
from PIL import Image

from app.api.app import start_api
from app.runtime import Runtime
from studio.uploads import open_upload
from tests.api.conftest import serving

USER = 731
GUILD = 9100


def opaque_webp(side: int = 4096) -> bytes:
    """A tiny lossless WebP of a big opaque picture: cheap to send, costly to decode."""
    buffer = io.BytesIO()
    Image.new("RGBA", (side, side), (20, 90, 200, 255)).save(buffer, "WEBP", lossless=True)
    return buffer.getvalue()


def decode_seconds(picture: bytes) -> float:
    """The fastest of three decodes of ``picture`` as the API checks an upload."""
    timings = []
    for _ in range(3):
        started = time.perf_counter()
        open_upload(picture, max_bytes=len(picture), max_pixels=4096 * 4096)
        timings.append(time.perf_counter() - started)
    return min(timings)


def edit_form(image: bytes | None, filename: str = "big.webp") -> aiohttp.FormData:
    form = aiohttp.FormData()
    form.add_field("prompt", "a red door")
    if image is not None:
        form.add_field("image", image, filename=filename, content_type="image/webp")
    return form


async def post_edit(session: aiohttp.ClientSession, url: str, key: str, image: bytes | None):
    async with session.post(
        f"{url}/v1/images/edits",
        data=edit_form(image),
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
    """A burst of 8 tiny 4096² WebP edits: on the loop each decode held it 250–880 ms."""
    settings = settings.model_copy(update={"rate_limit_jobs": 100})
    picture = opaque_webp()
    assert len(picture) < 64 * 1024
    one_decode = decode_seconds(picture)  # what one request held the loop for before
    async with serving(settings) as api, aiohttp.ClientSession() as session:
        key = await api.key(USER)
        lag = LoopLag()
        ticker = asyncio.create_task(lag.run())
        answers = await asyncio.gather(
            *(post_edit(session, api.url, key, picture) for _ in range(8))
        )
        lag.stop()
        await ticker
        for status, body in answers:  # fully decoded, then refused: no area to paint
            assert status == 400, body
            assert "no transparent area" in body["error"]["message"]
        print(
            f"one decode of the 4096² upload: {one_decode * 1000:.0f} ms; worst event-loop lag "
            f"during 8 at once: {lag.worst * 1000:.0f} ms"
        )
        assert lag.worst < 0.6 * one_decode  # on the loop, it was at least one whole decode
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
