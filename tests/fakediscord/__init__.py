"""A fake Discord (gateway + REST + CDN) on 127.0.0.1 for driving the real discord.py bot."""

from .payloads import (
    ATTACHMENT_SIZE_LIMIT,
    FLAG_EPHEMERAL,
    FLAG_LOADING,
    INTENT_MESSAGE_CONTENT,
)
from .records import FakeInteraction, Fault, RestCall, UploadedFile
from .server import (
    APPLICATION_ID,
    CHANNEL_ID,
    GUILD_ID,
    OWNER_ID,
    USER_ID,
    FakeDiscord,
    point_discord_py_at,
)
from .store import ApiError

__all__ = [
    "APPLICATION_ID",
    "ATTACHMENT_SIZE_LIMIT",
    "CHANNEL_ID",
    "FLAG_EPHEMERAL",
    "FLAG_LOADING",
    "GUILD_ID",
    "INTENT_MESSAGE_CONTENT",
    "OWNER_ID",
    "USER_ID",
    "ApiError",
    "FakeDiscord",
    "FakeInteraction",
    "Fault",
    "RestCall",
    "UploadedFile",
    "point_discord_py_at",
]
