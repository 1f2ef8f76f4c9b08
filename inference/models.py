"""Model loading: one set of weights, three pipelines (text2img, img2img, inpaint).

The same code loads a Hugging Face id (sd-turbo, SD 1.5/2.1 class models), a local folder,
or the offline ``tiny`` preset; ``from_pipe`` derives img2img and inpainting from the
text-to-image pipeline without copying a weight.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path

import torch
from diffusers import (
    AutoPipelineForImage2Image,
    AutoPipelineForInpainting,
    AutoPipelineForText2Image,
    DiffusionPipeline,
)

from data.settings import TINY_PRESET

log = logging.getLogger(__name__)


class ModelLoadError(RuntimeError):
    """The model could not be loaded; the message is one sentence for the operator."""


@dataclass(frozen=True)
class Pipelines:
    name: str
    device: torch.device
    text2img: DiffusionPipeline
    img2img: DiffusionPipeline
    inpaint: DiffusionPipeline


def pick_device(setting: str) -> torch.device:
    """'auto' takes CUDA, then Apple's MPS, then the CPU."""
    if setting != "auto":
        return torch.device(setting)
    if torch.cuda.is_available():
        return torch.device("cuda")
    if torch.backends.mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def load_pipelines(model: str, device_setting: str = "auto") -> Pipelines:
    device = pick_device(device_setting)
    text2img = _load_text2img(model, device)
    text2img.to(device)
    img2img = AutoPipelineForImage2Image.from_pipe(text2img)
    inpaint = AutoPipelineForInpainting.from_pipe(text2img)
    for pipe in (text2img, img2img, inpaint):
        pipe.set_progress_bar_config(disable=True)  # not inherited by from_pipe
    return Pipelines(model, device, text2img, img2img, inpaint)


def _load_text2img(model: str, device: torch.device) -> DiffusionPipeline:
    if model == TINY_PRESET:
        from inference.tiny import build_tiny_pipeline

        log.warning("MODEL=tiny: random weights for tests and smoke tests, not real images")
        return build_tiny_pipeline()
    dtype = torch.float16 if device.type in ("cuda", "mps") else torch.float32
    local = Path(model).expanduser().is_dir()
    offline = local or os.environ.get("HF_HUB_OFFLINE", "") not in ("", "0")
    attempts = [{"variant": "fp16"}, {}] if dtype == torch.float16 and not local else [{}]
    last_error: Exception | None = None
    for extra in attempts:
        try:
            return AutoPipelineForText2Image.from_pretrained(
                model, torch_dtype=dtype, local_files_only=offline, **extra
            )
        except (OSError, ValueError) as error:
            last_error = error
    raise ModelLoadError(_explain(model, local, last_error)) from last_error


def _explain(model: str, local: bool, error: Exception | None) -> str:
    reason = str(error).strip().splitlines()[0] if error else "unknown error"
    if local:
        return f"MODEL: the folder {model!r} is not a diffusers model ({reason})."
    return (
        f"MODEL: could not load {model!r}: it is not in the local Hugging Face cache and "
        f"could not be downloaded ({reason}). Check the network, set MODEL to a local "
        "folder, or MODEL=tiny for an offline smoke test."
    )
