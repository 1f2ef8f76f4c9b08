"""The OpenAI-compatible Images API (aiohttp.web): routes, keys, and OpenAI-shaped answers.

A thin adapter, as the cogs are on Discord: each route authenticates the key, parses and
bounds its input (:mod:`app.api.asked` reads every field of the spec, honouring or
refusing it), then calls the studio's use-cases (``imagine``, ``edit``, ``vary``) as the
member the key belongs to, on the server where the key was made. Credits, the content
policy, the rate and in-flight limits, the queue's fair order and history are the
studio's; nothing here decides them. A request waits for its images, or streams them
(:mod:`app.api.stream`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

from aiohttp import web
from PIL import Image

from app.api import openapi, stream
from app.api.asked import Asked, read, styled, usage
from app.api.errors import ApiError, bad_field, from_studio
from app.api.forms import decode_image, read_form, read_json, validate
from app.api.models import ModelId, check_model, model_ids
from app.api.results import Results
from app.api.roles import RolesCache, RolesLookup
from app.api.schemas import (
    EditForm,
    GenerationRequest,
    ImagesResponse,
    ModelList,
    ModelObject,
    VariationForm,
)
from app.api.sizes import Size, parse_size, size_text
from data.api_keys import ApiKeyRow
from data.images import ImageRecord
from data.origins import HttpOrigin
from studio.api_keys import ApiKeys, member_of
from studio.canvas import mask_from_alpha
from studio.errors import BadRequest, StudioError, explain_failure
from studio.requester import Requester
from studio.settings import Settings
from studio.studio import EditOptions, ImagineOptions, Studio
from studio.watcher import JobHandle

log = logging.getLogger(__name__)

IMAGES_PER_CREDIT = 4  # DALL·E 2: up to 4 generated images for one GENERATION_COST
STARTED = int(time.time())

Submit = Callable[[int, int | None], Awaitable[JobHandle]]  # (images, seed) -> one job


@dataclass(frozen=True)
class Work:
    """One request's jobs as the answer needs them."""

    submit: Submit
    n: int
    per_job: int
    seed: int | None
    asked: Asked
    output: tuple[int, int] | None  # scale results to this (DALL·E 2's 256/512 squares)
    prompt: str = ""
    inputs: list[tuple[int, int]] = field(default_factory=list)  # input image sizes
    expected: tuple[int, int] | None = None  # the size the model will make (stream events)
    kind: str = "image_generation"  # the stream's event prefix


