"""The worker's settings: where the queue is, which model, which device."""

from __future__ import annotations

from pydantic import Field

from data.settings import SharedSettings


class WorkerSettings(SharedSettings):
    worker_id: str | None = None  # default: hostname:pid
    lease_seconds: float = Field(
        default=60.0, gt=1
    )  # a job whose worker is silent this long runs again
    parent_pid: int | None = None  # set by the bot for its local worker: stop when it is gone
    poll_seconds: float = Field(default=0.25, gt=0, le=5)  # idle polling, between wake-ups
