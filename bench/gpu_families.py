"""Images per second and peak VRAM of the default model (FLUX.2 [klein] 4B) and FLUX.1
[schnell] at 1024², 4 steps: the worker's engine next to diffusers called naively.

    python bench/gpu_families.py [--family flux2|flux|both] [--modes none,offload,fp8,fp8+offload]
                                 [--images 16] [--compile] [--dry-run]

No hub is reachable from the bench machines, so it builds each model's real architecture
with random weights in memory, in bfloat16 (speed does not depend on the weights' values):
FLUX.2 [klein] 4B = Flux2Transformer2DModel (5 double + 20 single blocks, 24 heads × 128)
+ Qwen3-4B + the FLUX.2 VAE; FLUX.1 [schnell] = FluxTransformer2DModel (19 + 38 blocks)
+ T5-XXL + CLIP-L + the FLUX.1 VAE. Tokenizers are made in code (inference/tiny.py).

Rows per family (warm-up first; wall clock with CUDA synchronised; best of 3):
- naive bf16: ``pipe(prompt, 1024, 1024, 4 steps)``, one image a call, SDPA, no compile;
- engine, memory mode M: ``inference.engine.Engine`` on ``derive_pipelines`` (the worker's
  own code) in mode M, four images a job as /imagine asks, PNG bytes included, with the
  peak VRAM of that mode (``torch.cuda.max_memory_allocated``).
``--compile`` adds torch.compile of the transformer and the VAE decoder to the engine rows.
Published anchors (H100, 1024², 4 steps): FLUX.1 [schnell] ≈ 1.1 s per image with plain
diffusers bf16, ≈ 0.45 s with flux-fast's recipe (compile + fp8 + fused QKV), bf16 compute
floor ≈ 0.29 s; FLUX.2 [klein] 4B ≈ 0.57 s. ``--dry-run`` builds on the meta device and
prints parameter counts only (checks the architectures without a GPU).
"""

from __future__ import annotations

import argparse
import gc
import platform
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch
from diffusers import (
    AutoencoderKL,
    AutoencoderKLFlux2,
    DiffusionPipeline,
    FlowMatchEulerDiscreteScheduler,
    Flux2KleinPipeline,
    Flux2Transformer2DModel,
    FluxPipeline,
    FluxTransformer2DModel,
)
from transformers import (
    CLIPTextConfig,
    CLIPTextModel,
    Qwen3Config,
    Qwen3ForCausalLM,
    T5Config,
    T5EncoderModel,
)

from data.jobs import Job, JobKind
from inference.engine import Engine
from inference.models import MemoryOptions, SpeedOptions, derive_pipelines
from inference.tiny import byte_tokenizer, qwen_tokenizer, t5_tokenizer

PROMPT = "a purple mammoth riding a motorcycle through a neon city at night, photo"
SIZE, STEPS = 1024, 4
MODES = {
    "none": MemoryOptions(offload="none"),
    "offload": MemoryOptions(offload="model"),
    "fp8": MemoryOptions(offload="none", quantize="fp8"),
    "fp8+offload": MemoryOptions(offload="model", quantize="fp8"),
}


def flux1_vae() -> AutoencoderKL:
    return AutoencoderKL(
        in_channels=3,
        out_channels=3,
        latent_channels=16,
        layers_per_block=2,
        block_out_channels=(128, 256, 512, 512),
        down_block_types=("DownEncoderBlock2D",) * 4,
        up_block_types=("UpDecoderBlock2D",) * 4,
        use_quant_conv=False,
        use_post_quant_conv=False,
        scaling_factor=0.3611,
        shift_factor=0.1159,
    )


