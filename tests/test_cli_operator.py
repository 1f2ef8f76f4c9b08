"""The operator of an API-only install runs it from the terminal: ``make run`` keeps one
key across restarts, and credits, strikes and suspensions need no Discord."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from data.store import Store
from studio.errors import ContentBlocked
from studio.moderation import Moderator
from tests.test_cli import run_cli as run_any_cli

ROOT = Path(__file__).parents[1]
STARTUP_TIMEOUT = 120  # a loaded 2-core machine


def run_cli(tmp_path: Path, *args: str):
    return run_any_cli(tmp_path, *args, PYTHONPATH=str(ROOT))


@contextmanager
def make_run(tmp_path: Path) -> Iterator[tuple[str, str]]:
    """`make run` without a Discord token and without a worker, once it has printed its
    greeting: (the API's base URL, what it printed); stopped after the block."""
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "MODEL": "tiny",
        "DATA_DIR": str(tmp_path / "var"),
        "DISCORD_TOKEN": "",
        "API_PORT": "0",
        "LOCAL_WORKER": "false",
    }
    log = tmp_path / f"run-{time.monotonic_ns()}.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "bot", "run"], cwd=tmp_path, env=env, stdout=out, stderr=out
        )
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while "curl -s" not in (text := log.read_text(errors="replace")):
            assert process.poll() is None, text
            assert time.monotonic() < deadline, text
            time.sleep(0.2)
        yield re.search(r"Images API: (http://\S+)/v1", text).group(1), text
    finally:
        process.terminate()
        process.wait(timeout=60)


def models(url: str, key: str) -> int:
    request = urllib.request.Request(f"{url}/v1/models", headers={"Authorization": f"Bearer {key}"})
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status
    except urllib.error.HTTPError as error:
        return error.code


def test_make_run_keeps_the_operator_key_across_restarts(tmp_path: Path):
    with make_run(tmp_path) as (_, first):
        key = re.search(r"API key for the local operator account: (imk_\S+)", first).group(1)
    with make_run(tmp_path) as (url, second):
        assert key not in second and key.split("_")[1] in second  # named, not shown again
        assert "$IMAGINE_API_KEY" in second
        assert models(url, key) == 200  # a client configured with it keeps working
    listed = run_cli(tmp_path, "api-key", "list")  # the operator's keys: no --user needed
    assert re.search(rf"{key.split('_')[1]}\s+active\s+make run", listed.stdout), listed.stdout

    replaced = run_cli(tmp_path, "api-key", "create")  # a new operator key, shown once
    assert replaced.returncode == 0, replaced.stderr
    new_key = replaced.stdout.strip().splitlines()[-1]
    assert new_key.startswith("imk_") and new_key != key
    listed = run_cli(tmp_path, "api-key", "list").stdout
    assert re.search(rf"{key.split('_')[1]}\s+revoked", listed), listed
    revoked = run_cli(tmp_path, "api-key", "revoke", new_key.split("_")[1])
    assert revoked.returncode == 0, revoked.stderr
    with make_run(tmp_path) as (url, third):  # no operator key left: a new one, shown
        made = re.search(r"API key for the local operator account: (imk_\S+)", third)
        assert made and models(url, made.group(1)) == 200
        assert models(url, key) == 401


def test_credits_from_the_terminal_are_ledger_rows_like_discord_grants(tmp_path: Path):
    granted = run_cli(tmp_path, "credits", "grant", "4242", "25", "--reason", "beta tester")
    assert granted.returncode == 0, granted.stderr
    assert "granted +25 credits to user 4242" in granted.stdout
    shown = run_cli(tmp_path, "credits", "show", "4242")
    assert shown.returncode == 0, shown.stderr
    assert "75 credits (free 50, bought 0, granted 25)" in shown.stdout  # welcome 50 + 25
    assert "beta tester (by the operator)" in shown.stdout
    zero = run_cli(tmp_path, "credits", "grant", "4242", "0", "--reason", "nothing")
    assert zero.returncode == 1 and "non-zero" in zero.stderr
    taken = run_cli(tmp_path, "credits", "grant", "4242", "-5", "--reason", "refund abuse")
    assert taken.returncode == 0, taken.stderr
    assert "70 credits" in run_cli(tmp_path, "credits", "show", "4242").stdout


def test_strikes_and_lifting_a_suspension_without_discord(tmp_path: Path):
    async def strike_three_times() -> None:
        store = await Store.open(tmp_path / "var" / "imagine.db")
        try:
            moderator = Moderator(store)
            for _ in range(3):  # the console's own blocked prompts: suspended
                with contextlib.suppress(ContentBlocked):
                    await moderator.screen_prompt(0, None, "a gory battle")
        finally:
            await store.close()

    (tmp_path / "var").mkdir()
    asyncio.run(strike_three_times())
    strikes = run_cli(tmp_path, "mod", "strikes", "0")
    assert strikes.returncode == 0, strikes.stderr
    assert "3 blocked request(s)" in strikes.stdout
    assert "suspended on the terminal and DMs until" in strikes.stdout
    lifted = run_cli(tmp_path, "mod", "lift", "0")
    assert lifted.returncode == 0, lifted.stderr
    assert "lifted user 0's suspension" in lifted.stdout
    assert "suspended" not in run_cli(tmp_path, "mod", "strikes", "0").stdout
    again = run_cli(tmp_path, "mod", "lift", "0")
    assert again.returncode == 1 and "no running suspension" in again.stderr
    checked = run_cli(tmp_path, "check-prompt", "a purple mammoth")
    assert json.loads(checked.stdout)["allowed"] is True
