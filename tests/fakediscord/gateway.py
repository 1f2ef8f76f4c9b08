"""The fake gateway: one websocket session at a time, with sequence numbers and RESUME.

Frames go out as TEXT: discord.py only zlib-decompresses BINARY frames, so plain
JSON text works even though it asks for ``compress=zlib-stream``.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import WSMsgType, web

from .records import Notifier

log = logging.getLogger(__name__)

OP_DISPATCH = 0
OP_HEARTBEAT = 1
OP_IDENTIFY = 2
OP_PRESENCE_UPDATE = 3
OP_RESUME = 6
OP_RECONNECT = 7
OP_REQUEST_GUILD_MEMBERS = 8
OP_INVALID_SESSION = 9
OP_HELLO = 10
OP_HEARTBEAT_ACK = 11

CLOSE_INVALID_SHARD = 4010
CLOSE_DISALLOWED_INTENTS = 4014
PRIVILEGED_INTENTS = (1 << 1) | (1 << 8) | (1 << 15)  # members, presences, message content


@dataclass(frozen=True)
class Dispatch:
    seq: int
    event: str
    data: Any


@dataclass(frozen=True)
class Heartbeat:
    time: float
    seq: int | None  # the last sequence number the client had processed


class Gateway:
    """Serves ``/gw``; the owner supplies READY and GUILD_CREATE bodies through callbacks."""

    def __init__(
        self,
        *,
        ready: Callable[[str], dict],
        guild_creates: Callable[[], list[dict]],
        members_chunk: Callable[[dict], dict],
        heartbeat_interval_ms: int = 41_250,
    ) -> None:
        self._ready = ready
        self._guild_creates = guild_creates
        self._members_chunk = members_chunk
        self.heartbeat_interval_ms = heartbeat_interval_ms
        self.changed = Notifier()
        self._lock = asyncio.Lock()
        self._live: web.WebSocketResponse | None = None  # identified or resumed socket
        self._sockets: set[web.WebSocketResponse] = set()
        self.session_id: str | None = None
        self.seq = 0
        self.history: list[Dispatch] = []
        self.identify_payloads: list[dict] = []
        self.identified_intents: int | None = None
        self.heartbeats: list[Heartbeat] = []
        self.other_ops: list[dict] = []  # presence updates, member requests, ...
        self.connections = 0
        self.resumes = 0
        self.ready_seq: int | None = None
        self.guild_create_seq: int | None = None
        # The privileged intents the developer portal allows; asking for another one is
        # answered with close code 4014 (Disallowed intent(s)), as Discord does.
        self.allowed_privileged = PRIVILEGED_INTENTS
        self.refused: list[int] = []  # the intents of IDENTIFYs refused with 4014

    @property
    def connected(self) -> bool:
        return self._live is not None and not self._live.closed

    async def handle(self, request: web.Request) -> web.WebSocketResponse:
        ws = await hello(request, self.heartbeat_interval_ms)
        await self.serve(ws)
        return ws

    async def serve(self, ws: web.WebSocketResponse, first: dict | None = None) -> None:
        """Answer a socket's frames (``first``: one a shard router read already)."""
        self._sockets.add(ws)
        self.connections += 1
        self.changed.notify()
        try:
            if first is not None:
                await self._on_frame(ws, first)
            async for message in ws:
                if message.type is WSMsgType.TEXT:
                    await self._on_frame(ws, json.loads(message.data))
        except ConnectionResetError:
            log.debug("gateway socket reset")
        finally:
            self._sockets.discard(ws)
            if self._live is ws:
                self._live = None
            self.changed.notify()

    async def dispatch(self, event: str, data: Any) -> int:
        """Send a DISPATCH now, or keep it for the RESUME replay if the socket is down."""
        if self.session_id is None:
            raise RuntimeError(f"cannot dispatch {event}: no client has identified yet")
        async with self._lock:
            return await self._dispatch_locked(event, data)

    async def sync(self, timeout: float = 5) -> None:
        """Return once the client has processed every dispatch sent so far.

        The client answers a server HEARTBEAT at once with the last sequence number it
        handled, and it handles frames in order, so that number proves how far it got.
        """
        target = self.seq
        await self.changed.wait_for(lambda: self._live, timeout, "a live gateway session")
        since = len(self.heartbeats)
        await self.request_heartbeat()
        await self.changed.wait_for(
            lambda: next(
                (h for h in self.heartbeats[since:] if h.seq is not None and h.seq >= target),
                None,
            ),
            timeout,
            f"a heartbeat acknowledging sequence {target}",
        )

    async def request_heartbeat(self) -> None:
        if self._live is not None:
            await self._send(self._live, {"op": OP_HEARTBEAT, "d": None, "s": None, "t": None})

    async def disconnect(self, code: int = 4000) -> None:
        """Close the live socket; a code the client deems resumable makes it RESUME."""
        ws = self._live
        if ws is None:
            raise RuntimeError("no live gateway session to disconnect")
        self._live = None
        await ws.close(code=code, message=b"fake disconnect")
        await self.changed.wait_for(lambda: ws not in self._sockets or None, 10, "socket close")

    async def invalidate_session(self, resumable: bool = False) -> None:
        """Send op 9; with resumable=False the client identifies afresh."""
        if self._live is None:
            raise RuntimeError("no live gateway session")
        if not resumable:
            self.ready_seq = self.guild_create_seq = None  # wait_ready() waits for the new ones
        frame = {"op": OP_INVALID_SESSION, "d": resumable, "s": None, "t": None}
        await self._send(self._live, frame)

    async def close_all(self, code: int = 1001) -> None:
        for ws in list(self._sockets):
            await ws.close(code=code, message=b"fake discord stopping")
        self._live = None

    async def _on_frame(self, ws: web.WebSocketResponse, frame: dict) -> None:
        op, data = frame.get("op"), frame.get("d")
        if op == OP_HEARTBEAT:
            self.heartbeats.append(Heartbeat(time.monotonic(), data))
            await self._send(ws, {"op": OP_HEARTBEAT_ACK, "d": None, "s": None, "t": None})
            self.changed.notify()
        elif op == OP_IDENTIFY:
            await self._identify(ws, data)
        elif op == OP_RESUME:
            await self._resume(ws, data)
        elif op == OP_REQUEST_GUILD_MEMBERS:
            self.other_ops.append(frame)
            await self.dispatch("GUILD_MEMBERS_CHUNK", self._members_chunk(data))
        else:
            self.other_ops.append(frame)

    async def _identify(self, ws: web.WebSocketResponse, data: dict) -> None:
        intents = int(data.get("intents") or 0)
        if intents & PRIVILEGED_INTENTS & ~self.allowed_privileged:
            self.refused.append(intents)
            await ws.close(code=CLOSE_DISALLOWED_INTENTS, message=b"Disallowed intent(s).")
            self.changed.notify()
            return
        async with self._lock:
            self.identify_payloads.append(data)
            self.identified_intents = data.get("intents")
            self.session_id = uuid.uuid4().hex
            self.seq = 0
            self.history = []
            self._live = ws
            self.ready_seq = await self._dispatch_locked("READY", self._ready(self.session_id))
            for guild in self._guild_creates():
                self.guild_create_seq = await self._dispatch_locked("GUILD_CREATE", guild)
        self.changed.notify()

    async def _resume(self, ws: web.WebSocketResponse, data: dict) -> None:
        async with self._lock:
            if data.get("session_id") != self.session_id:
                await self._send(ws, {"op": OP_INVALID_SESSION, "d": False, "s": None, "t": None})
                return
            last_seen = data.get("seq") or 0
            for missed in self.history:
                if missed.seq > last_seen:
                    await self._send(ws, self._frame(missed))
            self._live = ws
            self.resumes += 1
            await self._dispatch_locked("RESUMED", {})
        self.changed.notify()

    async def _dispatch_locked(self, event: str, data: Any) -> int:
        self.seq += 1
        dispatch = Dispatch(self.seq, event, data)
        self.history.append(dispatch)
        if self._live is not None and not self._live.closed:
            await self._send(self._live, self._frame(dispatch))
        self.changed.notify()
        return dispatch.seq

    @staticmethod
    def _frame(dispatch: Dispatch) -> dict:
        return {"op": OP_DISPATCH, "s": dispatch.seq, "t": dispatch.event, "d": dispatch.data}

    @staticmethod
    async def _send(ws: web.WebSocketResponse, frame: dict) -> None:
        try:
            await ws.send_str(json.dumps(frame))
        except ConnectionResetError:
            log.debug("gateway frame dropped: socket closing (%s)", frame.get("t"))