def build_flux_schnell() -> tuple[DiffusionPipeline, dict, float]:
    """FLUX.1 [schnell]'s architecture (12 B transformer, T5-XXL, CLIP-L); guidance 0."""
    transformer = FluxTransformer2DModel(
        patch_size=1,
        in_channels=64,
        num_layers=19,
        num_single_layers=38,
        attention_head_dim=128,
        num_attention_heads=24,
        joint_attention_dim=4096,
        pooled_projection_dim=768,
        guidance_embeds=False,
        axes_dims_rope=(16, 56, 56),
    )
    t5 = T5EncoderModel(
        T5Config(
            vocab_size=32128,
            d_model=4096,
            d_ff=10240,
            d_kv=64,
            num_heads=64,
            num_layers=24,
            feed_forward_proj="gated-gelu",
            decoder_start_token_id=0,
        )
    )
    clip = CLIPTextModel(
        CLIPTextConfig(
            hidden_size=768,
            intermediate_size=3072,
            num_attention_heads=12,
            num_hidden_layers=12,
            projection_dim=768,
            vocab_size=49408,
            bos_token_id=192,
            eos_token_id=193,
        )
    )
    pipe = FluxPipeline(
        scheduler=FlowMatchEulerDiscreteScheduler(shift=1.0),
        vae=flux1_vae(),
        text_encoder=clip,
        tokenizer=byte_tokenizer(),
        text_encoder_2=t5,
        tokenizer_2=t5_tokenizer(512),
        transformer=transformer,
    )
    return pipe, {"max_sequence_length": 256}, 0.0


def build_flux2_klein_4b() -> tuple[DiffusionPipeline, dict, float]:
    """FLUX.2 [klein] 4B's architecture (5 + 20 blocks, Qwen3-4B text encoder); guidance 1."""
    transformer = Flux2Transformer2DModel(
        patch_size=1,
        in_channels=128,
        num_layers=5,
        num_single_layers=20,
        attention_head_dim=128,
        num_attention_heads=24,
        joint_attention_dim=3 * 2560,  # Qwen3-4B hidden states of layers 9, 18 and 27
        timestep_guidance_channels=256,
        axes_dims_rope=(32, 32, 32, 32),
        guidance_embeds=False,
    )
    text_encoder = Qwen3ForCausalLM(
        Qwen3Config(
            hidden_size=2560,
            intermediate_size=9728,
            num_hidden_layers=36,
            num_attention_heads=32,
            num_key_value_heads=8,
            head_dim=128,
            vocab_size=151936,
            max_position_embeddings=40960,
            tie_word_embeddings=True,
        )
    )
    vae = AutoencoderKLFlux2(
        block_out_channels=(128, 256, 512, 512),
        down_block_types=("DownEncoderBlock2D",) * 4,
        up_block_types=("UpDecoderBlock2D",) * 4,
        layers_per_block=2,
        latent_channels=32,
        use_quant_conv=True,
        use_post_quant_conv=True,
    )
    pipe = Flux2KleinPipeline(
        scheduler=FlowMatchEulerDiscreteScheduler(shift=3.0, use_dynamic_shifting=True),
        vae=vae,
        text_encoder=text_encoder,
        tokenizer=qwen_tokenizer(512),
        transformer=transformer,
        is_distilled=True,
    )
    return pipe, {}, 1.0


BUILDERS: dict[str, Callable[[], tuple[DiffusionPipeline, dict, float]]] = {
    "flux2": build_flux2_klein_4b,
    "flux": build_flux_schnell,
}
NAMES = {"flux2": "black-forest-labs/FLUX.2-klein-4B", "flux": "black-forest-labs/FLUX.1-schnell"}


def build(family: str, device: str) -> tuple[DiffusionPipeline, dict, float]:
    """The architecture in bfloat16, made directly on ``device`` (fast random init)."""
    torch.manual_seed(0)
    previous = torch.get_default_dtype()
    torch.set_default_dtype(torch.bfloat16)
    try:
        with torch.device(device):
            pipe, extras, guidance = BUILDERS[family]()
    finally:
        torch.set_default_dtype(previous)
    for component in pipe.components.values():
        if isinstance(component, torch.nn.Module):
            component.eval()
    return pipe, extras, guidance


def parameters(pipe: DiffusionPipeline) -> dict[str, float]:
    return {
        name: sum(p.numel() for p in module.parameters()) / 1e9
        for name, module in pipe.components.items()
        if isinstance(module, torch.nn.Module)
    }


