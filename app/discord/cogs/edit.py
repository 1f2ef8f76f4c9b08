"""Reply-to-edit: a reply to a result (or, mentioning the bot, to any image) edits it.

2 a red scarf --region bottom       inpaint the bottom half of image 2
a castle --extend right             outpaint: grow the canvas to the right
(attach a PNG with transparent areas, or a black/white mask, to paint exactly there)
"""

from __future__ import annotations

import contextlib
import logging
import re
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from app.discord import custom_ids, web_links
from app.discord.errors import words
from app.discord.people import message_origin, requester
from app.discord.reply_edit import parse_reply
from studio.errors import BadRequest, DirectMessagesOff, StudioError, explain_failure
from studio.library import image_id_in
from studio.studio import EditOptions, ImageSource

if TYPE_CHECKING:
    from app.discord.client import ImagineBot

log = logging.getLogger(__name__)

IMAGE_TYPES = ("image/png", "image/jpeg", "image/webp")
NEEDS_CONTENT_INTENT = (
    "I can't read the text of replies: the bot's Message Content intent is off. "
    "A server admin can enable it in the Discord developer portal (Bot → Privileged Gateway "
    "Intents) and set MESSAGE_CONTENT=true."
)


class EditCog(commands.Cog):
    def __init__(self, bot: ImagineBot) -> None:
        self.bot = bot

    @app_commands.command(name="edit-link", description="Edit one of your images in the browser")
    @app_commands.describe(image="The image id (from /history, /collection show or a result)")
    async def edit_link(self, interaction: discord.Interaction, image: str) -> None:
        """The web editor for an image the member may see: a short-lived, private link."""
        try:
            image_id = image_id_in(image)
            await web_links.send_editor_link(self.bot, interaction, image_id)
        except StudioError as error:
            await self.bot.delivery.refuse(interaction, words(error))

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        if message.author.bot or message.reference is None or message.reference.message_id is None:
            return
        target = await self._referenced(message)
        if target is None:
            return
        ours = target.author.id == self.bot.user.id
        if not ours and not (self.bot.user.mentioned_in(message) and _images(target)):
            return  # an ordinary conversation reply: not for us
        if ours and not _image_ids(target) and not _images(target):
            return  # a reply to one of our text messages: nothing to edit
        text = _without_mentions(message.content, self.bot.user.id)
        if not text and not self.bot.intents.message_content:
            await _answer(message, NEEDS_CONTENT_INTENT)
            return
        try:
            await self._edit(message, target, text)
        except StudioError as error:
            await _answer(message, words(error))
        except Exception as error:  # a bug or a locked database: an answer, not silence
            log.error("reply-to-edit %s failed", message.id, exc_info=error)
            await _answer(message, explain_failure(error))

    async def _edit(self, message: discord.Message, target: discord.Message, text: str) -> None:
        request = parse_reply(text)
        if message.guild is None and not self.bot.settings.allow_dms:
            raise DirectMessagesOff()  # before any download
        # Before any download: a flood of replies must not make the bot fetch 10 MB each.
        await self.bot.studio.admit(requester(message.author), message_origin(message))
        source = await self._source(target, request.index)
        if source is None:
            return
        mask_attachment = next(iter(_images(message)), None)
        options = request.options
        if mask_attachment is not None:
            mask = await self.bot.delivery.read_attachment(mask_attachment)
            options = EditOptions(
                mask=mask,
                region=options.region,
                extend=options.extend,
                extend_pixels=options.extend_pixels,
                zoom=options.zoom,
            )
        await self.bot.studio.edit(
            requester(message.author),
            source,
            request.prompt,
            options,
            origin=message_origin(message),
        )
        with contextlib.suppress(discord.HTTPException):
            await message.add_reaction("🎨")

    async def _source(self, target: discord.Message, index: int | None) -> ImageSource | None:
        """The image the reply means: our results name their images in their buttons' ids
        (V1–V4, or Vary under one opened image); anything else by its attachments."""
        shown = _image_ids(target) if target.author.id == self.bot.user.id else []
        if shown:
            if len(shown) == 1:
                return shown[0]
            if index is None:
                raise BadRequest(
                    f"Which image? Start your reply with its number (1–{len(shown)}), "
                    "e.g. `2 add a red scarf --region bottom`."
                )
            if index > len(shown):
                raise BadRequest(f"This result has {len(shown)} images; pick 1–{len(shown)}.")
            return shown[index - 1]
        attachments = _images(target)
        if not attachments:
            if target.author.id == self.bot.user.id:
                return None  # one of our text messages: nothing to edit
            raise BadRequest("That message has no image to edit.")
        if (index or 1) > len(attachments):
            count = len(attachments)
            raise BadRequest(
                f"That message has {count} image{'s' if count != 1 else ''}; pick 1–{count}."
            )
        return await self.bot.delivery.read_attachment(attachments[(index or 1) - 1])

    async def _referenced(self, message: discord.Message) -> discord.Message | None:
        resolved = message.reference.resolved
        if isinstance(resolved, discord.Message):
            return resolved
        try:
            return await message.channel.fetch_message(message.reference.message_id)
        except discord.HTTPException:
            return None


def _image_ids(message: discord.Message) -> list[str]:
    """The image ids in a result's vary buttons, in order (V1, V2, …)."""
    found = []
    for row in message.components:
        for item in getattr(row, "children", []):
            match = re.fullmatch(
                custom_ids.template(custom_ids.VARY), getattr(item, "custom_id", None) or ""
            )
            if match:
                found.append(match["image_id"])
    return found


def _images(message: discord.Message) -> list[discord.Attachment]:
    return [
        a
        for a in message.attachments
        if (a.content_type or "").split(";")[0] in IMAGE_TYPES
        or a.filename.lower().endswith((".png", ".jpg", ".jpeg", ".webp"))
    ]


def _without_mentions(content: str, bot_id: int) -> str:
    return content.replace(f"<@{bot_id}>", "").replace(f"<@!{bot_id}>", "").strip()


async def _answer(message: discord.Message, text: str) -> None:
    """Replies can't be ephemeral: answer quietly and clean up after a minute."""
    with contextlib.suppress(discord.HTTPException):
        await message.reply(
            text,
            mention_author=False,
            delete_after=60,
            allowed_mentions=discord.AllowedMentions.none(),
        )


async def setup(bot: ImagineBot) -> None:
    await bot.add_cog(EditCog(bot))
