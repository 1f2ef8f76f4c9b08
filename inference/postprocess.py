"""Post-processing next to the GPU: a job's decoded images in, PNG bytes and a verdict out.

This is the one seam between the pipeline call and the queue. :meth:`PostProcessor.finish`
takes a job's decoded images (Pillow, as the pipeline returns them) and returns its
:class:`~data.jobs.Result`: every image encoded to PNG with its generation parameters
(:meth:`PostProcessor.png`: watermark, text chunks and C2PA signature, from
:class:`inference.provenance.Provenance`, per image, in the same threads), checked against
the rules the job carries (NudeNet, :mod:`data.image_checks`), and laid out as the grid
the bot posts (:mod:`data.grids`), all at once on CPU threads: the bot only stores and
forwards bytes. Pillow's PNG encoder, onnxruntime and the detector's
pixel work release the GIL, so the worker's next batch keeps diffusing meanwhile (the
worker runs at most one batch here at a time: :mod:`inference.worker`).

A flagged job's Result carries the verdict and no PNGs: the bot withholds it and refunds
its credit, and the flagged pictures never travel or wait in a queue. A check that fails
(a broken detector) withholds too: no image is shown unchecked.
"""

from __future__ import annotations

import logging
import os
from concurrent.futures import ThreadPoolExecutor

from PIL import Image

from data import grids
from data.image_checks import ImageChecker, ImageRules, ImageVerdict, first_flagged
from data.jobs import GeneratedImage, Job, OutputVerdict, Result
from inference.provenance import Provenance

log = logging.getLogger(__name__)

UNCHECKABLE = "they could not be checked"

# PNG encoding is CPU work that Pillow does without the GIL: on a GPU it took longer than
# the diffusion itself (62 ms per 512² image vs ~30 ms of GPU time), so images encode in
# parallel, and checks run beside them.
_threads = ThreadPoolExecutor(max_workers=min(8, os.cpu_count() or 1), thread_name_prefix="post")


class PostProcessor:
    """Encodes and checks a job's images; ``checker=None`` leaves the check to the bot.

    :param model_name: written into each PNG's text chunks.
    :param checker: the output check; None: results carry no verdict, and the bot checks
        them itself (a worker started with ``CHECK_OUTPUTS=false``).
    :param provenance: how a PNG is made (watermark, metadata, signature); default: plain
        PNGs with their generation parameters.
    """

    def __init__(
        self,
        model_name: str,
        checker: ImageChecker | None = None,
        provenance: Provenance | None = None,
    ) -> None:
        self.model_name = model_name
        self.checker = checker
        self.provenance = provenance or Provenance.plain()

    def finish(self, job: Job, images: list[Image.Image], seconds: float) -> Result:
        """The job's Result: PNGs and, when the job's rules ask for a check, the verdict."""
        seeds = job.image_seeds()
        checking = self.checker is not None and job.output_rules.any
        checks = [_threads.submit(self._check, job, image) for image in images] if checking else []
        grid = _threads.submit(grids.grid_jpeg, images)
        prompts = [job.prompt_for(i) for i in range(len(images))]
        pngs = list(_threads.map(self.png, [job] * len(images), images, seeds, prompts))
        verdict = _verdict(first_flagged(check.result() for check in checks)) if checking else None
        shown = verdict is None or verdict.allowed
        return Result(
            job_id=job.id,
            model=self.model_name,
            width=images[0].width,
            height=images[0].height,
            images=[
                GeneratedImage(png=png, seed=seed) for png, seed in zip(pngs, seeds, strict=True)
            ]
            if shown
            else [],
            seconds=seconds,
            verdict=verdict,
            grid=grid.result() if shown else None,
        )

    def _check(self, job: Job, image: Image.Image) -> ImageVerdict:
        assert self.checker is not None
        rules = ImageRules(job.output_rules.block_nudity, job.output_rules.block_faces)
        try:
            return self.checker.check(image, rules)
        except Exception:  # a broken detector: never show unchecked images
            log.exception("job %s: could not check an image", job.id)
            return ImageVerdict(False, UNCHECKABLE)

    def png(self, job: Job, image: Image.Image, seed: int, prompt: str | None = None) -> bytes:
        """One image as the PNG that leaves the worker (``prompt``: the image's own, when
        people diversity changed the job's)."""
        return self.provenance.png(job, image, seed, self.model_name, prompt)


def _verdict(verdict: ImageVerdict) -> OutputVerdict:
    return OutputVerdict(
        allowed=verdict.allowed, reason=verdict.reason, label=verdict.label, score=verdict.score
    )
