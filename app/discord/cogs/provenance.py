"""Provenance on Discord: "Check provenance" on any message with an image, and the
per-server visible signature switch for admins (``/signature on|off``)."""

from __future__ import annotations

import asyncio
import io
import json
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from studio.errors import BadRequest
from studio.provenance import CannotInspect, inspect, own_certificate

if TYPE_CHECKING:
    from app.discord.client import ImagineBot

MENU_NAME = "Check provenance"
REPORT_FILENAME = "provenance.json"
_IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp")


def describe(report: dict[str, Any]) -> str:
    """What the credentials, the watermark and the text say, in a few lines for Discord."""
    lines = []
    credentials_ = report["c2pa"]
    if credentials_ is None:
        lines.append("**Content Credentials:** none (never signed, or stripped by a re-save)")
    elif credentials_["state"] == "unreadable":
        lines.append(f"**Content Credentials:** unreadable ({credentials_['error']})")
    else:
        verdict = (
            "valid"
            if credentials_["state"] == "valid"
            else "INVALID: " + ", ".join(credentials_["problems"])
        )
        lines.append(f"**Content Credentials:** {verdict}; {_signer_words(credentials_)}")
        for depth, step in enumerate(credentials_["chain"]):
            made = step.get("generation", {})
            what = " + ".join(action.removeprefix("c2pa.") for action in step["actions"])
            model = f" with {made['model']}" if made.get("model") else ""
            source_type = step["digital_source_type"] or ""
            ai = " (AI-generated)" if "trainedAlgorithmic" in source_type else ""
            lines.append(f"{'↳ ' if depth else ''}{what}{model}{ai}")
    mark = report["watermark"]
    if mark is None:
        lines.append("**Invisible watermark:** none found")
    else:
        model = mark.get("model", f"model code {mark['model_code']}")
        lines.append(
            f"**Invisible watermark:** {mark['studio']} ({model}): made with Imagine"
            " software, not proof of which studio (the mark is not secret)"
        )
    text = report["text"]
    lines.append("**PNG text:** " + (", ".join(sorted(text)) if text else "none"))
    return "\n".join(lines)


def _signer_words(found: dict[str, Any]) -> str:
    """Who signed, worded by what is known: this studio (its certificate's fingerprint), a
    trust-listed signer, or a name anyone could have put on a certificate."""
    signer = found["signer"]
    name = f"“{signer['common_name']}” ({signer['issuer']})"
    if signer.get("own"):
        return f"signed by this studio's own certificate (SHA-256 {signer['fingerprint']})"
    if signer["trusted"]:
        return f"signed by {name}, a trusted signer that is not this studio"
    if signer.get("own") is False:
        return (
            f"signed by an UNKNOWN certificate named {name}: NOT this studio's. Anyone can "
            "make a certificate with any name; this does not show who made the image"
        )
    return (
        f"signed by {name}, a certificate on no trust list; this studio's own certificate"
        " is not known here, so it cannot tell its images from a lookalike"
    )


@app_commands.guild_only()
@app_commands.default_permissions(manage_guild=True)
class SignatureCog(
    commands.GroupCog,
    group_name="signature",
    group_description="The visible signature (colour squares) on images posted here",
):
    def __init__(self, bot: ImagineBot) -> None:
        self.bot = bot
        super().__init__()
        self.menu = app_commands.ContextMenu(name=MENU_NAME, callback=self.check)

    async def cog_load(self) -> None:
        self.bot.tree.add_command(self.menu)

    async def cog_unload(self) -> None:
        self.bot.tree.remove_command(self.menu.name, type=self.menu.type)

    @app_commands.command(name="on", description="Show the colour signature on images here")
    async def on(self, interaction: discord.Interaction) -> None:
        await self._switch(interaction, True)

    @app_commands.command(name="off", description="Post images here without the signature")
    async def off(self, interaction: discord.Interaction) -> None:
        await self._switch(interaction, False)

    async def _switch(self, interaction: discord.Interaction, on: bool) -> None:
        assert interaction.guild_id is not None
        changed = await self.bot.delivery.marks.switch(
            interaction.guild_id, on, interaction.user.id
        )
        state = {
            (True, True): "now shows",
            (True, False): "already shows",
            (False, True): "no longer shows",
            (False, False): "already does not show",
        }[on, changed]
        await interaction.response.send_message(
            f"This server {state} the colour signature on the images it posts. Stored images"
            " stay unmarked, and every image keeps its invisible watermark.",
            ephemeral=True,
        )

    async def check(self, interaction: discord.Interaction, message: discord.Message) -> None:
        """What the first image attached to ``message`` carries, for the asker only."""
        attachment = next((a for a in message.attachments if _is_image(a)), None)
        if attachment is None:
            raise BadRequest("That message has no image attached.")
        await interaction.response.defer(ephemeral=True, thinking=True)
        data = await self.bot.delivery.read_attachment(attachment)
        settings = self.bot.settings
        try:
            own = await asyncio.to_thread(own_certificate, settings.data_dir)
            report = await asyncio.to_thread(
                inspect, data, (settings.model,), settings.max_upload_pixels, own
            )
        except CannotInspect as error:
            raise BadRequest(str(error)) from None
        body = json.dumps({"file": attachment.filename, **report}, ensure_ascii=False, indent=2)
        await interaction.followup.send(
            f"**{attachment.filename}**\n{describe(report)}",
            file=discord.File(io.BytesIO(body.encode()), filename=REPORT_FILENAME),
            ephemeral=True,
        )


def _is_image(attachment: discord.Attachment) -> bool:
    if attachment.content_type:
        return attachment.content_type.startswith("image/")
    return attachment.filename.lower().endswith(_IMAGE_SUFFIXES)


async def setup(bot: ImagineBot) -> None:
    await bot.add_cog(SignatureCog(bot))
