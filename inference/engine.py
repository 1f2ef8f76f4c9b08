"""The engine: turns a Job into PNGs with the right pipeline, seeded and reproducible.

One code path for every model family: the family table (``inference.families``) says
which pipeline makes each mode and how its latents look to the previewer; the call
arguments of each pipeline come from its own signature (:mod:`inference.strength`).
Results always come back at the job's size; the model paints at the nearest size its
architecture takes within its pixel budget (an upload bigger than that is painted
smaller, and an edit keeps every unmasked pixel of the full-size source).
"""

from __future__ import annotations

import io
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from itertools import groupby
from typing import Any

import torch
from PIL import Image

from data.jobs import Job, JobKind, Result
from inference.models import Pipelines
from inference.postprocess import PostProcessor
from inference.previews import Previewer
from inference.provenance import Provenance
from inference.strength import strength_call
from inference.upscale import MIN_STEPS_RUN, Upscaler

REFERENCE_MIN_SIDE = 64  # Flux2ImageProcessor.check_image_input's minimum
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
    references: tuple[Image.Image, ...] = ()  # the job's further reference images


class Engine:
    """Makes images. ``run`` does one job; ``prepare``, ``paint`` and ``finish`` are the
    steps, so that a batch (``inference.batching``) can paint many jobs' pictures at once."""

    def __init__(
        self,
        pipelines: Pipelines,
        previewer: Previewer | None = None,
        provenance: Provenance | None = None,
        upscaler: Upscaler | None = None,
    ) -> None:
        self.pipelines = pipelines
        self.previewer = previewer  # progress previews, when PREVIEW_DECODER is set
        # Watermark, text chunks, Content Credentials (the worker always gives one).
        self.provenance = provenance or Provenance.plain()
        # Upscale jobs: tiles of the model's native size, Lanczos for the first 2×.
        self.upscaler = upscaler or default_upscaler(pipelines)

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
        if job.kind is JobKind.UPSCALE:  # the upscaler enlarges it (maybe with its own model)
            return [
                Picture(job, seed, init, prompt=job.prompt_for(i))
                for i, seed in enumerate(job.image_seeds())
            ]
        if init.size != (job.width, job.height):
            init = init.resize((job.width, job.height), Image.Resampling.LANCZOS)
        mask = None
        if job.kind is JobKind.EDIT:
            mask = _decode(job.mask, "mask", job).convert("L").resize(init.size)
        references = tuple(
            _decode(data, "references", job).convert("RGB") for data in job.references
        )
        return [
            Picture(job, seed, init, mask, job.prompt_for(i), references)
            for i, seed in enumerate(job.image_seeds())
        ]

    def paint(
        self,
        pictures: list[Picture],
        on_step: ProgressCallback | None = None,
        on_preview: PreviewCallback | None = None,
    ) -> list[Image.Image]:
        """One pipeline call for pictures whose jobs share a ``Job.batch_key`` (upscales:
        one tiled pass per picture), except for jobs with further reference images, whose
        references condition every picture of a call: each of those gets its own call.

        Each picture has its own prompt and CPU generator, so it comes out as it would
        alone (same seed, same pixels, up to last-bit rounding of batched kernels).
        ``on_preview`` gets each job's preview when the previewer says one is due.
        """
        first = pictures[0].job
        if any(p.job.batch_key() != first.batch_key() for p in pictures):
            raise ValueError("paint() needs pictures of jobs with one batch key")
        if first.kind is JobKind.UPSCALE:
            return [self._upscale(picture, on_step) for picture in pictures]
        if any(picture.references for picture in pictures):
            calls = [list(own) for _, own in groupby(pictures, key=lambda p: p.job.id)]
            return [image for call in calls for image in self._call(call, on_step, on_preview)]
        return self._call(pictures, on_step, on_preview)

    def _call(
        self,
        pictures: list[Picture],
        on_step: ProgressCallback | None,
        on_preview: PreviewCallback | None,
    ) -> list[Image.Image]:
        """One pipeline call at a size the architecture takes; results at the job's size."""
        first = pictures[0].job
        spec = self.pipelines.spec
        size = (first.width, first.height)
        longest = None if first.kind is JobKind.GENERATE else self.pipelines.max_side
        run = run_size(size, self.pipelines.multiple, longest)
        inits = [_resized(p.init, run) for p in pictures]
        prompts = [p.prompt or p.job.prompt for p in pictures]
        negatives = [p.job.negative_prompt for p in pictures]
        if len(set(zip(prompts, negatives, strict=True))) == 1:
            # One prompt (a lone job): the text encoder runs once, not once per image.
            texts: dict[str, Any] = {"prompt": prompts[0], "num_images_per_prompt": len(pictures)}
            if spec.negative_prompt:
                texts["negative_prompt"] = negatives[0] or None
        else:
            texts = {"prompt": prompts}
            if spec.negative_prompt:
                texts["negative_prompt"] = negatives if any(negatives) else None
        common = {
            **texts,
            **self.pipelines.call_extras,
            "guidance_scale": first.guidance,
            # CPU generators: the same seed gives the same latents on every device.
            "generator": [torch.Generator("cpu").manual_seed(p.seed) for p in pictures],
            "callback_on_step_end": self._step_reporter(pictures, run, on_step, on_preview),
        }
        sized = {"width": run[0], "height": run[1]}
        if first.kind is JobKind.GENERATE:
            images = self.pipelines.text2img(num_inference_steps=first.steps, **sized, **common)
            return _at_size(images.images, size)
        # img2img runs int(steps * strength) steps: at least MIN_STEPS_RUN of them, or one
        # step starts at the schedule's last timestep whatever the strength (Subtle = Strong).
        steps = max(first.steps, math.ceil(MIN_STEPS_RUN / first.strength))
        if pictures[0].references:
            # Further images a whole-image edit looks at (FLUX.2: its inpainting pipeline's
            # image_reference); all of a call's pictures are one job's (see paint()).
            common["image_reference"] = [_reference(image) for image in pictures[0].references]
        if first.kind is JobKind.VARY:
            images = strength_call(
                self.pipelines.img2img,
                masked=self.pipelines.img2img_masked,
                images=inits,
                size=run,
                strength=first.strength,
                steps=steps,
                **common,
            )
            return _at_size(images, size)
        painted = self.pipelines.inpaint(
            image=inits,
            mask_image=[_resized(p.mask, run) for p in pictures],
            strength=first.strength,
            num_inference_steps=steps,
            **sized,
            **common,
        ).images
        # The VAE round trip changes every pixel a little; keep the unmasked ones exactly.
        return [
            Image.composite(image, p.init, p.mask)
            for p, image in zip(pictures, _at_size(painted, size), strict=True)
        ]

    def _upscale(self, picture: Picture, on_step: ProgressCallback | None) -> Image.Image:
        job = picture.job
        return self.upscaler.upscale(
            picture.init,
            (job.width, job.height),
            prompt=picture.prompt or job.prompt,
            negative=job.negative_prompt,
            strength=job.strength,
            steps=job.steps,
            guidance=job.guidance,
            seed=picture.seed,
            on_step=on_step,
        )

    def _step_reporter(
        self,
        pictures: list[Picture],
        run: tuple[int, int],
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
        latent_format = self.pipelines.spec.latents
        downscale = self.pipelines.vae_scale_factor
        size = (pictures[0].job.width, pictures[0].job.height)

        def callback(pipe, step: int, timestep, callback_kwargs: dict) -> dict:
            if on_step:
                on_step(step + 1, pipe.num_timesteps)
            if previewer and previewer.due(step + 1, pipe.num_timesteps):
                latents = latent_format.unpack(
                    callback_kwargs["latents"], run[1], run[0], downscale
                )
                sheets = previewer.sheets(latents, list(groups.values()), size)
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


def _round_up(side: int, multiple: int) -> int:
    return -(-side // multiple) * multiple


def run_size(size: tuple[int, int], multiple: int, longest: int | None) -> tuple[int, int]:
    """The size a pipeline paints ``size`` at: scaled down (aspect kept) to at most
    ``longest`` a side when that is given, then up to the architecture's multiple."""
    scale = min(1.0, longest / max(size)) if longest else 1.0
    width, height = (_round_up(round(side * scale), multiple) for side in size)
    return width, height


def _resized(image: Image.Image | None, size: tuple[int, int]) -> Image.Image | None:
    if image is None or image.size == size:
        return image
    return image.resize(size, Image.Resampling.LANCZOS)


def _reference(image: Image.Image, shortest: int = REFERENCE_MIN_SIDE) -> Image.Image:
    """A reference image FLUX.2 accepts: it refuses sides under 64 pixels."""
    if min(image.size) >= shortest:
        return image
    scale = shortest / min(image.size)
    return image.resize((math.ceil(image.width * scale), math.ceil(image.height * scale)))


def _at_size(images: list[Image.Image], size: tuple[int, int]) -> list[Image.Image]:
    """The pipeline's images at the job's size (a no-op unless the size was rounded up)."""
    return [_resized(image, size) for image in images]


def _decode(data: bytes | None, field: str, job: Job) -> Image.Image:
    if not data:
        raise JobInputError(f"a {job.kind.value} job needs {field}")
    try:
        image = Image.open(io.BytesIO(data))
        image.load()
    except Exception as error:  # Pillow raises many types for bad bytes
        raise JobInputError(f"{field} is not a readable image ({error})") from error
    return image


def default_upscaler(pipelines: Pipelines, **options) -> Upscaler:
    """Tiles of the family's native size on its size multiple, painted by the family's
    image-to-image call (FLUX.2 [klein]: its inpainting pipeline, the whole tile masked)."""
    options.setdefault("tile", pipelines.spec.family.native)
    return Upscaler(
        pipelines.img2img,
        multiple=pipelines.multiple,
        masked=pipelines.img2img_masked,
        call_extras=pipelines.call_extras,
        **options,
    )