async def hello(request: web.Request, heartbeat_interval_ms: int) -> web.WebSocketResponse:
    """Open a gateway socket and greet it (op 10 HELLO), as Discord does first."""
    ws = web.WebSocketResponse(max_msg_size=0)
    await ws.prepare(request)
    frame = {"op": OP_HELLO, "d": {"heartbeat_interval": heartbeat_interval_ms}}
    await Gateway._send(ws, frame | {"s": None, "t": None})
    return ws


class ShardRouter:
    """Serves ``/gw`` for a sharded bot: one :class:`Gateway` (session) per shard.

    An IDENTIFY names its shard as ``[shard_id, num_shards]``; one whose count is not the
    application's, or without one, is closed with 4010 Invalid shard, as Discord does. A
    RESUME goes to the shard whose session it names.
    """

    def __init__(self, gateways: list[Gateway]) -> None:
        self.gateways = gateways

    async def handle(self, request: web.Request) -> web.WebSocketResponse:
        ws = await hello(request, self.gateways[0].heartbeat_interval_ms)
        async for message in ws:
            if message.type is not WSMsgType.TEXT:
                continue
            frame = json.loads(message.data)
            if frame.get("op") == OP_HEARTBEAT:  # discord.py beats once before identifying
                await Gateway._send(ws, {"op": OP_HEARTBEAT_ACK, "d": None, "s": None, "t": None})
                continue
            gateway = self._gateway_of(frame)
            if gateway is None:
                await ws.close(code=CLOSE_INVALID_SHARD, message=b"Invalid shard.")
                break
            await gateway.serve(ws, frame)
            break
        return ws

    def _gateway_of(self, frame: dict) -> Gateway | None:
        data = frame.get("d") or {}
        if frame.get("op") == OP_RESUME:
            found = (g for g in self.gateways if g.session_id == data.get("session_id"))
            return next(found, self.gateways[0])  # unknown: that shard answers op 9
        if frame.get("op") != OP_IDENTIFY:
            return self.gateways[0]
        shard = data.get("shard")
        if not shard or shard[1] != len(self.gateways) or not 0 <= shard[0] < shard[1]:
            return None
        return self.gateways[shard[0]]

    async def close_all(self) -> None:
        for gateway in self.gateways:
            await gateway.close_all()
