"""The offline ``tiny`` preset: a Stable-Diffusion-shaped pipeline with random weights.

For tests and smoke tests only. Model weights cannot be downloaded on CI machines, so
this builds the same component classes a real model uses (UNet2DConditionModel,
AutoencoderKL, CLIPTextModel, CLIPTokenizer, a scheduler) from small configs, the way
diffusers' own test-suite builds its dummy components. Every code path after loading
is the real one. Its images are noise-like: it is never a default for users.
"""

from __future__ import annotations

import torch
from diffusers import (
    AutoencoderKL,
    AutoencoderTiny,
    EulerAncestralDiscreteScheduler,
    SchedulerMixin,
    StableDiffusionPipeline,
    UNet2DConditionModel,
)
from transformers import CLIPTextConfig, CLIPTextModel, CLIPTokenizer

TINY_MODEL_NAME = "tiny"
_WEIGHTS_SEED = 0


def byte_tokenizer() -> CLIPTokenizer:
    """A byte-level CLIP tokenizer written from an in-memory vocabulary (no files)."""
    alphabet = [chr(c) for c in range(33, 127)]
    vocab: dict[str, int] = {}
    for token in [*alphabet, *(f"{ch}</w>" for ch in alphabet)]:
        vocab[token] = len(vocab)
    vocab["<|startoftext|>"] = len(vocab)
    vocab["<|endoftext|>"] = len(vocab)
    return CLIPTokenizer(vocab=vocab, merges=[], model_max_length=77)


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
