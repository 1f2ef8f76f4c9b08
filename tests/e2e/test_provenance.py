"""Provenance through the fake Discord: delivered images carry Content Credentials, the
visible signature is a per-server switch drawn only on delivered copies, and "Check
provenance" answers ephemerally for any attached image."""

from __future__ import annotations

import io
import json
import re

import numpy as np
from PIL import Image

from app.discord.visible_mark import COLOURS
from studio.provenance import inspect
from tests.e2e.answers import answer, channel_option, is_ephemeral
from tests.e2e.conftest import (
    ALICE,
    BOB,
    RESULT_TIMEOUT,
    Studio,
    button,
    imagine,
    is_result,
    png,
)
from tests.fakediscord import FLAG_EPHEMERAL

GALLERY = 3001


def corner(data: bytes) -> tuple[int, int, int]:
    image = Image.open(io.BytesIO(data)).convert("RGB")
    return image.getpixel((image.width - 1, image.height - 1))


def rgb(hex_colour: str) -> tuple[int, int, int]:
    return tuple(int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))


async def open_image(studio: Studio, result: dict, position: int = 1) -> bytes:
    opened = await studio.fake.click_button(
        result["id"], button(result, "imagine:open:", position), user_id=ALICE
    )
    assert (await opened.wait_callback()).type == 5  # deferred: reading and encoding take time
    sent = await opened.wait_followup()
    assert sent.files, sent
    return sent.files[0].data


async def test_delivered_images_carry_credentials_and_the_signature_is_opt_in(studio: Studio):
    fake = studio.fake
    result = await imagine(studio, ALICE, "a lighthouse at dusk")
    delivered = await open_image(studio, result)
    report = inspect(delivered)["c2pa"]
    assert report is not None and report["state"] == "valid", report
    assert report["chain"][0]["actions"] == ["c2pa.created"]
    text = json.dumps(report)  # no user id as a number of its own (a seed may contain its digits)
    assert not re.search(rf"(?<!\d){ALICE}(?!\d)", text) and "lighthouse" not in text
    assert corner(delivered) != rgb(COLOURS[-1])  # off by default

    # /signature is for admins (default_permissions: Discord hides it from others):
    switched = await fake.slash_command("signature", subcommand="on", user_id=fake.owner_id)
    switched_on = await switched.wait_callback()
    assert "now shows" in switched_on.json["data"]["content"]
    assert switched_on.json["data"]["flags"] & FLAG_EPHEMERAL

    marked_result = await imagine(studio, ALICE, "a lighthouse at dawn")
    marked = await open_image(studio, marked_result)
    assert corner(marked) == rgb(COLOURS[-1])  # the blue square, bottom right
    record = await studio.bot.studio.image(button(marked_result, "imagine:open:").split(":")[2])
    stored = studio.bot.studio.files.read(record)
    assert corner(stored) != rgb(COLOURS[-1])  # the original stays clean…
    assert inspect(stored)["c2pa"]["state"] == "valid"  # …and keeps its credentials
    # The marked copy: same picture elsewhere, text kept, no stale manifest.
    a, b = (np.asarray(Image.open(io.BytesIO(x)).convert("RGB"), int) for x in (marked, stored))
    assert np.array_equal(a[:-8], b[:-8])
    assert Image.open(io.BytesIO(marked)).text["prompt"] == "a lighthouse at dawn"
    assert inspect(marked)["c2pa"] is None

    # A gallery post is a delivery in this server too: marked the same way.
    await fake.add_text_channel(GALLERY, "ai-gallery")
    chosen = await fake.slash_command(
        "gallery",
        subcommand="channel",
        user_id=fake.owner_id,
        **channel_option(fake, "channel", GALLERY),
    )
    await answer(chosen)
    shared = await fake.click_button(
        marked_result["id"], button(marked_result, "imagine:share:"), user_id=ALICE
    )
    await answer(shared)
    [post] = [m for m in fake.bot_messages(GALLERY) if m.get("attachments")]
    blob = fake.store.blobs[int(post["attachments"][0]["id"])]
    assert corner(blob.data) == rgb(COLOURS[-1])

    # An edit of a marked delivery starts from the clean original, so it chains to it.
    off = await fake.slash_command("signature", subcommand="off", user_id=fake.owner_id)
    assert "no longer shows" in (await off.wait_callback()).json["data"]["content"]
    varied = await fake.click_button(
        marked_result["id"], button(marked_result, "imagine:vary:"), user_id=ALICE
    )
    variation = (await varied.wait_followup(is_result, timeout=RESULT_TIMEOUT)).response
    chained = inspect(await open_image(studio, variation))["c2pa"]
    assert chained["state"] == "valid", chained
    assert [step["actions"][-1] for step in chained["chain"]] == ["c2pa.edited", "c2pa.created"]


async def test_check_provenance_answers_ephemerally_for_an_attached_image(studio: Studio):
    fake = studio.fake
    result = await imagine(studio, ALICE, "a paper boat")
    delivered = await open_image(studio, result)
    posted = await fake.user_message(
        "look what I found", user_id=BOB, attachments=[("boat.png", delivered, "image/png")]
    )
    asked = await fake.message_command("Check provenance", posted["id"], user_id=BOB)
    callback = await asked.wait_callback()
    assert callback.type == 5  # deferred, ephemeral
    reply = await asked.wait_followup(lambda c: c.json and "content" in c.json)
    message = reply.response or fake.message(asked.original_id)
    assert is_ephemeral(message)
    assert "**Content Credentials:** valid" in reply.json["content"]
    assert f"created with {studio.settings.model} (AI-generated)" in reply.json["content"]
    (attached,) = reply.files
    assert json.loads(attached.data)["c2pa"]["state"] == "valid"

    bare = png(Image.new("RGB", (32, 32), "white"))
    plain = await fake.user_message("a plain one", attachments=[("plain.png", bare, "image/png")])
    asked = await fake.message_command("Check provenance", plain["id"], user_id=BOB)
    reply = await asked.wait_followup(lambda c: c.json and "content" in c.json)
    assert "**Content Credentials:** none" in reply.json["content"]
    assert "**Invisible watermark:** none found" in reply.json["content"]

    words = await fake.user_message("no picture here")
    asked = await fake.message_command("Check provenance", words["id"], user_id=BOB)
    refusal = await asked.wait_callback()
    assert "no image attached" in refusal.json["data"]["content"]
    assert refusal.json["data"]["flags"] & FLAG_EPHEMERAL
