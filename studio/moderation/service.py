"""Enforcing the content policy: checks with the server's settings, strikes, suspensions.

The use-cases call :meth:`Moderator.screen_prompt` and :meth:`Moderator.screen_upload`
before any credit is taken, and put the server's :meth:`Moderator.output_rules` on each job:
the worker checks the generated images next to the GPU. The result watcher calls
:meth:`Moderator.screen_output` before a result is stored: it takes the worker's verdict
(and checks the images itself only when no worker did). Every block is recorded and handed
to the listeners (the mod-log channel on Discord) with the prompt, the user and the
category — never the image.
After ``strike_limit`` blocked prompts or uploads within the window the user is suspended.
``evaluate_*`` are the same checks without consequences (the CLI, ``/mod check``).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from PIL import Image

from data import moderation
from data.image_checks import FACES, ImageChecker, ImageRules, ImageVerdict
from data.jobs import Job, JobKind, OutputRules, Result
from data.moderation import Block, GuildRules, Suspension, Term
from data.store import Store
from studio.errors import (
    BadName,
    ContentBlocked,
    Suspended,
    TermExists,
    TermNotListed,
    UnreadableScript,
)
from studio.moderation.classifier import PromptClassifier
from studio.moderation.diversity import diversify
from studio.moderation.normalize import canonical
from studio.moderation.prompts import LABELS, PromptDecision, PromptPolicy
from studio.moderation.scripts import LANGUAGES as LANGUAGES_READ
from studio.moderation.scripts import has_unspaced, normalise
from studio.recent import ChangeBell, Recent

log = logging.getLogger(__name__)

NO_GUILD = 0  # direct messages and the console
MAX_TERM_LENGTH = 100


@dataclass(frozen=True)
class ModerationDefaults:
    """The bot-wide defaults (settings); each server may change the image rules."""

    block_faces: bool = True
    block_nudity: bool = True
    check_outputs: bool = True
    diversify_people: bool = False  # servers opt in with /mod diversity
    prompt_classifier: str | None = None  # hub id or folder; None: the lists only
    prompt_classifier_threshold: float = 0.8
    strike_limit: int = 3
    strike_window_seconds: float = 24 * 3600
    suspension_seconds: float = 24 * 3600


@dataclass(frozen=True)
class BlockEvent:
    """What the mod log shows about one block: the recorded block and what followed it."""

    block: Block
    suspended_until: float | None
    mod_log_channel_id: int | None

    @property
    def label(self) -> str:
        return LABELS.get(self.block.category, self.block.category)


BlockListener = Callable[[BlockEvent], Awaitable[None]]


def when(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, UTC).strftime("%b %-d, %Y %H:%M UTC")


class Moderator:
    def __init__(
        self,
        store: Store,
        defaults: ModerationDefaults = ModerationDefaults(),
        *,
        policy: PromptPolicy | None = None,
        images: ImageChecker | None = None,
        clock: Callable[[], float] = time.time,
        bell: ChangeBell | None = None,
    ) -> None:
        self.store = store
        self.bell = bell  # tells the other processes that a server's rules or words changed
        # read by every request (studio/recent.py)
        self._rules: Recent[int, GuildRules] = Recent()
        self._terms: Recent[int, list[Term]] = Recent()
        self.defaults = defaults
        self.policy = policy or PromptPolicy.default()
        self.images = images or ImageChecker()
        self.classifier = (
            PromptClassifier(defaults.prompt_classifier, defaults.prompt_classifier_threshold)
            if defaults.prompt_classifier
            else None
        )  # the model loads (and torch is imported) on the first prompt the lists allow
        self.clock = clock
        self._listeners: list[BlockListener] = []

    def add_listener(self, listener: BlockListener) -> None:
        self._listeners.append(listener)

    def remove_listener(self, listener: BlockListener) -> None:
        self._listeners.remove(listener)

    # -- checks without consequences ----------------------------------------------------

    def clear(self) -> None:
        """Forget the servers' rules and words kept in memory (another process changed some)."""
        self._rules.clear()
        self._terms.clear()

    async def _server_terms(self, guild_id: int | None) -> list[Term]:
        return await self._terms.get(guild_id or NO_GUILD, lambda: self.terms(guild_id or NO_GUILD))

    async def _server_rules(self, guild_id: int | None) -> GuildRules:
        return await self._rules.get(guild_id or NO_GUILD, lambda: self.rules(guild_id or NO_GUILD))

    async def _changed(self, guild_id: int) -> None:
        self._rules.forget(guild_id)
        self._terms.forget(guild_id)
        if self.bell is not None:
            await self.bell.ring()

    async def evaluate_prompt(self, guild_id: int | None, text: str) -> PromptDecision:
        terms = await self._server_terms(guild_id)
        decision = self.policy.check(
            text,
            blocked=[t.term for t in terms if t.kind == "block"],
            allowed=[t.term for t in terms if t.kind == "allow"],
        )
        if decision.allowed and self.classifier is not None:
            decision = await self.classifier.check_async(text)
        return decision

    async def evaluate_negative(self, guild_id: int | None, text: str) -> PromptDecision:
        """A negative prompt, by :meth:`PromptPolicy.check_negative` with the server's terms."""
        terms = await self._server_terms(guild_id)
        return self.policy.check_negative(
            text,
            blocked=[t.term for t in terms if t.kind == "block"],
            allowed=[t.term for t in terms if t.kind == "allow"],
        )

    async def diversifies(self, guild_id: int | None) -> bool:
        """Whether a server adds people diversity (its choice, or the bot's default)."""
        stored = await self._server_rules(guild_id)
        return _pick(stored.diversify_people, self.defaults.diversify_people)

    async def diversify(self, guild_id: int | None, job: Job) -> Job:
        """The job with a random gender/ethnicity per image when the server opted in and the
        prompt describes a person without them (:mod:`bot.moderation.diversity`)."""
        if job.kind is not JobKind.GENERATE or job.image_prompts:
            return job
        if not await self.diversifies(guild_id):
            return job
        prompts = diversify(job.prompt, job.n)
        return job if prompts is None else job.model_copy(update={"image_prompts": tuple(prompts)})

    async def image_rules(self, guild_id: int | None, *, output: bool = False) -> ImageRules:
        """A server's rules for uploads; results are checked for nudity only."""
        stored = await self._server_rules(guild_id)
        nudity = _pick(stored.block_nudity, self.defaults.block_nudity)
        if output:
            return ImageRules(nudity and self.defaults.check_outputs, block_faces=False)
        return ImageRules(nudity, _pick(stored.block_faces, self.defaults.block_faces))

    async def output_rules(self, guild_id: int | None) -> OutputRules:
        """What the worker checks a job's images for, as this server's rules say now."""
        rules = await self.image_rules(guild_id, output=True)
        return OutputRules(block_nudity=rules.block_nudity, block_faces=rules.block_faces)

    async def evaluate_image(
        self, guild_id: int | None, image: Image.Image, *, output: bool = False
    ) -> ImageVerdict:
        rules = await self.image_rules(guild_id, output=output)
        return await self.images.check_async(image, rules)

    # -- checks with consequences -------------------------------------------------------

    async def ensure_allowed(self, user_id: int, guild_id: int | None) -> None:
        """Refuse a suspended user before anything else happens. Without a server (a DM,
        the terminal) a suspension on any server counts: a DM is no way around it."""
        async with self.store.read() as db:
            if guild_id:
                active = await moderation.active_suspension(db, guild_id, user_id, self.clock())
            else:
                active = await moderation.active_suspension_anywhere(db, user_id, self.clock())
        if active is not None:
            where = "on this server" if guild_id else "on a server"
            raise Suspended(
                f"You are suspended from Imagine {where} until {when(active.until)} "
                f"({active.reason}). A moderator can lift it.",
                active.until,
            )

    async def screen_prompt(
        self, user_id: int, guild_id: int | None, text: str, *, negative: bool = False
    ) -> None:
        """Refuse a blocked prompt (or negative prompt) with its reason, and count a
        strike. A prompt in a script the policy cannot read is refused without a strike."""
        await self.ensure_allowed(user_id, guild_id)
        if negative:
            decision = await self.evaluate_negative(guild_id, text)
        else:
            decision = await self.evaluate_prompt(guild_id, text)
        if decision.allowed:
            return
        what = "negative prompt" if negative else "prompt"
        if decision.source == "script":
            raise UnreadableScript(what, decision.term or "", LANGUAGES_READ)
        assert decision.category is not None
        term = decision.term or ""
        until = await self._block(guild_id, user_id, "prompt", decision.category, term, text)
        raise ContentBlocked(
            _refusal(what, decision) + _suspension_note(until), decision.category, decision.term
        )

    async def screen_upload(
        self, user_id: int, guild_id: int | None, image: Image.Image, prompt: str = ""
    ) -> None:
        await self.ensure_allowed(user_id, guild_id)
        verdict = await self.evaluate_image(guild_id, image)
        if verdict.allowed:
            return
        category = "faces" if verdict.label in ("FACE_FEMALE", "FACE_MALE") else "sexual"
        label = verdict.label or ""
        until = await self._block(guild_id, user_id, "upload", category, label, prompt)
        rule = (
            "uploads with realistic human faces are not allowed here"
            if category == "faces"
            else "uploads with nudity are not allowed"
        )
        raise ContentBlocked(
            f"This image was refused: {rule}. Nothing was charged." + _suspension_note(until),
            category,
        )

    async def screen_output(
        self, user_id: int, guild_id: int | None, result: Result, rules: OutputRules, prompt: str
    ) -> ImageVerdict:
        """Generated images, judged by the worker's verdict, or checked here with the rules
        the job carried when the worker did not check them (``CHECK_OUTPUTS=false`` there).
        A flagged result is logged (no strike: the model drew it)."""
        if result.verdict is not None:
            found = result.verdict
            verdict = ImageVerdict(found.allowed, found.reason, found.label, found.score)
        elif rules.any:
            pngs = [image.png for image in result.images]
            checked = ImageRules(rules.block_nudity, rules.block_faces)
            verdict = await asyncio.to_thread(self.images.check_pngs, pngs, checked)
        else:
            return ImageVerdict(True)
        if not verdict.allowed and verdict.label:
            category = "faces" if verdict.label in FACES else "sexual"
            await self._block(guild_id, user_id, "output", category, verdict.label, prompt)
        return verdict

    async def _block(
        self, guild_id: int | None, user_id: int, source: str, category: str, term: str, text: str
    ) -> float | None:
        """Record a block; suspend on the strike that reaches the limit; tell the mod log."""
        guild = guild_id or NO_GUILD
        now = self.clock()
        until = None
        block = Block(guild, user_id, source, category, term, text[:1000], now)
        async with self.store.transaction() as db:
            await moderation.record_block(db, block)
            if source != "output":
                since = max(
                    now - self.defaults.strike_window_seconds,
                    await moderation.last_suspension_end(db, guild, user_id),
                )
                strikes = await moderation.strikes_since(db, guild, user_id, since)
                if strikes >= self.defaults.strike_limit:
                    until = now + self.defaults.suspension_seconds
                    reason = f"{strikes} blocked requests"
                    await moderation.suspend(db, guild, user_id, until, reason, now)
            rules = await moderation.rules(db, guild)
        channel = rules.mod_log_channel_id
        event = BlockEvent(block, until, channel)
        for listener in self._listeners:
            try:
                await listener(event)
            except Exception:
                log.exception("block listener failed")
        return until

    # -- what moderators change ---------------------------------------------------------

    async def add_term(self, guild_id: int, term: str, kind: str, moderator_id: int) -> str:
        """Add a blocked or allowed term for a server; returns it as stored."""
        stored = stored_term(term)
        if not stored.strip("*"):
            raise BadName("term")
        if len(stored) > MAX_TERM_LENGTH:
            raise BadName("term", MAX_TERM_LENGTH)
        now = self.clock()
        async with self.store.transaction() as db:
            if not await moderation.add_term(db, guild_id, stored, kind, moderator_id, now):
                raise TermExists(stored, kind)
        await self._changed(guild_id)
        return stored

    async def remove_term(self, guild_id: int, term: str) -> str:
        stored = stored_term(term)
        async with self.store.transaction() as db:
            if not await moderation.remove_term(db, guild_id, stored):
                raise TermNotListed(stored)
        await self._changed(guild_id)
        return stored

    async def terms(self, guild_id: int) -> list[Term]:
        async with self.store.read() as db:
            return await moderation.terms(db, guild_id)

    async def rules(self, guild_id: int) -> GuildRules:
        async with self.store.read() as db:
            return await moderation.rules(db, guild_id)

    async def set_rules(self, guild_id: int, **changes: int | bool | None) -> GuildRules:
        async with self.store.transaction() as db:
            await moderation.set_rules(db, guild_id, changes, self.clock())
            rules = await moderation.rules(db, guild_id)
        await self._changed(guild_id)
        return rules

    async def suspensions(self, guild_id: int) -> list[Suspension]:
        async with self.store.read() as db:
            return await moderation.active_suspensions(db, guild_id, self.clock())

    async def standing(self, user_id: int) -> tuple[list[Block], list[Suspension]]:
        """A user's blocked requests within the strike window and running suspensions, on
        every server (the operator's view, from the terminal)."""
        now = self.clock()
        async with self.store.read() as db:
            since = now - self.defaults.strike_window_seconds
            return (
                await moderation.blocks_of(db, user_id, since),
                await moderation.suspensions_of(db, user_id, now),
            )

    async def lift(self, guild_id: int, user_id: int, moderator_id: int) -> bool:
        """End a suspension now; strikes before it no longer count."""
        async with self.store.transaction() as db:
            return await moderation.lift(db, guild_id, user_id, moderator_id, self.clock()) > 0


def stored_term(term: str) -> str:
    """A moderator's term as it is stored and matched: folded ASCII words (``Blood
    Orange`` → ``blood orange``, ``кровь`` → ``krov``), with ``*`` kept at the end; a term
    with Chinese or Japanese in it is kept in its own characters (NFKC, case-folded),
    since the policy finds those as substrings of the prompt (``裸色``, ``ヌード``)."""
    if has_unspaced(term):
        return " ".join(normalise(term.strip().rstrip("*")).split())
    return canonical(term.rstrip("*")) + ("*" if term.strip().endswith("*") else "")


def _pick(stored: bool | None, default: bool) -> bool:
    return default if stored is None else stored


def _refusal(what: str, decision: PromptDecision) -> str:
    """Why a prompt was refused: the category, and the matched term or the classifier."""
    return f"This {what} was blocked by the content policy: {decision.reason}. Nothing was charged."


def _suspension_note(until: float | None) -> str:
    if until is None:
        return ""
    return f" Too many blocked requests: you are suspended until {when(until)}."
