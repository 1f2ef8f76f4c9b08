"""/settings: one ephemeral view that shows and changes a member's own defaults, or (for a
server's admins) the server's defaults: shape, image count, negative prompt, remix and
where results go.

Each control is one DynamicItem whose custom_id names the scope and the setting
(``imagine:settings:<me|server>:<setting>``), so an old /settings message keeps working
after a restart. Whose settings change is decided by who clicks, never by the id: a
member's click changes their own, and a server click checks Manage Server again.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, ClassVar

import discord
from discord import app_commands
from discord.ext import commands

from app.discord.errors import words
from data.preferences import Defaults
from studio.errors import AdminsOnly, BadRequest, StudioError
from studio.preferences import Effective, Privacy

if TYPE_CHECKING:
    from app.discord.client import ImagineBot

ME, SERVER = "me", "server"
DEFAULT = "default"  # a select's "use the level below" option
SHAPES = ("square", "portrait", "landscape", "1:1", "3:2", "2:3", "4:3", "3:4", "16:9", "9:16")
PRIVACY_LABELS = {
    Privacy.PUBLIC: "In the channel",
    Privacy.EPHEMERAL: "Only visible to me",
    Privacy.DM: "By direct message",
}
_PREFIX = "imagine:settings"


def _id(scope: str, setting: str) -> str:
    return f"{_PREFIX}:{scope}:{setting}"


def _template(setting: str) -> str:
    return rf"{_PREFIX}:(?P<scope>{ME}|{SERVER}):{setting}"


def _scope_owner(interaction: discord.Interaction, scope: str) -> int:
    """The id whose settings this click changes: the clicker, or the server for its admins."""
    if scope == ME:
        return interaction.user.id
    member = interaction.user
    if interaction.guild_id is None or not isinstance(member, discord.Member):
        raise BadRequest("Server defaults are set in the server.")
    if not member.guild_permissions.manage_guild:
        raise AdminsOnly()
    return interaction.guild_id


async def _change(interaction: discord.Interaction, scope: str, **changes: Any) -> None:
    bot: ImagineBot = interaction.client  # type: ignore[assignment]
    prefs = bot.studio.preferences
    owner = _scope_owner(interaction, scope)
    if scope == ME:
        await prefs.update_member(owner, **changes)
    else:
        await prefs.update_guild(owner, interaction.user.id, **changes)


async def settings_message(
    bot: ImagineBot, interaction: discord.Interaction, scope: str
) -> dict[str, Any]:
    """The embed and view of a /settings message, as they are now."""
    prefs = bot.studio.preferences
    guild_id = interaction.guild_id
    if scope == ME:
        own = await prefs.member(interaction.user.id)
        effective = await prefs.effective(interaction.user.id, guild_id)
        title, below = "Your defaults", "server" if guild_id else "bot"
    else:
        assert guild_id is not None
        own = await prefs.guild(guild_id)
        effective = await prefs.effective(0, guild_id)  # user 0 has no own settings
        title, below = "This server's defaults (members can change theirs)", "bot"
    return {
        "embed": _embed(title, own, effective, below),
        "view": settings_view(scope, own, effective),
    }


def _embed(title: str, own: Defaults, effective: Effective, below: str) -> discord.Embed:
    def shown(name: str, value: Any) -> str:
        text = _describe(name, value)
        return text if getattr(own, name) is not None else f"{text} ({below} default)"

    embed = discord.Embed(title=title, colour=discord.Colour.blurple())
    embed.add_field(name="Shape", value=shown("shape", effective.shape))
    embed.add_field(name="Images per prompt", value=shown("count", effective.count))
    embed.add_field(name="Results", value=shown("privacy", effective.privacy))
    embed.add_field(name="Remix", value=shown("remix", effective.remix))
    embed.add_field(
        name="Negative prompt", value=shown("negative", effective.negative), inline=False
    )
    embed.set_footer(text="Any ratio from 1:4 to 4:1 can be typed under Text…")
    return embed


def _describe(name: str, value: Any) -> str:
    if name == "privacy":
        return PRIVACY_LABELS.get(value, str(value))
    if name == "remix":
        return "on: buttons let you change the prompt first" if value else "off"
    if name == "negative":
        return value or "none"
    return str(value)


def settings_view(scope: str, own: Defaults, effective: Effective) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(ShapeSelect(scope, own.shape))
    view.add_item(CountSelect(scope, own.count))
    view.add_item(PrivacySelect(scope, own.privacy))
    view.add_item(RemixToggle(scope, on=effective.remix))
    view.add_item(TextButton(scope))
    view.add_item(ResetButton(scope))
    return view


class SettingSelect(discord.ui.DynamicItem[discord.ui.Select], template=r"imagine:settings:x"):
    """A select for one setting; its first option returns the setting to the default."""

    setting: ClassVar[str] = ""
    placeholder: ClassVar[str] = ""
    row: ClassVar[int] = 0

    def __init_subclass__(cls, *, setting: str, **kwargs: Any) -> None:
        super().__init_subclass__(template=_template(setting), **kwargs)
        cls.setting = setting

    def __init__(self, scope: str, current: Any = None) -> None:
        options = [discord.SelectOption(label="Default", value=DEFAULT, default=current is None)]
        for value, label in self.choices():
            options.append(
                discord.SelectOption(label=label, value=value, default=value == str(current))
            )
        super().__init__(
            discord.ui.Select(
                custom_id=_id(scope, self.setting),
                placeholder=self.placeholder,
                options=options,
                row=self.row,
            )
        )
        self.scope = scope

    @classmethod
    def choices(cls) -> list[tuple[str, str]]:
        raise NotImplementedError

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Select, match: re.Match[str], /
    ) -> SettingSelect:
        return cls(match["scope"])

    def value(self, chosen: str) -> Any:
        return chosen

    async def callback(self, interaction: discord.Interaction) -> None:
        chosen = self.item.values[0] if self.item.values else DEFAULT
        value = None if chosen == DEFAULT else self.value(chosen)
        await _act(
            interaction,
            self.scope,
            lambda: _change(interaction, self.scope, **{self.setting: value}),
        )


class ShapeSelect(SettingSelect, setting="shape"):
    placeholder = "Shape"
    row = 0

    @classmethod
    def choices(cls) -> list[tuple[str, str]]:
        return [(shape, shape) for shape in SHAPES]


class CountSelect(SettingSelect, setting="count"):
    placeholder = "Images per prompt"
    row = 1

    @classmethod
    def choices(cls) -> list[tuple[str, str]]:
        return [(str(n), f"{n} image{'s' if n != 1 else ''}") for n in range(1, 5)]

    def value(self, chosen: str) -> Any:
        return int(chosen)


class PrivacySelect(SettingSelect, setting="privacy"):
    placeholder = "Where results go"
    row = 2

    @classmethod
    def choices(cls) -> list[tuple[str, str]]:
        return list(PRIVACY_LABELS.items())


class SettingButton(discord.ui.DynamicItem[discord.ui.Button], template=r"imagine:settings:y"):
    """A button of the /settings view (``act`` does its work)."""

    setting: ClassVar[str] = ""

    def __init_subclass__(cls, *, setting: str, **kwargs: Any) -> None:
        super().__init_subclass__(template=_template(setting), **kwargs)
        cls.setting = setting

    def __init__(self, scope: str, **look: Any) -> None:
        super().__init__(discord.ui.Button(custom_id=_id(scope, self.setting), row=3, **look))
        self.scope = scope

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str], /
    ) -> SettingButton:
        return cls(match["scope"])


class RemixToggle(SettingButton, setting="remix"):
    """Remix on/off: on, 🔄, V1–V4, Vary, Zoom and Pan first open a modal with the prompt."""

    def __init__(self, scope: str, *, on: bool = False) -> None:
        style = discord.ButtonStyle.success if on else discord.ButtonStyle.secondary
        super().__init__(scope, label=f"Remix: {'on' if on else 'off'}", style=style)

    async def callback(self, interaction: discord.Interaction) -> None:
        async def flip() -> None:
            bot: ImagineBot = interaction.client  # type: ignore[assignment]
            prefs = bot.studio.preferences
            if self.scope == ME:
                now = (await prefs.effective(interaction.user.id, interaction.guild_id)).remix
            else:
                now = (await prefs.effective(0, _scope_owner(interaction, SERVER))).remix
            await _change(interaction, self.scope, remix=not now)

        await _act(interaction, self.scope, flip)


class ResetButton(SettingButton, setting="reset"):
    """Back to the defaults below (the server's, or the bot's)."""

    def __init__(self, scope: str) -> None:
        super().__init__(scope, label="Reset", style=discord.ButtonStyle.danger)

    async def callback(self, interaction: discord.Interaction) -> None:
        cleared = dict.fromkeys(("shape", "count", "negative", "remix", "privacy"))
        await _act(interaction, self.scope, lambda: _change(interaction, self.scope, **cleared))


class TextButton(SettingButton, setting="text"):
    """Text…: a modal for the negative prompt and any shape (a ratio such as 21:9)."""

    def __init__(self, scope: str) -> None:
        super().__init__(scope, label="Text…", style=discord.ButtonStyle.primary)

    async def callback(self, interaction: discord.Interaction) -> None:
        bot: ImagineBot = interaction.client  # type: ignore[assignment]
        prefs = bot.studio.preferences
        try:
            owner = _scope_owner(interaction, self.scope)
        except StudioError as error:
            await bot.delivery.refuse(interaction, words(error))
            return
        own = await (prefs.member(owner) if self.scope == ME else prefs.guild(owner))
        await interaction.response.send_modal(TextModal(self.scope, own))


class TextModal(discord.ui.Modal):
    """The negative prompt and the shape as text; an emptied field returns to the default."""

    def __init__(self, scope: str, own: Defaults) -> None:
        super().__init__(title="Default text", custom_id=_id(scope, "modal"), timeout=600)
        self.scope = scope
        self.negative = discord.ui.TextInput(
            label="Negative prompt (what to keep out)",
            custom_id="negative",
            style=discord.TextStyle.paragraph,
            default=own.negative or "",
            required=False,
            max_length=400,
        )
        self.shape = discord.ui.TextInput(
            label="Shape: square, portrait, landscape or W:H",
            custom_id="shape",
            default=own.shape or "",
            required=False,
            max_length=20,
        )
        self.add_item(self.negative)
        self.add_item(self.shape)

    async def on_submit(self, interaction: discord.Interaction) -> None:
        negative = self.negative.value.strip() or None
        shape = self.shape.value.strip() or None
        await _act(
            interaction,
            self.scope,
            lambda: _change(interaction, self.scope, negative=negative, shape=shape),
        )


async def _act(interaction: discord.Interaction, scope: str, change) -> None:
    """Apply a change, then show the message as it is now; a refusal changes nothing."""
    bot: ImagineBot = interaction.client  # type: ignore[assignment]
    try:
        await change()
    except StudioError as error:
        await bot.delivery.refuse(interaction, words(error))
        return
    message = await settings_message(bot, interaction, scope)
    await interaction.response.edit_message(**message)


DYNAMIC_ITEMS = (ShapeSelect, CountSelect, PrivacySelect, RemixToggle, ResetButton, TextButton)


class SettingsCog(commands.Cog):
    def __init__(self, bot: ImagineBot) -> None:
        self.bot = bot

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(*DYNAMIC_ITEMS)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(*DYNAMIC_ITEMS)

    @app_commands.command(
        name="settings", description="Your defaults: shape, image count, negative prompt, remix"
    )
    @app_commands.describe(server="The server's defaults instead of yours (admins)")
    async def settings(self, interaction: discord.Interaction, server: bool = False) -> None:
        scope = SERVER if server else ME
        _scope_owner(interaction, scope)  # refuses non-admins before anything is shown
        message = await settings_message(self.bot, interaction, scope)
        await interaction.response.send_message(**message, ephemeral=True)


async def setup(bot: ImagineBot) -> None:
    await bot.add_cog(SettingsCog(bot))
