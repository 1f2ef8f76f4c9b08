"""The offline ``tiny`` builds: each model family's real architecture with random weights.

For tests and smoke tests only. Model weights cannot be downloaded on CI machines, so
this builds the same component classes a real model of each family uses (UNet or
transformer, its VAE, its text encoders, their tokenizers, its scheduler) from small
configs, the way diffusers' own test-suite builds its dummy components, with tokenizers
made in code (no files). ``MODEL=tiny`` is the SD one; ``tiny:sdxl``, ``tiny:sd3``,
``tiny:flux``, ``tiny:flux2`` and ``tiny:zimage`` the others. Latent channel counts are the
real ones (4, 16, 32), so the real preview factors apply. Every code path after loading is
the real one. Their images are noise-like: never a default for users.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import torch
from diffusers import (
    AutoencoderKL,
    AutoencoderKLFlux2,
    AutoencoderTiny,
    DiffusionPipeline,
    EulerAncestralDiscreteScheduler,
    EulerDiscreteScheduler,
    FlowMatchEulerDiscreteScheduler,
    Flux2KleinPipeline,
    Flux2Transformer2DModel,
    FluxPipeline,
    FluxTransformer2DModel,
    SchedulerMixin,
    SD3Transformer2DModel,
    StableDiffusion3Pipeline,
    StableDiffusionPipeline,
    StableDiffusionXLPipeline,
    UNet2DConditionModel,
    ZImagePipeline,
    ZImageTransformer2DModel,
)
from tokenizers import Tokenizer, decoders, models, pre_tokenizers
from transformers import (
    CLIPTextConfig,
    CLIPTextModel,
    CLIPTextModelWithProjection,
    CLIPTokenizer,
    PreTrainedTokenizerFast,
    Qwen3Config,
    Qwen3ForCausalLM,
    Qwen3Model,
    T5Config,
    T5EncoderModel,
    T5TokenizerFast,
)
from transformers.convert_slow_tokenizer import bytes_to_unicode

TINY_MODEL_NAME = "tiny"
_WEIGHTS_SEED = 0
_ALPHABET = [chr(c) for c in range(33, 127)]
_TEXT_TOKENS = 64  # max_sequence_length for the T5 and Qwen tokenizers of the tiny builds
# Qwen's chat template, reduced to what the FLUX.2 and Z-Image pipelines render.
_CHAT_TEMPLATE = (
    "{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n"
    "{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)


@dataclass(frozen=True)
class TinyBuild:
    """A tiny text-to-image pipeline and the call arguments its small tokenizers need."""

    pipeline: DiffusionPipeline
    call_extras: dict[str, Any] = field(default_factory=dict)


def byte_tokenizer() -> CLIPTokenizer:
    """A byte-level CLIP tokenizer written from an in-memory vocabulary (no files)."""
    alphabet = [chr(c) for c in range(33, 127)]
    vocab: dict[str, int] = {}
    for token in [*alphabet, *(f"{ch}</w>" for ch in alphabet)]:
        vocab[token] = len(vocab)
    vocab["<|startoftext|>"] = len(vocab)
    vocab["<|endoftext|>"] = len(vocab)
    return CLIPTokenizer(vocab=vocab, merges=[], model_max_length=77)


def t5_tokenizer(max_length: int = _TEXT_TOKENS) -> T5TokenizerFast:
    """A character-level T5 (Unigram, Metaspace) tokenizer built in memory."""
    pieces = [("<pad>", 0.0), ("</s>", 0.0), ("<unk>", 0.0), ("\u2581", -2.0)]
    pieces += [(ch, -3.0) for ch in _ALPHABET] + [("\u2581" + ch, -2.5) for ch in _ALPHABET]
    tokenizer = Tokenizer(models.Unigram(pieces, unk_id=2))
    tokenizer.pre_tokenizer = pre_tokenizers.Metaspace()
    tokenizer.decoder = decoders.Metaspace()
    return T5TokenizerFast(
        tokenizer_object=tokenizer,
        pad_token="<pad>",
        eos_token="</s>",
        unk_token="<unk>",
        extra_ids=0,
        model_max_length=max_length,
    )


def qwen_tokenizer(max_length: int = _TEXT_TOKENS) -> PreTrainedTokenizerFast:
    """A byte-level BPE tokenizer with Qwen's special tokens and chat template, in memory."""
    vocab = {ch: index for index, ch in enumerate(bytes_to_unicode().values())}
    for special in ("<|endoftext|>", "<|im_start|>", "<|im_end|>"):
        vocab[special] = len(vocab)
    tokenizer = Tokenizer(models.BPE(vocab, []))
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    return PreTrainedTokenizerFast(
        tokenizer_object=tokenizer,
        pad_token="<|endoftext|>",
        eos_token="<|im_end|>",
        additional_special_tokens=["<|im_start|>", "<|im_end|>"],
        model_max_length=max_length,
        chat_template=_CHAT_TEMPLATE,
    )


