"""Issue 25: a negative prompt is text the studio stores and shows, so it passes the same
content policy as a prompt: with a request, and before /settings keeps it."""

from __future__ import annotations

import pytest

from app.runtime import Runtime
from studio.errors import ContentBlocked
from studio.requester import Requester
from studio.studio import ImagineOptions

ALICE = Requester(611, "alice", 9300)
BLOCKED = "gory wounds"


@pytest.fixture
def guided(settings):
    """A model that uses negative prompts (classifier-free guidance): they take effect."""
    return settings.model_copy(update={"model": "tiny:sdxl", "guidance": 5.0})


async def test_a_blocked_negative_prompt_is_refused_and_nothing_is_charged(guided):
    runtime = await Runtime.start(guided)
    studio = runtime.studio
    try:
        assert studio.settings.negative_prompt_works
        before = await studio.balance(ALICE)
        with pytest.raises(ContentBlocked) as blocked:
            await studio.imagine(ALICE, "a calm lake", ImagineOptions(negative=BLOCKED))
        assert str(blocked.value).startswith("This negative prompt was blocked")
        (jobs,) = await studio.store.fetchone("SELECT COUNT(*) FROM jobs")
        assert jobs == 0 and await studio.balance(ALICE) == before
    finally:
        await runtime.stop()


async def test_settings_keep_a_negative_prompt_only_if_allowed(guided):
    runtime = await Runtime.start(guided)
    prefs = runtime.studio.preferences
    try:
        with pytest.raises(ContentBlocked):
            await prefs.update_member(ALICE.id, negative=BLOCKED)
        assert (await prefs.member(ALICE.id)).negative is None  # nothing stored
        with pytest.raises(ContentBlocked):
            await prefs.update_guild(ALICE.guild_id, ALICE.id, negative=BLOCKED)
        assert (await prefs.guild(ALICE.guild_id)).negative is None
        await prefs.update_member(ALICE.id, negative="blurry, watermark")
        assert (await prefs.member(ALICE.id)).negative == "blurry, watermark"
    finally:
        await runtime.stop()
