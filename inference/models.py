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
from typing import Literal

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


DtypeSetting = Literal["auto", "float16", "bfloat16", "float32"]


@dataclass(frozen=True)
class SpeedOptions:
    """How the weights sit on the device. The defaults are the fast, safe ones.

    ``auto`` dtype is float16 on CUDA and MPS (half the memory traffic of float32, which
    a UNet step is bound by) and float32 on the CPU, where half precision is slow.
    channels_last helps the UNet's and VAE's convolutions on CUDA; torch.compile costs a
    warm-up (tens of seconds) at start and is off unless asked for.
    """

    dtype: DtypeSetting = "auto"
    channels_last: bool = True
    compile: bool = False


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


def pick_dtype(setting: DtypeSetting, device: torch.device) -> torch.dtype:
    if setting != "auto":
        return getattr(torch, setting)
    return torch.float16 if device.type in ("cuda", "mps") else torch.float32


def load_pipelines(
    model: str, device_setting: str = "auto", speed: SpeedOptions | None = None
) -> Pipelines:
    speed = speed or SpeedOptions()
    device = pick_device(device_setting)
    dtype = pick_dtype(speed.dtype, device)
    text2img = _load_text2img(model, device, dtype)
    text2img.to(device, dtype)
    _tune(text2img, device, speed)
    img2img = AutoPipelineForImage2Image.from_pipe(text2img)
    inpaint = AutoPipelineForInpainting.from_pipe(text2img)
    for pipe in (text2img, img2img, inpaint):
        pipe.set_progress_bar_config(disable=True)  # not inherited by from_pipe
    return Pipelines(model, device, text2img, img2img, inpaint)


def _tune(pipe: DiffusionPipeline, device: torch.device, speed: SpeedOptions) -> None:
    """Device-side speed-ups, applied once to the shared modules (from_pipe reuses them)."""
    if device.type == "cuda":
        torch.backends.cuda.matmul.allow_tf32 = True  # float32 paths use tensor cores
        torch.backends.cudnn.allow_tf32 = True
        # No cudnn.benchmark: its autotuner may pick other kernels in another process, and
        # then the same seed no longer gives the same bytes (seen on an H100).
        if speed.channels_last:
            pipe.unet.to(memory_format=torch.channels_last)
            pipe.vae.to(memory_format=torch.channels_last)
    if speed.compile:
        pipe.unet = torch.compile(pipe.unet, fullgraph=True)
        pipe.vae.decode = torch.compile(pipe.vae.decode)
    processors = {type(p).__name__ for p in pipe.unet.attn_processors.values()}
    log.info(
        "model on %s, %s, attention %s, channels_last=%s, compile=%s",
        device,
        pipe.unet.dtype,
        "/".join(sorted(processors)),
        speed.channels_last and device.type == "cuda",
        speed.compile,
    )


def warm_up(pipelines: Pipelines, size: int, steps: int) -> None:
    """One small run of each pipeline so the first user does not pay for lazy set-up
    (CUDA kernels, cuDNN autotuning, torch.compile's graph capture)."""
    text2img = pipelines.text2img
    images = text2img(
        prompt="warm-up", width=size, height=size, num_inference_steps=steps, guidance_scale=0
    ).images
    pipelines.img2img(
        prompt="warm-up",
        image=images,
        strength=0.5,
        num_inference_steps=max(steps, 2),
        guidance_scale=0,
    )


def _load_text2img(model: str, device: torch.device, dtype: torch.dtype) -> DiffusionPipeline:
    if model == TINY_PRESET:
        from inference.tiny import build_tiny_pipeline

        log.warning("MODEL=tiny: random weights for tests and smoke tests, not real images")
        return build_tiny_pipeline()
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
