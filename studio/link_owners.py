"""Which browser owns an editor link: the first that opens it, for as long as it lives.

A link in a URL travels (chat logs, a screenshot, a forwarded message); the first browser
that opens it (the page's script, which link previews never run) gets a random cookie and
owns the link, and any other browser is refused with ``link_taken``. The claim is kept in
the store (:mod:`data.link_claims`), so it holds across a restart and between several
studio processes; the store keeps the cookie's SHA-256, never the cookie.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from data import link_claims
from data.store import Store
from studio.edit_links import EditLink, EditLinks, LinkTaken

if TYPE_CHECKING:
    from studio.studio import Studio


def _digest(browser: str) -> str:
    return hashlib.sha256(browser.encode("utf-8")).hexdigest()


class LinkOwners:
    def __init__(self, store: Store, *, clock: Callable[[], float] = time.time) -> None:
        self.store = store
        self.clock = clock

    @classmethod
    def of(cls, studio: Studio) -> LinkOwners:
        return cls(studio.store, clock=studio.clock)

    async def claim(self, token: str, link: EditLink, browser: str) -> None:
        """The link is ``browser``'s from now on, unless another browser opened it first.

        Raises:
            LinkTaken: another browser owns it.
        """
        async with self.store.transaction() as db:
            await link_claims.forget_expired(db, self.clock())
            owner = await link_claims.claim(
                db, EditLinks.link_id(token), _digest(browser), link.expires_at
            )
        if not hmac.compare_digest(owner, _digest(browser)):
            raise LinkTaken()

    async def check(self, token: str, browser: str) -> None:
        """Only the browser that opened the link may use it (none opened it: nobody).

        Raises:
            LinkTaken: the link was not opened by ``browser``.
        """
        async with self.store.read() as db:
            owner = await link_claims.owner_of(db, EditLinks.link_id(token))
        if owner is None or not hmac.compare_digest(owner, _digest(browser)):
            raise LinkTaken()
