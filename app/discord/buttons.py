"""Every button, as one DynamicItem class that owns its id template, its look and what it
does (as discord.py's examples/views/dynamic_counter.py does): a new control is one class.

The custom_ids carry everything a click needs (an image id, or a list's key and page;
:mod:`bot.discord.custom_ids`), so every button on every old message keeps working after
the bot restarts. ``DYNAMIC_ITEMS`` is what the client registers; the views under
results, opened images, pages and gallery posts are built from these classes here too.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import re
from typing import TYPE_CHECKING, Any, ClassVar

import discord

from app.discord import (
    custom_ids,
    fitting,
    full_size,
    gallery_posts,
    pages,
    render,
    web_links,
)
from app.discord.errors import words
from app.discord.people import mention_only, requester
from data.images import ImageRecord
from data.shares import Share
from studio.errors import BadRequest, GalleryUnreachable, NotFound, PostFailed, StudioError
from studio.gallery import Gallery, TakeDown, share_url
from studio.library import HISTORY_PAGE, CollectionPage, Library, Page

if TYPE_CHECKING:
    from app.discord.client import ImagineBot

Look = dict[str, Any]  # label, emoji, style: keyword arguments of discord.ui.Button


class ImageButton(
    discord.ui.DynamicItem[discord.ui.Button], template=r"imagine:none:(?P<image_id>x)"
):
    """A button about one image (``imagine:<action>:<image id>``).

    A subclass names its ``action`` in the class line (which sets its template), sets its
    default ``look`` and implements ``act``. Refusals are answered in one place.
    """

    action: ClassVar[str] = "none"
    look: ClassVar[Look] = {"label": "…"}

    def __init_subclass__(cls, *, action: str, **kwargs: Any) -> None:
        super().__init_subclass__(template=custom_ids.template(action), **kwargs)
        cls.action = action

    def __init__(self, image_id: str, *, row: int | None = None, **look: Any) -> None:
        super().__init__(
            discord.ui.Button(
                custom_id=custom_ids.build(self.action, image_id), row=row, **(self.look | look)
            )
        )
        self.image_id = image_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str], /
    ) -> ImageButton:
        return cls(match["image_id"])

    async def callback(self, interaction: discord.Interaction) -> None:
        bot: ImagineBot = interaction.client  # type: ignore[assignment]
        try:
            await self.act(bot, interaction)
        except StudioError as error:
            await bot.delivery.refuse(interaction, words(error))

    async def act(self, bot: ImagineBot, interaction: discord.Interaction) -> None:
        raise NotImplementedError


class PromptButton(ImageButton, action="none"):
    """A button that starts a job from an image's prompt. A member with remix on (/settings)
    first gets a modal with the prompt to change it; the new prompt goes through the
    content policy like any other. A subclass says what the job is (``submit``) and how
    its status line reads (``title``)."""

    async def act(self, bot: ImagineBot, interaction: discord.Interaction) -> None:
        user = requester(interaction.user)
        image = await bot.studio.visible_image(user, self.image_id, interaction.channel_id)
        defaults = await bot.studio.preferences.effective(interaction.user.id, interaction.guild_id)
        if defaults.remix:
            limit = bot.studio.settings.max_prompt_length
            await interaction.response.send_modal(RemixModal(self, image, limit))
            return
        await self.start(bot, interaction, image, None)

    async def start(
        self,
        bot: ImagineBot,
        interaction: discord.Interaction,
        image: ImageRecord,
        prompt: str | None,
    ) -> None:
        """Submit the job (with ``prompt`` instead of the image's, when given) and follow it."""
        user = requester(interaction.user)
        await bot.delivery.start(
            interaction,
            lambda origin: self.submit(bot, user, image, prompt, origin),
            self.title(image, prompt),
        )

    def title(self, image: ImageRecord, prompt: str | None) -> str:
        raise NotImplementedError

    async def submit(self, bot: ImagineBot, user, image: ImageRecord, prompt, origin):
        raise NotImplementedError


class RemixModal(discord.ui.Modal):
    """Remix: the prompt, pre-filled, to change before the job runs."""

    def __init__(self, button: PromptButton, image: ImageRecord, limit: int) -> None:
        super().__init__(title="Remix", custom_id=f"imagine:remix:{button.custom_id}")
        self.button = button
        self.image = image
        self.prompt = discord.ui.TextInput(
            label="Prompt",
            custom_id="prompt",
            style=discord.TextStyle.paragraph,
            default=image.prompt[:limit] or None,
            required=True,
            max_length=min(limit, 4000),
        )
        self.add_item(self.prompt)

    async def on_submit(self, interaction: discord.Interaction) -> None:
        bot: ImagineBot = interaction.client  # type: ignore[assignment]
        try:
            await self.button.start(bot, interaction, self.image, self.prompt.value)
        except StudioError as error:
            await bot.delivery.refuse(interaction, words(error))


class VaryButton(PromptButton, action=custom_ids.VARY):
    """V1–V4: variations of that image for whoever clicks (they pay, they own them)."""

    look: ClassVar[Look] = {"label": "Vary", "style": discord.ButtonStyle.primary}

    def title(self, image: ImageRecord, prompt: str | None) -> str:
        text = prompt or image.prompt
        return f"Variations of #{image.position}: {text}" if text else "Variations"

    async def submit(self, bot: ImagineBot, user, image: ImageRecord, prompt, origin):
        return await bot.studio.vary(user, image.id, prompt=prompt, origin=origin)


class VaryStrengthButton(PromptButton, action="none"):
    """Vary (Subtle) and Vary (Strong) under one opened image: the strength is a setting."""

    strength_setting: ClassVar[str] = ""
    what: ClassVar[str] = ""

    def title(self, image: ImageRecord, prompt: str | None) -> str:
        return f"{self.what} of #{image.position}: {prompt or image.prompt}".rstrip(": ")

    async def submit(self, bot: ImagineBot, user, image: ImageRecord, prompt, origin):
        strength = getattr(bot.studio.settings, self.strength_setting)
        return await bot.studio.vary(
            user, image.id, strength=strength, prompt=prompt, origin=origin
        )


class VarySubtleButton(VaryStrengthButton, action=custom_ids.VARY_SUBTLE):
    look: ClassVar[Look] = {"label": "Vary (Subtle)", "style": discord.ButtonStyle.primary}
    strength_setting = "vary_subtle_strength"
    what = "Vary (Subtle)"


class VaryStrongButton(VaryStrengthButton, action=custom_ids.VARY_STRONG):
    look: ClassVar[Look] = {"label": "Vary (Strong)", "style": discord.ButtonStyle.primary}
    strength_setting = "vary_strong_strength"
    what = "Vary (Strong)"


class OutpaintButton(PromptButton, action="none"):
    """Zoom Out and pan ⬅ ➡ ⬆ ⬇: outpainting, as the reply flags ``--zoom`` and ``--extend``."""

    direction: ClassVar[str | None] = None
    zoom: ClassVar[float | None] = None
    what: ClassVar[str] = ""

    def title(self, image: ImageRecord, prompt: str | None) -> str:
        return f"{self.what} #{image.position}: {prompt or image.prompt}".rstrip(": ")

    async def submit(self, bot: ImagineBot, user, image: ImageRecord, prompt, origin):
        return await bot.studio.outpaint(
            user, image.id, direction=self.direction, zoom=self.zoom, prompt=prompt, origin=origin
        )


class ZoomOut15Button(OutpaintButton, action=custom_ids.ZOOM_15):
    look: ClassVar[Look] = {"label": "Zoom Out 1.5×"}
    zoom = 1.5
    what = "Zoom Out 1.5×"


class ZoomOut2Button(OutpaintButton, action=custom_ids.ZOOM_2):
    look: ClassVar[Look] = {"label": "Zoom Out 2×"}
    zoom = 2.0
    what = "Zoom Out 2×"


class PanLeftButton(OutpaintButton, action=custom_ids.PAN_LEFT):
    look: ClassVar[Look] = {"emoji": "⬅️"}
    direction = "left"
    what = "Pan left"


class PanRightButton(OutpaintButton, action=custom_ids.PAN_RIGHT):
    look: ClassVar[Look] = {"emoji": "➡️"}
    direction = "right"
    what = "Pan right"


class PanUpButton(OutpaintButton, action=custom_ids.PAN_UP):
    look: ClassVar[Look] = {"emoji": "⬆️"}
    direction = "up"
    what = "Pan up"


class PanDownButton(OutpaintButton, action=custom_ids.PAN_DOWN):
    look: ClassVar[Look] = {"emoji": "⬇️"}
    direction = "down"
    what = "Pan down"


class UpscaleButton(ImageButton, action="none"):
    """Upscale (Subtle) and (Creative): twice the width and height with the loaded model
    (UPSCALE_COST credits; refused over UPSCALE_MAX_PIXELS)."""

    creative: ClassVar[bool] = False
    what: ClassVar[str] = ""

    async def act(self, bot: ImagineBot, interaction: discord.Interaction) -> None:
        user = requester(interaction.user)
        image = await bot.studio.visible_image(user, self.image_id, interaction.channel_id)
        title = f"{self.what} of #{image.position}: {image.prompt}".rstrip(": ")
        await bot.delivery.start(
            interaction,
            lambda origin: bot.studio.upscale(
                user, image.id, creative=self.creative, origin=origin
            ),
            title,
        )


class UpscaleSubtleButton(UpscaleButton, action=custom_ids.UPSCALE_SUBTLE):
    look: ClassVar[Look] = {"label": "Upscale (Subtle)", "style": discord.ButtonStyle.success}
    what = "Upscale (Subtle)"


class UpscaleCreativeButton(UpscaleButton, action=custom_ids.UPSCALE_CREATIVE):
    look: ClassVar[Look] = {"label": "Upscale (Creative)", "style": discord.ButtonStyle.success}
    creative = True
    what = "Upscale (Creative)"


class RerollButton(PromptButton, action=custom_ids.REROLL):
    """🔄: the same request again with a new seed (with remix: a new prompt too)."""

    look: ClassVar[Look] = {"emoji": "🔄"}

    def title(self, image: ImageRecord, prompt: str | None) -> str:
        return prompt or image.prompt or "Variations"

    async def submit(self, bot: ImagineBot, user, image: ImageRecord, prompt, origin):
        return await bot.studio.reroll(user, image.id, origin=origin, prompt=prompt)


class OpenButton(ImageButton, action=custom_ids.OPEN):
    """U1–U4: the full-size PNG of one image, with its own buttons."""

    async def act(self, bot: ImagineBot, interaction: discord.Interaction) -> None:
        user = requester(interaction.user)
        image = await bot.studio.visible_image(user, self.image_id, interaction.channel_id)
        await interaction.response.defer(thinking=True)  # reading and encoding take time
        (png,) = await bot.delivery.marks.copies(  # the server's visible signature, if on
            interaction.guild_id, [await asyncio.to_thread(bot.studio.files.read, image)]
        )
        limit = fitting.upload_limit(interaction.filesize_limit)
        upload = await fitting.fitted(png, f"imagine-{image.id}", limit)
        text = f"Image #{image.position} <@{interaction.user.id}>"
        if upload.reduced:
            text += "\n" + await full_size.note(bot.studio, image, len(png), limit)
        await interaction.followup.send(
            text,
            file=discord.File(io.BytesIO(upload.data), filename=upload.filename),
            view=single_view(image),
            allowed_mentions=mention_only(interaction.user.id),
        )


class SaveButton(ImageButton, action=custom_ids.SAVE):
    """Save under one opened image: into the clicker's collection **Saved**."""

    look: ClassVar[Look] = {"label": "Save"}

    async def act(self, bot: ImagineBot, interaction: discord.Interaction) -> None:
        user, seen_in = requester(interaction.user), interaction.channel_id
        image = await bot.studio.visible_image(user, self.image_id, seen_in)
        added = await bot.studio.save(user, [image.id], seen_in=seen_in)
        await _saved(interaction, added, 1)


class SaveAllButton(ImageButton, action=custom_ids.SAVE_ALL):
    """Save under a result: every image of it, into the clicker's collection **Saved**."""

    look: ClassVar[Look] = {"label": "Save"}

    async def act(self, bot: ImagineBot, interaction: discord.Interaction) -> None:
        user, seen_in = requester(interaction.user), interaction.channel_id
        image = await bot.studio.visible_image(user, self.image_id, seen_in)
        every = []
        for other in await bot.studio.images_of_job(image.job_id):
            with contextlib.suppress(NotFound):  # e.g. one of them is shared, not the rest
                every.append(await bot.studio.visible_image(user, other.id, seen_in))
        added = await bot.studio.save(user, [i.id for i in every], seen_in=seen_in)
        await _saved(interaction, added, len(every))


class ShareButton(ImageButton, action=custom_ids.SHARE):
    """Post the image in the server's gallery, once (a second click says where it is)."""

    look: ClassVar[Look] = {"label": "Share"}

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
                gallery_view,
                bot.settings.gallery_forum_tag,
            )
        except gallery_posts.NoGalleryAccess:
            raise GalleryUnreachable from None
        except discord.HTTPException:
            raise PostFailed("Discord") from None
        await interaction.followup.send(
            f"Shared to the gallery: {share_url(shared)}", ephemeral=True
        )


