"""Short-lived signed links to the web editor: one member, one image, a few minutes.

A link is a bearer token in the URL, so it carries no API key and no secret of the
member's: only who (member, server, the channel where they asked), which image, and
until when, signed with HMAC-SHA256 under the studio's own key (:mod:`data.link_secret`).
Changing any of it breaks the signature; an old link stops working when it expires. The
page's requests run as that member, through the same use-cases as Discord's, with their
current roles and every check (visibility, policy, credits, rate limit) applied again.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from data import link_secret, users
from data.images import ImageRecord
from studio.errors import StudioError
from studio.requester import Requester

if TYPE_CHECKING:
    from studio.studio import Studio

KEY_FILE = "web-link.key"  # in DATA_DIR, 0600
SIGNATURE_BYTES = 32  # all of SHA-256: a forged link must guess 256 bits
IMAGE_ID_LENGTH = 12


class LinkInvalid(StudioError):
    """Not a link this studio signed (mistyped, cut short, or changed)."""

    code = "link_invalid"

    def __init__(self) -> None:
        super().__init__("This editor link is not valid. Press Edit under the image again.")


class LinkExpired(StudioError):
    """A link past its time: links live minutes, so a leaked one soon means nothing."""

    code = "link_expired"
    fields = ("expired_at",)

    def __init__(self, expired_at: float) -> None:
        self.expired_at = expired_at
        super().__init__("This editor link has expired. Press Edit under the image for a new one.")


class EditorOff(StudioError):
    """This studio serves no web pages (its HTTP server is off), so no link would open."""

    code = "editor_off"

    def __init__(self) -> None:
        super().__init__(
            "The web editor is off on this studio: its operator can turn it on with "
            "API_ENABLED=true (and API_PUBLIC_URL, the address members can reach)."
        )


class LeftServer(StudioError):
    """The member is no longer on the server the link was made on."""

    code = "left_server"

    def __init__(self) -> None:
        super().__init__("You are no longer a member of the server this link was made on.")


class LinkTaken(StudioError):
    """The link was opened in another browser first: it belongs to that one."""

    code = "link_taken"

    def __init__(self) -> None:
        super().__init__(
            "This editor link was already opened in another browser. Press Edit under the "
            "image for a link of your own."
        )


@dataclass(frozen=True)
class EditLink:
    """What a link grants: ``user_id`` may work on ``image_id`` until ``expires_at``.

    ``channel_id`` is where they asked: results go there (or to their DMs, as their
    /settings say), and an image seen in that channel stays visible to them.
    """

    user_id: int
    guild_id: int | None
    channel_id: int
    image_id: str
    expires_at: int

    def payload(self) -> str:
        return (
            f"{self.user_id}.{self.guild_id or 0}.{self.channel_id}.{self.image_id}"
            f".{self.expires_at}"
        )


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class EditLinks:
    """Signs and reads editor links.

    Args:
        key: the studio's signing key (at least 32 random bytes).
        minutes: how long a new link lives.
        clock: the time (tests pass a fake one).
    """

    def __init__(
        self, key: bytes, minutes: float, *, clock: Callable[[], float] = time.time
    ) -> None:
        self._key = key
        self.minutes = minutes
        self.clock = clock

    @classmethod
    def of(cls, studio: Studio) -> EditLinks:
        key = link_secret.load_or_create(studio.settings.data_dir / KEY_FILE)
        return cls(key, studio.settings.web_link_minutes, clock=studio.clock)

    def new(self, user_id: int, guild_id: int | None, channel_id: int, image_id: str) -> EditLink:
        return EditLink(
            user_id, guild_id, channel_id, image_id, int(self.clock() + self.minutes * 60)
        )

    def renewed(self, link: EditLink, image_id: str) -> EditLink:
        """The same member and place, another image (a result made on the page), a fresh time."""
        return self.new(link.user_id, link.guild_id, link.channel_id, image_id)

    def sign(self, link: EditLink) -> str:
        payload = link.payload().encode("ascii")
        return f"{_b64(payload)}.{_b64(self._mac(payload))}"

    def read(self, token: str) -> EditLink:
        """The link a token grants.

        Raises:
            LinkInvalid: not signed by this studio (any change to it included).
            LinkExpired: signed, but its time is over.
        """
        encoded, _, signature = token.partition(".")
        try:
            payload, mac = _unb64(encoded), _unb64(signature)
        except (binascii.Error, ValueError):
            raise LinkInvalid() from None
        if not hmac.compare_digest(mac, self._mac(payload)):
            raise LinkInvalid()
        user, guild, channel, image_id, expires = payload.decode("ascii").split(".")
        link = EditLink(int(user), int(guild) or None, int(channel), image_id, int(expires))
        if self.clock() >= link.expires_at:
            raise LinkExpired(link.expires_at)
        return link

    @staticmethod
    def link_id(token: str) -> str:
        """A short name for one link (its signature's start), to remember who opened it."""
        return token.rpartition(".")[2][:22]

    def _mac(self, payload: bytes) -> bytes:
        return hmac.new(self._key, payload, hashlib.sha256).digest()[:SIGNATURE_BYTES]


async def member(studio: Studio, link: EditLink) -> Requester:
    """The member a link acts for, as they are now: their name and current roles (a
    member who left the server is refused with ``left_server``)."""
    async with studio.store.read() as db:
        name = await users.name_of(db, link.user_id) or ""
    if link.guild_id is None:
        return Requester(link.user_id, name, dm=True)
    roles: frozenset[int] = frozenset()
    if studio.member_roles is not None:
        found = await studio.member_roles(link.user_id, [link.guild_id])
        if link.guild_id not in found:
            raise LeftServer()
        roles = found[link.guild_id]
    return Requester(link.user_id, name, link.guild_id, roles)


async def image_of(studio: Studio, link: EditLink) -> ImageRecord:
    """The link's image, if the member may still see it (forgotten or made private since:
    ``not_found``, exactly like a missing one)."""
    user = await member(studio, link)
    return await studio.visible_image(user, link.image_id, link.channel_id)
