"""Linear latent→RGB projections: a rough preview of latents for free, per model family.

Each factor row maps one latent channel to (R, G, B); a matrix product of a few numbers
per pixel, so previews cost nothing next to a denoising step and need no download. The
factors are the well-known "latent2rgb" tables fitted on each family's VAE latents
(community tables, as used for live previews by ComfyUI's ``comfy/latent_formats.py`` and
A1111); they apply to the latents as the pipelines hold them during sampling (scaled, and
for SD3/FLUX shifted). FLUX.1 packs 2×2 latent patches into its sequence and FLUX.2
patchifies them into 128 channels: they are unpacked first.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import torch

Packing = Literal["none", "flux", "flux2"]

_SD = (
    (0.3512, 0.2297, 0.3227),
    (0.3250, 0.4974, 0.2350),
    (-0.2829, 0.1762, 0.2721),
    (-0.2120, -0.2616, -0.7177),
)
_SDXL = (
    (0.3651, 0.4232, 0.4341),
    (-0.2533, -0.0042, 0.1068),
    (0.1076, 0.1111, -0.0362),
    (-0.3165, -0.2492, -0.2188),
)
_SD3 = (
    (-0.0922, -0.0175, 0.0749),
    (0.0311, 0.0633, 0.0954),
    (0.1994, 0.0927, 0.0458),
    (0.0856, 0.0339, 0.0902),
    (0.0587, 0.0272, -0.0496),
    (-0.0006, 0.1104, 0.0309),
    (0.0978, 0.0306, 0.0427),
    (-0.0042, 0.1038, 0.1358),
    (-0.0194, 0.0020, 0.0669),
    (-0.0488, 0.0130, -0.0268),
    (0.0922, 0.0988, 0.0951),
    (-0.0278, 0.0524, -0.0542),
    (0.0332, 0.0456, 0.0895),
    (-0.0069, -0.0030, -0.0810),
    (-0.0596, -0.0465, -0.0293),
    (-0.1448, -0.1463, -0.1189),
)
_FLUX = (
    (-0.0346, 0.0244, 0.0681),
    (0.0034, 0.0210, 0.0687),
    (0.0275, -0.0668, -0.0433),
    (-0.0174, 0.0160, 0.0617),
    (0.0859, 0.0721, 0.0329),
    (0.0004, 0.0383, 0.0115),
    (0.0405, 0.0861, 0.0915),
    (-0.0236, -0.0185, -0.0259),
    (-0.0245, 0.0250, 0.1180),
    (0.1008, 0.0755, -0.0421),
    (-0.0515, 0.0201, 0.0011),
    (0.0428, -0.0012, -0.0036),
    (0.0817, 0.0765, 0.0749),
    (-0.1264, -0.0522, -0.1103),
    (-0.0280, -0.0881, -0.0499),
    (-0.1262, -0.0982, -0.0778),
)
_FLUX2 = (
    (0.0058, 0.0113, 0.0073),
    (0.0495, 0.0443, 0.0836),
    (-0.0099, 0.0096, 0.0644),
    (0.2144, 0.3009, 0.3652),
    (0.0166, -0.0039, -0.0054),
    (0.0157, 0.0103, -0.0160),
    (-0.0398, 0.0902, -0.0235),
    (-0.0052, 0.0095, 0.0109),
    (-0.3527, -0.2712, -0.1666),
    (-0.0301, -0.0356, -0.0180),
    (-0.0107, 0.0078, 0.0013),
    (0.0746, 0.0090, -0.0941),
    (0.0156, 0.0169, 0.0070),
    (-0.0034, -0.0040, -0.0114),
    (0.0032, 0.0181, 0.0080),
    (-0.0939, -0.0008, 0.0186),
    (0.0018, 0.0043, 0.0104),
    (0.0284, 0.0056, -0.0127),
    (-0.0024, -0.0022, -0.0030),
    (0.1207, -0.0026, 0.0065),
    (0.0128, 0.0101, 0.0142),
    (0.0137, -0.0072, -0.0007),
    (0.0095, 0.0092, -0.0059),
    (0.0000, -0.0077, -0.0049),
    (-0.0465, -0.0204, -0.0312),
    (0.0095, 0.0012, -0.0066),
    (0.0290, -0.0034, 0.0025),
    (0.0220, 0.0169, -0.0048),
    (-0.0332, -0.0457, -0.0468),
    (-0.0085, 0.0389, 0.0609),
    (-0.0076, 0.0003, -0.0043),
    (-0.0111, -0.0460, -0.0614),
)
_FLUX_BIAS = (-0.0329, -0.0718, -0.0851)


@dataclass(frozen=True)
class LatentFormat:
    """How one family's sampling latents become a small RGB picture."""

    factors: tuple[tuple[float, float, float], ...]
    bias: tuple[float, float, float] = (0.0, 0.0, 0.0)
    packing: Packing = "none"

    @property
    def channels(self) -> int:
        return len(self.factors)

    def unpack(
        self, latents: torch.Tensor, height: int, width: int, downscale: int
    ) -> torch.Tensor:
        """(batch, channels, h, w) latents from what the pipeline holds; ``height`` and
        ``width`` are the image's pixels, ``downscale`` the VAE's factor."""
        if self.packing == "none":
            return latents
        batch, _, packed = latents.shape
        rows, columns = height // (downscale * 2), width // (downscale * 2)
        # Both pack 2×2 patches of the latent grid; FLUX.1 puts the patch inside the
        # channel (c, dy, dx) order too, FLUX.2 patchifies first and then flattens.
        grid = latents.reshape(batch, rows, columns, packed).permute(0, 3, 1, 2)
        channels = packed // 4
        grid = grid.reshape(batch, channels, 2, 2, rows, columns)
        grid = grid.permute(0, 1, 4, 2, 5, 3)
        return grid.reshape(batch, channels, rows * 2, columns * 2)

    def to_rgb(self, latents: torch.Tensor) -> torch.Tensor:
        """uint8 (batch, h, w, 3) from (batch, channels, h, w) latents."""
        factors = torch.tensor(self.factors, dtype=torch.float32, device=latents.device)
        bias = torch.tensor(self.bias, dtype=torch.float32, device=latents.device)
        rgb = torch.einsum("bchw,cr->bhwr", latents.float(), factors) + bias
        return ((rgb + 1) / 2).clamp(0, 1).mul(255).round().to(torch.uint8)


LATENT_FORMATS: dict[str, LatentFormat] = {
    "sd": LatentFormat(_SD),
    "sdxl": LatentFormat(_SDXL, (0.1084, -0.0175, -0.0011)),
    "sd3": LatentFormat(_SD3, (0.2394, 0.2135, 0.1925)),
    "flux": LatentFormat(_FLUX, _FLUX_BIAS, "flux"),
    "flux2": LatentFormat(_FLUX2, _FLUX_BIAS, "flux2"),
    "zimage": LatentFormat(_FLUX, _FLUX_BIAS),  # Z-Image uses the FLUX.1 VAE, unpacked
}
