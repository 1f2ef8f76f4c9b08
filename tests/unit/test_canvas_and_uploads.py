import io

import numpy as np
import pytest
from PIL import Image

from studio import canvas
from studio.errors import BadRequest, ImageRejected
from studio.uploads import open_upload

LIMITS = dict(max_bytes=1024 * 1024, max_pixels=2048 * 2048)


def encode(image: Image.Image, fmt: str = "PNG", **params) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **params)
    return buffer.getvalue()


def test_transparent_pixels_become_the_mask():
    image = Image.new("RGBA", (64, 64), (10, 20, 30, 255))
    image.paste((0, 0, 0, 0), (0, 0, 16, 64))
    mask = np.asarray(canvas.mask_from_alpha(image))
    assert (mask[:, :16] == 255).all() and (mask[:, 16:] == 0).all()
    assert canvas.mask_from_alpha(Image.new("RGBA", (8, 8), (0, 0, 0, 255))) is None


def test_regions_cover_the_named_part():
    mask = np.asarray(canvas.region_mask((64, 32), "top-right"))
    assert (mask[:16, 32:] == 255).all() and mask.sum() == 255 * 32 * 16
    with pytest.raises(BadRequest, match="Unknown region"):
        canvas.region_mask((64, 64), "middle-ish")


@pytest.mark.parametrize(
    ("direction", "size", "kept_box"),
    [
        ("left", (96, 64), (32, 0, 96, 64)),
        ("down", (64, 96), (0, 0, 64, 64)),
        ("all", (128, 128), (32, 32, 96, 96)),
    ],
)
def test_extend_pads_and_masks_only_the_new_area(direction, size, kept_box):
    source = Image.effect_noise((64, 64), 50).convert("RGB")
    grown = canvas.extend(source, direction, None, max_side=256)
    assert grown.image.size == size
    assert np.array_equal(np.asarray(grown.image.crop(kept_box)), np.asarray(source))
    mask = np.asarray(grown.mask)
    assert (np.asarray(grown.mask.crop(kept_box)) == 0).all()
    assert mask.sum() == 255 * (size[0] * size[1] - 64 * 64)


def test_zoom_and_canvas_limits():
    source = Image.new("RGB", (64, 64))
    assert canvas.zoom_out(source, 2.0, max_side=256).image.size == (128, 128)
    with pytest.raises(BadRequest, match="limit is 100"):
        canvas.extend(source, "all", 32, max_side=100)
    with pytest.raises(BadRequest, match="Zoom must be"):
        canvas.zoom_out(source, 3.0, max_side=1024)


def test_uploads_accept_real_images_and_take_the_first_frame():
    frames = [Image.new("RGB", (32, 32), c) for c in ("red", "blue")]
    webp = encode(frames[0], "WEBP", save_all=True, append_images=frames[1:])
    image = open_upload(webp, **LIMITS)
    assert image.size == (32, 32) and image.getpixel((0, 0))[0] > 200
    assert open_upload(encode(Image.new("RGBA", (8, 8))), **LIMITS).mode == "RGBA"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"MZ\x90\x00 definitely not an image", "not an image"),
        (encode(Image.new("RGB", (64, 64)))[:60], "damaged or truncated"),
        (encode(Image.new("RGB", (8, 8)), "GIF"), "Unsupported file"),
        (encode(Image.new("1", (3000, 3000))), "limit is 4,194,304 pixels"),
        (b"\x89PNG" + b"\x00" * (2 * 1024 * 1024), "limit is 1 MB"),
    ],
)
def test_bad_uploads_are_refused_with_a_reason(data, message):
    with pytest.raises(ImageRejected, match=message):
        open_upload(data, **LIMITS)


ROOMY = {"max_bytes": 10 * 2**20, "max_pixels": 4096 * 4096}


def test_a_16_bit_png_keeps_its_tones():
    """Issue 19 item 7: convert("RGB") clipped 16-bit grey to white."""
    ramp = np.tile(np.linspace(0, 65535, 64).astype(np.uint16), (16, 1))
    wide = open_upload(encode(Image.fromarray(ramp)), **ROOMY)
    control = open_upload(encode(Image.fromarray((ramp // 257).astype(np.uint8))), **ROOMY)
    wide_pixels, control_pixels = np.asarray(wide).astype(int), np.asarray(control).astype(int)
    assert wide.mode == "RGB" and abs(wide_pixels.mean() - 127.5) < 2  # not 99% white
    assert np.abs(wide_pixels - control_pixels).max() <= 1  # the same picture as 8 bits


def test_exif_orientation_turns_a_phone_photo_upright():
    picture = Image.new("RGB", (40, 20), "white")
    picture.paste((255, 0, 0), (0, 0, 20, 20))  # red on the left, as stored
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90° clockwise to display"
    upright = open_upload(encode(picture, "JPEG", exif=exif.tobytes()), **ROOMY)
    assert upright.size == (20, 40)
    top, bottom = upright.getpixel((10, 5)), upright.getpixel((10, 35))
    assert top[0] > 200 and top[1] < 60 and min(bottom) > 200  # red now on top


@pytest.mark.parametrize("size", [(65500, 8), (8, 4000), (1000, 240)])
def test_extreme_aspect_ratios_are_refused_with_the_size(size):
    sliver = Image.new("L", size)
    with pytest.raises(ImageRejected, match=rf"{size[0]}×{size[1]}: its sides may differ"):
        open_upload(encode(sliver), **ROOMY)
    assert open_upload(encode(Image.new("L", (1000, 250))), **ROOMY).size == (1000, 250)
