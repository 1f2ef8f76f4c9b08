"""Issue 15's use-cases against a real store, queue and an in-process tiny-model worker:
/settings defaults, aspect ratios, style presets, upscale, pan/zoom and remix prompts."""

import io

import pytest
from PIL import Image

from data import job_records
from studio import aspect
from studio.errors import BadRequest, NotFound
from studio.library import Library
from studio.preferences import Preferences
from studio.studio import EditOptions, ImagineOptions, Requester
from tests.conftest import running_studio

ALICE = Requester(1, "alice", guild_id=500)
BOB = Requester(2, "bob", guild_id=500)


@pytest.fixture
def settings(settings):
    """With classifier-free guidance, so that negative prompts (defaults, presets) apply."""
    return settings.model_copy(update={"guidance": 7.5})


@pytest.fixture
async def runtime(settings, engine):
    async with running_studio(settings, engine) as started:
        yield started


async def spent(runtime, user: Requester = ALICE) -> int:
    """Credits charged and not refunded (the welcome grant not counted)."""
    row = await runtime.store.fetchone(
        "SELECT COALESCE(-SUM(delta), 0) FROM ledger"
        " WHERE user_id = ? AND kind IN ('spend', 'refund')",
        (user.id,),
    )
    return row[0]


async def jobs(runtime) -> int:
    (n,) = await runtime.store.fetchone("SELECT COUNT(*) FROM jobs")
    return n


def png_of(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


async def job_of(runtime, handle):
    async with runtime.store.read() as db:
        return (await job_records.get(db, handle.job_id)).job


# -- aspect ratios (pure) -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("ratio", "budget", "multiple", "size"),
    [
        ((1, 1), 512 * 512, 8, (512, 512)),
        ((3, 2), 512 * 512, 8, (624, 416)),
        ((16, 9), 512 * 512, 8, (680, 384)),
        ((1, 4), 512 * 512, 8, (256, 1024)),
        ((4, 1), 1024 * 1024, 16, (2048, 512)),
        ((3, 2), 64 * 64, 8, (72, 48)),
    ],
)
def test_a_ratio_keeps_the_pixel_budget_in_multiples(ratio, budget, multiple, size):
    assert aspect.size_for_ratio(ratio, budget, multiple) == size


@pytest.mark.parametrize("text", ["1:4", "4:1", "2:3", "21:9", "1.5:1", "3x2"])
def test_every_ratio_in_range_stays_near_the_budget(text):
    width, height = aspect.size_for_ratio(aspect.parse_ratio(text), 768 * 768, 64)
    assert width % 64 == 0 and height % 64 == 0
    assert abs(width * height / (768 * 768) - 1) < 0.2


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("5:1", "out of range; use 1:4 to 4:1"),
        ("1:5", "out of range"),
        ("wide", "W:H"),
        ("0:3", "more than 0"),
        ("", "W:H"),
    ],
)
def test_bad_ratios_are_named(text, message):
    with pytest.raises(BadRequest, match=message):
        aspect.parse_ratio(text)


async def test_imagine_with_a_ratio_makes_that_shape(runtime):
    handle = await runtime.studio.imagine(ALICE, "a wide fox", ImagineOptions(ratio="3:2", count=1))
    outcome = await handle.outcome()
    assert (outcome.images[0].width, outcome.images[0].height) == (72, 48)
    assert runtime.studio.size_of("3:2") == (72, 48)
    with pytest.raises(BadRequest, match="1:4 to 4:1"):
        await runtime.studio.imagine(ALICE, "too wide", ImagineOptions(ratio="9:1"))
    assert await jobs(runtime) == 1 and await spent(runtime) == 1


# -- /settings ----------------------------------------------------------------------------


