"""One contract for every model family, on its tiny random-weight build (real architecture).

Each family makes the right number of images of the right size in every operation the
studio offers (imagine in each shape and a ratio, vary at two strengths, edit with a mask,
extend, zoom out 1.5× and 2×, pan, upscale Subtle and Creative, remix), the
same seed gives the same bytes, an edit keeps every unmasked pixel, a batch of mixed jobs
gives each job what it would get alone (within a stated tolerance, with a control that
the tolerance still catches a different image), and previews show without a download.
The command line runs one path per family (tests/test_cli.py covers SD's imagine).
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from data.families import FAMILIES, TINY_MODELS, defaults_for
from data.jobs import Job, JobKind
from inference.batching import BatchRunner
from inference.engine import Engine, default_upscaler
from inference.latent_rgb import LATENT_FORMATS
from inference.previews import LinearDecoder, Previewer
from studio import aspect, canvas

MODELS = list(TINY_MODELS)
# Pixel levels (of 255) a picture may move when its batch holds other jobs' pictures:
# batched matmuls and attention over padded prompts round differently in the last bits,
# and the random-weight builds amplify that. A different seed moves far more (the control).
BATCH_TOLERANCE = 8


@pytest.fixture(params=MODELS)
def family_engine(request, tiny_engines) -> tuple[str, Engine]:
    return request.param, tiny_engines(request.param)


def job(model: str, kind: JobKind = JobKind.GENERATE, **fields) -> Job:
    defaults = defaults_for(model)
    values = dict(
        id=f"{model}-{kind.value}",
        kind=kind,
        prompt="a red fox in the snow",
        seed=3,
        n=2,
        width=64,
        height=64,
        steps=defaults.steps,
        guidance=defaults.guidance,
        strength=defaults.family.vary_strength,
    )
    values.update(fields)
    return Job(**values)


def png_bytes(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def pixels(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)


def test_all_three_modes_give_the_right_images_and_the_same_seed_the_same_bytes(family_engine):
    model, engine = family_engine
    made = engine.run(job(model, width=64, height=48))
    assert len(made.images) == 2 and (made.width, made.height) == (64, 48)
    again = engine.run(job(model, width=64, height=48))
    assert [image.png for image in again.images] == [image.png for image in made.images]
    assert made.images[0].png != made.images[1].png  # seed + i: each image its own

    # A size the architecture does not take (70 is no multiple of 4, the tiny builds'
    # VAE × patch) runs at the next one it does and comes back at the size asked for.
    source = made.images[0].png
    varied = engine.run(job(model, JobKind.VARY, n=3, width=70, height=44, init_image=source))
    assert len(varied.images) == 3 and (varied.width, varied.height) == (70, 44)
    assert len({image.png for image in varied.images}) == 3


def test_an_edit_keeps_every_unmasked_pixel_and_outpainting_grows_the_canvas(family_engine):
    model, engine = family_engine
    source = Image.open(io.BytesIO(engine.run(job(model, n=1)).images[0].png)).convert("RGB")
    mask = canvas.region_mask(source.size, "left")
    edited = engine.run(
        job(model, JobKind.EDIT, strength=1.0, init_image=png_bytes(source), mask=png_bytes(mask))
    )
    kept = np.asarray(mask) == 0
    original = np.asarray(source).astype(int)
    for image in edited.images:
        out = pixels(image.png)
        assert (out[kept] == original[kept]).all()
        assert (out[~kept] != original[~kept]).any()

    grown = canvas.extend(source, "right", 32, max_side=256)
    extended = engine.run(
        job(
            model,
            JobKind.EDIT,
            n=1,
            width=96,
            strength=1.0,
            init_image=png_bytes(grown.image),
            mask=png_bytes(grown.mask),
        )
    )
    assert (extended.width, extended.height) == (96, 64)
    out = pixels(extended.images[0].png)
    assert (out[:, :64] == original).all()


def test_imagine_makes_every_shape_and_a_ratio_at_the_familys_sizes(family_engine):
    model, engine = family_engine
    family = FAMILIES[TINY_MODELS[model]]
    shapes = dict(family.sizes(64))
    shapes["16:9"] = aspect.size_for_ratio(aspect.parse_ratio("16:9"), 64 * 64, family.multiple)
    for name, (width, height) in shapes.items():
        made = engine.run(job(model, n=1, width=width, height=height))
        assert (made.width, made.height) == (width, height), name
        assert Image.open(io.BytesIO(made.images[0].png)).size == (width, height), name


def test_vary_subtle_and_strong_both_change_the_image_and_strong_changes_it_more(family_engine):
    """Measured from what the model makes of the source at the lowest strength (with random
    weights even the VAE round trip moves every pixel, so that is the source as the model
    sees it): Subtle moves less than Strong. FLUX.2 once gave one image for both."""
    model, engine = family_engine
    source = engine.run(job(model, n=1)).images[0].png

    def vary(strength: float) -> list[np.ndarray]:
        made = engine.run(job(model, JobKind.VARY, strength=strength, init_image=source))
        assert all(image.png != source for image in made.images)
        return [pixels(image.png) for image in made.images]

    lowest, subtle, strong = vary(0.05), vary(0.35), vary(0.8)

    def moved(images: list[np.ndarray]) -> float:
        return float(np.mean([np.abs(a - b).mean() for a, b in zip(images, lowest, strict=True)]))

    assert 0 < moved(subtle) < moved(strong), (moved(subtle), moved(strong))


@pytest.mark.parametrize("factor", [1.5, 2.0])
def test_zoom_out_keeps_the_picture_in_the_middle_and_paints_the_frame(family_engine, factor):
    model, engine = family_engine
    source = Image.open(io.BytesIO(engine.run(job(model, n=1)).images[0].png)).convert("RGB")
    zoomed = canvas.zoom_out(source, factor, max_side=256)
    made = engine.run(
        job(
            model,
            JobKind.EDIT,
            n=1,
            width=zoomed.image.width,
            height=zoomed.image.height,
            strength=1.0,
            init_image=png_bytes(zoomed.image),
            mask=png_bytes(zoomed.mask),
        )
    )
    out = pixels(made.images[0].png)
    assert out.shape[:2] == (zoomed.image.height, zoomed.image.width)
    kept = np.asarray(zoomed.mask) == 0
    assert (out[kept] == np.asarray(zoomed.image).astype(int)[kept]).all()
    assert (out[~kept] != np.asarray(zoomed.image).astype(int)[~kept]).any()


def test_pan_grows_the_canvas_up_and_keeps_the_picture(family_engine):
    model, engine = family_engine
    source = Image.open(io.BytesIO(engine.run(job(model, n=1)).images[0].png)).convert("RGB")
    panned = canvas.extend(source, "up", None, max_side=256)
    made = engine.run(
        job(
            model,
            JobKind.EDIT,
            n=1,
            width=panned.image.width,
            height=panned.image.height,
            strength=1.0,
            init_image=png_bytes(panned.image),
            mask=png_bytes(panned.mask),
        )
    )
    out = pixels(made.images[0].png)
    assert out.shape[:2] == (96, 64)
    assert (out[32:] == np.asarray(source).astype(int)).all()


@pytest.mark.parametrize("tile", [None, 48])
def test_upscale_subtle_and_creative_double_every_studio_shape(family_engine, tile):
    """2× both sides for each shape the family makes, in one tile of the canvas's own size
    (not the model's native one: SD3 and FLUX.1 resized such tiles and failed) or in
    48-pixel tiles; FLUX.2 (no img2img) repaints through its inpainting pipeline."""
    model, engine = family_engine
    if tile is not None:
        engine = Engine(engine.pipelines, upscaler=default_upscaler(engine.pipelines, tile=tile))
    shapes = FAMILIES[TINY_MODELS[model]].sizes(48)
    for width, height in shapes.values() if tile is None else [shapes["landscape"]]:
        source = engine.run(job(model, n=1, width=width, height=height)).images[0].png
        enlarged = Image.open(io.BytesIO(source)).resize((width * 2, height * 2))
        made = {}
        for strength in (0.2, 0.45):  # the Subtle and Creative defaults
            upscale = job(
                model,
                JobKind.UPSCALE,
                n=1,
                width=width * 2,
                height=height * 2,
                strength=strength,
                init_image=source,
            )
            result = engine.run(upscale)
            assert (result.width, result.height) == (width * 2, height * 2)
            made[strength] = pixels(result.images[0].png)
            assert made[strength].shape[:2] == (height * 2, width * 2)
            assert np.abs(made[strength] - np.asarray(enlarged).astype(int)).mean() > 1
        assert not np.array_equal(made[0.2], made[0.45])


def test_remix_paints_the_new_prompt_and_the_same_prompt_gives_the_same_bytes(family_engine):
    model, engine = family_engine
    source = engine.run(job(model, n=1)).images[0].png
    first = engine.run(job(model, JobKind.VARY, n=1, init_image=source))
    again = engine.run(job(model, JobKind.VARY, n=1, init_image=source))
    remixed = engine.run(job(model, JobKind.VARY, n=1, init_image=source, prompt="a blue whale"))
    assert again.images[0].png == first.images[0].png
    assert remixed.images[0].png != first.images[0].png


def test_a_batch_of_mixed_jobs_gives_each_job_what_it_gets_alone(family_engine):
    model, engine = family_engine
    jobs = [
        job(model, id="a", prompt="a fox", seed=11, n=1),
        job(model, id="b", prompt="a lighthouse at night, oil painting", seed=40, n=2),
    ]
    batched = BatchRunner(engine).run(jobs)
    worst = 0
    for each in jobs:
        alone = engine.run(each)
        for together, single in zip(batched[each.id].images, alone.images, strict=True):
            worst = max(worst, np.abs(pixels(together.png) - pixels(single.png)).max())
    assert worst <= BATCH_TOLERANCE
    # The control: another seed's image is far outside that tolerance.
    other = engine.run(job(model, id="a", prompt="a fox", seed=12, n=1)).images[0].png
    difference = np.abs(pixels(other) - pixels(batched["a"].images[0].png)).max()
    assert difference > 4 * BATCH_TOLERANCE


def test_previews_show_by_default_from_the_familys_linear_factors(family_engine):
    model, engine = family_engine
    spec = engine.pipelines.spec
    previewing = Engine(engine.pipelines, Previewer(LinearDecoder(spec.latents), every_seconds=0))
    shown: list[dict[str, bytes]] = []
    steps = max(2, job(model).steps)
    BatchRunner(previewing).run(
        [job(model, width=64, height=48, steps=steps)], on_preview=shown.append
    )
    assert shown, "no preview"
    sheet = Image.open(io.BytesIO(shown[0][f"{model}-generate"]))
    assert sheet.format == "JPEG" and sheet.size == (132, 48)  # a row of two 64×48 pictures


@pytest.mark.parametrize("family", ["flux", "flux2"])
def test_packed_latents_are_unpacked_before_the_projection(family):
    """FLUX packs 2×2 latent patches into its sequence: the unpacking is its inverse."""
    from diffusers import FluxPipeline

    if family == "flux":
        grid = torch.randn(2, 16, 6, 8)
        packed = FluxPipeline._pack_latents(grid, 2, 16, 6, 8)
    else:  # FLUX.2: patchify (c, dy, dx) into channels, then flatten the grid
        grid = torch.randn(2, 32, 6, 8)
        patches = grid.view(2, 32, 3, 2, 4, 2).permute(0, 1, 3, 5, 2, 4).reshape(2, 128, 3, 4)
        packed = patches.reshape(2, 128, 12).permute(0, 2, 1)
    # 6×8 latents are a 48×64 image with a VAE that downscales by 8.
    unpacked = LATENT_FORMATS[family].unpack(packed, 48, 64, 8)
    assert torch.equal(unpacked, grid)
    assert LATENT_FORMATS[family].to_rgb(unpacked).shape == (2, 6, 8, 3)


# -- the command line, one path per family ------------------------------------------------

CLI_PATHS = {
    "tiny:sdxl": "vary",
    "tiny:sd3": "mask",
    "tiny:flux": "extend",
    "tiny:flux2": "vary",
    "tiny:zimage": "imagine",
}


ROOT = Path(__file__).resolve().parents[2]


def run_cli(tmp_path: Path, model: str, *args: str, **env: str) -> subprocess.CompletedProcess:
    environment = {
        **os.environ,
        # This checkout's code, not wherever the package is installed (editable elsewhere).
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
        "MODEL": model,
        "DATA_DIR": str(tmp_path / "var"),
        "CHECK_OUTPUTS": "false",
        **env,
    }
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
        timeout=240,
    )


@pytest.mark.parametrize("model", list(CLI_PATHS))
def test_the_command_line_runs_each_family(tmp_path: Path, model: str):
    source = Image.new("RGB", (64, 64), "#3a6ea5")
    source.paste(Image.new("RGB", (32, 64), "#e8c547"), (0, 0))
    source.save(tmp_path / "source.png")
    path = CLI_PATHS[model]
    if path == "imagine":
        args = ["imagine", "a fox", "--count", "2", "--size", "portrait"]
        expected = (2, FAMILIES[TINY_MODELS[model]].sizes(64)["portrait"])
    elif path == "vary":
        args = ["vary", "source.png"]
        expected = (3, (64, 64))
    elif path == "mask":
        canvas.region_mask((64, 64), "right").save(tmp_path / "mask.png")
        args = ["edit", "source.png", "a hat", "--mask", "mask.png"]
        expected = (3, (64, 64))
    else:
        args = ["edit", "source.png", "a hat", "--extend", "right"]
        expected = (3, (96, 64))
    result = run_cli(tmp_path, model, *args, "--out", "out", "--seed", "5")
    assert result.returncode == 0, result.stderr
    files = [tmp_path / line for line in result.stdout.split()]
    assert len(files) == expected[0]
    assert all(Image.open(file).size == expected[1] for file in files)
    assert Image.open(files[0]).text["model"] == model
    if path in ("mask", "extend"):  # the kept part is the source's, exactly
        keep = (0, 0, 32, 64) if path == "mask" else (0, 0, 64, 64)
        out = Image.open(files[0]).convert("RGB").crop(keep)
        assert out.tobytes() == source.crop(keep).tobytes()


def test_a_negative_prompt_the_model_ignores_is_refused_not_dropped(tmp_path: Path):
    result = run_cli(
        tmp_path, "tiny:flux2", "imagine", "a fox", "--negative", "blur", "--out", "x",
        LOCAL_WORKER="false",
    )  # fmt: skip
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "does not use negative prompts" in result.stderr
    assert not (tmp_path / "x").exists()


def test_flux2_variations_look_at_further_reference_images_at_their_strength(tiny_engines):
    """The API's several-image edit on FLUX.2: the source is varied at the strength, the
    further images condition it (its inpainting pipeline's ``image_reference``)."""
    engine = tiny_engines("tiny:flux2")
    source = engine.run(job("tiny:flux2", n=1)).images[0].png
    red = png_bytes(Image.new("RGB", (48, 48), "red"))  # under 64 px: enlarged for FLUX.2
    plain = engine.run(job("tiny:flux2", JobKind.VARY, init_image=source))
    looked = engine.run(job("tiny:flux2", JobKind.VARY, init_image=source, references=(red,)))
    assert (looked.width, looked.height) == (64, 64) and len(looked.images) == 2
    assert [i.png for i in looked.images] != [i.png for i in plain.images]
