"""The OpenAI-compatible Images API (aiohttp.web): routes, keys, and OpenAI-shaped answers.

A thin adapter, as the cogs are on Discord: each route authenticates the key, parses and
bounds its input, then calls the studio's use-cases (``imagine``, ``edit``, ``vary``) as
the member the key belongs to, on the server where the key was made. Credits, the content
policy, the rate and in-flight limits, the queue's fair order and history are the
studio's; nothing here decides them. A request waits for its images.
"""

from __future__ import annotations

import logging
import math
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from aiohttp import web

from app.api import openapi
from app.api.errors import ApiError, bad_field, from_studio
from app.api.forms import decode_image, read_form, read_json, validate
from app.api.results import Results
from app.api.schemas import (
    EditForm,
    GenerationRequest,
    ImagesResponse,
    ModelList,
    ModelObject,
    VariationForm,
)
from app.api.sizes import output_size, parse_size
from data.api_keys import ApiKeyRow
from data.origins import HttpOrigin
from studio.api_keys import ApiKeys, member_of
from studio.canvas import mask_from_alpha
from studio.errors import BadRequest, StudioError, explain_failure
from studio.requester import Requester
from studio.settings import Settings
from studio.studio import EditOptions, ImagineOptions, Studio
from studio.watcher import JobHandle

log = logging.getLogger(__name__)

DALL_E_2 = "dall-e-2"  # clients written for DALL·E 2 send it; it means "the served model"
IMAGES_PER_CREDIT = 4  # DALL·E 2: up to 4 generated images for one GENERATION_COST
STARTED = int(time.time())

RolesLookup = Callable[[int, int], Awaitable[frozenset[int] | None]]
Submit = Callable[[int, int | None], Awaitable[JobHandle]]  # (images, seed) -> one job


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

    async def member(self, request: web.Request) -> tuple[Requester, ApiKeyRow]:
        """The member behind the request's key (401 for a missing, wrong or revoked key)."""
        header = request.headers.get("Authorization", "")
        scheme, _, secret = header.partition(" ")
        key = await self.keys.authenticate(secret.strip() if scheme.lower() == "bearer" else "")
        roles = None
        if self.member_roles is not None and key.guild_id is not None:
            roles = await self.member_roles(key.guild_id, key.user_id)
        await self.keys.used(key, roles)
        return member_of(key, roles), key

    def check_model(self, model: str | None) -> None:
        """The served model, or none; ``dall-e-2`` names it too, as clients made for DALL·E 2
        send that id (another OpenAI model, e.g. ``dall-e-3``, is refused)."""
        if model not in (None, "", DALL_E_2, self.settings.model):
            raise ApiError(
                400,
                f"The model {model!r} does not exist here; this studio serves "
                f"{self.settings.model!r} (see GET /v1/models).",
                param="model",
                code="model_not_found",
            )

    def clean(self, text: str | None, param: str, *, required: bool = True) -> str:
        try:
            return self.studio.clean_prompt(text, required=required)
        except BadRequest as error:
            raise from_studio(error, param) from None

    def base_url(self, request: web.Request) -> str:
        return (self.public_url or f"{request.scheme}://{request.host}").rstrip("/")

    async def answer(
        self,
        request: web.Request,
        member: Requester,
        origin: HttpOrigin,
        submit: Submit,
        n: int,
        per_job: int,
        seed: int | None,
        response_format: str,
        size: tuple[int, int] | None,
    ) -> web.Response:
        """Run the request as ceil(n / per_job) jobs (each paid as one request), wait, answer.

        The rate limit counts the HTTP request once (its origin's key), as it counts one
        command on Discord.
        When a later job is refused (credits ran out meanwhile) the jobs already taken
        still run and are returned: they are paid for and in the member's history.
        """
        try:
            self.studio.admit(member, origin)  # Discord's limit too
        except StudioError as error:
            raise from_studio(error) from None
        handles: list[JobHandle] = []
        for index in range(math.ceil(n / per_job)):
            images = min(per_job, n - index * per_job)
            try:
                job_seed = None if seed is None else seed + index * per_job
                handles.append(await submit(images, job_seed))
            except StudioError:
                if not handles:
                    raise
                log.info("user %s: request stopped after %d jobs", member.id, len(handles))
                break
        records = await self.results.collect(handles, n)
        data = await self.results.render(records, response_format, size, self.base_url(request))
        body = ImagesResponse(created=int(time.time()), data=data)
        return web.json_response(body.model_dump(exclude_none=True))


KEY = web.AppKey("api", Api)


def origin_of(key: ApiKeyRow) -> HttpOrigin:
    """Where an API job comes from: the key that asked (its id, never the secret) and the
    server whose rules apply; Discord's delivery leaves ``http`` origins alone."""
    return HttpOrigin(
        api_key_id=key.id,
        request_id=uuid.uuid4().hex,
        created_at=time.time(),
        guild_id=key.guild_id,
    )


async def generations(request: web.Request) -> web.Response:
    api = request.app[KEY]
    member, key = await api.member(request)
    body = validate(GenerationRequest, await read_json(request))
    api.check_model(body.model)
    size = parse_size(body.size, api.settings.sizes)
    prompt = api.clean(body.prompt, "prompt")
    negative = api.clean(body.negative_prompt, "negative_prompt", required=False)
    origin = origin_of(key)

    def submit(count: int, seed: int | None) -> Awaitable[JobHandle]:
        options = ImagineOptions(negative=negative, size=size.shape, seed=seed, count=count)
        return api.studio.imagine(member, prompt, options, origin=origin)

    return await api.answer(
        request, member, origin, submit, body.n, IMAGES_PER_CREDIT, body.seed, body.response_format,
        size.output,
    )  # fmt: skip


