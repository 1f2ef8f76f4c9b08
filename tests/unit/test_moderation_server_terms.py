"""Issue 31: a server's own ``/mod allow`` and ``/mod block`` terms in every script the
policy reads. Chinese and Japanese are found as substrings (no spaces between words), the
other scripts by their transliterated words; before, a moderator's term was stored
romanised ("裸体雕塑" as "luotidiaosu") and never matched a prompt."""

from __future__ import annotations

import pytest

from app.runtime import Runtime
from data.origins import DiscordOrigin
from studio.errors import ContentBlocked
from studio.moderation.service import stored_term
from studio.studio import Requester

ALICE = Requester(11, "alice")
GUILD = DiscordOrigin(guild_id=77, channel_id=770, user_id=1, created_at=0)


@pytest.mark.parametrize(
    ("prompt", "phrase", "still_refused"),
    [
        # Han: Michelangelo's nude marble sculpture, a museum's server allows it
        ("米开朗基罗的裸体雕塑，大理石，博物馆", "裸体雕塑", "裸体女人躺在床上"),
        # Hiragana: "はらわたが煮えくり返る" is an idiom (seething with anger)
        (
            "はらわたが煮えくり返る顔の猫、漫画",
            "はらわたが煮えくり返る",
            "はらわたが飛び出した死体",
        ),
        # Katakana: a grotesque deep-sea fish
        ("グロテスクな深海魚、図鑑のイラスト", "グロテスクな深海魚", "グロテスクな死体"),
        # Cyrillic: "голубая кровь" (blue blood, an aristocrat) is an idiom ("кровь с
        # молоком", rosy-cheeked, the shipped lists allow since the twenty-first round)
        (
            "портрет аристократа, голубая кровь, старинный интерьер",
            "голубая кровь",
            "лужа крови на полу",
        ),
        # Arabic: the dragon's blood tree of Socotra
        ("شجرة دم الأخوين في سقطرى", "دم الأخوين", "بركة دم على الأرض"),
        # Devanagari: "खून पसीना" (blood and sweat: hard work)
        ("किसान का खून पसीना, खेत में सूर्योदय", "खून पसीना", "फर्श पर खून से लथपथ लाश"),
    ],
    ids=["han", "hiragana", "katakana", "cyrillic", "arabic", "devanagari"],
)
def test_a_server_allowed_phrase_overrides_the_lexicon_in_every_script(
    policy, prompt, phrase, still_refused
):
    assert not policy.check(prompt).allowed, prompt  # the shipped lexicon refuses it
    allowed = [stored_term(phrase)]
    assert policy.check(prompt, allowed=allowed).allowed, policy.check(prompt, allowed=allowed)
    assert not policy.check(still_refused, allowed=allowed).allowed  # only that phrase


def test_a_moderators_chinese_or_japanese_term_is_kept_in_its_own_characters():
    assert stored_term(" 裸体雕塑 ") == "裸体雕塑"
    assert stored_term("ｸﾞﾛﾃｽｸな深海魚") == "グロテスクな深海魚"  # half-width kana: NFKC
    assert stored_term("Blood Orange") == "blood orange"  # other scripts: folded words
    assert stored_term("behead*") == "behead*"


@pytest.mark.parametrize(
    ("prompt", "term"),
    [
        ("一只熊猫在竹林里", "熊猫"),
        ("かわいいパンダの絵", "パンダ"),
        ("ぱんだのぬいぐるみ", "ぱんだ"),
    ],
    ids=["han", "katakana", "hiragana"],
)
def test_a_server_blocked_chinese_or_japanese_term_is_found_inside_a_phrase(policy, prompt, term):
    decision = policy.check(prompt, blocked=[stored_term(term)])
    assert (decision.allowed, decision.category, decision.term) == (False, "custom", term)
    assert policy.check(prompt).allowed


@pytest.fixture
async def runtime(settings):
    started = await Runtime.start(settings)
    yield started
    await started.stop()


async def test_mod_allow_and_block_in_chinese_work_through_the_moderator(runtime):
    moderator = runtime.studio.moderator
    assert await moderator.add_term(77, "裸体雕塑", "allow", moderator_id=1) == "裸体雕塑"
    assert await moderator.add_term(77, "熊猫", "block", moderator_id=1) == "熊猫"
    assert (await moderator.evaluate_prompt(77, "大卫的裸体雕塑")).allowed
    assert not (await moderator.evaluate_prompt(78, "大卫的裸体雕塑")).allowed  # that server only
    with pytest.raises(ContentBlocked) as refused:
        await runtime.studio.imagine(ALICE, "一只熊猫在竹林里", origin=GUILD)
    assert (refused.value.category, refused.value.term) == ("custom", "熊猫")
    assert await moderator.remove_term(77, "熊猫") == "熊猫"
    assert (await moderator.evaluate_prompt(77, "一只熊猫在竹林里")).allowed
