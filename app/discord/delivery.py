"""Getting answers to Discord: live status while a job runs, then the result, once.

While the interaction token lives (15 minutes) the result is a followup to the command;
after that, or when the followup fails, it is a channel message that mentions the user.
A private result (/settings: only me, or by DM) never goes to the channel: without a token
it is a DM, and when the member's DMs are closed it waits in /history and the channel only
says so (no prompt, no image).
Everything needed to deliver is kept in the job's ``origin``, so a job that finishes
after a restart is still delivered.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

import discord

from app.discord import buttons, fitting, recovery, render
from app.discord.acknowledging import AcknowledgeFirst
from app.discord.errors import words
from app.discord.people import interaction_origin, mention_only, requester
from app.discord.visible_mark import VisibleMarks
from data.images import ImageRecord
from data.origins import DiscordOrigin
from studio.errors import ImageRejected, StudioError, explain_failure
from studio.preferences import Privacy
from studio.studio import Studio
from studio.uploads import check_size
from studio.watcher import JobHandle, JobOutcome

log = logging.getLogger(__name__)

TOKEN_LIFETIME = 15 * 60
TOKEN_MARGIN = 30  # do not start a followup on a token about to expire
STATUS_EVERY = 1.5  # seconds between status edits (Discord allows 5 edits / 5 s)
# How long the status line waits for the job's first update (its place in the queue, within
# a watcher tick) before it says "queued" without one: one edit per request, not two.
FIRST_STATUS_WAIT = 1.0


class Delivery:
    def __init__(self, client: discord.Client, studio: Studio) -> None:
        self.client = client
        self.studio = studio
        self._delivering: set[str] = set()
        self._followers: set[asyncio.Task] = set()
        self.marks = VisibleMarks(studio.store)  # the per-server visible signature
        self.acknowledgements = AcknowledgeFirst()

    async def start(
        self,
        interaction: discord.Interaction,
        submit: Callable[[DiscordOrigin], Awaitable[JobHandle]],
        prompt: str,
    ) -> None:
        """Defer at once, submit, show the status line, and follow the job in the background.

        A refusal (bad prompt, no credits, bad upload) replaces the "thinking…" message with
        an ephemeral explanation that only the requester sees. Someone over the rate limit
        is told when to come back before anything is deferred, charged or queued.
        """
        with self.acknowledgements.acknowledging():
            try:
                # Before deferring: the use-case counts this interaction once (the API's too)
                user = requester(interaction.user)
                await self.studio.admit(user, interaction_origin(interaction))
            except StudioError as error:
                await self.refuse(interaction, words(error))
                return
            try:
                privacy = await self._privacy(interaction)
            except Exception:  # a settings read must not cost the request: deliver as always
                log.warning("could not read the /settings of %s", user.id, exc_info=True)
                privacy = Privacy.PUBLIC
            await interaction.response.defer(thinking=True, ephemeral=privacy != Privacy.PUBLIC)
        await self.acknowledgements.after_others()  # a flood: every command deferred first
        origin = interaction_origin(interaction).model_copy(update={"privacy": privacy})
        try:
            handle = await submit(origin)
        except StudioError as error:
            await self.refuse(interaction, words(error))
            return
        except Exception as error:  # a locked database, a full disk: say so, not "thinking…"
            log.exception("could not take a request from user %s", interaction.user.id)
            await self.refuse(interaction, explain_failure(error))
            return
        task = asyncio.create_task(self.follow(interaction, handle, prompt))
        self._followers.add(task)
        task.add_done_callback(self._followers.discard)

    async def _privacy(self, interaction: discord.Interaction) -> Privacy:
        """Where this member's results go (/settings: theirs, else the server's)."""
        defaults = await self.studio.preferences.effective(
            interaction.user.id, interaction.guild_id
        )
        return Privacy(defaults.privacy)  # a typed origin field, whatever the store kept

    async def refuse(self, interaction: discord.Interaction, message: str) -> None:
        if interaction.response.is_done():
            with contextlib.suppress(discord.HTTPException):
                await interaction.delete_original_response()
            await interaction.followup.send(message, ephemeral=True)
        else:
            await interaction.response.send_message(message, ephemeral=True)

    async def read_attachment(self, attachment: discord.Attachment) -> bytes:
        """Download an upload only when its announced size is within the limit."""
        check_size(attachment.size, self.studio.settings.max_upload_bytes)
        try:
            return await attachment.read()
        except discord.HTTPException:
            raise ImageRejected("Could not download the attachment; try again.") from None

    async def follow(
        self, interaction: discord.Interaction, handle: JobHandle, prompt: str
    ) -> None:
        """Edit the deferred response with the queue position, progress and the latest
        preview until done; a failed job's status line loses its preview. The first edit
        shows the job's first update, or "queued" after ``FIRST_STATUS_WAIT`` without one;
        a job done before either keeps "thinking…" until its result replaces it."""
        updates = aiter(handle.updates())
        first = asyncio.ensure_future(anext(updates, None))
        try:
            if not (await asyncio.wait({first}, timeout=FIRST_STATUS_WAIT))[0]:
                with contextlib.suppress(discord.HTTPException):
                    await interaction.edit_original_response(
                        content=render.status_line(prompt, None)
                    )
            update = await first
        finally:
            first.cancel()  # only when this task is cancelled while it waits
        last_edit = 0.0
        shown: bytes | None = None  # the preview attached to the status line
        while update is not None:
            if time.monotonic() - last_edit >= STATUS_EVERY:
                last_edit = time.monotonic()
                edit: dict[str, Any] = {"content": render.status_line(prompt, update)}
                if update.preview and update.preview != shown:
                    shown = update.preview
                    edit["attachments"] = [render.preview_file(update.preview)]
                with contextlib.suppress(discord.HTTPException):
                    await interaction.edit_original_response(**edit)
            update = await anext(updates, None)
        if shown is not None and not (await handle.outcome()).ok:
            with contextlib.suppress(discord.HTTPException):
                await interaction.edit_original_response(attachments=[])

    async def deliver(self, outcome: JobOutcome, *, after_restart: bool = False) -> None:
        """The watcher's listener: post the outcome where the request came from, once.

        ``after_restart`` (or a job taken over from a bot process that died): it may have
        been posted before marking; look in the channel first, and only mark the job if its
        result is already there.
        """
        after_restart = after_restart or outcome.recovered
        record, origin = outcome.job, outcome.job.origin
        if not isinstance(origin, DiscordOrigin) or record.id in self._delivering:
            return  # another adapter's job (terminal, HTTP), or being delivered right now
        self._delivering.add(record.id)
        try:
            if not await self.studio.watcher.awaits_delivery(record.id):  # ``record`` may be stale
                return
            if not (after_restart and await self._posted_before(outcome, origin)):
                await self._post(outcome, origin)
            await self.studio.watcher.mark_delivered(record.id)
        finally:
            self._delivering.discard(record.id)

    async def deliver_pending(self) -> None:
        """After a restart: results that finished while the bot was away."""
        for outcome in await self.studio.watcher.undelivered():
            if isinstance(outcome.job.origin, DiscordOrigin):
                await self.deliver(outcome, after_restart=True)

    async def _posted_before(self, outcome: JobOutcome, origin: DiscordOrigin) -> bool:
        """Whether the result reached the member before a crash: in the channel's history,
        in their DMs (a private result's first place), or, for an ephemeral result that
        no history shows, by its status line, which is deleted only once it was sent."""
        ephemeral = origin.privacy == Privacy.EPHEMERAL and outcome.ok
        if ephemeral and await self._status_line_gone(origin):
            log.info("job %s was sent ephemerally before the restart", outcome.job.id)
            return True
        channels = [await self._channel(origin.channel_id)]
        if origin.privacy != Privacy.PUBLIC:  # sent as a DM, or fell back to one
            with contextlib.suppress(discord.HTTPException):
                channels.insert(0, await self._dm_channel(origin.user_id))
        content = self._compose(outcome, origin.user_id, None)[0] if not outcome.ok else ""
        image_ids = {image.id for image in outcome.images}
        looks = [(channel, image_ids, content) for channel in channels]
        if origin.privacy != Privacy.PUBLIC:  # or only told, in the channel, where it waits
            notice = render.private_notice(outcome.ok, origin.user_id, outcome.job.id)
            looks.append((channels[-1], set(), notice))
        for channel, ids, text in looks:
            found = await recovery.find_posted(
                channel, self.client.user.id, origin.created_at, ids, text
            )
            if found is not None:
                log.info(
                    "job %s was posted before the restart (message %s)", outcome.job.id, found.id
                )
                return True
        return False

    async def _status_line_gone(self, origin: DiscordOrigin) -> bool:
        """True when the interaction's "thinking…" message was deleted (a live token only)."""
        webhook = self._live_webhook(origin)
        if webhook is None:
            return False
        try:
            await webhook.fetch_message("@original")  # type: ignore[arg-type]  # Discord's alias
        except discord.NotFound:
            return True
        except discord.HTTPException:
            return False
        return False

    async def _dm_channel(self, user_id: int) -> discord.abc.Messageable:
        user = await self._user(user_id)
        return user.dm_channel or await user.create_dm()

    async def _user(self, user_id: int) -> discord.User:
        return self.client.get_user(user_id) or await self.client.fetch_user(user_id)

    async def _channel(self, channel_id: int) -> discord.abc.Messageable:
        channel = self.client.get_channel(channel_id)
        if channel is None:
            channel = await self.client.fetch_channel(channel_id)
        return channel

    async def _post(self, outcome: JobOutcome, origin: DiscordOrigin) -> discord.Message | None:
        user_id = origin.user_id
        pngs = None
        marked = outcome.grid is None or await self.marks.enabled(origin.guild_id)
        if outcome.ok and marked:  # the copies to show: the server's visible signature, if any
            stored = await asyncio.to_thread(self._read, outcome.images)
            pngs = await self.marks.copies(origin.guild_id, stored)
        upload = await self._grid(outcome, pngs) if outcome.ok else None
        content, kwargs = self._compose(outcome, user_id, upload)
        webhook = self._live_webhook(origin)
        if origin.privacy == Privacy.DM:
            sent = await self._direct(outcome, user_id, content, kwargs)
            if sent is not None:
                if webhook is not None:
                    with contextlib.suppress(discord.HTTPException):
                        await webhook.edit_message(
                            "@original", content="Sent to your direct messages.", attachments=[]
                        )
                return sent
            kwargs = self._compose(outcome, user_id, upload)[1]  # DMs closed: ephemeral
        private = origin.privacy != Privacy.PUBLIC
        if private:
            kwargs["ephemeral"] = True
            webhook = self._application_webhook(origin) if webhook is not None else None
        if webhook is not None:
            try:
                message = await webhook.send(content, wait=True, **kwargs)
                if outcome.ok:
                    with contextlib.suppress(discord.HTTPException):
                        await webhook.delete_message("@original")  # the status line
                return message
            except discord.HTTPException as error:
                log.warning(
                    "followup for job %s failed (%s); posting in the channel", outcome.job.id, error
                )
                kwargs = self._compose(outcome, user_id, upload)[1]  # a send consumes files
        if private:  # a private result whose token expired (or failed): a DM if they take one
            fresh = self._compose(outcome, user_id, upload)[1]  # files are new again
            sent = await self._direct(outcome, user_id, content, fresh)
            if sent is not None:
                return sent
            return await self._notice(outcome, origin)  # never the result in the channel
        channel = await self._channel(origin.channel_id)
        reference = None
        if origin.reply_to:
            reference = discord.MessageReference(
                message_id=origin.reply_to,
                channel_id=origin.channel_id,
                fail_if_not_exists=False,
            )
        kwargs.pop("ephemeral", None)
        return await channel.send(content, reference=reference, **kwargs)

    async def _notice(self, outcome: JobOutcome, origin: DiscordOrigin) -> discord.Message:
        """Where a private result waits, told in its channel without any of it (no prompt,
        no image, no buttons): the member's token expired and their DMs are closed."""
        log.info("job %s: private, no token and no DM; waiting in /history", outcome.job.id)
        channel = await self._channel(origin.channel_id)
        return await channel.send(
            render.private_notice(outcome.ok, origin.user_id, outcome.job.id),
            allowed_mentions=mention_only(origin.user_id),
        )

    async def _direct(
        self, outcome: JobOutcome, user_id: int, content: str, kwargs: dict[str, Any]
    ) -> discord.Message | None:
        """The result as a direct message; None when the member does not take DMs."""
        try:
            return await (await self._user(user_id)).send(content, **kwargs)
        except discord.HTTPException as error:
            log.info("job %s: no DM to %s (%s)", outcome.job.id, user_id, error)
            return None

    def _live_webhook(self, origin: DiscordOrigin) -> discord.Webhook | None:
        if not origin.token or origin.application_id is None:
            return None
        if time.time() - origin.created_at > TOKEN_LIFETIME - TOKEN_MARGIN:
            return None
        return discord.Webhook.partial(origin.application_id, origin.token, client=self.client)

    def _application_webhook(self, origin: DiscordOrigin) -> discord.Webhook:
        """The interaction's followup webhook as discord.py builds ``Interaction.followup``
        (type 3, with the client's state): only such a webhook may send ephemerally."""
        payload = {"id": origin.application_id, "type": 3, "token": origin.token}
        return discord.Webhook.from_state(payload, state=self.client._connection)

    async def _grid(self, outcome: JobOutcome, pngs: list[bytes] | None) -> fitting.Upload:
        """The result's grid as a file within the upload limit (made once per delivery)."""
        if pngs is None and outcome.grid is not None:
            grid = outcome.grid  # made by the worker, and no signature changes the copies
        else:
            if pngs is None:
                pngs = await asyncio.to_thread(self._read, outcome.images)
            grid = await asyncio.to_thread(render.grid_jpeg, pngs)  # 0.1–1 s of CPU
        limit = self._upload_limit(outcome.job.origin)
        return await fitting.fitted(grid, render.GRID_STEM, limit)

    def _compose(
        self, outcome: JobOutcome, user_id: int, upload: fitting.Upload | None
    ) -> tuple[str, dict[str, Any]]:
        """The message's content and keyword arguments, with a new file object each time
        (a send consumes its files)."""
        mentions = mention_only(user_id)
        if not outcome.ok or upload is None:
            text = (
                f"<@{user_id}> your request **{outcome.job.prompt[:200] or outcome.job.kind}** "
                f"failed: {outcome.error}. Your credit was refunded."
            )
            return text, {"allowed_mentions": mentions}
        content = f"<@{user_id}>" + (render.GRID_NOTE if upload.reduced else "")
        return content, {
            "embed": render.result_embed(
                outcome.images, user_id, outcome.job.kind, upload.filename
            ),
            "file": discord.File(fp=io.BytesIO(upload.data), filename=upload.filename),
            "view": buttons.result_view(outcome.images),
            "allowed_mentions": mentions,
        }

    def _upload_limit(self, origin: object) -> int:
        """The largest file the answer may carry: the interaction's limit, else the
        server's (its boost tier), else Discord's default."""
        if not isinstance(origin, DiscordOrigin):
            return fitting.upload_limit(None)
        known = origin.upload_limit
        if not known and origin.guild_id:
            guild = self.client.get_guild(origin.guild_id)
            known = guild.filesize_limit if guild is not None else None
        return fitting.upload_limit(known)

    def _read(self, records: list[ImageRecord]) -> list[bytes]:
        """The stored files (runs in a thread: disk reads)."""
        return [self.studio.files.read(record) for record in records]
