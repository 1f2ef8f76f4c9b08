"""Coded errors: every refusal has a stable code and typed fields; only the Discord
adapter writes Discord markup."""

from __future__ import annotations

import ast
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

import studio.edit_links
import studio.errors
import studio.gallery
import studio.library
import studio.moderation
import studio.studio
from app.api.errors import from_studio
from app.discord.errors import words
from studio.api_keys import InvalidKey
from studio.errors import (
    BadCount,
    BadRequest,
    CollectionExists,
    CollectionNotFound,
    ConflictingEditOptions,
    ContentBlocked,
    EmptyPrompt,
    EveryoneRole,
    GalleryUnreachable,
    ImageRejected,
    LimitReached,
    NoAccess,
    NotAddable,
    NotEnoughCredits,
    NotFound,
    NotInCollection,
    RateLimited,
    StudioError,
    StyleExists,
    StyleNotFound,
    Suspended,
    TextTooLong,
    TooManyJobs,
    Unavailable,
    UnknownSize,
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


# -- no adapter's language in the core -----------------------------------------------------

CORE = Path(studio.errors.__file__).parent
# Discord markdown (bold, code) or a slash command's name ("/style list", "see /gallery")
ADAPTER_MARKUP = re.compile(r"\*\*|`|(?<![\w./:])/[a-z][a-z-]+")
BARE = {"StudioError", "BadRequest", "NotFound"}


def _core_modules() -> list[tuple[Path, ast.Module]]:
    return [(path, ast.parse(path.read_text())) for path in sorted(CORE.rglob("*.py"))]


def _docstrings(tree: ast.Module) -> set[int]:
    """The ids of docstring nodes: prose for developers, not what users read."""
    owners = (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)
    return {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, owners)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }


def _strings(node: ast.AST, skip: set[int] = frozenset()) -> list[str]:
    """The literal text inside ``node``, f-strings' fixed parts included."""
    return [
        sub.value
        for sub in ast.walk(node)
        if isinstance(sub, ast.Constant) and isinstance(sub.value, str) and id(sub) not in skip
    ]


def _error_classes(tree: ast.Module) -> list[ast.ClassDef]:
    names = {sub.__name__ for sub in _all_subclasses(StudioError)}
    return [
        node for node in ast.walk(tree) if isinstance(node, ast.ClassDef) and node.name in names
    ]


def test_no_core_error_text_carries_markup_or_a_command_name():
    """What the core's errors say (raise sites and the sentences the error classes write)
    is plain: Discord's bold, code spans and slash commands are the Discord adapter's."""
    found = []
    for path, tree in _core_modules():
        docs = _docstrings(tree)
        nodes = [node for node in ast.walk(tree) if isinstance(node, ast.Raise)]
        nodes += _error_classes(tree)
        texts = [text for node in nodes for text in _strings(node, docs)]
        found += [f"{path.name}: {text!r}" for text in texts if ADAPTER_MARKUP.search(text)]
    assert not found, found
    assert ADAPTER_MARKUP.search("see `/style list`") and ADAPTER_MARKUP.search("a **name**")
    assert ADAPTER_MARKUP.search("make one with /api-key create")
    assert not ADAPTER_MARKUP.search("use 1:4 to 4:1, a 3/2 ratio, either/or, e.g. 3:2")


def test_the_core_raises_specific_errors_not_their_bases():
    """``raise BadRequest("…")`` would share one code with every other bad request."""
    bare = [
        f"{path.relative_to(CORE)}:{node.lineno}"
        for path, tree in _core_modules()
        for node in ast.walk(tree)
        if isinstance(node, ast.Raise)
        and isinstance(node.exc, ast.Call)
        and isinstance(node.exc.func, ast.Name)
        and node.exc.func.id in BARE
    ]
    assert not bare, bare


def test_bad_requests_have_specific_codes_and_typed_fields():
    bad_requests = _all_subclasses(BadRequest)
    assert len(bad_requests) >= 25  # the ~60 raise sites, grouped
    assert all(sub.code not in ("bad_request", "not_found") for sub in bad_requests)
    too_long = TextTooLong("prompt", 401, 400)
    assert too_long.code == "text_too_long"
    assert too_long.details() == {"what": "prompt", "length": 401, "limit": 400}
    assert str(too_long) == "The prompt is 401 characters long; the limit is 400."
    assert UnknownSize("huge", ["square", "portrait"]).details() == {
        "size": "huge",
        "sizes": ["square", "portrait"],
    }
    assert BadCount().details() == {"low": 1, "high": 4}
    assert isinstance(StyleNotFound("Noir"), NotFound)  # `except NotFound` still catches it


