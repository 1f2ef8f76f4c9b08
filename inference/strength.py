"""Image-to-image at a strength, one call shape for every family.

Variations and the upscaler's detail pass both noise a source to ``strength`` and denoise
it. Most families have an img2img pipeline for that; FLUX.2 [klein] has none, and its
inpainting pipeline with every pixel masked does the same (its reference-image mode
ignores strength, so Vary Subtle and Strong would be one picture). The arguments come
from the pipeline's own ``__call__`` signature, never from one family's shape: SD's
img2img takes no width (it paints at the image's size), FLUX.2's takes no negative prompt,
and SD3's and FLUX.1's resize any image to their default size unless told the size.
"""

from __future__ import annotations

import inspect
from functools import cache
from typing import Any

from PIL import Image


@cache
def takes(pipeline_class: type, argument: str) -> bool:
    """Whether a pipeline's ``__call__`` has ``argument``."""
    return argument in inspect.signature(pipeline_class.__call__).parameters


def strength_call(
    pipe,
    *,
    masked: bool,
    images: list[Image.Image],
    size: tuple[int, int],
    strength: float,
    steps: int,
    negative: str | list[str] | None = None,
    **common: Any,
) -> list[Image.Image]:
    """``images`` (all of ``size``) repainted at ``strength``; ``common`` holds the prompt,
    generators, guidance, callback and the build's call extras. ``masked``: ``pipe`` is an
    inpainting pipeline, called with a white (paint everything) mask per image."""
    kind = type(pipe)
    extra: dict[str, Any] = {}
    if masked:
        extra["mask_image"] = [Image.new("L", size, 255)] * len(images)
    if takes(kind, "width"):
        extra |= {"width": size[0], "height": size[1]}
    if negative and takes(kind, "negative_prompt"):
        extra["negative_prompt"] = negative
    return pipe(
        image=images, strength=strength, num_inference_steps=steps, **extra, **common
    ).images
