"""Builders for Discord API objects, shaped like the real API v10 answers.

discord.py indexes many keys without defaults (``data['flags']`` on a member,
``data['attachment_size_limit']`` on an interaction, ...), so the builders
always write the full object rather than the minimum a reader might expect.
"""

from __future__ import annotations

import io
import itertools
import mimetypes
import re
import time
from collections.abc import Iterable
from datetime import UTC, datetime

DISCORD_EPOCH_MS = 1_420_070_400_000

# Gateway intents (https://discord.com/developers/docs/events/gateway#gateway-intents).
INTENT_GUILDS = 1 << 0
INTENT_GUILD_MESSAGES = 1 << 9
INTENT_GUILD_MESSAGE_REACTIONS = 1 << 10
INTENT_DIRECT_MESSAGES = 1 << 12
INTENT_MESSAGE_CONTENT = 1 << 15

# Permission bits used to build plausible member and bot permissions.
PERM_ADMINISTRATOR = 1 << 3
PERM_ADD_REACTIONS = 1 << 6
PERM_VIEW_CHANNEL = 1 << 10
PERM_SEND_MESSAGES = 1 << 11
PERM_MANAGE_CHANNELS = 1 << 4
PERM_MANAGE_MESSAGES = 1 << 13
PERM_EMBED_LINKS = 1 << 14
PERM_ATTACH_FILES = 1 << 15
PERM_READ_MESSAGE_HISTORY = 1 << 16
PERM_USE_EXTERNAL_EMOJIS = 1 << 18
PERM_USE_APPLICATION_COMMANDS = 1 << 31
PERM_MANAGE_THREADS = 1 << 34
PERM_SEND_MESSAGES_IN_THREADS = 1 << 38

EVERYONE_PERMISSIONS = (
    PERM_ADD_REACTIONS
    | PERM_VIEW_CHANNEL
    | PERM_SEND_MESSAGES
    | PERM_EMBED_LINKS
    | PERM_ATTACH_FILES
    | PERM_READ_MESSAGE_HISTORY
    | PERM_USE_EXTERNAL_EMOJIS
    | PERM_USE_APPLICATION_COMMANDS
    | PERM_SEND_MESSAGES_IN_THREADS
)
BOT_PERMISSIONS = EVERYONE_PERMISSIONS | PERM_MANAGE_MESSAGES
ALL_PERMISSIONS = (1 << 51) - 1

# Message flags.
FLAG_SUPPRESS_EMBEDS = 1 << 2
FLAG_EPHEMERAL = 1 << 6
FLAG_LOADING = 1 << 7

# Message types.
MESSAGE_DEFAULT = 0
MESSAGE_REPLY = 19
MESSAGE_CHAT_INPUT_COMMAND = 20

ATTACHMENT_SIZE_LIMIT = 10 * 1024 * 1024
CHANNEL_REQUIRE_TAG = 1 << 4

_USER_MENTION = re.compile(r"<@!?(\d+)>")
_ROLE_MENTION = re.compile(r"<@&(\d+)>")


class Snowflakes:
    """Time-based ids, so discord.py's ``created_at`` (and interaction expiry) look current."""

    def __init__(self) -> None:
        self._counter = itertools.count()

    def next(self) -> int:
        millis = int(time.time() * 1000) - DISCORD_EPOCH_MS
        return (millis << 22) | (next(self._counter) & 0x3FFFFF)


def iso_now() -> str:
    return datetime.now(UTC).isoformat()


def user_payload(user_id: int, *, bot: bool = False, username: str | None = None) -> dict:
    name = username or f"user{user_id}"
    return {
        "id": str(user_id),
        "username": name,
        "global_name": None if bot else name.title(),
        "discriminator": "0",
        "avatar": None,
        "bot": bot,
        "system": False,
        "public_flags": 0,
        "flags": 0,
        "banner": None,
        "accent_color": None,
        "avatar_decoration_data": None,
        "collectibles": None,
        "primary_guild": None,
    }


def bot_self_payload(user: dict) -> dict:
    """``GET /users/@me`` and READY.user: the public user plus the private fields."""
    return {**user, "verified": True, "mfa_enabled": False, "locale": "en-US", "email": None}


def member_payload(
    user: dict,
    *,
    joined_at: str,
    roles: Iterable[int] = (),
    permissions: int | None = None,
    with_user: bool = True,
) -> dict:
    member = {
        "nick": None,
        "avatar": None,
        "banner": None,
        "roles": [str(role) for role in roles],
        "joined_at": joined_at,
        "premium_since": None,
        "deaf": False,
        "mute": False,
        "pending": False,
        "flags": 0,
        "communication_disabled_until": None,
        "avatar_decoration_data": None,
    }
    if with_user:
        member["user"] = user
    if permissions is not None:
        member["permissions"] = str(permissions)
    return member


