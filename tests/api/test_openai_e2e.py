"""End to end: `make run` without a Discord token (``python -m bot run``) serves the Images
API with its real worker process (MODEL=tiny) and real database; OpenAI's own client makes
images through it, and the operator's terminal commands manage the keys."""

from __future__ import annotations

import base64
import io
import os
import re
import sqlite3
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from openai import AuthenticationError, BadRequestError, OpenAI
from PIL import Image, ImageChops

from tests.api.conftest import png, with_hole

ROOT = Path(__file__).parents[2]
STARTUP_TIMEOUT = 120  # a loaded 2-core machine
RESULT_TIMEOUT = 240  # the first request also waits for the worker to load torch

pytestmark = pytest.mark.filterwarnings("ignore:deprecated:DeprecationWarning")


@dataclass
class Server:
    url: str
    key: str
    curl: str
    data_dir: Path
    env: dict[str, str]

    def client(self, key: str | None = None) -> OpenAI:
        base_url, api_key = f"{self.url}/v1", key or self.key
        return OpenAI(base_url=base_url, api_key=api_key, max_retries=0, timeout=RESULT_TIMEOUT)

    def cli(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "bot", *args],
            cwd=self.data_dir.parent,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
        )

    def query(self, sql: str, *params) -> list[tuple]:
        with sqlite3.connect(self.data_dir / "imagine.db", timeout=30) as db:
            return db.execute(sql, params).fetchall()

    def spent(self, user_id: int) -> int:
        rows = self.query(
            "SELECT COALESCE(SUM(delta), 0) FROM ledger WHERE user_id = ?"
            " AND kind IN ('spend', 'refund')",
            user_id,
        )
        return -rows[0][0]


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[Server]:
    home = tmp_path_factory.mktemp("api-server")
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),  # this tree's code, whatever the venv's editable install says
        "MODEL": "tiny",
        "DATA_DIR": str(home / "var"),
        "DISCORD_TOKEN": "",
        "API_PORT": "0",  # any free port; the server prints the one it got
        # One member makes all of this module's requests, more than 6 a minute; the limit
        # itself is tested in test_api_contract.py.
        "RATE_LIMIT_JOBS": "30",
    }
    log = home / "server.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "bot", "run"], cwd=home, env=env, stdout=out, stderr=out
        )
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while "curl -s" not in (text := log.read_text(errors="replace")):
            assert process.poll() is None, text
            assert time.monotonic() < deadline, text
            time.sleep(0.2)
        url = re.search(r"Images API: (http://\S+)/v1", text).group(1)
        key = re.search(r"API key for the local operator account: (\S+)", text).group(1)
        curl = next(line.strip() for line in text.splitlines() if line.strip().startswith("curl"))
        assert "DISCORD_TOKEN is not set" in text  # and it still says how to add the bot
        yield Server(url, key, curl, home / "var", env)
    finally:
        process.terminate()
        process.wait(timeout=60)


def fetch(url: str) -> Image.Image:
    with urllib.request.urlopen(url, timeout=30) as answer:
        assert answer.headers["Content-Type"] == "image/png"
        return Image.open(io.BytesIO(answer.read()))


def decoded(b64: str) -> Image.Image:
    return Image.open(io.BytesIO(base64.b64decode(b64)))


def test_the_printed_curl_line_makes_an_image(server: Server):
    answer = subprocess.run(server.curl, shell=True, capture_output=True, text=True, timeout=300)
    assert '"url": "http' in answer.stdout, answer.stdout + answer.stderr
    link = re.search(r'"url": "([^"]+)"', answer.stdout).group(1)
    assert fetch(link).size == (64, 64)  # the tiny model's own square size, as made