def seconds_per_image(make: Callable[[], int], images: int) -> float:
    """Calls ``make`` (returns images made) until ``images`` are made; best of three."""
    best = float("inf")
    for _ in range(3):
        torch.cuda.synchronize()
        started, made = time.perf_counter(), 0
        while made < images:
            made += make()
        torch.cuda.synchronize()
        best = min(best, (time.perf_counter() - started) / made)
    return best


def naive(family: str, images: int) -> float:
    pipe, extras, guidance = build(family, "cuda")
    pipe.set_progress_bar_config(disable=True)

    def one() -> int:
        pipe(
            PROMPT,
            width=SIZE,
            height=SIZE,
            num_inference_steps=STEPS,
            guidance_scale=guidance,
            **extras,
        )
        return 1

    for _ in range(2):
        one()
    return seconds_per_image(one, images)


def engine(family: str, mode: str, compile_: bool, images: int) -> tuple[float, float]:
    """Seconds per image and peak GiB of the worker's engine in one memory mode."""
    offloads = MODES[mode].offload != "none"
    pipe, extras, guidance = build(family, "cpu" if offloads else "cuda")
    speed = SpeedOptions(dtype="bfloat16", compile=compile_)
    pipelines = derive_pipelines(
        NAMES[family], pipe, torch.device("cuda"), speed, MODES[mode], extras
    )
    runner = Engine(pipelines)
    seeds = iter(range(10**6))

    def job() -> int:
        result = runner.run(
            Job(
                id=f"bench-{next(seeds)}",
                kind=JobKind.GENERATE,
                prompt=PROMPT,
                seed=next(seeds) * 8,
                n=4,
                width=SIZE,
                height=SIZE,
                steps=STEPS,
                guidance=guidance,
            )
        )
        return len(result.images)

    for _ in range(3 if compile_ else 1):
        job()
    torch.cuda.reset_peak_memory_stats()
    rate = seconds_per_image(job, images)
    return rate, torch.cuda.max_memory_allocated() / 2**30


def _free() -> None:
    gc.collect()
    torch.cuda.empty_cache()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--family", choices=["flux2", "flux", "both"], default="both")
    parser.add_argument("--modes", default="none", help="comma-separated: " + ",".join(MODES))
    parser.add_argument("--images", type=int, default=16)
    parser.add_argument("--compile", action="store_true")
    parser.add_argument("--dry-run", action="store_true", help="parameter counts only (meta)")
    args = parser.parse_args()
    families = ["flux2", "flux"] if args.family == "both" else [args.family]
    if args.dry_run:
        for family in families:
            pipe, _, _ = build(family, "meta")
            counts = ", ".join(f"{name} {count:.2f} B" for name, count in parameters(pipe).items())
            print(f"{NAMES[family]}: {counts}")
        return
    run(families, args.modes.split(","), args.images, args.compile)


def run(families: list[str], modes: list[str], images: int, compile_: bool) -> None:
    """Time each family naive and in each memory mode (also ``gpu_speed.py --family``)."""
    if not torch.cuda.is_available():
        sys.exit("gpu_families.py needs a CUDA GPU (--dry-run checks the architectures on CPU)")
    print(
        f"machine: {torch.cuda.get_device_name()}, torch {torch.__version__}, "
        f"Python {platform.python_version()}; {SIZE}², {STEPS} steps, bf16, "
        f"{images} images per timing, best of 3"
    )
    for family in families:
        base = naive(family, images)
        _free()  # the pipeline went with naive()'s frame
        print(f"{NAMES[family]} naive bf16, 1 image a call: {base:.3f} s/image", flush=True)
        for mode in modes:
            rate, peak = engine(family, mode, compile_, images)
            _free()
            print(
                f"{NAMES[family]} engine, {mode}{' + compile' if compile_ else ''}:"
                f" {rate:.3f} s/image, peak {peak:.1f} GiB, naive ÷ engine {base / rate:.2f}",
                flush=True,
            )


if __name__ == "__main__":
    main()
