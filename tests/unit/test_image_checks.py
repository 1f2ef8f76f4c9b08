"""Image checks (data/image_checks.py) with NudeNet on photos that ship inside scikit-image,
offline."""

from __future__ import annotations

import io
import socket

import numpy as np
import pytest
import skimage.data
from PIL import Image

from data.image_checks import ImageChecker, ImageRules


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
