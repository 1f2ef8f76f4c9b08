"""/collection: create, rename, delete, add, remove, public, private, show, list.

Every answer is ephemeral. ``show`` with ``user`` looks at someone else's public
collection; their private ones answer exactly like a missing one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from app.discord import pages, web_links
from app.discord.buttons import collection_page
from studio.edit_links import EditorOff
from studio.gallery import Gallery
from studio.library import Library

if TYPE_CHECKING:
    from app.discord.client import ImagineBot

NO_PINGS = discord.AllowedMentions.none()


async def own_names(interaction: discord.Interaction, current: str) -> list[app_commands.Choice]:
    """Autocomplete: the caller's collection names that contain what they typed."""
    bot: ImagineBot = interaction.client  # type: ignore[assignment]
    mine = await Library.of(bot.studio).list_collections(interaction.user.id, interaction.user.id)
    typed = current.lower()
    return [
        app_commands.Choice(name=c.name, value=c.name) for c in mine if typed in c.name.lower()
    ][:25]


NAME = "The collection's name"
IMAGE = "The image's 12-character id (shown by /collection show, in file names imagine-<id>.png)"


class CollectionsCog(commands.Cog):
    collection = app_commands.Group(name="collection", description="Keep and show your images")

    def __init__(self, bot: ImagineBot) -> None:
        self.bot = bot

    @property
    def library(self) -> Library:
        return Library.of(self.bot.studio)

    async def _say(self, interaction: discord.Interaction, text: str) -> None:
        await interaction.response.send_message(text, ephemeral=True, allowed_mentions=NO_PINGS)

    @collection.command(name="create", description="Start a new collection (private)")
    @app_commands.describe(name=NAME)
    async def create(self, interaction: discord.Interaction, name: str) -> None:
        user = interaction.user
        made = await self.library.create(user.id, user.display_name, name)
        await self._say(interaction, f"Created {pages.collection_line(made)}.")

    @collection.command(name="rename", description="Rename one of your collections")
    @app_commands.describe(name=NAME, new_name="Its new name")
    @app_commands.autocomplete(name=own_names)
    async def rename(self, interaction: discord.Interaction, name: str, new_name: str) -> None:
        renamed = await self.library.rename(interaction.user.id, name, new_name)
        await self._say(interaction, f"Renamed to {pages.collection_line(renamed)}.")

    @collection.command(name="delete", description="Delete a collection (images stay in history)")
    @app_commands.describe(name=NAME)
    @app_commands.autocomplete(name=own_names)
    async def delete(self, interaction: discord.Interaction, name: str) -> None:
        gone = await self.library.delete(interaction.user.id, name)
        await self._say(
            interaction, f"Deleted **{gone.name}**; its images are still in your `/history`."
        )

    @collection.command(name="add", description="Add an image to one of your collections")
    @app_commands.describe(name=NAME, image=IMAGE)
    @app_commands.autocomplete(name=own_names)
    async def add(self, interaction: discord.Interaction, name: str, image: str) -> None:
        into, new = await self.library.add(interaction.user.id, name, image)
        text = "Added to" if new else "Already in"
        await self._say(interaction, f"{text} {pages.collection_line(into)}.")

    @collection.command(name="remove", description="Take an image out of a collection")
    @app_commands.describe(name=NAME, image=IMAGE)
    @app_commands.autocomplete(name=own_names)
    async def remove(self, interaction: discord.Interaction, name: str, image: str) -> None:
        left = await self.library.remove(interaction.user.id, name, image)
        await self._say(interaction, f"Removed from {pages.collection_line(left)}.")

    @collection.command(
        name="public", description="Let anyone see a collection (and on the gallery page)"
    )
    @app_commands.describe(name=NAME)
    @app_commands.autocomplete(name=own_names)
    async def public(self, interaction: discord.Interaction, name: str) -> None:
        guild_id = interaction.guild_id
        made = await self.library.set_public(interaction.user.id, name, True, guild_id)
        text = (
            f"{pages.collection_line(made)}: anyone can see it with "
            f"`/collection show name:{made.name} user:@you`."
        )
        if guild_id is not None and (url := await self._gallery_page(guild_id)):
            text += (
                f" It is on this server's gallery page too ({url}/collections): your own "
                "images in it, and those shared in this server's gallery."
            )
        await self._say(interaction, text)

    async def _gallery_page(self, guild_id: int) -> str | None:
        """The server's gallery page, when this studio serves it and the server shows it."""
        try:
            base = web_links.editor_base(self.bot)
        except EditorOff:
            return None
        shown = await Gallery.of(self.bot.studio).web_shown(guild_id)
        return f"{base}/gallery/{guild_id}" if shown else None

    @collection.command(name="private", description="Only you can see a collection")
    @app_commands.describe(name=NAME)
    @app_commands.autocomplete(name=own_names)
    async def private(self, interaction: discord.Interaction, name: str) -> None:
        made = await self.library.set_public(interaction.user.id, name, False)
        await self._say(interaction, f"{pages.collection_line(made)}: only you can see it.")

    @collection.command(name="show", description="A collection's images, nine to a page")
    @app_commands.describe(name=NAME, user="Whose collection (default: yours)")
    async def show(
        self, interaction: discord.Interaction, name: str, user: discord.User | None = None
    ) -> None:
        owner = user or interaction.user
        shown = await self.library.show(interaction.user.id, owner.id, name)
        await interaction.response.defer(ephemeral=True, thinking=True)  # thumbnails to make
        message = await collection_page(self.bot, shown)
        await interaction.followup.send(ephemeral=True, allowed_mentions=NO_PINGS, **message)

    @collection.command(name="list", description="Your collections, or someone's public ones")
    @app_commands.describe(user="Whose collections (default: yours)")
    async def list_(
        self, interaction: discord.Interaction, user: discord.User | None = None
    ) -> None:
        owner = user or interaction.user
        found = await self.library.list_collections(interaction.user.id, owner.id)
        own = owner.id == interaction.user.id
        await self._say(interaction, pages.collection_list(owner.id, found, own))


async def setup(bot: ImagineBot) -> None:
    await bot.add_cog(CollectionsCog(bot))
