"""The local inference worker, run as a child process so torch never loads in the bot.

Workers are forked from a fork server (:mod:`multiprocessing`'s ``forkserver``) that has
imported what ``python -m inference`` imports before loading a model: torch, diffusers and
transformers take ~6 s of CPU to import, which the first worker pays once and a restarted
worker (after a crash, or the next bot in one test process) no longer does.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import os
import signal
import sys
import threading
import time
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess

from data.settings import SharedSettings

log = logging.getLogger(__name__)

# Imported once, in the fork server only: the bot process itself never imports torch.
PRELOAD = [
    "inference.__main__",
    "inference.engine",
    "inference.models",
    "inference.postprocess",
    "inference.previews",
    "inference.provenance",
    "inference.superres",
    "inference.worker",
    "data.image_checks",
    __name__,
]
_FORK_SERVER = multiprocessing.get_context("forkserver")
_FORK_SERVER.set_forkserver_preload(PRELOAD)

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
        self.process: WorkerProcess | None = None
        self.restarts = 0
        self.unavailable: str | None = None
        self._supervisor: asyncio.Task | None = None
        self._starting: asyncio.Future[WorkerProcess] | None = None
        self._stopping = False
        # Only this process holds the writing end: when the bot dies (even by SIGKILL) the
        # worker reads end-of-file and stops.
        self._lifeline, self._lifeline_writer = _FORK_SERVER.Pipe(duplex=False)

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
        )
        for name, value in (
            ("STORAGE", self.settings.storage),
            ("S3_ENDPOINT_URL", self.settings.s3_endpoint_url),
        ):
            if value:  # the worker writes its results into the bot's own storage
                env[name] = value
            else:
                env.pop(name, None)
        return env

    async def start(self) -> None:
        """Returns at once: the first start waits seconds for the fork server's imports, and
        the bot (and its queue) need not wait for it."""
        self._supervisor = asyncio.create_task(self._supervise(), name="local-worker-supervisor")

    async def _spawn(self) -> bool:
        # Shielded: a stop during the (threaded) start waits for it instead of leaking it.
        self._starting = asyncio.ensure_future(
            WorkerProcess.start(self.environment(), self._lifeline, quiet=self.quiet)
        )
        try:
            self.process = await asyncio.shield(self._starting)
        except Exception:
            log.exception("local worker: could not start a worker process")
            self.unavailable = "the image worker could not be started"
            return False
        log.info("local worker started (pid %d)", self.process.pid)
        return True

    async def _supervise(self) -> None:
        delay = RESTART_DELAY
        if not await self._spawn():
            return
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
            if self._stopping or not await self._spawn():
                return
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
        if self._starting is not None:
            with contextlib.suppress(Exception):  # a start under way finishes first
                self.process = await self._starting
        try:
            if self.process is not None and self.process.returncode is None:
                await self._terminate(self.process, timeout)
        finally:
            self._lifeline.close()
            self._lifeline_writer.close()

    @staticmethod
    async def _terminate(process: WorkerProcess, timeout: float) -> None:
        process.terminate()
        try:
            await asyncio.wait_for(process.wait(), timeout)
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                process.kill()
            await process.wait()


class WorkerProcess:
    """One ``python -m inference`` forked from the fork server, shaped like asyncio's Process
    (``pid``, ``returncode``, ``wait``, ``terminate``, ``kill``)."""

    def __init__(self, process: BaseProcess) -> None:
        self._process = process

    @classmethod
    async def start(
        cls, environment: dict[str, str], lifeline: Connection, *, quiet: bool
    ) -> WorkerProcess:
        # daemon: should the bot exit without stopping it, multiprocessing terminates it.
        process = _FORK_SERVER.Process(
            target=run_worker, args=(environment, lifeline, quiet), name="inference", daemon=True
        )
        # In a thread: the first start waits while the fork server imports torch.
        await asyncio.to_thread(process.start)
        return cls(process)

    @property
    def pid(self) -> int:
        assert self._process.pid is not None
        return self._process.pid

    @property
    def returncode(self) -> int | None:
        return self._process.exitcode

    async def wait(self) -> int:
        """Waits on the process's sentinel (readable once it exits) without a thread."""
        if self._process.exitcode is None:
            loop = asyncio.get_running_loop()
            exited = loop.create_future()
            sentinel = self._process.sentinel
            loop.add_reader(sentinel, lambda: exited.done() or exited.set_result(None))
            try:
                await exited
            finally:
                loop.remove_reader(sentinel)
        self._process.join()  # the exit status is already there: this does not block
        assert self._process.exitcode is not None
        return self._process.exitcode

    def terminate(self) -> None:
        self._process.terminate()

    def kill(self) -> None:
        self._process.kill()


def run_worker(environment: dict[str, str], lifeline: Connection, quiet: bool) -> None:
    """The forked child: takes the bot's environment for its own, then runs the worker."""
    os.environ.clear()
    os.environ.update(environment)
    threading.Thread(target=_stop_when_the_bot_is_gone, args=(lifeline,), daemon=True).start()
    if quiet:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.dup2(devnull, 2)
    from inference.__main__ import main

    sys.exit(main())


def _stop_when_the_bot_is_gone(lifeline: Connection) -> None:
    """Blocks until the bot's end of the pipe closes, then asks the worker to stop as SIGTERM
    does: it finishes its job and exits. (Its parent is the fork server, which outlives the
    bot while a worker runs, so the parent's pid says nothing.)"""
    with contextlib.suppress(EOFError, OSError):
        while True:
            lifeline.recv_bytes()
    logging.getLogger(__name__).warning("the bot is gone; stopping")
    os.kill(os.getpid(), signal.SIGTERM)
