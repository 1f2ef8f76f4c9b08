"""What a progress preview costs: the tiny autoencoder (TAESD) next to the model's own VAE,
measured in one run on one machine.

    .venv/bin/python bench/preview_decode.py [--device auto] [--size 512] [--runs 5]

Both decoders have their real architecture (SD 2.x's AutoencoderKL, as in sd-turbo, and
diffusers' AutoencoderTiny defaults, which are TAESD's) with random weights: the hub may
not be reachable, and speed does not depend on the weights' values. Each decodes the
latents of one ``--size``² image. The TAESD row is the worker's whole preview
(``Previewer.sheets``: decode, then a 384-pixel JPEG). Prints the medians and, last,
``preview ÷ full decode: X.XXX``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import torch
from diffusers import AutoencoderTiny

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from gpu_speed import sd2_vae  # bench/ is the script's folder, so it is on sys.path

from inference.models import pick_device, pick_dtype
from inference.previews import Previewer


def median_seconds(run: Callable[[], object], device: torch.device, runs: int) -> float:
    run()  # warm-up: kernels, allocator
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        run()
        if device.type == "cuda":
            torch.cuda.synchronize()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda", "mps"])
    parser.add_argument("--size", type=int, default=512)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    device = pick_device(args.device)
    dtype = pick_dtype("auto", device)
    torch.manual_seed(0)
    vae = sd2_vae().to(device, dtype).eval()
    previewer = Previewer(AutoencoderTiny().to(device, dtype).eval(), every_seconds=0)
    latents = torch.randn(1, 4, args.size // 8, args.size // 8, device=device, dtype=dtype)

    @torch.inference_mode()
    def full_decode() -> torch.Tensor:
        return vae.decode(latents / vae.config.scaling_factor).sample

    full = median_seconds(full_decode, device, args.runs)
    preview = median_seconds(lambda: previewer.sheets(latents, [[0]]), device, args.runs)
    print(f"device {device}, {dtype}, {args.size}² image, {args.runs} runs (medians)")
    print(f"full VAE decode (SD 2.x AutoencoderKL): {full * 1000:9.1f} ms")
    print(f"preview (TAESD decode + JPEG):          {preview * 1000:9.1f} ms")
    print(f"preview ÷ full decode: {preview / full:.3f}")


if __name__ == "__main__":
    main()
