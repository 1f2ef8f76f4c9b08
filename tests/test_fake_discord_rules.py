"""The fake refuses what Discord refuses, with Discord's status and code (raw HTTP, no bot)."""

from __future__ import annotations

import asyncio
import json
import secrets
import time
from collections.abc import AsyncIterator

import aiohttp
import pytest

from tests.fakediscord import CHANNEL_ID, USER_ID, FakeDiscord
from tests.fakediscord import payloads as p
from tests.fakediscord.records import FakeInteraction


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord() as running:
        yield running


def interaction(fake: FakeDiscord, *, age: float = 0.0, limit: int = 1024) -> FakeInteraction:
    """An interaction as if dispatched ``age`` seconds ago, announcing upload ``limit``."""
    inter_id = fake.ids.next()
    inter = FakeInteraction(
        fake=fake,
        id=inter_id,
        token=f"fake-{inter_id}-{secrets.token_urlsafe(8)}",
        type=2,
        payload={"attachment_size_limit": limit},
        channel_id=CHANNEL_ID,
        user_id=USER_ID,
        dispatched_at=time.monotonic() - age,
        first_call=len(fake.calls),
    )
    fake.interactions[inter.token] = inter
    return inter


def form(payload: dict, file: bytes | None = None) -> aiohttp.FormData:
    data = aiohttp.FormData()
    data.add_field("payload_json", json.dumps(payload), content_type="application/json")
    if file is not None:
        data.add_field("files[0]", file, filename="grid.jpg", content_type="image/jpeg")
    return data


async def test_the_three_seconds_run_until_the_callback_body_has_arrived(fake: FakeDiscord):
    fake.callback_deadline = 3.0
    inter = interaction(fake, age=2.9)  # arrives in time; its body does not

    async def slow_body() -> AsyncIterator[bytes]:
        yield b'{"type": 4, '
        while time.monotonic() - inter.dispatched_at <= 3.0:  # the deadline passes mid-body
            await asyncio.sleep(0.01)
        yield b'"data": {"content": "late"}}'

    url = f"{fake.api_base}{inter.callback_path}"
    headers = {"Content-Type": "application/json"}
    async with (
        aiohttp.ClientSession() as session,
        session.post(url, data=slow_body(), headers=headers) as response,
    ):
        assert response.status == 404
        assert (await response.json())["code"] == 10062  # Unknown interaction
    assert inter.response_type is None


async def test_uploads_over_the_interactions_limit_get_413(fake: FakeDiscord):
    inter = interaction(fake, limit=1024)
    url = f"{fake.api_base}{inter.callback_path}"
    async with aiohttp.ClientSession() as session:
        body = form({"type": 4, "data": {"content": "x"}}, b"\0" * 1025)
        async with session.post(url, data=body) as response:
            assert response.status == 413 and (await response.json())["code"] == 40005
        body = form({"type": 4, "data": {"content": "x"}}, b"\0" * 1024)
        async with session.post(url, data=body) as response:
            assert response.status == 204


async def test_embeds_over_6000_characters_in_all_are_refused(fake: FakeDiscord):
    url = f"{fake.api_base}/channels/{CHANNEL_ID}/messages"
    fields = [{"name": f"f{n}", "value": "v" * 1000} for n in range(6)]
    async with aiohttp.ClientSession() as session:
        async with session.post(url, json={"embeds": [{"fields": fields}]}) as response:
            error = await response.json()
            assert response.status == 400 and error["code"] == 50035
            assert error["errors"]["embeds"]["_errors"][0]["code"] == "MAX_EMBED_SIZE_EXCEEDED"
        async with session.post(url, json={"embeds": [{"fields": fields[:5]}]}) as response:
            assert response.status == 200


async def test_forums_that_require_a_tag_refuse_a_post_without_one(fake: FakeDiscord):
    tag = p.forum_tag_payload(77, "art")
    await fake.add_forum_channel(3100, "art", tags=[tag], require_tag=True)
    url = f"{fake.api_base}/channels/3100/threads"
    post = {"name": "a fox", "message": {"content": "look"}}
    async with aiohttp.ClientSession() as session:
        async with session.post(url, json=post) as response:
            assert response.status == 400 and (await response.json())["code"] == 40067
        async with session.post(url, json={**post, "applied_tags": ["78"]}) as response:
            assert response.status == 400 and (await response.json())["code"] == 50035
        async with session.post(url, json={**post, "applied_tags": ["77"]}) as response:
            assert response.status == 201 and (await response.json())["applied_tags"] == ["77"]


async def test_missing_permissions_and_closed_dms_answer_403(fake: FakeDiscord):
    fake.bot_denied[CHANNEL_ID] = p.PERM_SEND_MESSAGES
    fake.close_dms(USER_ID)
    dm = fake.dm_channel(USER_ID)["id"]
    async with aiohttp.ClientSession() as session:
        for channel, code in ((CHANNEL_ID, 50013), (dm, 50007)):
            url = f"{fake.api_base}/channels/{channel}/messages"
            async with session.post(url, json={"content": "hi"}) as response:
                assert response.status == 403 and (await response.json())["code"] == code
