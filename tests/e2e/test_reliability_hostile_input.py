"""Hostile input through the fake Discord: every attempt gets a clear ephemeral refusal,
no job, no charge, no crash, and nothing the bot posts can ping @everyone, @here or a role."""

from __future__ import annotations

import asyncio
import io
import struct
import zlib
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from PIL import Image

from data.jobs import Job
from tests.e2e.conftest import (
    ALICE,
    BOB,
    RESULT_TIMEOUT,
    Studio,
    bot_settings,
    button,
    ephemeral_answer,
    imagine,
    is_result,
    png,
    start_bot,
    stop_bot,
)
from tests.fakediscord import FLAG_EPHEMERAL, FakeDiscord

ROLE_ID = 4242
PINGS = f"@everyone @here <@&{ROLE_ID}> <@{BOB}>"


def grey_png(width: int, height: int) -> bytes:
    """A valid, fully compressed grey PNG of any size; zeros compress ~1000:1."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    packer = zlib.compressobj(9)
    row = b"\0" * (width + 1)  # filter byte + one byte per pixel
    idat = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    chunks = chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")
    return b"\x89PNG\r\n\x1a\n" + chunks


def animated_png(colors: list[str]) -> bytes:
    frames = [Image.new("RGB", (48, 48), color) for color in colors]
    buffer = io.BytesIO()
    frames[0].save(buffer, format="PNG", save_all=True, append_images=frames[1:])
    return buffer.getvalue()


@pytest.fixture
async def queue_only(fake: FakeDiscord, tmp_path: Path) -> AsyncIterator[Studio]:
    """The bot without a worker (refusals need none, accepted jobs wait) nor a rate limit."""
    settings = bot_settings(fake, tmp_path / "var", local_worker=False, rate_limit_jobs=100)
    bot, task = await start_bot(fake, settings)
    yield Studio(fake, bot, settings, task)
    await stop_bot(bot, task)


async def test_hostile_uploads_are_refused_without_a_job_or_a_charge(queue_only):
    studio, fake = queue_only, queue_only.fake
    fake.attachment_size_limit = 64 * 2**20  # a boosted server
    mark = len(fake.calls)
    cases = [
        ("empty.png", b"", "The file is empty"),
        ("huge.png", b"\x89PNG" + b"\0" * (50 * 2**20), "The file is 50.0 MB; the limit is 10 MB"),
        ("bomb.png", grey_png(15_000, 15_000), "too large to open safely"),
        ("wide.png", grey_png(10_000, 10_000), "too large to open safely"),
        ("big.png", grey_png(5_000, 4_000), "The image is 5000×4000; the limit is"),
        ("fake.png", b"MZ\x90\x00 this is an executable, not a picture", "not an image"),
        ("cut.png", png(Image.new("RGB", (64, 64), "red"))[:-30], "damaged or truncated"),
    ]
    for name, data, expected in cases:
        inter = await fake.slash_command(
            "vary", attachments={"image": (name, data, "image/png")}, user_id=BOB
        )
        answer = await ephemeral_answer(inter)
        assert expected in answer, (name, answer)
        assert "Traceback" not in answer
    downloads = [c for c in fake.calls[mark:] if "/attachments/" in c.path]
    assert not any(c.path.endswith("/huge.png") for c in downloads)  # refused by its size
    assert await studio.job_count() == 0
    assert await studio.balance(BOB) == studio.settings.welcome_credits


async def test_an_animated_upload_uses_its_first_frame(queue_only):
    studio = queue_only
    inter = await studio.fake.slash_command(
        "vary",
        attachments={"image": ("anim.png", animated_png(["red", "blue", "green"]), "image/png")},
        user_id=BOB,
    )
    await inter.wait_original_edit(lambda c: "queued" in c.json.get("content", ""))
    (request,) = await studio.bot.studio.store.fetchone("SELECT request FROM jobs")
    job = Job.model_validate_json(request)
    first = Image.open(io.BytesIO(job.init_image)).convert("RGB")
    assert first.getpixel((first.width // 2, first.height // 2)) == (255, 0, 0)


async def test_hostile_prompts_are_refused(queue_only):
    studio, fake = queue_only, queue_only.fake
    cases = [
        ({"prompt": "x" * 10_000}, "The prompt is 10000 characters long; the limit is 400"),
        ({"prompt": "a cat\x00 and NUL"}, "control characters"),
        ({"prompt": "\x1b[31mred terminal\x1b[0m"}, "control characters"),
        ({"prompt": "a cat", "negative": "dogs\x08\x08\x08"}, "control characters"),
        ({"prompt": "\u200b\u200e\u202e"}, "Write a prompt"),  # only invisible characters
        ({"prompt": "a cat", "seed": 2**40}, ""),  # out of range: Discord's own type check
    ]
    for options, expected in cases:
        inter = await fake.slash_command("imagine", options, user_id=ALICE)
        answer = await ephemeral_answer(inter)
        assert expected in answer and "Traceback" not in answer, (options, answer)
    assert await studio.job_count() == 0
    assert await studio.balance(ALICE) == studio.settings.welcome_credits


async def test_tampered_custom_ids_are_refused(queue_only):
    studio, fake = queue_only, queue_only.fake
    tampered = [
        "imagine:vary:../../imagine.db",
        "imagine:reroll:0123456789ABCDEF",
        "imagine:open:",
        "imagine:saveall:' OR 1=1 --",
    ]
    buttons = [*tampered, "imagine:vary:0123456789ab"]  # the last: well-formed, no such image
    row = [{"type": 2, "style": 2, "label": str(i), "custom_id": c} for i, c in enumerate(buttons)]
    body = {"content": "an old result", "components": [{"type": 1, "components": row}]}
    message = await fake.create_bot_message(fake.channel_id, body, [])
    for custom_id in tampered:
        inter = await fake.click_button(message["id"], custom_id, user_id=BOB)
        answer = (await inter.wait_callback()).json["data"]
        assert answer["content"] == "This button is not valid: it does not point at an image."
        assert answer["flags"] & FLAG_EPHEMERAL
    missing = await fake.click_button(message["id"], "imagine:vary:0123456789ab", user_id=BOB)
    assert "no longer exists" in (await missing.wait_callback()).json["data"]["content"]
    assert await studio.job_count() == 0
    assert await studio.balance(BOB) == studio.settings.welcome_credits


def sent_messages(fake: FakeDiscord) -> list[tuple[str, dict]]:
    """(path, body) of everything the bot sent that can carry text: sends, edits, answers."""
    sent = []
    for call in fake.calls:
        body = call.json if isinstance(call.json, dict) else None
        if body is None or call.method not in ("POST", "PATCH"):
            continue
        if call.path.endswith("/callback"):
            body = body.get("data") or {}
        if "content" in body:
            sent.append((call.path, body))
    return sent


async def test_echoed_prompts_never_ping_anyone(fake, tmp_path):
    settings = bot_settings(fake, tmp_path / "var")
    bot, task = await start_bot(fake, settings)
    try:
        async with asyncio.timeout(240):  # a stuck await fails the test, not the whole suite
            await _echo_pings_everywhere(Studio(fake, bot, settings, task))
    finally:
        await asyncio.wait_for(stop_bot(bot, task), 90)  # a shutdown that hangs fails too

    sent = sent_messages(fake)
    assert any("@everyone" in body["content"] for _, body in sent)  # the prompt was echoed
    for path, body in sent:
        mentions = body.get("allowed_mentions")
        assert mentions is not None, (path, body)
        assert not {"everyone", "roles"} & set(mentions.get("parse", [])), (path, mentions)
        assert not mentions.get("roles"), (path, mentions)
        assert set(mentions.get("users", [])) <= {ALICE, BOB, str(ALICE), str(BOB)}
        if "users" in mentions.get("parse", []):
            raise AssertionError(f"{path} lets every mentioned user be pinged: {mentions}")


async def _echo_pings_everywhere(studio: Studio) -> None:
    """A result, a variation, a refusal and a reply, all echoing a prompt full of pings."""
    fake = studio.fake
    result = await imagine(studio, ALICE, f"{PINGS} a lighthouse")
    assert result["embeds"][0]["title"].startswith("@everyone")
    vary = await fake.click_button(result["id"], button(result, "imagine:vary:"), user_id=BOB)
    await vary.wait_followup(is_result, timeout=RESULT_TIMEOUT)  # nothing left in flight
    refused = await fake.slash_command("imagine", {"prompt": f"{PINGS}\x07"}, user_id=ALICE)
    await ephemeral_answer(refused)
    await fake.user_message(f"1 {PINGS} --region nowhere", user_id=ALICE, reply_to=result["id"])
    await fake.wait_for_call(lambda c: c.method == "POST" and "nowhere" in str(c.json))
