"""The message store: every message as a full Discord object, attachments, reactions.

Creating and editing follow Discord's rules closely enough for a bot to notice
mistakes: empty messages and over-long content are refused, replies to missing
messages fail unless ``fail_if_not_exists`` is false, edits keep or drop
attachments by id, and ``attachment://`` names in embeds are resolved.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import quote

from . import payloads as p
from . import rules
from .records import UploadedFile
from .rules import ApiError

MAX_CONTENT = 2000


def unknown_message() -> ApiError:
    return ApiError(404, "Unknown Message", 10008)


@dataclass
class Blob:
    filename: str
    data: bytes
    content_type: str


@dataclass
class MessageStore:
    """Messages by id; the owner supplies ids, users and the base URL of the fake's CDN."""

    ids: p.Snowflakes
    user: Callable[[int], dict]
    cdn_base: Callable[[], str]
    messages: dict[int, dict] = field(default_factory=dict)
    deleted: dict[int, dict] = field(default_factory=dict)
    blobs: dict[int, Blob] = field(default_factory=dict)
    reactors: dict[tuple[int, str], list[int]] = field(default_factory=dict)
    upload_limit: int = p.ATTACHMENT_SIZE_LIMIT  # the server's (boosts raise it)

    def get(self, message_id: int) -> dict:
        try:
            return self.messages[message_id]
        except KeyError:
            raise unknown_message() from None

    def upload(
        self,
        channel_id: int,
        upload: UploadedFile,
        *,
        description: str | None = None,
        ephemeral: bool = False,
    ) -> dict:
        """Store the bytes behind a new attachment and describe it like Discord does."""
        rules.check_uploads([upload], self.upload_limit)
        attachment_id = self.ids.next()
        url = f"{self.cdn_base()}/attachments/{channel_id}/{attachment_id}/{quote(upload.filename)}"
        attachment = p.attachment_payload(
            attachment_id,
            upload.filename,
            upload.data,
            url=url,
            declared_type=upload.content_type,
            description=description,
            ephemeral=ephemeral,
        )
        self.blobs[attachment_id] = Blob(upload.filename, upload.data, attachment["content_type"])
        return attachment

    def create(
        self,
        *,
        channel_id: int,
        guild_id: int | None,
        author: dict,
        body: dict,
        files: list[UploadedFile],
        message_type: int | None = None,
        extra: dict | None = None,
        ping_reply_default: bool = True,
        allow_empty: bool = False,
    ) -> dict:
        """Store a new message built from a create-message body (JSON or payload_json)."""
        attachments = self._new_attachments(channel_id, body.get("attachments"), files)
        content = str(body.get("content") or "")
        components = body.get("components") or []
        has_body = content or body.get("embeds") or attachments or components or body.get("poll")
        if not (has_body or allow_empty):
            raise ApiError(400, "Cannot send an empty message", 50006)
        check_content(content)
        rules.check_embeds(body.get("embeds"))
        referenced = self._referenced(body.get("message_reference"), channel_id, guild_id)
        message = p.message_payload(
            message_id=self.ids.next(),
            channel_id=channel_id,
            guild_id=guild_id,
            author=author,
            content=content,
            embeds=p.rich_embeds(body.get("embeds"), attachments),
            components=components,
            attachments=attachments,
            message_type=message_type if message_type is not None else p.MESSAGE_DEFAULT,
            flags=int(body.get("flags") or 0),
            tts=bool(body.get("tts")),
            nonce=body.get("nonce"),
        )
        if referenced is not None:
            message["type"] = p.MESSAGE_REPLY if message_type is None else message_type
            message["message_reference"] = {
                "type": 0,
                "message_id": referenced["id"],
                "channel_id": referenced["channel_id"],
                **({"guild_id": str(guild_id)} if guild_id else {}),
            }
            message["referenced_message"] = strip_reference(referenced)
        allowed = body.get("allowed_mentions")
        ping_reply = ping_reply_default if allowed is None else allowed.get("replied_user", False)
        message["mentions"] = self._mentions(content, allowed, referenced if ping_reply else None)
        if allowed is not None and "everyone" not in allowed.get("parse", []):
            message["mention_everyone"] = False
        message.update(extra or {})
        self.messages[int(message["id"])] = message
        return message

    def edit(self, message_id: int, body: dict, files: list[UploadedFile]) -> dict:
        """Apply an edit body: only the keys present change, as with PATCH on Discord."""
        message = self.get(message_id)
        if "content" in body:
            check_content(str(body["content"] or ""))
        if "embeds" in body:
            rules.check_embeds(body["embeds"])
        if "attachments" in body or files:
            message["attachments"] = self._edited_attachments(message, body, files)
        if "content" in body:
            message["content"] = str(body["content"] or "")
            message["mention_roles"] = p.mentioned_role_ids(message["content"])
        if "embeds" in body or "attachments" in body or files:
            embeds = body["embeds"] if "embeds" in body else message["embeds"]
            message["embeds"] = p.rich_embeds(embeds, message["attachments"])
        if "components" in body:
            message["components"] = body["components"] or []
        if "flags" in body and body["flags"] is not None:
            keep = int(message["flags"]) & (p.FLAG_EPHEMERAL | p.FLAG_LOADING)
            message["flags"] = keep | (int(body["flags"]) & ~(p.FLAG_EPHEMERAL | p.FLAG_LOADING))
        if "content" in body or "allowed_mentions" in body:
            message["mentions"] = self._mentions(
                message["content"], body.get("allowed_mentions"), None
            )
        message["flags"] = int(message["flags"]) & ~p.FLAG_LOADING  # the edit ends "thinking"
        message["edited_timestamp"] = p.iso_now()
        return message

    def delete(self, message_id: int) -> dict:
        message = self.messages.pop(message_id, None)
        if message is None:
            raise unknown_message()
        self.deleted[message_id] = message
        return message

    def render(self, message: dict) -> dict:
        """A copy to send out, with ``referenced_message`` as the referenced one is now."""
        rendered = copy.deepcopy(message)
        reference = message.get("message_reference")
        if reference and "referenced_message" in message:
            current = self.messages.get(int(reference["message_id"]))
            rendered["referenced_message"] = strip_reference(current) if current else None
        return rendered

    def react(self, message_id: int, emoji: str, user_id: int, me: int) -> bool:
        """Add a reaction; False if that user had already reacted with that emoji."""
        message = self.get(message_id)
        users = self.reactors.setdefault((message_id, emoji), [])
        if user_id in users:
            return False
        users.append(user_id)
        self._refresh_reactions(message, me)
        return True

    def unreact(self, message_id: int, emoji: str | None, user_id: int | None, me: int) -> None:
        """Remove one user's reaction, all users' for an emoji, or every reaction."""
        message = self.get(message_id)
        for key in list(self.reactors):
            if key[0] != message_id or (emoji is not None and key[1] != emoji):
                continue
            users = self.reactors[key]
            if user_id is None:
                users.clear()
            elif user_id in users:
                users.remove(user_id)
        self._refresh_reactions(message, me)

    def _refresh_reactions(self, message: dict, me: int) -> None:
        message_id = int(message["id"])
        message["reactions"] = [
            {
                "emoji": emoji_payload(emoji),
                "count": len(users),
                "count_details": {"burst": 0, "normal": len(users)},
                "me": me in users,
                "me_burst": False,
                "burst_colors": [],
            }
            for (mid, emoji), users in self.reactors.items()
            if mid == message_id and users
        ]

    def _new_attachments(
        self, channel_id: int, listed: list[dict] | None, files: list[UploadedFile]
    ) -> list[dict]:
        """Uploads in the order of the body's ``attachments`` (ids are file indexes)."""
        order = [(int(entry["id"]), entry) for entry in listed or [] if _is_index(entry, files)]
        used = {index for index, _ in order}
        order += [(index, {}) for index in range(len(files)) if index not in used]
        return [
            self.upload(channel_id, files[index], description=entry.get("description"))
            for index, entry in order
        ]

    def _edited_attachments(self, message: dict, body: dict, files: list[UploadedFile]) -> list:
        existing = {attachment["id"]: attachment for attachment in message["attachments"]}
        if "attachments" not in body:
            kept = list(message["attachments"])
            return kept + self._new_attachments(int(message["channel_id"]), None, files)
        result = []
        for entry in body["attachments"] or []:
            if str(entry.get("id")) in existing:
                result.append(existing[str(entry["id"])])
            elif _is_index(entry, files):
                upload = files[int(entry["id"])]
                channel_id = int(message["channel_id"])
                result.append(self.upload(channel_id, upload, description=entry.get("description")))
        return result

    def _referenced(self, reference: dict | None, channel_id: int, guild_id: int | None):
        if not reference or reference.get("type", 0) != 0 or not reference.get("message_id"):
            return None
        found = self.messages.get(int(reference["message_id"]))
        if found is not None and int(found["channel_id"]) == int(
            reference.get("channel_id") or channel_id
        ):
            return found
        if reference.get("fail_if_not_exists", True):
            error = {"code": "REPLIES_UNKNOWN_MESSAGE", "message": "Unknown message"}
            errors = {"message_reference": {"_errors": [error]}}
            raise ApiError(400, "Invalid Form Body", 50035, errors)
        return None

    def _mentions(self, content: str, allowed: dict | None, replied: dict | None) -> list[dict]:
        ids = p.mentioned_user_ids(content)
        if allowed is not None:
            parse = allowed.get("parse", [])
            listed = {int(user_id) for user_id in allowed.get("users", [])}
            ids = [user_id for user_id in ids if "users" in parse or user_id in listed]
        if replied is not None and int(replied["author"]["id"]) not in ids:
            ids.append(int(replied["author"]["id"]))
        return [self.user(user_id) for user_id in ids]


def strip_reference(message: dict) -> dict:
    """Discord nests referenced messages one level deep only."""
    nested = copy.deepcopy(message)
    nested.pop("referenced_message", None)
    return nested


def check_content(content: str) -> None:
    if len(content) > MAX_CONTENT:
        error = {"code": "BASE_TYPE_MAX_LENGTH", "message": "Must be 2000 or fewer in length."}
        raise ApiError(400, "Invalid Form Body", 50035, {"content": {"_errors": [error]}})


def emoji_payload(emoji: str) -> dict:
    """``name:id`` (custom, as in reaction routes) or a unicode emoji."""
    name, _, emoji_id = emoji.partition(":")
    if emoji_id:
        return {"id": emoji_id, "name": name, "animated": False}
    return {"id": None, "name": emoji}


def _is_index(entry: dict, files: list[UploadedFile]) -> bool:
    try:
        return 0 <= int(entry["id"]) < len(files)
    except (KeyError, TypeError, ValueError):
        return False
