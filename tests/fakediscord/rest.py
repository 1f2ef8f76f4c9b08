"""The fake REST API and CDN: every request is recorded, faults can be forced onto it.

Answers carry ``Content-Type: application/json`` exactly: discord.py compares the
header verbatim and treats ``application/json; charset=utf-8`` as plain text.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aiohttp import hdrs, web

from . import payloads as p
from .records import FakeInteraction, RestCall, UploadedFile
from .store import ApiError, unknown_message

if TYPE_CHECKING:
    from .server import FakeDiscord

API_PREFIX = "/api/v10"
CDN_PREFIX = "/cdn"
_FILE_PART = re.compile(r"files\[(\d+)\]")


@dataclass
class Reply:
    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)

    def to_response(self) -> web.Response:
        if self.body is None:
            return web.Response(status=self.status, headers=self.headers)
        if isinstance(self.body, bytes):
            return web.Response(status=self.status, body=self.body, headers=self.headers)
        headers = {**self.headers, hdrs.CONTENT_TYPE: "application/json"}
        body = json.dumps(self.body).encode()
        return web.Response(status=self.status, body=body, headers=headers)


Handler = Callable[[web.Request, RestCall], Awaitable[Reply]]


def no_content() -> Reply:
    return Reply(204)


async def read_body(request: web.Request) -> tuple[Any, list[UploadedFile]]:
    """The JSON body, or for multipart the parsed payload_json and the ``files[n]`` parts."""
    if request.content_type.startswith("multipart/"):
        return await _read_multipart(request)
    raw = await request.read()
    if not raw:
        return None, []
    try:
        return json.loads(raw), []
    except ValueError:
        return raw.decode("utf-8", "replace"), []


async def _read_multipart(request: web.Request) -> tuple[Any, list[UploadedFile]]:
    payload: Any = None
    indexed: list[tuple[int, UploadedFile]] = []
    reader = await request.multipart()
    while (part := await reader.next()) is not None:
        name = getattr(part, "name", None) or ""
        if name == "payload_json":
            payload = json.loads(await part.text())  # type: ignore[union-attr]
        elif (match := _FILE_PART.fullmatch(name)) or getattr(part, "filename", None):
            data = bytes(await part.read())  # type: ignore[union-attr]
            content_type = part.headers.get(hdrs.CONTENT_TYPE, "application/octet-stream")
            index = int(match.group(1)) if match else len(indexed)
            indexed.append((index, UploadedFile(part.filename or name, data, content_type)))  # type: ignore[union-attr]
    return payload, [upload for _, upload in sorted(indexed, key=lambda item: item[0])]


class RestApi:
    """Routes under /api/v10 and /cdn; the state they touch lives on the FakeDiscord."""

    def __init__(self, fake: FakeDiscord) -> None:
        self.fake = fake

    def register(self, app: web.Application) -> None:
        routes: list[tuple[str, str, Handler]] = [
            ("GET", "/users/@me", self.get_me),
            ("GET", "/users/{user_id:\\d+}", self.get_user),
            ("POST", "/users/@me/channels", self.open_dm),
            ("GET", "/oauth2/applications/@me", self.get_application),
            ("GET", "/applications/@me", self.get_application),
            ("GET", "/gateway", self.get_gateway),
            ("GET", "/gateway/bot", self.get_gateway_bot),
            ("GET", "/applications/{app}/commands", self.get_commands),
            ("PUT", "/applications/{app}/commands", self.put_commands),
            ("POST", "/applications/{app}/commands", self.post_command),
            ("GET", "/applications/{app}/guilds/{guild}/commands", self.get_commands),
            ("PUT", "/applications/{app}/guilds/{guild}/commands", self.put_commands),
            ("POST", "/applications/{app}/guilds/{guild}/commands", self.post_command),
            ("POST", "/interactions/{interaction_id}/{token}/callback", self.callback),
            ("POST", "/webhooks/{app}/{token}", self.followup),
            ("GET", "/webhooks/{app}/{token}/messages/{message}", self.get_webhook_message),
            ("PATCH", "/webhooks/{app}/{token}/messages/{message}", self.edit_webhook_message),
            ("DELETE", "/webhooks/{app}/{token}/messages/{message}", self.delete_webhook_message),
            ("GET", "/channels/{channel:\\d+}", self.get_channel),
            ("DELETE", "/channels/{channel:\\d+}", self.delete_channel),
            ("POST", "/channels/{channel:\\d+}/threads", self.start_forum_post),
            ("GET", "/channels/{channel:\\d+}/messages", self.get_messages),
            ("POST", "/channels/{channel:\\d+}/messages", self.post_message),
            ("GET", "/channels/{channel:\\d+}/messages/{message:\\d+}", self.get_message),
            ("PATCH", "/channels/{channel:\\d+}/messages/{message:\\d+}", self.edit_message),
            ("DELETE", "/channels/{channel:\\d+}/messages/{message:\\d+}", self.delete_message),
            ("PUT", "/channels/{channel}/messages/{message}/reactions/{emoji}/@me", self.react),
            (
                "DELETE",
                "/channels/{channel}/messages/{message}/reactions/{emoji}/{user}",
                self.unreact,
            ),
            ("DELETE", "/channels/{channel}/messages/{message}/reactions/{emoji}", self.unreact),
            ("DELETE", "/channels/{channel}/messages/{message}/reactions", self.unreact),
            ("POST", "/channels/{channel}/typing", self.typing),
            ("POST", "/applications/{app}/entitlements/{entitlement}/consume", self.consume),
            ("GET", "/guilds/{guild:\\d+}", self.get_guild),
            ("GET", "/guilds/{guild:\\d+}/channels", self.get_guild_channels),
            ("GET", "/guilds/{guild:\\d+}/members/{user:\\d+}", self.get_member),
        ]
        for method, path, handler in routes:
            app.router.add_route(method, API_PREFIX + path, self._serving(handler))
        app.router.add_route(
            "GET",
            CDN_PREFIX + "/attachments/{channel}/{attachment:\\d+}/{filename}",
            self._serving(self.cdn_attachment),
        )
        app.router.add_route("*", API_PREFIX + "/{tail:.*}", self._serving(self.unknown_route))

    def _serving(self, handler: Handler) -> Callable[[web.Request], Awaitable[web.Response]]:
        async def serve(request: web.Request) -> web.Response:
            return await self._serve(request, handler)

        return serve

    async def _serve(self, request: web.Request, handler: Handler) -> web.Response:
        """Record the call, answer it (fault, route or ApiError), then publish it."""
        arrived = time.monotonic()
        body, files = await read_body(request)
        path = request.path.removeprefix(API_PREFIX)
        call = RestCall(
            index=-1,
            method=request.method,
            path=path,
            query=dict(request.query),
            json=body,
            files=files,
            headers=dict(request.headers),
            time=arrived,
        )
        fault = self.fake.take_fault(call)
        if fault is not None:
            reply, call.fault = fault, True
        else:
            try:
                reply = await handler(request, call)
            except ApiError as error:
                reply = Reply(error.status, error.body)
        call.status, call.response = reply.status, reply.body
        self.fake.record(call)
        return reply.to_response()

    # -- identity ---------------------------------------------------------------------------

    async def get_me(self, request: web.Request, call: RestCall) -> Reply:
        expected = self.fake.token
        if expected is not None and call.headers.get("Authorization") != f"Bot {expected}":
            return Reply(401, {"message": "401: Unauthorized", "code": 0})
        return Reply(body=p.bot_self_payload(self.fake.bot_user))

    async def get_user(self, request: web.Request, call: RestCall) -> Reply:
        return Reply(body=self.fake.user(int(request.match_info["user_id"])))

    async def open_dm(self, request: web.Request, call: RestCall) -> Reply:
        return Reply(body=self.fake.dm_channel(int(call.json["recipient_id"])))

    async def get_application(self, request: web.Request, call: RestCall) -> Reply:
        return Reply(body=self.fake.application())

    async def get_gateway(self, request: web.Request, call: RestCall) -> Reply:
        return Reply(body={"url": str(self.fake.gateway_url)})

    async def get_gateway_bot(self, request: web.Request, call: RestCall) -> Reply:
        limit = {"total": 1000, "remaining": 999, "reset_after": 0, "max_concurrency": 1}
        return Reply(
            body={"url": str(self.fake.gateway_url), "shards": 1, "session_start_limit": limit}
        )

    # -- application commands ----------------------------------------------------------------

    async def get_commands(self, request: web.Request, call: RestCall) -> Reply:
        return Reply(body=self.fake.synced_commands.get(_guild_key(request), []))

    async def put_commands(self, request: web.Request, call: RestCall) -> Reply:
        scope = _guild_key(request)
        previous = {c["name"]: c for c in self.fake.synced_commands.get(scope, [])}
        stored = [self._command(body, previous.get(body["name"]), scope) for body in call.json]
        self.fake.synced_commands[scope] = stored
        return Reply(body=stored)

    async def post_command(self, request: web.Request, call: RestCall) -> Reply:
        scope = _guild_key(request)
        commands = self.fake.synced_commands.setdefault(scope, [])
        previous = next((c for c in commands if c["name"] == call.json["name"]), None)
        stored = self._command(call.json, previous, scope)
        commands[:] = [c for c in commands if c is not previous] + [stored]
        return Reply(201 if previous is None else 200, stored)

    def _command(self, body: dict, previous: dict | None, guild_id: int | None) -> dict:
        command = {
            "type": 1,
            "description": "",
            "options": [],
            "default_member_permissions": None,
            "dm_permission": True,
            "nsfw": False,
            "name_localizations": None,
            "description_localizations": None,
            "contexts": None,
            "integration_types": [0],
            **body,
            "id": previous["id"] if previous else str(self.fake.ids.next()),
            "application_id": str(self.fake.application_id),
            "version": str(self.fake.ids.next()),
        }
        if guild_id is not None:
            command["guild_id"] = str(guild_id)
        return command

    # -- interactions ---------------------------------------------------------------------------

    async def callback(self, request: web.Request, call: RestCall) -> Reply:
        inter = self.fake.interactions.get(request.match_info["token"])
        unknown = ApiError(404, "Unknown interaction", 10062)
        if inter is None or str(inter.id) != request.match_info["interaction_id"] or inter.expired:
            raise unknown
        if inter.response_type is not None:
            raise ApiError(400, "Interaction has already been acknowledged.", 40060)
        deadline = self.fake.callback_deadline
        if deadline is not None and call.time - inter.dispatched_at > deadline:
            raise unknown
        kind = int(call.json["type"])
        data = call.json.get("data") or {}
        message = await self.fake.answer_interaction(inter, kind, data, call.files)
        inter.response_type = kind
        if call.query.get("with_response") not in ("1", "true", "True"):
            return no_content()
        flags = int((message or {}).get("flags", 0))
        described = {"id": str(inter.id), "type": inter.type}
        if message is not None and kind in (4, 5):
            described |= {
                "response_message_id": message["id"],
                "response_message_loading": kind == 5,
                "response_message_ephemeral": bool(flags & p.FLAG_EPHEMERAL),
            }
        resource: dict[str, Any] = {"type": kind}
        if message is not None:
            resource["message"] = self.fake.store.render(message)
        return Reply(body={"interaction": described, "resource": resource})

    def _interaction_for(self, request: web.Request) -> FakeInteraction:
        """The interaction behind a webhook token, as Discord checks it."""
        inter = self.fake.interactions.get(request.match_info["token"])
        if request.match_info["app"] != str(self.fake.application_id) or inter is None:
            raise ApiError(404, "Unknown Webhook", 10015)
        if inter.expired:
            raise ApiError(401, "Invalid Webhook Token", 50027)
        return inter

    def _webhook_message(self, request: web.Request, inter: FakeInteraction) -> dict:
        wanted = request.match_info["message"]
        message_id = inter.original_id if wanted == "@original" else int(wanted)
        if message_id is None:
            raise unknown_message()
        return self.fake.store.get(message_id)

    async def followup(self, request: web.Request, call: RestCall) -> Reply:
        inter = self._interaction_for(request)
        if inter.response_type is None:
            raise ApiError(404, "Unknown Webhook", 10015)  # no initial response yet
        message = await self.fake.send_followup(inter, call.json or {}, call.files)
        if call.query.get("wait") not in ("1", "true", "True"):
            return no_content()
        return Reply(body=self.fake.store.render(message))

    async def get_webhook_message(self, request: web.Request, call: RestCall) -> Reply:
        message = self._webhook_message(request, self._interaction_for(request))
        return Reply(body=self.fake.store.render(message))

    async def edit_webhook_message(self, request: web.Request, call: RestCall) -> Reply:
        message = self._webhook_message(request, self._interaction_for(request))
        edited = await self.fake.edit_message(int(message["id"]), call.json or {}, call.files)
        return Reply(body=self.fake.store.render(edited))

    async def delete_webhook_message(self, request: web.Request, call: RestCall) -> Reply:
        message = self._webhook_message(request, self._interaction_for(request))
        await self.fake.delete_message(int(message["id"]))
        return no_content()

    # -- channels and messages --------------------------------------------------------------

    async def get_channel(self, request: web.Request, call: RestCall) -> Reply:
        return Reply(body=self.fake.channel(int(request.match_info["channel"])))

    async def delete_channel(self, request: web.Request, call: RestCall) -> Reply:
        return Reply(body=await self.fake.delete_channel(int(request.match_info["channel"])))

    async def start_forum_post(self, request: web.Request, call: RestCall) -> Reply:
        forum_id = int(request.match_info["channel"])
        thread = await self.fake.create_forum_post(forum_id, call.json or {}, call.files)
        return Reply(201, thread)

    async def get_messages(self, request: web.Request, call: RestCall) -> Reply:
        channel_id = int(request.match_info["channel"])
        self.fake.channel(channel_id)
        limit = int(call.query.get("limit", 50))
        before = int(call.query.get("before", 1 << 63))
        after = int(call.query.get("after", 0))
        found = [
            self.fake.visible(m)
            for message_id, m in sorted(self.fake.store.messages.items(), reverse=True)
            if int(m["channel_id"]) == channel_id
            and after < message_id < before
            and not int(m.get("flags") or 0) & p.FLAG_EPHEMERAL  # only their recipient sees them
        ]
        return Reply(body=found[:limit] if "after" not in call.query else found[-limit:])

    async def post_message(self, request: web.Request, call: RestCall) -> Reply:
        channel_id = int(request.match_info["channel"])
        if self.fake.refuses_dm(channel_id):
            raise ApiError(403, "Cannot send messages to this user", 50007)
        message = await self.fake.create_bot_message(channel_id, call.json or {}, call.files)
        return Reply(body=self.fake.store.render(message))

    async def get_message(self, request: web.Request, call: RestCall) -> Reply:
        return Reply(body=self.fake.visible(self._channel_message(request)))

    async def edit_message(self, request: web.Request, call: RestCall) -> Reply:
        message = self._channel_message(request)
        if int(message["author"]["id"]) != self.fake.application_id:
            raise ApiError(403, "Cannot edit a message authored by another user", 50005)
        edited = await self.fake.edit_message(int(message["id"]), call.json or {}, call.files)
        return Reply(body=self.fake.store.render(edited))

    async def delete_message(self, request: web.Request, call: RestCall) -> Reply:
        await self.fake.delete_message(int(self._channel_message(request)["id"]))
        return no_content()

    def _channel_message(self, request: web.Request) -> dict:
        message = self.fake.store.get(int(request.match_info["message"]))
        if message["channel_id"] != request.match_info["channel"]:
            raise unknown_message()
        return message

    async def react(self, request: web.Request, call: RestCall) -> Reply:
        message = self._channel_message(request)
        emoji = request.match_info["emoji"]
        await self.fake.react(int(message["id"]), emoji, self.fake.application_id)
        return no_content()

    async def unreact(self, request: web.Request, call: RestCall) -> Reply:
        message = self._channel_message(request)
        user = request.match_info.get("user")
        user_id = self.fake.application_id if user == "@me" else (int(user) if user else None)
        emoji = request.match_info.get("emoji")
        self.fake.store.unreact(int(message["id"]), emoji, user_id, self.fake.application_id)
        return no_content()

    async def typing(self, request: web.Request, call: RestCall) -> Reply:
        self.fake.channel(int(request.match_info["channel"]))
        return no_content()

    async def consume(self, request: web.Request, call: RestCall) -> Reply:
        """Marks a consumable entitlement used; ``fake.consumed`` lists the ids."""
        self.fake.consumed.append(int(request.match_info["entitlement"]))
        return no_content()

    # -- guild -------------------------------------------------------------------------------

    async def get_guild(self, request: web.Request, call: RestCall) -> Reply:
        self._check_guild(request)
        guild = self.fake.guild_create()
        for gateway_only in ("members", "channels", "threads", "voice_states", "presences"):
            guild.pop(gateway_only, None)
        return Reply(body=guild)

    async def get_guild_channels(self, request: web.Request, call: RestCall) -> Reply:
        self._check_guild(request)
        return Reply(body=list(self.fake.channels.values()))

    async def get_member(self, request: web.Request, call: RestCall) -> Reply:
        self._check_guild(request)
        return Reply(body=self.fake.member(int(request.match_info["user"])))

    def _check_guild(self, request: web.Request) -> None:
        if int(request.match_info["guild"]) != self.fake.guild_id:
            raise ApiError(404, "Unknown Guild", 10004)

    # -- CDN and the rest --------------------------------------------------------------------

    async def cdn_attachment(self, request: web.Request, call: RestCall) -> Reply:
        blob = self.fake.store.blobs.get(int(request.match_info["attachment"]))
        if blob is None or blob.filename != request.match_info["filename"]:
            return Reply(404, b"Not Found", {hdrs.CONTENT_TYPE: "text/plain"})
        return Reply(body=blob.data, headers={hdrs.CONTENT_TYPE: blob.content_type})

    async def unknown_route(self, request: web.Request, call: RestCall) -> Reply:
        return Reply(404, {"message": "Unknown route", "code": 0})


def _guild_key(request: web.Request) -> int | None:
    guild = request.match_info.get("guild")
    return int(guild) if guild else None
