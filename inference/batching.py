"""Cross-request batching: many jobs' pictures in one pipeline call, safely.

A GPU makes 16 images in one call much faster than in four calls of 4. The runner paints
the pictures of compatible jobs (equal ``Job.batch_key``) together, and keeps every job
independent of its batch-mates:

- out of memory: the call is halved and retried, down to a single picture; the smaller
  size is remembered for that kind and image size. A single picture that still does not
  fit fails its own job ("out of GPU memory"), so the bot refunds it.
- any other error in a call of several jobs (one job's input broke it): each job runs
  alone, so only the broken one fails.

Painting (:meth:`BatchRunner.paint`, the GPU) and finishing (:func:`finish`, PNGs and
checks on CPU threads) are separate steps, so the worker can finish one batch while the
next one paints.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from itertools import groupby

import torch
from PIL import Image

from data.jobs import Job, Result
from inference.engine import Engine, JobInputError, Picture, PreviewCallback
from inference.postprocess import PostProcessor

log = logging.getLogger(__name__)

BatchProgress = Callable[[list[str], int, int], None]  # (job ids in the call, step, total)


@dataclass(frozen=True)
class JobFailure:
    """Why one job of a batch failed; the worker fails that job with ``reason``."""

    reason: str
    refused: bool = False  # its input is unusable (not the engine's fault)


Outcome = Result | JobFailure


@dataclass(frozen=True)
class Painted:
    """A painted batch: each job's decoded images, or why the job failed."""

    jobs: list[Job]
    images: dict[str, list[Image.Image] | JobFailure]
    seconds: float  # the batch's time, from preparing inputs to the last image


def finish(painted: Painted, post: PostProcessor) -> dict[str, Outcome]:
    """Each job's Result (PNGs, verdict) or JobFailure, by job id; CPU work only."""
    outcomes: dict[str, Outcome] = {}
    for job in painted.jobs:
        images = painted.images[job.id]
        if isinstance(images, JobFailure):
            outcomes[job.id] = images
        else:
            outcomes[job.id] = post.finish(job, images, painted.seconds)
    return outcomes


def is_out_of_memory(error: BaseException) -> bool:
    """CUDA's OutOfMemoryError, MPS's and the CPU allocator's RuntimeErrors, MemoryError."""
    if isinstance(error, torch.OutOfMemoryError | MemoryError):
        return True
    message = str(error)
    return isinstance(error, RuntimeError) and (
        "out of memory" in message or "can't allocate memory" in message
    )


def out_of_memory_reason(error: BaseException) -> str:
    """What the user reads; CUDA raises torch.OutOfMemoryError, MPS says "MPS" in it."""
    on_gpu = isinstance(error, torch.OutOfMemoryError) or "MPS" in str(error)
    return "out of GPU memory" if on_gpu else "out of memory"


def _free_memory(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.empty_cache()
    elif device.type == "mps":
        torch.mps.empty_cache()


class BatchRunner:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        # Pictures per call that fit, learned from out-of-memory errors, per (kind, size).
        self.limits: dict[tuple, int] = {}

    def run(
        self,
        jobs: list[Job],
        on_step: BatchProgress | None = None,
        on_preview: PreviewCallback | None = None,
    ) -> dict[str, Outcome]:
        """Each job's Result (unchecked) or JobFailure, by job id: paint, then finish."""
        painted = self.paint(jobs, on_step, on_preview)
        return finish(painted, PostProcessor(self.engine.model_name))

    def paint(
        self,
        jobs: list[Job],
        on_step: BatchProgress | None = None,
        on_preview: PreviewCallback | None = None,
    ) -> Painted:
        """Each job's decoded images or JobFailure; never raises for one job's fault."""
        report = on_step or (lambda ids, step, total: None)
        started = time.perf_counter()
        outcomes: dict[str, list[Image.Image] | JobFailure] = {}
        pictures: list[Picture] = []
        for job in jobs:
            try:
                pictures += self.engine.prepare(job)
            except JobInputError as error:
                outcomes[job.id] = JobFailure(str(error), refused=True)
        pictures.sort(key=lambda picture: picture.job.batch_key())  # stable: jobs stay whole
        painted: dict[str, list[Image.Image | JobFailure]] = {}
        for _, group in groupby(pictures, key=lambda picture: picture.job.batch_key()):
            batch = list(group)
            for picture, image in zip(batch, self._paint(batch, report, on_preview), strict=True):
                painted.setdefault(picture.job.id, []).append(image)
        seconds = time.perf_counter() - started
        for job in jobs:
            if job.id in outcomes:
                continue
            images = painted[job.id]
            failures = [image for image in images if isinstance(image, JobFailure)]
            outcomes[job.id] = failures[0] if failures else images
        return Painted(jobs, outcomes, seconds)

    def _paint(
        self, pictures: list[Picture], report: BatchProgress, preview: PreviewCallback | None
    ) -> list[Image.Image | JobFailure]:
        """Images (or a JobFailure per picture): halves on out of memory, isolates errors."""
        limit = self.limits.get(_limit_key(pictures[0].job), len(pictures))
        if len(pictures) > limit:  # known not to fit: calls of the size that did
            chunks = [pictures[i : i + limit] for i in range(0, len(pictures), limit)]
            return [image for chunk in chunks for image in self._paint(chunk, report, preview)]
        ids = list(dict.fromkeys(picture.job.id for picture in pictures))
        try:
            return self.engine.paint(
                pictures, lambda step, total: report(ids, step, total), preview
            )
        except Exception as caught:
            error = caught  # handled below, outside the except: its traceback holds tensors
        if is_out_of_memory(error):
            reason = out_of_memory_reason(error)
            del error
            _free_memory(self.engine.device)
            if len(pictures) == 1:
                log.warning("job %s: one image does not fit in memory", ids[0])
                return [JobFailure(reason)]
            half = len(pictures) // 2
            key = _limit_key(pictures[0].job)
            if limit > half:
                self.limits[key] = half
                log.warning(
                    "out of memory at %d images; batches of %s now %d", len(pictures), key, half
                )
            return self._paint(pictures[:half], report, preview) + self._paint(
                pictures[half:], report, preview
            )
        if len(ids) > 1:
            log.warning("a batch of %d jobs failed (%s); running them one by one", len(ids), error)
            alone = groupby(pictures, key=lambda picture: picture.job.id)
            return [image for _, own in alone for image in self._paint(list(own), report, preview)]
        log.error("job %s failed", ids[0], exc_info=error)
        return [JobFailure(f"generation failed: {error}")] * len(pictures)


def _limit_key(job: Job) -> tuple:
    """Memory depends on the mode and the image size, not on prompts or seeds."""
    return (job.kind.value, job.width, job.height)
