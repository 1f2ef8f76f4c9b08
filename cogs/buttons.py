"""The buttons under results, as DynamicItems: their custom_ids carry everything they need,
so every button on every old message keeps working after the bot restarts."""

from __future__ import annotations

import contextlib
import io
import re
from typing import TYPE_CHECKING, Any

import discord
from discord.ext import commands

from bot import custom_ids, gallery_posts, render
from bot.delivery import mention_only
from bot.errors import NotFound, StudioError
from bot.gallery import Gallery, share_url
from cogs.studio import requester

if TYPE_CHECKING:
    from bot.client import ImagineBot


class ImageButton(
    discord.ui.DynamicItem[discord.ui.Button], template=r"imagine:none:(?P<image_id>x)"
):
    """A button about one image; subclasses set ``template`` and implement ``act``."""

    def __init__(self, image_id: str, item: discord.ui.Button | None = None) -> None:
        super().__init__(item or discord.ui.Button(label="…", custom_id=f"imagine:none:{image_id}"))
        self.image_id = image_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str], /
    ) -> ImageButton:
        return cls(match["image_id"], item)

    async def callback(self, interaction: discord.Interaction) -> None:
        bot: ImagineBot = interaction.client  # type: ignore[assignment]
        try:
            await self.act(bot, interaction)
        except StudioError as error:
            await bot.delivery.refuse(interaction, str(error))

    async def act(self, bot: ImagineBot, interaction: discord.Interaction) -> None:
        raise NotImplementedError


class VaryButton(ImageButton, template=custom_ids.template(custom_ids.VARY)):
    """V1–V4: variations of that image for whoever clicks (they pay, they own them)."""

    async def act(self, bot: ImagineBot, interaction: discord.Interaction) -> None:
        image = await bot.studio.image(self.image_id)
        user = requester(interaction.user)
        title = f"Variations of #{image.position}: {image.prompt}" if image.prompt else "Variations"
        await bot.delivery.start(
            interaction, lambda origin: bot.studio.vary(user, image.id, origin=origin), title
        )


class RerollButton(ImageButton, template=custom_ids.template(custom_ids.REROLL)):
    """🔄: the same request again with a new seed."""

    async def act(self, bot: ImagineBot, interaction: discord.Interaction) -> None:
        image = await bot.studio.image(self.image_id)
        user = requester(interaction.user)
        await bot.delivery.start(
            interaction,
            lambda origin: bot.studio.reroll(user, image.id, origin=origin),
            image.prompt or "Variations",
        )


class OpenButton(ImageButton, template=custom_ids.template(custom_ids.OPEN)):
    """U1–U4: the full-size PNG of one image, with its own buttons."""

    async def act(self, bot: ImagineBot, interaction: discord.Interaction) -> None:
        user = requester(interaction.user)
        image = await bot.studio.visible_image(user, self.image_id, interaction.channel_id)
        png = bot.studio.files.read(image)
        await interaction.response.send_message(
            f"Image #{image.position} <@{interaction.user.id}>",
            file=discord.File(io.BytesIO(png), filename=f"imagine-{image.id}.png"),
            view=render.single_view(image),
            allowed_mentions=mention_only(interaction.user.id),
        )


class SaveButton(ImageButton, template=custom_ids.template(custom_ids.SAVE)):
    async def act(self, bot: ImagineBot, interaction: discord.Interaction) -> None:
        user, seen_in = requester(interaction.user), interaction.channel_id
        image = await bot.studio.visible_image(user, self.image_id, seen_in)
        added = await bot.studio.save(user, [image.id], seen_in=seen_in)
        await _saved(interaction, added, 1)


class SaveAllButton(ImageButton, template=custom_ids.template(custom_ids.SAVE_ALL)):
    async def act(self, bot: ImagineBot, interaction: discord.Interaction) -> None:
        user, seen_in = requester(interaction.user), interaction.channel_id
        image = await bot.studio.visible_image(user, self.image_id, seen_in)
        every = []
        for other in await bot.studio.images_of_job(image.job_id):
            with contextlib.suppress(NotFound):  # e.g. one of them is shared, not the rest
                every.append(await bot.studio.visible_image(user, other.id, seen_in))
        added = await bot.studio.save(user, [i.id for i in every], seen_in=seen_in)
        await _saved(interaction, added, len(every))


class ShareButton(ImageButton, template=custom_ids.template(custom_ids.SHARE)):
    """Post the image in the server's gallery, once (a second click says where it is)."""

    async def act(self, bot: ImagineBot, interaction: discord.Interaction) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        try:
            shared = await gallery_posts.share(
                bot,
                Gallery.of(bot.studio),
                bot.studio.files,
                interaction.guild_id,
                interaction.user,
                self.image_id,
            )
        except gallery_posts.NoGalleryAccess:
            raise StudioError(
                "I cannot post in this server's gallery channel (deleted, or I lack "
                "permissions there); ask an admin to set it again with `/gallery channel`."
            ) from None
        except discord.HTTPException:
            raise StudioError("Discord did not take the gallery post; try again.") from None
        await interaction.followup.send(
            f"Shared to the gallery: {share_url(shared)}", ephemeral=True
        )


class MalformedButton(
    discord.ui.DynamicItem[discord.ui.Button], template=custom_ids.malformed_template()
):
    """A custom_id of ours whose image id is not one: tampered with. Refuse, change nothing."""

    def __init__(self, item: discord.ui.Button | None = None) -> None:
        super().__init__(item or discord.ui.Button(label="…", custom_id="imagine:vary:?"))

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str], /
    ) -> MalformedButton:
        return cls(item)

    async def callback(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message(
            "This button is not valid: it does not point at an image.", ephemeral=True
        )


async def _saved(interaction: discord.Interaction, added: int, asked: int) -> None:
    if added == 0:
        text = "Already in your collection **Saved**."
    else:
        text = f"Saved {added} image{'s' if added != 1 else ''} to your collection **Saved**."
    await interaction.response.send_message(text, ephemeral=True)


BUTTONS: tuple[type[ImageButton], ...] = (
    VaryButton,
    RerollButton,
    OpenButton,
    SaveButton,
    SaveAllButton,
    ShareButton,
)
DYNAMIC_ITEMS = (*BUTTONS, MalformedButton)


class ButtonsCog(commands.Cog):
    def __init__(self, bot: ImagineBot) -> None:
        self.bot = bot

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(*DYNAMIC_ITEMS)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(*DYNAMIC_ITEMS)


async def setup(bot: ImagineBot) -> None:
    await bot.add_cog(ButtonsCog(bot))


__all__: list[Any] = ["BUTTONS", "ButtonsCog"]
