"""The torch-free family table the bot reads: sizes, steps, guidance, negative prompts."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from data.families import DEFAULT_MODEL, FAMILIES, PRESETS, TINY_MODELS, family_of
from data.settings import SettingsError, load_settings
from studio.settings import Settings


def settings(**values) -> Settings:
    return Settings(_env_file=None, **values)


def test_the_default_model_is_a_commercially_usable_1024_model_in_few_steps():
    chosen = settings()
    preset = PRESETS[DEFAULT_MODEL]
    assert chosen.model == DEFAULT_MODEL and preset.commercial and preset.licence == "Apache-2.0"
    assert chosen.image_size == 1024 and chosen.steps <= 8
    assert chosen.sizes == {
        "square": (1024, 1024),
        "portrait": (832, 1248),
        "landscape": (1248, 832),
    }
    assert chosen.guidance == 1.0 and not chosen.negative_prompt_works  # FLUX.2 has none


def test_sd_turbo_stays_a_fast_non_commercial_preset_at_512():
    turbo = settings(model="stabilityai/sd-turbo")
    assert not PRESETS["stabilityai/sd-turbo"].commercial
    assert (turbo.image_size, turbo.steps, turbo.guidance) == (512, 2, 0.0)
    assert turbo.sizes["portrait"] == (416, 624)
    assert not turbo.negative_prompt_works  # guidance 0: a negative prompt does nothing


def test_settings_the_operator_chose_win_over_the_models():
    chosen = settings(model="stabilityai/sd-turbo", image_size=768, steps=4, guidance=7.0)
    assert (chosen.image_size, chosen.steps, chosen.guidance) == (768, 4, 7.0)
    assert chosen.negative_prompt_works  # SD with guidance: negatives act


@pytest.mark.parametrize("family", list(FAMILIES.values()), ids=list(FAMILIES))
def test_every_shape_keeps_the_pixel_budget_in_the_multiples_the_model_needs(family):
    for width, height in family.sizes().values():
        assert width % family.multiple == 0 and height % family.multiple == 0
        assert abs(width * height / family.native**2 - 1) < 0.05


def test_each_tiny_build_is_small_and_in_its_family():
    for name, family in TINY_MODELS.items():
        tiny = settings(model=name)
        assert tiny.family.name == family and tiny.is_tiny
        assert (tiny.image_size, tiny.max_canvas) == (64, 256)


def test_the_family_comes_from_the_override_a_folder_or_the_id(tmp_path: Path):
    folder = tmp_path / "my-model"
    folder.mkdir()
    (folder / "model_index.json").write_text(json.dumps({"_class_name": "ZImagePipeline"}))
    assert family_of(str(folder)).name == "zimage"
    assert family_of("someone/flux.2-dev-finetune").name == "flux2"
    assert family_of("someone/my-sdxl-merge").name == "sdxl"
    assert family_of("someone/anything", "sd3").name == "sd3"
    assert settings(model="runwayml/stable-diffusion-v1-5").negative_prompt_works
    with pytest.raises(SettingsError, match="MODEL_FAMILY is invalid"):
        load_settings(Settings, _env_file=None, model_family="dalle")
    with pytest.raises(SettingsError, match="no tiny build 'tiny:dalle'; the tiny builds are"):
        load_settings(Settings, _env_file=None, model="tiny:dalle")


def test_the_bot_reads_the_table_without_importing_torch():
    code = "import sys, studio.settings, data.families; print('torch' in sys.modules)"
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "False"


@pytest.mark.parametrize("model", list(PRESETS))
def test_vram_estimates_hold_at_least_the_weights_each_memory_mode_keeps_resident(model):
    """The table's VRAM figures are arithmetic, so the arithmetic must hold: 2 bytes a
    weight (1 for an fp8 denoiser; the text encoders stay 16-bit), only the largest module
    with model offload, plus at least half a GB of activations. fp8 + offload used to sit
    below the unquantized text encoder's own size."""
    preset = PRESETS[model]
    denoiser, text, largest_text = preset.params_b
    assert denoiser > 0 and text >= largest_text > 0, "parameter counts missing"
    resident = {
        "none": 2 * (denoiser + text),
        "offload": 2 * max(denoiser, largest_text),
        "fp8": denoiser + 2 * text,
        "fp8+offload": max(denoiser, 2 * largest_text),
    }
    for mode, weights in resident.items():
        assert preset.vram_gb[mode] >= weights + 0.5, f"{mode}: {preset.vram_gb[mode]} GB"


def test_the_readme_shows_the_vram_table_as_the_presets_have_it():
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    for model, preset in PRESETS.items():
        row = next(line for line in readme.splitlines() if line.startswith(f"| `{model}`"))
        cells = [cell.strip() for cell in row.split("|")][-5:-1]
        modes = ("none", "offload", "fp8", "fp8+offload")
        assert cells == [f"{preset.vram_gb[mode]:g} GB" for mode in modes], model


def test_diffusers_is_required_from_the_first_release_with_every_pipeline_we_use():
    """Flux2KleinInpaintPipeline (FLUX.2 edits, variations, upscales) first shipped in
    diffusers 0.38.0 (0.37.0 has Flux2KleinPipeline only; both wheels checked)."""
    import tomllib

    project = tomllib.loads((Path(__file__).resolve().parents[2] / "pyproject.toml").read_text())
    worker = project["project"]["optional-dependencies"]["worker"]
    requirement = next(item for item in worker if item.startswith("diffusers"))
    assert ">=0.38" in requirement
