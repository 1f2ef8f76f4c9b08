"""The worker's side of the model-family table: pipeline classes, denoiser, previews.

Like diffusers' ``AUTO_TEXT2IMAGE_PIPELINES_MAPPING`` and its image2image and inpaint
siblings, one table names per family the pipeline for each mode. The img2img and inpaint
pipelines are derived from the text-to-image one with ``from_pipe`` (the same modules, no
copy). The torch-free half (sizes, steps, guidance, negative prompts) is
``data.families``; both are keyed by the same family names.
"""

from __future__ import annotations

from dataclasses import dataclass

from diffusers import (
    DiffusionPipeline,
    Flux2KleinInpaintPipeline,
    Flux2KleinPipeline,
    FluxImg2ImgPipeline,
    FluxInpaintPipeline,
    FluxPipeline,
    StableDiffusion3Img2ImgPipeline,
    StableDiffusion3InpaintPipeline,
    StableDiffusion3Pipeline,
    StableDiffusionImg2ImgPipeline,
    StableDiffusionInpaintPipeline,
    StableDiffusionPipeline,
    StableDiffusionXLImg2ImgPipeline,
    StableDiffusionXLInpaintPipeline,
    StableDiffusionXLPipeline,
    ZImageImg2ImgPipeline,
    ZImageInpaintPipeline,
    ZImagePipeline,
)

from data.families import FAMILIES, Family
from inference.latent_rgb import LATENT_FORMATS, LatentFormat


@dataclass(frozen=True)
class FamilySpec:
    """How the engine drives one family's pipelines.

    ``img2img`` None: the family has no image-to-image class (FLUX.2 [klein]); variations
    and upscales run ``inpaint`` with every pixel masked, which noises and denoises the
    source at a strength as img2img does. ``patch``: latent
    patch side on top of the VAE's downscaling (sizes are multiples of both).
    ``negative_prompt``: the call takes ``negative_prompt``.
    """

    family: Family
    text2img: type[DiffusionPipeline]
    img2img: type[DiffusionPipeline] | None
    inpaint: type[DiffusionPipeline]
    denoiser: str  # "unet" or "transformer"
    patch: int
    latents: LatentFormat

    @property
    def name(self) -> str:
        return self.family.name

    @property
    def negative_prompt(self) -> bool:
        return self.family.negative_prompt


def _spec(name: str, text2img, img2img, inpaint, denoiser: str, patch: int) -> FamilySpec:
    return FamilySpec(
        FAMILIES[name], text2img, img2img, inpaint, denoiser, patch, LATENT_FORMATS[name]
    )


SPECS: dict[str, FamilySpec] = {
    spec.name: spec
    for spec in (
        _spec(
            "sd",
            StableDiffusionPipeline,
            StableDiffusionImg2ImgPipeline,
            StableDiffusionInpaintPipeline,
            "unet",
            1,
        ),
        _spec(
            "sdxl",
            StableDiffusionXLPipeline,
            StableDiffusionXLImg2ImgPipeline,
            StableDiffusionXLInpaintPipeline,
            "unet",
            1,
        ),
        _spec(
            "sd3",
            StableDiffusion3Pipeline,
            StableDiffusion3Img2ImgPipeline,
            StableDiffusion3InpaintPipeline,
            "transformer",
            2,
        ),
        _spec("flux", FluxPipeline, FluxImg2ImgPipeline, FluxInpaintPipeline, "transformer", 2),
        _spec("flux2", Flux2KleinPipeline, None, Flux2KleinInpaintPipeline, "transformer", 2),
        _spec(
            "zimage", ZImagePipeline, ZImageImg2ImgPipeline, ZImageInpaintPipeline, "transformer", 2
        ),
    )
}


def spec_of(pipe: DiffusionPipeline) -> FamilySpec:
    """The family of a loaded text-to-image pipeline, by its class (subclasses count)."""
    for spec in SPECS.values():
        if isinstance(pipe, spec.text2img):
            return spec
    names = ", ".join(spec.text2img.__name__ for spec in SPECS.values())
    raise ValueError(f"{type(pipe).__name__} is not a supported text-to-image pipeline ({names})")
