"""Generation, the studio's main use-cases, independent of any adapter: imagine, vary,
edit, reroll.

The other areas are services of their own, made from a studio the same way:
:class:`bot.wallet.Wallet` (credits), :class:`bot.access.Access` (who may use it on a
server), :class:`bot.library.Library` (history, collections, forgetting) and
:class:`bot.gallery.Gallery` (sharing). Every refusal is a coded :class:`bot.errors.
StudioError`; every request carries a typed :mod:`origin <data.origins>`.

Each generation use-case validates its input, passes the content policy (suspensions,
prompt, uploads) before any credit is taken, charges the credit in the same transaction
that records the job, submits the job to the queue and returns a :class:`JobHandle`."""

from __future__ import annotations

import asyncio
import io
import logging
import secrets
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, TypeVar

from PIL import Image, ImageOps

from data import images, job_records, users
from data.images import ImageFiles, ImageRecord
from data.jobs import Job, JobKind, OutputRules, Priority
from data.ledger import Pool
from data.origins import Origin
from data.queue import JobQueue
from data.store import Store
from studio import access, aspect, canvas, styles
from studio.access import MemberRoles
from studio.credits import CreditRules
from studio.errors import (
    BadCount,
    BadReferences,
    BadSeed,
    BadStrength,
    ConflictingEditOptions,
    DirectMessagesOff,
    ImageNotFound,
    JobNotFound,
    NegativePromptUnsupported,
    TooLarge,
    TooManyJobs,
    Unavailable,
    UnknownSize,
)
from studio.library import Library, visible_to
from studio.moderation import Moderator
from studio.parameters import read_parameters
from studio.preferences import Preferences
from studio.provenance import is_own_image, own_certificate, reference_of
from studio.quality import Quality, steps_for
from studio.rate_limit import JobRateLimit, SharedCounter
from studio.recent import ChangeBell
from studio.requester import CONSOLE, Requester
from studio.settings import Settings
from studio.styles import Styles
from studio.text import clean_text
from studio.uploads import open_upload
from studio.wallet import Wallet, credit_scope
from studio.watcher import JobHandle, JobWatcher


@dataclass(frozen=True)
class ImagineOptions:
    """What a request says; None takes the member's /settings, then the server's, then
    the bot's settings (a member who never opened /settings gets the bot's)."""

    negative: str | None = None
    size: str | None = None  # square, portrait, landscape, or a ratio W:H
    seed: int | None = None
    count: int | None = None
    ratio: str | None = None  # W:H from 1:4 to 4:1; wins over size
    style: str | None = None  # a server's style preset
    quality: Quality | None = None  # steps within the model's range (studio/quality.py)


@dataclass(frozen=True)
class EditOptions:
    """How to pick the area to paint: exactly one of mask, region, extend, zoom or frame
    (or none)."""

    mask: bytes | None = None  # a black/white mask, or a PNG whose transparent pixels are the area
    region: str | None = None
    extend: str | None = None
    extend_pixels: int | None = None
    zoom: float | None = None
    # the web editor's frame dragged outward: (left, top, right, bottom) growth as a
    # fraction of the picture's width or height (see :func:`studio.canvas.grow`)
    frame: tuple[float, float, float, float] | None = None
    # Further images the model conditions on besides the source (a reference family
    # only, e.g. FLUX.2 [klein]); with no area to paint, the edit is a whole-image one.
    references: tuple[bytes, ...] = ()
    quality: Quality | None = None
    strength: float | None = None  # a whole-image edit's variation strength (img2img models)


log = logging.getLogger(__name__)

ImageSource = str | bytes  # an image id from this studio, or uploaded file bytes

MIN_STRENGTH = 0.05  # below it a variation is the same picture
MAX_SEED = 2**32 - 16
SERVED_CACHE_SECONDS = 1.0  # how long "a live worker serves this model" is believed
MAX_SIDE = 2048  # the job contract's longest side
MAX_INPUT_IMAGES = 4  # an edit's source and its reference images, together
SCREEN_SIDE = 1024  # uploads are screened at most this big (the detector looks at 320²)
T = TypeVar("T")


