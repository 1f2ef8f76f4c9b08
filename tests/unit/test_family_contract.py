"""One contract for every model family, on its tiny random-weight build (real architecture).

Each family makes the right number of images of the right size in all three modes, the
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
from inference.engine import Engine
from inference.latent_rgb import LATENT_FORMATS
from inference.previews import LinearDecoder, Previewer
from studio import canvas

MODELS = list(TINY_MODELS)
# Pixel levels (of 255) a picture may move when its batch holds other jobs' pictures:
# batched matmuls and attention over padded prompts round differently in the last bits,
# and the random-weight builds amplify that. A different seed moves far more (the control).
BATCH_TOLERANCE = 8


@pytest.fixture(scope="module", params=MODELS)
def family_engine(request) -> tuple[str, Engine]:
    from inference.models import load_pipelines

    torch.set_num_threads(2)
    return request.param, Engine(load_pipelines(request.param, "cpu"))


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
