"""The worker's settings: where the queue is, which model, which device."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field

from data.settings import SharedSettings


class WorkerSettings(SharedSettings):
    worker_id: str | None = None  # default: hostname:pid
    lease_seconds: float = Field(
        default=60.0, gt=1
    )  # a job whose worker is silent this long runs again
    poll_seconds: float = Field(default=0.25, gt=0, le=5)  # idle polling, between wake-ups
    # Speed knobs (inference/models.py SpeedOptions): the defaults are the fast, safe ones.
    dtype: Literal["auto", "float16", "bfloat16", "float32"] = "auto"  # auto: fp16 on GPUs
    channels_last: bool = True  # CUDA convolutions in NHWC
    compile: bool = False  # torch.compile the UNet and VAE decoder (slow start, faster steps)
    # Memory modes (inference/models.py MemoryOptions) for GPUs smaller than the model:
    # OFFLOAD auto|none|model|sequential (auto: by model when the GPU is smaller than the
    # preset needs resident), QUANTIZE none|fp8 (float8 denoiser weights, layerwise casting),
    # VAE_TILING (decode big canvases tile by tile).
    offload: Literal["auto", "none", "model", "sequential"] = "auto"
    quantize: Literal["none", "fp8"] = "none"
    vae_tiling: bool = False
    warm_up: bool = True  # one IMAGE_SIZE run at start on a GPU: the first user waits no longer
    # Cross-request batching: compatible jobs share one pipeline call of up to BATCH_SIZE
    # images (a job is never split: a bigger one runs alone; 1 turns batching off). An idle
    # worker that claims a job waits at most BATCH_WAIT_MS for batch-mates to arrive.
    batch_size: int = Field(default=16, ge=1, le=256)
    batch_wait_ms: float = Field(default=20.0, ge=0, le=1000)
    # Progress previews (inference/previews.py), at most every PREVIEW_SECONDS. Empty: the
    # model family's linear latent→RGB factors (no download); "off": none; or a tiny
    # autoencoder: "madebyollin/taesd" suits SD 1.x/2.x and sd-turbo, "madebyollin/taesdxl"
    # SDXL; a local folder works too.
    preview_decoder: str = ""
    preview_seconds: float = Field(default=2.0, gt=0)
    # Output checks (inference/postprocess.py): each job's images are checked for what its
    # server blocks (NudeNet) next to the GPU, through onnxruntime's CUDA provider when
    # onnxruntime-gpu is installed, else on CPU threads while the next batch paints. false:
    # results leave unchecked and the bot checks them itself (slower; for old set-ups).
    check_outputs: bool = True
    # Provenance (inference/provenance.py): every image gets an invisible watermark and
    # Content Credentials signed with C2PA_CERT/C2PA_KEY (PEM files), else with a chain
    # the studio makes in DATA_DIR/c2pa at first start ("untrusted signer" to verifiers).
    watermark: bool = True
    c2pa_cert: Path | None = None
    c2pa_key: Path | None = None
    c2pa_include_prompt: bool = False  # the prompts in the manifest (never who asked)
    # Upscale jobs (inference/upscale.py): the 2× detail pass paints tiles of UPSCALE_TILE
    # pixels (0: the model's native size), UPSCALE_TILES_PER_CALL at a time. UPSCALE_MODEL
    # optionally names a super-resolution weights file (Real-ESRGAN & co., read by spandrel)
    # for the first 2×; empty: Lanczos.
    upscale_tile: int = Field(default=0, ge=0, le=2048, multiple_of=8)
    upscale_tiles_per_call: int = Field(default=4, ge=1, le=64)
    upscale_model: str = ""