class Studio:
    """Generation: turn requests into paid, queued jobs.

    Args:
        settings: sizes, costs, limits and the model's steps and guidance.
        store: the database (job rows, ledger, users).
        queue: where jobs go for the workers.
        watcher: follows submitted jobs; :meth:`imagine` & co. return its handles.
        files: where image PNGs live (sources for vary and edit).
        credits: the credit rules that charge each job.
        clock: the time (tests pass a fake one).
        moderator: the content policy; None runs without one (Runtime always gives one).
        unavailable: why no job can run now (the model failed to load), or None.
        settings_bell: tells other processes (bot, API) that stored defaults changed.
    """

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
        shared_rate_counts: SharedCounter | None = None,
        settings_bell: ChangeBell | None = None,
    ) -> None:
        self.settings = settings
        self._decodes = asyncio.Semaphore(settings.max_image_decodes)
        self.member_roles = member_roles  # set by the Discord client; None: DMs find no roles
        self.moderator = moderator  # None: no content policy (Runtime always gives one)
        self.unavailable = unavailable  # why no job can run now (no model), or None
        self.store = store
        self.queue = queue
        self.watcher = watcher
        self._served_until: dict[str, float] = {}  # model → until when it was seen served
        self.files = files
        self.credits = credits
        self.clock = clock
        self.preferences = Preferences(
            settings, store, clock, screen=self._screen_text, bell=settings_bell
        )
        self.rate_limit = JobRateLimit(
            settings.rate_limit_jobs,
            settings.rate_limit_seconds,
            own_limits={CONSOLE.id: settings.console_rate_limit_jobs},
            shared=shared_rate_counts,  # several processes, one limit (QUEUE=redis)
        )
        self.styles = Styles(settings, store, clock)

    # -- use-cases ---------------------------------------------------------------------

    def forget_kept_settings(self) -> None:
        """Forget the stored settings kept in memory (studio/recent.py): another process
        changed some (members' and servers' defaults, servers' rules and words)."""
        self.preferences.clear()
        if self.moderator is not None:
            self.moderator.clear()

    async def admit(self, user: Requester, origin: Origin | None = None) -> None:
        """Count this request against the member's rate limit, or raise ``rate_limited``.

        Every use-case that starts a job calls it first; an adapter that must refuse before
        reading a body or downloading an attachment calls it earlier, and the request is
        still counted once (see :mod:`studio.rate_limit`).
        """
        await self.rate_limit.check(user.id, request=origin.request_key if origin else None)

    async def image_work(self, work: Callable[[], T]) -> T:
        """Run an adapter's image decoding in the studio's bounded thread pool (see
        :meth:`_image_work`): one limit for every way an upload comes in."""
        return await self._image_work(work)

    async def imagine(
        self,
        user: Requester,
        prompt: str,
        options: ImagineOptions = ImagineOptions(),
        origin: Origin | None = None,
    ) -> JobHandle:
        """Make images from a prompt (text to image).

        Args:
            user: who asks and pays; their server's access rules and credits apply.
            prompt: what to draw (cleaned; at most ``MAX_PROMPT_LENGTH`` characters).
            options: negative prompt, size name, seed and image count (1–4).
            origin: where the answer goes (the adapter's typed origin), kept with the job.

        Returns:
            A handle with live updates and the outcome.

        Raises:
            StudioError: a bad prompt or option (a BadRequest: ``prompt_empty``,
                ``text_too_long``, ``unknown_size``, ``bad_count``…), ``content_blocked``,
                ``suspended``, ``no_access``, ``not_enough_credits``, ``unavailable``.
                Nothing was charged or queued.
        """
        await self.admit(user, origin)
        options, prompt = _with_parameters(options, self.clean_prompt(prompt))
        prompt = self.clean_prompt(prompt)  # not empty once the parameters are off
        negative = self.clean_prompt(options.negative, required=False)
        NegativePromptUnsupported.check(self.settings, negative)  # never dropped silently
        works = self.settings.negative_prompt_works
        defaults = await self.preferences.for_user(user)
        if options.negative is None and works:  # the member's or the server's /settings
            negative = self.clean_prompt(defaults.negative, required=False)
        if options.style:
            preset = await self.styles.get(_guild_of(user, origin), options.style)
            prompt, negative = styles.apply(preset, prompt, negative)
            negative = negative if works else ""  # a preset's negative where the model uses one
        await self._screen(user, origin, prompt, negative)  # with the preset's words
        width, height = self.size_of(options.ratio or options.size or defaults.shape)
        count = options.count if options.count is not None else defaults.count
        if not 1 <= count <= 4:
            raise BadCount
        job = self._job(
            JobKind.GENERATE, prompt, negative, options.seed, count, width, height,
            steps=steps_for(options.quality, self.settings.steps),
        )  # fmt: skip
        if self.moderator is not None:  # people diversity, where the server opted in
            job = await self.moderator.diversify(_guild_of(user, origin), job)
        return await self._submit(user, job, self.settings.generation_cost, None, origin)

    def size_of(self, shape: str) -> tuple[int, int]:
        """Width and height for a size name or an aspect ratio W:H (1:4 to 4:1).

        A ratio keeps the model's pixel budget (IMAGE_SIZE²) and sides in multiples of 8.
        """
        if shape in self.settings.sizes:
            return self.settings.sizes[shape]
        if aspect.is_ratio(shape):
            budget = self.settings.image_size**2
            ratio = aspect.parse_ratio(shape)
            multiple = self.settings.family.multiple  # the model's (data/families.py)
            return aspect.size_for_ratio(ratio, budget, multiple, self.settings.max_canvas)
        raise UnknownSize(shape, list(self.settings.sizes))

    @property
    def work_side(self) -> int:
        """The longest side the model paints an image at (vary, edit): 1.5 × its side."""
        return canvas.align(self.settings.image_size * 3 / 2)

    def work_size(self, size: tuple[int, int]) -> tuple[int, int]:
        """The size a variation or edit of an uploaded image of ``size`` comes back at: its
        own, up to MAX_CANVAS (the worker paints it within ``work_side`` and scales back)."""
        return canvas.fitted_size(size, self._kept_side)

    async def vary(
        self,
        user: Requester,
        source: ImageSource,
        *,
        strength: float | None = None,
        prompt: str | None = None,
        seed: int | None = None,
        origin: Origin | None = None,
        references: tuple[bytes, ...] = (),
        quality: Quality | None = None,
    ) -> JobHandle:
        """Variations of an image (image-to-image with fresh seeds), 3 by default.

        Args:
            user: who asks and pays (they own the variations).
            source: an image id of this studio, or uploaded file bytes (checked like any
                upload: size, format, content policy).
            strength: how far to stray from the image, 0.05–1 (default ``VARY_STRENGTH``).
            prompt: a new prompt; default the source image's own prompt.
            seed: for reproducible results; default a random one.
            origin: where the answer goes, kept with the job.
            references: further uploaded images the model conditions on (a family that
                takes reference images, like FLUX.2 [klein]; refused elsewhere).
            quality: steps within the model's range (default its own).

        Raises:
            StudioError: as :meth:`imagine`, plus ``image_rejected`` and ``image_not_found``.
        """
        await self.admit(user, origin)
        return await self._vary(
            user, source, strength, prompt, seed, origin, references=references, quality=quality
        )

    async def _vary(
        self,
        user: Requester,
        source: ImageSource,
        strength: float | None,
        prompt: str | None,
        seed: int | None,
        origin: Origin | None,
        *,
        references: tuple[bytes, ...] = (),
        quality: Quality | None = None,
    ) -> JobHandle:
        """:meth:`vary` once the request is admitted (an edit without a mask ends here)."""
        self.check_references(references)
        strength = self.settings.vary_strength if strength is None else strength
        if not MIN_STRENGTH <= strength <= 1:
            raise BadStrength(MIN_STRENGTH, 1)
        text = self.clean_prompt(prompt) if prompt else None
        await self._screen(user, origin, text)
        image, parent = await self._source(user, source, origin, longest=self._kept_side)
        text = text if text is not None else (parent.prompt if parent else "")
        init_image = await self._image_work(lambda: _png(image.convert("RGB")))
        extra = []
        for reference in references:  # each checked like any upload
            # A reference conditions the painting: the model sees it at most work_side.
            picture, _ = await self._source(user, reference, origin, longest=self.work_side)
            extra.append(await self._image_work(lambda p=picture: _png(p.convert("RGB"))))
        job = self._job(
            JobKind.VARY,
            text,
            await self._negative_for(user, parent),
            seed,
            self.settings.images_per_edit,
            image.width,
            image.height,
            strength=strength,
            init_image=init_image,
            references=tuple(extra),
            steps=steps_for(quality, self.settings.steps),
        )
        return await self._submit_from(user, job, parent, source, self.settings.edit_cost, origin)

    async def edit(
        self,
        user: Requester,
        source: ImageSource,
        prompt: str,
        options: EditOptions = EditOptions(),
        origin: Origin | None = None,
        seed: int | None = None,
    ) -> JobHandle:
        """Inpaint a masked area or outpaint a grown canvas; without a mask, a remix.

        Args:
            user: who asks and pays.
            source: an image id of this studio, or uploaded file bytes.
            prompt: what to paint in the area.
            options: at most one of a mask, a region, an extension or a zoom-out; none
                uses the upload's transparent pixels, or else varies the whole image.
            origin: where the answer goes, kept with the job.
            seed: for reproducible results; default a random one.

        Raises:
            StudioError: as :meth:`vary`; two ways to pick the area are
                ``conflicting_edit_options``.
        """
        await self.admit(user, origin)
        prompt = self.clean_prompt(prompt)
        await self._screen(user, origin, prompt)
        grows = bool(options.extend or options.zoom)  # the canvas grows: the source is fitted
        longest = self._grown_side if grows else self._kept_side
        image, parent = await self._source(user, source, origin, longest=longest)
        picks = (options.mask, options.region, options.extend, options.zoom, options.frame)
        if len([o for o in picks if o]) > 1:
            raise ConflictingEditOptions(["mask", "region", "extend", "zoom", "frame"])
        self.check_references(options.references)
        edit_area = await self._image_work(lambda: self._edit_area(image, options))
        if edit_area is None:
            return await self._vary(
                user,
                source,
                options.strength,
                prompt,
                seed,
                origin,
                references=options.references,
                quality=options.quality,
            )
        if options.references:
            raise BadReferences("with_mask")
        steps = steps_for(options.quality, self.settings.steps)
        return await self._paint(user, edit_area, prompt, parent, source, seed, origin, steps)

    async def reroll(
        self,
        user: Requester,
        image_id: str,
        origin: Origin | None = None,
        *,
        prompt: str | None = None,
    ) -> JobHandle:
        """Run the job that made ``image_id`` again with a new seed (🔄).

        Args:
            user: who asks and pays (anyone may reroll what they can see).
            image_id: any image of the job to run again.
            origin: where the answer goes, kept with the job.
            prompt: remix: a new prompt instead of the job's (through the content policy).

        Raises:
            StudioError: ``image_not_found`` when the image is gone; else as :meth:`imagine`.
        """
        await self.admit(user, origin)
        text = self.clean_prompt(prompt) if prompt else None
        record = await self.image(image_id)
        async with self.store.read() as db:
            made_by = await job_records.get(db, record.job_id)
        await self._screen(user, origin, text or made_by.job.prompt or None)  # terms may be new
        update: dict[str, Any] = {
            "id": uuid.uuid4().hex,
            "seed": secrets.randbelow(MAX_SEED),
            **self._model_fields,  # the model this studio runs now, not the old job's
        }
        if text:
            update["prompt"] = text
        job = made_by.job.model_copy(update=update)
        cost = {
            JobKind.GENERATE: self.settings.generation_cost,
            JobKind.UPSCALE: self.settings.upscale_cost,
        }.get(job.kind, self.settings.edit_cost)
        return await self._submit(user, job, cost, made_by.source_image_id, origin)

    async def upscale(
        self,
        user: Requester,
        source: ImageSource,
        *,
        creative: bool = False,
        seed: int | None = None,
        origin: Origin | None = None,
    ) -> JobHandle:
        """Twice the width and height: the model repaints the enlarged image at a low
        strength (Subtle) or a higher one (Creative). Refuses results over the pixel limit."""
        await self.admit(user, origin)
        await self._screen(user, origin, None)
        image, parent = await self._source(user, source, origin, longest=None)
        width, height = image.width * 2, image.height * 2
        limit = self.settings.upscale_max_pixels
        if width * height > limit or max(width, height) > MAX_SIDE:
            raise TooLarge(image.size, (width, height), limit, MAX_SIDE)
        strength = (
            self.settings.upscale_creative_strength
            if creative
            else self.settings.upscale_subtle_strength
        )
        init_image = await self._image_work(lambda: _png(image.convert("RGB")))
        job = self._job(
            JobKind.UPSCALE,
            parent.prompt if parent else "",
            await self._negative_for(user, parent),
            seed,
            1,
            width,
            height,
            strength=strength,
            init_image=init_image,
        )
        return await self._submit_from(
            user, job, parent, source, self.settings.upscale_cost, origin
        )

    async def outpaint(
        self,
        user: Requester,
        image_id: str,
        *,
        direction: str | None = None,
        zoom: float | None = None,
        prompt: str | None = None,
        origin: Origin | None = None,
    ) -> JobHandle:
        """Pan (⬅ ➡ ⬆ ⬇: extend one side by half) or zoom out one of our images, with its
        own prompt unless a new one is given (remix)."""
        await self.admit(user, origin)
        if (direction is None) == (zoom is None):
            raise ConflictingEditOptions(["direction", "zoom"])
        parent = await self.image(image_id)
        text = self.clean_prompt(prompt) if prompt else parent.prompt
        options = EditOptions(extend=direction, zoom=zoom)
        await self._screen(user, origin, text or None)
        image, _ = await self._source(user, image_id, origin, longest=self._grown_side)
        edit_area = await self._image_work(lambda: self._edit_area(image, options))
        return await self._paint(user, edit_area, text, parent, image_id, None, origin)

    # -- queries -----------------------------------------------------------------------

    async def image(self, image_id: str) -> ImageRecord:
        """The record of one image; ``image_not_found`` when it is gone (forgotten, never was)."""
        async with self.store.read() as db:
            record = await images.get(db, image_id)
        if record is None:
            raise ImageNotFound(image_id)
        return record

    async def job_of(self, user: Requester, job_id: str) -> job_records.JobRecord:
        """One of the member's own requests (someone else's answers like a missing one)."""
        async with self.store.read() as db:
            record = await job_records.get(db, job_id)
        if record is None or record.user_id != user.id:
            raise JobNotFound(job_id)
        return record

    async def images_of_job(self, job_id: str) -> list[ImageRecord]:
        """Every image a job made, in order (position 1 first)."""
        async with self.store.read() as db:
            return await images.of_job(db, job_id)

    async def balance(self, user: Requester) -> int:
        """What the user can spend where they are: :meth:`bot.wallet.Wallet.balance`,
        here too because every adapter shows it next to generation."""
        return await Wallet.of(self).balance(user)

    async def visible_image(
        self, user: Requester, image_id: str, channel_id: int | None = None
    ) -> ImageRecord:
        """The image if the user may see it (see :func:`bot.library.visible_to`); a private
        one answers exactly like a missing one."""
        async with self.store.read() as db:
            record = await images.get(db, image_id)
            if record is None or not await visible_to(db, user.id, record, channel_id):
                raise ImageNotFound(image_id)
        return record

    async def save(
        self,
        user: Requester,
        image_ids: list[str],
        collection: str = "Saved",
        *,
        seen_in: int | None = None,
    ) -> int:
        """Add images to a collection: :meth:`bot.library.Library.save`, here too because
        the buttons under every result save."""
        return await Library.of(self).save(user, image_ids, collection, seen_in=seen_in)

    # -- helpers -----------------------------------------------------------------------

    def clean_prompt(self, text: str | None, *, required: bool = True) -> str:
        """A prompt as the model gets it (see :func:`bot.text.clean_text`)."""
        return clean_text(text, self.settings.max_prompt_length, required=required)

    async def _paint(
        self,
        user: Requester,
        edit_area: canvas.Canvas,
        prompt: str,
        parent: ImageRecord | None,
        source: ImageSource,
        seed: int | None,
        origin: Origin | None,
        steps: int | None = None,
    ) -> JobHandle:
        """Queue an inpaint of ``edit_area`` (a masked area, or a grown canvas whose new
        part is the mask): the tail of :meth:`edit` and :meth:`outpaint`."""
        init_image, mask = await self._image_work(
            lambda: (_png(edit_area.image), _png(edit_area.mask))
        )
        job = self._job(
            JobKind.EDIT,
            prompt,
            await self._negative_for(user, parent),
            seed,
            self.settings.images_per_edit,
            edit_area.image.width,
            edit_area.image.height,
            strength=1.0,
            init_image=init_image,
            mask=mask,
            steps=steps,
        )
        return await self._submit_from(user, job, parent, source, self.settings.edit_cost, origin)

    async def _submit_from(
        self,
        user: Requester,
        job: Job,
        parent: ImageRecord | None,
        source: ImageSource,
        cost: int,
        origin: Origin | None,
    ) -> JobHandle:
        """Queue a job made from an image (vary, edit, upscale, pan, zoom): the source goes
        with it as its credentials' ingredient, and a studio image is linked to the spend."""
        job = job.model_copy(update=await self._stored(parent, source))
        return await self._submit(user, job, cost, parent.id if parent else None, origin)

    async def _negative_for(self, user: Requester, parent: ImageRecord | None) -> str:
        """The negative prompt of a job made from an image: the source image's own, or for
        an upload the member's /settings one; either only where this model uses negative
        prompts (an image made under another model may carry one that would do nothing)."""
        if not self.settings.negative_prompt_works:
            return ""
        if parent is not None:
            return parent.negative
        defaults = await self.preferences.for_user(user)
        negative = self.clean_prompt(defaults.negative, required=False)
        if negative:  # the member's or the server's: it passes the policy like any other
            await self._screen(user, None, None, negative)
        return negative

    def check_references(self, references: tuple[bytes, ...]) -> None:
        """Several input images need a family that conditions on references; a clear
        refusal elsewhere (an img2img model would silently use only the first)."""
        if not references:
            return
        family = self.settings.family
        if not family.references:
            raise BadReferences("unsupported", model=family.title)
        if len(references) + 1 > MAX_INPUT_IMAGES:
            raise BadReferences("too_many", limit=MAX_INPUT_IMAGES)

    def _job(
        self,
        kind: JobKind,
        prompt: str,
        negative: str,
        seed: int | None,
        n: int,
        width: int,
        height: int,
        steps: int | None = None,
        **extra: Any,
    ) -> Job:
        if seed is not None and not 0 <= seed <= MAX_SEED:
            raise BadSeed(MAX_SEED)
        return Job(
            id=uuid.uuid4().hex,
            kind=kind,
            prompt=prompt,
            negative_prompt=negative,
            seed=secrets.randbelow(MAX_SEED) if seed is None else seed,
            n=n,
            width=width,
            height=height,
            steps=self.settings.steps if steps is None else steps,
            guidance=self.settings.guidance,
            storage=self.files.name,  # a worker that sees it writes the images there
            **self._model_fields,
            **extra,
        )

    @property
    def _model_fields(self) -> dict[str, str]:
        """What a job says of the model it is asked of: workers claim only their own."""
        return {"model": self.settings.model, "family": self.settings.family.name}

    async def _check_served(self, model: str) -> None:
        """Refuse (before charging) a job for a model no live worker serves while workers
        of other models are up: it would wait forever. No live worker at all (the local
        worker still loading, workers restarting) is no reason: the job waits for them."""
        if self._served_until.get(model, 0.0) > time.monotonic():
            return  # a live worker served it a moment ago: one look a second, not a request
        try:
            served = await self.queue.served_models()
        except Exception:  # the queue is away: submit() copes with that on its own
            log.warning("could not read which models the workers serve", exc_info=True)
            return
        if model in served:
            self._served_until[model] = time.monotonic() + SERVED_CACHE_SECONDS
        if served and model not in served:
            raise Unavailable(
                f"no worker serves the model {model!r} (the workers on this queue serve "
                f"{', '.join(repr(name) for name in sorted(served))}); start a worker with "
                "that MODEL or set MODEL to a model a worker serves"
            )

    async def _screen(
        self, user: Requester, origin: Origin | None, prompt: str | None, negative: str = ""
    ) -> None:
        """DMs (when off), suspended users, role rules seen from DMs and blocked prompts
        (and negative prompts: the member's, the server's /settings one, a preset's) stop
        here, before any credit is taken."""
        guilds = [_guild_of(user, origin)]
        if user.dm:
            if not self.settings.allow_dms:
                raise DirectMessagesOff()
            guilds += await access.check_from_dm(self.store, user, self.member_roles)
        if self.moderator is None:
            return
        for guild_id in guilds:  # from a DM: the bot's terms, then each server's own
            if prompt:
                await self.moderator.screen_prompt(user.id, guild_id, prompt)
            else:
                await self.moderator.ensure_allowed(user.id, guild_id)
            if negative:
                await self.moderator.screen_prompt(user.id, guild_id, negative, negative=True)

    async def _screen_text(self, user_id: int, guild_id: int | None, negative: str) -> None:
        """The content policy for a negative prompt /settings keeps: stored only if allowed."""
        if self.moderator is not None:
            await self.moderator.screen_prompt(user_id, guild_id, negative, negative=True)

    async def _source(
        self,
        user: Requester,
        source: ImageSource,
        origin: Origin | None = None,
        *,
        longest: int | None,
    ) -> tuple[Image.Image, ImageRecord | None]:
        """The image to work on, scaled down to at most ``longest`` a side (None: as it
        is), and its record when it is ours. An upload passes the image checks (nudity,
        faces) first, on a copy scaled down to at most SCREEN_SIDE: the full-size decode
        never outlives its thread."""
        if isinstance(source, bytes):
            screened, image = await self._image_work(lambda: self._open_upload(source, longest))
            if self.moderator is not None:
                await self.moderator.screen_upload(user.id, _guild_of(user, origin), screened)
            return image, None
        parent = await self.image(source)
        fitted = await self._image_work(lambda: _open_fitted(self.files.read(parent), longest))
        return fitted, parent

    @property
    def _kept_side(self) -> int:
        """The longest side of a variation or edit: the source's own up to MAX_CANVAS (the
        worker paints it within the model's pixel budget and brings it back to this)."""
        return self.settings.max_canvas

    @property
    def _grown_side(self) -> int:
        """The longest side of a source to pan or zoom out: 1.5 × the model's side, so that
        the grown canvas still fits MAX_CANVAS for a model at its default size."""
        return min(self.work_side, self.settings.max_canvas)

    async def _image_work(self, work: Callable[[], T]) -> T:
        """Decode, resize or encode in a thread (0.1–0.3 s of CPU for a 4096² upload: the
        event loop keeps answering Discord), at most MAX_IMAGE_DECODES at once (each holds
        a full-size image in memory)."""
        async with self._decodes:
            return await asyncio.to_thread(work)

    def _open_upload(self, data: bytes, longest: int | None) -> tuple[Image.Image, Image.Image]:
        """(the copy to screen, the image for the model) from upload bytes; in a thread."""
        image = open_upload(
            data,
            max_bytes=self.settings.max_upload_bytes,
            max_pixels=self.settings.max_upload_pixels,
        )
        screened = ImageOps.contain(image, (SCREEN_SIDE, SCREEN_SIDE))
        return screened, canvas.fit(image, longest) if longest else image

    async def _stored(self, parent: ImageRecord | None, source: ImageSource) -> dict[str, Any]:
        """The source as the worker records it (its C2PA ingredient, as ``Job`` fields).

        A studio image brings its stored PNG, its manifest chain included; so does an
        upload that is one of ours, intact and signed by this studio's own certificate.
        Any other upload is only named (title, format, hash, the state of its own
        credentials): its manifests and thumbnails were never screened and stay out.
        (In threads: c2pa hashes the whole file.)"""
        if parent is not None:
            return {"parent": await asyncio.to_thread(self.files.read, parent)}
        if not isinstance(source, bytes):
            return {}
        own = await asyncio.to_thread(own_certificate, self.settings.data_dir)
        if await asyncio.to_thread(is_own_image, source, own):
            return {"parent": source}
        return {"source": await asyncio.to_thread(reference_of, source, own)}

    def _edit_area(self, image: Image.Image, options: EditOptions) -> canvas.Canvas | None:
        limit = self.settings.max_canvas
        if options.extend:
            return canvas.extend(image, options.extend, options.extend_pixels, limit)
        if options.zoom:
            return canvas.zoom_out(image, options.zoom, limit)
        if options.frame:
            return canvas.grow(image, options.frame, limit)
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
        origin: Origin | None,
    ) -> JobHandle:
        if (reason := self.unavailable()) is not None:
            raise Unavailable(reason)
        await self._check_served(job.model)
        # The worker checks the images with the server's rules as they are now.
        rules = (
            await self.moderator.output_rules(_guild_of(user, origin))
            if self.moderator is not None
            else OutputRules(block_nudity=False)
        )
        now = self.clock()
        async with self.store.transaction() as db:
            await access.check(db, user)
            await users.ensure_user(db, user.id, user.name, now)
            limit = self.settings.max_jobs_per_user
            if (busy := await job_records.open_count(db, user.id)) >= limit:
                raise TooManyJobs(busy, limit)
            pools = await self.credits.charge(
                db,
                user.id,
                cost,
                job.id,
                now,
                credit_scope(self.settings, user),
                user.guild_id,
                tag=origin.ledger_tag if origin is not None else None,
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
        # After the commit: if we die here, the watcher finds the job open and submits it.
        try:
            await self.queue.submit(job)
        except Exception:  # recorded and paid for: the watcher submits it on a later tick
            log.warning("job %s: the queue refused it for now; retrying", job.id, exc_info=True)
        # Watched once the queue has it (or refused it): a tick while the submission is on
        # its way would find the job missing and submit it again from a stale record.
        return self.watcher.watch(job.id)


def _with_parameters(options: ImagineOptions, prompt: str) -> tuple[ImagineOptions, str]:
    """The options a prompt's Midjourney parameters set (``--ar 16:9 --no text --seed 7``,
    :mod:`studio.parameters`), and the prompt without them. An option the request sets
    itself wins over its parameter; ``--no`` adds to a negative prompt given beside it."""
    read = read_parameters(prompt)
    negative = options.negative
    if read.negative is not None:
        negative = ", ".join(part for part in (options.negative, read.negative) if part)
    chose_size = options.ratio is not None or options.size is not None
    return replace(
        options,
        negative=negative,
        ratio=options.ratio if chose_size else read.ratio,
        seed=options.seed if options.seed is not None else read.seed,
    ), read.prompt


def _guild_of(user: Requester, origin: Origin | None) -> int | None:
    """The server a request comes from: the member's, else where the result goes."""
    if user.guild_id is not None:
        return user.guild_id
    return origin.guild_id if origin is not None else None


def _open_fitted(png: bytes, longest: int | None) -> Image.Image:
    """One of our stored images, scaled for the model (None: as it is; in a thread)."""
    image = Image.open(io.BytesIO(png))
    image.load()
    return canvas.fit(image, longest) if longest else image


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()
