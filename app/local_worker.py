"""The local inference worker, run as a child process so torch never loads in the bot."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import sys
import time

from data.settings import SharedSettings

log = logging.getLogger(__name__)

MODEL_UNAVAILABLE = 2  # ``python -m inference``'s exit code: the model (or its key) won't load
RESTART_DELAY = 1.0  # seconds before restarting a worker that died; doubles while it keeps dying
MAX_RESTART_DELAY = 60.0
STABLE_AFTER = 60.0  # a worker that ran this long before dying starts the delays afresh


class LocalWorker:
    """Starts ``python -m inference`` with the bot's settings, restarts it when it dies
    (its job's lease runs out and the job runs again), and stops it on shutdown.

    A worker that cannot load its model is not restarted: the same MODEL fails the same way.
    ``unavailable`` then says why, and the studio refuses new requests without charging.
    """

    def __init__(self, settings: SharedSettings, *, quiet: bool = False) -> None:
        self.settings = settings
        self.quiet = quiet
        self.process: asyncio.subprocess.Process | None = None
        self.restarts = 0
        self.unavailable: str | None = None
        self._supervisor: asyncio.Task | None = None
        self._stopping = False

    def environment(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            DATA_DIR=str(self.settings.data_dir),
            DATABASE=str(self.settings.database_location),
            QUEUE=self.settings.queue_url,
            MODEL=self.settings.model,
            DEVICE=self.settings.device,
            JOB_MAX_ATTEMPTS=str(self.settings.job_max_attempts),
            TRANSFORMERS_VERBOSITY=env.get("TRANSFORMERS_VERBOSITY", "error"),
            PARENT_PID=str(os.getpid()),  # the worker stops when the bot is gone
        )
        return env

    async def start(self) -> None:
        await self._spawn()
        self._supervisor = asyncio.create_task(self._supervise(), name="local-worker-supervisor")

    async def _spawn(self) -> None:
        output = asyncio.subprocess.DEVNULL if self.quiet else None
        self.process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "inference",
            env=self.environment(),
            stdout=output,
            stderr=output,
        )
        log.info("local worker started (pid %d)", self.process.pid)

    async def _supervise(self) -> None:
        delay = RESTART_DELAY
        while not self._stopping:
            assert self.process is not None
            started = time.monotonic()
            code = await self.process.wait()
            if self._stopping:
                return
            if code == MODEL_UNAVAILABLE:
                self.unavailable = "the image model could not be loaded"
                log.error(
                    "local worker: MODEL=%s (or C2PA_CERT/C2PA_KEY) could not be loaded (its "
                    "message is above); generation is off until the bot restarts with working "
                    "settings",
                    self.settings.model,
                )
                return
            if time.monotonic() - started > STABLE_AFTER:
                delay = RESTART_DELAY
            log.warning("local worker exited with code %s; restarting in %.0f s", code, delay)
            await asyncio.sleep(delay)
            if self._stopping:
                return
            await self._spawn()
            self.restarts += 1
            delay = min(delay * 2, MAX_RESTART_DELAY)

    @property
    def exited(self) -> int | None:
        return self.process.returncode if self.process else None

    async def stop(self, timeout: float = 20.0) -> None:
        """SIGTERM lets the worker finish its job; SIGKILL if it does not stop in time."""
        self._stopping = True
        if self._supervisor is not None:
            self._supervisor.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._supervisor
        if self.process is None or self.process.returncode is not None:
            return
        self.process.terminate()
        try:
            await asyncio.wait_for(self.process.wait(), timeout)
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                self.process.kill()
            await self.process.wait()