@dataclass
class Api:
    """What the routes share: the studio and the API's own services."""

    studio: Studio
    keys: ApiKeys
    results: Results
    member_roles: RolesLookup | None = None  # the member's current roles, when the bot runs
    public_url: str | None = None

    @property
    def settings(self) -> Settings:
        return self.studio.settings

    @property
    def models(self) -> dict[str, ModelId]:
        return model_ids(self.settings.model)

    def model(self, name: str | None) -> ModelId:
        return check_model(self.models, self.settings.model, name)

    async def authenticate(self, request: web.Request) -> ApiKeyRow:
        """The request's key (401 for a missing, wrong or revoked key); reads no body."""
        header = request.headers.get("Authorization", "")
        scheme, _, secret = header.partition(" ")
        return await self.keys.authenticate(secret.strip() if scheme.lower() == "bearer" else "")

    async def admit(self, request: web.Request) -> tuple[Requester, ApiKeyRow, HttpOrigin]:
        """The member behind a request that starts jobs, admitted by the rate limit.

        In this order, before any body is read: the key (401), the rate limit (429; every
        request admitted counts, also one refused later for a bad body), and only then the
        member's current roles (one Discord call per member a minute at most, see
        :mod:`app.api.roles`)."""
        key = await self.authenticate(request)
        origin = origin_of(key)
        await self.studio.admit(member_of(key), origin)  # Discord's limit too
        roles = None
        if self.member_roles is not None and key.guild_id is not None:
            roles = await self.member_roles(key.guild_id, key.user_id)
        await self.keys.used(key, roles)
        return member_of(key, roles), key, origin

    def clean(self, text: str | None, param: str, *, required: bool = True) -> str:
        try:
            return self.studio.clean_prompt(text, required=required)
        except BadRequest as error:
            raise from_studio(error, param) from None

    def base_url(self, request: web.Request) -> str:
        return (self.public_url or f"{request.scheme}://{request.host}").rstrip("/")

    async def answer(
        self, request: web.Request, member: Requester, origin: HttpOrigin, work: Work
    ) -> web.StreamResponse:
        """Run the request as ceil(n / per_job) jobs (each paid as one request), then answer
        with the images, or stream them.

        The rate limit counted the HTTP request once (:meth:`admit`: the jobs share its
        origin), as it counts one command on Discord. When a later job is refused (credits
        ran out meanwhile) the jobs already taken still run and are returned: they are
        paid for and in the member's history.
        """
        handles: list[JobHandle] = []
        for index in range(math.ceil(work.n / work.per_job)):
            images = min(work.per_job, work.n - index * work.per_job)
            try:
                job_seed = None if work.seed is None else work.seed + index * work.per_job
                handles.append(await work.submit(images, job_seed))
            except StudioError:
                if not handles:
                    raise
                log.info("user %s: request stopped after %d jobs", member.id, len(handles))
                break
        if work.asked.stream:
            return await self._stream(request, handles, work)
        records = await self.results.collect(handles, work.n)
        data = await self.results.render(
            records, work.asked.response_format, work.output, self.base_url(request),
            work.asked.encoding,
        )  # fmt: skip
        body = ImagesResponse(created=int(time.time()), data=data)
        if work.asked.gpt_image:
            made = [self._made(record, work) for record in records]
            body.size = size_text(made[0])
            body.quality = work.asked.quality.value
            body.background = "opaque"
            body.output_format = work.asked.encoding.format
            body.usage = usage(work.prompt, made, work.inputs, self.settings.family.multiple)
            body.safety_identifier = work.asked.end_user
        return web.json_response(body.model_dump(exclude_none=True))

    async def _stream(
        self, request: web.Request, handles: list[JobHandle], work: Work
    ) -> web.StreamResponse:
        asked = work.asked
        expected = work.output or work.expected or self.studio.size_of("square")
        echo = stream.Echo(size_text(expected), asked.quality.value, asked.encoding.format)
        events = await stream.open_stream(request)
        try:
            await self._events(events, handles, work, echo)
        finally:
            await events.close()
        return events.response

    async def _events(
        self, events: stream.EventStream, handles: list[JobHandle], work: Work, echo: stream.Echo
    ) -> None:
        asked = work.asked
        if asked.partial_images:
            await stream.send_partials(events, work.kind, handles[0], asked, echo)
        try:
            records = await self.results.collect(handles, work.n)
        except ApiError as error:
            await stream.send_error(events, error)
            return
        made = [self._made(record, work) for record in records]
        echo = stream.Echo(size_text(made[0]), asked.quality.value, asked.encoding.format)
        data = await self.results.render(records, "b64_json", work.output, "", asked.encoding)
        patch = self.settings.family.multiple
        usages = [
            usage(work.prompt if i == 0 else "", [size], work.inputs if i == 0 else [], patch)
            for i, size in enumerate(made)
        ]
        images = [item.b64_json or "" for item in data]
        await stream.send_completed(events, work.kind, images, usages, echo, asked.end_user)

    @staticmethod
    def _made(record: ImageRecord, work: Work) -> tuple[int, int]:
        return work.output or (record.width, record.height)


KEY = web.AppKey("api", Api)


def origin_of(key: ApiKeyRow, end_user: str | None = None) -> HttpOrigin:
    """Where an API job comes from: the key that asked (its id, never the secret), the
    server whose rules apply and the client's own end user; Discord's delivery leaves
    ``http`` origins alone."""
    return HttpOrigin(
        api_key_id=key.id,
        request_id=uuid.uuid4().hex,
        created_at=time.time(),
        guild_id=key.guild_id,
        end_user=end_user,
    )


async def generations(request: web.Request) -> web.StreamResponse:
    api = request.app[KEY]
    member, _, origin = await api.admit(request)
    body = validate(GenerationRequest, await read_json(request))
    asked = read(body, api.model(body.model))
    size = parse_size(body.size)
    made = api.studio.size_of(size.ratio)  # a ratio the model cannot make is refused here
    prompt = api.clean(body.prompt, "prompt")
    if body.style:
        prompt = api.clean(styled(prompt, body.style), "prompt")
    negative = api.clean(body.negative_prompt, "negative_prompt", required=False)
    origin = origin.model_copy(update={"end_user": asked.end_user})  # same request

    def submit(count: int, seed: int | None) -> Awaitable[JobHandle]:
        options = ImagineOptions(
            negative=negative, ratio=size.ratio, seed=seed, count=count, quality=asked.quality
        )
        return api.studio.imagine(member, prompt, options, origin=origin)

    work = Work(
        submit, body.n, IMAGES_PER_CREDIT, body.seed, asked, size.output, prompt, expected=made
    )
    return await api.answer(request, member, origin, work)