class EditButton(ImageButton, action=custom_ids.EDIT):
    """Edit: a link, only for the clicker, to the web editor (paint the area to change or
    drag the frame outward), valid for minutes; the job it makes is theirs and they pay."""

    look: ClassVar[Look] = {"label": "Edit", "emoji": "🖌️"}

    async def act(self, bot: ImagineBot, interaction: discord.Interaction) -> None:
        await web_links.send_editor_link(bot, interaction, self.image_id)


class UnshareButton(ImageButton, action=custom_ids.UNSHARE):
    """Under a gallery post: the author unshares it, a moderator removes it."""

    look: ClassVar[Look] = {"label": "Remove from gallery", "style": discord.ButtonStyle.secondary}

    async def act(self, bot: ImagineBot, interaction: discord.Interaction) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        done = await take_down(bot, interaction, self.image_id)
        await interaction.followup.send(took_down(done), ephemeral=True)


class ReopenButton(ImageButton, action=custom_ids.REOPEN):
    """A /history entry: its result again, with V1–V4, 🔄, Save and Share."""

    async def act(self, bot: ImagineBot, interaction: discord.Interaction) -> None:
        made = await Library.of(bot.studio).reopen(interaction.user.id, self.image_id)
        await interaction.response.defer(ephemeral=True, thinking=True)  # a grid to make
        grid = await asyncio.to_thread(
            lambda: render.grid_jpeg([bot.studio.files.read(image) for image in made])
        )
        limit = fitting.upload_limit(interaction.filesize_limit)
        upload = await fitting.fitted(grid, render.GRID_STEM, limit)
        kind = "generate" if made[0].parent_id is None else "vary"
        await interaction.followup.send(
            render.GRID_NOTE.strip() if upload.reduced else discord.utils.MISSING,
            embed=render.result_embed(made, made[0].owner_id, kind, upload.filename),
            file=discord.File(io.BytesIO(upload.data), filename=upload.filename),
            view=result_view(made),
            ephemeral=True,
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


# -- ◀ ▶ of paged lists --------------------------------------------------------------------


class PageButton(
    discord.ui.DynamicItem[discord.ui.Button], template=r"imagine:nopage:(?P<key>0):(?P<page>0)"
):
    """◀ or ▶ of a paged list (``imagine:<action>:<key>:<page>``): the custom_id carries the
    list's key and the page it opens, so paging works on old messages after a restart.

    A subclass names its ``action`` in the class line and implements ``show``, which
    returns the page's message (content, file, view).
    """

    action: ClassVar[str] = "nopage"

    def __init_subclass__(cls, *, action: str, **kwargs: Any) -> None:
        super().__init_subclass__(template=custom_ids.page_template(action), **kwargs)
        cls.action = action

    def __init__(self, key: int, page: int, *, row: int | None = None, **look: Any) -> None:
        super().__init__(
            discord.ui.Button(
                custom_id=custom_ids.build_page(self.action, key, page), row=row, **look
            )
        )
        self.key = key
        self.page = page

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str], /
    ) -> PageButton:
        return cls(int(match["key"]), int(match["page"]))

    @classmethod
    def add_nav(cls, view: discord.ui.View, key: int, page: Page, row: int) -> None:
        """◀ ▶ for ``page`` of the list ``key``; none when the list has one page."""
        if page.count <= 1:
            return
        last = page.count - 1
        view.add_item(
            cls(key, max(page.number - 1, 0), row=row, emoji="◀", disabled=page.number == 0)
        )
        view.add_item(
            cls(key, min(page.number + 1, last), row=row, emoji="▶", disabled=page.number == last)
        )

    async def callback(self, interaction: discord.Interaction) -> None:
        """Acknowledge at once (a page reads and shrinks up to 20 images), then edit the
        page in place; a refusal is a message only the clicker sees."""
        bot: ImagineBot = interaction.client  # type: ignore[assignment]
        await interaction.response.defer()
        try:
            message = await self.show(bot, interaction)
        except StudioError as error:
            await interaction.followup.send(words(error), ephemeral=True)
            return
        file = message.pop("file", None)
        await interaction.edit_original_response(
            attachments=[file] if file else [], view=message.pop("view", None), **message
        )

    async def show(self, bot: ImagineBot, interaction: discord.Interaction) -> dict:
        raise NotImplementedError


