"""Model families and presets: the defaults a user never has to look up (no torch here).

Both processes read this table. The bot takes the sizes it offers, the steps, the guidance,
the variation strength and whether a negative prompt does anything from it; the worker
(``inference/families.py``) adds the pipeline classes and the latent→RGB preview factors
per family, keyed by the same names. Presets name real checkpoints with their licence and
the settings their authors recommend; ``tiny`` and ``tiny:<family>`` are the offline
random-weight builds of each family's architecture (tests and smoke tests).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

Variation = Literal["img2img", "inpaint"]


@dataclass(frozen=True)
class Family:
    """What every checkpoint of one architecture shares.

    ``multiple``: image sides must be multiples of it (VAE downsampling × latent patch).
    ``negative_prompt``: the pipelines take one; it only acts with classifier-free guidance
    (``guidance > 1``), see :meth:`negative_prompt_works`. ``variation``: how a variation
    noises the source to a strength and denoises it: the ``img2img`` pipeline, or the
    ``inpaint`` one with every pixel masked (FLUX.2 [klein] has no img2img class; its
    reference-image mode ignores strength). ``references``: the model conditions on further
    reference images besides the one it varies (FLUX.2 [klein]: ``image_reference``).
    """

    name: str
    title: str
    native: int  # square side at the model's pixel budget
    multiple: int
    steps: int
    guidance: float
    vary_strength: float = 0.6
    negative_prompt: bool = True
    variation: Variation = "img2img"
    references: bool = False

    def sizes(self, side: int | None = None) -> dict[str, tuple[int, int]]:
        """Square, portrait (2:3) and landscape (3:2) at the pixel budget ``side``²."""
        side = side or self.native
        narrow = self.align(side * math.sqrt(2 / 3))
        wide = self.align(side * math.sqrt(3 / 2))
        square = self.align(side)
        return {"square": (square, square), "portrait": (narrow, wide), "landscape": (wide, narrow)}

    def align(self, value: float) -> int:
        return max(self.multiple, round(value / self.multiple) * self.multiple)

    def negative_prompt_works(self, guidance: float) -> bool:
        """A negative prompt changes the image only with classifier-free guidance."""
        return self.negative_prompt and guidance > 1


FAMILIES: dict[str, Family] = {
    family.name: family
    for family in (
        Family("sd", "Stable Diffusion 1.x/2.x", 512, 8, steps=25, guidance=7.5),
        Family("sdxl", "Stable Diffusion XL", 1024, 8, steps=30, guidance=5.0),
        Family("sd3", "Stable Diffusion 3.5", 1024, 16, steps=28, guidance=4.5),
        Family("flux", "FLUX.1", 1024, 16, steps=4, guidance=0.0, negative_prompt=False),
        Family(
            "flux2",
            "FLUX.2 [klein]",
            1024,
            16,
            steps=4,
            guidance=1.0,
            negative_prompt=False,
            variation="inpaint",
            references=True,
        ),
        Family("zimage", "Z-Image", 1024, 16, steps=9, guidance=0.0),
    )
}


@dataclass(frozen=True)
class Preset:
    """A checkpoint we know: its family, its authors' settings and its licence as published.

    ``vram_gb``: peak GPU memory per memory mode, arithmetic from ``params_b``, not measured
    (no GPU was lent): 2 bytes a weight in bf16/fp16, 1 in fp8 for the denoiser only (the
    text encoders stay 16-bit); with ``offload`` the biggest module alone, so with fp8 the
    unquantized text encoder often sets the peak; plus activations at the native size.
    ``lora``: a LoRA file fused into the SDXL base at load (SDXL-Lightning).
    """

    model: str
    family: str
    label: str
    licence: str
    commercial: bool
    steps: int
    guidance: float
    vram_gb: dict[str, float] = field(default_factory=dict)
    lora: tuple[str, str] | None = None  # (repo, weight file)
    scheduler: dict = field(default_factory=dict)  # scheduler config overrides
    note: str = ""
    # Arguments every pipeline call takes, as the authors run the model.
    call_extras: dict = field(default_factory=dict)
    # Billions of parameters: (denoiser, text encoders together, largest text encoder);
    # the VRAM estimates above are checked against them (tests/unit/test_model_defaults.py).
    params_b: tuple[float, float, float] = (0.0, 0.0, 0.0)


DEFAULT_MODEL = "black-forest-labs/FLUX.2-klein-4B"
FAST_NONCOMMERCIAL = "stabilityai/sd-turbo"

PRESETS: dict[str, Preset] = {
    preset.model: preset
    for preset in (
        Preset(
            DEFAULT_MODEL,
            "flux2",
            "FLUX.2 [klein] 4B (default)",
            "Apache-2.0",
            True,
            steps=4,
            guidance=1.0,
            vram_gb={"none": 17.0, "offload": 9.5, "fp8": 13.5, "fp8+offload": 9.0},
            note="4B transformer + Qwen3-4B text encoder; step-distilled",
            params_b=(4.0, 4.0, 4.0),
        ),
        Preset(
            "Tongyi-MAI/Z-Image-Turbo",
            "zimage",
            "Z-Image-Turbo",
            "Apache-2.0",
            True,
            steps=9,  # the authors' setting: 9 scheduler steps = 8 transformer evaluations
            guidance=0.0,
            vram_gb={"none": 22.0, "offload": 14.0, "fp8": 16.0, "fp8+offload": 9.0},
            note="6B transformer + Qwen3-4B text encoder",
            params_b=(6.15, 4.0, 4.0),
        ),
        Preset(
            "black-forest-labs/FLUX.1-schnell",
            "flux",
            "FLUX.1 [schnell]",
            "Apache-2.0",
            True,
            steps=4,
            guidance=0.0,
            vram_gb={"none": 35.0, "offload": 25.5, "fp8": 23.0, "fp8+offload": 13.5},
            note="12B transformer + T5-XXL + CLIP-L",
            # The authors' 256 text tokens for schnell (512 is FLUX.1 [dev]'s).
            call_extras={"max_sequence_length": 256},
            params_b=(11.9, 4.88, 4.76),
        ),
        Preset(
            "ByteDance/SDXL-Lightning",
            "sdxl",
            "SDXL + Lightning 4-step LoRA",
            "CreativeML Open RAIL++-M (SDXL base) + OpenRAIL++ (Lightning)",
            True,
            steps=4,
            guidance=0.0,
            vram_gb={"none": 8.5, "offload": 6.5, "fp8": 5.5, "fp8+offload": 4.0},
            lora=("ByteDance/SDXL-Lightning", "sdxl_lightning_4step_lora.safetensors"),
            scheduler={"timestep_spacing": "trailing"},
            note="base stabilityai/stable-diffusion-xl-base-1.0 with the LoRA fused",
            params_b=(2.57, 0.82, 0.70),
        ),
        Preset(
            "stabilityai/stable-diffusion-3.5-large-turbo",
            "sd3",
            "SD 3.5 Large Turbo",
            "Stability AI Community License (free below USD 1M annual revenue)",
            False,
            steps=4,
            guidance=0.0,
            vram_gb={"none": 28.5, "offload": 17.5, "fp8": 20.5, "fp8+offload": 10.5},
            params_b=(8.1, 5.57, 4.76),
        ),
        Preset(
            FAST_NONCOMMERCIAL,
            "sd",
            "sd-turbo (fast, non-commercial)",
            "Stability AI Non-Commercial Research Community License",
            False,
            steps=2,
            guidance=0.0,
            vram_gb={"none": 3.0, "offload": 2.3, "fp8": 2.3, "fp8+offload": 1.5},
            params_b=(0.87, 0.34, 0.34),
        ),
    )
}

SDXL_BASE = "stabilityai/stable-diffusion-xl-base-1.0"

# The offline random-weight builds, one per family (inference/tiny.py builds them).
TINY_PRESET = "tiny"
TINY_MODELS = {
    TINY_PRESET: "sd",
    "tiny:sdxl": "sdxl",
    "tiny:sd3": "sd3",
    "tiny:flux": "flux",
    "tiny:flux2": "flux2",
    "tiny:zimage": "zimage",
}
TINY_SIDE = 64  # the tiny builds are fast only at tiny sizes
TINY_STEPS = 2

# diffusers' pipeline class names (model_index.json ``_class_name``) → family.
_CLASS_FAMILIES = {
    "StableDiffusionPipeline": "sd",
    "StableDiffusionXLPipeline": "sdxl",
    "StableDiffusion3Pipeline": "sd3",
    "FluxPipeline": "flux",
    "Flux2KleinPipeline": "flux2",
    "ZImagePipeline": "zimage",
}
# Words in a hub id that give its family away, most specific first.
_NAME_HINTS = (
    ("flux.2", "flux2"),
    ("flux2", "flux2"),
    ("flux", "flux"),
    ("z-image", "zimage"),
    ("stable-diffusion-3", "sd3"),
    ("sd3", "sd3"),
    ("xl", "sdxl"),
)


class UnknownFamily(ValueError):
    """MODEL names no family we can tell; MODEL_FAMILY must say which."""


def is_tiny(model: str) -> bool:
    return model in TINY_MODELS


def family_of(model: str, override: str = "") -> Family:
    """The family of MODEL: MODEL_FAMILY when set, else the preset table, a local folder's
    model_index.json, or words in the hub id; SD 1.x/2.x when nothing tells."""
    if override:
        if override not in FAMILIES:
            raise UnknownFamily(f"MODEL_FAMILY must be one of {', '.join(FAMILIES)}")
        return FAMILIES[override]
    if model in TINY_MODELS:
        return FAMILIES[TINY_MODELS[model]]
    if model in PRESETS:
        return FAMILIES[PRESETS[model].family]
    index = Path(model).expanduser() / "model_index.json"
    if index.is_file():
        try:
            name = json.loads(index.read_text()).get("_class_name", "")
        except (OSError, ValueError):
            name = ""
        if name in _CLASS_FAMILIES:
            return FAMILIES[_CLASS_FAMILIES[name]]
    lowered = model.lower()
    for hint, family in _NAME_HINTS:
        if hint in lowered:
            return FAMILIES[family]
    return FAMILIES["sd"]


@dataclass(frozen=True)
class ModelDefaults:
    """The settings MODEL implies when the operator set none: size, steps, guidance."""

    family: Family
    side: int
    steps: int
    guidance: float


def defaults_for(model: str, override: str = "") -> ModelDefaults:
    family = family_of(model, override)
    if model in TINY_MODELS:
        guidance = 1.0 if family.name == "flux2" else 0.0
        return ModelDefaults(family, TINY_SIDE, TINY_STEPS, guidance)
    preset = PRESETS.get(model)
    if preset is not None:
        return ModelDefaults(family, family.native, preset.steps, preset.guidance)
    return ModelDefaults(family, family.native, family.steps, family.guidance)