async def test_a_member_who_never_opened_settings_gets_the_bots_defaults(runtime):
    prefs = runtime.studio.preferences
    effective = await prefs.for_user(ALICE)
    assert (effective.shape, effective.count, effective.negative) == ("square", 4, "")
    assert (effective.remix, effective.privacy) == (False, "public")
    handle = await runtime.studio.imagine(ALICE, "a fox")
    job = await job_of(runtime, handle)
    assert (job.n, job.width, job.height, job.negative_prompt) == (4, 64, 64, "")
    await handle.outcome()


async def test_member_defaults_apply_and_the_request_still_wins(runtime):
    prefs = runtime.studio.preferences
    await prefs.update_member(ALICE.id, shape="16:9", count=2, negative="blurry", remix=True)
    handle = await runtime.studio.imagine(ALICE, "a fox")
    job = await job_of(runtime, handle)
    assert (job.n, job.width, job.height, job.negative_prompt) == (2, 88, 48, "blurry")
    explicit = await runtime.studio.imagine(
        ALICE, "a fox", ImagineOptions(size="square", count=1, negative="")
    )
    job = await job_of(runtime, explicit)
    assert (job.n, job.width, job.height, job.negative_prompt) == (1, 64, 64, "")
    other = await job_of(runtime, await runtime.studio.imagine(BOB, "a fox"))
    assert (other.n, other.width) == (4, 64)  # Bob has none: nothing changed for him
    await handle.outcome()
    await explicit.outcome()


async def test_a_members_negative_applies_to_uploads_and_an_images_own_to_its_children(
    runtime,
):
    """/settings' negative prompt is a default for every request that has none: a variation
    or edit of an upload gets it; one of a studio image keeps that image's own."""
    await runtime.studio.preferences.update_member(ALICE.id, negative="blurry")
    upload = png_of(Image.effect_noise((64, 64), 50).convert("RGB"))
    varied = await runtime.studio.vary(ALICE, upload)
    assert (await job_of(runtime, varied)).negative_prompt == "blurry"
    edited = await runtime.studio.edit(ALICE, upload, "a hat", EditOptions(region="top"))
    assert (await job_of(runtime, edited)).negative_prompt == "blurry"
    made = await runtime.studio.imagine(BOB, "a fox", ImagineOptions(count=1, negative="rain"))
    (image,) = await runtime.studio.images_of_job((await made.outcome()).job.id)
    child = await runtime.studio.vary(ALICE, image.id)
    assert (await job_of(runtime, child)).negative_prompt == "rain"  # the image's own
    for handle in (varied, edited, child):
        await handle.outcome()


async def test_server_defaults_sit_under_the_members_own(runtime):
    prefs = runtime.studio.preferences
    await prefs.update_guild(500, by=9, count=1, privacy="ephemeral")
    await prefs.update_member(ALICE.id, count=3)
    alice, bob = await prefs.for_user(ALICE), await prefs.for_user(BOB)
    assert (alice.count, alice.privacy) == (3, "ephemeral")
    assert (bob.count, bob.privacy) == (1, "ephemeral")
    elsewhere = await prefs.for_user(Requester(2, "bob", guild_id=600))
    assert (elsewhere.count, elsewhere.privacy) == (4, "public")
    await prefs.update_member(ALICE.id, count=None)  # cleared: the server's applies again
    assert (await prefs.for_user(ALICE)).count == 1


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"count": 7}, "1 to 4"),
        ({"shape": "round"}, "Unknown shape"),
        ({"shape": "8:1"}, "1:4 to 4:1"),
        ({"privacy": "loud"}, "public, ephemeral, dm"),
        ({"count": True}, "1 to 4"),
        ({"negative": "x" * 401}, "limit is 400"),
        ({"remix": "yes"}, "on or off"),
        ({"colour": "red"}, "Unknown setting"),
    ],
)
async def test_bad_settings_are_refused_and_nothing_is_stored(runtime, change, message):
    prefs = runtime.studio.preferences
    await prefs.update_member(ALICE.id, count=2)
    with pytest.raises(BadRequest, match=message):
        await prefs.update_member(ALICE.id, **{"privacy": "dm", **change})
    stored = await prefs.member(ALICE.id)
    assert stored.count == 2 and stored.privacy is None


