"""Workers that see the bot's storage write a job's images there, and the queue carries
paths (inference/storing.py, the watcher's settle): the bot moves no image bytes but the
grid it posts (sent along in the result), and what no row references is deleted."""

from __future__ import annotations

import asyncio
import io

from PIL import Image

from data import grids
from data.image_checks import ImageVerdict
from data.images import ImageFiles
from data.jobs import GeneratedImage, Job, JobKind, Result
from inference.storing import ResultStorage
from studio.requester import Requester
from studio.studio import ImagineOptions
from tests.conftest import running_studio

ALICE = Requester(1, "alice")
PNG = b"\x89PNG\r\n\x1a\n" + b"pixels" * 10_000


def job(storage: str | None) -> Job:
    return Job(
        id="j1", kind=JobKind.GENERATE, seed=1, n=2, width=64, height=64, steps=1, guidance=1,
        storage=storage,
    )  # fmt: skip


def result() -> Result:
    images = [GeneratedImage(png=PNG, seed=1), GeneratedImage(png=PNG + b"2", seed=2)]
    return Result(job_id="j1", model="tiny", width=64, height=64, images=images, seconds=0.1,
                  grid=b"grid" * 1000)  # fmt: skip


def pngs_in(files: ImageFiles) -> set[str]:
    return {
        str(p.relative_to(files.root))
        for p in files.root.rglob("*")
        if p.suffix in (".png", ".jpg")  # the images and the grid
    }


def test_a_result_with_stored_images_crosses_the_queue_as_paths():
    stored = Result(
        job_id="j1", model="tiny", width=64, height=64, seconds=0.1,
        images=[GeneratedImage(seed=7, image_id="0123456789ab", path="images/01/0123456789ab.png")],
        grid_path="grids/j1.jpg",  # as a worker of an earlier build stored the grid
    )  # fmt: skip
    data = stored.to_bytes()
    assert Result.from_bytes(data) == stored and len(data) < 400
    assert stored.stored_paths == ["images/01/0123456789ab.png", "grids/j1.jpg"]
    sent = result()  # the bytes travel as before, and read back the same
    assert Result.from_bytes(sent.to_bytes()) == sent and sent.stored_paths == []


async def test_a_worker_writes_only_into_the_storage_the_job_names(tmp_path):
    files = ImageFiles(tmp_path / "shared")
    assert files.identity() is None  # no bot has named it: a worker never does
    name = files.identity(create=True)
    assert name and files.identity(create=True) == name == ImageFiles(files.root).identity()
    storage = await ResultStorage.open(ImageFiles(files.root))  # the worker's own view

    written = await storage.put(job(name), result())
    assert [image.png for image in written.images] == [b"", b""]
    assert all(
        files.read_path(i.path) == r.png
        for i, r in zip(written.images, result().images, strict=True)
    )
    assert written.grid == result().grid and written.grid_path is None  # the grid travels
    assert pngs_in(files) == set(written.stored_paths)

    # Another storage's name (configured alike, not the same), or none: the bytes travel.
    for other in ("0" * 32, None):
        assert await storage.put(job(other), result()) == result()
    unnamed = await ResultStorage.open(ImageFiles(tmp_path / "elsewhere"))
    assert unnamed.name is None and await unnamed.put(job(name), result()) == result()

    await storage.drop(written)  # the queue did not take it: nothing is left behind
    assert pngs_in(files) == set()


async def test_a_write_that_fails_sends_the_bytes_and_leaves_no_file(tmp_path):
    files = ImageFiles(tmp_path / "shared")
    name = files.identity(create=True)
    storage = await ResultStorage.open(files)
    (files.root / "images").write_text("a file where the images' folder goes")  # writes fail
    assert await storage.put(job(name), result()) == result()
    assert pngs_in(files) == set()


async def test_the_studio_gets_paths_from_its_worker_and_keeps_only_what_rows_reference(
    settings, engine
):
    async with running_studio(settings, engine) as runtime:
        files, queue = runtime.studio.files, runtime.queue
        sent: list[Result] = []
        complete = queue.complete

        async def spy(job_id, worker_id, outcome):
            sent.append(outcome)
            return await complete(job_id, worker_id, outcome)

        queue.complete = spy
        handle = await runtime.studio.imagine(ALICE, "owls", ImagineOptions(count=2))
        outcome = await asyncio.wait_for(handle.outcome(), 60)
        assert outcome.ok and len(outcome.images) == 2
        (result_sent,) = sent
        assert all(image.stored and image.png == b"" for image in result_sent.images)
        assert result_sent.grid is not None and result_sent.grid_path is None  # it travels
        assert [i.id for i in outcome.images] == [i.image_id for i in result_sent.images]
        kept = {image.path for image in outcome.images}
        assert pngs_in(files) == kept  # no grid file: it is posted once, never kept
        shown = [Image.open(io.BytesIO(files.read(image))) for image in outcome.images]
        assert outcome.grid == grids.grid_jpeg(shown)  # the worker's grid, as it sent it

        # The bot's own check (this worker checks nothing) reads the stored PNGs, and a
        # withheld job's files are deleted with its refund.
        checked: list[bytes] = []

        def flag(pngs, rules):
            checked.extend(pngs)
            return ImageVerdict(False, "nudity", "BUTTOCKS_EXPOSED", 0.9)

        runtime.studio.moderator.images.check_pngs = flag
        handle = await runtime.studio.imagine(ALICE, "owls", ImagineOptions(count=2))
        outcome = await asyncio.wait_for(handle.outcome(), 60)
        assert not outcome.ok and "withheld" in outcome.error
        assert len(checked) == 2 and all(png.startswith(b"\x89PNG") for png in checked)
        assert pngs_in(files) == kept


async def test_a_grid_stored_by_a_worker_of_an_earlier_build_is_read_then_deleted(settings, engine):
    """Workers used to store the grid and send its path; one still running across an
    upgrade is delivered as before, and leaves no file behind."""
    async with running_studio(settings, engine) as runtime:
        files, queue = runtime.studio.files, runtime.queue
        complete = queue.complete

        async def as_an_earlier_worker(job_id, worker_id, outcome):
            files.write_path(f"grids/{job_id}.jpg", outcome.grid)
            earlier = outcome.model_copy(update={"grid": None, "grid_path": f"grids/{job_id}.jpg"})
            return await complete(job_id, worker_id, earlier)

        queue.complete = as_an_earlier_worker
        handle = await runtime.studio.imagine(ALICE, "owls", ImagineOptions(count=2))
        outcome = await asyncio.wait_for(handle.outcome(), 60)
        assert outcome.ok and outcome.grid is not None
        shown = [Image.open(io.BytesIO(files.read(image))) for image in outcome.images]
        assert outcome.grid == grids.grid_jpeg(shown)
        assert pngs_in(files) == {image.path for image in outcome.images}  # the grid: gone


async def test_a_worker_started_before_the_bot_named_the_storage_writes_there_later(
    tmp_path, monkeypatch
):
    """docker compose starts workers and bots together: a worker that found no name yet
    looks again when a job names one (at most every REREAD_SECONDS)."""
    from inference import storing

    files = ImageFiles(tmp_path / "shared")
    storage = await ResultStorage.open(ImageFiles(files.root))
    assert storage.name is None
    name = files.identity(create=True)  # the bot starts
    assert await storage.put(job(name), result()) == result()  # looked a moment ago
    monkeypatch.setattr(storing, "REREAD_SECONDS", 0.0)
    written = await storage.put(job(name), result())
    assert storage.name == name and all(image.stored for image in written.images)
