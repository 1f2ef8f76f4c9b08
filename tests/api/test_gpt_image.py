"""The GPT image generation of the Images API, through OpenAI's own client against the real
server, store, queue and (where a test needs images) a real worker with the tiny model:
model ids as aliases with their defaults, sizes at the pixel budget, every field honoured
or refused, whole-image and multi-image edits, streaming."""

from __future__ import annotations

import asyncio
import base64
import io
import typing

import aiohttp
import pytest
from openai import BadRequestError
from openai.types import ImageModel
from PIL import Image

from studio.settings import Settings
from tests.api.conftest import job_rows, png, serving, with_hole, working

USER = 801


def decoded(b64: str) -> Image.Image:
    return Image.open(io.BytesIO(base64.b64decode(b64)))


def noise(size: int = 64) -> bytes:
    return png(Image.effect_noise((size, size), 60).convert("RGB"))


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """One member makes each test's requests, more than 6 a minute (the limit itself is
    tested in test_api_contract.py)."""
    settings.rate_limit_jobs = 100
    return settings


async def test_every_openai_image_model_id_is_an_alias_with_its_own_defaults(settings, engine):
    async with serving(settings) as api:
        client = api.client(await api.key(USER))
        listed = [model.id for model in (await client.models.list()).data]
        assert listed[0] == "tiny"
        assert set(typing.get_args(ImageModel)) <= set(listed)  # the SDK's ids, all of them
        for name in listed:
            assert (await client.models.retrieve(name)).id == name
        async with working(api, engine):
            gpt = await client.images.generate(model="gpt-image-1", prompt="a red fox")
            dalle = await client.images.generate(model="dall-e-3", prompt="a red fox")
            own = await client.images.generate(model="tiny", prompt="a red fox")
        # GPT image ids answer in base64 with the newer fields; DALL·E ids with a link.
        assert gpt.data[0].b64_json and gpt.data[0].url is None
        assert (gpt.size, gpt.quality, gpt.background, gpt.output_format) == (
            "64x64",
            "medium",
            "opaque",
            "png",
        )
        assert decoded(gpt.data[0].b64_json).size == (64, 64)
        assert gpt.usage.output_tokens == (64 // 8) ** 2  # one token per latent patch
        assert gpt.usage.input_tokens_details.text_tokens == 3  # "a red fox": 9 chars / 4
        for answer in (dalle, own):
            assert answer.data[0].url and answer.data[0].b64_json is None
            assert answer.usage is None and answer.size is None  # DALL·E's shape
        assert await api.spent(USER) == 3


async def test_every_size_of_the_spec_is_made_at_the_pixel_budget_and_said(settings, engine):
    """The tiny model's budget is 64²: each aspect is made near 4096 pixels in multiples
    of 8, never upscaled to 1792 pixels of nothing; 256/512 squares are scaled as asked."""
    async with serving(settings) as api:
        client = api.client(await api.key(USER))
        made = {}
        async with working(api, engine):
            for size in ("auto", "1024x1024", "1536x1024", "1024x1536", "1792x1024", "1024x1792"):
                answer = await client.images.generate(model="gpt-image-1", prompt="a", size=size)
                picture = decoded(answer.data[0].b64_json)
                assert answer.size == f"{picture.width}x{picture.height}"
                made[size] = picture.size
            small = await client.images.generate(model="gpt-image-1", prompt="a", size="256x256")
        assert made["auto"] == made["1024x1024"] == (64, 64)
        assert made["1536x1024"] == (72, 48) and made["1024x1536"] == (48, 72)  # 3:2
        assert made["1792x1024"] == (88, 48) and made["1024x1792"] == (48, 88)  # 7:4
        for width, height in made.values():
            assert width % 8 == 0 and height % 8 == 0
            assert 0.8 < width * height / 64**2 < 1.1
        assert small.size == "256x256" and decoded(small.data[0].b64_json).size == (256, 256)


async def test_quality_style_user_and_formats_are_honoured(settings, engine):
    async with serving(settings) as api:
        client = api.client(await api.key(USER))
        async with working(api, engine):
            low = await client.images.generate(
                model="gpt-image-1", prompt="a fox", quality="low", user="end-user-7"
            )
            await client.images.generate(model="dall-e-3", prompt="a fox", quality="hd")
            await client.images.generate(model="dall-e-3", prompt="a fox", style="vivid")
            jpeg = await client.images.generate(
                model="gpt-image-1", prompt="a fox", output_format="jpeg", output_compression=40
            )
            webp = await client.images.generate(
                model="gpt-image-1.5", prompt="a fox", output_format="webp"
            )
            linked = await client.images.generate(
                model="dall-e-3", prompt="a fox", extra_body={"output_format": "webp"}
            )
        jobs = await job_rows(api)
        steps = [job.steps for job, _ in jobs]
        assert steps[:3] == [1, 4, 2]  # low: half of tiny's 2 steps, hd: twice, else its own
        assert low.quality == "low" and low.safety_identifier == "end-user-7"
        assert jobs[0][1]["end_user"] == "end-user-7"  # recorded with the job
        assert jobs[2][0].prompt == "a fox, vivid, dramatic lighting, rich saturated colours, " \
            "hyper-real detail"  # fmt: skip
        assert decoded(jpeg.data[0].b64_json).format == "JPEG" and jpeg.output_format == "jpeg"
        assert decoded(webp.data[0].b64_json).format == "WEBP"
        url = linked.data[0].url
        assert url.endswith(".webp")
        async with aiohttp.ClientSession() as session, session.get(url) as answer:
            assert answer.headers["Content-Type"] == "image/webp"
            assert Image.open(io.BytesIO(await answer.read())).format == "WEBP"


async def test_fields_the_studio_cannot_honour_are_refused_and_change_nothing(settings):
    async with serving(settings) as api:
        client = api.client(await api.key(USER))

        async def refused(param: str, **fields) -> str:
            with pytest.raises(BadRequestError) as caught:
                await client.images.generate(prompt="a fox", model="gpt-image-1", **fields)
            assert caught.value.body["param"] == param, caught.value.body
            return caught.value.message

        assert "opaque" in await refused("background", background="transparent")
        assert "cannot lower it" in await refused("moderation", moderation="low")
        assert "jpeg" in await refused("output_compression", output_compression=50)
        await refused("output_format", output_format="gif")
        await refused("quality", quality="max")
        await refused("style", style="pastel")
        await refused("partial_images", partial_images=2)  # without stream
        await refused("partial_images", partial_images=4, stream=True)
        await refused("complexity", extra_body={"complexity": "high"})
        await refused("svg", extra_body={"svg": {"model": "x"}})
        assert await api.job_count() == 0 and await api.spent(USER) == 0
        # None of these is dropped silently either: each was answered 400 above.


async def test_an_edit_without_a_mask_edits_the_whole_image(flux2_settings, flux2_engine):
    async with serving(flux2_settings) as api:
        client = api.client(await api.key(USER))
        async with working(api, flux2_engine):
            edited = await client.images.edit(
                model="gpt-image-1", image=("photo.png", noise()), prompt="make it autumn"
            )
            # A GPT image id edits the whole image even when it has transparent pixels.
            holed = await client.images.edit(
                model="gpt-image-1", image=("holed.png", png(with_hole())), prompt="autumn"
            )
        assert decoded(edited.data[0].b64_json).size == (64, 64)
        assert holed.data[0].b64_json
        jobs = await job_rows(api)
        assert [job.kind.value for job, _ in jobs] == ["vary", "vary"]
        assert jobs[0][0].prompt == "make it autumn" and jobs[0][0].mask is None


async def test_several_images_are_references_where_the_family_takes_them(
    flux2_settings, flux2_engine, settings
):
    async with serving(flux2_settings) as api:
        client = api.client(await api.key(USER))
        async with working(api, flux2_engine):
            both = await client.images.edit(
                model="gpt-image-1",
                image=[("a.png", noise()), ("b.png", noise(96))],
                prompt="the cat of the first in the room of the second",
                n=2,
            )
        assert len(both.data) == 2
        assert both.usage.input_tokens_details.image_tokens == 16 + 36  # 64² and 96², 16 px
        ((job, _),) = await job_rows(api)
        assert job.kind.value == "vary" and len(job.references) == 1
        assert Image.open(io.BytesIO(job.references[0])).size == (96, 96)
        with pytest.raises(BadRequestError) as masked:
            await client.images.edit(
                image=[("a.png", noise()), ("b.png", noise())],
                mask=("m.png", png(with_hole())),
                prompt="a cat",
            )
        assert masked.value.body["param"] == "mask"
    async with serving(settings) as api:  # SD: one image at a time
        client = api.client(await api.key(USER))
        with pytest.raises(BadRequestError) as refused:
            await client.images.edit(image=[("a.png", noise()), ("b.png", noise())], prompt="a cat")
        assert refused.value.body["param"] == "image"
        assert "reference images" in refused.value.message
        assert await api.job_count() == 0 and await api.spent(USER) == 0


async def test_input_fidelity_high_keeps_closer_to_the_image(settings):
    async with serving(settings) as api:
        client = api.client(await api.key(USER))
        for made, fidelity in enumerate(("low", "high"), start=1):
            waiting = asyncio.create_task(
                client.images.edit(
                    model="gpt-image-1.5",
                    image=("p.png", noise()),
                    prompt="autumn",
                    input_fidelity=fidelity,
                )
            )
            await _wait(lambda made=made: _jobs_are(api, made))
            waiting.cancel()
        strengths = [job.strength for job, _ in await job_rows(api)]
        assert strengths == [settings.vary_strength, settings.vary_strength / 2]


async def _jobs_are(api, count: int) -> bool:
    return await api.job_count() == count


async def _wait(condition, timeout: float = 60) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not await condition():
        assert asyncio.get_running_loop().time() < deadline, "condition not met in time"
        await asyncio.sleep(0.05)