async def edits(request: web.Request) -> web.StreamResponse:
    """gpt-image's edit: a mask (or a DALL·E client's transparent area) picks what to
    paint; without one the whole image is edited as the prompt says, with the further
    ``image[]`` files as references where the model takes them."""
    api = request.app[KEY]
    member, _, origin = await api.admit(request)
    form = await read_form(request, api.settings.api_max_image_bytes)
    fields = validate(EditForm, form.fields)
    asked = read(fields, api.model(fields.model))
    sources = form.files.get("image", [])
    if not sources:
        raise bad_field("image", "Missing required file 'image'.")
    masks = form.files.get("mask", [])
    mask_bytes = masks[0] if masks else None
    sizes, painted = await api.studio.image_work(
        lambda: _check_edit(api.settings, sources, mask_bytes)
    )
    # DALL·E 2 painted an image's transparent area; the GPT image models edit the whole
    # image unless a mask says otherwise.
    try:
        api.studio.check_references(tuple(sources[1:]))
    except BadRequest as error:
        raise from_studio(error, "image") from None
    whole = mask_bytes is None and (asked.gpt_image or not painted)
    prompt = api.clean(fields.prompt, "prompt")
    size = parse_size(fields.size)
    origin = origin.model_copy(update={"end_user": asked.end_user})  # the same request
    source, references = sources[0], tuple(sources[1:])
    strength = None
    if fields.input_fidelity == "high":  # keep closer to the input (img2img models)
        strength = api.settings.vary_strength / 2

    def submit(count: int, seed: int | None) -> Awaitable[JobHandle]:
        options = EditOptions(
            mask=mask_bytes, references=references, quality=asked.quality, strength=strength
        )
        if whole:
            return api.studio.vary(
                member, source, prompt=prompt, seed=seed, origin=origin, strength=strength,
                references=references, quality=asked.quality,
            )  # fmt: skip
        return api.studio.edit(member, source, prompt, options, origin=origin, seed=seed)

    inputs = [api.studio.work_size(size) for size in sizes]  # as the model sees them
    work = Work(
        submit, fields.n, api.settings.images_per_edit, fields.seed, asked, size.output,
        prompt, inputs, expected=api.studio.work_size(sizes[0]), kind="image_edit",
    )  # fmt: skip
    return await api.answer(request, member, origin, work)


def _check_edit(
    settings: Settings, sources: list[bytes], mask_bytes: bytes | None
) -> tuple[list[tuple[int, int]], bool]:
    """Decode the images and the mask and check they fit, or a 400 naming the field; the
    images' sizes and whether the first has a transparent area to paint. Runs in the
    studio's image threads: a 4096² upload is CPU work, never the event loop's."""
    pictures = [_decode(settings, data, "image") for data in sources]
    image = pictures[0]
    if mask_bytes is not None:
        mask = _decode(settings, mask_bytes, "mask")
        if mask.size != image.size:
            raise bad_field(
                "mask",
                f"The mask is {mask.width}×{mask.height}; it must be the image's size, "
                f"{image.width}×{image.height}.",
            )
        if mask_from_alpha(mask) is None:
            raise bad_field(
                "mask", "The mask has no transparent pixels: make the area to paint transparent."
            )
        if len(sources) > 1:
            raise bad_field(
                "mask", "A mask edits one image: send one 'image' with it, or several without."
            )
    return [picture.size for picture in pictures], mask_from_alpha(image) is not None


async def variations(request: web.Request) -> web.StreamResponse:
    api = request.app[KEY]
    member, _, origin = await api.admit(request)
    form = await read_form(request, api.settings.api_max_image_bytes)
    fields = validate(VariationForm, form.fields)
    asked = read(fields, api.model(fields.model))
    sources = form.files.get("image", [])
    if len(sources) != 1:
        raise bad_field("image", "Send one 'image' file to vary.")
    await api.studio.image_work(lambda: _decode(api.settings, sources[0], "image"))
    size: Size = parse_size(fields.size)
    origin = origin.model_copy(update={"end_user": asked.end_user})  # the same request
    source = sources[0]

    def submit(count: int, seed: int | None) -> Awaitable[JobHandle]:
        return api.studio.vary(member, source, seed=seed, origin=origin)

    work = Work(submit, fields.n, api.settings.images_per_edit, fields.seed, asked, size.output)
    return await api.answer(request, member, origin, work)


