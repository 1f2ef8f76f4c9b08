"""Memory modes on the CPU: fp8 weight storage and VAE tiling change where and how the
weights sit, not what a job gets (shape, count); offloading needs a CUDA device."""

from __future__ import annotations

import io

import torch
from PIL import Image

from data.jobs import Job, JobKind
from inference.engine import Engine
from inference.models import MemoryOptions, load_pipelines


def test_fp8_weights_and_vae_tiling_still_make_the_images():
    torch.set_num_threads(2)
    memory = MemoryOptions(offload="model", quantize="fp8", vae_tiling=True)
    pipelines = load_pipelines("tiny:flux2", "cpu", memory=memory)
    # The linear and conv weights are stored in float8 (computed in float32); norms and
    # embeddings stay as they were, as diffusers' layerwise casting intends.
    sizes: dict[torch.dtype, int] = {}
    for parameter in pipelines.denoiser.parameters():
        sizes[parameter.dtype] = sizes.get(parameter.dtype, 0) + parameter.numel()
    assert sizes[torch.float8_e4m3fn] > 0.8 * sum(sizes.values())
    assert pipelines.text2img.vae.use_tiling
    job = Job(
        id="fp8", kind=JobKind.GENERATE, prompt="a fox", seed=1, n=2, width=64, height=48,
        steps=2, guidance=1.0,
    )  # fmt: skip
    result = Engine(pipelines).run(job)
    assert [Image.open(io.BytesIO(i.png)).size for i in result.images] == [(64, 48)] * 2
    # On the CPU "model" offload has no GPU to offload from: the modules simply stay put.
    assert pipelines.denoiser.device.type == "cpu"


def test_a_few_step_lora_is_fused_into_the_base_with_its_scheduler(tmp_path):
    """The SDXL-Lightning preset's load path, offline: a LoRA file (here a small one made
    for the tiny SDXL build, in diffusers' format) is loaded through peft, fused into the
    UNet's weights, its adapter dropped, and the authors' trailing timesteps set."""
    from dataclasses import replace

    import torch
    from diffusers import StableDiffusionXLPipeline
    from peft import LoraConfig
    from peft.utils import get_peft_model_state_dict

    from data.families import PRESETS
    from inference.models import _fuse_lora
    from inference.tiny import build_tiny

    donor = build_tiny("tiny:sdxl").pipeline.unet
    donor.add_adapter(
        LoraConfig(r=4, lora_alpha=4, target_modules=["to_q", "to_v"], init_lora_weights=False)
    )
    StableDiffusionXLPipeline.save_lora_weights(
        tmp_path, unet_lora_layers=get_peft_model_state_dict(donor), weight_name="fast.safetensors"
    )
    pipe = build_tiny("tiny:sdxl").pipeline
    before = {name: tensor.clone() for name, tensor in pipe.unet.state_dict().items()}
    lightning = replace(
        PRESETS["ByteDance/SDXL-Lightning"], lora=(str(tmp_path), "fast.safetensors")
    )

    _fuse_lora(pipe, lightning, offline=True)

    after = pipe.unet.state_dict()
    assert set(after) == set(before)  # fused and unloaded: no adapter weights stay behind
    changed = {name for name in before if not torch.equal(before[name], after[name])}
    assert changed and all(name.endswith(("to_q.weight", "to_v.weight")) for name in changed)
    assert pipe.scheduler.config.timestep_spacing == "trailing"
