"""The web adapter's handlers over a real studio (store, queue, watcher, a tiny worker),
through aiohttp's test client: links, browsers, edits, progress, and the gallery page."""

from __future__ import annotations

import base64
import io
import json
from contextlib import asynccontextmanager

from aiohttp.test_utils import TestClient, TestServer
from PIL import Image

from app.api.app import build_app
from app.web import editor, routes
from data.origins import DiscordOrigin, Privacy
from studio.edit_links import EditLinks
from studio.gallery import WEB_PAGE_SIZE, Gallery
from studio.library import Library
from studio.public_collections import COLLECTIONS_PER_PAGE
from studio.requester import Requester
from studio.studio import ImagineOptions
from tests.conftest import running_studio

GUILD, CHANNEL = 500, 501
ALICE, BOB = Requester(1, "Alice", GUILD), Requester(2, "Bob", GUILD)


@asynccontextmanager
async def served(settings, engine):
    settings.rate_limit_jobs = 100  # these tests start many jobs; the limit has its own
    async with running_studio(settings, engine) as runtime:

        async def roles(user_id, guild_ids):
            return {guild_id: frozenset() for guild_id in guild_ids}

        runtime.studio.member_roles = roles
        app = build_app(runtime.studio, install=[routes.install])
        server = TestServer(app)
        clients = []

        async def client() -> TestClient:
            made = TestClient(server)
            await made.start_server()
            clients.append(made)
            return made

        try:
            yield runtime, client
        finally:
            for made in clients:
                await made.close()


async def image_of(runtime, user: Requester, prompt: str = "a red fox", count: int = 1):
    handle = await runtime.studio.imagine(user, prompt, ImagineOptions(count=count))
    outcome = await handle.outcome()
    assert outcome.ok, outcome.error
    return outcome.images


def token_for(runtime, user: Requester, image_id: str) -> str:
    links = EditLinks.of(runtime.studio)
    return links.sign(links.new(user.id, GUILD, CHANNEL, image_id))


