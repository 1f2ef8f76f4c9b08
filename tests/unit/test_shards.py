"""SHARD_COUNT and SHARD_IDS: which of Discord's shards a bot process holds."""

from __future__ import annotations

from types import SimpleNamespace
from typing import cast

import pytest

from app.discord.client import ImagineBot, ShardedImagineBot, make_bot
from data.settings import SettingsError, load_settings
from studio.settings import Settings
from studio.studio import Studio

NO_STUDIO = cast(Studio, SimpleNamespace(store=None))  # the bot is built, never started


REDIS = "redis://queue-host:6379/0"  # never connected to: settings only


def _settings(tmp_path, **values) -> Settings:
    values.setdefault("queue", REDIS)
    return load_settings(Settings, _env_file=None, data_dir=tmp_path, model="tiny", **values)


def test_shard_ids_are_read_from_a_comma_separated_list(tmp_path):
    settings = _settings(tmp_path, shard_count="4", shard_ids="0, 2")
    assert settings.shard_count == 4 and settings.shard_ids == (0, 2)
    assert _settings(tmp_path).shard_count is None and _settings(tmp_path).shard_ids is None


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"shard_ids": "0"}, "SHARD_IDS needs SHARD_COUNT"),
        ({"shard_count": "2", "shard_ids": "1,2"}, "SHARD_IDS [2] are not shards of SHARD_COUNT=2"),
        ({"shard_count": "2", "shard_ids": "1,1"}, "SHARD_IDS names a shard twice"),
        ({"shard_count": "2", "shard_ids": "first"}, "SHARD_IDS must be shard numbers"),
        ({"shard_count": "0"}, "SHARD_COUNT is invalid"),
        ({"shard_count": "2", "shard_ids": "1", "queue": None}, "set QUEUE=redis://"),
    ],
)
def test_a_wrong_shard_setting_stops_with_one_sentence(tmp_path, values, message):
    with pytest.raises(SettingsError, match="Configuration error") as stopped:
        _settings(tmp_path, **values)
    assert message in str(stopped.value)


async def test_the_bot_connects_the_shards_it_was_given(tmp_path):
    one = make_bot(_settings(tmp_path), studio=NO_STUDIO)
    assert type(one) is ImagineBot and one.shard_count is None

    share = make_bot(_settings(tmp_path, shard_count="3", shard_ids="2"), studio=NO_STUDIO)
    assert isinstance(share, ShardedImagineBot)
    assert share.shard_count == 3 and share.shard_ids == [2]

    every = make_bot(_settings(tmp_path, shard_count="2", queue=None), studio=NO_STUDIO)
    assert every.shard_ids == [0, 1]
