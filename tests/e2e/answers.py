"""Small helpers for slash command options the fake needs resolved, and for answers."""

from __future__ import annotations

from tests.fakediscord import FakeDiscord, FakeInteraction
from tests.fakediscord import payloads as p


def user_option(fake: FakeDiscord, name: str, user_id: int) -> dict:
    """``extra_options`` and ``resolved`` for a user option (type 6)."""
    return {
        "extra_options": [{"name": name, "type": 6, "value": str(user_id)}],
        "resolved": {
            "users": {str(user_id): fake.user(user_id)},
            "members": {str(user_id): fake.member(user_id, with_user=False, permissions=True)},
        },
    }


def channel_option(fake: FakeDiscord, name: str, channel_id: int) -> dict:
    """``extra_options`` and ``resolved`` for a channel option (type 7)."""
    channel = {**fake.channel(channel_id), "permissions": str(p.ALL_PERMISSIONS)}
    return {
        "extra_options": [{"name": name, "type": 7, "value": str(channel_id)}],
        "resolved": {"channels": {str(channel_id): channel}},
    }


async def answer(inter: FakeInteraction, timeout: float = 30) -> dict:
    """The message the bot answered with: the callback's, or after a defer the followup."""
    callback = await inter.wait_callback(timeout)
    assert callback.ok, callback
    if callback.type in (4, 7):
        return inter.fake.message(inter.original_id)
    if callback.type == 6:  # a deferred update: the page edited in place, or a followup
        done = await inter.fake.wait_for_call(
            lambda c: (
                c.ok and c.method in ("POST", "PATCH") and c.path.startswith(inter.webhook_path)
            ),
            timeout,
            since=inter.first_call,
            what=f"the answer to interaction {inter.id}",
        )
        return done.response
    followup = await inter.wait_followup(timeout=timeout)
    return followup.response or inter.fake.message(inter.original_id)


def is_ephemeral(message: dict) -> bool:
    return bool(int(message["flags"]) & p.FLAG_EPHEMERAL)
