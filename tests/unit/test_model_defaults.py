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
