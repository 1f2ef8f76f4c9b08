"""Model loading: one set of weights, three pipelines (text2img, img2img, inpaint).

The same code loads a Hugging Face id of any family in ``inference.families`` (SD 1.x/2.x,
SDXL, SD 3.5, FLUX.1, FLUX.2 [klein], Z-Image), a local folder, or an offline ``tiny``
build; ``from_pipe`` derives img2img and inpainting from the text-to-image pipeline
without copying a weight. Memory modes (offload, fp8 weights, VAE tiling) are applied
once, to the shared modules.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import torch
from diffusers import AutoPipelineForText2Image, DiffusionPipeline

from data.families import PRESETS, SDXL_BASE, Preset, defaults_for, family_of, is_tiny
from inference.families import SPECS, FamilySpec, spec_of
from inference.strength import strength_call

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


OffloadSetting = Literal["auto", "none", "model", "sequential"]
QuantizeSetting = Literal["none", "fp8"]


@dataclass(frozen=True)
class MemoryOptions:
    """How to fit a model into a smaller GPU; each costs speed, none changes the model.

    ``offload``: ``model`` keeps only the module that runs on the GPU (the text encoders
    are idle during the steps); ``sequential`` streams layer by layer (smallest, slowest);
    ``auto`` offloads by model when the GPU has less memory than the preset needs resident.
    ``quantize``: ``fp8`` stores the denoiser's weights in float8 and computes in the model
    dtype (diffusers' layerwise casting: half the weight memory, no extra package).
    ``vae_tiling``: decodes big canvases tile by tile.
    """

    offload: OffloadSetting = "auto"
    quantize: QuantizeSetting = "none"
    vae_tiling: bool = False


@dataclass(frozen=True)
class Pipelines:
    """The three pipelines of one set of weights. ``img2img`` is ``inpaint`` itself for a
    family without an image-to-image class (FLUX.2 [klein]): called with every pixel
    masked (``img2img_masked``), it noises and denoises the source at a strength.
    ``side``: the model's square side (its pixel budget); variations and edits paint at
    most ``max_side`` a side and come back at the job's size."""

    name: str
    device: torch.device
    spec: FamilySpec
    text2img: DiffusionPipeline
    img2img: DiffusionPipeline
    inpaint: DiffusionPipeline
    call_extras: dict[str, Any] = field(default_factory=dict)  # token limits (tiny, presets)
    side: int = 1024

    @property
    def img2img_masked(self) -> bool:
        return self.spec.img2img is None

    @property
    def max_side(self) -> int:
        """Uploads and studio images are painted at most 1.5 × the model's side."""
        return self.side * 3 // 2

    @property
    def denoiser(self) -> torch.nn.Module:
        return getattr(self.text2img, self.spec.denoiser)

    @property
    def vae_scale_factor(self) -> int:
        return int(self.text2img.vae_scale_factor)

    @property
    def multiple(self) -> int:
        """Image sides must be multiples of this (VAE downscaling × latent patch)."""
        return self.vae_scale_factor * self.spec.patch


def pick_device(setting: str) -> torch.device:
    """'auto' takes CUDA, then Apple's MPS, then the CPU."""
    if setting != "auto":
        return torch.device(setting)
    if torch.cuda.is_available():
        return torch.device("cuda")
    if torch.backends.mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def pick_dtype(
    setting: DtypeSetting, device: torch.device, spec: FamilySpec | None = None
) -> torch.dtype:
    """``auto``: float32 on the CPU; on GPUs float16 for the UNet families and bfloat16 for
    the transformer ones (FLUX and friends overflow in float16) where the GPU computes it
    natively (Ampere and later). ``is_bf16_supported()`` alone also says yes on Turing
    and Volta, which only emulate bfloat16 (several times slower than float16)."""
    if setting != "auto":
        return getattr(torch, setting)
    if device.type not in ("cuda", "mps"):
        return torch.float32
    transformer = spec is not None and spec.denoiser == "transformer"
    if transformer and (device.type == "mps" or _native_bf16(device)):
        return torch.bfloat16
    return torch.float16


def _native_bf16(device: torch.device) -> bool:
    """bfloat16 in hardware: CUDA compute capability 8.0 or later (not emulation)."""
    return torch.cuda.is_bf16_supported(including_emulation=False)


def load_pipelines(
    model: str,
    device_setting: str = "auto",
    speed: SpeedOptions | None = None,
    memory: MemoryOptions | None = None,
    family: str = "",
) -> Pipelines:
    """Load MODEL (``family``: MODEL_FAMILY, when the id does not tell) in the speed and
    memory modes asked for; raises ModelLoadError with one sentence for the operator."""
    speed = speed or SpeedOptions()
    memory = memory or MemoryOptions()
    device = pick_device(device_setting)
    expected = SPECS[family_of(model, family).name]
    dtype = pick_dtype(speed.dtype, device, expected)
    text2img, extras = _load_text2img(model, dtype)
    spec = spec_of(text2img)
    if spec is not expected:
        log.warning(
            "MODEL %s is a %s model, not %s: set MODEL_FAMILY=%s",
            model,
            spec.name,
            expected.name,
            spec.name,
        )
    return derive_pipelines(model, text2img, device, speed, memory, extras, family)


def derive_pipelines(
    name: str,
    text2img: DiffusionPipeline,
    device: torch.device,
    speed: SpeedOptions | None = None,
    memory: MemoryOptions | None = None,
    call_extras: dict[str, Any] | None = None,
    family: str = "",
) -> Pipelines:
    """A text-to-image pipeline made ready: on the device in the memory and speed modes,
    with its img2img and inpaint siblings sharing its modules (bench/gpu_speed.py builds
    real architectures in memory and comes in here). ``call_extras``: arguments every
    call takes, on top of the preset's own (FLUX.1-schnell's 256 text tokens)."""
    speed = speed or SpeedOptions()
    memory = memory or MemoryOptions()
    spec = spec_of(text2img)
    dtype = pick_dtype(speed.dtype, device, spec)
    if text2img.dtype != dtype:
        text2img.to(dtype=dtype)
    # Siblings first: from_pipe casts shared modules back to one dtype, which would undo
    # fp8 storage; the memory modes and speed-ups below then act on the shared modules.
    inpaint = spec.inpaint.from_pipe(text2img)
    img2img = spec.img2img.from_pipe(text2img) if spec.img2img else inpaint
    pipes = list({id(pipe): pipe for pipe in (text2img, img2img, inpaint)}.values())
    preset = PRESETS.get(name)
    offload = _offload_mode(memory, device, preset)
    _fit_memory(pipes, spec, device, dtype, memory, offload)
    _tune(pipes, spec, device, speed, fullgraph=fullgraph_allowed(memory.quantize, offload))
    for pipe in pipes:
        pipe.set_progress_bar_config(disable=True)  # not inherited by from_pipe
    extras = {**(preset.call_extras if preset else {}), **(call_extras or {})}
    side = defaults_for(name, family or spec.name).side
    return Pipelines(name, device, spec, text2img, img2img, inpaint, extras, side)


def _fit_memory(
    pipes: list[DiffusionPipeline],
    spec: FamilySpec,
    device: torch.device,
    dtype: torch.dtype,
    memory: MemoryOptions,
    offload: str,
) -> None:
    """Move the weights (already in ``dtype``) to the device in the chosen memory mode."""
    pipe = pipes[0]
    if memory.quantize == "fp8":
        # Weights stored in float8, each layer upcast to ``dtype`` when it runs.
        getattr(pipe, spec.denoiser).enable_layerwise_casting(
            storage_dtype=torch.float8_e4m3fn, compute_dtype=dtype
        )
    if memory.vae_tiling:
        pipe.vae.enable_tiling()
    if offload == "model":
        offload_by_model(pipes, device)
    elif offload == "sequential":
        pipe.enable_sequential_cpu_offload(device=device)
    else:
        pipe.to(device)
    log.info(
        "memory: offload=%s, weights=%s, vae_tiling=%s", offload, memory.quantize, memory.vae_tiling
    )


def offload_by_model(pipes: list[DiffusionPipeline], device: torch.device) -> None:
    """Model offload on every pipeline of the set, not only the text-to-image one.

    The hooks live on the shared modules, but each pipeline ends its call by offloading
    what it holds (``maybe_free_model_hooks``) only when offload was enabled on it: a
    derived pipeline without it leaves its last module (the VAE, or the denoiser) on the
    GPU next to the text encoder the next call loads. Each enable re-hooks the shared
    modules, so enabling on all three leaves one working set of hooks.
    """
    for pipe in pipes:
        pipe.enable_model_cpu_offload(device=device)


def _offload_mode(memory: MemoryOptions, device: torch.device, preset: Preset | None) -> str:
    """``auto`` offloads idle modules on a CUDA GPU smaller than the preset needs resident."""
    if device.type != "cuda":
        return "none"  # offloading moves modules between CPU and a CUDA device only
    if memory.offload != "auto":
        return memory.offload
    needed = preset.vram_gb.get("fp8" if memory.quantize == "fp8" else "none") if preset else None
    if needed is None:
        return "none"
    total = torch.cuda.get_device_properties(device).total_memory / 2**30
    return "model" if total < needed * 1.1 else "none"


def _tune(
    pipes: list[DiffusionPipeline],
    spec: FamilySpec,
    device: torch.device,
    speed: SpeedOptions,
    *,
    fullgraph: bool = True,
) -> None:
    """Device-side speed-ups, applied once to the shared modules (from_pipe reuses them)."""
    pipe = pipes[0]
    denoiser = getattr(pipe, spec.denoiser)
    if device.type == "cuda":
        torch.backends.cuda.matmul.allow_tf32 = True  # float32 paths use tensor cores
        torch.backends.cudnn.allow_tf32 = True
        # No cudnn.benchmark: its autotuner may pick other kernels in another process, and
        # then the same seed no longer gives the same bytes (seen on an H100).
        if speed.channels_last:  # convolutions: the UNet's and every VAE's
            if spec.denoiser == "unet":
                denoiser.to(memory_format=torch.channels_last)
            pipe.vae.to(memory_format=torch.channels_last)
    processors = {type(p).__name__ for p in getattr(denoiser, "attn_processors", {}).values()}
    if speed.compile:
        compiled = torch.compile(denoiser, fullgraph=fullgraph)
        for each in pipes:  # all three pipelines run the one compiled module
            setattr(each, spec.denoiser, compiled)
        pipe.vae.decode = torch.compile(pipe.vae.decode)
    log.info(
        "%s model on %s, %s, attention %s, channels_last=%s, compile=%s",
        spec.name,
        device,
        denoiser.dtype,
        "/".join(sorted(processors)) or "default",
        speed.channels_last and device.type == "cuda",
        speed.compile,
    )


def fullgraph_allowed(quantize: str, offload: str) -> bool:
    """One graph for the whole denoiser, unless hooks run inside it: fp8 layerwise
    casting's per-layer hooks and accelerate's offload hooks break the graph, and
    ``fullgraph=True`` turns each break into an error (COMPILE=true QUANTIZE=fp8 failed)."""
    return quantize == "none" and offload == "none"


def warm_up(pipelines: Pipelines, size: int, steps: int) -> None:
    """One small run of each pipeline so the first user does not pay for lazy set-up
    (CUDA kernels, cuDNN autotuning, torch.compile's graph capture)."""
    extras = pipelines.call_extras
    images = pipelines.text2img(
        prompt="warm-up",
        width=size,
        height=size,
        num_inference_steps=steps,
        guidance_scale=0,
        **extras,
    ).images
    strength_call(
        pipelines.img2img,
        masked=pipelines.img2img_masked,
        images=images,
        size=(size, size),
        strength=0.5,
        steps=max(steps, 4),
        prompt="warm-up",
        guidance_scale=0,
        **extras,
    )


def _load_text2img(model: str, dtype: torch.dtype) -> tuple[DiffusionPipeline, dict[str, Any]]:
    """The text-to-image pipeline on the CPU, and the call arguments it needs."""
    if is_tiny(model):
        from inference.tiny import build_tiny, tiny_names

        if model not in tiny_names():
            raise ModelLoadError(f"MODEL: no tiny build {model!r}; use {', '.join(tiny_names())}.")
        log.warning("MODEL=%s: random weights for tests and smoke tests, not real images", model)
        build = build_tiny(model)
        return build.pipeline, build.call_extras
    preset = PRESETS.get(model)
    source = SDXL_BASE if preset and preset.lora else model
    local = Path(source).expanduser().is_dir()
    offline = local or os.environ.get("HF_HUB_OFFLINE", "") not in ("", "0")
    attempts = [{"variant": "fp16"}, {}] if dtype == torch.float16 and not local else [{}]
    last_error: Exception | None = None
    for extra in attempts:
        try:
            pipe = AutoPipelineForText2Image.from_pretrained(
                source, torch_dtype=dtype, local_files_only=offline, **extra
            )
            break
        except (OSError, ValueError) as error:
            last_error = error
    else:
        raise ModelLoadError(_explain(source, local, last_error)) from last_error
    if preset and preset.lora:
        _fuse_lora(pipe, preset, offline)
    return pipe, {}


def _fuse_lora(pipe: DiffusionPipeline, preset: Preset, offline: bool) -> None:
    """A few-step LoRA (SDXL-Lightning) fused into the base weights, with the scheduler
    settings its authors give (trailing timesteps)."""
    repo, weights = preset.lora or ("", "")
    try:
        pipe.load_lora_weights(repo, weight_name=weights, local_files_only=offline)
    except (OSError, ValueError) as error:
        raise ModelLoadError(_explain(repo, False, error)) from error
    pipe.fuse_lora()
    pipe.unload_lora_weights()  # the fused weights stay; the adapter copies go
    if preset.scheduler:
        pipe.scheduler = type(pipe.scheduler).from_config(pipe.scheduler.config, **preset.scheduler)


def _explain(model: str, local: bool, error: Exception | None) -> str:
    reason = str(error).strip().splitlines()[0] if error else "unknown error"
    if local:
        return f"MODEL: the folder {model!r} is not a diffusers model ({reason})."
    return (
        f"MODEL: could not load {model!r}: it is not in the local Hugging Face cache and "
        f"could not be downloaded ({reason}). Check the network, set MODEL to a local "
        "folder, or MODEL=tiny (tiny:flux2, …) for an offline smoke test."
    )
