"""Progress previews: a small, rough picture of each job while its steps run.

Decoding the latents with the model's own VAE at every preview would cost about as much
as a step. By default a linear latent→RGB projection of the model family's latents
(``inference.latent_rgb``) makes the picture: a few multiply-adds per latent pixel, no
download, on for everyone. A tiny autoencoder (TAESD: ``madebyollin/taesd`` for SD 1.x/2.x
latents, ``taesdxl`` for SDXL) decodes sharper pictures when PREVIEW_DECODER names one, the
way ComfyUI and A1111 show live previews; PREVIEW_DECODER=off turns previews off. They are
made at most every PREVIEW_SECONDS, never on the last step: a job that finishes within
that time (1-step sd-turbo) never pays for one.
"""

from __future__ import annotations

import io
import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

import torch
from diffusers import AutoencoderTiny
from PIL import Image

from data import grids
from data.settings import TINY_PRESET
from inference.latent_rgb import LatentFormat

log = logging.getLogger(__name__)

PREVIEW_SIDE = 384  # pixels on the sheet's longer side: enough to see the compositions
PREVIEW_QUALITY = 70  # JPEG: a 384-pixel 2×2 sheet of photos is ~26 KB (noise ~37 KB)
GAP = grids.GAP  # the result grid's layout (data/grids.py): the preview turns into the result
OFF = ("off", "none")  # PREVIEW_DECODER values that turn previews off


class PreviewDecoder(Protocol):
    """Turns (unpacked) latents into uint8 RGB pixels, (batch, height, width, 3)."""

    def decode_preview(self, latents: torch.Tensor) -> torch.Tensor: ...


class LinearDecoder:
    """The family's latent→RGB factors: previews at latent resolution, for free."""

    def __init__(self, latent_format: LatentFormat) -> None:
        self.latent_format = latent_format

    def decode_preview(self, latents: torch.Tensor) -> torch.Tensor:
        return self.latent_format.to_rgb(latents)


class TinyAutoencoderDecoder:
    """A tiny autoencoder (TAESD's class) made for the model's latents."""

    def __init__(self, decoder: AutoencoderTiny) -> None:
        self.decoder = decoder

    @torch.inference_mode()
    def decode_preview(self, latents: torch.Tensor) -> torch.Tensor:
        parameter = next(self.decoder.parameters())
        latents = latents.to(parameter.device, parameter.dtype) / self.decoder.config.scaling_factor
        pixels = self.decoder.decode(latents).sample  # in [-1, 1]
        return (pixels / 2 + 0.5).clamp(0, 1).mul(255).round().to(torch.uint8).permute(0, 2, 3, 1)


class Previewer:
    """Decides when a preview is due and renders latents into a small JPEG sheet per job,
    laid out as the job's result grid will be (one image, a row of two, or 2×2)."""

    def __init__(
        self,
        decoder: PreviewDecoder | AutoencoderTiny,
        every_seconds: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if isinstance(decoder, AutoencoderTiny):
            decoder = TinyAutoencoderDecoder(decoder)
        self.decoder = decoder
        self.every_seconds = every_seconds
        self._clock = clock
        self._last = clock()
        self.broken = False  # the decoder failed once: no more previews

    def restart(self) -> None:
        """A new pipeline call begins: its first preview comes ``every_seconds`` from now."""
        self._last = self._clock()

    def due(self, step: int, total: int) -> bool:
        """True (and the timer restarts) when a preview of this step should be made."""
        if self.broken or step >= total or self._clock() - self._last < self.every_seconds:
            return False
        self._last = self._clock()
        return True

    def sheets(
        self, latents: torch.Tensor, groups: list[list[int]], size: tuple[int, int]
    ) -> list[bytes] | None:
        """One JPEG sheet per group of latent indices (a job's pictures) of images ``size``
        big; None, and no more previews, when the decoder fails on these latents (a TAESD
        made for another model family): previews never cost a job."""
        try:
            images = self.render(latents)
            return [_sheet([images[index] for index in group], size) for group in groups]
        except Exception:
            log.exception("the preview decoder failed; previews are off until the worker restarts")
            self.broken = True
            return None

    @torch.inference_mode()
    def render(self, latents: torch.Tensor) -> list[Image.Image]:
        """One picture per latent in the batch (unpacked latents, batch first)."""
        pixels = self.decoder.decode_preview(latents)
        return [Image.fromarray(array) for array in pixels.cpu().numpy()]


def _sheet(images: list[Image.Image], size: tuple[int, int]) -> bytes:
    """The images laid out like the result grid, each shown at the image's aspect and at
    most the preview's size (latent-resolution pictures are scaled up to it)."""
    scale = min(1.0, PREVIEW_SIDE / max(size))
    width, height = max(1, round(size[0] * scale)), max(1, round(size[1] * scale))
    images = [
        image if image.size == (width, height) else image.resize((width, height))
        for image in images
    ]
    columns = 1 if len(images) == 1 else 2
    rows = (len(images) + columns - 1) // columns
    size = (columns * width + (columns - 1) * GAP, rows * height + (rows - 1) * GAP)
    sheet = Image.new("RGB", size, "#2b2d31")
    for index, image in enumerate(images):
        x, y = index % columns, index // columns
        sheet.paste(image, (x * (width + GAP), y * (height + GAP)))
    sheet.thumbnail((PREVIEW_SIDE, PREVIEW_SIDE))
    buffer = io.BytesIO()
    sheet.save(buffer, format="JPEG", quality=PREVIEW_QUALITY)
    return buffer.getvalue()


def load_previewer(
    name: str,
    device: torch.device,
    dtype: torch.dtype,
    every_seconds: float,
    latent_format: LatentFormat | None = None,
) -> Previewer | None:
    """The previewer PREVIEW_DECODER names: empty means the family's linear factors
    (``latent_format``), ``off`` none at all.

    A decoder that cannot be loaded costs the previews, never the worker: images are made
    as before, and the log says why there are no previews.
    """
    if name.lower() in OFF:
        return None
    if not name:
        if latent_format is None:
            return None
        log.info("progress previews every %.1fs, linear latent→RGB factors", every_seconds)
        return Previewer(LinearDecoder(latent_format), every_seconds)
    if name == TINY_PRESET:
        from inference.tiny import build_tiny_preview_decoder

        decoder = build_tiny_preview_decoder()
    else:
        try:
            decoder = AutoencoderTiny.from_pretrained(
                name, torch_dtype=dtype, local_files_only=Path(name).expanduser().is_dir()
            )
        except (OSError, ValueError) as error:
            reason = str(error).strip().splitlines()[0]
            log.warning("PREVIEW_DECODER=%s could not be loaded (%s): no previews", name, reason)
            return None
    decoder.to(device).eval()
    if decoder.dtype != dtype:  # the tiny preset's: loaded ones come in ``dtype`` already
        decoder.to(dtype)
    log.info("progress previews every %.1fs, decoded by %s", every_seconds, name)
    return Previewer(decoder, every_seconds)
