"""Progress previews: a small, rough picture of each job while its steps run.

Decoding the latents with the model's own VAE at every preview would cost about as much
as a step. A tiny autoencoder (TAESD: ``madebyollin/taesd`` for SD 1.x/2.x latents, which
sd-turbo's are) decodes them at preview quality for a fraction of that, the way ComfyUI
and A1111 show live previews. Previews are off unless PREVIEW_DECODER names a decoder,
and are made at most every PREVIEW_SECONDS, never on the last step: a job that finishes
within that time (1-step sd-turbo) never pays for one.
"""

from __future__ import annotations

import io
import logging
import time
from collections.abc import Callable
from pathlib import Path

import torch
from diffusers import AutoencoderTiny
from PIL import Image

from data.settings import TINY_PRESET

log = logging.getLogger(__name__)

PREVIEW_SIDE = 384  # pixels on the sheet's longer side: enough to see the compositions
PREVIEW_QUALITY = 70  # JPEG: a 384-pixel 2×2 sheet of photos is ~26 KB (noise ~37 KB)
GAP = 4  # the result grid's layout (bot/discord/render.py), so the preview turns into the result


class Previewer:
    """Decides when a preview is due and renders latents into a small JPEG sheet per job,
    laid out as the job's result grid will be (one image, a row of two, or 2×2)."""

    def __init__(
        self,
        decoder: AutoencoderTiny,
        every_seconds: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
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

    def sheets(self, latents: torch.Tensor, groups: list[list[int]]) -> list[bytes] | None:
        """One JPEG sheet per group of latent indices (a job's pictures); None, and no more
        previews, when the decoder fails on these latents (a TAESD made for another model
        family): previews never cost a job."""
        try:
            images = self.render(latents)
            return [_sheet([images[index] for index in group]) for group in groups]
        except Exception:
            log.exception("the preview decoder failed; previews are off until the worker restarts")
            self.broken = True
            return None

    @torch.inference_mode()
    def render(self, latents: torch.Tensor) -> list[Image.Image]:
        """One picture per latent in the batch."""
        parameter = next(self.decoder.parameters())
        latents = latents.to(parameter.device, parameter.dtype) / self.decoder.config.scaling_factor
        pixels = self.decoder.decode(latents).sample  # in [-1, 1]
        pixels = (pixels / 2 + 0.5).clamp(0, 1).mul(255).round().to(torch.uint8)
        return [Image.fromarray(array) for array in pixels.permute(0, 2, 3, 1).cpu().numpy()]


def _sheet(images: list[Image.Image]) -> bytes:
    width, height = images[0].size
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
    name: str, device: torch.device, dtype: torch.dtype, every_seconds: float
) -> Previewer | None:
    """The previewer PREVIEW_DECODER names, or None (off, or it could not be loaded).

    A decoder that cannot be loaded costs the previews, never the worker: images are made
    as before, and the log says why there are no previews.
    """
    if not name:
        return None
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
