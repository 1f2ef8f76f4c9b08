"""Self-tests of the fake Discord, driven by a tiny real discord.py bot."""

from __future__ import annotations

import asyncio
import contextlib
import io
import traceback
from collections.abc import AsyncIterator

import aiohttp
import discord
import pytest
from discord import app_commands
from discord.ext import commands
from PIL import Image

from tests.fakediscord import (
    APPLICATION_ID,
    CHANNEL_ID,
    FLAG_EPHEMERAL,
    GUILD_ID,
    INTENT_MESSAGE_CONTENT,
    ApiError,
    FakeDiscord,
)

WEBHOOKS = rf"^/webhooks/{APPLICATION_ID}/"


def png(color: str = "red", size: tuple[int, int] = (8, 6)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, "PNG")
    return buffer.getvalue()


class Reroll(discord.ui.DynamicItem[discord.ui.Button], template=r"reroll:(?P<seed>\d+)"):
    """A persistent button that survives restarts: its state lives in the custom id."""

    def __init__(self, seed: int) -> None:
        super().__init__(discord.ui.Button(label="Reroll", custom_id=f"reroll:{seed}"))
        self.seed = seed

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match
    ) -> Reroll:
        return cls(int(match["seed"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        await interaction.response.edit_message(content=f"rerolled {self.seed}")


class PingView(discord.ui.View):
    def __init__(self) -> None:
        super().__init__(timeout=None)

    @discord.ui.button(label="Ping", custom_id="tiny:ping")
    async def ping(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        await interaction.response.send_message("pong", ephemeral=True)


class NameModal(discord.ui.Modal, title="Your name"):
    name = discord.ui.TextInput(label="Name", custom_id="name:text")

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message(f"hi {self.name.value}")


@app_commands.command(description="Ask for a name")
async def ask(interaction: discord.Interaction) -> None:
    await interaction.response.send_modal(NameModal(custom_id="ask:modal"))


@app_commands.command(description="Pick a style")
async def style(interaction: discord.Interaction, name: str) -> None:
    await interaction.response.send_message(f"style {name}")


@style.autocomplete("name")
async def style_names(interaction: discord.Interaction, current: str) -> list:
    names = ["watercolor", "wax", "oil"]
    return [app_commands.Choice(name=n, value=n) for n in names if n.startswith(current)]


class TinyBot(commands.Bot):
    """Just enough bot to exercise the fake: commands, buttons, replies."""

    def __init__(self, *, message_content: bool = True) -> None:
        intents = discord.Intents.default()
        intents.message_content = message_content
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=intents,
            help_command=None,
            guild_ready_timeout=0.05,  # on_ready 2 s after the last GUILD_CREATE otherwise
        )
        self.errors: list[BaseException] = []
        self.seen: asyncio.Queue[discord.Message] = asyncio.Queue()
        self.edits: asyncio.Queue[tuple[int, bytes]] = asyncio.Queue()
        self.late_errors: asyncio.Queue[discord.HTTPException] = asyncio.Queue()
        self.release_later = asyncio.Event()
        self.reactions: asyncio.Queue[discord.RawReactionActionEvent] = asyncio.Queue()

    async def setup_hook(self) -> None:
        self.tree.on_error = self.on_tree_error
        self.add_dynamic_items(Reroll)
        self.add_view(PingView())
        self.tree.add_command(app_commands.Command(name="draw", description="Draw", callback=draw))
        self.tree.add_command(
            app_commands.Command(name="later", description="Wait", callback=later)
        )
        self.tree.add_command(ask)
        self.tree.add_command(style)
        await self.tree.sync()

    async def on_tree_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError
    ) -> None:
        traceback.print_exception(error)
        self.errors.append(error)

    async def on_error(self, event: str, *args: object, **kwargs: object) -> None:
        traceback.print_exc()
        self.errors.append(RuntimeError(f"error in {event}"))

    async def on_raw_reaction_add(self, event: discord.RawReactionActionEvent) -> None:
        await self.reactions.put(event)

    async def on_raw_reaction_remove(self, event: discord.RawReactionActionEvent) -> None:
        await self.reactions.put(event)

    async def on_message(self, message: discord.Message) -> None:
        if message.author.bot:
            return
        await self.seen.put(message)
        resolved = message.reference.resolved if message.reference else None
        if isinstance(resolved, discord.Message) and resolved.author == self.user:
            data = await message.attachments[0].read() if message.attachments else b""
            await self.edits.put((resolved.id, data))
            await message.reply(f"editing {resolved.id}: {len(data)} bytes")


async def draw(
    interaction: discord.Interaction, prompt: str, init: discord.Attachment | None = None
) -> None:
    """Defer, then send the picture as a followup with persistent buttons."""
    await interaction.response.defer(thinking=True)
    size = len(await init.read()) if init else 0
    view = PingView()
    view.add_item(Reroll(7))
    await interaction.followup.send(
        f"{prompt} (init {size} bytes)", file=discord.File(io.BytesIO(png()), "art.png"), view=view
    )


async def later(interaction: discord.Interaction) -> None:
    """Defer, wait for the test, then try a followup (the token may have expired by then)."""
    await interaction.response.defer()
    client: TinyBot = interaction.client  # type: ignore[assignment]
    await client.release_later.wait()
    try:
        await interaction.followup.send("finally")
    except discord.HTTPException as error:
        await client.late_errors.put(error)


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord() as running:
        undo = running.install()
        try:
            yield running
        finally:
            undo()


@contextlib.asynccontextmanager
async def running(fake: FakeDiscord, client: TinyBot) -> AsyncIterator[TinyBot]:
    """Start the client against the fake, wait for READY, and always close it again."""
    task = asyncio.create_task(client.start("fake-token"))
    try:
        await _ready(fake, task)
        yield client
        if task.done():
            task.result()  # the client died mid-test: show why
    finally:
        await client.close()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(task, 5)
    assert not client.errors, f"the bot raised: {client.errors}"


async def _ready(fake: FakeDiscord, task: asyncio.Task) -> None:
    """Wait for the fake's READY, failing at once if the client task died instead."""
    ready = asyncio.ensure_future(fake.wait_ready(timeout=8))
    await asyncio.wait({ready, task}, return_when=asyncio.FIRST_COMPLETED)
    if not ready.done():
        ready.cancel()
        task.result()  # raises the client's error
        raise RuntimeError("client stopped before READY")
    ready.result()


@pytest.fixture
async def bot(fake: FakeDiscord) -> AsyncIterator[TinyBot]:
    async with running(fake, TinyBot()) as client:
        yield client


async def test_login_ready_and_command_sync(fake: FakeDiscord, bot: TinyBot) -> None:
    await asyncio.wait_for(bot.wait_until_ready(), 5)
    assert bot.user is not None and bot.user.id == APPLICATION_ID
    assert bot.application_id == APPLICATION_ID
    guild = bot.get_guild(GUILD_ID)
    assert guild is not None and guild.me is not None
    assert isinstance(bot.get_channel(CHANNEL_ID), discord.TextChannel)
    assert fake.identified_intents is not None
    assert fake.identified_intents & INTENT_MESSAGE_CONTENT
    assert {c["name"] for c in fake.synced_commands[None]} == {"draw", "later", "ask", "style"}
    paths = [call.path for call in fake.calls]
    assert paths[:2] == ["/users/@me", "/oauth2/applications/@me"]


async def test_answers_are_exactly_application_json(fake: FakeDiscord) -> None:
    async with aiohttp.ClientSession() as session:
        async with session.get(f"{fake.api_base}/users/@me") as response:
            assert response.headers["Content-Type"] == "application/json"
        async with session.get(f"{fake.api_base}/no/such/route") as response:
            assert response.status == 404
            assert await response.json() == {"message": "Unknown route", "code": 0}
    assert fake.calls[-1].path == "/no/such/route" and fake.calls[-1].status == 404


async def test_deferred_command_followup_carries_the_file(fake: FakeDiscord, bot: TinyBot) -> None:
    init = png("blue", (4, 4))
    inter = await fake.slash_command(
        "draw", {"prompt": "a cat"}, attachments={"init": ("init.png", init, "image/png")}
    )
    callback = await inter.wait_callback(timeout=5)
    assert callback.ok and callback.type == 5
    assert inter.callback_latency is not None and inter.callback_latency < 3

    followup = await inter.wait_followup(timeout=5)
    assert followup.json["content"] == f"a cat (init {len(init)} bytes)"
    assert [(f.filename, f.data) for f in followup.files] == [("art.png", png())]
    message = fake.message(followup.response["id"])
    assert message == inter.original_message()  # the first followup replaced "thinking…"
    attachment = message["attachments"][0]
    assert (attachment["width"], attachment["height"], attachment["content_type"]) == (
        8,
        6,
        "image/png",
    )


async def test_persistent_buttons_edit_and_reply(fake: FakeDiscord, bot: TinyBot) -> None:
    inter = await fake.slash_command("draw", {"prompt": "a dog"})
    message_id = (await inter.wait_followup(timeout=5)).response["id"]

    reroll = await fake.click_button(message_id, "reroll:7")
    assert (await reroll.wait_callback(timeout=5)).type == 7
    assert fake.message(message_id)["content"] == "rerolled 7"

    ping = await fake.click_button(message_id, "tiny:ping")
    callback = await ping.wait_callback(timeout=5)
    assert callback.type == 4 and callback.json["data"]["content"] == "pong"
    original = ping.original_message()
    assert original is not None and original["flags"] & FLAG_EPHEMERAL

    with pytest.raises(LookupError):
        await fake.click_button(message_id, "no-such-button")


async def test_reply_with_attachment_resolves_the_bot_message(
    fake: FakeDiscord, bot: TinyBot
) -> None:
    inter = await fake.slash_command("draw", {"prompt": "a fox"})
    bot_message_id = int((await inter.wait_followup(timeout=5)).response["id"])
    mask = png("white", (3, 3))

    sent = await fake.user_message(
        "make it blue", reply_to=bot_message_id, attachments=[("mask.png", mask, "image/png")]
    )

    assert await asyncio.wait_for(bot.edits.get(), 5) == (bot_message_id, mask)
    reply = await fake.wait_for_call(
        lambda c: c.method == "POST" and c.path == f"/channels/{CHANNEL_ID}/messages", timeout=5
    )
    assert reply.json["message_reference"]["message_id"] == int(sent["id"])
    stored = fake.message(reply.response["id"])
    assert stored["type"] == 19 and stored["referenced_message"]["id"] == sent["id"]
    assert stored["content"] == f"editing {bot_message_id}: {len(mask)} bytes"


async def test_rate_limited_followup_is_retried_once(fake: FakeDiscord, bot: TinyBot) -> None:
    fake.fail_next("POST", WEBHOOKS, 429, retry_after=0.1)
    inter = await fake.slash_command("draw", {"prompt": "rain"})

    await inter.wait_followup(timeout=5)
    attempts = fake.calls_matching("POST", WEBHOOKS)
    assert [(c.status, c.fault) for c in attempts] == [(429, True), (200, False)]
    assert attempts[1].time - attempts[0].time >= 0.1
    assert len(inter.followups()) == 1
    assert [m["content"] for m in fake.bot_messages()] == ["rain (init 0 bytes)"]


async def test_expired_token_answers_401(fake: FakeDiscord, bot: TinyBot) -> None:
    inter = await fake.slash_command("later")
    assert (await inter.wait_callback(timeout=5)).type == 5

    fake.expire_token(inter)
    bot.release_later.set()

    error = await asyncio.wait_for(bot.late_errors.get(), 5)
    assert (error.status, error.code) == (401, 50027)
    assert inter.followups() == []


async def test_resume_replays_what_was_missed(fake: FakeDiscord, bot: TinyBot) -> None:
    await fake.disconnect_gateway()
    await fake.user_message("sent while the bot was away")

    await fake.wait_resumed(timeout=10)
    seen = await asyncio.wait_for(bot.seen.get(), 5)
    assert seen.content == "sent while the bot was away"
    assert fake.gateway.resumes == 1 and len(fake.gateway.identify_payloads) == 1


async def test_modal_and_autocomplete(fake: FakeDiscord, bot: TinyBot) -> None:
    ask = await fake.slash_command("ask")
    assert (await ask.wait_callback(timeout=5)).type == 9
    assert ask.modal is not None and ask.modal["custom_id"] == "ask:modal"

    submit = await fake.submit_modal("ask:modal", {"name:text": "Ada"})
    assert (await submit.wait_callback(timeout=5)).type == 4
    assert submit.original_message()["content"] == "hi Ada"

    complete = await fake.autocomplete("style", {"name": "wa"}, focused="name")
    assert (await complete.wait_callback(timeout=5)).type == 8
    assert [choice["value"] for choice in complete.choices] == ["watercolor", "wax"]


async def test_channel_message_routes(fake: FakeDiscord, bot: TinyBot) -> None:
    channel = bot.get_channel(CHANNEL_ID)
    assert isinstance(channel, discord.TextChannel)
    sent = await channel.send("hello", file=discord.File(io.BytesIO(b"abc"), "note.txt"))
    assert sent.attachments[0].content_type == "text/plain"
    assert await sent.attachments[0].read() == b"abc"

    await sent.add_reaction("🎨")
    assert fake.calls[-1].path.endswith("/reactions/🎨/@me")
    fetched = await channel.fetch_message(sent.id)
    assert fetched.reactions[0].me and str(fetched.reactions[0].emoji) == "🎨"

    await fake.add_reaction(sent.id, "👍")
    raw = await asyncio.wait_for(bot.reactions.get(), 5)
    if raw.user_id == APPLICATION_ID:  # the bot's own 🎨 comes first
        raw = await asyncio.wait_for(bot.reactions.get(), 5)
    assert (raw.message_id, str(raw.emoji), raw.user_id) == (sent.id, "👍", fake.default_user_id)

    edited = await sent.edit(content="hello again", attachments=[])
    assert edited.content == "hello again" and edited.attachments == []
    assert fake.message(sent.id)["edited_timestamp"] is not None

    gone = discord.MessageReference(message_id=1, channel_id=CHANNEL_ID, fail_if_not_exists=False)
    orphan = await channel.send("orphan", reference=gone)
    assert orphan.reference is None
    with pytest.raises(discord.HTTPException) as refused:
        await channel.send(
            "strict", reference=discord.MessageReference(message_id=1, channel_id=CHANNEL_ID)
        )
    assert refused.value.code == 50035

    await sent.delete()
    with pytest.raises(discord.NotFound):
        await channel.fetch_message(sent.id)
    history = [m.content async for m in channel.history(limit=10)]
    assert history == ["orphan"]


async def test_forum_posts_and_reaction_removal(fake: FakeDiscord, bot: TinyBot) -> None:
    await fake.add_forum_channel(3100, "art")
    await fake.sync()
    forum = bot.get_channel(3100)
    assert isinstance(forum, discord.ForumChannel)
    post = await forum.create_thread(
        name="a fox", content="look", file=discord.File(io.BytesIO(png()), "fox.png")
    )
    assert post.thread.id == post.message.id and post.thread.parent_id == 3100
    assert [t["name"] for t in fake.threads_of(3100)] == ["a fox"]
    assert fake.bot_messages(post.thread.id)[0]["attachments"][0]["filename"] == "fox.png"
    with pytest.raises(ApiError, match="non-forum"):
        await fake.create_forum_post(CHANNEL_ID, {"name": "x", "message": {"content": "x"}}, [])

    await fake.add_reaction(post.message.id, "👍")
    await fake.remove_reaction(post.message.id, "👍")
    added = await asyncio.wait_for(bot.reactions.get(), 5)
    removed = await asyncio.wait_for(bot.reactions.get(), 5)
    assert (added.event_type, removed.event_type) == ("REACTION_ADD", "REACTION_REMOVE")
    assert (
        removed.message_id == post.message.id and fake.message(post.message.id)["reactions"] == []
    )

    await post.thread.delete()
    assert fake.threads_of(3100) == [] and post.message.id not in fake.messages


async def test_server_errors_are_retried(fake: FakeDiscord, bot: TinyBot) -> None:
    fake.fail_next("POST", rf"^/channels/{CHANNEL_ID}/messages$", 500)
    channel = bot.get_channel(CHANNEL_ID)
    assert isinstance(channel, discord.TextChannel)
    message = await channel.send("after a 500")  # discord.py waits 1 s, then retries
    statuses = [c.status for c in fake.calls_matching("POST", "/messages$")]
    assert statuses == [500, 200] and fake.message(message.id)["content"] == "after a 500"


async def test_webhook_original_routes(fake: FakeDiscord, bot: TinyBot) -> None:
    inter = await fake.slash_command("later")
    await inter.wait_callback(timeout=5)
    webhook = discord.Webhook.partial(APPLICATION_ID, inter.token, client=bot)

    edited = await webhook.edit_message(inter.original_id, content="working…")
    assert edited.content == "working…" and not edited.flags.loading
    assert (await webhook.fetch_message(inter.original_id)).content == "working…"
    await webhook.delete_message("@original")  # type: ignore[arg-type]  # as bot/discord/delivery.py does
    assert inter.original_message() is None
    bot.release_later.set()
    await inter.wait_followup(timeout=5)
    assert len(inter.followups()) == 1


async def test_without_message_content_intent(fake: FakeDiscord) -> None:
    async with running(fake, TinyBot(message_content=False)) as client:
        assert fake.identified_intents is not None
        assert not fake.identified_intents & INTENT_MESSAGE_CONTENT
        await fake.user_message("secret", attachments=[("a.txt", b"a", "text/plain")])
        hidden = await asyncio.wait_for(client.seen.get(), 5)
        assert (hidden.content, hidden.attachments) == ("", [])
        await fake.user_message(f"<@{APPLICATION_ID}> hello")
        mentioned = await asyncio.wait_for(client.seen.get(), 5)
        assert mentioned.content == f"<@{APPLICATION_ID}> hello"
