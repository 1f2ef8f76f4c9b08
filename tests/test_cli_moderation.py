"""check-prompt and check-image in a subprocess: one JSON object, the bot's own code."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from pathlib import Path

import skimage.data
from PIL import Image

from data.store import Store
from studio.moderation import Moderator
from tests.test_cli import run_cli as run_any_cli

ROOT = Path(__file__).parents[1]


def run_cli(tmp_path: Path, *args: str):
    """This checkout's CLI (not another one the virtualenv may have installed)."""
    return run_any_cli(tmp_path, *args, PYTHONPATH=str(ROOT))


def test_check_prompt_prints_the_decision(tmp_path: Path):
    blocked = run_cli(tmp_path, "check-prompt", "a n 4 k e d giant")
    assert blocked.returncode == 1, blocked.stderr
    assert json.loads(blocked.stdout) == {"allowed": False, "category": "sexual", "term": "naked"}
    allowed = run_cli(tmp_path, "check-prompt", "a shooting star over a bloody mary")
    assert allowed.returncode == 0, allowed.stderr
    assert json.loads(allowed.stdout) == {"allowed": True, "category": None, "term": None}


def test_check_prompt_uses_a_servers_terms_and_records_nothing(tmp_path: Path):
    async def add_term() -> None:
        store = await Store.open(tmp_path / "var" / "imagine.db")
        try:
            await Moderator(store).add_term(42, "mammoth", "block", moderator_id=1)
        finally:
            await store.close()

    asyncio.run(add_term())
    here = run_cli(tmp_path, "check-prompt", "two mammoths", "--guild", "42")
    assert json.loads(here.stdout) == {"allowed": False, "category": "custom", "term": "mammoth"}
    elsewhere = run_cli(tmp_path, "check-prompt", "two mammoths", "--guild", "43")
    assert json.loads(elsewhere.stdout)["allowed"] is True
    with sqlite3.connect(tmp_path / "var" / "imagine.db") as db:
        assert db.execute("SELECT COUNT(*) FROM moderation_blocks").fetchone() == (0,)


def test_check_image_as_upload_and_as_output(tmp_path: Path):
    Image.fromarray(skimage.data.astronaut()).save(tmp_path / "astronaut.png")
    Image.fromarray(skimage.data.coffee()).save(tmp_path / "coffee.jpg")
    (tmp_path / "notes.png").write_text("not an image")

    face = run_cli(tmp_path, "check-image", "astronaut.png", "--upload")
    assert face.returncode == 1, face.stderr
    verdict = json.loads(face.stdout)
    assert verdict["allowed"] is False and verdict["reason"] == "a realistic face"
    as_output = run_cli(tmp_path, "check-image", "astronaut.png", "--output")
    assert json.loads(as_output.stdout)["allowed"] is True  # results are checked for nudity
    coffee = run_cli(tmp_path, "check-image", "coffee.jpg")
    assert coffee.returncode == 0 and json.loads(coffee.stdout)["allowed"] is True
    broken = run_cli(tmp_path, "check-image", "notes.png")
    assert json.loads(broken.stdout) == {
        "allowed": False,
        "reason": "That file is not an image: send a PNG, JPEG or WebP.",
    }
    missing = run_cli(tmp_path, "check-image", "nowhere.png")
    assert missing.returncode == 1 and json.loads(missing.stdout)["allowed"] is False
    assert "Traceback" not in missing.stderr