class HistoryPage(PageButton, action=custom_ids.HISTORY):
    """◀ ▶ under /history; only the history's owner can turn its pages."""

    async def show(self, bot: ImagineBot, interaction: discord.Interaction) -> dict:
        if interaction.user.id != self.key:
            raise BadRequest("That is someone else's history; use `/history` for yours.")
        return await history_page(bot, self.key, self.page)


class CollectionPageButton(PageButton, action=custom_ids.COLLECTION):
    """◀ ▶ under /collection show; checks again that the clicker may see the collection."""

    async def show(self, bot: ImagineBot, interaction: discord.Interaction) -> dict:
        shown = await Library.of(bot.studio).show_page(interaction.user.id, self.key, self.page)
        return await collection_page(bot, shown)


IMAGE_BUTTONS: tuple[type[ImageButton], ...] = (
    VaryButton,
    RerollButton,
    UpscaleSubtleButton,
    UpscaleCreativeButton,
    VarySubtleButton,
    VaryStrongButton,
    ZoomOut15Button,
    ZoomOut2Button,
    PanLeftButton,
    PanRightButton,
    PanUpButton,
    PanDownButton,
    OpenButton,
    SaveButton,
    SaveAllButton,
    ShareButton,
    EditButton,
    UnshareButton,
    ReopenButton,
)
DYNAMIC_ITEMS: tuple[type[discord.ui.DynamicItem], ...] = (
    *IMAGE_BUTTONS,
    HistoryPage,
    CollectionPageButton,
    MalformedButton,
)


