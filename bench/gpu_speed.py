"""Images per second of sd-turbo-class generation: the worker's engine next to the same
diffusers pipeline called naively, measured in one run on one machine.

    python bench/gpu_speed.py [--model FOLDER] [--size 512] [--steps 1] [--images 64]

Without ``--model`` it writes a model with stabilityai/sd-turbo's architecture (SD 2.1
UNet, OpenCLIP-H text encoder, SD VAE: 1.3 B parameters) and random weights into a temp
folder, then loads it through the worker's own loading code (``from_pretrained`` on a local
folder). Speed does not depend on the weights' values, and the hub may not be reachable.

Rows (each: warm-up, then ``--images`` images, wall clock with CUDA synchronised):
- naive fp32: ``AutoPipelineForText2Image.from_pretrained(m).to("cuda")``, one image a call;
- naive fp16: the model card's recipe (float16), one image a call;
- engine: ``inference.engine.Engine`` on ``load_pipelines`` (fp16, channels_last, SDPA),
  four images a job as /imagine asks, PNG bytes with metadata included;
- engine + compile: the same with ``torch.compile`` (``--compile``).
The last line is ``engine ÷ naive fp32: X.XX``.

``--family flux2|flux|both`` measures the default model (FLUX.2 [klein] 4B) and FLUX.1
[schnell] at 1024², 4 steps instead, with peak VRAM per ``--modes`` (bench/gpu_families.py).
"""

from __future__ import annotations

import argparse
import platform
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch
from diffusers import (
    AutoencoderKL,
    AutoPipelineForText2Image,
    EulerDiscreteScheduler,
    UNet2DConditionModel,
)
from transformers import CLIPTextConfig, CLIPTextModel

from data.jobs import Job, JobKind
from inference.engine import Engine
from inference.models import SpeedOptions, load_pipelines
from inference.tiny import assemble

PROMPT = "a purple mammoth riding a motorcycle, studio photo"


def sd2_vae() -> AutoencoderKL:
    """SD 2.x's (and so sd-turbo's) autoencoder architecture, random weights."""
    return AutoencoderKL(
        in_channels=3,
        out_channels=3,
        latent_channels=4,
        layers_per_block=2,
        block_out_channels=(128, 256, 512, 512),
        down_block_types=("DownEncoderBlock2D",) * 4,
        up_block_types=("UpDecoderBlock2D",) * 4,
        sample_size=768,
    )


def write_sd_turbo_shaped(folder: Path) -> None:
    """stabilityai/sd-turbo's component configs with random weights, saved as diffusers."""
    torch.manual_seed(0)
    unet = UNet2DConditionModel(
        sample_size=64,
        in_channels=4,
        out_channels=4,
        layers_per_block=2,
        block_out_channels=(320, 640, 1280, 1280),
        down_block_types=(
            "CrossAttnDownBlock2D",
            "CrossAttnDownBlock2D",
            "CrossAttnDownBlock2D",
            "DownBlock2D",
        ),
        up_block_types=(
            "UpBlock2D",
            "CrossAttnUpBlock2D",
            "CrossAttnUpBlock2D",
            "CrossAttnUpBlock2D",
        ),
        attention_head_dim=(5, 10, 20, 20),
        cross_attention_dim=1024,
        use_linear_projection=True,
    )
    vae = sd2_vae()
    text_encoder = CLIPTextModel(
        CLIPTextConfig(
            hidden_size=1024,
            intermediate_size=4096,
            num_attention_heads=16,
            num_hidden_layers=23,
            projection_dim=512,
            hidden_act="gelu",
            vocab_size=49408,
            max_position_embeddings=77,
        )
    )
    scheduler = EulerDiscreteScheduler(
        beta_start=0.00085,
        beta_end=0.012,
        beta_schedule="scaled_linear",
        timestep_spacing="trailing",
    )
    assemble(unet, vae, text_encoder, scheduler).save_pretrained(folder)


