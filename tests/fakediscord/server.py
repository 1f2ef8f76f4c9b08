"""FakeDiscord: a small Discord (gateway + REST + CDN) on 127.0.0.1 for driving a real bot.

Typical use::

    fake = FakeDiscord()
    await fake.start()
    undo = fake.install()              # discord.py now talks to the fake
    task = asyncio.create_task(bot.start("fake-token"))
    await fake.wait_ready()
    inter = await fake.slash_command("imagine", {"prompt": "a cat"})
    assert (await inter.wait_callback()).type == 5
    ...
    await bot.close(); await fake.stop(); undo()
"""

from __future__ import annotations

import itertools
import secrets
import time
from collections.abc import Callable
from typing import Any

import yarl
from aiohttp import web

from . import payloads as p
from . import rules
from .gateway import Gateway, ShardRouter
from .records import FakeInteraction, Fault, Notifier, RestCall, UploadedFile
from .rest import Reply, RestApi
from .store import ApiError, MessageStore, emoji_payload

APPLICATION_ID = 1000
GUILD_ID = 2000
CHANNEL_ID = 3000
OWNER_ID = 4000
USER_ID = 4001

RATE_LIMITED = "You are being rate limited."


class FakeDiscord:
    """The fake's state and the test-facing API to drive a bot through it."""

    def __init__(
        self,
        *,
        application_id: int = APPLICATION_ID,
        guild_id: int = GUILD_ID,
        channel_id: int = CHANNEL_ID,
        owner_id: int = OWNER_ID,
        default_user_id: int = USER_ID,
        bot_name: str = "Imagine",
        token: str | None = None,
        callback_deadline: float | None = 3.0,
        heartbeat_interval_ms: int = 41_250,
        shard_count: int = 1,
    ) -> None:
        self.shard_count = shard_count  # >1: the bot must IDENTIFY that many shards
        self.application_id = application_id
        self.guild_id = guild_id
        self.channel_id = channel_id
        self.owner_id = owner_id
        self.default_user_id = default_user_id
        self.token = token  # None accepts any bot token
        self.callback_deadline = callback_deadline  # Discord's 3 s to acknowledge
        self.ids = p.Snowflakes()
        self.users: dict[int, dict] = {}
        self.bot_user = p.user_payload(application_id, bot=True, username=bot_name)
        self.users[application_id] = self.bot_user
        self.channels: dict[int, dict] = {
            channel_id: p.text_channel_payload(channel_id, guild_id, "general")
        }
        self.dm_channels: dict[int, dict] = {}
        self.closed_dms: set[int] = set()  # users who take no DMs from the bot (403 50007)
        self.permission_overrides: dict[int, int] = {}
        self.roles: dict[int, str] = {}  # the guild's roles besides @everyone: id → name
        self.member_roles: dict[int, list[int]] = {}  # user id → their role ids
        self.role_permissions: dict[int, int] = {}  # role id → its permissions (else @everyone's)
        self.app_permissions = p.BOT_PERMISSIONS
        # What the bot may not do per channel (a thread inherits its parent's): Discord
        # answers 403 50013 Missing Permissions. Everything else is allowed.
        self.bot_denied: dict[int, int] = {}
        self.entitlements: list[dict] = []  # the application's, as GET .../entitlements lists
        self.store = MessageStore(self.ids, self.user, lambda: f"{self.base_url}/cdn")
        self.interactions: dict[str, FakeInteraction] = {}
        self.synced_commands: dict[int | None, list[dict]] = {}  # None: global commands
        self.consumed: list[int] = []  # entitlement ids the bot consumed
        self.calls: list[RestCall] = []
        self.faults: list[Fault] = []
        self.changed = Notifier()
        # One gateway session per shard; ``gateway`` is the guild's (all of it with one).
        self.gateways = [
            Gateway(
                ready=lambda session, shard=shard: self._ready_payload(session, shard),
                guild_creates=lambda shard=shard: (
                    [self.guild_create()] if shard == self.shard_of(self.guild_id) else []
                ),
                members_chunk=self._members_chunk,
                heartbeat_interval_ms=heartbeat_interval_ms,
            )
            for shard in range(shard_count)
        ]
        self.gateway = self.gateways[self.shard_of(guild_id)]
        self._joined_at = p.iso_now()
        self._runner: web.AppRunner | None = None
        self._port: int | None = None
        self._unsynced_command_ids: dict[str, int] = {}

    # -- lifecycle ------------------------------------------------------------------------------

    async def start(self) -> FakeDiscord:
        """Serve on 127.0.0.1 on a free port."""
        app = web.Application(client_max_size=64 * 1024 * 1024)
        sockets = self.gateway if self.shard_count == 1 else ShardRouter(self.gateways)
        app.router.add_get("/gw", sockets.handle)
        RestApi(self).register(app)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self._port = self._runner.addresses[0][1]
        return self

    async def stop(self) -> None:
        """Close the gateway sockets and the server (close the bot first)."""
        if self._runner is None:
            return
        for gateway in self.gateways:
            await gateway.close_all()
        await self._runner.cleanup()
        self._runner = None

    async def __aenter__(self) -> FakeDiscord:
        return await self.start()

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        if self._port is None:
            raise RuntimeError("FakeDiscord is not started")
        return f"http://127.0.0.1:{self._port}"

    @property
    def api_base(self) -> str:
        return f"{self.base_url}/api/v10"

    @property
    def gateway_url(self) -> yarl.URL:
        return yarl.URL(f"ws://127.0.0.1:{self._port}/gw")

    def install(self) -> Callable[[], None]:
        """Point discord.py at this fake; returns a function that restores the old targets."""
        import discord.gateway
        import discord.http

        route, websocket = discord.http.Route, discord.gateway.DiscordWebSocket
        old_base, old_gateway = route.BASE, websocket.DEFAULT_GATEWAY
        route.BASE = self.api_base
        websocket.DEFAULT_GATEWAY = self.gateway_url

        def undo() -> None:
            route.BASE, websocket.DEFAULT_GATEWAY = old_base, old_gateway

        return undo

    @property
    def attachment_size_limit(self) -> int:
        """The upload limit new interactions announce and every upload is held to."""
        return self.store.upload_limit

    @attachment_size_limit.setter
    def attachment_size_limit(self, size: int) -> None:
        self.store.upload_limit = size

    def require_bot(self, channel_id: int, permissions: int) -> None:
        """403 50013 unless the bot has ``permissions`` in the channel (or thread's parent)."""
        channel = self.channel(channel_id)
        denied = self.bot_denied.get(channel_id, 0)
        if channel.get("parent_id"):
            denied |= self.bot_denied.get(int(channel["parent_id"]), 0)
        if denied & permissions:
            raise rules.missing_permissions()

    # -- the world: users, guild, channels ---------------------------------------------------

    def user(self, user_id: int) -> dict:
        """The user object for an id, created on first use as ``user{id}``."""
        if user_id not in self.users:
            self.users[user_id] = p.user_payload(user_id)
        return self.users[user_id]

    def permissions_of(self, user_id: int) -> int:
        default = p.ALL_PERMISSIONS if user_id == self.owner_id else p.EVERYONE_PERMISSIONS
        return self.permission_overrides.get(user_id, default)

    def member(self, user_id: int, *, with_user: bool = True, permissions: bool = False) -> dict:
        return p.member_payload(
            self.user(user_id),
            joined_at=self._joined_at,
            roles=self.member_roles.get(user_id, ()),
            permissions=self.permissions_of(user_id) if permissions else None,
            with_user=with_user,
        )

    def role(self, role_id: int) -> dict:
        """One of ``self.roles`` as a payload (set the roles before the bot connects)."""
        permissions = self.role_permissions.get(role_id, p.EVERYONE_PERMISSIONS)
        return p.role_payload(role_id, self.roles[role_id], permissions, position=1)

    def channel(self, channel_id: int) -> dict:
        if channel_id in self.channels:
            return self.channels[channel_id]
        for dm in self.dm_channels.values():
            if int(dm["id"]) == channel_id:
                return dm
        raise ApiError(404, "Unknown Channel", 10003)

    def dm_channel(self, user_id: int) -> dict:
        if user_id not in self.dm_channels:
            self.dm_channels[user_id] = p.dm_channel_payload(self.ids.next(), self.user(user_id))
        return self.dm_channels[user_id]

    async def add_text_channel(self, channel_id: int, name: str) -> dict:
        """A second guild channel; announced with CHANNEL_CREATE when a client is connected."""
        position = len(self.channels)
        channel = p.text_channel_payload(channel_id, self.guild_id, name, position=position)
        self.channels[channel_id] = channel
        if self.gateway.session_id is not None:
            await self.gateway.dispatch("CHANNEL_CREATE", channel)
        return channel

    async def add_forum_channel(
        self,
        channel_id: int,
        name: str,
        *,
        tags: list[dict] | None = None,
        require_tag: bool = False,
    ) -> dict:
        """A forum channel; announced with CHANNEL_CREATE when a client is connected.
        ``tags``: p.forum_tag_payload(...) each; ``require_tag``: posts need one."""
        position = len(self.channels)
        channel = p.forum_channel_payload(
            channel_id, self.guild_id, name, position=position, tags=tags, require_tag=require_tag
        )
        self.channels[channel_id] = channel
        if self.gateway.session_id is not None:
            await self.gateway.dispatch("CHANNEL_CREATE", channel)
        return channel

    def threads_of(self, parent_id: int) -> list[dict]:
        return [c for c in self.channels.values() if c.get("parent_id") == str(parent_id)]

    def application(self) -> dict:
        return p.application_payload(
            self.application_id,
            name=self.bot_user["username"],
            owner=self.user(self.owner_id),
            bot=self.bot_user,
        )

    def guild_create(self) -> dict:
        everyone = p.role_payload(self.guild_id, "@everyone", p.EVERYONE_PERMISSIONS)
        return p.guild_payload(
            self.guild_id,
            name="Fake Guild",
            owner_id=self.owner_id,
            roles=[everyone, *(self.role(role_id) for role_id in self.roles)],
            channels=[dict(channel) for channel in self.channels.values()],
            members=[self.member(self.application_id)],
            joined_at=self._joined_at,
        )

    def shard_of(self, guild_id: int | None) -> int:
        """The shard that receives a guild's events (Discord's formula); DMs: shard 0."""
        return (guild_id >> 22) % self.shard_count if guild_id else 0

    def gateway_of(self, guild_id: int | None) -> Gateway:
        return self.gateways[self.shard_of(guild_id)]

    async def wait_shards_ready(self, timeout: float = 10) -> None:
        """Every shard identified (READY; GUILD_CREATE on the guild's) and caught up."""
        for gateway in self.gateways:
            ready = (
                (lambda g=gateway: g.guild_create_seq)
                if gateway is self.gateway
                else (lambda g=gateway: g.ready_seq)
            )
            await gateway.changed.wait_for(ready, timeout, "every shard's READY")
            await gateway.sync(timeout)

    def _ready_payload(self, session_id: str, shard: int = 0) -> dict:
        guilds = [self.guild_id] if shard == self.shard_of(self.guild_id) else []
        return {
            "v": 10,
            "user": p.bot_self_payload(self.bot_user),
            "guilds": [{"id": str(guild), "unavailable": True} for guild in guilds],
            "shard": [shard, self.shard_count],
            "session_id": session_id,
            "session_type": "normal",
            "resume_gateway_url": str(self.gateway_url),
            "application": {"id": str(self.application_id), "flags": 0},
            "private_channels": [],
            "relationships": [],
            "presences": [],
            "guild_join_requests": [],
            "geo_ordered_rtc_regions": [],
            "user_settings": {},
            "_trace": ["fake-discord"],
        }

    def _members_chunk(self, request: dict) -> dict:
        return {
            "guild_id": str(self.guild_id),
            "members": [self.member(self.application_id)],
            "chunk_index": 0,
            "chunk_count": 1,
            "not_found": [],
            "nonce": request.get("nonce"),
        }

    # -- recorded calls and waiting ---------------------------------------------------------

    def record(self, call: RestCall) -> None:
        call.index = len(self.calls)
        self.calls.append(call)
        self.changed.notify()

    def calls_matching(self, method: str | None, path_regex: str) -> list[RestCall]:
        """Calls whose method matches (None or "*": any) and whose path re.search-es."""
        return [call for call in self.calls if call.matches(method, path_regex)]

    async def wait_for_call(
        self,
        predicate: Callable[[RestCall], bool],
        timeout: float = 30,
        *,
        since: int = 0,
        what: str = "a matching REST call",
    ) -> RestCall:
        """The first call from index ``since`` on that matches, waiting for it if needed."""

        cursor = since  # calls are recorded complete and never change: scan each once

        def find() -> RestCall | None:
            nonlocal cursor
            calls = self.calls
            for call in itertools.islice(calls, cursor, None):
                if predicate(call):
                    return call
            cursor = len(calls)
            return None

        return await self.changed.wait_for(find, timeout, lambda: f"{what}; {self._recent()}")

    async def wait_for_message(
        self, predicate: Callable[[dict], bool], timeout: float = 10
    ) -> dict:
        """The first stored message (oldest first) that matches, waiting for it if needed."""

        def find() -> dict | None:
            return next((m for _, m in sorted(self.messages.items()) if predicate(m)), None)

        return await self.changed.wait_for(find, timeout, lambda: f"a message; {self._recent()}")

    def _recent(self) -> str:
        return f"last calls: {self.calls[-8:]}"

    @property
    def messages(self) -> dict[int, dict]:
        return self.store.messages

    def message(self, message_id: int | str) -> dict:
        return self.store.messages[int(message_id)]

    def bot_messages(self, channel_id: int | None = None) -> list[dict]:
        """Messages the bot created (channel sends, @original, followups), oldest first."""
        return [
            m
            for _, m in sorted(self.messages.items())
            if int(m["author"]["id"]) == self.application_id
            and (channel_id is None or int(m["channel_id"]) == channel_id)
        ]

    # -- gateway ----------------------------------------------------------------------------

    @property
    def identified_intents(self) -> int | None:
        return self.gateway.identified_intents

    async def wait_ready(self, timeout: float = 10) -> None:
        """READY and GUILD_CREATE went out and the client has processed them."""
        await self.gateway.changed.wait_for(
            lambda: self.gateway.guild_create_seq, timeout, "IDENTIFY, READY and GUILD_CREATE"
        )
        await self.gateway.sync(timeout)

    async def sync(self, timeout: float = 5) -> None:
        """Return once the client has processed every dispatch sent so far."""
        await self.gateway.sync(timeout)

    async def wait_resumed(self, count: int = 1, timeout: float = 10) -> None:
        await self.gateway.changed.wait_for(
            lambda: self.gateway.resumes >= count or None, timeout, f"RESUME number {count}"
        )
        await self.gateway.sync(timeout)

    async def disconnect_gateway(self, code: int = 4000) -> None:
        """Drop the websocket with a resumable code; the client comes back with RESUME."""
        await self.gateway.disconnect(code)

    async def dispatch(self, event: str, data: Any) -> int:
        """Send a raw DISPATCH (no intent filtering); returns its sequence number."""
        return await self.gateway.dispatch(event, data)

    async def _dispatch_for(self, intent: int, event: str, data: Any) -> None:
        """Dispatch only what a real gateway would send for the identified intents."""
        guild = data.get("guild_id") if isinstance(data, dict) else self.guild_id
        gateway = self.gateway_of(int(guild) if guild else None)  # DMs: shard 0
        intents = gateway.identified_intents
        if gateway.session_id is None or (intents is not None and not intents & intent):
            return
        await gateway.dispatch(event, data)

    def _require_session(self) -> None:
        if self.gateway.session_id is None:
            raise RuntimeError("no client has identified yet: await fake.wait_ready() first")

    def visible(self, message: dict) -> dict:
        """The message as the bot may see it: without the Message Content intent, other
        people's messages that don't mention the bot arrive without content/embeds/files."""
        rendered = self.store.render(message)
        if self._reads_content(rendered):
            return rendered
        for key in ("embeds", "attachments", "components"):
            rendered[key] = []
        rendered["content"] = ""
        return rendered

    def _reads_content(self, message: dict) -> bool:
        intents = self.gateway.identified_intents
        return (
            intents is None
            or bool(intents & p.INTENT_MESSAGE_CONTENT)
            or "guild_id" not in message
            or int(message["author"]["id"]) == self.application_id
            or any(int(user["id"]) == self.application_id for user in message["mentions"])
        )

    # -- messages (shared by routes and drivers) ----------------------------------------------

    def _guild_of(self, channel_id: int) -> int | None:
        guild = self.channel(channel_id).get("guild_id")
        return int(guild) if guild else None

    async def create_bot_message(
        self, channel_id: int, body: dict, files: list[UploadedFile]
    ) -> dict:
        message = self.store.create(
            channel_id=channel_id,
            guild_id=self._guild_of(channel_id),
            author=self.bot_user,
            body=body,
            files=files,
        )
        await self._announce(message)
        return message

    async def edit_message(self, message_id: int, body: dict, files: list[UploadedFile]) -> dict:
        message = self.store.edit(message_id, body, files)
        if not int(message["flags"]) & p.FLAG_EPHEMERAL:
            intent = p.INTENT_GUILD_MESSAGES if "guild_id" in message else p.INTENT_DIRECT_MESSAGES
            await self._dispatch_for(intent, "MESSAGE_UPDATE", self.visible(message))
        self.changed.notify()
        return message

    async def delete_message(self, message_id: int) -> None:
        message = self.store.delete(message_id)
        if not int(message["flags"]) & p.FLAG_EPHEMERAL:
            event = {"id": message["id"], "channel_id": message["channel_id"]}
            if "guild_id" in message:
                event["guild_id"] = message["guild_id"]
            intent = p.INTENT_GUILD_MESSAGES if "guild_id" in message else p.INTENT_DIRECT_MESSAGES
            await self._dispatch_for(intent, "MESSAGE_DELETE", event)
        self.changed.notify()

    async def create_forum_post(self, forum_id: int, body: dict, files: list[UploadedFile]) -> dict:
        """A bot's new forum post: a thread whose starter message has the thread's id, as on
        Discord; THREAD_CREATE and MESSAGE_CREATE go out."""
        forum = self.channel(forum_id)
        if forum.get("type") != 15:
            raise ApiError(400, "Cannot create a post in a non-forum channel", 50024)
        self.require_bot(forum_id, p.PERM_SEND_MESSAGES | (p.PERM_ATTACH_FILES if files else 0))
        rules.check_forum_tags(forum, body.get("applied_tags"))
        thread_id = self.ids.next()
        thread = p.thread_payload(thread_id, forum, self.application_id, str(body.get("name")))
        thread["applied_tags"] = [str(tag) for tag in body.get("applied_tags") or []]
        self.channels[thread_id] = thread
        message = self.store.create(
            channel_id=thread_id,
            guild_id=self.guild_id,
            author=self.bot_user,
            body=body.get("message") or {},
            files=files,
            extra={"id": str(thread_id)},
        )
        await self._dispatch_for(
            p.INTENT_GUILDS, "THREAD_CREATE", {**thread, "newly_created": True}
        )
        await self._announce(message)
        return {**thread, "message": self.store.render(message)}

    async def delete_channel(self, channel_id: int) -> dict:
        """Delete a channel or thread with its messages (CHANNEL_DELETE / THREAD_DELETE)."""
        channel = self.channel(channel_id)
        del self.channels[channel_id]
        for message_id in [
            m for m, msg in self.messages.items() if msg["channel_id"] == str(channel_id)
        ]:
            self.store.delete(message_id)
        if channel.get("type") == 11:
            event = {key: channel[key] for key in ("id", "guild_id", "parent_id", "type")}
            await self._dispatch_for(p.INTENT_GUILDS, "THREAD_DELETE", event)
        else:
            await self._dispatch_for(p.INTENT_GUILDS, "CHANNEL_DELETE", channel)
        self.changed.notify()
        return channel

    async def react(self, message_id: int, emoji: str, user_id: int) -> None:
        if not self.store.react(message_id, emoji, user_id, self.application_id):
            return
        message = self.store.get(message_id)
        event: dict[str, Any] = {
            "user_id": str(user_id),
            "channel_id": message["channel_id"],
            "message_id": message["id"],
            "message_author_id": message["author"]["id"],
            "emoji": emoji_payload(emoji),
            "burst": False,
            "burst_colors": [],
            "type": 0,
        }
        if "guild_id" in message:
            event["guild_id"] = message["guild_id"]
            event["member"] = self.member(user_id)
        await self._dispatch_for(p.INTENT_GUILD_MESSAGE_REACTIONS, "MESSAGE_REACTION_ADD", event)
        self.changed.notify()

    async def _announce(self, message: dict) -> None:
        """MESSAGE_CREATE as Discord sends it (never for ephemeral messages)."""
        self.changed.notify()
        if int(message["flags"]) & p.FLAG_EPHEMERAL:
            return
        data = self.visible(message)
        if "guild_id" not in message:
            await self._dispatch_for(p.INTENT_DIRECT_MESSAGES, "MESSAGE_CREATE", data)
            return
        if "webhook_id" not in message:
            data["member"] = self.member(int(message["author"]["id"]), with_user=False)
        await self._dispatch_for(p.INTENT_GUILD_MESSAGES, "MESSAGE_CREATE", data)

    # -- interaction answers (called by the routes) -----------------------------------------

    def _interaction_message(
        self, inter: FakeInteraction, body: dict, files: list[UploadedFile], *, loading: bool
    ) -> dict:
        metadata: dict[str, Any] = {
            "id": str(inter.id),
            "type": inter.type,
            "user": self.user(inter.user_id),
            "authorizing_integration_owners": {"0": str(self.guild_id)},
        }
        if inter.message_id is not None:
            metadata["interacted_message_id"] = str(inter.message_id)
        if loading:
            flags = p.FLAG_LOADING | (int(body.get("flags") or 0) & p.FLAG_EPHEMERAL)
            body = {"content": "", "flags": flags}
        return self.store.create(
            channel_id=inter.channel_id,
            guild_id=self._guild_of(inter.channel_id),
            author=self.bot_user,
            body=body,
            files=files,
            message_type=p.MESSAGE_CHAT_INPUT_COMMAND if inter.type == 2 else p.MESSAGE_DEFAULT,
            extra={
                "webhook_id": str(self.application_id),
                "application_id": str(self.application_id),
                "interaction_metadata": metadata,
            },
            allow_empty=loading,
        )

    async def answer_interaction(
        self, inter: FakeInteraction, kind: int, data: dict, files: list[UploadedFile]
    ) -> dict | None:
        """Apply an interaction callback; returns the message it created or edited."""
        on_message = inter.message_id is not None
        if kind in (4, 5):
            message = self._interaction_message(inter, data, files, loading=kind == 5)
            inter.original_id = int(message["id"])
            await self._announce(message)
            return message
        if kind in (6, 7) and on_message:
            inter.original_id = inter.message_id
            if kind == 7:
                return await self.edit_message(inter.message_id, data, files)
            return None
        if kind == 8 and inter.type == 4:
            inter.choices = data.get("choices", [])
            return None
        if kind == 9 and inter.type in (2, 3):
            inter.modal = data
            return None
        if kind == 1:
            return None
        error = {"type": {"_errors": [{"code": "INTERACTION_RESPONSE_TYPE_INVALID"}]}}
        raise ApiError(400, "Invalid Form Body", 50035, error)

    async def send_followup(
        self, inter: FakeInteraction, body: dict, files: list[UploadedFile]
    ) -> dict:
        """A followup; the first one after a "thinking" defer replaces the loading message
        (keeping the defer's ephemerality), as Discord does."""
        original = self.messages.get(inter.original_id) if inter.original_id else None
        if original is not None and int(original["flags"]) & p.FLAG_LOADING:
            body = {key: value for key, value in body.items() if key != "flags"}
            return await self.edit_message(int(original["id"]), body, files)
        message = self._interaction_message(inter, body, files, loading=False)
        await self._announce(message)
        return message

    # -- driving the bot --------------------------------------------------------------------

    async def slash_command(
        self,
        name: str,
        options: dict[str, str | int | bool | float] | None = None,
        *,
        user_id: int | None = None,
        subcommand: str | None = None,
        attachments: dict[str, tuple[str, bytes, str]] | None = None,
        channel_id: int | None = None,
        extra_options: list[dict] | None = None,
        resolved: dict | None = None,
        locale: str = "en-US",
    ) -> FakeInteraction:
        """Dispatch a chat-input command. ``subcommand`` is "sub" or "group sub";
        ``attachments`` maps option names to (filename, bytes, content_type)."""
        channel_id = channel_id or self.channel_id
        option_list, resolved = self._options(options, attachments, channel_id, resolved)
        option_list += extra_options or []
        data: dict[str, Any] = {"type": 1, "name": name, "options": _nest(option_list, subcommand)}
        data |= self._command_ref(name)
        if resolved:
            data["resolved"] = resolved
        return await self._interact(2, data, user_id=user_id, channel_id=channel_id, locale=locale)

    async def autocomplete(
        self,
        name: str,
        options: dict[str, str | int | bool | float],
        focused: str,
        *,
        user_id: int | None = None,
        subcommand: str | None = None,
        channel_id: int | None = None,
    ) -> FakeInteraction:
        """Dispatch an autocomplete request; the answer lands in ``inter.choices``."""
        option_list, _ = self._options(options, None, channel_id or self.channel_id, None)
        for option in option_list:
            if option["name"] == focused:
                option["focused"] = True
        data: dict[str, Any] = {"type": 1, "name": name, "options": _nest(option_list, subcommand)}
        data |= self._command_ref(name)
        return await self._interact(4, data, user_id=user_id, channel_id=channel_id)

    async def message_command(
        self, name: str, message_id: int | str, *, user_id: int | None = None
    ) -> FakeInteraction:
        """Right-click a stored message → Apps → ``name`` (a message context menu, type 3)."""
        message = self.message(message_id)
        data: dict[str, Any] = {
            "type": 3,
            "name": name,
            "target_id": message["id"],
            "resolved": {"messages": {message["id"]: message}},
        }
        data |= self._command_ref(name)
        channel_id = int(message["channel_id"])
        return await self._interact(2, data, user_id=user_id, channel_id=channel_id)

    async def click_button(
        self,
        message_id: int | str,
        custom_id: str,
        *,
        user_id: int | None = None,
        component_type: int = 2,
        values: list[str] | None = None,
    ) -> FakeInteraction:
        """Click a component of a stored message (it must exist there and be enabled)."""
        message = self.message(message_id)
        component = p.find_component(message["components"], custom_id)
        if component is None:
            raise LookupError(f"message {message_id} has no component {custom_id!r}")
        if component.get("disabled"):
            raise LookupError(f"component {custom_id!r} of message {message_id} is disabled")
        data: dict[str, Any] = {"custom_id": custom_id, "component_type": component_type}
        if values is not None:
            data["values"] = values
        return await self._interact(
            3,
            data,
            user_id=user_id,
            channel_id=int(message["channel_id"]),
            message=message,
        )

    async def select_option(
        self,
        message_id: int | str,
        custom_id: str,
        values: list[str],
        *,
        user_id: int | None = None,
    ) -> FakeInteraction:
        return await self.click_button(
            message_id, custom_id, user_id=user_id, component_type=3, values=values
        )

    async def submit_modal(
        self,
        custom_id: str,
        values: dict[str, str],
        *,
        user_id: int | None = None,
        channel_id: int | None = None,
        message_id: int | None = None,
    ) -> FakeInteraction:
        """Submit a modal; ``values`` maps text input custom ids to what the user typed."""
        rows = [
            {"type": 1, "components": [{"type": 4, "custom_id": key, "value": value}]}
            for key, value in values.items()
        ]
        message = self.message(message_id) if message_id is not None else None
        channel_id = int(message["channel_id"]) if message else channel_id
        data = {"custom_id": custom_id, "components": rows}
        return await self._interact(
            5, data, user_id=user_id, channel_id=channel_id, message=message
        )

    async def user_message(
        self,
        content: str,
        *,
        user_id: int | None = None,
        reply_to: int | str | None = None,
        attachments: list[tuple[str, bytes, str]] | None = None,
        channel_id: int | None = None,
        ping_reply: bool = True,
    ) -> dict:
        """A user posts (optionally replying, with files); stored and sent as MESSAGE_CREATE."""
        self._require_session()
        channel_id = channel_id or self.channel_id
        body: dict[str, Any] = {"content": content}
        if reply_to is not None:
            body["message_reference"] = {"message_id": str(reply_to), "channel_id": str(channel_id)}
        message = self.store.create(
            channel_id=channel_id,
            guild_id=self._guild_of(channel_id),
            author=self.user(user_id or self.default_user_id),
            body=body,
            files=[UploadedFile(*upload) for upload in attachments or []],
            ping_reply_default=ping_reply,
        )
        await self._announce(message)
        return message

    async def add_reaction(
        self, message_id: int | str, emoji: str, user_id: int | None = None
    ) -> None:
        """A user reacts (unicode emoji, or ``name:id`` for a custom one)."""
        self._require_session()
        await self.react(int(message_id), emoji, user_id or self.default_user_id)

    async def remove_reaction(
        self, message_id: int | str, emoji: str, user_id: int | None = None
    ) -> None:
        """A user takes a reaction back; MESSAGE_REACTION_REMOVE goes out."""
        self._require_session()
        user_id = user_id or self.default_user_id
        message = self.store.get(int(message_id))
        if user_id not in self.store.reactors.get((int(message_id), emoji), []):
            return
        self.store.unreact(int(message_id), emoji, user_id, self.application_id)
        event: dict[str, Any] = {
            "user_id": str(user_id),
            "channel_id": message["channel_id"],
            "message_id": message["id"],
            "emoji": emoji_payload(emoji),
            "burst": False,
            "type": 0,
        }
        if "guild_id" in message:
            event["guild_id"] = message["guild_id"]
        await self._dispatch_for(p.INTENT_GUILD_MESSAGE_REACTIONS, "MESSAGE_REACTION_REMOVE", event)
        self.changed.notify()

    def close_dms(self, user_id: int) -> None:
        """The user takes no direct messages from server members (their privacy setting):
        the bot may open the DM channel, but a message to it answers 403 (50007)."""
        self.closed_dms.add(user_id)

    def refuses_dm(self, channel_id: int) -> bool:
        """Whether ``channel_id`` is the DM channel of a user who closed their DMs."""
        return any(
            int(channel["id"]) == channel_id and user_id in self.closed_dms
            for user_id, channel in self.dm_channels.items()
        )

    def expire_token(self, token: str | FakeInteraction) -> None:
        """Later webhook calls for this token answer 401 Invalid Webhook Token (50027)."""
        key = token.token if isinstance(token, FakeInteraction) else token
        self.interactions[key].expired = True

    def fail_next(
        self,
        method: str | None,
        path_regex: str,
        status: int,
        body: Any = None,
        headers: dict[str, str] | None = None,
        times: int = 1,
        *,
        retry_after: float = 0.2,
    ) -> Fault:
        """Force the answer of the next ``times`` matching calls (recorded with fault=True).

        429 defaults to Discord's JSON and rate-limit headers, including ``Via``:
        discord.py treats a 429 without ``Via`` as a Cloudflare ban and does not retry.
        """
        fault = Fault(
            method=method.upper() if method else None,
            path_regex=path_regex,
            status=status,
            body=body if body is not None else _fault_body(status, retry_after),
            headers={**_fault_headers(status, retry_after), **(headers or {})},
            times=times,
        )
        self.faults.append(fault)
        return fault

    def take_fault(self, call: RestCall) -> Reply | None:
        for fault in self.faults:
            if fault.times > 0 and call.matches(fault.method, fault.path_regex):
                fault.times -= 1
                if fault.times == 0:
                    self.faults.remove(fault)
                return Reply(fault.status, fault.body, dict(fault.headers))
        return None

    # -- building interactions ----------------------------------------------------------------

    def _options(
        self,
        options: dict[str, Any] | None,
        attachments: dict[str, tuple[str, bytes, str]] | None,
        channel_id: int,
        resolved: dict | None,
    ) -> tuple[list[dict], dict]:
        option_list = [
            {"name": key, "type": p.option_type(value), "value": value}
            for key, value in (options or {}).items()
        ]
        resolved = dict(resolved or {})
        for key, upload in (attachments or {}).items():
            attachment = self.store.upload(channel_id, UploadedFile(*upload), ephemeral=True)
            resolved.setdefault("attachments", {})[attachment["id"]] = attachment
            option_list.append({"name": key, "type": 11, "value": attachment["id"]})
        return option_list, resolved

    def _command_ref(self, name: str) -> dict:
        """The id (and guild) of the synced command with that name, guild commands first."""
        for scope in (self.guild_id, None):
            for command in self.synced_commands.get(scope, []):
                if command["name"] == name:
                    ref = {"id": command["id"]}
                    if scope is not None:
                        ref["guild_id"] = str(scope)
                    return ref
        known = self._unsynced_command_ids.setdefault(name, self.ids.next())
        return {"id": str(known)}

    async def _interact(
        self,
        kind: int,
        data: dict,
        *,
        user_id: int | None,
        channel_id: int | None,
        message: dict | None = None,
        locale: str = "en-US",
    ) -> FakeInteraction:
        user_id = user_id or self.default_user_id
        channel_id = channel_id or self.channel_id
        gateway = self.gateway_of(self._guild_of(channel_id))  # DMs: shard 0
        if gateway.session_id is None:
            raise RuntimeError("no client has identified that shard: await fake.wait_ready()")
        interaction_id = self.ids.next()
        token = f"fake-{interaction_id}-{secrets.token_urlsafe(24)}"
        payload: dict[str, Any] = {
            "id": str(interaction_id),
            "application_id": str(self.application_id),
            "type": kind,
            "data": data,
            "token": token,
            "version": 1,
            "channel_id": str(channel_id),
            "channel": self.channel(channel_id),
            "app_permissions": str(self.app_permissions),
            "locale": locale,
            "entitlements": [],
            "authorizing_integration_owners": {"0": str(self.guild_id)},
            "context": 0,
            "attachment_size_limit": self.attachment_size_limit,
        }
        if self._guild_of(channel_id) is not None:
            payload["guild_id"] = str(self.guild_id)
            payload["guild"] = {"id": str(self.guild_id), "locale": "en-US", "features": []}
            payload["guild_locale"] = "en-US"
            payload["member"] = self.member(user_id, permissions=True)
        else:
            payload["user"] = self.user(user_id)
            payload["context"] = 1
        if message is not None:
            payload["message"] = self.visible(message)
        inter = FakeInteraction(
            fake=self,
            id=interaction_id,
            token=token,
            type=kind,
            payload=payload,
            channel_id=channel_id,
            user_id=user_id,
            dispatched_at=time.monotonic(),
            first_call=len(self.calls),
            message_id=int(message["id"]) if message is not None else None,
        )
        self.interactions[token] = inter
        await gateway.dispatch("INTERACTION_CREATE", payload)
        return inter


