"""Progress previews: the tiny autoencoder on the tiny model's latents, through the engine
and the batch runner (the worker and the queues: test_worker_batching, test_queue_contract)."""

from __future__ import annotations

import io
import logging

import numpy as np
import pytest
import torch
from PIL import Image

from data.jobs import Job, JobKind
from inference.batching import BatchRunner
from inference.engine import Engine
from inference.previews import Previewer, load_previewer
from inference.tiny import build_tiny_preview_decoder


def make_job(job_id: str, **fields) -> Job:
    values = dict(
        id=job_id, kind=JobKind.GENERATE, prompt=job_id, seed=5, n=2, width=64, height=48,
        steps=6, guidance=0,
    )  # fmt: skip
    values.update(fields)
    return Job(**values)


def pixels(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def always(decoder=None) -> Previewer:
    """A previewer for which a preview is due at every step but the last."""
    return Previewer(decoder or build_tiny_preview_decoder(), every_seconds=0)


def test_a_preview_is_due_every_interval_and_never_on_the_last_step():
    clock = Clock()
    previewer = Previewer(build_tiny_preview_decoder(), every_seconds=2, clock=clock)
    previewer.restart()
    clock.now += 1.9
    assert not previewer.due(1, 10)  # too soon after the call started
    clock.now += 0.1
    assert previewer.due(2, 10)
    assert not previewer.due(3, 10)  # the timer restarted with that preview
    clock.now += 5
    assert not previewer.due(10, 10)  # the last step: the result itself comes next
    assert previewer.due(9, 10)


def test_each_job_gets_a_small_jpeg_sheet_laid_out_like_its_result(tiny_pipelines, engine):
    previewing = Engine(tiny_pipelines, always())
    jobs = [make_job("a", n=4), make_job("b", seed=40, n=1), make_job("c", seed=9)]
    shown: list[dict[str, bytes]] = []
    outcomes = BatchRunner(previewing).run(jobs, on_preview=shown.append)
    assert len(shown) == 5  # steps 1 to 5 of 6, for all jobs in their one call
    assert all(set(previews) == {"a", "b", "c"} for previews in shown)
    sizes = {"a": (132, 100), "b": (64, 48), "c": (132, 48)}  # 2×2, one, a row of two
    for previews in shown:
        for job_id, jpeg in previews.items():
            image = Image.open(io.BytesIO(jpeg))
            assert image.format == "JPEG" and image.size == sizes[job_id]
    assert shown[0]["a"] != shown[-1]["a"]  # the picture changes as the steps run
    last = Image.open(io.BytesIO(shown[-1]["a"])).convert("L")
    first_image, second_image = last.crop((0, 0, 64, 48)), last.crop((68, 0, 132, 48))
    assert first_image.tobytes() != second_image.tobytes()  # each picture, not one repeated
    # Previews only read the latents: the same batch made without them gives the same bytes
    # (like with like: a job made alone may differ in the last bit from the batched one).
    plain = BatchRunner(engine).run(jobs)
    for job in jobs:
        pngs = [image.png for image in outcomes[job.id].images]
        assert pngs == [image.png for image in plain[job.id].images]


@pytest.mark.parametrize("kind", [JobKind.VARY, JobKind.EDIT])
def test_variations_and_edits_have_previews_too(tiny_pipelines, engine, kind):
    source = engine.run(make_job("source", n=1)).images[0].png
    mask = io.BytesIO()
    Image.new("L", (64, 48), 255).save(mask, format="PNG")
    job = make_job("a", kind=kind, init_image=source, strength=0.9, steps=8)
    if kind is JobKind.EDIT:
        job = job.model_copy(update={"mask": mask.getvalue()})
    shown: list[dict[str, bytes]] = []
    outcome = BatchRunner(Engine(tiny_pipelines, always())).run([job], on_preview=shown.append)
    assert outcome["a"].images and shown  # img2img and inpaint report latents as well
    assert Image.open(io.BytesIO(shown[-1]["a"])).size == (132, 48)


def test_a_decoder_that_fails_turns_previews_off_and_the_job_still_runs(
    tiny_pipelines, engine, caplog
):
    from diffusers import AutoencoderTiny

    other_family = AutoencoderTiny(  # expects 16-channel latents (an SD3/Flux-style TAESD)
        encoder_block_out_channels=(16, 16),
        decoder_block_out_channels=(16, 16),
        num_encoder_blocks=(1, 1),
        num_decoder_blocks=(1, 1),
        latent_channels=16,
    )
    previewer = always(other_family)
    shown: list[dict[str, bytes]] = []
    with caplog.at_level(logging.ERROR, logger="inference.previews"):
        outcomes = BatchRunner(Engine(tiny_pipelines, previewer)).run(
            [make_job("a")], on_preview=shown.append
        )
    assert shown == [] and previewer.broken
    assert caplog.text.count("previews are off") == 1  # said once, not at every step
    pngs = [image.png for image in outcomes["a"].images]
    plain = BatchRunner(engine).run([make_job("a")])  # the same batch, without previews
    assert pngs == [image.png for image in plain["a"].images]


def test_without_a_preview_listener_nothing_is_decoded(tiny_pipelines):
    class Counting(Previewer):
        renders = 0

        def render(self, latents: torch.Tensor) -> list[Image.Image]:
            Counting.renders += 1
            return super().render(latents)

    engine = Engine(tiny_pipelines, Counting(build_tiny_preview_decoder(), every_seconds=0))
    engine.run(make_job("a"))
    assert Counting.renders == 0


def test_load_previewer_is_linear_by_default_off_on_request_and_survives_a_missing_decoder(
    tmp_path, caplog
):
    from inference.latent_rgb import LATENT_FORMATS
    from inference.previews import LinearDecoder

    cpu = torch.device("cpu")
    linear = load_previewer("", cpu, torch.float32, 1.0, LATENT_FORMATS["flux"])
    assert linear is not None and isinstance(linear.decoder, LinearDecoder)
    assert load_previewer("off", cpu, torch.float32, 1.0, LATENT_FORMATS["flux"]) is None
    with caplog.at_level(logging.WARNING, logger="inference.previews"):
        assert load_previewer(str(tmp_path), torch.device("cpu"), torch.float32, 1.0) is None
    assert "could not be loaded" in caplog.text and "no previews" in caplog.text
    tiny = load_previewer("tiny", torch.device("cpu"), torch.float32, 1.5)
    assert tiny is not None and tiny.every_seconds == 1.5
