"""Image checks with NudeNet on photos that ship inside scikit-image, offline."""

from __future__ import annotations

import io
import socket

import cv2
import numpy as np
import pytest
import skimage.data
from PIL import Image, ImageDraw, ImageFilter, ImageOps

from bot.moderation.images import ImageChecker, ImageRules, flat_share


def photo(name: str) -> Image.Image:
    return Image.fromarray(getattr(skimage.data, name)())


@pytest.fixture(scope="module")
def checker() -> ImageChecker:
    return ImageChecker()


def test_the_astronaut_portrait_is_a_face(checker):
    verdict = checker.check(photo("astronaut"), ImageRules())
    assert not verdict.allowed and verdict.reason == "a realistic face"
    assert verdict.label == "FACE_FEMALE" and verdict.score > 0.6
    assert checker.check(photo("astronaut"), ImageRules(block_faces=False)).allowed


def test_a_greyscale_portrait_is_a_face_too(checker):
    verdict = checker.check(photo("camera"), ImageRules())
    assert not verdict.allowed and verdict.label == "FACE_MALE"


@pytest.mark.parametrize("name", ["coffee", "chelsea", "rocket"])
def test_photos_without_people_pass(checker, name):
    assert checker.check(photo(name), ImageRules()).allowed


def test_noise_like_the_tiny_models_output_passes(checker):
    rng = np.random.default_rng(7)
    noise = Image.fromarray((rng.random((64, 64, 3)) * 255).astype(np.uint8))
    assert checker.check(noise, ImageRules()).allowed


def test_the_skin_gate_clears_the_detectors_false_alarm_on_a_colour_wheel(checker):
    wheel = photo("colorwheel")
    raw = checker.detections(wheel)
    assert [d.label for d in raw] == ["BUTTOCKS_EXPOSED"] and raw[0].score > 0.8
    assert raw[0].skin is not None and raw[0].skin < checker.min_skin
    assert checker.check(wheel, ImageRules()).allowed
    ungated = ImageChecker(min_skin=0.0)
    verdict = ungated.check(wheel, ImageRules())
    assert not verdict.allowed and verdict.reason == "nudity"


def test_a_jobs_images_are_checked_together_and_the_first_flagged_one_decides(checker):
    def png(image: Image.Image) -> bytes:
        buffer = io.BytesIO()
        image.save(buffer, format="PNG")
        return buffer.getvalue()

    coffee, rocket, astronaut, camera = (
        png(photo(name)) for name in ("coffee", "rocket", "astronaut", "camera")
    )
    assert checker.check_pngs([coffee, rocket], ImageRules()).allowed
    verdict = checker.check_pngs([coffee, astronaut, rocket, camera], ImageRules())
    assert not verdict.allowed and verdict.label == "FACE_FEMALE"  # image 2, not image 4
    assert checker.check_pngs([camera, astronaut], ImageRules()).label == "FACE_MALE"


def test_the_model_loads_and_runs_with_the_network_blocked(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("the image check tried to reach the network")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    fresh = ImageChecker()
    assert not fresh.check(photo("astronaut"), ImageRules()).allowed


async def test_check_async_runs_off_the_event_loop(checker):
    import asyncio
    import threading

    seen = []
    original = checker.check

    def spy(image, rules):
        seen.append(threading.current_thread() is threading.main_thread())
        return original(image, rules)

    checker.check = spy
    try:
        verdict = await asyncio.wait_for(checker.check_async(photo("coffee"), ImageRules()), 30)
    finally:
        del checker.check
    assert verdict.allowed and seen == [False]


# -- realistic faces only: drawings, cartoons, posterized and painted faces pass ------------


def jpeg(image: Image.Image, quality: int) -> Image.Image:
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, format="JPEG", quality=quality)
    return Image.open(io.BytesIO(buffer.getvalue())).convert("RGB")


def drawn_face() -> Image.Image:
    """A cartoon face drawn with Pillow: flat fills and outlines."""
    image = Image.new("RGB", (512, 512), (250, 240, 220))
    draw = ImageDraw.Draw(image)
    draw.ellipse((136, 96, 376, 376), fill=(245, 200, 160), outline=(60, 40, 30), width=6)
    for left in (190, 282):
        draw.ellipse((left, 190, left + 40, 230), fill="white", outline="black", width=4)
        draw.ellipse((left + 12, 202, left + 30, 220), fill="black")
    draw.polygon([(256, 230), (245, 270), (267, 270)], fill=(220, 160, 130))
    draw.arc((200, 250, 312, 330), 20, 160, fill=(150, 40, 40), width=6)
    draw.pieslice((126, 60, 386, 200), 180, 360, fill=(90, 50, 20))
    return image


def faces(checker: ImageChecker, image: Image.Image) -> list:
    return [d for d in checker.detections(image) if d.label.startswith("FACE")]


@pytest.mark.parametrize("bits", [2, 3])
def test_a_posterized_photo_of_a_face_passes_as_a_drawing(checker, bits):
    poster = ImageOps.posterize(photo("astronaut"), bits)
    found = faces(checker, poster)
    assert found and found[0].score > checker.face_threshold  # the detector sees a face
    assert found[0].flat > checker.max_flat  # … in a picture made of flat colour areas
    assert checker.check(poster, ImageRules()).allowed
    every_face = ImageChecker(max_flat=1.0)  # control: without the photo test it is refused
    assert every_face.check(poster, ImageRules()).reason == "a realistic face"


def test_a_painted_version_passes_where_the_photo_is_refused():
    painted = Image.fromarray(
        cv2.stylization(skimage.data.astronaut(), sigma_s=60, sigma_r=0.45)
    )  # OpenCV's watercolour-like paint filter
    sensitive = ImageChecker(face_threshold=0.3)  # the painting scores 0.39 as a face
    assert sensitive.check(painted, ImageRules()).allowed
    assert not sensitive.check(photo("astronaut"), ImageRules()).allowed
    assert not ImageChecker(face_threshold=0.3, max_flat=1.0).check(painted, ImageRules()).allowed


def test_a_cartoon_face_drawn_with_pillow_passes(checker):
    face = drawn_face()
    assert checker.check(face, ImageRules()).allowed
    assert checker.check(ImageOps.grayscale(face), ImageRules()).allowed


@pytest.mark.parametrize(
    "image",
    [
        pytest.param(lambda: jpeg(photo("astronaut"), 30), id="astronaut-jpeg-30"),
        pytest.param(lambda: jpeg(photo("camera"), 30), id="camera-jpeg-30"),
        pytest.param(lambda: photo("astronaut").resize((200, 200)), id="astronaut-small"),
        pytest.param(
            lambda: photo("astronaut").filter(ImageFilter.GaussianBlur(2)), id="astronaut-blur"
        ),
    ],
)
def test_photos_stay_refused_after_compression_resizing_and_blur(checker, image):
    verdict = checker.check(image(), ImageRules())
    assert verdict.reason == "a realistic face", verdict


def test_flat_share_of_flat_and_noisy_pictures():
    flat = np.full((40, 40, 3), 120, dtype=np.uint8)
    noisy = (np.random.default_rng(3).random((40, 40, 3)) * 255).astype(np.uint8)
    assert flat_share(flat, [0, 0, 40, 40]) == 1.0
    assert flat_share(noisy, [0, 0, 40, 40]) == 0.0
    half = flat.copy()
    half[:, 20:] = noisy[:, 20:]
    assert 0.4 < flat_share(half, [0, 0, 40, 40]) < 0.5
    assert flat_share(flat, [38, 38, 10, 10]) == 0.0  # a box too small to judge