def test_generate_as_urls_and_as_base64_at_the_credit_price(server: Server):
    client = server.client()
    before = server.spent(0)
    owned_before = server.query("SELECT COUNT(*) FROM images WHERE owner_id = 0")[0][0]
    models = client.models.list()
    assert models.data[0].id == "tiny" and "dall-e-2" in {m.id for m in models.data}

    five = client.images.generate(prompt="a purple mammoth", n=5, size="256x256", model="tiny")
    assert len(five.data) == 5 and five.created > 0
    assert all(fetch(item.url).size == (256, 256) for item in five.data)
    assert server.spent(0) - before == 2  # 5 images: up to 4 per credit, so 2

    # The tiny model runs without guidance: a negative prompt is refused (never silently
    # dropped), and the refusal costs nothing.
    with pytest.raises(BadRequestError) as ignored:
        client.images.generate(
            prompt="a purple mammoth", size="64x64", extra_body={"negative_prompt": "blur"}
        )
    assert ignored.value.code == "negative_prompt_unsupported"
    assert server.spent(0) - before == 2
    seeded = client.images.generate(
        prompt="a purple mammoth",
        size="64x64",
        response_format="b64_json",
        extra_body={"seed": 42},
    )
    image = decoded(seeded.data[0].b64_json)
    assert image.size == (64, 64) and image.text["seed"] == "42"
    assert server.spent(0) - before == 3
    reasons = server.query("SELECT reason FROM ledger WHERE kind = 'spend' AND user_id = 0")
    assert reasons and all(reason.endswith("(API)") for (reason,) in reasons)
    # The results are the member's: in their history, like a /imagine.
    owned = server.query("SELECT COUNT(*) FROM images WHERE owner_id = 0")[0][0]
    assert owned - owned_before == 5 + 1  # two jobs (4 + 1 images), then the seeded one


def test_edit_with_a_transparent_png_and_with_a_mask_keeps_the_rest(server: Server):
    client = server.client()
    before = server.spent(0)
    holed = with_hole()
    made = client.images.edit(
        image=("holed.png", png(holed)),
        prompt="a red sky",
        response_format="b64_json",
    )
    result = decoded(made.data[0].b64_json).convert("RGB")
    kept = (0, 0, 32, 64)  # the opaque left half
    original = holed.convert("RGB")
    assert ImageChops.difference(result.crop(kept), original.crop(kept)).getbbox() is None
    assert ImageChops.difference(result, original).getbbox() is not None  # the hole was painted

    opaque = Image.effect_noise((64, 64), 60).convert("RGB")
    mask = with_hole()  # transparent right half = paint there
    masked = client.images.edit(
        image=("photo.png", png(opaque)),
        mask=("mask.png", png(mask)),
        prompt="a red sky",
        n=2,
        response_format="b64_json",
    )
    assert len(masked.data) == 2
    for item in masked.data:
        out = decoded(item.b64_json).convert("RGB")
        assert ImageChops.difference(out.crop(kept), opaque.crop(kept)).getbbox() is None
    assert server.spent(0) - before == 2  # two edit requests of up to 3 images: 1 credit each


def test_variations(server: Server):
    client = server.client()
    before = server.spent(0)
    source = png(Image.effect_noise((64, 64), 60).convert("RGB"))
    varied = client.images.create_variation(image=("p.png", source), n=2, size="256x256")
    assert len(varied.data) == 2
    assert all(fetch(item.url).size == (256, 256) for item in varied.data)
    assert server.spent(0) - before == 1


def test_operator_keys_from_the_terminal_and_a_revoked_key_stops_at_once(server: Server):
    made = server.cli("api-key", "create", "--user", "4242", "--name", "scripts")
    assert made.returncode == 0, made.stderr
    key = made.stdout.strip().splitlines()[-1]
    assert key.startswith("imk_")
    client = server.client(key)
    assert client.models.list().data[0].id == "tiny"

    listed = server.cli("api-key", "list", "--user", "4242")
    key_id = key.split("_")[1]
    assert key_id in listed.stdout and "scripts" in listed.stdout and key not in listed.stdout

    revoked = server.cli("api-key", "revoke", "--user", "4242", key_id)
    assert revoked.returncode == 0, revoked.stderr
    with pytest.raises(AuthenticationError):
        client.models.list()
    again = server.cli("api-key", "revoke", "--user", "4242", key_id)
    assert again.returncode == 1 and "no active key" in again.stderr
    assert key not in (server.data_dir.parent / "server.log").read_text()  # never logged
