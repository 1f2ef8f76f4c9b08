"""The engine: turns a Job into PNGs with the right pipeline, seeded and reproducible."""

from __future__ import annotations

import io
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import torch
from PIL import Image

from data.jobs import Job, JobKind, Result
from inference.models import Pipelines
from inference.postprocess import PostProcessor
from inference.previews import Previewer
from inference.provenance import Provenance

ProgressCallback = Callable[[int, int], None]  # (step done, total steps)
PreviewCallback = Callable[[dict[str, bytes]], None]  # job id -> JPEG sheet of its pictures


class JobInputError(ValueError):
    """The job cannot run as given (missing or unreadable image); retrying won't help."""


@dataclass(frozen=True)
class Picture:
    """One image to make: its job, its seed and the job's decoded input images."""

    job: Job
    seed: int
    init: Image.Image | None = None
    mask: Image.Image | None = None
    prompt: str = ""  # this image's prompt (Job.prompt_for)


class Engine:
    """Makes images. ``run`` does one job; ``prepare``, ``paint`` and ``finish`` are the
    steps, so that a batch (``inference.batching``) can paint many jobs' pictures at once."""

    def __init__(
        self,
        pipelines: Pipelines,
        previewer: Previewer | None = None,
        provenance: Provenance | None = None,
    ) -> None:
        self.pipelines = pipelines
        self.previewer = previewer  # progress previews, when PREVIEW_DECODER is set
        # Watermark, text chunks, Content Credentials (the worker always gives one).
        self.provenance = provenance or Provenance.plain()

    @property
    def model_name(self) -> str:
        return self.pipelines.name

    @property
    def device(self) -> torch.device:
        return self.pipelines.device

    def run(self, job: Job, on_step: ProgressCallback | None = None) -> Result:
        started = time.perf_counter()
        images = self.paint(self.prepare(job), on_step)
        return self.finish(job, images, time.perf_counter() - started)

    def prepare(self, job: Job) -> list[Picture]:
        """Decode the job's inputs once; raises JobInputError when they are unusable."""
        if job.kind is JobKind.GENERATE:
            return [
                Picture(job, seed, prompt=job.prompt_for(i))
                for i, seed in enumerate(job.image_seeds())
            ]
        init = _decode(job.init_image, "init_image", job).convert("RGB")
        if init.size != (job.width, job.height):
            init = init.resize((job.width, job.height), Image.Resampling.LANCZOS)
        mask = None
        if job.kind is JobKind.EDIT:
            mask = _decode(job.mask, "mask", job).convert("L").resize(init.size)
        return [
            Picture(job, seed, init, mask, job.prompt_for(i))
            for i, seed in enumerate(job.image_seeds())
        ]

    def paint(
        self,
        pictures: list[Picture],
        on_step: ProgressCallback | None = None,
        on_preview: PreviewCallback | None = None,
    ) -> list[Image.Image]:
        """One pipeline call for pictures whose jobs share a ``Job.batch_key``.

        Each picture has its own prompt and CPU generator, so it comes out as it would
        alone (same seed, same pixels, up to last-bit rounding of batched kernels).
        ``on_preview`` gets each job's preview when the previewer says one is due.
        """
        first = pictures[0].job
        if any(p.job.batch_key() != first.batch_key() for p in pictures):
            raise ValueError("paint() needs pictures of jobs with one batch key")
        prompts = [p.prompt or p.job.prompt for p in pictures]
        negatives = [p.job.negative_prompt for p in pictures]
        if len(set(zip(prompts, negatives, strict=True))) == 1:
            # One prompt (a lone job): the text encoder runs once, not once per image.
            texts = {"prompt": prompts[0], "negative_prompt": negatives[0] or None}
            texts["num_images_per_prompt"] = len(pictures)
        else:
            texts = {"prompt": prompts, "negative_prompt": negatives if any(negatives) else None}
        common = {
            **texts,
            "guidance_scale": first.guidance,
            # CPU generators: the same seed gives the same latents on every device.
            "generator": [torch.Generator("cpu").manual_seed(p.seed) for p in pictures],
            "callback_on_step_end": self._step_reporter(pictures, on_step, on_preview),
        }
        if first.kind is JobKind.GENERATE:
            return self.pipelines.text2img(
                width=first.width, height=first.height, num_inference_steps=first.steps, **common
            ).images
        inits = [p.init for p in pictures]
        # img2img runs int(steps * strength) steps: make that at least one.
        steps = max(first.steps, math.ceil(1 / first.strength))
        if first.kind is JobKind.VARY:
            return self.pipelines.img2img(
                image=inits, strength=first.strength, num_inference_steps=steps, **common
            ).images
        painted = self.pipelines.inpaint(
            image=inits,
            mask_image=[p.mask for p in pictures],
            width=first.width,
            height=first.height,
            strength=first.strength,
            num_inference_steps=steps,
            **common,
        ).images
        # The VAE round trip changes every pixel a little; keep the unmasked ones exactly.
        overlay = self.pipelines.inpaint.image_processor.apply_overlay
        return [overlay(p.mask, p.init, image) for p, image in zip(pictures, painted, strict=True)]

    def _step_reporter(
        self,
        pictures: list[Picture],
        on_step: ProgressCallback | None,
        on_preview: PreviewCallback | None,
    ):
        """The pipeline's step-end callback: progress every step, previews when due."""
        previewer = self.previewer if on_preview else None
        groups: dict[str, list[int]] = {}  # each job's pictures in the batch
        for index, picture in enumerate(pictures):
            groups.setdefault(picture.job.id, []).append(index)
        if previewer:
            previewer.restart()

        def callback(pipe, step: int, timestep, callback_kwargs: dict) -> dict:
            if on_step:
                on_step(step + 1, pipe.num_timesteps)
            if previewer and previewer.due(step + 1, pipe.num_timesteps):
                sheets = previewer.sheets(callback_kwargs["latents"], list(groups.values()))
                if sheets is not None:
                    on_preview(dict(zip(groups, sheets, strict=True)))
            return callback_kwargs

        return callback

    def finish(self, job: Job, images: list[Image.Image], seconds: float) -> Result:
        """The job's PNGs (with their generation parameters, watermark and signature) as its
        Result, unchecked; the worker finishes jobs through its own :class:`PostProcessor`,
        which checks them."""
        return PostProcessor(self.model_name, provenance=self.provenance).finish(
            job, images, seconds
        )


def _decode(data: bytes | None, field: str, job: Job) -> Image.Image:
    if not data:
        raise JobInputError(f"a {job.kind.value} job needs {field}")
    try:
        image = Image.open(io.BytesIO(data))
        image.load()
    except Exception as error:  # Pillow raises many types for bad bytes
        raise JobInputError(f"{field} is not a readable image ({error})") from error
    return image
