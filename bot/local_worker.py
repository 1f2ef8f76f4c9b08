"""The local inference worker, run as a child process so torch never loads in the bot."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import sys

from data.settings import SharedSettings

log = logging.getLogger(__name__)


class LocalWorker:
    """Starts ``python -m inference`` with the bot's settings and stops it on shutdown."""

    def __init__(self, settings: SharedSettings, *, quiet: bool = False) -> None:
        self.settings = settings
        self.quiet = quiet
        self.process: asyncio.subprocess.Process | None = None

    def environment(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            DATA_DIR=str(self.settings.data_dir),
            DATABASE=str(self.settings.database_path),
            QUEUE=self.settings.queue_url,
            MODEL=self.settings.model,
            DEVICE=self.settings.device,
            JOB_MAX_ATTEMPTS=str(self.settings.job_max_attempts),
            TRANSFORMERS_VERBOSITY=env.get("TRANSFORMERS_VERBOSITY", "error"),
            PARENT_PID=str(os.getpid()),  # the worker stops when the bot is gone
        )
        return env

    async def start(self) -> None:
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

    @property
    def exited(self) -> int | None:
        return self.process.returncode if self.process else None

    async def stop(self, timeout: float = 20.0) -> None:
        """SIGTERM lets the worker finish its job; SIGKILL if it does not stop in time."""
        if self.process is None or self.process.returncode is not None:
            return
        self.process.terminate()
        try:
            await asyncio.wait_for(self.process.wait(), timeout)
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                self.process.kill()
            await self.process.wait()
