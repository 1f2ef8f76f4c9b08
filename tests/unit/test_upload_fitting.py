"""Results at real sizes stay within Discord's upload limit (1024² noise: the worst case).

A 2×2 PNG grid of four 1024² noise images is over 12 MiB, over the 10 MiB that an
interaction on a server without boosts may carry; Discord would refuse the result. The
grid is made as a JPEG (data/grids.py), which fits as made; a PNG over the limit (a 2048²
upscale) goes as a JPEG of the same pixels.
"""

from __future__ import annotations

import asyncio
import io

import numpy as np
import pytest
from PIL import Image

from app.discord import fitting, limits, render


def noise_png(side: int, seed: int) -> bytes:
    pixels = np.random.default_rng(seed).integers(0, 256, (side, side, 3), dtype=np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture(scope="module")
def pngs() -> list[bytes]:
    return [noise_png(1024, seed) for seed in range(4)]


@pytest.fixture(scope="module")
def grid(pngs: list[bytes]) -> bytes:
    return render.grid_jpeg(pngs)


def test_a_grid_of_four_1024_noise_images_is_a_jpeg_within_the_limit_as_made(
    pngs: list[bytes], grid: bytes
):
    as_png = io.BytesIO()
    Image.open(io.BytesIO(grid)).save(as_png, format="PNG", compress_level=1)
    assert len(as_png.getvalue()) > limits.UPLOAD  # as a PNG Discord would refuse it
    upload = fitting.fit(grid, render.GRID_STEM, limits.UPLOAD)
    assert upload == fitting.Upload(grid, "grid.jpg", reduced=False)  # sent as it is
    shown = Image.open(io.BytesIO(upload.data))
    assert shown.format == "JPEG" and shown.size == (2 * 1024 + 4, 2 * 1024 + 4)


def test_a_smaller_limit_gets_fewer_pixels_rather_than_a_refusal(grid: bytes):
    upload = fitting.fit(grid, render.GRID_STEM, 1024 * 1024)
    assert len(upload.data) <= 1024 * 1024 and upload.filename == "grid.jpg"
    assert upload.reduced


def test_a_png_within_the_limit_is_sent_as_it_is():
    png = noise_png(1024, 7)  # about 3 MiB
    upload = fitting.fit(png, "imagine-x", limits.UPLOAD)
    assert upload == fitting.Upload(png, "imagine-x.png", reduced=False)
    assert fitting.upload_limit(None) == fitting.upload_limit(0) == limits.UPLOAD
    assert fitting.upload_limit(25 * 1024 * 1024) == 25 * 1024 * 1024


def test_a_full_size_2048_upscale_over_the_limit_goes_as_a_full_size_jpeg():
    png = noise_png(2048, 8)
    assert len(png) > limits.UPLOAD
    upload = fitting.fit(png, "imagine-x", limits.UPLOAD)
    assert upload.filename == "imagine-x.jpg" and len(upload.data) <= limits.UPLOAD
    assert upload.reduced
    assert Image.open(io.BytesIO(upload.data)).size == (2048, 2048)


def test_from_the_event_loop_a_file_within_the_limit_is_taken_without_a_thread(
    monkeypatch: pytest.MonkeyPatch, grid: bytes
):
    def no_thread(*args, **kwargs):
        raise AssertionError("a file within the limit went to a thread")

    monkeypatch.setattr(fitting.asyncio, "to_thread", no_thread)
    upload = asyncio.run(fitting.fitted(grid, render.GRID_STEM, limits.UPLOAD))
    assert upload == fitting.Upload(grid, "grid.jpg", reduced=False)


def test_from_the_event_loop_a_file_over_the_limit_is_reduced_as_fit_does(grid: bytes):
    upload = asyncio.run(fitting.fitted(grid, render.GRID_STEM, 1024 * 1024))
    assert upload == fitting.fit(grid, render.GRID_STEM, 1024 * 1024)
    assert upload.reduced and len(upload.data) <= 1024 * 1024