def images_per_second(make: Callable[[], int], images: int) -> float:
    """Calls ``make`` (returns images made) until ``images`` are made; best of three."""
    rates = []
    for _ in range(3):
        torch.cuda.synchronize()
        started, made = time.perf_counter(), 0
        while made < images:
            made += make()
        torch.cuda.synchronize()
        rates.append(made / (time.perf_counter() - started))
    return max(rates)


def naive(folder: Path, dtype: torch.dtype, args: argparse.Namespace) -> float:
    pipe = AutoPipelineForText2Image.from_pretrained(folder, torch_dtype=dtype).to("cuda")
    pipe.set_progress_bar_config(disable=True)

    def one() -> int:
        pipe(
            PROMPT,
            width=args.size,
            height=args.size,
            num_inference_steps=args.steps,
            guidance_scale=0.0,
        )
        return 1

    for _ in range(3):
        one()
    return images_per_second(one, args.images)


def engine(folder: Path, compile_: bool, args: argparse.Namespace) -> float:
    pipelines = load_pipelines(str(folder), "cuda", SpeedOptions(compile=compile_))
    runner = Engine(pipelines)
    seed = iter(range(10**6))

    def job() -> int:
        result = runner.run(
            Job(
                id=f"bench-{next(seed)}",
                kind=JobKind.GENERATE,
                prompt=PROMPT,
                seed=next(seed) * 8,
                n=4,
                width=args.size,
                height=args.size,
                steps=args.steps,
                guidance=0.0,
            )
        )
        return len(result.images)

    for _ in range(3 if not compile_ else 5):
        job()
    return images_per_second(job, args.images)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, help="a local diffusers folder (default: built)")
    parser.add_argument("--size", type=int, default=512)
    parser.add_argument("--steps", type=int, default=1)
    parser.add_argument("--images", type=int, default=64)
    parser.add_argument("--compile", action="store_true", help="also time torch.compile")
    parser.add_argument("--family", choices=["sd", "flux2", "flux", "both"], default="sd")
    parser.add_argument("--modes", default="none", help="with --family: none,offload,fp8,…")
    args = parser.parse_args()
    if args.family != "sd":
        from bench.gpu_families import run

        families = ["flux2", "flux"] if args.family == "both" else [args.family]
        run(families, args.modes.split(","), min(args.images, 16), args.compile)
        return
    if not torch.cuda.is_available():
        sys.exit("gpu_speed.py needs a CUDA GPU (bench/batching.py and overhead.py run on CPU)")
    print(
        f"machine: {torch.cuda.get_device_name()}, torch {torch.__version__}, "
        f"Python {platform.python_version()}; {args.size}², {args.steps} step(s), "
        f"guidance 0, {args.images} images per timing, best of 3"
    )
    with tempfile.TemporaryDirectory() as temp:
        folder = args.model or Path(temp) / "sd-turbo-shaped"
        if args.model is None:
            write_sd_turbo_shaped(folder)
            print("model: sd-turbo architecture, random weights (1.3 B parameters)")
        rows = {
            "naive fp32, 1 image a call": naive(folder, torch.float32, args),
            "naive fp16, 1 image a call": naive(folder, torch.float16, args),
            "engine (fp16, channels_last, 4 a job, PNGs)": engine(folder, False, args),
        }
        if args.compile:
            rows["engine + torch.compile"] = engine(folder, True, args)
    for name, rate in rows.items():
        print(f"{name:<48} {rate:7.2f} images/s")
    best = max(v for k, v in rows.items() if k.startswith("engine"))
    base = rows["naive fp32, 1 image a call"]
    fp16 = rows["naive fp16, 1 image a call"]
    print(f"engine ÷ naive fp16: {best / fp16:.2f}")
    print(f"engine ÷ naive fp32: {best / base:.2f}")


if __name__ == "__main__":
    main()