async def edits(request: web.Request) -> web.Response:
    api = request.app[KEY]
    member, key = await api.member(request)
    form = await read_form(request, api.settings.api_max_image_bytes)
    fields = validate(EditForm, form.fields)
    api.check_model(fields.model)
    image = _image(api, form.files, "image")
    mask_bytes = form.files.get("mask")
    if mask_bytes is not None:
        mask = _image(api, form.files, "mask")
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
    elif mask_from_alpha(image) is None:
        raise bad_field(
            "image",
            "The image has no transparent area to paint: send a mask, or a PNG whose "
            "transparent pixels mark the area.",
        )
    prompt = api.clean(fields.prompt, "prompt")
    size = output_size(fields.size, api.settings.sizes)
    origin, source = origin_of(key), form.files["image"]

    def submit(count: int, seed: int | None) -> Awaitable[JobHandle]:
        options = EditOptions(mask=mask_bytes)
        return api.studio.edit(member, source, prompt, options, origin=origin, seed=seed)

    per_job = api.settings.images_per_edit
    return await api.answer(
        request, member, origin, submit, fields.n, per_job, fields.seed, fields.response_format,
        size,
    )  # fmt: skip


async def variations(request: web.Request) -> web.Response:
    api = request.app[KEY]
    member, key = await api.member(request)
    form = await read_form(request, api.settings.api_max_image_bytes)
    fields = validate(VariationForm, form.fields)
    api.check_model(fields.model)
    _image(api, form.files, "image")
    size = output_size(fields.size, api.settings.sizes)
    origin, source = origin_of(key), form.files["image"]

    def submit(count: int, seed: int | None) -> Awaitable[JobHandle]:
        return api.studio.vary(member, source, seed=seed, origin=origin)

    per_job = api.settings.images_per_edit
    return await api.answer(
        request, member, origin, submit, fields.n, per_job, fields.seed, fields.response_format,
        size,
    )  # fmt: skip


def _image(api: Api, files: dict[str, bytes], name: str):
    if name not in files:
        raise bad_field(name, f"Missing required file {name!r}.")
    return decode_image(
        files[name],
        name,
        max_bytes=api.settings.api_max_image_bytes,
        max_pixels=api.settings.max_upload_pixels,
    )


def _models(api: Api) -> ModelList:
    return ModelList(data=[ModelObject(id=api.settings.model, created=STARTED)])


async def models(request: web.Request) -> web.Response:
    api = request.app[KEY]
    await api.member(request)
    return web.json_response(_models(api).model_dump())


async def model(request: web.Request) -> web.Response:
    api = request.app[KEY]
    await api.member(request)
    for served in _models(api).data:
        if served.id == request.match_info["model"]:
            return web.json_response(served.model_dump())
    raise ApiError(404, "The model does not exist here.", param="model", code="model_not_found")


async def result(request: web.Request) -> web.Response:
    """A ``url`` result: no key needed, the token is the secret; gone once expired."""
    png = await request.app[KEY].results.link_png(request.match_info["token"])
    if png is None:
        raise ApiError(404, "This image link expired or never existed.", code="not_found")
    return web.Response(body=png, content_type="image/png", headers={"Cache-Control": "private"})


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
    except Exception as error:
        log.exception("API request %s %s failed", request.method, request.path)
        return ApiError(500, explain_failure(error), type="server_error").response()


def build_app(studio: Studio, *, member_roles: RolesLookup | None = None) -> web.Application:
    """The API over ``studio``; the studio's rate limit is the one Discord counts against."""
    settings = studio.settings
    app = web.Application(middlewares=[openai_errors])
    app[KEY] = Api(
        studio=studio,
        keys=ApiKeys.of(studio),
        results=Results(
            studio.store, studio.files, studio.watcher, link_minutes=settings.api_url_minutes
        ),
        member_roles=member_roles,
        public_url=settings.api_public_url,
    )
    app.router.add_post("/v1/images/generations", generations)
    app.router.add_post("/v1/images/edits", edits)
    app.router.add_post("/v1/images/variations", variations)
    app.router.add_get("/v1/models", models)
    app.router.add_get("/v1/models/{model}", model)
    app.router.add_get("/v1/results/{token}.png", result)
    app.router.add_get("/openapi.json", openapi_document)
    return app


async def start_api(
    studio: Studio,
    host: str,
    port: int,
    *,
    member_roles: RolesLookup | None = None,
    shutdown_seconds: float = 10,
) -> tuple[web.AppRunner, str]:
    """Serve the API on ``host:port`` (0: any free port); returns the runner and its URL.

    On shutdown, requests still waiting get ``shutdown_seconds`` to finish; their jobs
    stay in the queue and in history either way.
    """
    app = build_app(studio, member_roles=member_roles)
    runner = web.AppRunner(app, handle_signals=False, shutdown_timeout=shutdown_seconds)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    bound_host, bound_port = runner.addresses[0][:2]
    shown = bound_host if ":" not in bound_host else f"[{bound_host}]"
    return runner, f"http://{shown}:{bound_port}"