def _clip(projection: int | None = None) -> CLIPTextModel:
    config = CLIPTextConfig(
        bos_token_id=192,  # the byte tokenizer's <|startoftext|> and <|endoftext|>
        eos_token_id=193,
        hidden_size=32,
        intermediate_size=37,
        num_attention_heads=4,
        num_hidden_layers=2,
        pad_token_id=1,
        vocab_size=200,
        projection_dim=projection or 32,
    )
    return CLIPTextModelWithProjection(config) if projection else CLIPTextModel(config)


def _t5() -> T5EncoderModel:
    config = T5Config(
        vocab_size=len(t5_tokenizer()),
        d_model=32,
        d_ff=37,
        d_kv=8,
        num_layers=1,
        num_heads=4,
        decoder_start_token_id=0,
    )
    return T5EncoderModel(config)


def _qwen_config() -> Qwen3Config:
    return Qwen3Config(
        hidden_size=16,
        intermediate_size=16,
        num_hidden_layers=2,
        num_attention_heads=2,
        num_key_value_heads=2,
        head_dim=8,
        vocab_size=len(qwen_tokenizer()),
        max_position_embeddings=128,
    )


def _vae(latent_channels: int, **config: Any) -> AutoencoderKL:
    """A two-level VAE (downscales by 2) with the family's latent channels."""
    return AutoencoderKL(
        block_out_channels=(16, 32),
        in_channels=3,
        out_channels=3,
        down_block_types=("DownEncoderBlock2D", "DownEncoderBlock2D"),
        up_block_types=("UpDecoderBlock2D", "UpDecoderBlock2D"),
        latent_channels=latent_channels,
        norm_num_groups=8,
        layers_per_block=1,
        **config,
    )


def build_tiny(model: str) -> TinyBuild:
    """The tiny build MODEL names ('tiny' or 'tiny:<family>'); the same weights every time."""
    family = "sd" if model == TINY_MODEL_NAME else model.removeprefix(f"{TINY_MODEL_NAME}:")
    builder = _BUILDERS.get(family)
    if builder is None:
        raise ValueError(f"no tiny build {model!r}; use {', '.join(tiny_names())}")
    torch.manual_seed(_WEIGHTS_SEED)
    build = builder()
    for component in build.pipeline.components.values():
        if isinstance(component, torch.nn.Module):
            component.eval()  # built modules start in training mode; loaded ones don't
    return build


def tiny_names() -> list[str]:
    return [TINY_MODEL_NAME] + [f"{TINY_MODEL_NAME}:{name}" for name in _BUILDERS if name != "sd"]


def _build_sd() -> TinyBuild:
    return TinyBuild(build_tiny_pipeline())


def _build_sdxl() -> TinyBuild:
    unet = UNet2DConditionModel(
        block_out_channels=(32, 64),
        layers_per_block=1,
        sample_size=32,
        in_channels=4,
        out_channels=4,
        down_block_types=("DownBlock2D", "CrossAttnDownBlock2D"),
        up_block_types=("CrossAttnUpBlock2D", "UpBlock2D"),
        attention_head_dim=(2, 4),
        use_linear_projection=True,
        addition_embed_type="text_time",
        addition_time_embed_dim=8,
        transformer_layers_per_block=(1, 1),
        projection_class_embeddings_input_dim=80,  # 6 × 8 time ids + the 32 pooled text
        cross_attention_dim=64,  # the two text encoders' 32 + 32
        norm_num_groups=32,
    )
    scheduler = EulerDiscreteScheduler(
        beta_start=0.00085,
        beta_end=0.012,
        beta_schedule="scaled_linear",
        steps_offset=1,
        timestep_spacing="trailing",
    )
    pipe = StableDiffusionXLPipeline(
        vae=_vae(4, scaling_factor=0.13025),
        text_encoder=_clip(),
        text_encoder_2=_clip(projection=32),
        tokenizer=byte_tokenizer(),
        tokenizer_2=byte_tokenizer(),
        unet=unet,
        scheduler=scheduler,
        add_watermarker=False,
    )
    return TinyBuild(pipe)


