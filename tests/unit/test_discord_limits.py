"""Every list message the bot builds fits Discord's limits at the studio's maxima.

Discord answers 400 to content over 2,000 characters and to embeds over 6,000 in total
(or a field over 1,024, more than 25 fields); the member would read "something went
wrong" on every try. Each builder here is fed the most data the studio allows.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

import discord

from app.discord import limits, pages, render
from app.discord.cogs import access, api_keys, credits, moderation, styles
from data.api_keys import ApiKeyRow
from data.collections import Collection
from data.images import ImageRecord
from data.ledger import Balance, EntryKind, LedgerEntry, Pool
from data.moderation import Block, Suspension, Term
from data.shares import Ranked, Share, ShareStatus
from data.styles import Style
from studio import library
from studio import styles as style_rules
from studio.api_keys import MAX_KEYS
from studio.api_keys import MAX_NAME as KEY_NAME
from studio.gallery import TOP_SIZE
from studio.library import COLLECTION_PAGE, HISTORY_PAGE, CollectionPage, Page
from studio.moderation.service import MAX_TERM_LENGTH, BlockEvent
from studio.settings import Settings
from studio.wallet import CreditSummary

BIG_ID = 1_234_567_890_123_456_789  # snowflakes are 18–19 digits
LONGEST_PROMPT = Settings.model_fields["max_prompt_length"].metadata[-1].le  # 2000
NOW = time.time()


def fits(text: str) -> None:
    assert len(text) <= limits.CONTENT, len(text)


def embed_fits(embed: discord.Embed) -> None:
    assert limits.embed_total(embed) <= limits.EMBED_TOTAL, limits.embed_total(embed)
    assert len(embed.fields) <= limits.EMBED_FIELDS
    assert len(embed.title or "") <= limits.EMBED_TITLE
    assert len(embed.description or "") <= limits.EMBED_DESCRIPTION
    assert len(embed.footer.text or "") <= limits.FOOTER
    for field in embed.fields:
        assert 0 < len(field.name or "") <= limits.FIELD_NAME
        assert 0 < len(field.value or "") <= limits.FIELD_VALUE


def image(n: int, prompt: str = "p" * LONGEST_PROMPT) -> ImageRecord:
    return ImageRecord(
        id=f"{n:012x}",
        job_id=f"job{n}",
        position=1 + n % 4,
        owner_id=BIG_ID,
        path="images/x.png",
        prompt=prompt,
        negative="n" * LONGEST_PROMPT,
        seed=2**32 - 17,
        model="m" * 300,
        width=2048,
        height=2048,
        parent_id=f"{n + 1:012x}",
        created_at=NOW,
    )


def collection(n: int) -> Collection:
    return Collection(n, BIG_ID, f"{n:03d}" + "c" * (library.MAX_NAME - 3), True, NOW, 99_999)


def test_fit_lines_cuts_whole_lines_and_says_how_many_more():
    text = limits.fit_lines(["head"], [f"line {n:04d} " + "x" * 90 for n in range(100)])
    assert len(text) <= limits.CONTENT
    assert text.startswith("head\nline 0000")
    kept = text.count("\nline ")
    assert text.endswith(f"…and {100 - kept} more")
    assert limits.fit_lines(["head"], ["a", "b"]) == "head\na\nb"  # nothing cut: no note


def test_collection_lists_fit_with_the_most_collections():
    found = [collection(n) for n in range(library.MAX_COLLECTIONS)]
    for own in (True, False):
        text = pages.collection_list(BIG_ID, found, own)
        fits(text)
        assert "more" in text and "/collection show" in text


def test_the_gallery_top_fits_with_the_longest_prompts():
    ranked = [
        Ranked(
            Share(n, BIG_ID, f"{n:012x}", BIG_ID, ShareStatus.LIVE, BIG_ID, BIG_ID, NOW, None),
            "p" * LONGEST_PROMPT,
            99_999,
        )
        for n in range(TOP_SIZE)
    ]
    text = pages.top_list(ranked, "month")
    fits(text)
    assert text.count("discord.com/channels") == TOP_SIZE  # all ten, none cut


def test_mod_terms_fit_however_many_a_server_adds():
    found = [Term(f"{n:04d}" + "t" * (MAX_TERM_LENGTH - 4), "block") for n in range(300)]
    found += [Term(f"{n:04d}" + "a" * (MAX_TERM_LENGTH - 4), "allow") for n in range(300)]
    text = moderation.terms_text(found)
    fits(text)
    assert "**Blocked** (300)" in text and "**Allowed** (300)" in text
    assert text.count("more") == 2
    assert moderation.terms_text([]) == "**Blocked** (0): —\n**Allowed** (0): —"


def test_suspensions_fit_however_many_there_are():
    active = [Suspension(n, BIG_ID, BIG_ID, NOW + 3600, "r" * 1000, NOW) for n in range(500)]
    fits(moderation.suspensions_text(active))


def test_the_mod_log_line_fits_with_the_longest_prompt():
    block = Block(BIG_ID, BIG_ID, "prompt", "sexual", "t" * MAX_TERM_LENGTH, "p" * 1000, NOW)
    fits(moderation._log_line(BlockEvent(block, NOW + 3600, BIG_ID)))


def ledger_row(n: int) -> LedgerEntry:
    return LedgerEntry(
        BIG_ID, -100_000, EntryKind.ADMIN_GRANT, "r" * 200, f"k{n}", NOW, Pool.GRANT, BIG_ID
    )


def test_credit_history_and_summary_fit_with_the_longest_reasons():
    fits(credits.history_text(f"<@{BIG_ID}>", [ledger_row(n) for n in range(15)]))
    summary = CreditSummary(
        Balance(10**9, 10**9, 10**9), datetime.now(UTC), 10**6, [ledger_row(n) for n in range(5)]
    )
    text = credits.describe(summary)
    fits(text)
    assert "more" not in text  # the five latest rows all fit


def test_the_style_list_embed_fits_with_the_most_and_longest_styles():
    every = [
        Style(BIG_ID, f"{n:03d}" + "s" * (style_rules.MAX_NAME - 3), *["w" * LONGEST_PROMPT] * 3)
        for n in range(style_rules.MAX_STYLES)
    ]
    embed = styles.styles_embed(every)
    embed_fits(embed)
    shown = len(embed.fields)
    assert embed.footer.text.startswith(f"…and {style_rules.MAX_STYLES - shown} more")
    few = styles.styles_embed(every[:3])
    assert len(few.fields) == 3 and few.footer.text is None


def test_history_and_collection_pages_fit_with_the_longest_prompts():
    generations = [[image(n * 4 + k) for k in range(4)] for n in range(HISTORY_PAGE)]
    view = discord.ui.View()
    fits(pages.history_message(BIG_ID, Page(generations, 199, 200), b"png", view)["content"])
    shown = CollectionPage(collection(1), Page([image(n) for n in range(COLLECTION_PAGE)], 11, 12))
    fits(pages.collection_message(shown, b"png", None)["content"])


def test_result_and_gallery_embeds_fit_with_the_longest_prompts():
    made = [image(n) for n in range(4)]
    for kind in ("generate", "vary", "edit", "upscale"):
        embed_fits(render.result_embed(made, BIG_ID, kind))
    embed_fits(pages.gallery_embed(made[0]))


def test_api_keys_and_access_roles_fit_at_their_maxima():
    rows = [
        ApiKeyRow(
            f"key{n:09d}", BIG_ID, BIG_ID, frozenset(), "_*" * (KEY_NAME // 2), b"", NOW, NOW, None
        )
        for n in range(MAX_KEYS)
    ]
    fits(api_keys.keys_text(rows))
    roles = access.describe([BIG_ID + n for n in range(250)])  # Discord's most roles
    fits(roles)
    assert roles.endswith("more.")
