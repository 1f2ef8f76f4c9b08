"""The serving processes' event loop: uvloop's where it is installed, asyncio's otherwise."""

from __future__ import annotations

import asyncio
import sys

import pytest

from app.serve import run_loop


async def loop_module() -> str:
    return type(asyncio.get_running_loop()).__module__


def test_the_bot_and_the_api_run_on_uvloop_where_it_is_installed() -> None:
    assert run_loop(loop_module()).startswith("uvloop")


def test_without_uvloop_asyncio_serves(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "uvloop", None)  # as on Windows, where it does not build
    assert run_loop(loop_module()).startswith("asyncio")