# -- views: which buttons go under what --------------------------------------------------


def result_view(images: list[ImageRecord]) -> discord.ui.View:
    """U1–U4 open an image, V1–V4 vary it, 🔄 runs the job again, Save, Share."""
    view = discord.ui.View(timeout=None)
    first = images[0].id
    for image in images:
        view.add_item(OpenButton(image.id, row=0, label=f"U{image.position}"))
    for image in images:
        view.add_item(VaryButton(image.id, row=1, label=f"V{image.position}"))
    view.add_item(RerollButton(first, row=1))
    view.add_item(SaveAllButton(first, row=2))
    view.add_item(ShareButton(first, row=2))
    return view


def single_view(image: ImageRecord) -> discord.ui.View:
    """Buttons under one opened image: upscale, vary (subtle, strong), zoom out, pan ⬅ ➡ ⬆ ⬇,
    save, share, and edit in the browser."""
    view = discord.ui.View(timeout=None)
    for control in (UpscaleSubtleButton, UpscaleCreativeButton, VarySubtleButton, VaryStrongButton):
        view.add_item(control(image.id, row=0))
    for control in (ZoomOut15Button, ZoomOut2Button):
        view.add_item(control(image.id, row=1))
    for control in (PanLeftButton, PanRightButton, PanUpButton, PanDownButton):
        view.add_item(control(image.id, row=2))
    view.add_item(SaveButton(image.id, row=3))
    view.add_item(ShareButton(image.id, row=3))
    view.add_item(EditButton(image.id, row=3))
    return view


