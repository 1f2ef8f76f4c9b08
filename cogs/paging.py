"""◀ ▶ buttons of paged lists, as DynamicItems: the custom_id carries the list's key and
the page, so paging works on old messages after a restart."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import discord

from bot.errors import StudioError

if TYPE_CHECKING:
    from bot.client import ImagineBot


class PageButton(
    discord.ui.DynamicItem[discord.ui.Button], template=r"imagine:nopage:(?P<key>0):(?P<page>0)"
):
    """A page of some list; subclasses set ``template`` and implement ``show``."""

    def __init__(self, key: int, page: int, item: discord.ui.Button | None = None) -> None:
        super().__init__(item or discord.ui.Button(label="…", custom_id=f"imagine:nopage:{key}:0"))
        self.key = key
        self.page = page

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str], /
    ) -> PageButton:
        return cls(int(match["key"]), int(match["page"]), item)

    async def callback(self, interaction: discord.Interaction) -> None:
        bot: ImagineBot = interaction.client  # type: ignore[assignment]
        try:
            message = await self.show(bot, interaction)
        except StudioError as error:
            await bot.delivery.refuse(interaction, str(error))
            return
        file = message.pop("file", None)
        await interaction.response.edit_message(
            attachments=[file] if file else [], view=message.pop("view", None), **message
        )

    async def show(self, bot: ImagineBot, interaction: discord.Interaction) -> dict:
        raise NotImplementedError
