"""Coded errors: every refusal has a stable code and typed fields; only the Discord
adapter writes Discord markup."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import studio.gallery
import studio.library
import studio.moderation
import studio.studio  # noqa: F401
from app.discord.errors import words
from studio.errors import (
    EveryoneRole,
    GalleryUnreachable,
    NoAccess,
    NotEnoughCredits,
    RateLimited,
    StudioError,
)
from studio.gallery import NoGalleryChannel
from studio.library import CollectionFull

MARKUP = re.compile(r"<[@#&t:][^>]*>|`/")


def _all_subclasses(cls: type) -> set[type]:
    found = set()
    for sub in cls.__subclasses__():
        found |= {sub, *_all_subclasses(sub)}
    return found


def test_every_studio_error_has_its_own_stable_code():
    codes = {sub: sub.code for sub in _all_subclasses(StudioError)}
    assert codes, "no StudioError subclasses found"
    assert all(re.fullmatch(r"[a-z_]+", code) for code in codes.values())
    assert "refused" not in codes.values()  # each subclass names itself
    # a subclass either names a new code or is the same refusal told more precisely
    by_code: dict[str, list[type]] = {}
    for sub, code in codes.items():
        by_code.setdefault(code, []).append(sub)
    assert all(len(subs) == 1 for subs in by_code.values()), by_code


def test_fields_are_typed_attributes_ready_for_an_api():
    refill = datetime(2026, 12, 1, tzinfo=UTC)
    short = NotEnoughCredits(balance=0, cost=1, next_refill=refill, refill_amount=25)
    assert short.code == "not_enough_credits"
    assert short.details() == {
        "balance": 0,
        "cost": 1,
        "next_refill": refill,
        "refill_amount": 25,
    }
    assert NoAccess([11, 12]).details() == {"role_ids": [11, 12]}
    slow = RateLimited(jobs=2, seconds=60, retry_after=39.2)
    assert slow.details()["retry_after"] == 39.2 and slow.wait == 40


def test_plain_text_in_the_core_and_markup_only_in_discords_words():
    errors = [
        NoAccess([11, 12]),
        RateLimited(jobs=2, seconds=60, retry_after=39.2),
        GalleryUnreachable(),
        NoGalleryChannel(),
        CollectionFull(12),
        EveryoneRole(),
    ]
    for error in errors:
        assert not MARKUP.search(str(error)), str(error)
        assert words(error) != str(error)
    assert words(errors[0]).startswith(
        "On this server Imagine is open to members with these roles: <@&11>, <@&12>."
    )
    assert "Try again in 40 seconds (<t:" in words(errors[1])
    assert "`/gallery channel`" in words(errors[2]) and "`/gallery channel`" in words(errors[3])
    assert "`/collection remove`" in words(errors[4])
    assert words(StudioError("plain")) == "plain"  # no entry: the plain sentence