def _build_sd3() -> TinyBuild:
    transformer = SD3Transformer2DModel(
        sample_size=32,
        patch_size=2,
        in_channels=16,
        out_channels=16,
        num_layers=1,
        attention_head_dim=8,
        num_attention_heads=4,
        caption_projection_dim=32,
        joint_attention_dim=32,
        pooled_projection_dim=64,
    )
    pipe = StableDiffusion3Pipeline(
        transformer=transformer,
        scheduler=FlowMatchEulerDiscreteScheduler(shift=3.0),
        vae=_vae(
            16,
            scaling_factor=1.5305,
            shift_factor=0.0609,
            use_quant_conv=False,
            use_post_quant_conv=False,
        ),
        text_encoder=_clip(projection=32),
        tokenizer=byte_tokenizer(),
        text_encoder_2=_clip(projection=32),
        tokenizer_2=byte_tokenizer(),
        text_encoder_3=_t5(),
        tokenizer_3=t5_tokenizer(),
    )
    return TinyBuild(pipe, {"max_sequence_length": _TEXT_TOKENS})


def _build_flux() -> TinyBuild:
    transformer = FluxTransformer2DModel(
        patch_size=1,
        in_channels=64,  # 16 latent channels × the 2×2 packing
        num_layers=1,
        num_single_layers=1,
        attention_head_dim=16,
        num_attention_heads=2,
        joint_attention_dim=32,
        pooled_projection_dim=32,
        axes_dims_rope=[4, 6, 6],  # sums to attention_head_dim
    )
    pipe = FluxPipeline(
        scheduler=FlowMatchEulerDiscreteScheduler(),
        vae=_vae(
            16,
            scaling_factor=0.3611,
            shift_factor=0.1159,
            use_quant_conv=False,
            use_post_quant_conv=False,
        ),
        text_encoder=_clip(),
        tokenizer=byte_tokenizer(),
        text_encoder_2=_t5(),
        tokenizer_2=t5_tokenizer(),
        transformer=transformer,
    )
    return TinyBuild(pipe, {"max_sequence_length": _TEXT_TOKENS})


def _build_flux2() -> TinyBuild:
    transformer = Flux2Transformer2DModel(
        patch_size=1,
        in_channels=128,  # 32 latent channels × the 2×2 patches
        num_layers=1,
        num_single_layers=1,
        attention_head_dim=16,
        num_attention_heads=2,
        joint_attention_dim=32,  # 2 text-encoder layers × hidden 16
        timestep_guidance_channels=32,
        axes_dims_rope=[4, 4, 4, 4],
        guidance_embeds=False,
    )
    vae = AutoencoderKLFlux2(
        block_out_channels=(16, 32),
        down_block_types=("DownEncoderBlock2D", "DownEncoderBlock2D"),
        up_block_types=("UpDecoderBlock2D", "UpDecoderBlock2D"),
        layers_per_block=1,
        latent_channels=32,
        norm_num_groups=8,
        use_quant_conv=False,
        use_post_quant_conv=False,
    )
    pipe = Flux2KleinPipeline(
        scheduler=FlowMatchEulerDiscreteScheduler(),
        vae=vae,
        text_encoder=Qwen3ForCausalLM(_qwen_config()),
        tokenizer=qwen_tokenizer(),
        transformer=transformer,
        is_distilled=True,
    )
    extras = {"max_sequence_length": _TEXT_TOKENS, "text_encoder_out_layers": (1, 2)}
    return TinyBuild(pipe, extras)


