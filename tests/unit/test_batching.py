"""Cross-request batching with the real tiny engine: same pictures as alone, failures kept
to the job that caused them, out of memory halves the batch.

Out of memory cannot happen on demand on a CPU, so those tests inject it: an engine whose
pipeline call raises torch's real OutOfMemoryError above a number of pictures.
"""

import io

import numpy as np
import pytest
import torch
from PIL import Image

from data.jobs import Job, JobKind, Result
from inference.batching import BatchRunner, JobFailure, is_out_of_memory
from inference.engine import Engine, Picture
from studio import canvas


def job(job_id: str, kind: JobKind = JobKind.GENERATE, **fields) -> Job:
    values = dict(
        id=job_id,
        kind=kind,
        prompt=f"prompt of {job_id}",
        seed=len(job_id) * 101,
        n=2,
        width=64,
        height=64,
        steps=2,
        guidance=0.0,
    )
    values.update(fields)
    return Job(**values)


def pixels(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)


def png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def assert_same_as_alone(engine: Engine, result: Result, alone_job: Job) -> None:
    """Batched kernels may round the last bit differently: within one level per pixel."""
    alone = engine.run(alone_job)
    assert result.job_id == alone_job.id
    assert [image.seed for image in result.images] == [image.seed for image in alone.images]
    for batched, single in zip(result.images, alone.images, strict=True):
        assert np.abs(pixels(batched.png) - pixels(single.png)).max() <= 1
        assert Image.open(io.BytesIO(batched.png)).text == Image.open(io.BytesIO(single.png)).text
    if len(alone.images) > 1:  # control: one level still tells two different pictures apart
        assert np.abs(pixels(result.images[0].png) - pixels(alone.images[1].png)).max() > 16


class CountingEngine(Engine):
    """The real engine; records how many pictures (and which jobs) each pipeline call made."""

    def __init__(self, pipelines, *, fits: int | None = None, poison: str | None = None):
        super().__init__(pipelines)
        self.calls: list[list[str]] = []
        self.fits = fits  # more pictures than this in one call: out of memory
        self.poison = poison  # a prompt that makes any call containing it fail

    def paint(self, pictures: list[Picture], on_step=None, on_preview=None):
        self.calls.append([p.job.id for p in pictures])
        if self.fits is not None and len(pictures) > self.fits:
            raise torch.cuda.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")
        if self.poison and any(p.job.prompt == self.poison for p in pictures):
            raise ValueError("the pipeline choked")
        return super().paint(pictures, on_step, on_preview)


def test_generate_jobs_run_in_one_call_and_each_is_as_alone(tiny_pipelines, engine):
    counting = CountingEngine(tiny_pipelines)
    jobs = [
        job("a", n=4, seed=7),
        job("bb", n=1, negative_prompt="blurry"),
        job("ccc", n=3, prompt="a red fox"),
    ]
    steps = []
    outcomes = BatchRunner(counting).run(jobs, lambda ids, s, t: steps.append((ids, s, t)))
    assert counting.calls == [["a"] * 4 + ["bb"] + ["ccc"] * 3]
    assert steps[-1] == (["a", "bb", "ccc"], 2, 2)  # every job of the call hears progress
    for batch_job in jobs:
        assert_same_as_alone(engine, outcomes[batch_job.id], batch_job)


def test_vary_and_edit_jobs_with_different_images_batch(tiny_pipelines, engine):
    sources = [
        Image.open(io.BytesIO(engine.run(job(f"s{i}", n=1, seed=i)).images[0].png))
        for i in range(2)
    ]
    counting = CountingEngine(tiny_pipelines)
    runner = BatchRunner(counting)
    varies = [job(f"v{i}", JobKind.VARY, init_image=png(s)) for i, s in enumerate(sources)]
    outcomes = runner.run(varies)
    assert counting.calls == [["v0", "v0", "v1", "v1"]]
    for vary in varies:
        assert_same_as_alone(engine, outcomes[vary.id], vary)

    regions = ["left", "top"]
    edits = [
        job(
            f"e{i}",
            JobKind.EDIT,
            strength=1.0,
            init_image=png(source),
            mask=png(canvas.region_mask(source.size, region)),
        )
        for i, (source, region) in enumerate(zip(sources, regions, strict=True))
    ]
    outcomes = runner.run(edits)
    assert counting.calls[-1] == ["e0", "e0", "e1", "e1"]
    for edit, source, region in zip(edits, sources, regions, strict=True):
        assert_same_as_alone(engine, outcomes[edit.id], edit)
        kept = np.asarray(canvas.region_mask(source.size, region)) == 0
        for image in outcomes[edit.id].images:  # each job keeps its own unmasked pixels
            assert (pixels(image.png)[kept] == np.asarray(source).astype(int)[kept]).all()


