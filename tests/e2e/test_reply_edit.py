"""Reply-to-edit through the fake Discord: transparent PNG, --region, --extend, index."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

from data.jobs import Job
from tests.e2e.conftest import ALICE, RESULT_TIMEOUT, Studio, imagine, png
from tests.fakediscord import CHANNEL_ID


def decode(data: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(data)).convert("RGB")).astype(int)


async def reply_and_wait(studio: Studio, result: dict, text: str, attachments=None):
    """Send a reply; return (the edit job, the result message posted in the channel)."""
    fake = studio.fake
    mark = len(fake.calls)
    reply = await fake.user_message(
        text, user_id=ALICE, reply_to=int(result["id"]), attachments=attachments
    )
    posted = await fake.wait_for_call(
        lambda c: (
            c.method == "POST" and c.path == f"/channels/{CHANNEL_ID}/messages" and bool(c.files)
        ),
        timeout=RESULT_TIMEOUT,
        since=mark,
    )
    assert posted.json["message_reference"]["message_id"] in (reply["id"], int(reply["id"]))
    row = await studio.bot.studio.store.fetchone(
        "SELECT request, source_image_id FROM jobs ORDER BY created_at DESC LIMIT 1"
    )
    return Job.model_validate_json(row["request"]), row["source_image_id"], posted


async def stored_image(studio: Studio, image_id: str) -> np.ndarray:
    record = await studio.bot.studio.image(image_id)
    return decode(studio.bot.studio.files.read(record))


async def result_images(studio: Studio, job_id: str) -> list[np.ndarray]:
    records = await studio.bot.studio.images_of_job(job_id)
    return [decode(studio.bot.studio.files.read(r)) for r in records]


async def test_a_transparent_png_inpaints_exactly_its_transparent_area(studio: Studio):
    result = await imagine(studio, ALICE)
    hole = Image.new("RGBA", (64, 64), (0, 0, 0, 255))
    hole.paste((0, 0, 0, 0), (0, 0, 32, 64))  # the left half is transparent
    job, source_id, posted = await reply_and_wait(
        studio, result, "2 a red scarf", [("hole.png", png(hole), "image/png")]
    )
    assert job.kind == "edit" and job.prompt == "a red scarf" and job.n == 3
    mask = np.asarray(Image.open(io.BytesIO(job.mask)).convert("L"))
    assert (mask[:, :32] == 255).all() and (mask[:, 32:] == 0).all()
    second = (
        await studio.bot.studio.images_of_job((await studio.bot.studio.image(source_id)).job_id)
    )[1]
    assert source_id == second.id  # "2" picked image 2 of the grid
    original = await stored_image(studio, source_id)
    for edited in await result_images(studio, job.id):
        assert (edited[:, 32:] == original[:, 32:]).all()
    assert posted.files[0].filename == "grid.jpg"
    assert await studio.balance(ALICE) == studio.settings.welcome_credits - 2


async def test_region_masks_the_named_part(studio: Studio):
    result = await imagine(studio, ALICE)
    job, source_id, _ = await reply_and_wait(studio, result, "3 a full moon --region top-right")
    mask = np.asarray(Image.open(io.BytesIO(job.mask)).convert("L"))
    assert (mask[:32, 32:] == 255).all() and mask.sum() == 255 * 32 * 32
    original = await stored_image(studio, source_id)
    kept = mask == 0
    for edited in await result_images(studio, job.id):
        assert (edited[kept] == original[kept]).all()


async def test_extend_grows_the_canvas_and_keeps_the_original(studio: Studio):
    result = await imagine(studio, ALICE)
    job, source_id, _ = await reply_and_wait(studio, result, "1 a long road --extend left 32")
    assert (job.width, job.height) == (96, 64)
    original = await stored_image(studio, source_id)
    for edited in await result_images(studio, job.id):
        assert edited.shape == (64, 96, 3)
        assert (edited[:, 32:] == original).all()


async def test_a_reply_to_a_grid_without_an_index_asks_which_image(studio: Studio):
    result = await imagine(studio, ALICE)
    mark = len(studio.fake.calls)
    await studio.fake.user_message("a hat", user_id=ALICE, reply_to=int(result["id"]))
    answer = await studio.fake.wait_for_call(
        lambda c: c.method == "POST" and c.path.endswith("/messages"), since=mark
    )
    assert "Which image?" in answer.json["content"]
    assert await studio.job_count() == 1
