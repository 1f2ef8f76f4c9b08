"""The editor page's handlers: open a signed link, show its image, submit an edit (a
painted mask or a frame dragged outward), follow the job, then vary or upscale a result.

Every request carries the link's token in its path and the browser's cookie: the first
browser that opens a link (a script's POST, which link previews never run) owns it, and
a link forwarded to someone else is refused. The member is read from the link, with
their current roles; each submission goes through the studio's own use-cases (policy,
credits, rate limit, queue) with a Discord origin without a token: the result is also
posted in the channel where they asked (or sent to their DMs), as their /settings say.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from html import escape
from importlib import resources
from typing import Any

from aiohttp import web

from data.job_records import JobRecord, RecordStatus
from data.origins import DiscordOrigin
from studio import edit_links
from studio.edit_links import EditLink, EditLinks, LinkTaken
from studio.errors import (
    BadRequest,
    NoAccess,
    NotEnoughCredits,
    NotFound,
    RateLimited,
    StudioError,
    Unavailable,
)
from studio.link_owners import LinkOwners
from studio.requester import Requester
from studio.studio import EditOptions, Studio
from studio.watcher import JobHandle, JobUpdate

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
COOKIE = "imagine_editor"
MAX_BODY = 8 * 1024 * 1024  # a painted mask as a PNG data URL: a few hundred KB at most
EVENT_POLL_SECONDS = 0.25  # how often the event stream looks at the job (the watcher's tick)
KEEPALIVE_SECONDS = 15  # a comment line so proxies keep an idle stream open


def static_text(name: str) -> str:
    return (resources.files("app.web") / "static" / name).read_text("utf-8")


@dataclass
class Editor:
    """What the editor's routes share: the studio, the link signer, and which browser
    opened which link (in the store: a restart keeps a link its first browser's)."""

    studio: Studio
    links: EditLinks
    owners: LinkOwners

    # -- links and browsers ---------------------------------------------------------------

    def link(self, request: web.Request) -> EditLink:
        return self.links.read(request.match_info["token"])

    async def claim(self, request: web.Request, link: EditLink) -> str | None:
        """The first browser to open a link owns it; another one is refused. Returns the
        cookie to set on a browser that had none."""
        had = request.cookies.get(COOKIE)
        browser = had or secrets.token_urlsafe(24)
        await self.owners.claim(request.match_info["token"], link, browser)
        return None if had else browser

    async def owned(self, request: web.Request) -> EditLink:
        """The link of a request after the page opened it, from the browser that did."""
        link = self.link(request)
        await self.owners.check(request.match_info["token"], request.cookies.get(COOKIE, ""))
        return link

    async def grant(self, request: web.Request, link: EditLink, image_id: str) -> str:
        """A link to a result made on this page, owned by the same browser."""
        renewed = self.links.renewed(link, image_id)
        token = self.links.sign(renewed)
        await self.owners.claim(token, renewed, request.cookies.get(COOKIE, ""))
        return token

    # -- what the page shows ----------------------------------------------------------------

    async def origin(self, link: EditLink) -> DiscordOrigin:
        """Where the result goes on Discord: the channel where the member asked for the link
        (no interaction token: a channel message that mentions them), or their DMs."""
        defaults = await self.studio.preferences.effective(link.user_id, link.guild_id)
        return DiscordOrigin(
            channel_id=link.channel_id,
            guild_id=link.guild_id,
            user_id=link.user_id,
            created_at=time.time(),
            privacy=defaults.privacy,
        )

    async def summary(self, user: Requester) -> dict[str, Any]:
        settings = self.studio.settings
        return {
            "balance": await self.studio.balance(user),
            "edit_cost": settings.edit_cost,
            "upscale_cost": settings.upscale_cost,
        }


KEY = web.AppKey("editor", Editor)


# The HTTP status of a refusal, by the classes' codes (a NotFound of any kind is a 404).
STATUS = {
    edit_links.LinkInvalid.code: 403,
    LinkTaken.code: 403,
    edit_links.LinkExpired.code: 410,
    edit_links.LeftServer.code: 403,
    NoAccess.code: 403,
    RateLimited.code: 429,
    NotEnoughCredits.code: 402,
    Unavailable.code: 503,
}


def refusal(error: StudioError) -> web.Response:
    """A refusal as JSON the page shows as it is (plain sentences, no markup)."""
    status = STATUS.get(error.code, 404 if isinstance(error, NotFound) else 400)
    body = {"error": {"code": error.code, "message": str(error), **error.details()}}
    return web.json_response(body, status=status, dumps=lambda o: json.dumps(o, default=str))


def refusing(handler: Handler) -> Handler:
    """The handler with the studio's refusals answered as the page's JSON (the API's
    OpenAI-shaped errors are for API clients)."""

    async def handle(request: web.Request) -> web.StreamResponse:
        try:
            return await handler(request)
        except StudioError as error:
            return refusal(error)

    return handle


async def page(request: web.Request) -> web.Response:
    """The editor page itself; a link that cannot work says so at once."""
    editor = request.app[KEY]
    try:
        editor.link(request)
    except StudioError as error:
        status = 410 if error.code == edit_links.LinkExpired.code else 403
        html = static_text("refused.html").replace("{message}", escape(str(error)))
        return web.Response(text=html, content_type="text/html", status=status)
    return web.Response(text=static_text("editor.html"), content_type="text/html")


async def open_link(request: web.Request) -> web.Response:
    """The page's first call: claim the link for this browser, describe the image."""
    editor = request.app[KEY]
    link = editor.link(request)
    new_cookie = await editor.claim(request, link)
    user = await edit_links.member(editor.studio, link)
    image = await editor.studio.visible_image(user, link.image_id, link.channel_id)
    body = {
        "image": {
            "id": image.id,
            "width": image.width,
            "height": image.height,
            "prompt": image.prompt,
        },
        "expires_at": link.expires_at,
        "max_side": editor.studio.settings.max_canvas,
        **await editor.summary(user),
    }
    response = web.json_response(body)
    if new_cookie is not None:
        public = editor.studio.settings.api_public_url or ""
        response.set_cookie(
            COOKIE, new_cookie, path="/web/edit/", httponly=True, samesite="Strict",
            secure=request.secure or public.startswith("https://"),  # TLS at a proxy too
        )  # fmt: skip
    return response


async def image_png(request: web.Request) -> web.Response:
    editor = request.app[KEY]
    link = await editor.owned(request)
    image = await edit_links.image_of(editor.studio, link)
    png = await asyncio.to_thread(editor.studio.files.read, image)
    return web.Response(body=png, content_type="image/png")


async def submit_edit(request: web.Request) -> web.Response:
    """Paint the masked area, or outpaint the frame: the reply-to-edit use-case."""
    editor = request.app[KEY]
    link = await editor.owned(request)
    body = await _json(request)
    prompt = body.get("prompt")
    if not isinstance(prompt, str):
        raise BadRequest("Describe what to paint.")
    options = EditOptions(mask=_mask(body.get("mask")), frame=_frame(body.get("frame")))
    if options.mask is None and options.frame is None:
        raise BadRequest("Paint the area to change, or drag the frame outward.")
    user = await edit_links.member(editor.studio, link)
    handle = await editor.studio.edit(
        user, link.image_id, prompt, options, origin=await editor.origin(link)
    )
    return web.json_response({"job_id": handle.job_id, **await editor.summary(user)})


async def submit_vary(request: web.Request) -> web.Response:
    return await _submit_on_image(request, Studio.vary)


async def submit_upscale(request: web.Request) -> web.Response:
    return await _submit_on_image(request, Studio.upscale)


async def _submit_on_image(
    request: web.Request, use_case: Callable[..., Awaitable[JobHandle]]
) -> web.Response:
    """Vary or upscale the link's image (a result on the page): the Discord buttons'
    use-case (``Studio.vary``, ``Studio.upscale``), as the member, while they may see it."""
    editor = request.app[KEY]
    link = await editor.owned(request)
    user = await edit_links.member(editor.studio, link)
    await editor.studio.visible_image(user, link.image_id, link.channel_id)
    handle = await use_case(editor.studio, user, link.image_id, origin=await editor.origin(link))
    return web.json_response({"job_id": handle.job_id, **await editor.summary(user)})


async def job_events(request: web.Request) -> web.StreamResponse:
    """Server-sent events of one of the member's jobs: ``progress`` (queue position, step,
    the latest preview as a data: URL), then ``done`` with each result's own link, or
    ``failed`` with the reason (its credit was refunded)."""
    editor = request.app[KEY]
    link = await editor.owned(request)
    user = await edit_links.member(editor.studio, link)
    job_id = request.match_info["job_id"]
    record = await editor.studio.job_of(user, job_id)
    stream = web.StreamResponse(
        headers={"Content-Type": "text/event-stream", "X-Accel-Buffering": "no"}
    )
    await stream.prepare(request)
    last: JobUpdate | None = None
    quiet_since = time.monotonic()
    try:
        while record.status is RecordStatus.QUEUED:
            update = editor.studio.watcher.latest(job_id)
            if update is not None and update != last:
                last = update
                await _send(stream, "progress", _progress(update))
                quiet_since = time.monotonic()
            elif time.monotonic() - quiet_since > KEEPALIVE_SECONDS:
                await stream.write(b": still working\n\n")
                quiet_since = time.monotonic()
            await asyncio.sleep(EVENT_POLL_SECONDS)
            record = await editor.studio.job_of(user, job_id)
        await _send(stream, *await _finished(editor, request, link, user, record))
    except ConnectionResetError:  # the page closed: the job goes on, and reaches Discord
        pass
    return stream


async def _finished(
    editor: Editor, request: web.Request, link: EditLink, user: Requester, record: JobRecord
) -> tuple[str, dict[str, Any]]:
    summary = await editor.summary(user)
    if record.status is RecordStatus.FAILED:
        return "failed", {"error": record.error or "the job failed", **summary}
    images = []
    for image in await editor.studio.images_of_job(record.id):
        token = await editor.grant(request, link, image.id)
        images.append(
            {"id": image.id, "token": token, "width": image.width, "height": image.height}
        )
    return "done", {"images": images, **summary}


def _progress(update: JobUpdate) -> dict[str, Any]:
    preview = None
    if update.preview:
        preview = "data:image/jpeg;base64," + base64.b64encode(update.preview).decode("ascii")
    return {
        "state": str(update.state),
        "ahead": update.ahead,
        "step": update.step,
        "total_steps": update.total_steps,
        "preview": preview,
    }


async def _send(stream: web.StreamResponse, event: str, data: dict[str, Any]) -> None:
    await stream.write(f"event: {event}\ndata: {json.dumps(data)}\n\n".encode())


async def _json(request: web.Request) -> dict[str, Any]:
    if request.content_type != "application/json":
        raise BadRequest("Send JSON.")
    if (request.content_length or 0) > MAX_BODY:
        raise BadRequest("The painting is too large to send.")
    try:
        body = await request.json()
    except ValueError:
        raise BadRequest("Send JSON.") from None
    if not isinstance(body, dict):
        raise BadRequest("Send a JSON object.")
    return body


def _mask(value: object) -> bytes | None:
    """The painted mask: a PNG data URL (white: paint here)."""
    if value is None:
        return None
    prefix = "data:image/png;base64,"
    if not isinstance(value, str) or not value.startswith(prefix):
        raise BadRequest("The mask must be a PNG.")
    try:
        return base64.b64decode(value[len(prefix) :], validate=True)
    except (binascii.Error, ValueError):
        raise BadRequest("The mask must be a PNG.") from None


def _frame(value: object) -> tuple[float, float, float, float] | None:
    """How far each side of the frame moved out (left, top, right, bottom; 0–1)."""
    if value is None:
        return None
    if (
        not isinstance(value, list)
        or len(value) != 4
        or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in value)
    ):
        raise BadRequest("The frame is four numbers: left, top, right, bottom.")
    left, top, right, bottom = (float(v) for v in value)
    return (left, top, right, bottom) if any((left, top, right, bottom)) else None