def test_out_of_memory_halves_the_batch_and_remembers(tiny_pipelines, engine):
    counting = CountingEngine(tiny_pipelines, fits=3)
    runner = BatchRunner(counting)
    jobs = [job("a", n=4), job("bb", n=2, seed=5), job("ccc", n=2, seed=9)]
    outcomes = runner.run(jobs)
    assert [len(call) for call in counting.calls] == [8, 4, 2, 2, 2, 2]
    assert runner.limits == {("generate", 64, 64): 2}
    for batch_job in jobs:
        assert_same_as_alone(engine, outcomes[batch_job.id], batch_job)  # "a" spans two calls

    counting.calls.clear()
    runner.run([job("d", n=3)])  # the next batch of this size starts at the size that fit
    assert [len(call) for call in counting.calls] == [2, 1]
    counting.calls.clear()
    runner.run([job("e", n=3, width=96)])  # another size has not failed: one call
    assert [len(call) for call in counting.calls] == [3]


def test_a_job_that_does_not_fit_alone_fails_with_a_reason_and_alone(tiny_pipelines, engine):
    class HugeJobEngine(CountingEngine):
        def paint(self, pictures, on_step=None, on_preview=None):
            if any(p.job.id == "huge" for p in pictures):
                self.calls.append([p.job.id for p in pictures])
                raise torch.cuda.OutOfMemoryError("CUDA out of memory")
            return super().paint(pictures, on_step, on_preview)

    jobs = [job("a", n=1), job("huge", n=2), job("b", n=1, seed=3)]
    outcomes = BatchRunner(HugeJobEngine(tiny_pipelines)).run(jobs)
    assert outcomes["huge"] == JobFailure("out of GPU memory")
    assert_same_as_alone(engine, outcomes["a"], jobs[0])
    assert_same_as_alone(engine, outcomes["b"], jobs[2])


def test_one_bad_job_does_not_fail_its_batch_mates(tiny_pipelines, engine):
    source = png(Image.new("RGB", (64, 64), "white"))
    jobs = [
        job("good", JobKind.VARY, init_image=source),
        job("unreadable", JobKind.VARY, init_image=b"not a png"),
        job("poisoned", JobKind.VARY, init_image=source, prompt="poison"),
        job("fine", JobKind.VARY, init_image=source, seed=3),
    ]
    counting = CountingEngine(tiny_pipelines, poison="poison")
    outcomes = BatchRunner(counting).run(jobs)
    assert outcomes["unreadable"].refused
    assert "init_image is not a readable image" in outcomes["unreadable"].reason
    assert outcomes["poisoned"] == JobFailure("generation failed: the pipeline choked")
    # The batch failed once, then each job ran alone; the unreadable one never ran.
    assert counting.calls[0] == ["good", "good", "poisoned", "poisoned", "fine", "fine"]
    assert counting.calls[1:] == [["good"] * 2, ["poisoned"] * 2, ["fine"] * 2]
    assert_same_as_alone(engine, outcomes["good"], jobs[0])
    assert_same_as_alone(engine, outcomes["fine"], jobs[3])


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (torch.cuda.OutOfMemoryError("CUDA out of memory"), True),
        (RuntimeError("MPS backend out of memory (MPS allocated: 8.00 GB)"), True),
        (RuntimeError("DefaultCPUAllocator: can't allocate memory: you tried 9 GB"), True),
        (MemoryError(), True),
        (RuntimeError("expected scalar type Half but found Float"), False),
        (ValueError("out of memory"), False),
    ],
)
def test_out_of_memory_is_recognised_on_every_device(error, expected):
    assert is_out_of_memory(error) is expected