def role_payload(role_id: int, name: str, permissions: int, *, position: int = 0) -> dict:
    return {
        "id": str(role_id),
        "name": name,
        "color": 0,
        "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
        "hoist": False,
        "icon": None,
        "unicode_emoji": None,
        "position": position,
        "permissions": str(permissions),
        "managed": False,
        "mentionable": False,
        "flags": 0,
    }


def text_channel_payload(channel_id: int, guild_id: int, name: str, *, position: int = 0) -> dict:
    return {
        "id": str(channel_id),
        "type": 0,
        "guild_id": str(guild_id),
        "name": name,
        "position": position,
        "permission_overwrites": [],
        "topic": None,
        "nsfw": False,
        "last_message_id": None,
        "rate_limit_per_user": 0,
        "parent_id": None,
        "default_auto_archive_duration": 1440,
        "flags": 0,
    }


def forum_channel_payload(
    channel_id: int,
    guild_id: int,
    name: str,
    *,
    position: int = 0,
    tags: list[dict] | None = None,
    require_tag: bool = False,
) -> dict:
    """A forum (type 15): messages go into its posts, each a thread with a starter message.
    ``require_tag`` sets REQUIRE_TAG: every post needs one of ``tags``."""
    forum = text_channel_payload(channel_id, guild_id, name, position=position)
    forum |= {"type": 15, "available_tags": tags or [], "default_reaction_emoji": None}
    forum["flags"] = CHANNEL_REQUIRE_TAG if require_tag else 0
    return forum


def forum_tag_payload(tag_id: int, name: str, *, moderated: bool = False) -> dict:
    """A forum tag; a moderated one may be applied only with Manage Threads."""
    return {
        "id": str(tag_id),
        "name": name,
        "moderated": moderated,
        "emoji_id": None,
        "emoji_name": None,
    }


def thread_payload(thread_id: int, parent: dict, owner_id: int, name: str) -> dict:
    """A public thread (type 11), as a forum post is."""
    return {
        "id": str(thread_id),
        "type": 11,
        "guild_id": parent["guild_id"],
        "parent_id": parent["id"],
        "owner_id": str(owner_id),
        "name": name,
        "last_message_id": str(thread_id),
        "rate_limit_per_user": 0,
        "message_count": 1,
        "member_count": 1,
        "total_message_sent": 1,
        "flags": 0,
        "applied_tags": [],
        "thread_metadata": {
            "archived": False,
            "auto_archive_duration": 1440,
            "archive_timestamp": iso_now(),
            "locked": False,
            "create_timestamp": iso_now(),
        },
    }


def dm_channel_payload(channel_id: int, recipient: dict) -> dict:
    return {"id": str(channel_id), "type": 1, "last_message_id": None, "recipients": [recipient]}


def guild_payload(
    guild_id: int,
    *,
    name: str,
    owner_id: int,
    roles: list[dict],
    channels: list[dict],
    members: list[dict],
    joined_at: str,
) -> dict:
    """The GUILD_CREATE shape: the guild object plus the gateway-only extras."""
    return {
        "id": str(guild_id),
        "name": name,
        "icon": None,
        "splash": None,
        "discovery_splash": None,
        "banner": None,
        "description": None,
        "owner_id": str(owner_id),
        "afk_channel_id": None,
        "afk_timeout": 300,
        "verification_level": 0,
        "default_message_notifications": 0,
        "explicit_content_filter": 0,
        "mfa_level": 0,
        "nsfw_level": 0,
        "premium_tier": 0,
        "premium_subscription_count": 0,
        "premium_progress_bar_enabled": False,
        "preferred_locale": "en-US",
        "features": [],
        "emojis": [],
        "stickers": [],
        "roles": roles,
        "application_id": None,
        "system_channel_id": None,
        "system_channel_flags": 0,
        "rules_channel_id": None,
        "public_updates_channel_id": None,
        "safety_alerts_channel_id": None,
        "vanity_url_code": None,
        "max_members": 500_000,
        "max_video_channel_users": 25,
        "joined_at": joined_at,
        "large": False,
        "unavailable": False,
        "member_count": len(members),
        "members": members,
        "channels": channels,
        "threads": [],
        "voice_states": [],
        "presences": [],
        "stage_instances": [],
        "guild_scheduled_events": [],
        "soundboard_sounds": [],
    }


def application_payload(app_id: int, *, name: str, owner: dict, bot: dict) -> dict:
    """``GET /oauth2/applications/@me``; AppInfo reads description, icon, verify_key... directly."""
    return {
        "id": str(app_id),
        "name": name,
        "icon": None,
        "description": "",
        "summary": "",
        "type": None,
        "bot": bot,
        "bot_public": True,
        "bot_require_code_grant": False,
        "owner": owner,
        "team": None,
        "verify_key": "0" * 64,
        "flags": 0,
        "tags": [],
        "rpc_origins": [],
        "terms_of_service_url": None,
        "privacy_policy_url": None,
        "interactions_endpoint_url": None,
        "redirect_uris": [],
        "approximate_guild_count": 1,
        "integration_types_config": {"0": {}},
    }


