"""The web pages in a real browser (headless Debian Chromium): a member opens an editor
link, paints a stroke, submits, and sees the results; links that must not work do not;
the gallery page shows a shared image and drops it once unshared."""

from __future__ import annotations

import base64
import io
import time
from dataclasses import replace

from PIL import Image, ImageChops
from playwright.sync_api import expect

from studio.edit_links import EditLinks
from studio.gallery import Gallery
from studio.library import Library
from studio.requester import Requester
from studio.studio import ImagineOptions
from tests.web.conftest import CHANNEL, GUILD, LiveStudio

PHONE = {"width": 390, "height": 844}  # an iPhone 12–15's CSS viewport
RESULT_TIMEOUT_MS = 240_000  # a loaded 2-core machine runs the tiny model's edit too
# Every picture shown (a function, not a string: the pages' CSP forbids eval).
ALL_LOADED = "s => [...document.querySelectorAll(s)].every(i => i.complete && i.naturalWidth)"


def make_image(live: LiveStudio, user_id: int, prompt: str = "a red fox in the snow"):
    """One finished image of the member's (through the real imagine use-case and worker)."""

    async def work():
        member = Requester(user_id, f"member{user_id}", GUILD)
        handle = await live.studio.imagine(member, prompt, ImagineOptions(count=1))
        outcome = await handle.outcome()
        assert outcome.ok, outcome.error
        return outcome.images[0]

    return live.run(work())


def editor_url(live: LiveStudio, user_id: int, image_id: str, expires_in: float | None = None):
    links = EditLinks.of(live.studio)
    link = links.new(user_id, GUILD, CHANNEL, image_id)
    if expires_in is not None:
        link = replace(link, expires_at=int(time.time() + expires_in))
    return f"{live.url}/edit/{links.sign(link)}"


def balance(live: LiveStudio, user_id: int) -> int:
    return live.run(live.studio.balance(Requester(user_id, f"member{user_id}", GUILD)))


def stored(live: LiveStudio, image_id: str) -> Image.Image:
    record = live.run(live.studio.image(image_id))
    return Image.open(io.BytesIO(live.studio.files.read(record))).convert("RGB")


def test_paint_a_stroke_submit_and_see_the_results(live_studio: LiveStudio, browser):
    live, member = live_studio, 11
    source = make_image(live, member)
    before = balance(live, member)
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    response = page.goto(editor_url(live, member, source.id))
    assert response.status == 200
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page.wait_for_selector("body[data-ready=true]")
    assert page.locator("#wallet").inner_text() == f"Balance: {before} credits"

    box = page.locator("#view").bounding_box()  # a stroke across the upper-left part
    page.mouse.move(box["x"] + box["width"] * 0.15, box["y"] + box["height"] * 0.2)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.4, box["y"] + box["height"] * 0.3, steps=8)
    page.mouse.up()
    page.fill("#prompt", "a blue bird")
    page.click("#submit")
    results = page.locator(".result img")
    results.first.wait_for(timeout=RESULT_TIMEOUT_MS)
    page.wait_for_function(ALL_LOADED, arg=".result img")
    settings = live.studio.settings
    assert results.count() == settings.images_per_edit
    assert page.locator("#wallet").inner_text() == f"Balance: {before - settings.edit_cost} credits"

    ids = page.locator(".result").evaluate_all("cards => cards.map(c => c.dataset.image)")
    job_id = live.run(live.studio.image(ids[0])).job_id
    job = live.run(live.studio.job_of(Requester(member), job_id))
    assert job.source_image_id == source.id and job.origin.channel_id == CHANNEL
    mask = Image.open(io.BytesIO(job.job.mask)).convert("L")  # what the page painted
    _, _, right, bottom = mask.getbbox()
    assert right <= mask.width * 0.6 and bottom <= mask.height * 0.6  # where the stroke went
    keep = mask.point(lambda v: 255 if v < 128 else 0)
    original = stored(live, source.id)
    for image_id in ids:
        result = stored(live, image_id)
        assert result.size == original.size
        difference = ImageChops.difference(result, original).convert("L")
        untouched = ImageChops.multiply(difference, keep)  # only the unpainted pixels
        assert untouched.getextrema()[1] <= 2, "an unpainted pixel changed"
        painted = ImageChops.multiply(difference, mask)
        assert painted.getbbox() is not None, "the painted area did not change"
    charged = live.scalar(  # every ledger row of this job (a spend may span two pools)
        "SELECT SUM(delta) FROM ledger WHERE idem_key LIKE ? OR idem_key LIKE ?",
        f"%:{job_id}",
        f"%:{job_id}:%",
    )
    assert charged == -settings.edit_cost and balance(live, member) == before - settings.edit_cost
    assert errors == []
    context.close()


