"""Midjourney's parameters at the end of a prompt (``--ar 16:9 --no text --seed 7``): read
by the studio for every adapter, and by the content policy as the studio reads them."""

from __future__ import annotations

import pytest

from app.runtime import Runtime
from studio.errors import BadParameter, BadRequest, ContentBlocked, NegativePromptUnsupported
from studio.moderation.prompts import PromptPolicy
from studio.parameters import Parameters, read_parameters
from studio.requester import Requester
from studio.studio import ImagineOptions

ALICE = Requester(612, "alice", 9301)


@pytest.mark.parametrize(
    ("text", "read"),
    [
        ("a castle at dusk", Parameters("a castle at dusk")),
        (
            "a castle at dusk --ar 16:9 --no people, text --seed 7",
            Parameters("a castle at dusk", ratio="16:9", negative="people, text", seed=7),
        ),
        ("a cat —aspect 2:3", Parameters("a cat", ratio="2:3")),  # a phone's long dash
        (
            "a fox, watercolor --v 6.1 --style raw --ar 3:2 --tile",
            Parameters(
                "a fox, watercolor", ratio="3:2", ignored=("--v 6.1", "--style raw", "--tile")
            ),
        ),
        ("a sign that reads --hello", Parameters("a sign that reads --hello")),  # not one
        ("a robot --SEED 42", Parameters("a robot", seed=42)),
    ],
)
def test_the_parameters_midjourney_users_type_are_read_off_the_end(text, read):
    assert read_parameters(text) == read


@pytest.mark.parametrize(
    ("text", "problem", "words"),
    [
        ("a cat --ar 3:2 --hello", "unknown", "--hello is not a parameter"),
        ("a cat --no", "empty", "--no needs a value"),
        ("a cat --seed lucky", "seed", "--seed takes a whole number"),
    ],
)
def test_a_parameter_that_cannot_be_read_is_refused_by_name(text, problem, words):
    with pytest.raises(BadParameter, match=words) as refused:
        read_parameters(text)
    assert refused.value.problem == problem and refused.value.code == "bad_parameter"


@pytest.fixture
async def guided(settings):
    """A model that uses negative prompts (classifier-free guidance), no worker: the job
    waits in the queue, where the test reads what it asks for."""
    runtime = await Runtime.start(settings.model_copy(update={"guidance": 5.0}))
    yield runtime
    await runtime.stop()


async def test_imagine_takes_the_ratio_seed_and_negative_from_the_prompts_end(guided):
    studio = guided.studio
    handle = await studio.imagine(ALICE, "a lighthouse in a storm --ar 16:9 --no boats --seed 9")
    job = (await studio.job_of(ALICE, handle.job_id)).job
    assert job.prompt == "a lighthouse in a storm"
    assert (job.width, job.height) == studio.size_of("16:9") and job.width > job.height
    assert job.negative_prompt == "boats" and job.seed == 9


async def test_an_option_the_request_sets_wins_and_no_adds_to_its_negative(guided):
    studio = guided.studio
    options = ImagineOptions(size="portrait", seed=3, negative="blurry")
    handle = await studio.imagine(ALICE, "a lighthouse --ar 16:9 --no boats --seed 9", options)
    job = (await studio.job_of(ALICE, handle.job_id)).job
    assert (job.width, job.height) == studio.size_of("portrait")
    assert job.seed == 3 and job.negative_prompt == "blurry, boats"


@pytest.mark.parametrize(
    ("prompt", "refusal"),
    [
        ("a cat --ar 3:2 --chaotic", BadParameter),
        ("--ar 16:9", BadRequest),  # nothing left to draw
        ("a lake --ar 9:0", BadRequest),
        ("a woman on a bed --no clothes", ContentBlocked),  # avoiding clothes asks for nudity
    ],
)
async def test_bad_parameters_are_refused_and_change_nothing(guided, prompt, refusal):
    studio = guided.studio
    before = await studio.balance(ALICE)
    with pytest.raises(refusal):
        await studio.imagine(ALICE, prompt)
    (jobs,) = await studio.store.fetchone("SELECT COUNT(*) FROM jobs")
    assert jobs == 0 and await studio.balance(ALICE) == before


async def test_no_on_the_default_family_says_it_does_nothing_rather_than_drop_it(settings):
    runtime = await Runtime.start(settings.model_copy(update={"model": "tiny:flux2"}))
    try:
        with pytest.raises(NegativePromptUnsupported):
            await runtime.studio.imagine(ALICE, "a lighthouse --no boats")
        handle = await runtime.studio.imagine(ALICE, "a lighthouse --ar 2:3 --v 7")
        job = (await runtime.studio.job_of(ALICE, handle.job_id)).job
        assert job.prompt == "a lighthouse" and job.height > job.width
    finally:
        await runtime.stop()


@pytest.mark.parametrize(
    ("prompt", "allowed"),
    [
        ("a castle at dusk --no gore, blood --ar 16:9", True),  # asks the model to avoid them
        ("portrait of a knight, oil painting --no blur, watermark", True),
        ("a woman on a bed --no clothes, shirt --ar 2:3", False),
        ("a naked woman on a bed --no blur", False),  # the prompt itself is read first
        ("a castle at dusk, gore, blood", False),  # the control: the same words, asked for
    ],
)
def test_the_policy_reads_no_as_a_negative_prompt(prompt, allowed):
    assert PromptPolicy.default().without_classifier().check(prompt).allowed is allowed
