"""Upscale 2× with the loaded model: a detail pass over a 2× canvas, tile by tile.

The source is first enlarged to twice its width and height (Lanczos, or a dedicated
super-resolution model when UPSCALE_MODEL names one, see :mod:`inference.superres`).
Then image-to-image at a low strength repaints it in tiles of the model's native size,
so a 2048² result needs no more memory than a 512² picture. Tiles overlap and are
blended with linear ramps, so no seam shows where two tiles meet. Each tile is seeded
from the picture's seed and its position: the same job gives the same bytes.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import torch
from PIL import Image

from inference.strength import strength_call

ALIGN = 8  # every Stable Diffusion VAE needs sides in multiples of 8
MIN_STEPS_RUN = 2


class Enlarger(Protocol):
    """Makes an image ``scale`` times larger (a super-resolution model)."""

    scale: int

    def __call__(self, image: Image.Image) -> Image.Image: ...


@dataclass(frozen=True)
class Tile:
    left: int
    top: int
    width: int
    height: int

    @property
    def box(self) -> tuple[int, int, int, int]:
        return (self.left, self.top, self.left + self.width, self.top + self.height)


def plan_tiles(
    width: int, height: int, tile: int, overlap: int, multiple: int = ALIGN
) -> list[Tile]:
    """Tiles of at most ``tile`` pixels a side that cover the canvas; neighbours share
    about ``overlap`` pixels (starts snap to the ``multiple`` grid). Every tile has the same
    size, so a chunk of them is one batched call. Canvas sides must be multiples too."""
    if width % multiple or height % multiple or tile % multiple:
        raise ValueError(f"canvas {width}×{height} is not a multiple of {multiple}")
    if overlap >= tile:
        raise ValueError("the overlap must be smaller than the tile")
    tile_w, tile_h = min(tile, width), min(tile, height)
    lefts = _starts(width, tile_w, overlap, multiple)
    tops = _starts(height, tile_h, overlap, multiple)
    return [Tile(left, top, tile_w, tile_h) for top in tops for left in lefts]


def _starts(length: int, tile: int, overlap: int, multiple: int) -> list[int]:
    if tile >= length:
        return [0]
    count = math.ceil((length - overlap) / (tile - overlap))
    count = max(count, 2)
    span = length - tile
    starts = [round(i * span / (count - 1) / multiple) * multiple for i in range(count)]
    starts[-1] = span  # the last tile ends exactly at the edge
    return starts


def blend(
    tiles: list[Tile], images: list[Image.Image], size: tuple[int, int], overlap: int
) -> Image.Image:
    """Paste the painted tiles back, each weighted by a ramp that falls to near zero over
    ``overlap`` pixels at edges shared with a neighbour (the canvas border keeps weight 1)."""
    width, height = size
    total = np.zeros((height, width, 3), dtype=np.float64)
    weights = np.zeros((height, width, 1), dtype=np.float64)
    for tile, image in zip(tiles, images, strict=True):
        pixels = np.asarray(image.convert("RGB"), dtype=np.float64)
        weight = _ramp(tile, size, overlap)[..., None]
        left, top, right, bottom = tile.box
        total[top:bottom, left:right] += pixels * weight
        weights[top:bottom, left:right] += weight
    out = total / np.maximum(weights, 1e-12)
    return Image.fromarray(np.clip(np.rint(out), 0, 255).astype(np.uint8), "RGB")


def _ramp(tile: Tile, size: tuple[int, int], overlap: int) -> np.ndarray:
    width, height = size
    left, top, right, bottom = tile.box
    ramp_x = _axis_ramp(tile.width, overlap, left > 0, right < width)
    ramp_y = _axis_ramp(tile.height, overlap, top > 0, bottom < height)
    return np.outer(ramp_y, ramp_x)


def _axis_ramp(length: int, overlap: int, fade_start: bool, fade_end: bool) -> np.ndarray:
    ramp = np.ones(length, dtype=np.float64)
    fade = min(overlap, length // 2)
    if fade > 0:
        rising = (np.arange(fade, dtype=np.float64) + 0.5) / fade
        if fade_start:
            ramp[:fade] = rising
        if fade_end:
            ramp[length - fade :] = rising[::-1]
    return ramp


def enlarge(image: Image.Image, size: tuple[int, int], model: Enlarger | None) -> Image.Image:
    """The source at ``size``: through the super-resolution model when there is one."""
    rgb = image.convert("RGB")
    if model is not None:
        rgb = model(rgb)
    if rgb.size != size:
        rgb = rgb.resize(size, Image.Resampling.LANCZOS)
    return rgb


def pad_to_grid(image: Image.Image, multiple: int = ALIGN) -> Image.Image:
    """Extend the right and bottom edges (repeating the last pixels) to multiples."""
    width, height = image.size
    padded_w, padded_h = -(-width // multiple) * multiple, -(-height // multiple) * multiple
    if (padded_w, padded_h) == image.size:
        return image
    pixels = np.asarray(image)
    pixels = np.pad(pixels, ((0, padded_h - height), (0, padded_w - width), (0, 0)), mode="edge")
    return Image.fromarray(pixels, image.mode)


class Upscaler:
    """Runs the detail pass for one picture with the worker's image-to-image pipeline.

    Args:
        img2img: the worker's image-to-image pipeline (shares the text-to-image weights).
        tile: tile side in pixels; the model's native size fits its training best.
        overlap: pixels neighbouring tiles share (blended).
        tiles_per_call: tiles painted in one pipeline call (memory vs speed).
        enlarger: a super-resolution model for the first 2×, or None for Lanczos.
        multiple: tile sides and positions are multiples of it (the family's size multiple).
        masked: ``img2img`` is an inpainting pipeline, called with every pixel masked.
        call_extras: arguments every call of this model takes (its token limits).
    """

    def __init__(
        self,
        img2img,
        *,
        tile: int,
        overlap: int | None = None,
        tiles_per_call: int = 4,
        enlarger: Enlarger | None = None,
        multiple: int = ALIGN,
        masked: bool = False,
        call_extras: dict[str, Any] | None = None,
    ) -> None:
        self.img2img = img2img
        self.multiple = multiple
        self.tile = max(multiple, tile // multiple * multiple)
        self.overlap = overlap if overlap is not None else max(multiple, self.tile // 8)
        self.tiles_per_call = max(1, tiles_per_call)
        self.enlarger = enlarger
        # An inpainting pipeline with the whole tile masked does what image-to-image does:
        # the way for a family without an img2img pipeline (FLUX.2 [klein]).
        self.masked = masked
        self.call_extras = call_extras or {}  # the build's own arguments (token limits)

    def upscale(
        self,
        image: Image.Image,
        size: tuple[int, int],
        *,
        prompt: str,
        negative: str,
        strength: float,
        steps: int,
        guidance: float,
        seed: int,
        on_step: Callable[[int, int], None] | None = None,
    ) -> Image.Image:
        """``image`` enlarged to ``size`` and repainted at ``strength``, tile by tile."""
        canvas = pad_to_grid(enlarge(image, size, self.enlarger), self.multiple)
        tiles = plan_tiles(*canvas.size, self.tile, self.overlap, self.multiple)
        # img2img runs the last int(steps × strength) steps of the schedule. One step alone
        # starts at the schedule's last timestep whatever the strength (on linspace
        # schedules, t≈1: nothing repainted), so at least two run: Subtle and Creative then
        # start from different noise levels.
        steps = max(steps, math.ceil(MIN_STEPS_RUN / strength))
        per_call = max(1, int(steps * strength))
        total = per_call * math.ceil(len(tiles) / self.tiles_per_call)
        done = 0
        painted: list[Image.Image] = []
        for first in range(0, len(tiles), self.tiles_per_call):
            chunk = tiles[first : first + self.tiles_per_call]
            crops = [canvas.crop(tile.box) for tile in chunk]
            generators = [
                torch.Generator("cpu").manual_seed((seed + 7919 * (first + i)) % 2**32)
                for i in range(len(chunk))
            ]

            def report(pipe, step, timestep, callback_kwargs, base=done):
                if on_step:
                    on_step(min(total, base + step + 1), total)
                return callback_kwargs

            painted += strength_call(
                self.img2img,
                masked=self.masked,
                images=crops,
                size=(chunk[0].width, chunk[0].height),  # tiles may be under the native size
                strength=strength,
                steps=steps,
                negative=negative or None,
                prompt=prompt,
                num_images_per_prompt=len(chunk),
                guidance_scale=guidance,
                generator=generators,
                callback_on_step_end=report,
                **self.call_extras,
            )
            done += per_call
        out = blend(tiles, painted, canvas.size, self.overlap)
        return out.crop((0, 0, *size)) if out.size != size else out
