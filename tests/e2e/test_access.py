"""Phased access through the fake Discord: a server admin limits the bot to some roles."""

from __future__ import annotations

from studio.studio import Requester
from tests.e2e.conftest import ALICE, BOB, bot_settings, ephemeral_answer, start_bot, stop_bot
from tests.fakediscord import FLAG_EPHEMERAL, OWNER_ID

BETA = 9001


def role_option(fake, role_id: int) -> dict:
    return {
        "extra_options": [{"name": "role", "type": 8, "value": str(role_id)}],
        "resolved": {"roles": {str(role_id): fake.role(role_id)}},
    }


async def answer(inter) -> dict:
    return (await inter.wait_callback()).json["data"]


async def test_only_allowed_roles_may_imagine_and_a_refusal_costs_nothing(fake, tmp_path):
    fake.roles[BETA] = "beta testers"
    fake.member_roles[BOB] = [BETA]
    bot, task = await start_bot(fake, bot_settings(fake, tmp_path / "var", local_worker=False))
    try:
        show = await fake.slash_command("access", subcommand="show", user_id=OWNER_ID)
        shown = await answer(show)
        assert shown["content"] == "Every member of this server may use Imagine."
        allow = await fake.slash_command(
            "access", subcommand="allow", user_id=OWNER_ID, **role_option(fake, BETA)
        )
        allowed = await answer(allow)
        assert allowed["flags"] & FLAG_EPHEMERAL
        assert allowed["content"] == (
            f"Only members with one of these roles may use Imagine: <@&{BETA}>."
        )
        again = await fake.slash_command(
            "access", subcommand="allow", user_id=OWNER_ID, **role_option(fake, BETA)
        )
        assert (await answer(again))["content"].startswith(f"<@&{BETA}> was already allowed.")

        refused = await fake.slash_command("imagine", {"prompt": "a fox"}, user_id=ALICE)
        text = await ephemeral_answer(refused)
        assert f"open to members with these roles: <@&{BETA}>" in text
        assert await bot.studio.balance(Requester(ALICE)) == 50
        (jobs,) = await bot.studio.store.fetchone("SELECT COUNT(*) FROM jobs")
        assert jobs == 0

        accepted = await fake.slash_command("imagine", {"prompt": "a fox"}, user_id=BOB)
        await accepted.wait_callback()
        await accepted.wait_original_edit(lambda c: "queued" in c.json.get("content", ""))
        (jobs,) = await bot.studio.store.fetchone("SELECT COUNT(*) FROM jobs")
        assert jobs == 1 and await bot.studio.balance(Requester(BOB)) == 49

        opened = await fake.slash_command("access", subcommand="open", user_id=OWNER_ID)
        assert (await answer(opened))["content"] == "Every member of this server may use Imagine."
    finally:
        await stop_bot(bot, task)
