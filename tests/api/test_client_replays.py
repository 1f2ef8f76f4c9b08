"""The requests today's clients send, replayed byte for byte as their sources build them,
against the studio with the default family's offline build (FLUX.2 [klein], tiny:flux2).

Recorded from the clients' public sources (the README names the versions checked):

- Open WebUI, ``backend/open_webui/routers/images.py`` (main at 02530d5): a JSON body
  with ``model``, ``prompt``, ``n``, ``size`` and, for models that do not match its
  ``IMAGE_URL_RESPONSE_MODELS_REGEX_PATTERN`` (``^gpt-image``), ``response_format:
  b64_json``; it reads ``url`` or ``b64_json``. Its edit is a multipart form: the same
  fields and one ``image`` file named ``<uuid>.png`` (several: ``image[]``), no mask.
- LibreChat, ``api/app/clients/tools/structured/DALLE3.js`` (37d31ec): ``model: dall-e-3,
  quality: standard, style: vivid, size: 1024x1024, n: 1``; it downloads ``data[0].url``.
- LibreChat, ``OpenAIImageTools.js`` (00b3bc3), the "OpenAI Image Tools": generation
  ``{model: gpt-image-1, n: 1, background: auto, output_format: png, quality: auto,
  size: auto}`` reading ``data[0].b64_json``; edit: a form with ``model``, ``prompt``,
  ``quality: auto``, ``size: auto`` and each image as ``image[]``.
"""

from __future__ import annotations

import base64
import io
import uuid

import aiohttp
from PIL import Image

from tests.api.conftest import png, serving, working

USER = 1001
PROMPT = "A watercolor painting of a lighthouse at dawn, gulls over the waves"


def picture(answer: dict) -> Image.Image:
    return Image.open(io.BytesIO(base64.b64decode(answer["data"][0]["b64_json"])))


async def test_open_webui_generation_and_edit(flux2_settings, flux2_engine):
    async with serving(flux2_settings) as api:
        key = await api.key(USER)
        headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
        async with working(api, flux2_engine), aiohttp.ClientSession() as http:
            url = f"{api.url}/v1/images/generations"
            dall_e_3 = {
                "model": "dall-e-3",
                "prompt": PROMPT,
                "n": 1,
                "size": "1024x1024",
                "response_format": "b64_json",
            }
            async with http.post(url, json=dall_e_3, headers=headers) as answer:
                assert answer.status == 200, await answer.text()
                assert picture(await answer.json()).format == "PNG"
            gpt_image = {"model": "gpt-image-1", "prompt": PROMPT, "n": 1, "size": "auto"}
            async with http.post(url, json=gpt_image, headers=headers) as answer:
                assert answer.status == 200, await answer.text()
                body = await answer.json()
                assert "url" not in body["data"][0]  # it reads b64_json when there is no url
                assert picture(body).size == (64, 64)

            def edit_form(images: list[bytes]) -> aiohttp.FormData:
                form = aiohttp.FormData()
                for name, value in (("model", "gpt-image-1"), ("prompt", "make it night")):
                    form.add_field(name, str(value))
                field = "image" if len(images) == 1 else "image[]"
                for data in images:
                    form.add_field(
                        field, io.BytesIO(data), filename=f"{uuid.uuid4()}.png",
                        content_type="image/png",
                    )  # fmt: skip
                return form

            opaque = png(Image.effect_noise((64, 64), 60).convert("RGB"))
            bearer = {"Authorization": f"Bearer {key}"}
            edits = f"{api.url}/v1/images/edits"
            for images in ([opaque], [opaque, opaque]):
                async with http.post(edits, data=edit_form(images), headers=bearer) as answer:
                    assert answer.status == 200, await answer.text()
                    assert picture(await answer.json()).size == (64, 64)
        assert await api.spent(USER) == 4


async def test_librechat_dall_e_3_tool_and_openai_image_tools(flux2_settings, flux2_engine):
    async with serving(flux2_settings) as api:
        key = await api.key(USER)
        headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
        async with working(api, flux2_engine), aiohttp.ClientSession() as http:
            url = f"{api.url}/v1/images/generations"
            dalle3 = {
                "model": "dall-e-3",
                "quality": "standard",
                "style": "vivid",
                "size": "1024x1024",
                "prompt": PROMPT,
                "n": 1,
            }
            async with http.post(url, json=dalle3, headers=headers) as answer:
                assert answer.status == 200, await answer.text()
                link = (await answer.json())["data"][0]["url"]
            assert link.rsplit("/", 1)[1].endswith(".png")  # it names the file by the URL
            async with http.get(link) as image:
                assert image.status == 200 and image.content_type == "image/png"

            image_gen_oai = {
                "model": "gpt-image-1",
                "prompt": PROMPT,
                "n": 1,
                "background": "auto",
                "output_format": "png",
                "quality": "auto",
                "size": "auto",
            }
            async with http.post(url, json=image_gen_oai, headers=headers) as answer:
                assert answer.status == 200, await answer.text()
                assert picture(await answer.json()).format == "PNG"

            form = aiohttp.FormData()
            for name, value in (
                ("model", "gpt-image-1"),
                ("prompt", "put the cat on the sofa"),
                ("quality", "auto"),
                ("size", "auto"),
            ):
                form.add_field(name, value)
            for index in range(2):
                data = png(Image.effect_noise((64, 64), 40 + index).convert("RGB"))
                form.add_field(
                    "image[]", io.BytesIO(data), filename=f"image{index}.png",
                    content_type="image/png",
                )  # fmt: skip
            bearer = {"Authorization": f"Bearer {key}"}
            async with http.post(f"{api.url}/v1/images/edits", data=form, headers=bearer) as answer:
                assert answer.status == 200, await answer.text()
                assert picture(await answer.json()).size == (64, 64)
        jobs = await api.runtime.store.fetchall("SELECT prompt FROM jobs ORDER BY created_at")
        assert jobs[0][0].startswith(PROMPT + ", vivid")  # DALL·E 3's style, as documented
        assert await api.spent(USER) == 3
