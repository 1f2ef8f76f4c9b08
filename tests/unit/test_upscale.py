"""Upscale 2×: the tile plan, the seam-free blend, and the engine's detail pass (tiny model)."""

import io
import itertools

import numpy as np
import pytest
from PIL import Image

from data.jobs import Job, JobKind
from inference.upscale import ALIGN, Tile, Upscaler, blend, pad_to_grid, plan_tiles


def upscale_job(source: Image.Image, **fields) -> Job:
    buffer = io.BytesIO()
    source.save(buffer, format="PNG")
    values = dict(
        id="u",
        kind=JobKind.UPSCALE,
        prompt="a red fox",
        seed=5,
        n=1,
        width=source.width * 2,
        height=source.height * 2,
        steps=2,
        guidance=0.0,
        strength=0.3,
        init_image=buffer.getvalue(),
    )
    values.update(fields)
    return Job(**values)


def gradient(width: int, height: int) -> Image.Image:
    x = np.linspace(0, 255, width)[None, :, None]
    y = np.linspace(0, 255, height)[:, None, None]
    pixels = np.concatenate([x + 0 * y, 0 * x + y, (x + y) / 2], axis=2)
    return Image.fromarray(pixels.astype(np.uint8), "RGB")


@pytest.mark.parametrize(("width", "height"), [(64, 64), (200, 72), (512, 1024), (1032, 776)])
def test_tiles_cover_the_canvas_on_the_grid_and_overlap(width, height):
    tile, overlap = 128, 16
    tiles = plan_tiles(width, height, tile, overlap)
    covered = np.zeros((height, width), dtype=int)
    for t in tiles:
        assert (t.width, t.height) == (min(tile, width), min(tile, height))
        assert t.left % ALIGN == 0 and t.top % ALIGN == 0
        left, top, right, bottom = t.box
        assert right <= width and bottom <= height
        covered[top:bottom, left:right] += 1
    assert covered.min() >= 1
    lefts = sorted({t.left for t in tiles})
    for a, b in itertools.pairwise(lefts):  # neighbours share about `overlap`
        assert tiles[0].width - (b - a) >= overlap - ALIGN


def test_the_plan_refuses_a_canvas_off_the_grid():
    with pytest.raises(ValueError, match="multiple of 8"):
        plan_tiles(100, 64, 64, 8)


def test_one_tile_blends_to_itself_and_equal_tiles_blend_to_the_same_picture():
    picture = gradient(96, 64)
    whole = Tile(0, 0, 96, 64)
    assert np.array_equal(np.asarray(blend([whole], [picture], (96, 64), 16)), picture)
    tiles = plan_tiles(96, 64, 64, 16)
    assert len(tiles) == 2
    crops = [picture.crop(t.box) for t in tiles]
    assert np.array_equal(np.asarray(blend(tiles, crops, (96, 64), 16)), np.asarray(picture))


def test_different_tiles_meet_without_a_seam():
    tiles = plan_tiles(96, 64, 64, 16)
    dark, light = Image.new("RGB", (64, 64), (0, 0, 0)), Image.new("RGB", (64, 64), (240, 240, 240))
    row = np.asarray(blend(tiles, [dark, light], (96, 64), 16))[10, :, 0].astype(int)
    assert row[0] == 0 and row[-1] == 240  # outside the overlap each tile is itself
    assert np.abs(np.diff(row)).max() <= 240 // 16 + 1  # a ramp, not a step
    # Control: pasting the tiles without blending shows the step this guards against.
    pasted = Image.new("RGB", (96, 64))
    for tile, image in zip(tiles, [dark, light], strict=True):
        pasted.paste(image, tile.box[:2])
    assert np.abs(np.diff(np.asarray(pasted)[10, :, 0].astype(int))).max() == 240


def test_padding_repeats_the_edges_to_the_grid():
    padded = pad_to_grid(gradient(37, 29))
    assert padded.size == (40, 32)
    assert np.array_equal(np.asarray(padded)[:29, 36], np.asarray(padded)[:29, 39])