async def test_forget_me_drops_the_members_settings(runtime):
    await runtime.studio.preferences.update_member(ALICE.id, negative="grainy, washed out")
    assert (await runtime.studio.preferences.for_user(ALICE)).negative == "grainy, washed out"
    await Library.of(runtime.studio).forget(ALICE.id)
    assert (await runtime.studio.preferences.member(ALICE.id)).negative is None
    assert (await runtime.studio.preferences.for_user(ALICE)).negative == ""  # not from memory


async def test_resolved_settings_come_from_memory_until_a_change(runtime, monkeypatch):
    """Every Discord request reads them before it may answer; a burst must not queue on the
    database for them (Discord gives 3 s), and a change must show at once."""
    prefs = runtime.studio.preferences
    assert (await prefs.for_user(ALICE)).count == 4
    reads = []
    original = prefs._read_effective
    monkeypatch.setattr(prefs, "_read_effective", lambda *a: reads.append(a) or original(*a))
    assert (await prefs.for_user(ALICE)).count == 4 and reads == []  # from memory
    await prefs.update_member(ALICE.id, count=2)  # the instance /settings changes
    assert (await prefs.for_user(ALICE)).count == 2 and len(reads) == 1
    await prefs.update_guild(500, by=9, count=1)
    assert (await prefs.effective(BOB.id, 500)).count == 1


# -- style presets ------------------------------------------------------------------------


async def test_a_style_wraps_the_prompt_and_adds_its_negative(runtime):
    studio = runtime.studio
    await studio.styles.add(
        500, "Noir", prefix="film noir", suffix="grainy", negative="colour", by=9
    )
    with pytest.raises(BadRequest, match="exists"):
        await studio.styles.add(500, "noir", prefix="other", by=9)
    assert [s.name for s in await studio.styles.list(500)] == ["Noir"]
    assert await studio.styles.names(500, "no") == ["Noir"]
    assert await studio.styles.list(600) == []
    handle = await studio.imagine(ALICE, "a cat", ImagineOptions(style="noir", negative="dogs"))
    job = await job_of(runtime, handle)
    assert job.prompt == "film noir, a cat, grainy" and job.negative_prompt == "dogs, colour"
    await handle.outcome()
    with pytest.raises(NotFound, match="no style named"):
        await studio.imagine(Requester(3, "c", guild_id=600), "a cat", ImagineOptions(style="Noir"))
    await studio.styles.remove(500, "NOIR")
    with pytest.raises(NotFound):
        await studio.imagine(ALICE, "a cat", ImagineOptions(style="Noir"))
    assert await jobs(runtime) == 1 and await spent(runtime) == 1


@pytest.mark.parametrize(
    ("guild", "name", "fields", "message"),
    [
        (None, "x", {"prefix": "a"}, "belong to a server"),
        (500, "", {"prefix": "a"}, "Name the style"),
        (500, "a" * 33, {"prefix": "a"}, "at most 32"),
        (500, "bad/name", {"prefix": "a"}, "letters, digits"),
        (500, "empty", {}, "prefix, a suffix or a negative"),
        (500, "long", {"suffix": "y" * 401}, "limit is 400"),
    ],
)
async def test_bad_styles_are_refused(runtime, guild, name, fields, message):
    with pytest.raises(BadRequest, match=message):
        await runtime.studio.styles.add(guild, name, by=9, **fields)
    assert await runtime.studio.styles.list(500) == []


# -- upscale, pan, zoom, remix ------------------------------------------------------------


