"""Credits through the fake Discord: /credits, /credits-admin, credit packs bought on Discord."""

from __future__ import annotations

from studio.studio import Requester
from tests.e2e.conftest import BOB, Studio, bot_settings, start_bot, stop_bot
from tests.fakediscord import APPLICATION_ID, FLAG_EPHEMERAL, OWNER_ID

PACK_SKU = 777


async def test_credits_shows_free_and_paid_and_the_refill(studio: Studio):
    inter = await studio.fake.slash_command("credits", user_id=BOB)
    answer = (await inter.wait_callback()).json["data"]
    assert answer["flags"] & FLAG_EPHEMERAL
    assert answer["content"].startswith("You have **50** credits: 50 free, 0 paid.")
    assert (
        "15 new free credits arrive" in answer["content"] and "welcome credits" in answer["content"]
    )


def member_option(fake, user_id: int) -> dict:
    """The ``user`` option of an admin command, resolved as Discord sends it."""
    return {
        "extra_options": [{"name": "user", "type": 6, "value": str(user_id)}],
        "resolved": {
            "users": {str(user_id): fake.user(user_id)},
            "members": {str(user_id): fake.member(user_id, with_user=False, permissions=True)},
        },
    }


async def test_admins_grant_and_audit_credits(studio: Studio):
    fake = studio.fake
    member = member_option(fake, BOB)
    grant = await fake.slash_command(
        "credits-admin",
        {"amount": 20, "reason": "contest winner"},
        subcommand="grant",
        user_id=OWNER_ID,
        **member,
    )
    answer = (await grant.wait_callback()).json["data"]["content"]
    assert f"<@{BOB}> now has **70** credits: 50 free, 0 paid, 20 granted." in answer
    take = await fake.slash_command(
        "credits-admin",
        {"amount": -500, "reason": "oops"},
        subcommand="grant",
        user_id=OWNER_ID,
        **member,
    )
    refusal = await take.wait_callback()
    assert "you can take at most that" in refusal.json["data"]["content"]
    history = await fake.slash_command(
        "credits-admin", subcommand="history", user_id=OWNER_ID, **member
    )
    text = (await history.wait_callback()).json["data"]["content"]
    assert "`+20` grant · admin grant · contest winner" in text
    assert await studio.bot.studio.balance(Requester(BOB, guild_id=fake.guild_id)) == 70
    assert await studio.balance(BOB) == 50  # a server's grant is spent on that server only


async def test_a_bought_pack_is_granted_once_and_consumed(fake, tmp_path):
    settings = bot_settings(fake, tmp_path / "var", credit_pack_sku_id=PACK_SKU, local_worker=False)
    bot, task = await start_bot(fake, settings)
    try:
        entitlement = {
            "id": "9001",
            "sku_id": str(PACK_SKU),
            "application_id": str(APPLICATION_ID),
            "user_id": str(BOB),
            "type": 8,
            "deleted": False,
            "consumed": False,
        }
        for _ in range(2):  # Discord may deliver an event twice
            await fake.dispatch("ENTITLEMENT_CREATE", entitlement)
        await fake.sync()
        for _ in range(100):
            if fake.consumed.count(9001) == 2:
                break
            await fake.sync()
        studio = Studio(fake, bot, settings, task)
        assert await studio.balance(BOB) == 50 + 115
        assert 9001 in fake.consumed
    finally:
        await stop_bot(bot, task)


async def test_credits_per_server_keep_a_grant_on_its_server(fake, tmp_path):
    settings = bot_settings(fake, tmp_path / "var", credits_per_server=True, local_worker=False)
    bot, task = await start_bot(fake, settings)
    try:
        grant = await fake.slash_command(
            "credits-admin",
            {"amount": 20, "reason": "server prize"},
            subcommand="grant",
            user_id=OWNER_ID,
            **member_option(fake, BOB),
        )
        assert "now has **70** credits" in (await grant.wait_callback()).json["data"]["content"]
        shown = await fake.slash_command("credits", user_id=BOB)
        content = (await shown.wait_callback()).json["data"]["content"]
        assert content.startswith("You have **70** credits: 50 free, 0 paid, 20 granted.")
        assert await bot.studio.balance(Requester(BOB, guild_id=fake.guild_id)) == 70
        assert await bot.studio.balance(Requester(BOB)) == 50  # in DMs: not this server's
    finally:
        await stop_bot(bot, task)