def point_discord_py_at(fake: FakeDiscord) -> Callable[[], None]:
    """Point discord.py's REST base and gateway at ``fake``; call the result to undo."""
    return fake.install()


def _nest(options: list[dict], subcommand: str | None) -> list[dict]:
    """Wrap options in a subcommand (type 1) and optionally a group (type 2)."""
    if not subcommand:
        return options
    *group, sub = subcommand.split()
    nested = [{"type": 1, "name": sub, "options": options}]
    if group:
        nested = [{"type": 2, "name": group[0], "options": nested}]
    return nested


def _fault_body(status: int, retry_after: float) -> dict:
    if status == 429:
        return {"message": RATE_LIMITED, "retry_after": retry_after, "global": False, "code": 0}
    if status >= 500:
        return {"message": f"{status}: Internal Server Error", "code": 0}
    return {"message": f"{status}: injected fault", "code": 0}


def _fault_headers(status: int, retry_after: float) -> dict[str, str]:
    if status != 429:
        return {}
    return {
        "Retry-After": f"{retry_after:g}",
        "X-RateLimit-Limit": "5",
        "X-RateLimit-Remaining": "0",
        "X-RateLimit-Reset": f"{time.time() + retry_after:.3f}",
        "X-RateLimit-Reset-After": f"{retry_after:g}",
        "X-RateLimit-Bucket": "fake-bucket",
        "X-RateLimit-Scope": "user",
        "Via": "1.1 google",
    }