def gallery_view(image: ImageRecord) -> discord.ui.View:
    """Under a gallery post: its author unshares it, a moderator removes it."""
    view = discord.ui.View(timeout=None)
    view.add_item(UnshareButton(image.id))
    return view


def history_view(owner_id: int, page: Page[list[ImageRecord]]) -> discord.ui.View:
    """A number per generation on the page (reopen it), and ◀ ▶."""
    view = discord.ui.View(timeout=None)
    first = page.number * HISTORY_PAGE + 1
    for offset, generation in enumerate(page.items):
        view.add_item(ReopenButton(generation[0].id, row=0, label=str(first + offset)))
    HistoryPage.add_nav(view, owner_id, page, row=1)
    return view


def collection_view(shown: CollectionPage) -> discord.ui.View | None:
    """◀ ▶ of a collection with more than one page."""
    if shown.page.count <= 1:
        return None
    view = discord.ui.View(timeout=None)
    CollectionPageButton.add_nav(view, shown.collection.id, shown.page, row=0)
    return view


# -- what the buttons and the commands share ----------------------------------------------


async def history_page(bot: ImagineBot, owner_id: int, number: int) -> dict:
    """Page ``number`` of a user's /history, as message keyword arguments."""
    page = await Library.of(bot.studio).history(owner_id, number)
    sheet = await asyncio.to_thread(pages.history_sheet_png, bot.studio.files, page)
    return pages.history_message(owner_id, page, sheet, history_view(owner_id, page))