def test_the_engine_upscales_to_twice_the_size_reproducibly(engine):
    source = gradient(37, 29)
    steps = []
    once = engine.run(upscale_job(source), lambda step, total: steps.append((step, total)))
    image = Image.open(io.BytesIO(once.images[0].png))
    assert image.size == (74, 58) and (once.width, once.height) == (74, 58)
    assert image.text["mode"] == "upscale"
    assert steps and steps[-1][0] == steps[-1][1]  # progress reaches 100%
    again = engine.run(upscale_job(source))
    assert again.images[0].png == once.images[0].png
    other = engine.run(upscale_job(source, seed=6))
    assert other.images[0].png != once.images[0].png
    creative = engine.run(upscale_job(source, strength=0.45))  # starts from more noise
    assert creative.images[0].png != once.images[0].png


def test_large_canvases_are_painted_in_tiles_of_the_model_size(tiny_pipelines):
    calls = []

    class Recording:
        """The real img2img pipeline, with the tile sizes it was called with noted."""

        def __call__(self, **kwargs):
            calls.append([crop.size for crop in kwargs["image"]])
            return tiny_pipelines.img2img(**kwargs)

    upscaler = Upscaler(Recording(), tile=64, tiles_per_call=2)
    out = upscaler.upscale(
        gradient(80, 48),
        (160, 96),
        prompt="a fox",
        negative="",
        strength=0.3,
        steps=2,
        guidance=0.0,
        seed=1,
    )
    assert out.size == (160, 96)
    sizes = [size for call in calls for size in call]
    assert set(sizes) == {(64, 64)} and len(sizes) == len(plan_tiles(160, 96, 64, 8))
    assert max(len(call) for call in calls) == 2


def test_a_super_resolution_network_does_the_first_enlargement():
    import torch

    from inference.superres import SuperResolution
    from inference.upscale import enlarge

    class Doubler(torch.nn.Module):
        """A real (if plain) 2× network: nearest-neighbour upsampling, as a model would."""

        scale = 2

        def forward(self, x):
            return torch.nn.functional.interpolate(x, scale_factor=2, mode="nearest")

    model = SuperResolution(Doubler(), torch.device("cpu"))
    source = gradient(20, 12)
    doubled = enlarge(source, (40, 24), model)
    expected = source.resize((40, 24), Image.Resampling.NEAREST)
    assert np.array_equal(np.asarray(doubled), np.asarray(expected))
    lanczos = enlarge(source, (40, 24), None)  # control: without it, another picture
    assert not np.array_equal(np.asarray(lanczos), np.asarray(expected))


def test_a_worker_told_to_use_a_model_it_cannot_load_says_why_in_one_sentence(tmp_path):
    import os
    import subprocess
    import sys
    from pathlib import Path

    checkout = str(Path(__file__).resolve().parents[2])
    env = {
        **os.environ,
        "PYTHONPATH": checkout,
        "MODEL": "tiny",
        "DATA_DIR": str(tmp_path),
        "UPSCALE_MODEL": str(tmp_path / "RealESRGAN_x2plus.pth"),
    }
    done = subprocess.run(
        [sys.executable, "-m", "inference"], env=env, capture_output=True, text=True, timeout=180
    )
    assert done.returncode == 2
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("UPSCALE_MODEL") and "Traceback" not in done.stderr


def test_a_family_without_img2img_upscales_through_inpainting_on_its_own_grid(tiny_pipelines):
    """FLUX.2 [klein] has inpainting but no img2img: the whole tile masked at the same
    strength is the same detail pass; sides of 16 (its multiple) are kept."""
    tiles = plan_tiles(160, 96, 64, 8, multiple=16)
    assert all(t.left % 16 == 0 and t.top % 16 == 0 for t in tiles)
    with pytest.raises(ValueError, match="multiple of 16"):
        plan_tiles(168, 96, 64, 8, multiple=16)
    upscaler = Upscaler(tiny_pipelines.inpaint, tile=64, multiple=16, masked=True)
    source = gradient(40, 28)
    out = upscaler.upscale(
        source, (80, 56), prompt="a fox", negative="", strength=0.3, steps=2, guidance=0.0, seed=1
    )
    assert out.size == (80, 56)
    enlarged = np.asarray(source.resize((80, 56), Image.Resampling.LANCZOS)).astype(int)
    assert np.abs(np.asarray(out).astype(int) - enlarged).mean() > 1  # it was repainted


def test_every_job_kind_has_its_provenance_words():
    from data.jobs import JobKind
    from inference.provenance import DESCRIPTIONS, SOURCE_TYPES

    assert set(SOURCE_TYPES) == set(DESCRIPTIONS) == set(JobKind)
