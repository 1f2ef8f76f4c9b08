"""The status line under /imagine: one edit per request when the job's first update (its
place in the queue) comes within a moment, "queued" first only when it does not."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any, cast

import discord
import pytest

from app.discord import delivery
from app.discord.delivery import Delivery
from data.jobs import JobState
from data.origins import DiscordOrigin
from studio.studio import Studio
from studio.watcher import JobHandle, JobUpdate


class Interaction:
    """What ``start`` and ``follow`` use of a discord.Interaction: who asked, the deferral
    and the edits of its original response."""

    def __init__(self) -> None:
        self.edits: list[dict[str, Any]] = []
        self.user = SimpleNamespace(id=11, name="alice", display_name="alice")
        self.guild_id = 77
        self.response = SimpleNamespace(defer=self._defer)

    async def _defer(self, **_: Any) -> None:
        pass

    async def edit_original_response(self, **edit: Any) -> None:
        self.edits.append(edit)


ORIGIN = DiscordOrigin(guild_id=77, channel_id=770, user_id=11, created_at=0)


async def test_a_request_whose_first_update_comes_at_once_edits_its_status_line_once(
    monkeypatch,
):
    """Deferred, submitted, followed: the first edit is the queue position, not a bare
    "queued" followed by the position a moment later (two REST calls and two gateway
    events per request, on every request)."""
    monkeypatch.setattr(delivery, "interaction_origin", lambda interaction: ORIGIN)

    async def admit(*_: Any) -> None:
        pass

    async def effective(*_: Any) -> Any:
        return SimpleNamespace(privacy="public")

    studio = SimpleNamespace(
        store=None, admit=admit, preferences=SimpleNamespace(effective=effective)
    )
    deliver = Delivery(cast(discord.Client, None), cast(Studio, studio))
    handle = JobHandle("j1")

    async def submit(origin: DiscordOrigin) -> JobHandle:
        handle._publish(queued(0))  # the watcher's first tick
        handle._finish(cast(Any, SimpleNamespace(ok=True)))
        return handle

    interaction = Interaction()
    await deliver.start(cast(discord.Interaction, interaction), submit, "a fox")
    await asyncio.gather(*deliver._followers)
    assert [edit["content"] for edit in interaction.edits] == ["**a fox** — queued, next up"]


def queued(ahead: int) -> JobUpdate:
    return JobUpdate("j1", JobState.QUEUED, ahead, 0, 0)


async def follow(handle: JobHandle) -> list[str]:
    interaction = Interaction()
    studio = cast(Studio, SimpleNamespace(store=None))
    deliver = Delivery(cast(discord.Client, None), studio)
    await deliver.follow(cast(discord.Interaction, interaction), handle, "a fox")
    return [edit["content"] for edit in interaction.edits]


async def test_a_prompt_first_update_is_the_one_edit_of_the_status_line():
    handle = JobHandle("j1")
    handle._publish(queued(2))
    handle._finish(cast(Any, SimpleNamespace(ok=True)))
    assert await follow(handle) == ["**a fox** — queued, 2 ahead of you"]


async def test_without_an_update_the_line_says_queued_then_shows_the_update(monkeypatch):
    monkeypatch.setattr(delivery, "FIRST_STATUS_WAIT", 0.05)
    handle = JobHandle("j1")

    async def later() -> None:
        await asyncio.sleep(0.2)  # the queue answers late
        handle._publish(queued(0))
        handle._finish(cast(Any, SimpleNamespace(ok=True)))

    publishing = asyncio.create_task(later())
    assert await follow(handle) == ["**a fox** — queued", "**a fox** — queued, next up"]
    await publishing


async def test_a_job_done_before_any_update_edits_nothing():
    handle = JobHandle("j1")
    handle._finish(cast(Any, SimpleNamespace(ok=True)))
    assert await follow(handle) == []


async def test_a_cancelled_follow_leaves_no_task_waiting(monkeypatch):
    handle = JobHandle("j1")
    following = asyncio.create_task(follow(handle))
    await asyncio.sleep(0.01)
    following.cancel()
    with pytest.raises(asyncio.CancelledError):
        await following
    await asyncio.sleep(0)
    pending = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
    assert all(t.done() for t in pending)
