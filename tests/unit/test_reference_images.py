"""Several input images on FLUX.2 [klein]: the job's references condition its variation
(the model's own way of editing with references), and bad ones are refused clearly."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from data.jobs import Job, JobKind


@pytest.fixture(scope="module")
def flux2():
    import torch

    from inference.engine import Engine
    from inference.models import load_pipelines

    torch.set_num_threads(2)
    return Engine(load_pipelines("tiny:flux2", "cpu"))


def png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


SOURCE = Image.fromarray(np.random.default_rng(3).integers(0, 256, (64, 64, 3), dtype=np.uint8))


def vary(**fields) -> Job:
    source = SOURCE
    values = dict(
        id="j", kind=JobKind.VARY, prompt="a red fox", seed=7, n=1, width=64, height=64,
        steps=2, guidance=1.0, init_image=png(source),
    )  # fmt: skip
    return Job(**{**values, **fields})


def pixels(job: Job, engine) -> np.ndarray:
    result = engine.run(job)
    return np.asarray(Image.open(io.BytesIO(result.images[0].png)).convert("RGB")).astype(int)


def test_references_condition_the_variation(flux2):
    alone = pixels(vary(), flux2)
    assert np.array_equal(alone, pixels(vary(), flux2))  # the same job, the same pixels
    white = png(Image.new("RGB", (96, 96), "white"))
    black = png(Image.new("RGB", (96, 96), "black"))
    with_white = pixels(vary(references=(white,)), flux2)
    with_black = pixels(vary(references=(black,)), flux2)
    assert not np.array_equal(alone, with_white)  # the reference reached the model
    assert not np.array_equal(with_white, with_black)  # and what it shows matters


def test_an_unreadable_reference_is_refused_before_painting(flux2):
    from inference.engine import JobInputError

    with pytest.raises(JobInputError, match="references is not a readable image"):
        flux2.prepare(vary(references=(b"not a png",)))


def test_a_job_carries_at_most_eight_references():
    with pytest.raises(ValueError):
        vary(references=(b"x",) * 9)
    assert Job.model_validate_json(vary(references=(b"ab",)).model_dump_json()).references == (
        b"ab",
    )
