"""The serving processes' event loop: uvloop's where it is installed, asyncio's otherwise."""

from __future__ import annotations

import asyncio
import gc
import sys

import pytest

from app.serve import run_loop, settle_heap


async def loop_module() -> str:
    return type(asyncio.get_running_loop()).__module__


def test_the_bot_and_the_api_run_on_uvloop_where_it_is_installed() -> None:
    assert run_loop(loop_module()).startswith("uvloop")


def test_without_uvloop_asyncio_serves(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "uvloop", None)  # as on Windows, where it does not build
    assert run_loop(loop_module()).startswith("asyncio")


def test_discord_py_reads_its_json_with_orjson() -> None:
    """discord.py's "speed" extra: gateway events and REST bodies parsed in Rust."""
    import discord.utils

    assert discord.utils.HAS_ORJSON


def test_what_start_up_built_is_left_out_of_later_collections() -> None:
    before = gc.get_freeze_count()
    kept = [[] for _ in range(1000)]  # lists: tracked by the collector
    try:
        settle_heap()
        assert gc.get_freeze_count() >= before + len(kept)
    finally:
        gc.unfreeze()
