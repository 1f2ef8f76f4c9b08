"""Memory modes on the CPU: fp8 weight storage and VAE tiling change where and how the
weights sit, not what a job gets (shape, count); offloading needs a CUDA device."""

from __future__ import annotations

import io

import pytest
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


def test_compile_with_fp8_weights_traces_the_denoiser_without_a_full_graph():
    """COMPILE=true QUANTIZE=fp8: layerwise casting's hooks break the graph, which
    ``fullgraph=True`` turns into an error on the first call; the worker compiles in
    pieces then. (The eager backend traces exactly as inductor does, without a C compiler.)"""
    from inference.models import fullgraph_allowed

    torch.set_num_threads(2)
    pipelines = load_pipelines("tiny:flux2", "cpu", memory=MemoryOptions(quantize="fp8"))
    text2img, denoiser = pipelines.text2img, pipelines.denoiser

    def one_step(fullgraph: bool) -> None:
        torch._dynamo.reset()
        text2img.transformer = torch.compile(denoiser, fullgraph=fullgraph, backend="eager")
        text2img(
            prompt="a fox", width=32, height=32, num_inference_steps=1, **pipelines.call_extras
        )

    try:
        with pytest.raises(Exception, match="Dynamo"):  # the control: what COMPILE did
            one_step(fullgraph=True)
        one_step(fullgraph=fullgraph_allowed("fp8", "none"))
    finally:
        text2img.transformer = denoiser
        torch._dynamo.reset()
    assert fullgraph_allowed("none", "none")  # without hooks, one graph as before
    assert not fullgraph_allowed("none", "model")


def test_bfloat16_is_chosen_only_where_the_gpu_computes_it_natively(monkeypatch):
    """A Turing or Volta card answers ``is_bf16_supported()`` True by emulation (several
    times slower than float16); only native support picks bfloat16 for FLUX & co."""
    from inference.families import SPECS
    from inference.models import pick_dtype

    def bf16(including_emulation: bool = True) -> bool:
        return including_emulation  # a GPU that only emulates bfloat16

    monkeypatch.setattr(torch.cuda, "is_bf16_supported", bf16)
    cuda = torch.device("cuda")
    assert pick_dtype("auto", cuda, SPECS["flux2"]) == torch.float16
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda including_emulation=True: True)
    assert pick_dtype("auto", cuda, SPECS["flux2"]) == torch.bfloat16  # an Ampere or later
    assert pick_dtype("auto", cuda, SPECS["sd"]) == torch.float16  # UNets stay in float16


def test_model_offload_is_set_on_every_pipeline_of_the_set():
    """Each pipeline frees what it holds at the end of its call only when offload was
    enabled on it: derived ones (variations, edits, upscales) need it too. Accelerate's
    hooks run on the CPU as well (device 'cpu'), so the real calls run here."""
    from inference.models import offload_by_model

    torch.set_num_threads(2)
    pipelines = load_pipelines("tiny:flux", "cpu")
    pipes = [pipelines.text2img, pipelines.img2img, pipelines.inpaint]
    offload_by_model(pipes, torch.device("cpu"))
    assert all(getattr(pipe, "_all_hooks", None) for pipe in pipes)
    source = Image.new("RGB", (32, 32), "#3a6ea5")
    done = pipelines.img2img(
        prompt="a fox", image=source, strength=0.6, num_inference_steps=2, width=32, height=32,
        **pipelines.call_extras,
    )  # fmt: skip
    assert done.images[0].size == (32, 32)


def test_flux1_schnell_runs_with_its_authors_256_text_tokens():
    """FLUX.1 [schnell] was distilled with 256 T5 tokens (512 is [dev]'s); the preset's
    call arguments reach every pipeline call of a loaded schnell."""
    from inference.models import derive_pipelines
    from inference.tiny import build_tiny

    schnell = "black-forest-labs/FLUX.1-schnell"
    pipelines = derive_pipelines(schnell, build_tiny("tiny:flux").pipeline, torch.device("cpu"))
    assert pipelines.call_extras["max_sequence_length"] == 256
    control = derive_pipelines(
        "some/flux-model", build_tiny("tiny:flux").pipeline, torch.device("cpu")
    )
    assert "max_sequence_length" not in control.call_extras
