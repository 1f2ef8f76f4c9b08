"""The studio's use-cases, independent of Discord: imagine, vary, edit, reroll.

Each validates its input, passes the content policy (suspensions, prompt, uploads) before
any credit is taken, charges the credit in the same transaction that records the
job, submits the job to the queue and returns a :class:`JobHandle` to follow it.
"""

from __future__ import annotations

import asyncio
import io
import logging
import secrets
import time
import unicodedata
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

import aiosqlite
from PIL import Image, ImageOps

from bot import canvas
from bot.config import Settings
from bot.credits import CreditRules
from bot.errors import BadRequest, DirectMessagesOff, NoAccess, NotFound, Unavailable
from bot.library import CollectionFull, visible_to
from bot.moderation import Moderator
from bot.uploads import open_upload
from bot.watcher import JobHandle, JobWatcher
from data import access, collections, images, job_records, ledger, moderation, users
from data.images import ImageFiles, ImageRecord
from data.jobs import Job, JobKind, OutputRules, Priority
from data.ledger import Pool
from data.queue import JobQueue
from data.store import Store


@dataclass(frozen=True)
class Requester:
    """Who asks, and from where: the server and the member's roles decide access."""

    id: int
    name: str = ""
    guild_id: int | None = None  # None: a DM or the terminal
    role_ids: frozenset[int] = frozenset()
    dm: bool = False  # a Discord direct message: refused unless ALLOW_DMS, then every
    # server's suspensions and role rules apply (no server's rules would otherwise)


@dataclass(frozen=True)
class ImagineOptions:
    negative: str = ""
    size: str = "square"
    seed: int | None = None
    count: int | None = None


@dataclass(frozen=True)
class EditOptions:
    """How to pick the area to paint: exactly one of mask, region, extend or zoom (or none)."""

    mask: bytes | None = None  # a black/white mask, or a PNG whose transparent pixels are the area
    region: str | None = None
    extend: str | None = None
    extend_pixels: int | None = None
    zoom: float | None = None


@dataclass(frozen=True)
class CreditSummary:
    balance: ledger.Balance
    next_refill: datetime
    refill_amount: int
    recent: list[ledger.LedgerEntry]


log = logging.getLogger(__name__)

ImageSource = str | bytes  # an image id from this studio, or uploaded file bytes

# The member's roles on each of these servers where they are a member (servers where
# they are not are left out); the Discord adapter answers it, for requests from DMs.
MemberRoles = Callable[[int, list[int]], Awaitable[dict[int, frozenset[int]]]]

MAX_SEED = 2**32 - 16
SCREEN_SIDE = 1024  # uploads are screened at most this big (the detector looks at 320²)
T = TypeVar("T")


