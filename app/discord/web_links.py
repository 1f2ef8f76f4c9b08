"""Links to the web editor, handed out on Discord: the Edit button under an opened image
and ``/edit-link``. The answer is ephemeral (only the clicker sees the link) and the link
sits in a link button, which Discord does not unfurl."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord

from app.discord.people import requester
from studio.edit_links import EditLinks, EditorOff

if TYPE_CHECKING:
    from app.discord.client import ImagineBot


def editor_base(bot: ImagineBot) -> str:
    """Where members reach the web pages (API_PUBLIC_URL, else where the server listens);
    ``editor_off`` when this process serves no HTTP."""
    base = bot.web_url()
    if not base:
        raise EditorOff()
    return base.rstrip("/")


async def send_editor_link(
    bot: ImagineBot, interaction: discord.Interaction, image_id: str
) -> None:
    """Answer, only to the member, with a signed link to edit ``image_id`` (one they may see)."""
    base = editor_base(bot)
    user = requester(interaction.user)
    image = await bot.studio.visible_image(user, image_id, interaction.channel_id)
    links = EditLinks.of(bot.studio)
    link = links.new(user.id, interaction.guild_id, interaction.channel_id or 0, image.id)
    view = discord.ui.View()
    view.add_item(discord.ui.Button(label="Open the editor", url=f"{base}/edit/{links.sign(link)}"))
    minutes = f"{links.minutes:g}"
    await interaction.response.send_message(
        f"Your link to edit image #{image.position} in the browser: paint the area to change, "
        f"or drag the frame outward. It works for {minutes} minutes in the first browser that "
        "opens it, and spends your credits: keep it to yourself.",
        view=view,
        ephemeral=True,
    )