def describe_file(filename: str, data: bytes, declared_type: str | None) -> dict:
    """Content type and, for images, the size, as Discord sniffs them (discord.py always
    uploads ``application/octet-stream``)."""
    try:
        from PIL import Image

        with Image.open(io.BytesIO(data)) as image:
            mime = Image.MIME.get(image.format or "") or "image/png"
            return {"content_type": mime, "width": image.width, "height": image.height}
    except Exception:  # not an image, or Pillow missing: fall back to the name
        pass
    guessed = mimetypes.guess_type(filename)[0]
    if declared_type and declared_type != "application/octet-stream":
        guessed = declared_type
    return {"content_type": guessed or "application/octet-stream"}


def attachment_payload(
    attachment_id: int,
    filename: str,
    data: bytes,
    *,
    url: str,
    declared_type: str | None = None,
    description: str | None = None,
    ephemeral: bool = False,
) -> dict:
    attachment = {
        "id": str(attachment_id),
        "filename": filename,
        "size": len(data),
        "url": url,
        "proxy_url": url,
        "ephemeral": ephemeral,
        "flags": 0,
        **describe_file(filename, data, declared_type),
    }
    if description is not None:
        attachment["description"] = description
    return attachment


def mentioned_user_ids(content: str) -> list[int]:
    seen: dict[int, None] = {}
    for match in _USER_MENTION.finditer(content or ""):
        seen[int(match.group(1))] = None
    return list(seen)


def mentioned_role_ids(content: str) -> list[str]:
    return list(dict.fromkeys(_ROLE_MENTION.findall(content or "")))


def message_payload(
    *,
    message_id: int,
    channel_id: int,
    guild_id: int | None,
    author: dict,
    content: str = "",
    embeds: list[dict] | None = None,
    components: list[dict] | None = None,
    attachments: list[dict] | None = None,
    mentions: list[dict] | None = None,
    message_type: int = MESSAGE_DEFAULT,
    flags: int = 0,
    tts: bool = False,
    nonce: str | int | None = None,
) -> dict:
    message = {
        "id": str(message_id),
        "channel_id": str(channel_id),
        "author": author,
        "content": content,
        "timestamp": iso_now(),
        "edited_timestamp": None,
        "tts": tts,
        "mention_everyone": "@everyone" in content or "@here" in content,
        "mentions": mentions or [],
        "mention_roles": mentioned_role_ids(content),
        "mention_channels": [],
        "attachments": attachments or [],
        "embeds": embeds or [],
        "components": components or [],
        "reactions": [],
        "pinned": False,
        "type": message_type,
        "flags": flags,
        "sticker_items": [],
    }
    if guild_id is not None:
        message["guild_id"] = str(guild_id)
    if nonce is not None:
        message["nonce"] = nonce
    return message


def rich_embeds(embeds: list[dict] | None, attachments: list[dict]) -> list[dict]:
    """What Discord stores for sent embeds: ``type: rich`` and ``attachment://`` resolved."""
    by_name = {attachment["filename"]: attachment for attachment in attachments}
    result = []
    for embed in embeds or []:
        embed = {"type": "rich", **embed}
        for key in ("image", "thumbnail"):
            media = embed.get(key)
            if not media or not str(media.get("url", "")).startswith("attachment://"):
                continue
            attachment = by_name.get(media["url"].removeprefix("attachment://"))
            if attachment is not None:
                embed[key] = {
                    "url": attachment["url"],
                    "proxy_url": attachment["proxy_url"],
                    "width": attachment.get("width", 0),
                    "height": attachment.get("height", 0),
                    "flags": 0,
                }
        result.append(embed)
    return result


def find_component(components: list[dict], custom_id: str) -> dict | None:
    """Depth-first search through action rows, sections, containers and accessories."""
    for component in components:
        if component.get("custom_id") == custom_id:
            return component
        children = list(component.get("components", []))
        for key in ("accessory", "component"):
            if isinstance(component.get(key), dict):
                children.append(component[key])
        found = find_component(children, custom_id)
        if found is not None:
            return found
    return None


def option_type(value: object) -> int:
    """The application-command option type Discord would send for a Python value."""
    if isinstance(value, bool):
        return 5
    if isinstance(value, int):
        return 4
    if isinstance(value, float):
        return 10
    if isinstance(value, str):
        return 3
    raise TypeError(f"no option type for {value!r}; pass an explicit option dict instead")
