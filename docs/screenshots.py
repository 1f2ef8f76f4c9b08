"""Make the README's screenshots of the web editor and the gallery page.

    PYTHONPATH=. .venv/bin/python docs/screenshots.py

A real studio (runtime, HTTP server, a worker with the offline ``tiny:flux2`` model) and
Debian's headless Chromium, as the browser tests use. The offline model paints only noise,
so the pictures on the pages are scikit-image's bundled test photos, written over the
files of images the studio made (same records, prompts, owners and shares).
"""

from __future__ import annotations

import io
import sys
import tempfile
from pathlib import Path

from PIL import Image, ImageOps
from playwright.sync_api import sync_playwright
from skimage import data as photos

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from studio.edit_links import EditLinks  # noqa: E402
from studio.gallery import Gallery  # noqa: E402
from studio.library import Library  # noqa: E402
from studio.requester import Requester  # noqa: E402
from studio.studio import ImagineOptions  # noqa: E402
from tests.web.conftest import CHROMIUM_ARGS, chromium_path, load_flux2, serving  # noqa: E402
from tests.web.test_browser import ALL_LOADED  # noqa: E402

GUILD, CHANNEL, GALLERY = 500, 501, 900
PICTURES = [
    ("chelsea", "a tabby cat resting on a wooden floor, soft light", "Ada"),
    ("astronaut", "portrait of an astronaut in front of the flag, 1980s photo", "Grace"),
    ("coffee", "a cup of coffee on a saucer, top view, warm tones", "Linus"),
    ("rocket", "a rocket on the launch pad at dawn, wide angle", "Ada"),
    ("colorwheel", "a colour wheel, flat illustration", "Grace"),
    ("camera", "a photographer with a tripod, black and white", "Linus"),
]
COLLECTIONS = [  # (owner: an index in PICTURES, name, the pictures in it)
    (0, "Things that fly", [3, 1]),  # Ada's rocket, and Grace's shared astronaut
    (1, "Studio shots", [4, 1, 5]),
]


async def made(runtime, member: Requester, prompt: str, photo: str):
    """An image the studio made, its file replaced by a photo of the same size."""
    handle = await runtime.studio.imagine(member, prompt, ImagineOptions(count=1, size="square"))
    outcome = await handle.outcome()
    assert outcome.ok, outcome.error
    (record,) = outcome.images
    picture = Image.fromarray(getattr(photos, photo)()).convert("RGB")
    picture = ImageOps.fit(picture, (record.width, record.height))
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG")
    (runtime.settings.data_dir / record.path).write_bytes(buffer.getvalue())
    return record


def main() -> None:
    out = ROOT / "docs"
    with (
        tempfile.TemporaryDirectory() as home,
        serving(Path(home) / "var", load_flux2(), image_size=512, steps=2) as live,
    ):
        records = []
        for number, (photo, prompt, name) in enumerate(PICTURES):
            member = Requester(10 + number % 3, name, GUILD)
            records.append((member, live.run(made(live.runtime, member, prompt, photo))))
        gallery = Gallery.of(live.studio)

        async def share_all():
            await gallery.set_channel(GUILD, GALLERY, False, 10)
            for message_id, (member, record) in enumerate(records, start=1000):
                slot = await gallery.reserve(GUILD, member.id, member.name, record.id)
                await gallery.publish(slot, GALLERY, message_id)
                for voter in range(message_id % 5):
                    await gallery.reacted(message_id, 100 + voter, "❤️")

        live.run(share_all())

        async def collect_some():  # /collection public in the server: on its gallery page
            library = Library.of(live.studio)
            for owner, name, picks in COLLECTIONS:
                member = records[owner][0]
                await library.create(member.id, member.name, name)
                for pick in picks:
                    await library.add(member.id, name, records[pick][1].id)
                await library.set_public(member.id, name, True, GUILD)

        live.run(collect_some())
        links = EditLinks.of(live.studio)
        member, cat = records[0]
        token = links.sign(links.new(member.id, GUILD, CHANNEL, cat.id))
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=chromium_path(), args=CHROMIUM_ARGS, headless=True
            )
            context = browser.new_context()  # one browser profile: it owns the link
            page = context.new_page()
            page.set_viewport_size({"width": 900, "height": 900})
            page.goto(f"{live.url}/edit/{token}")
            page.wait_for_selector("body[data-ready=true]")
            box = page.locator("#view").bounding_box()
            page.mouse.move(box["x"] + box["width"] * 0.62, box["y"] + box["height"] * 0.3)
            page.mouse.down()
            for x, y in ((0.7, 0.22), (0.8, 0.3), (0.78, 0.45), (0.66, 0.45), (0.62, 0.3)):
                page.mouse.move(box["x"] + box["width"] * x, box["y"] + box["height"] * y, steps=6)
            page.mouse.up()
            page.fill("#prompt", "a tabby cat wearing a tiny red party hat")
            page.screenshot(path=str(out / "web-editor.png"))
            phone = context.new_page()
            phone.set_viewport_size({"width": 390, "height": 844})
            phone.goto(f"{live.url}/edit/{token}")
            phone.wait_for_selector("body[data-ready=true]")
            phone.click("#mode-extend")
            phone.fill("#zoom", "60")
            phone.dispatch_event("#zoom", "input")
            phone.screenshot(path=str(out / "web-editor-extend-phone.png"))
            page.set_viewport_size({"width": 900, "height": 1100})
            page.goto(f"{live.url}/gallery/{GUILD}")
            page.wait_for_function(ALL_LOADED, arg="figure img")
            page.screenshot(path=str(out / "web-gallery.png"), full_page=True)
            page.set_viewport_size({"width": 900, "height": 700})
            page.goto(f"{live.url}/gallery/{GUILD}/collections")
            page.wait_for_function(ALL_LOADED, arg=".strip img")
            page.screenshot(path=str(out / "web-gallery-collections.png"), full_page=True)
            browser.close()
    print("wrote docs/web-editor.png, docs/web-editor-extend-phone.png, docs/web-gallery.png,")
    print("docs/web-gallery-collections.png")


if __name__ == "__main__":
    main()
