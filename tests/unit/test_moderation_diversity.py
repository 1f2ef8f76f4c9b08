"""People diversity: which prompts get a random gender/ethnicity, per image, and only where
a server opted in."""

from __future__ import annotations

import random

import pytest

from app.runtime import Runtime
from data import job_records
from data.origins import DiscordOrigin
from studio.moderation.diversity import ETHNICITIES, GENDERS, diversify, open_attributes
from studio.studio import ImagineOptions, Requester

ALICE = Requester(11, "alice")


def _from(guild_id: int) -> DiscordOrigin:
    """A slash command on server ``guild_id``."""
    return DiscordOrigin(channel_id=1, user_id=ALICE.id, created_at=0.0, guild_id=guild_id)


@pytest.mark.parametrize(
    ("prompt", "expected"),
    [
        ("a portrait of a doctor, oil painting, 8k", (True, True)),
        ("an astronaut riding a horse on mars", (True, True)),
        ("a woman reading a book by the window", (False, True)),  # gender said
        ("he is a firefighter in the rain", (False, True)),  # a pronoun says it too
        ("a japanese chef making sushi", (True, False)),  # ethnicity said
        ("a nigerian grandmother cooking jollof", None),  # both said
        ("a cat astronaut floating near the moon", None),  # not a human
        ("a teacher robot in a classroom", None),
        ("a portrait of a cat in a hat", None),
        ("an anatomy diagram of the human heart", None),
        ("a crowd at a music festival", None),  # several people
        ("a lighthouse on a cliff at dawn", None),
    ],
)
def test_which_attributes_are_left_open(prompt, expected):
    assert open_attributes(prompt) == expected


def test_each_image_gets_its_own_pick_next_to_the_person():
    prompts = diversify("A portrait of an old doctor, oil painting", 4, random.Random(5))
    assert prompts is not None and len(prompts) == 4
    for prompt in prompts:
        head, tail = prompt.split(" old ")
        assert head in ("A portrait of a", "A portrait of an")
        gender, rest = tail.split(" ", 1)
        assert gender in GENDERS
        ethnicity = rest.removesuffix(" doctor, oil painting")
        assert ethnicity in ETHNICITIES
    assert len(set(prompts)) > 1  # with 18 combinations, four draws almost never agree


def test_the_article_agrees_with_the_word_put_after_it():
    always = random.Random(0)
    for _ in range(20):
        (prompt,) = diversify("a woman reading", 1, always)
        article, ethnicity = prompt.split(" woman")[0].split(" ", 1)
        assert article == ("an" if ethnicity[0] in "AEIOU" else "a"), prompt


def test_nothing_changes_when_nothing_is_open():
    assert diversify("a black woman in a red dress", 4) is None
    assert diversify("a bowl of ramen", 4) is None


@pytest.fixture
async def runtime(settings):
    started = await Runtime.start(settings)
    yield started
    await started.stop()


async def submitted_job(runtime: Runtime, handle):
    async with runtime.store.read() as db:
        return (await job_records.get(db, handle.job_id)).job


async def test_only_a_server_that_opted_in_gets_diversity(runtime):
    studio, moderator = runtime.studio, runtime.studio.moderator
    options = ImagineOptions(count=4)
    assert not await moderator.diversifies(77)  # off by default
    before = await studio.imagine(ALICE, "a portrait of a doctor", options, _from(77))
    assert (await submitted_job(runtime, before)).image_prompts == ()

    await moderator.set_rules(77, diversify_people=True)
    handle = await studio.imagine(ALICE, "a portrait of a doctor", options, _from(77))
    job = await submitted_job(runtime, handle)
    assert job.prompt == "a portrait of a doctor"  # what the user wrote stays the job's
    assert len(job.image_prompts) == 4
    assert all(p.startswith("a portrait of a") and p.endswith(" doctor") for p in job.image_prompts)
    assert [job.prompt_for(i) for i in range(4)] == list(job.image_prompts)

    named = await studio.imagine(ALICE, "a portrait of a korean man", options, _from(77))
    assert (await submitted_job(runtime, named)).image_prompts == ()
    other = await studio.imagine(ALICE, "a portrait of a doctor", options, _from(78))
    assert (await submitted_job(runtime, other)).image_prompts == ()

    await moderator.set_rules(77, diversify_people=False)
    again = await studio.imagine(ALICE, "a portrait of a doctor", options, _from(77))
    assert (await submitted_job(runtime, again)).image_prompts == ()
