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
    # Cross-request batching: compatible jobs share one pipeline call of up to BATCH_SIZE
    # images (a job is never split: a bigger one runs alone; 1 turns batching off). An idle
    # worker that claims a job waits at most BATCH_WAIT_MS for batch-mates to arrive.
    batch_size: int = Field(default=16, ge=1, le=256)
    batch_wait_ms: float = Field(default=20.0, ge=0, le=1000)