@pytest.mark.parametrize(
    ("error", "plain", "discord"),
    [
        (
            StyleNotFound("Noir"),
            "This server has no style named Noir.",
            "This server has no style named **Noir**; see `/style list`.",
        ),
        (
            StyleExists("Noir"),
            "A style named Noir exists; remove it first.",
            "A style named **Noir** exists; remove it first.",
        ),
        (
            CollectionExists("Cats"),
            "You already have a collection named Cats.",
            "You already have a collection named **Cats**.",
        ),
        (
            CollectionNotFound("Cats"),
            "There is no collection Cats.",
            "There is no collection **Cats**.",
        ),
        (
            NotAddable("3f9a0c12be47"),
            "There is no image 3f9a0c12be47 you can add.",
            "There is no image `3f9a0c12be47` you can add.",
        ),
        (
            NotInCollection("3f9a0c12be47", "Best cats"),
            "3f9a0c12be47 is not in Best cats.",
            "`3f9a0c12be47` is not in **Best cats**.",
        ),
        (
            ConflictingEditOptions(["mask", "region", "extend", "zoom", "frame"]),
            "Pick one of: mask, region, extend, zoom or frame.",
            "Pick one of: a mask, --region, --extend, --zoom or a frame.",
        ),
        (
            LimitReached("styles", 100, server=True),
            "This server has 100 styles, the most allowed; remove one first.",
            "This server has 100 styles, the most allowed; remove one first. Use `/style remove`.",
        ),
    ],
)
def test_discord_writes_its_markup_from_the_fields(error, plain, discord):
    assert str(error) == plain
    assert words(error) == discord


# -- adapters match codes by the classes' constants -------------------------------------

API_ANSWERS = [
    (InvalidKey("incorrect"), 401, "invalid_api_key"),
    (ContentBlocked("Blocked.", "violence"), 400, "content_policy_violation"),
    (Suspended("Suspended.", until=1e10), 403, "suspended"),
    (NoAccess([1]), 403, "no_access"),
    (RateLimited(jobs=2, seconds=60, retry_after=3), 429, "rate_limit_exceeded"),
    (TooManyJobs(busy=3, limit=3), 429, "too_many_requests_in_flight"),
    (
        NotEnoughCredits(0, 1, datetime(2026, 12, 1, tzinfo=UTC), 25),
        429,
        "insufficient_quota",
    ),
    (Unavailable("the model failed to load"), 503, "generation_unavailable"),
    (ImageRejected("The file is empty."), 400, None),
]


@pytest.mark.parametrize(("error", "status", "code"), API_ANSWERS)
def test_the_api_maps_studio_errors_by_constant_so_a_renamed_code_still_maps(
    monkeypatch, error, status, code
):
    before = from_studio(error)
    assert before.status == status
    assert before.code == code
    # A code renamed in the core: matched by literal it would fall through to a plain 400.
    monkeypatch.setattr(type(error), "code", f"renamed_{error.code}")
    after = from_studio(error)
    assert (after.status, after.type, after.headers) == (
        before.status,
        before.type,
        before.headers,
    )


def test_specific_bad_requests_reach_api_clients_with_their_code_and_field():
    count = from_studio(BadCount())
    assert (count.status, count.code, count.param) == (400, "bad_count", "n")
    size = from_studio(UnknownSize("huge", ["square"]))
    assert (size.code, size.param) == ("unknown_size", "size")
    prompt = from_studio(EmptyPrompt(), "prompt")
    assert (prompt.code, prompt.param) == ("prompt_empty", "prompt")
    assert "`" not in from_studio(StyleNotFound("Noir")).message


def _literals_matched_against_codes(tree: ast.Module) -> list[tuple[int, object]]:
    """String literals an adapter compares a code with: ``case "x":``, ``.code == "x"``,
    and the keys of a table looked up by code (``{"x": 403}.get(error.code)``)."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.MatchValue) and isinstance(node.value, ast.Constant):
            found.append((node.lineno, node.value.value))
        elif (
            isinstance(node, ast.Compare)
            and isinstance(node.left, ast.Attribute)
            and node.left.attr == "code"
        ):
            found += [
                (node.lineno, c.value) for c in node.comparators if isinstance(c, ast.Constant)
            ]
        elif isinstance(node, ast.Dict):
            found += [(node.lineno, k.value) for k in node.keys if isinstance(k, ast.Constant)]
    return found


def test_no_adapter_matches_a_studio_code_by_a_string_literal():
    root = CORE.parent / "app"
    codes = {sub.code for sub in _all_subclasses(StudioError)}
    found = [
        f"{path.relative_to(root)}:{line} {literal!r}"
        for path in sorted(root.rglob("*.py"))
        for line, literal in _literals_matched_against_codes(ast.parse(path.read_text()))
        if literal in codes
    ]
    assert not found, found