async def test_upscale_doubles_a_stored_image_for_its_cost(runtime):
    first = await (
        await runtime.studio.imagine(ALICE, "a fox", ImagineOptions(count=1, ratio="3:2"))
    ).outcome()
    parent = first.images[0]
    subtle = await runtime.studio.upscale(ALICE, parent.id)
    creative = await runtime.studio.upscale(ALICE, parent.id, creative=True)
    assert (await job_of(runtime, subtle)).strength == runtime.settings.upscale_subtle_strength
    assert (await job_of(runtime, creative)).strength == runtime.settings.upscale_creative_strength
    for handle in (subtle, creative):
        image = (await handle.outcome()).images[0]
        assert (image.width, image.height) == (144, 96) and image.parent_id == parent.id
        assert image.prompt == "a fox"
        assert Image.open(runtime.studio.files.absolute(image)).size == (144, 96)
    assert await spent(runtime) == 1 + 2 * runtime.settings.upscale_cost


async def test_upscale_over_the_pixel_limit_is_refused_and_free(settings, engine):
    limited = settings.model_copy(update={"upscale_max_pixels": 100 * 100})
    async with running_studio(limited, engine) as started:
        buffer = io.BytesIO()
        Image.new("RGB", (64, 64), "teal").save(buffer, format="PNG")
        with pytest.raises(BadRequest, match=r"would make 128×128 pixels; the limit is 0\.0") as e:
            await started.studio.upscale(ALICE, buffer.getvalue())
        assert e.value.code == "too_large"
        assert e.value.details() == {
            "width": 128,
            "height": 128,
            "max_pixels": 10_000,
            "max_side": 2048,
        }
        assert await jobs(started) == 0 and await spent(started) == 0


async def test_pan_and_zoom_grow_the_canvas_and_remix_changes_the_prompt(runtime):
    first = await (await runtime.studio.imagine(ALICE, "a fox", ImagineOptions(count=1))).outcome()
    parent = first.images[0]
    left = await (await runtime.studio.outpaint(ALICE, parent.id, direction="left")).outcome()
    assert (left.images[0].width, left.images[0].height) == (96, 64)
    assert left.images[0].prompt == "a fox" and left.images[0].parent_id == parent.id
    zoomed = await runtime.studio.outpaint(ALICE, parent.id, zoom=2.0, prompt="a fox in snow")
    image = (await zoomed.outcome()).images[0]
    assert (image.width, image.height, image.prompt) == (128, 128, "a fox in snow")
    with pytest.raises(BadRequest, match="not both"):
        await runtime.studio.outpaint(ALICE, parent.id, direction="up", zoom=2.0)
    again = await runtime.studio.reroll(ALICE, parent.id, prompt="a wolf")
    assert (await job_of(runtime, again)).prompt == "a wolf"
    varied = await runtime.studio.vary(ALICE, parent.id, strength=0.8, prompt="a lynx")
    job = await job_of(runtime, varied)
    assert (job.prompt, job.strength) == ("a lynx", 0.8)
    await again.outcome()
    await varied.outcome()


async def test_a_stored_negative_the_model_ignores_is_refused_when_set(tmp_path, store):
    """/settings and style presets refuse a negative prompt the model would ignore, as a
    typed one is refused: it is never kept to be dropped silently later."""
    from studio.errors import NegativePromptUnsupported
    from studio.settings import Settings
    from studio.styles import Styles

    flux2 = Settings(_env_file=None, data_dir=tmp_path / "var", model="tiny:flux2")
    prefs = Preferences(flux2, store)
    with pytest.raises(NegativePromptUnsupported, match="does not use negative prompts"):
        await prefs.update_member(ALICE.id, negative="blurry")
    assert (await prefs.member(ALICE.id)).negative is None  # nothing stored
    await prefs.update_member(ALICE.id, negative=None, count=2)  # clearing it is fine
    presets = Styles(flux2, store)
    with pytest.raises(NegativePromptUnsupported):
        await presets.add(500, "noir", prefix="film noir", negative="color", by=9)
    assert (await presets.add(500, "noir", prefix="film noir", by=9)).negative == ""
    guided = Settings(_env_file=None, data_dir=tmp_path / "var", model="tiny", guidance=5.0)
    assert (await Preferences(guided, store).update_member(BOB.id, negative="blurry")).negative
