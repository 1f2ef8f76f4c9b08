"""The Images API's refusals and money, through OpenAI's own client against the real server
(aiohttp on 127.0.0.1), the real store and queue; a worker runs only where a test needs one.

Every refusal must raise the exception an OpenAI client expects, name the field at fault,
and change nothing: no job, no charge.
"""

from __future__ import annotations

import asyncio
import io
import json

import aiohttp
import pytest
from openai import (
    AuthenticationError,
    BadRequestError,
    InternalServerError,
    PermissionDeniedError,
    RateLimitError,
)
from PIL import Image

from studio.errors import RateLimited
from tests.api.conftest import png, serving, with_hole

USER = 701

# OpenAI marks its client's create_variation deprecated (DALL·E 2 is retired there); the
# studio serves the endpoint, so the tests call it.
pytestmark = pytest.mark.filterwarnings("ignore:deprecated:DeprecationWarning")


async def wait_for(condition, timeout: float = 60) -> None:
    """Poll an async condition (a database state) until it holds."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not await condition():
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError("condition not met in time")
        await asyncio.sleep(0.05)


async def test_keys_missing_wrong_and_revoked_are_401(settings):
    from studio.api_keys import ApiKeys

    async with serving(settings) as api:
        key = await api.key(USER)
        assert (await api.client(key).models.list()).data[0].id == "tiny"
        for wrong in ("", "sk-not-ours", key[:-1] + ("A" if key[-1] != "A" else "B")):
            with pytest.raises(AuthenticationError):
                await api.client(wrong or "x").models.list()
        stored = await api.scalar("SELECT secret_sha256 FROM api_keys")
        assert key.encode() not in stored and len(stored) == 32  # only the digest is kept
        key_id = key.split("_")[1]
        await ApiKeys.of(api.runtime.studio).revoke(USER, key_id)
        with pytest.raises(AuthenticationError, match="revoked"):
            await api.client(key).models.list()


async def test_bad_fields_name_the_field_and_change_nothing(settings):
    settings.api_max_image_bytes = 60_000
    settings.rate_limit_jobs = 50  # every refused request counts against the limit too
    async with serving(settings) as api:
        client = api.client(await api.key(USER))
        hole = png(with_hole())

        async def refused(param: str, call) -> None:
            with pytest.raises(BadRequestError) as caught:
                await call
            assert caught.value.body["param"] == param, caught.value.body
            assert caught.value.status_code == 400

        images = client.images
        await refused("prompt", images.generate(prompt="a" * 401, size="256x256"))
        await refused("prompt", images.generate(prompt="a\x07 bell", size="256x256"))
        await refused("prompt", images.generate(prompt="  ", size="256x256"))
        await refused("n", images.generate(prompt="a cat", n=11, size="256x256"))
        await refused("size", images.generate(prompt="a cat", size="9000x1024"))
        await refused("size", images.generate(prompt="a cat", size="5000x1000"))  # past 4:1
        await refused("model", images.generate(prompt="a cat", model="dall-e-4"))
        await refused("response_format", images.generate(prompt="a", response_format="gif"))
        await refused("image", images.edit(image=("x.png", b"not an image"), prompt="a cat"))
        opaque = png(Image.effect_noise((64, 64), 60).convert("RGB"))
        small_mask = png(with_hole(32))
        await refused(
            "mask", images.edit(image=("o.png", opaque), mask=("m.png", small_mask), prompt="a")
        )
        await refused(
            "mask", images.edit(image=("o.png", opaque), mask=("m.png", opaque), prompt="a")
        )
        big = png(Image.effect_noise((256, 256), 90).convert("RGB"))  # ~190 kB of noise
        assert len(big) > settings.api_max_image_bytes
        await refused("image", images.create_variation(image=("big.png", big)))
        bomb = io.BytesIO()
        Image.new("1", (12_000, 12_000)).save(bomb, format="PNG")  # 144 Mpx, ~20 kB
        assert len(bomb.getvalue()) < settings.api_max_image_bytes
        await refused("image", images.create_variation(image=("bomb.png", bomb.getvalue())))
        await refused("prompt", images.edit(image=("h.png", hole), prompt=""))

        bearer = {"Authorization": f"Bearer {client.api_key}"}
        async with aiohttp.ClientSession(headers=bearer) as s:
            missing = aiohttp.FormData(default_to_multipart=True)
            missing.add_field("n", "2")
            async with s.post(f"{api.url}/v1/images/variations", data=missing) as answer:
                assert answer.status == 400
                assert (await answer.json())["error"]["param"] == "image"
            async with s.post(f"{api.url}/v1/images/generations", json={"n": 1}) as answer:
                body = await answer.json()
                assert answer.status == 400 and body["error"]["param"] == "prompt", body
            async with s.post(
                f"{api.url}/v1/images/generations",
                data=b"{" + b" " * 70_000 + b"}",
                headers={"Content-Type": "application/json"},
            ) as answer:
                assert answer.status == 400
                assert "larger than" in (await answer.json())["error"]["message"]

        assert await api.job_count() == 0
        assert await api.spent(USER) == 0


async def test_blocked_prompts_are_policy_violations_and_strikes_suspend(settings):
    settings.strike_limit = 2
    async with serving(settings) as api:
        client = api.client(await api.key(USER))
        for _ in range(2):
            with pytest.raises(BadRequestError) as blocked:
                await client.images.generate(prompt="a gory battle", size="256x256")
            assert blocked.value.code == "content_policy_violation"
        assert await api.scalar("SELECT COUNT(*) FROM moderation_blocks WHERE user_id = ?", USER)
        with pytest.raises(PermissionDeniedError) as suspended:
            await client.images.generate(prompt="a purple mammoth", size="256x256")
        assert suspended.value.code == "suspended"
        assert await api.job_count() == 0 and await api.spent(USER) == 0


async def test_no_credits_and_the_rate_limit_are_429s(settings):
    settings.welcome_credits = 0
    settings.rate_limit_jobs = 2
    async with serving(settings) as api:
        client = api.client(await api.key(USER))
        for _ in range(2):
            with pytest.raises(RateLimitError) as broke:
                await client.images.generate(prompt="a purple mammoth", size="256x256")
            assert broke.value.code == "insufficient_quota"
            assert "You need 1 credit and have 0" in broke.value.message
            assert broke.value.response.headers["x-should-retry"] == "false"
        with pytest.raises(RateLimitError) as limited:
            await client.images.generate(prompt="a purple mammoth", size="256x256")
        assert limited.value.code == "rate_limit_exceeded"
        assert 1 <= int(limited.value.response.headers["Retry-After"]) <= 60
        assert await api.job_count() == 0
        with pytest.raises(RateLimited):  # one limit per member: Discord counts the same
            await api.runtime.studio.rate_limit.check(USER)


async def test_in_flight_limit_then_a_disconnected_client_still_gets_its_job(settings, engine):
    from inference.worker import Worker
    from studio.library import Library

    settings.max_jobs_per_user = 1
    async with serving(settings) as api:
        client = api.client(await api.key(USER))
        first = asyncio.create_task(client.images.generate(prompt="a red fox", size="256x256"))
        await wait_for(lambda: api.scalar("SELECT COUNT(*) FROM jobs WHERE status = 'queued'"))
        with pytest.raises(RateLimitError) as busy:
            await client.images.generate(prompt="a blue fox", size="256x256")
        assert busy.value.code == "too_many_requests_in_flight"
        assert int(busy.value.response.headers["Retry-After"]) >= 1
        first.cancel()  # the client goes away while its job waits
        with pytest.raises(asyncio.CancelledError):
            await first
        stop = asyncio.Event()
        worker = asyncio.create_task(Worker(api.runtime.queue, engine).run(stop))
        try:
            await wait_for(lambda: api.scalar("SELECT COUNT(*) FROM images"))
        finally:
            stop.set()
            await worker
        page = await Library.of(api.runtime.studio).history(USER, 1)
        assert page.items and page.items[0][0].prompt == "a red fox"
        assert await api.spent(USER) == 1
        reason = await api.scalar("SELECT reason FROM ledger WHERE kind = 'spend'")
        assert reason.endswith("(API)")
        origin = json.loads(await api.scalar("SELECT origin FROM jobs"))
        assert origin["kind"] == "http" and origin["api_key_id"] == client.api_key.split("_")[1]


async def test_a_key_acts_with_its_servers_roles_and_credits(settings):
    settings.credits_per_server = True
    guild, member_role, other_role = 9001, 9101, 9102
    async with serving(settings) as api:
        from studio.access import Access

        access = Access.of(api.runtime.studio)
        client = api.client(await api.key(USER, guild, {member_role}))
        await access.allow(guild, other_role, by=studio_admin())
        with pytest.raises(PermissionDeniedError) as refused:
            await client.images.generate(prompt="a purple mammoth", size="256x256")
        assert refused.value.code == "no_access"
        await access.allow(guild, member_role, by=studio_admin())
        waiting = asyncio.create_task(
            client.images.generate(prompt="a purple mammoth", n=6, size="256x256")
        )
        await wait_for(lambda: api.scalar("SELECT COUNT(*) = 2 FROM jobs WHERE user_id = ?", USER))
        scopes = await api.runtime.store.fetchall(
            "SELECT DISTINCT scope FROM ledger WHERE kind = 'spend' AND user_id = ?", (USER,)
        )
        assert [row[0] for row in scopes] == [guild]
        assert await api.spent(USER) == 2  # 6 images: two requests' worth (4 + 2)
        waiting.cancel()


def studio_admin():
    from studio.requester import Requester

    return Requester(1, "admin")


async def test_a_failed_job_is_refunded_once_and_reported(settings, engine):
    from inference.worker import Worker

    async with serving(settings) as api:
        client = api.client(await api.key(USER))
        picture = png(Image.effect_noise((64, 64), 60).convert("RGB"))
        waiting = asyncio.create_task(client.images.create_variation(image=("p.png", picture)))
        await wait_for(lambda: api.scalar("SELECT COUNT(*) FROM queue"))
        async with api.runtime.store.transaction() as db:  # the worker will find it unreadable
            await db.execute("UPDATE queue SET payload = json_set(payload, '$.init_image', 'eA==')")
        assert await api.spent(USER) == 1
        stop = asyncio.Event()
        worker = asyncio.create_task(Worker(api.runtime.queue, engine).run(stop))
        try:
            with pytest.raises(InternalServerError) as failed:
                await waiting
        finally:
            stop.set()
            await worker
        assert "refunded" in failed.value.message
        assert await api.spent(USER) == 0
        refunds = await api.scalar("SELECT COUNT(*) FROM ledger WHERE kind = 'refund'")
        spends = await api.scalar("SELECT COUNT(*) FROM ledger WHERE kind = 'spend'")
        assert refunds == spends == 1


async def test_the_openapi_document_describes_every_route(settings):
    async with (
        serving(settings) as api,
        aiohttp.ClientSession() as session,
        session.get(f"{api.url}/openapi.json") as answer,
    ):
        document = await answer.json()
    from app.api.app import build_app

    assert document["openapi"].startswith("3.")
    served = {
        resource.canonical
        for resource in build_app(api.runtime.studio).router.resources()
        if resource.canonical != "/openapi.json"
    }
    assert served == set(document["paths"])  # every route described, nothing else
    schemas = document["components"]["schemas"]
    refs = {
        value.rsplit("/", 1)[1]
        for value in _walk(document)
        if isinstance(value, str) and value.startswith("#/components/schemas/")
    }
    assert refs and refs <= set(schemas)  # every reference resolves
    assert "prompt" in schemas["GenerationRequest"]["required"]


def _walk(node):
    if isinstance(node, dict):
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)
    else:
        yield node


async def test_a_withheld_result_is_a_policy_violation_and_refunded(settings):
    import skimage

    from data.jobs import GeneratedImage, Result
    from studio.moderation import ImageChecker

    async with serving(settings) as api:
        # Without its skin gate the detector reads the colour wheel as nudity: a real
        # detection standing in for a generated image that shows some.
        api.runtime.studio.moderator.images = ImageChecker(min_skin=0.0)
        client = api.client(await api.key(USER))
        waiting = asyncio.create_task(client.images.generate(prompt="a wheel", size="256x256"))
        await wait_for(lambda: api.scalar("SELECT COUNT(*) FROM queue"))
        claim = await api.runtime.queue.claim("test-worker", 60)
        wheel = png(Image.fromarray(skimage.data.colorwheel()))
        pictures = [GeneratedImage(png=wheel, seed=s) for s in range(claim.job.n)]
        result = Result(
            job_id=claim.job.id, model="tiny", width=370, height=371, images=pictures, seconds=1
        )
        await api.runtime.queue.complete(claim.job.id, "test-worker", result)
        with pytest.raises(BadRequestError) as withheld:
            await waiting
        assert withheld.value.code == "content_policy_violation"
        assert "withheld by the content filter (nudity)" in withheld.value.message
        assert await api.spent(USER) == 0
        assert await api.scalar("SELECT COUNT(*) FROM images") == 0


def test_fields_sent_as_null_take_their_defaults():
    """Some clients send every field, the unset ones as null: that is not a bad request."""
    from app.api.schemas import EditForm, GenerationRequest, VariationForm

    sent = {"prompt": "a cat", "n": None, "size": None, "response_format": None, "model": None}
    request = GenerationRequest.model_validate({**sent, "quality": None, "style": "vivid"})
    # None: the model id's own default (url for DALL·E ids, b64_json for GPT image ids)
    assert (request.n, request.size, request.response_format) == (1, None, None)
    assert (request.quality, request.style) == ("auto", "vivid")
    assert EditForm.model_validate(sent).response_format is None
    assert VariationForm.model_validate({"n": None, "seed": None}).n == 1
    with pytest.raises(ValueError, match="prompt"):
        GenerationRequest.model_validate({"prompt": None})