def test_links_that_must_not_work_are_refused(live_studio: LiveStudio, browser):
    live, member, other = live_studio, 21, 22
    image = make_image(live, member, "a quiet harbour")
    first, second = browser.new_context(viewport=PHONE), browser.new_context(viewport=PHONE)

    expired = first.new_page()
    response = expired.goto(editor_url(live, member, image.id, expires_in=-1))
    assert response.status == 410
    assert "expired" in expired.locator("#message").inner_text()

    base, _, token = editor_url(live, member, image.id).rpartition("/")
    payload, signature = token.split(".")
    for_other = base64.urlsafe_b64decode(payload + "==").replace(b"21.", b"22.", 1)
    tampered = base64.urlsafe_b64encode(for_other).decode().rstrip("=")  # member 22, same MAC
    response = expired.goto(f"{base}/{tampered}.{signature}")
    assert response.status == 403 and "not valid" in expired.locator("#message").inner_text()

    not_theirs = first.new_page()  # a link made for another member to this private image
    not_theirs.goto(editor_url(live, other, image.id))
    # The page fills #message once its script has asked the server: wait for the words.
    expect(not_theirs.locator("#message")).to_contain_text("no longer exists", timeout=10_000)
    assert not_theirs.locator("#workspace").is_hidden()

    url = editor_url(live, member, image.id)
    owner = first.new_page()
    owner.goto(url)
    owner.wait_for_selector("body[data-ready=true]")
    forwarded = second.new_page()  # the same link, opened in someone else's browser
    forwarded.goto(url)
    message = forwarded.locator("#message")
    expect(message).to_contain_text("already opened in another browser", timeout=10_000)
    image_answer = forwarded.request.get(url.replace("/edit/", "/web/edit/") + "/image.png")
    assert image_answer.status == 403
    first.close()
    second.close()


def test_the_gallery_page_lists_a_shared_image_and_drops_it_once_unshared(
    live_studio: LiveStudio, browser
):
    live, member = live_studio, 31
    image = make_image(live, member, "a lighthouse at dusk")
    gallery = Gallery.of(live.studio)

    async def share():
        await gallery.set_channel(GUILD, 900, False, member)
        slot = await gallery.reserve(GUILD, member, "Ada", image.id)
        await gallery.publish(slot, 900, 901)

    live.run(share())
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    response = page.goto(f"{live.url}/gallery/{GUILD}")
    assert response.status == 200 and response.headers["cache-control"] == "no-store"
    card = page.locator(f'figure[data-image="{image.id}"]')
    assert card.locator(".prompt").inner_text() == "a lighthouse at dusk"
    assert card.locator(".author").inner_text() == "Ada"
    page.wait_for_function(ALL_LOADED, arg="figure img")

    async def make_public():  # /collection public in the server: on its page too
        library = Library.of(live.studio)
        await library.create(member, "Ada", "Coasts")
        await library.add(member, "Coasts", image.id)
        await library.set_public(member, "Coasts", True, GUILD)

    live.run(make_public())
    page.click("nav.tabs >> text=Collections")
    shelf = page.locator("article.collection")
    assert shelf.locator("h2").inner_text() == "Coasts"
    assert shelf.locator(".owner").inner_text() == "Ada"
    page.wait_for_function(ALL_LOADED, arg=".strip img")
    page.click("nav.tabs >> text=Shared images")

    # private again (else the page still shows the picture, in the collection), unshared
    live.run(Library.of(live.studio).set_public(member, "Coasts", False))
    live.run(gallery.take_down(GUILD, image.id, member, False))  # the author unshares
    page.reload()
    assert page.locator(f'figure[data-image="{image.id}"]').count() == 0
    assert "Nothing is shared" in page.locator(".empty").inner_text()
    picture = page.request.get(f"{live.url}/gallery/{GUILD}/images/{image.id}.png")
    assert picture.status == 404
    context.close()