def _build_zimage() -> TinyBuild:
    transformer = ZImageTransformer2DModel(
        all_patch_size=(2,),
        all_f_patch_size=(1,),
        in_channels=16,
        dim=32,
        n_layers=1,
        n_refiner_layers=1,
        n_heads=2,
        n_kv_heads=2,
        qk_norm=True,
        cap_feat_dim=16,
        axes_dims=[8, 4, 4],
        axes_lens=[256, 32, 32],
    )
    with torch.no_grad():  # made with torch.empty: NaN-prone until set (as diffusers' tests do)
        transformer.x_pad_token.fill_(1.0)
        transformer.cap_pad_token.fill_(1.0)
    pipe = ZImagePipeline(
        scheduler=FlowMatchEulerDiscreteScheduler(shift=3.0),
        vae=_vae(16, scaling_factor=0.3611, shift_factor=0.1159),
        text_encoder=Qwen3Model(_qwen_config()),
        tokenizer=qwen_tokenizer(),
        transformer=transformer,
    )
    return TinyBuild(pipe, {"max_sequence_length": _TEXT_TOKENS})


_BUILDERS: dict[str, Callable[[], TinyBuild]] = {
    "sd": _build_sd,
    "sdxl": _build_sdxl,
    "sd3": _build_sd3,
    "flux": _build_flux,
    "flux2": _build_flux2,
    "zimage": _build_zimage,
}


def build_tiny_pipeline() -> StableDiffusionPipeline:
    """Build the tiny text-to-image pipeline; the same weights every time (fixed seed)."""
    torch.manual_seed(_WEIGHTS_SEED)
    unet = UNet2DConditionModel(
        block_out_channels=(32, 64),
        layers_per_block=1,
        sample_size=32,
        in_channels=4,
        out_channels=4,
        down_block_types=("DownBlock2D", "CrossAttnDownBlock2D"),
        up_block_types=("CrossAttnUpBlock2D", "UpBlock2D"),
        cross_attention_dim=32,
        norm_num_groups=32,
    )
    vae = AutoencoderKL(
        block_out_channels=(32, 64),
        in_channels=3,
        out_channels=3,
        down_block_types=("DownEncoderBlock2D", "DownEncoderBlock2D"),
        up_block_types=("UpDecoderBlock2D", "UpDecoderBlock2D"),
        latent_channels=4,
        norm_num_groups=32,
    )
    text_encoder = CLIPTextModel(
        CLIPTextConfig(
            bos_token_id=0,
            eos_token_id=2,
            hidden_size=32,
            intermediate_size=37,
            layer_norm_eps=1e-05,
            num_attention_heads=4,
            num_hidden_layers=2,
            pad_token_id=1,
            vocab_size=1000,
        )
    )
    scheduler = EulerAncestralDiscreteScheduler(
        beta_start=0.00085, beta_end=0.012, beta_schedule="scaled_linear", steps_offset=1
    )
    return assemble(unet, vae, text_encoder, scheduler)


def build_tiny_preview_decoder() -> AutoencoderTiny:
    """A tiny autoencoder (TAESD's class) for the tiny model's latents: 4 channels, 2× up,
    like the tiny VAE above."""
    torch.manual_seed(_WEIGHTS_SEED)
    return AutoencoderTiny(
        encoder_block_out_channels=(16, 16),
        decoder_block_out_channels=(16, 16),
        num_encoder_blocks=(1, 1),
        num_decoder_blocks=(1, 1),
        latent_channels=4,
    ).eval()


def assemble(
    unet: UNet2DConditionModel,
    vae: AutoencoderKL,
    text_encoder: CLIPTextModel,
    scheduler: SchedulerMixin,
) -> StableDiffusionPipeline:
    """A text-to-image pipeline of freshly built modules, with the byte-level tokenizer."""
    for module in (unet, vae, text_encoder):
        module.eval()  # built modules start in training mode; from_pretrained ones don't
    return StableDiffusionPipeline(
        unet=unet,
        vae=vae,
        text_encoder=text_encoder,
        tokenizer=byte_tokenizer(),
        scheduler=scheduler,
        safety_checker=None,
        feature_extractor=None,
        requires_safety_checker=False,
    )