class Studio:
    def __init__(
        self,
        settings: Settings,
        store: Store,
        queue: JobQueue,
        watcher: JobWatcher,
        files: ImageFiles,
        credits: CreditRules,
        *,
        clock: Callable[[], float] = time.time,
        moderator: Moderator | None = None,
        unavailable: Callable[[], str | None] = lambda: None,
        member_roles: MemberRoles | None = None,
    ) -> None:
        self.settings = settings
        self._decodes = asyncio.Semaphore(settings.max_image_decodes)
        self.member_roles = member_roles  # set by the Discord client; None: DMs find no roles
        self.moderator = moderator  # None: no content policy (Runtime always gives one)
        self.unavailable = unavailable  # why no job can run now (no model), or None
        self.store = store
        self.queue = queue
        self.watcher = watcher
        self.files = files
        self.credits = credits
        self.clock = clock

    # -- use-cases ---------------------------------------------------------------------

    async def imagine(
        self,
        user: Requester,
        prompt: str,
        options: ImagineOptions = ImagineOptions(),
        origin: dict[str, Any] | None = None,
    ) -> JobHandle:
        prompt = self.clean_prompt(prompt)
        negative = self.clean_prompt(options.negative, required=False)
        await self._screen(user, origin, prompt)
        if options.size not in self.settings.sizes:
            raise BadRequest(
                f"Unknown size {options.size!r}; use {', '.join(self.settings.sizes)}."
            )
        width, height = self.settings.sizes[options.size]
        count = options.count if options.count is not None else self.settings.images_per_prompt
        if not 1 <= count <= 4:
            raise BadRequest("Ask for 1 to 4 images.")
        job = self._job(JobKind.GENERATE, prompt, negative, options.seed, count, width, height)
        return await self._submit(user, job, self.settings.generation_cost, None, origin)

    async def vary(
        self,
        user: Requester,
        source: ImageSource,
        *,
        strength: float | None = None,
        prompt: str | None = None,
        seed: int | None = None,
        origin: dict[str, Any] | None = None,
    ) -> JobHandle:
        """Variations of an image (image-to-image with fresh seeds), 3 by default."""
        strength = self.settings.vary_strength if strength is None else strength
        if not 0.05 <= strength <= 1:
            raise BadRequest("Strength must be between 0.05 and 1.")
        text = self.clean_prompt(prompt) if prompt else None
        await self._screen(user, origin, text)
        image, parent = await self._source(user, source, origin)
        text = text if text is not None else (parent.prompt if parent else "")
        init_image = await self._image_work(lambda: _png(image.convert("RGB")))
        job = self._job(
            JobKind.VARY,
            text,
            parent.negative if parent else "",
            seed,
            self.settings.images_per_edit,
            image.width,
            image.height,
            strength=strength,
            init_image=init_image,
        )
        return await self._submit(
            user, job, self.settings.edit_cost, parent.id if parent else None, origin
        )

    async def edit(
        self,
        user: Requester,
        source: ImageSource,
        prompt: str,
        options: EditOptions = EditOptions(),
        origin: dict[str, Any] | None = None,
        seed: int | None = None,
    ) -> JobHandle:
        """Inpaint a masked area or outpaint a grown canvas; without a mask, a remix."""
        prompt = self.clean_prompt(prompt)
        await self._screen(user, origin, prompt)
        image, parent = await self._source(user, source, origin)
        chosen = [o for o in (options.mask, options.region, options.extend, options.zoom) if o]
        if len(chosen) > 1:
            raise BadRequest("Pick one of: a mask, --region, --extend or --zoom.")
        edit_area = await self._image_work(lambda: self._edit_area(image, options))
        if edit_area is None:
            return await self.vary(user, source, prompt=prompt, seed=seed, origin=origin)
        init_image, mask = await self._image_work(
            lambda: (_png(edit_area.image), _png(edit_area.mask))
        )
        job = self._job(
            JobKind.EDIT,
            prompt,
            parent.negative if parent else "",
            seed,
            self.settings.images_per_edit,
            edit_area.image.width,
            edit_area.image.height,
            strength=1.0,
            init_image=init_image,
            mask=mask,
        )
        return await self._submit(
            user, job, self.settings.edit_cost, parent.id if parent else None, origin
        )

    async def reroll(
        self, user: Requester, image_id: str, origin: dict[str, Any] | None = None
    ) -> JobHandle:
        """Run the job that made ``image_id`` again with a new seed (🔄)."""
        record = await self.image(image_id)
        async with self.store.read() as db:
            made_by = await job_records.get(db, record.job_id)
        await self._screen(user, origin, made_by.job.prompt or None)  # terms may be new
        job = made_by.job.model_copy(
            update={"id": uuid.uuid4().hex, "seed": secrets.randbelow(MAX_SEED)}
        )
        cost = (
            self.settings.generation_cost
            if job.kind is JobKind.GENERATE
            else self.settings.edit_cost
        )
        return await self._submit(user, job, cost, made_by.source_image_id, origin)

    # -- queries -----------------------------------------------------------------------

    async def image(self, image_id: str) -> ImageRecord:
        async with self.store.read() as db:
            record = await images.get(db, image_id)
        if record is None:
            raise NotFound("That image no longer exists.")
        return record

    async def images_of_job(self, job_id: str) -> list[ImageRecord]:
        async with self.store.read() as db:
            return await images.of_job(db, job_id)

    async def visible_image(
        self, user: Requester, image_id: str, channel_id: int | None = None
    ) -> ImageRecord:
        """The image if the user may see it (see :func:`bot.library.visible_to`); a private
        one answers exactly like a missing one."""
        async with self.store.read() as db:
            record = await images.get(db, image_id)
            if record is None or not await visible_to(db, user.id, record, channel_id):
                raise NotFound("That image no longer exists.")
        return record

    async def save(
        self,
        user: Requester,
        image_ids: list[str],
        collection: str = "Saved",
        *,
        seen_in: int | None = None,
    ) -> int:
        """Add images the user may see (``seen_in``: the channel of the button clicked) to
        one of their collections; returns how many were new there."""
        now = self.clock()
        async with self.store.transaction() as db:
            for image_id in image_ids:
                record = await images.get(db, image_id)
                if record is None or not await visible_to(db, user.id, record, seen_in):
                    raise NotFound("That image no longer exists.")
            await users.ensure_user(db, user.id, user.name, now)
            collection_id = await collections.ensure(db, user.id, collection, now)
            cap = self.settings.collection_cap
            added = await collections.add_within_cap(
                db, user.id, collection_id, image_ids, cap, now
            )
            if added is None:
                raise CollectionFull(cap)
            return added

    async def credit_summary(self, user: Requester) -> CreditSummary:
        """Balances per pool, when free credits expire (the next refill) and recent rows."""
        now, scope = self.clock(), self.credit_scope(user)
        async with self.store.transaction() as db:
            await users.ensure_user(db, user.id, user.name, now)
            await self.credits.top_up(db, user.id, now, scope)
            return CreditSummary(
                balance=await self.credits.wallet(db, user.id, scope, user.guild_id),
                next_refill=await self.credits.next_refill(db, user.id, now, scope),
                refill_amount=self.credits.monthly_credits,
                recent=await ledger.recent(
                    db, user.id, limit=5, scope=scope, guild=user.guild_id or 0
                ),
            )

    async def admin_grant(
        self, target: Requester, amount: int, reason: str, key: str, *, everywhere: bool = False
    ) -> CreditSummary:
        """An admin gives or takes credits, with a reason; the key makes a retry harmless.

        A grant is spent only on the target's server (``target.guild_id``): a server's
        admins cannot mint credits for other servers. ``everywhere`` (the caller checked the
        admin is an operator) or a target without a server (the terminal) grants globally.
        """
        reason = self.clean_prompt(reason, required=False) or "admin grant"
        if amount == 0:
            raise BadRequest("Give a non-zero amount (negative takes credits away).")
        now, scope = self.clock(), self.credit_scope(target)
        where = 0 if everywhere or target.guild_id is None else target.guild_id
        async with self.store.transaction() as db:
            await users.ensure_user(db, target.id, target.name, now)
            await self.credits.admin_grant(
                db, target.id, amount, reason[:200], key, now, scope, where
            )
        return await self.credit_summary(target)

    async def history(self, user: Requester, limit: int = 15) -> list[ledger.LedgerEntry]:
        async with self.store.read() as db:
            return await ledger.recent(
                db, user.id, limit, self.credit_scope(user), user.guild_id or 0
            )

    async def purchase(self, user: Requester, entitlement_id: int) -> bool:
        """A credit pack bought through Discord; True the first time this entitlement is seen."""
        now = self.clock()
        async with self.store.transaction() as db:
            await users.ensure_user(db, user.id, user.name, now)
            return await self.credits.purchase(db, user.id, entitlement_id, now)

    async def balance(self, user: Requester) -> int:
        """What the user can spend where they are (welcome credits included)."""
        now, scope = self.clock(), self.credit_scope(user)
        async with self.store.transaction() as db:
            await users.ensure_user(db, user.id, user.name, now)
            await self.credits.top_up(db, user.id, now, scope)
            return (await self.credits.wallet(db, user.id, scope, user.guild_id)).total

    def credit_scope(self, user: Requester) -> int:
        """The server whose credits pay, when credits are per server; else 0 (global)."""
        if self.settings.credits_per_server and user.guild_id is not None:
            return user.guild_id
        return 0

    # -- helpers -----------------------------------------------------------------------

    def clean_prompt(self, text: str | None, *, required: bool = True) -> str:
        """Trim, drop invisible format characters, refuse control characters and overlong text."""
        text = (text or "").replace("\n", " ").replace("\t", " ")
        if any(unicodedata.category(ch) == "Cc" for ch in text):
            raise BadRequest("The prompt contains control characters; remove them and try again.")
        text = "".join(ch for ch in text if unicodedata.category(ch) != "Cf")
        text = " ".join(text.split())
        if required and not text:
            raise BadRequest("Write a prompt: describe the image you want.")
        limit = self.settings.max_prompt_length
        if len(text) > limit:
            raise BadRequest(f"The prompt is {len(text)} characters long; the limit is {limit}.")
        return text

    def _job(
        self,
        kind: JobKind,
        prompt: str,
        negative: str,
        seed: int | None,
        n: int,
        width: int,
        height: int,
        **extra: Any,
    ) -> Job:
        if seed is not None and not 0 <= seed <= MAX_SEED:
            raise BadRequest(f"The seed must be between 0 and {MAX_SEED}.")
        return Job(
            id=uuid.uuid4().hex,
            kind=kind,
            prompt=prompt,
            negative_prompt=negative,
            seed=secrets.randbelow(MAX_SEED) if seed is None else seed,
            n=n,
            width=width,
            height=height,
            steps=self.settings.steps,
            guidance=self.settings.guidance,
            **extra,
        )

    async def _screen(
        self, user: Requester, origin: dict[str, Any] | None, prompt: str | None
    ) -> None:
        """DMs (when off), suspended users, role rules seen from DMs and blocked prompts
        stop here, before any credit is taken."""
        guilds = [_guild_of(user, origin)]
        if user.dm:
            if not self.settings.allow_dms:
                raise DirectMessagesOff()
            guilds += await self._check_access_from_dm(user)
        if self.moderator is None:
            return
        for guild_id in guilds:  # from a DM: the bot's terms, then each server's own
            if prompt:
                await self.moderator.screen_prompt(user.id, guild_id, prompt)
            else:
                await self.moderator.ensure_allowed(user.id, guild_id)

    async def _source(
        self, user: Requester, source: ImageSource, origin: dict[str, Any] | None = None
    ) -> tuple[Image.Image, ImageRecord | None]:
        """The image to work on, scaled for the model, and its record when it is ours.
        An upload passes the image checks (nudity, faces) first, on a copy scaled down to
        at most SCREEN_SIDE: the full-size decode never outlives its thread."""
        longest = canvas.align(self.settings.image_size * 3 / 2)
        if isinstance(source, bytes):
            screened, image = await self._image_work(lambda: self._open_upload(source, longest))
            if self.moderator is not None:
                await self.moderator.screen_upload(user.id, _guild_of(user, origin), screened)
            return image, None
        parent = await self.image(source)
        path = self.files.absolute(parent)
        return await self._image_work(lambda: _open_fitted(path, longest)), parent

    async def _image_work(self, work: Callable[[], T]) -> T:
        """Decode, resize or encode in a thread (0.1–0.3 s of CPU for a 4096² upload: the
        event loop keeps answering Discord), at most MAX_IMAGE_DECODES at once (each holds
        a full-size image in memory)."""
        async with self._decodes:
            return await asyncio.to_thread(work)

    def _open_upload(self, data: bytes, longest: int) -> tuple[Image.Image, Image.Image]:
        """(the copy to screen, the image for the model) from upload bytes; in a thread."""
        image = open_upload(
            data,
            max_bytes=self.settings.max_upload_bytes,
            max_pixels=self.settings.max_upload_pixels,
        )
        screened = ImageOps.contain(image, (SCREEN_SIDE, SCREEN_SIDE))
        return screened, canvas.fit(image, longest)

    def _edit_area(self, image: Image.Image, options: EditOptions) -> canvas.Canvas | None:
        limit = self.settings.max_canvas
        if options.extend:
            return canvas.extend(image, options.extend, options.extend_pixels, limit)
        if options.zoom:
            return canvas.zoom_out(image, options.zoom, limit)
        rgb = image.convert("RGB")
        if options.region:
            return canvas.Canvas(rgb, canvas.region_mask(image.size, options.region))
        if options.mask:
            drawing = open_upload(
                options.mask,
                max_bytes=self.settings.max_upload_bytes,
                max_pixels=self.settings.max_upload_pixels,
            )
            return canvas.Canvas(rgb, canvas.mask_from_drawing(drawing, image.size))
        alpha = canvas.mask_from_alpha(image)
        return canvas.Canvas(rgb, alpha) if alpha is not None else None

    async def _submit(
        self,
        user: Requester,
        job: Job,
        cost: int,
        source_image_id: str | None,
        origin: dict[str, Any] | None,
    ) -> JobHandle:
        if (reason := self.unavailable()) is not None:
            raise Unavailable(reason)
        # The worker checks the images with the server's rules as they are now.
        rules = (
            await self.moderator.output_rules(_guild_of(user, origin))
            if self.moderator is not None
            else OutputRules(block_nudity=False)
        )
        now = self.clock()
        async with self.store.transaction() as db:
            await self._check_access(db, user)
            await users.ensure_user(db, user.id, user.name, now)
            limit = self.settings.max_jobs_per_user
            if (busy := await job_records.open_count(db, user.id)) >= limit:
                raise BadRequest(
                    f"You have {busy} unfinished request{'s' if busy != 1 else ''} (the limit"
                    f" is {limit}); wait for one to finish, then try again."
                )
            pools = await self.credits.charge(
                db, user.id, cost, job.id, now, self.credit_scope(user), user.guild_id
            )
            # The queue takes turns by user and serves bought credits first when it is long
            # (granted credits never: anyone can make a server and grant themselves some).
            priority = Priority.PAID if Pool.PAID in pools else Priority.FREE
            job = job.model_copy(
                update={"user_id": user.id, "priority": priority, "output_rules": rules}
            )
            await job_records.insert(
                db,
                job,
                user_id=user.id,
                cost=cost,
                source_image_id=source_image_id,
                origin=origin,
                now=now,
            )
        handle = self.watcher.watch(job.id)
        # After the commit: if we die here, the watcher finds the job open and submits it.
        try:
            await self.queue.submit(job)
        except Exception:  # recorded and paid for: the watcher submits it on a later tick
            log.warning("job %s: the queue refused it for now; retrying", job.id, exc_info=True)
        return handle

    async def _check_access_from_dm(self, user: Requester) -> list[int]:
        """A DM honours the role rule of every server that has one and the member is on:
        refused with NoAccess on one server, refused in DMs too. Returns the member's
        servers that block terms of their own (their prompt rules apply in DMs as well)."""
        async with self.store.read() as db:
            ruled = await access.guilds_with_rules(db)
            with_terms = await moderation.guilds_with_blocked_terms(db)
        if not ruled and not with_terms:
            return []
        if self.member_roles is None:
            raise BadRequest("Imagine cannot check your roles from a DM; use it in a server.")
        roles_on = await self.member_roles(user.id, sorted(set(ruled) | set(with_terms)))
        for guild_id, role_ids in roles_on.items():
            async with self.store.read() as db:
                roles = await access.allowed_roles(db, guild_id)
            if roles and role_ids.isdisjoint(roles):
                raise NoAccess(roles)
        return [guild_id for guild_id in with_terms if guild_id in roles_on]

    async def _check_access(self, db: aiosqlite.Connection, user: Requester) -> None:
        if user.guild_id is None:
            return
        roles = await access.allowed_roles(db, user.guild_id)
        if roles and user.role_ids.isdisjoint(roles):
            raise NoAccess(roles)

    # -- server settings ---------------------------------------------------------------

    async def access_roles(self, guild_id: int) -> list[int]:
        async with self.store.read() as db:
            return await access.allowed_roles(db, guild_id)

    async def allow_role(self, guild_id: int, role_id: int, by: Requester) -> bool:
        if role_id == guild_id:
            raise BadRequest("@everyone already means everyone; use /access open instead.")
        async with self.store.transaction() as db:
            return await access.allow(db, guild_id, role_id, by.id, self.clock())

    async def revoke_role(self, guild_id: int, role_id: int) -> bool:
        async with self.store.transaction() as db:
            return await access.revoke(db, guild_id, role_id)

    async def open_to_everyone(self, guild_id: int) -> int:
        """Drop every role restriction; returns how many roles were allowed."""
        async with self.store.transaction() as db:
            roles = await access.allowed_roles(db, guild_id)
            for role in roles:
                await access.revoke(db, guild_id, role)
            return len(roles)


def _guild_of(user: Requester, origin: dict[str, Any] | None) -> int | None:
    """The server a request comes from: the member's, else where the result goes."""
    return user.guild_id if user.guild_id is not None else (origin or {}).get("guild_id")


def _open_fitted(path: Path, longest: int) -> Image.Image:
    """One of our stored images, scaled for the model (in a thread)."""
    image = Image.open(path)
    image.load()  # reads the file and closes it (a PNG has one frame)
    return canvas.fit(image, longest)


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()
