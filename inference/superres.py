"""An optional super-resolution model for the first 2× of an upscale (UPSCALE_MODEL).

Real-ESRGAN and its kin are plain PyTorch networks shipped as ``.pth``/``.safetensors``
files; spandrel recognises the architecture from the weights. It is optional: spandrel
imports torchvision, which must match the installed torch build (`pip install spandrel`
beside a CUDA torch from the same index; never beside this project's CPU test torch).
Without UPSCALE_MODEL the upscaler enlarges with Lanczos and the detail pass does the rest.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from PIL import Image

from inference.models import ModelLoadError


class SuperResolution:
    """A loaded super-resolution network as an :class:`inference.upscale.Enlarger`."""

    def __init__(self, model, device: torch.device) -> None:
        self.model = model
        self.device = device
        self.scale: int = int(model.scale)

    @torch.inference_mode()
    def __call__(self, image: Image.Image) -> Image.Image:
        pixels = np.asarray(image.convert("RGB"), dtype=np.float32) / 255.0
        tensor = torch.from_numpy(pixels).permute(2, 0, 1)[None].to(self.device)
        out = self.model(tensor)[0].clamp(0, 1).permute(1, 2, 0).float().cpu().numpy()
        return Image.fromarray(np.rint(out * 255).astype(np.uint8), "RGB")


def load_super_resolution(setting: str, device: torch.device) -> SuperResolution:
    """The model UPSCALE_MODEL names: a local weights file, or ``owner/repo/file.pth`` on
    the Hugging Face hub. Raises ModelLoadError with one sentence for the operator."""
    try:
        import spandrel
    except ImportError as error:
        raise ModelLoadError(
            f"UPSCALE_MODEL needs the spandrel package and a torchvision that matches torch "
            f"({error}); install both, or leave UPSCALE_MODEL empty to upscale with the "
            "loaded model alone."
        ) from None
    path = Path(setting).expanduser()
    if not path.is_file():
        repo, _, filename = setting.rpartition("/")
        if repo.count("/") != 1 or not filename:
            raise ModelLoadError(
                f"UPSCALE_MODEL: {setting!r} is neither a file nor owner/repo/file on the hub."
            )
        try:
            from huggingface_hub import hf_hub_download

            path = Path(hf_hub_download(repo, filename))
        except Exception as error:
            raise ModelLoadError(f"UPSCALE_MODEL: could not get {setting!r} ({error}).") from None
    try:
        descriptor = spandrel.ModelLoader(device=device).load_from_file(path)
    except Exception as error:
        raise ModelLoadError(
            f"UPSCALE_MODEL: {path} is not a model spandrel knows ({error})."
        ) from None
    if not isinstance(descriptor, spandrel.ImageModelDescriptor) or descriptor.scale < 2:
        raise ModelLoadError(f"UPSCALE_MODEL: {path} is not a super-resolution model.")
    return SuperResolution(descriptor.eval(), device)