def _decode(settings: Settings, data: bytes, name: str) -> Image.Image:
    """One uploaded file, safely decoded, or a 400 (runs in the studio's image threads)."""
    return decode_image(
        data,
        name,
        max_bytes=settings.api_max_image_bytes,
        max_pixels=settings.max_upload_pixels,
    )


def _models(api: Api) -> ModelList:
    return ModelList(data=[ModelObject(id=name, created=STARTED) for name in api.models])


async def models(request: web.Request) -> web.Response:
    api = request.app[KEY]
    await api.keys.used(await api.authenticate(request))  # no roles needed: no Discord call
    return web.json_response(_models(api).model_dump())


async def model(request: web.Request) -> web.Response:
    api = request.app[KEY]
    await api.keys.used(await api.authenticate(request))
    for served in _models(api).data:
        if served.id == request.match_info["model"]:
            return web.json_response(served.model_dump())
    raise ApiError(404, "The model does not exist here.", param="model", code="model_not_found")


async def result(request: web.Request) -> web.Response:
    """A ``url`` result: no key needed, the token is the secret; gone once expired."""
    quality = 100
    with contextlib.suppress(ValueError):
        quality = max(1, min(100, int(request.query.get("quality", "100"))))
    found = await request.app[KEY].results.link_image(request.match_info["file"], quality)
    if found is None:
        raise ApiError(404, "This image link expired or never existed.", code="not_found")
    image, encoding = found
    return web.Response(
        body=image, content_type=encoding.media_type, headers={"Cache-Control": "private"}
    )


async def openapi_document(request: web.Request) -> web.Response:
    return web.json_response(openapi.document(request.app[KEY].settings.model))


@web.middleware
async def openai_errors(request: web.Request, handler) -> web.StreamResponse:
    """Every refusal in OpenAI's error shape; a bug is logged and answered without detail."""
    try:
        return await handler(request)
    except ApiError as error:
        return error.response()
    except StudioError as error:
        return from_studio(error).response()
    except web.HTTPException as error:
        if error.status < 400:
            raise
        return ApiError(error.status, error.reason, code=None).response()
    except (asyncio.CancelledError, ConnectionResetError):
        raise
    except Exception as error:
        log.exception("API request %s %s failed", request.method, request.path)
        return ApiError(500, explain_failure(error), type="server_error").response()


# Adds another adapter's routes to this server (the composition root passes the web pages').
Install = Callable[[web.Application, Studio], None]


def build_app(
    studio: Studio, *, member_roles: RolesLookup | None = None, install: Sequence[Install] = ()
) -> web.Application:
    """The API over ``studio``; the studio's rate limit is the one Discord counts against.
    ``install``: what else this server serves (the composition root passes the web pages)."""
    settings = studio.settings
    app = web.Application(middlewares=[openai_errors])
    app[KEY] = Api(
        studio=studio,
        keys=ApiKeys.of(studio),
        results=Results(
            studio.store, studio.files, studio.watcher, link_minutes=settings.api_url_minutes
        ),
        member_roles=(
            RolesCache(member_roles, settings.api_roles_seconds)
            if member_roles is not None
            else None
        ),
        public_url=settings.api_public_url,
    )
    app.router.add_post("/v1/images/generations", generations)
    app.router.add_post("/v1/images/edits", edits)
    app.router.add_post("/v1/images/variations", variations)
    app.router.add_get("/v1/models", models)
    app.router.add_get("/v1/models/{model}", model)
    app.router.add_get("/v1/results/{file}", result)
    app.router.add_get("/openapi.json", openapi_document)
    for add_routes in install:
        add_routes(app, studio)
    return app


async def start_api(
    studio: Studio,
    host: str,
    port: int,
    *,
    member_roles: RolesLookup | None = None,
    shutdown_seconds: float = 10,
    install: Sequence[Install] = (),
) -> tuple[web.AppRunner, str]:
    """Serve the API on ``host:port`` (0: any free port); returns the runner and its URL.

    On shutdown, requests still waiting get ``shutdown_seconds`` to finish; their jobs
    stay in the queue and in history either way.
    """
    app = build_app(studio, member_roles=member_roles, install=install)
    runner = web.AppRunner(app, handle_signals=False, shutdown_timeout=shutdown_seconds)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    bound_host, bound_port = runner.addresses[0][:2]
    shown = bound_host if ":" not in bound_host else f"[{bound_host}]"
    return runner, f"http://{shown}:{bound_port}"
