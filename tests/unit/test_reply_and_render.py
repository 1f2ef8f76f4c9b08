import io
import subprocess
import sys

import pytest
from PIL import Image

from app.discord import render
from app.discord.reply_edit import parse_reply
from studio.errors import BadRequest


@pytest.mark.parametrize(
    ("text", "prompt", "index", "region", "extend", "pixels", "zoom"),
    [
        ("2 a red scarf --region bottom", "a red scarf", 2, "bottom", None, None, None),
        ("U3 a wide road --extend right 128", "a wide road", 3, None, "right", 128, None),
        ("a starry sky --zoom 2", "a starry sky", None, None, None, None, 2.0),
        ("a castle --extend ALL", "a castle", None, None, "all", None, None),
        ("make it night", "make it night", None, None, None, None, None),
        ("12 monkeys", "12 monkeys", None, None, None, None, None),
    ],
)
def test_replies_are_read_into_edit_requests(text, prompt, index, region, extend, pixels, zoom):
    parsed = parse_reply(text)
    assert (parsed.prompt, parsed.index) == (prompt, index)
    options = parsed.options
    assert (options.region, options.extend, options.extend_pixels, options.zoom) == (
        region,
        extend,
        pixels,
        zoom,
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a cat --colour red", "Unknown option --colour"),
        ("a cat --region", "--region needs"),
        ("a cat --zoom big", "Zoom must be"),
    ],
)
def test_bad_replies_say_what_is_wrong(text, message):
    with pytest.raises(BadRequest, match=message):
        parse_reply(text)


def png(colour: str, size=(64, 48)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, format="PNG")
    return buffer.getvalue()


def near(pixel: tuple[int, ...], colour: tuple[int, int, int]) -> bool:
    """Within the grid's JPEG loss of ``colour`` (a swapped image is 255 away)."""
    return max(abs(a - b) for a, b in zip(pixel, colour, strict=True)) <= 8


def test_grid_puts_four_images_on_two_rows():
    grid = Image.open(
        io.BytesIO(render.grid_jpeg([png(c) for c in ("red", "lime", "blue", "white")]))
    )
    assert grid.format == "JPEG" and grid.size == (64 * 2 + 4, 48 * 2 + 4)
    assert near(grid.getpixel((10, 10)), (255, 0, 0))
    assert near(grid.getpixel((64 + 4 + 10, 10)), (0, 255, 0))
    assert near(grid.getpixel((10, 48 + 4 + 10)), (0, 0, 255))
    assert near(grid.getpixel((64 + 4 + 10, 48 + 4 + 10)), (255, 255, 255))
    three = Image.open(io.BytesIO(render.grid_jpeg([png("red")] * 3)))
    assert three.size == (132, 100)


def test_the_bot_process_never_imports_torch():
    code = (
        "import sys, app.discord.client, app.cli, app.discord.cogs.studio;"
        "import app.discord.cogs.buttons, app.discord.cogs.edit;"
        "print(sorted(m for m in ('torch', 'diffusers', 'transformers') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