def mask_url(size: tuple[int, int]) -> str:
    """A painted mask: the left half white (paint there)."""
    mask = Image.new("RGB", size, "black")
    mask.paste((255, 255, 255), (0, 0, size[0] // 2, size[1]))
    buffer = io.BytesIO()
    mask.save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


async def events_until_end(client: TestClient, token: str, job_id: str) -> list[tuple]:
    """The event stream of a job, parsed, until its last event."""
    answer = await client.get(f"/web/edit/{token}/jobs/{job_id}/events")
    assert answer.status == 200 and answer.headers["Content-Type"] == "text/event-stream"
    events, name = [], None
    async for raw in answer.content:
        line = raw.decode().rstrip("\n")
        if line.startswith("event: "):
            name = line[7:]
        elif line.startswith("data: "):
            events.append((name, json.loads(line[6:])))
    return events


async def count(runtime, table: str) -> int:
    return (await runtime.store.fetchone(f"SELECT COUNT(*) FROM {table}", ()))[0]


async def test_the_first_browser_to_open_a_link_owns_it(settings, engine):
    async with served(settings, engine) as (runtime, client):
        (image,) = await image_of(runtime, ALICE)
        token = token_for(runtime, ALICE, image.id)
        mine, theirs = await client(), await client()
        page = await mine.get(f"/edit/{token}")
        assert page.status == 200 and "editor.js" in await page.text()
        assert "default-src 'none'" in page.headers["Content-Security-Policy"]
        assert page.headers["Referrer-Policy"] == "no-referrer"
        opened = await mine.post(f"/web/edit/{token}/open", json={})
        assert opened.status == 200
        cookie = opened.cookies["imagine_editor"]
        assert cookie["httponly"] and cookie["samesite"] == "Strict"
        body = await opened.json()
        assert body["image"]["id"] == image.id and body["balance"] == 49
        assert body["edit_cost"] == settings.edit_cost
        picture = await mine.get(f"/web/edit/{token}/image.png")
        assert picture.status == 200 and (await picture.read()).startswith(b"\x89PNG")

        refused = await theirs.post(f"/web/edit/{token}/open", json={})
        assert refused.status == 403
        assert (await refused.json())["error"]["code"] == "link_taken"
        assert (await theirs.get(f"/web/edit/{token}/image.png")).status == 403
        assert (await mine.post(f"/web/edit/{token}/open", json={})).status == 200  # reload


async def test_expired_invalid_and_unseen_links_are_refused(settings, engine):
    async with served(settings, engine) as (runtime, client):
        (image,) = await image_of(runtime, ALICE)
        browser = await client()
        links = EditLinks.of(runtime.studio)
        old = links.new(ALICE.id, GUILD, CHANNEL, image.id)
        expired = links.sign(old.__class__(**{**old.__dict__, "expires_at": 1}))
        page = await browser.get(f"/edit/{expired}")
        assert page.status == 410 and "expired" in await page.text()
        answer = await browser.post(f"/web/edit/{expired}/open", json={})
        assert answer.status == 410 and (await answer.json())["error"]["code"] == "link_expired"
        assert (await browser.get("/edit/nonsense")).status == 403
        # Bob's link to Alice's private image: answered like a missing image
        answer = await browser.post(f"/web/edit/{token_for(runtime, BOB, image.id)}/open", json={})
        assert answer.status == 404
        assert (await answer.json())["error"]["message"] == "That image no longer exists."


async def test_an_edit_from_the_page_is_charged_once_and_goes_to_discord_too(settings, engine):
    async with served(settings, engine) as (runtime, client):
        (image,) = await image_of(runtime, ALICE)
        await runtime.studio.preferences.update_member(ALICE.id, privacy=Privacy.DM)
        token = token_for(runtime, ALICE, image.id)
        browser = await client()
        await browser.post(f"/web/edit/{token}/open", json={})
        body = {"prompt": "a blue bird", "mask": mask_url((image.width, image.height))}
        answer = await browser.post(f"/web/edit/{token}/edit", json=body)
        assert answer.status == 200, await answer.text()
        submitted = await answer.json()
        assert submitted["balance"] == 49 - settings.edit_cost
        record = await runtime.studio.job_of(ALICE, submitted["job_id"])
        assert record.job.kind == "edit" and record.source_image_id == image.id
        assert record.origin == DiscordOrigin(
            channel_id=CHANNEL,
            guild_id=GUILD,
            user_id=ALICE.id,
            created_at=record.origin.created_at,
            privacy=Privacy.DM,  # the member's /settings decide where Discord shows it
        )
        events = await events_until_end(browser, token, submitted["job_id"])
        name, done = events[-1]
        assert name == "done" and len(done["images"]) == settings.images_per_edit
        assert done["balance"] == 49 - settings.edit_cost
        result = done["images"][0]
        picture = await browser.get(f"/web/edit/{result['token']}/image.png")
        assert picture.status == 200
        varied = await browser.post(f"/web/edit/{result['token']}/vary", json={})
        assert varied.status == 200
        assert (await varied.json())["balance"] == 49 - 2 * settings.edit_cost
        other = await client()  # a result's link is this browser's too
        assert (await other.get(f"/web/edit/{result['token']}/image.png")).status == 403


async def test_a_frame_dragged_outward_outpaints(settings, engine):
    async with served(settings, engine) as (runtime, client):
        (image,) = await image_of(runtime, ALICE)
        token = token_for(runtime, ALICE, image.id)
        browser = await client()
        await browser.post(f"/web/edit/{token}/open", json={})
        body = {"prompt": "more sky", "frame": [0.5, 0, 0, 0.25]}
        answer = await browser.post(f"/web/edit/{token}/edit", json=body)
        assert answer.status == 200, await answer.text()
        record = await runtime.studio.job_of(ALICE, (await answer.json())["job_id"])
        assert (record.job.width, record.job.height) == (
            image.width + image.width // 2,
            image.height + image.height // 4,
        )


async def test_bad_submissions_change_nothing(settings, engine):
    async with served(settings, engine) as (runtime, client):
        (image,) = await image_of(runtime, ALICE)
        token = token_for(runtime, ALICE, image.id)
        browser = await client()
        await browser.post(f"/web/edit/{token}/open", json={})
        jobs = await count(runtime, "jobs")
        black = Image.new("RGB", (image.width, image.height))
        buffer = io.BytesIO()
        black.save(buffer, format="PNG")
        black_url = "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()
        cases = [
            ({"prompt": "x"}, "Paint the area"),
            ({"prompt": "x", "mask": "data:image/gif;base64,R0lG"}, "must be a PNG"),
            ({"prompt": "x", "mask": "data:image/png;base64,!!"}, "must be a PNG"),
            ({"prompt": "x", "mask": black_url}, "all black"),
            ({"prompt": "x", "frame": [1, 2]}, "four numbers"),
            ({"prompt": "x", "frame": [2, 0, 0, 0]}, "0 to 100%"),
            ({"mask": black_url}, "Describe what to paint"),
            (
                {"prompt": "x", "mask": mask_url((8, 8)), "frame": [0.5, 0, 0, 0]},
                "Pick one of",
            ),
        ]
        for body, message in cases:
            answer = await browser.post(f"/web/edit/{token}/edit", json=body)
            assert answer.status == 400, body
            assert message in (await answer.json())["error"]["message"], body
        not_json = await browser.post(f"/web/edit/{token}/edit", data="prompt=x")
        assert not_json.status == 400
        assert await count(runtime, "jobs") == jobs
        assert await runtime.studio.balance(ALICE) == 49


async def test_a_job_is_followed_only_by_its_member(settings, engine):
    async with served(settings, engine) as (runtime, client):
        (alices,) = await image_of(runtime, ALICE)
        (bobs,) = await image_of(runtime, BOB)
        alice_token, bob_token = (
            token_for(runtime, ALICE, alices.id),
            token_for(runtime, BOB, bobs.id),
        )
        alice, bob = await client(), await client()
        await alice.post(f"/web/edit/{alice_token}/open", json={})
        await bob.post(f"/web/edit/{bob_token}/open", json={})
        answer = await alice.post(f"/web/edit/{alice_token}/vary", json={})
        job_id = (await answer.json())["job_id"]
        peek = await bob.get(f"/web/edit/{bob_token}/jobs/{job_id}/events")
        assert peek.status == 404


async def test_the_gallery_page_shows_what_is_live_escaped_and_paged(settings, engine):
    async with served(settings, engine) as (runtime, client):
        made = []
        for _ in range(-(-(WEB_PAGE_SIZE + 1) // 4)):
            made += await image_of(runtime, ALICE, "<script>alert(1)</script> a fox", count=4)
        gallery = Gallery.of(runtime.studio)
        await gallery.set_channel(GUILD, 900, False, ALICE.id)
        for message_id, image in enumerate(made[: WEB_PAGE_SIZE + 1], start=1000):
            slot = await gallery.reserve(GUILD, ALICE.id, "Alice & co", image.id)
            await gallery.publish(slot, 900, message_id)
        browser = await client()
        first = await browser.get(f"/gallery/{GUILD}")
        html = await first.text()
        assert first.status == 200 and html.count("<figure") == WEB_PAGE_SIZE
        assert "<script>alert" not in html and "&lt;script&gt;alert(1)&lt;/script&gt; a fox" in html
        assert "Alice &amp; co" in html and "Page 1 of 2" in html
        assert "default-src 'none'" in first.headers["Content-Security-Policy"]
        second = await (await browser.get(f"/gallery/{GUILD}?page=2")).text()
        assert second.count("<figure") == 1 and made[0].id in second  # the oldest share
        picture = await browser.get(f"/gallery/{GUILD}/images/{made[0].id}.png")
        assert picture.status == 200
        assert (await browser.get(f"/gallery/{GUILD}/images/{made[-1].id}.png")).status == 404

        assert await gallery.show_on_web(GUILD, False, ALICE.id)
        assert (await browser.get(f"/gallery/{GUILD}")).status == 404
        assert (await browser.get(f"/gallery/{GUILD}/images/{made[0].id}.png")).status == 404
        assert (await browser.get("/gallery/12345")).status == 200  # another server: on
        assert (await browser.get("/gallery/not-a-server")).status == 404

        await gallery.show_on_web(GUILD, True, ALICE.id)
        await Library.of(runtime.studio).forget(ALICE.id)  # /forget-me: gone at once
        emptied = await (await browser.get(f"/gallery/{GUILD}")).text()
        assert "<figure" not in emptied and "Nothing is shared" in emptied
        assert (await browser.get(f"/gallery/{GUILD}/images/{made[1].id}.png")).status == 404


async def test_the_gallery_page_shows_the_servers_public_collections(settings, engine):
    async with served(settings, engine) as (runtime, client):
        foxes = await image_of(runtime, ALICE, "<b>a fox</b>", count=2)
        (bobs_shared, bobs_unshared) = await image_of(runtime, BOB, "an owl", count=2)
        gallery, library = Gallery.of(runtime.studio), Library.of(runtime.studio)
        await gallery.set_channel(GUILD, 900, False, ALICE.id)
        await gallery.publish(await gallery.reserve(GUILD, BOB.id, "Bob", bobs_shared.id), 900, 7)
        for number in range(COLLECTIONS_PER_PAGE):  # Bob's owl in public collections
            await library.create(BOB.id, "Bob", f"Owls {number}")
            await library.add(BOB.id, f"Owls {number}", bobs_unshared.id)
            await library.set_public(BOB.id, f"Owls {number}", True, GUILD)
        await library.create(BOB.id, "Bob", "Elsewhere")
        await library.add(BOB.id, "Elsewhere", bobs_unshared.id)
        await library.set_public(BOB.id, "Elsewhere", True, GUILD + 1)  # another server's
        await library.create(ALICE.id, "Alice", "Foxes & <i>owls</i>")
        for image in (*foxes, bobs_shared, bobs_unshared):  # she may add what is public
            await library.add(ALICE.id, "Foxes & <i>owls</i>", image.id)
        chosen = await library.set_public(ALICE.id, "Foxes & <i>owls</i>", True, GUILD)

        browser = await client()
        listed = await browser.get(f"/gallery/{GUILD}/collections")
        html = await listed.text()
        assert listed.status == 200 and "Page 1 of 2" in html and "Elsewhere" not in html
        assert "default-src 'none'" in listed.headers["Content-Security-Policy"]
        cards = html.split("<article")[1:]
        assert len(cards) == COLLECTIONS_PER_PAGE  # the last made public first: Alice's
        assert "Foxes &amp; &lt;i&gt;owls&lt;/i&gt;" in cards[0] and "<i>owls" not in html
        assert '<span class="owner">Alice</span> · 3 images' in cards[0]
        assert cards[0].count("<img") == 3  # Bob's unshared owl is not Alice's to publish
        assert bobs_unshared.id not in cards[0] and bobs_unshared.id in cards[1]
        second = await (await browser.get(f"/gallery/{GUILD}/collections?page=2")).text()
        assert second.count("<article") == 1 and "Owls 0" in second and "Page 2 of 2" in second

        page_url = f"/gallery/{GUILD}/collections/{chosen.id}"
        one = await (await browser.get(page_url)).text()
        assert one.count("<figure") == 3 and bobs_unshared.id not in one
        assert "&lt;b&gt;a fox&lt;/b&gt;" in one and "<b>a fox" not in one
        for image in (*foxes, bobs_shared):
            assert (await browser.get(f"/gallery/{GUILD}/images/{image.id}.png")).status == 200
        elsewhere = f"/gallery/{GUILD + 1}/collections/{chosen.id}"
        assert (await browser.get(elsewhere)).status == 404
        for path in ("collections/x", f"collections/{2**63}", f"collections/{10**19 - 1}"):
            assert (await browser.get(f"/gallery/{GUILD}/{path}")).status == 404
        assert (await browser.get(f"/gallery/{GUILD + 1}/images/{foxes[0].id}.png")).status == 404

        await library.remove(ALICE.id, "Foxes & <i>owls</i>", foxes[0].id)  # gone at once
        assert foxes[0].id not in await (await browser.get(page_url)).text()
        assert (await browser.get(f"/gallery/{GUILD}/images/{foxes[0].id}.png")).status == 404
        await gallery.show_on_web(GUILD, False, ALICE.id)
        assert (await browser.get(f"/gallery/{GUILD}/collections")).status == 404
        assert (await browser.get(page_url)).status == 404
        await gallery.show_on_web(GUILD, True, ALICE.id)
        await library.set_public(ALICE.id, "Foxes & <i>owls</i>", False)  # private: gone
        assert (await browser.get(page_url)).status == 404
        assert (await browser.get(f"/gallery/{GUILD}/images/{foxes[1].id}.png")).status == 404
        await library.set_public(ALICE.id, "Foxes & <i>owls</i>", True, GUILD)
        await library.forget(ALICE.id)  # /forget-me: her collection goes with her
        assert (await browser.get(page_url)).status == 404
        listed = await (await browser.get(f"/gallery/{GUILD}/collections")).text()
        assert "Foxes" not in listed and "Page 1 of 1" in listed


async def test_an_opened_link_stays_its_browsers_after_a_restart(settings, engine):
    async with served(settings, engine) as (runtime, client):
        (image,) = await image_of(runtime, ALICE)
        token = token_for(runtime, ALICE, image.id)
        opened = await (await client()).post(f"/web/edit/{token}/open", json={})
        assert opened.status == 200
        cookie = {editor.COOKIE: opened.cookies[editor.COOKIE].value}
    async with served(settings, engine) as (runtime, client):  # the same database, restarted
        theirs = await client()
        refused = await theirs.post(f"/web/edit/{token}/open", json={})
        assert refused.status == 403 and (await refused.json())["error"]["code"] == "link_taken"
        assert (await theirs.get(f"/web/edit/{token}/image.png")).status == 403
        mine = await client()
        assert (await mine.post(f"/web/edit/{token}/open", json={}, cookies=cookie)).status == 200
        picture = await mine.get(f"/web/edit/{token}/image.png", cookies=cookie)
        assert picture.status == 200


async def test_behind_a_tls_proxy_the_cookie_is_secure(settings, engine):
    settings.api_public_url = "https://images.example.org"
    async with served(settings, engine) as (runtime, client):
        (image,) = await image_of(runtime, ALICE)
        browser = await client()
        opened = await browser.post(
            f"/web/edit/{token_for(runtime, ALICE, image.id)}/open", json={}
        )
        assert opened.status == 200 and opened.cookies["imagine_editor"]["secure"]