async def collection_page(bot: ImagineBot, shown: CollectionPage) -> dict:
    """A page of /collection show, as message keyword arguments."""
    sheet = await asyncio.to_thread(pages.collection_sheet_png, bot.studio.files, shown)
    return pages.collection_message(shown, sheet, collection_view(shown))


async def moderates(bot: ImagineBot, interaction: discord.Interaction, share: Share) -> bool:
    """Manage Messages where the post is (the gallery channel, or its forum post), not
    where the command was typed: moderating one channel is no right over the gallery."""
    if share.channel_id is None or interaction.guild is None:
        return False
    if interaction.channel_id == share.channel_id:  # the Remove button under the post
        return interaction.permissions.manage_messages
    member = interaction.user
    if not isinstance(member, discord.Member):
        return False
    channel = interaction.guild.get_channel_or_thread(share.channel_id)
    if channel is None:
        try:
            channel = await bot.fetch_channel(share.channel_id)
        except discord.HTTPException:  # the post's channel is gone: the server-wide right
            return member.guild_permissions.manage_messages
    if not isinstance(channel, discord.abc.GuildChannel | discord.Thread):
        return False
    return channel.permissions_for(member).manage_messages


async def take_down(bot: ImagineBot, interaction: discord.Interaction, image_id: str) -> TakeDown:
    """Unshare (the author) or remove (a moderator) an image, and delete its post."""
    gallery = Gallery.of(bot.studio)
    share = await gallery.live_share(interaction.guild_id, image_id)
    moderator = share is not None and await moderates(bot, interaction, share)
    who = (interaction.guild_id, image_id, interaction.user.id, moderator)
    # The post goes first: one Discord refuses to delete stays listed as up (PostNotRemoved).
    checked = await gallery.check_take_down(*who)
    with gallery_posts.taking_down(checked):
        await gallery_posts.take_down(bot, checked)
        return await gallery.take_down(*who)


def took_down(done: TakeDown) -> str:
    if done.by_moderator:
        return (
            "Removed from the gallery. It stays in its author's history; it cannot be "
            "shared here again."
        )
    return "Unshared: the post is gone from the gallery (you can share it again later)."


async def _saved(interaction: discord.Interaction, added: int, asked: int) -> None:
    if added == 0:
        text = "Already in your collection **Saved**."
    else:
        text = f"Saved {added} image{'s' if added != 1 else ''} to your collection **Saved**."
    await interaction.response.send_message(text, ephemeral=True)
