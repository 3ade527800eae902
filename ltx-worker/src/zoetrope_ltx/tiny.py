"""Tiny, randomly initialised LTX-2 pipeline components, built entirely in code, for tests: they
run the real diffusers pipelines in seconds on a CPU (their output is noise, not video).
`python -m zoetrope_ltx.tiny DIR` writes them as a diffusers checkpoint that the worker loads
with `--model-dir DIR`, exactly as it loads real weights.

No network access is needed (HF_HUB_OFFLINE=1 holds): the Gemma-3 text encoder and
its tokenizer are built from in-code configs / vocabularies instead of being loaded
from the Hub.

    c = tiny_components()
    upsampler = c.pop("latent_upsampler")
    i2v  = LTX2ImageToVideoPipeline(**c)
    cond = LTX2ConditionPipeline(**c)
    up   = LTX2LatentUpsamplePipeline(vae=c["vae"], latent_upsampler=upsampler)
"""

from __future__ import annotations

import string

import torch
from transformers import (
    Gemma3Config,
    Gemma3ForConditionalGeneration,
    Gemma3TextConfig,
    GemmaTokenizerFast,
    SiglipVisionConfig,
)

from diffusers import (
    AutoencoderKLLTX2Audio,
    AutoencoderKLLTX2Video,
    FlowMatchEulerDiscreteScheduler,
    LTX2VideoTransformer3DModel,
)
from diffusers.pipelines.ltx2.connectors import LTX2TextConnectors
from diffusers.pipelines.ltx2.latent_upsampler import LTX2LatentUpsamplerModel
from diffusers.pipelines.ltx2.vocoder import LTX2Vocoder

# ----------------------------------------------------------------------------------------------
# Sizes. The Gemma hidden size must equal the connectors' heads * head_dim (LTX-2.0 connector
# path: text_proj_in maps to `caption_channels`, and the connector's inner dim is heads*head_dim).
# ----------------------------------------------------------------------------------------------
GEMMA_HIDDEN = 32
GEMMA_LAYERS = 2
CONNECTOR_HEADS = 4
CONNECTOR_HEAD_DIM = 8
assert CONNECTOR_HEADS * CONNECTOR_HEAD_DIM == GEMMA_HIDDEN

VIDEO_LATENT_CHANNELS = 4
AUDIO_LATENT_CHANNELS = 2
AUDIO_MEL_BINS = 8
AUDIO_SAMPLE_RATE = 16000
AUDIO_HOP_LENGTH = 160
VOCODER_SAMPLE_RATE = 24000

SPECIAL_TOKENS = ["<pad>", "<eos>", "<bos>", "<unk>", "<mask>"]  # ids 0..4 (Gemma layout)
IMAGE_TOKENS = ["<start_of_image>", "<end_of_image>", "<image_soft_token>"]


def tiny_tokenizer(model_max_length: int = 1024) -> GemmaTokenizerFast:
    """Character-level Gemma tokenizer (BPE without merges, byte fallback) built in code.

    pad=0, eos=1, bos=2, unk=3 like the real Gemma vocab. The LTX-2 pipelines set
    `padding_side="left"` themselves before tokenizing; we also default to left.
    """
    chars = ["\u2581"] + list(string.ascii_lowercase + string.ascii_uppercase + string.digits + string.punctuation)
    byte_tokens = [f"<0x{i:02X}>" for i in range(256)]  # byte fallback for anything else
    vocab = {}
    for tok in SPECIAL_TOKENS + IMAGE_TOKENS + chars + byte_tokens:
        vocab.setdefault(tok, len(vocab))
    # NOTE: add_bos_token must be passed explicitly: built from a vocab, the tokenizers backend
    # defaults to add_bos_token=False (the real Gemma tokenizer.json prepends <bos>).
    tok = GemmaTokenizerFast(vocab=vocab, merges=[], add_bos_token=True, model_max_length=model_max_length)
    tok.padding_side = "left"
    return tok


def tiny_text_encoder(vocab_size: int, tokenizer: GemmaTokenizerFast) -> Gemma3ForConditionalGeneration:
    text_config = Gemma3TextConfig(
        vocab_size=vocab_size,
        hidden_size=GEMMA_HIDDEN,
        intermediate_size=64,
        num_hidden_layers=GEMMA_LAYERS,
        num_attention_heads=2,
        num_key_value_heads=1,
        head_dim=16,
        query_pre_attn_scalar=16,
        max_position_embeddings=2048,
        sliding_window=64,
        pad_token_id=tokenizer.pad_token_id,
        eos_token_id=tokenizer.eos_token_id,
        bos_token_id=tokenizer.bos_token_id,
    )
    vision_config = SiglipVisionConfig(
        hidden_size=16,
        intermediate_size=32,
        num_hidden_layers=1,
        num_attention_heads=2,
        image_size=8,
        patch_size=4,
    )
    config = Gemma3Config(
        text_config=text_config,
        vision_config=vision_config,
        mm_tokens_per_image=4,
        boi_token_index=tokenizer.convert_tokens_to_ids("<start_of_image>"),
        eoi_token_index=tokenizer.convert_tokens_to_ids("<end_of_image>"),
        image_token_index=tokenizer.convert_tokens_to_ids("<image_soft_token>"),
    )
    model = Gemma3ForConditionalGeneration(config)
    return model.eval()


def tiny_components(seed: int = 0) -> dict:
    """All components for LTX2ImageToVideoPipeline / LTX2ConditionPipeline, plus "latent_upsampler".

    Pop "latent_upsampler" before splatting into the generation pipelines.
    """
    torch.manual_seed(seed)
    tokenizer = tiny_tokenizer()
    text_encoder = tiny_text_encoder(len(tokenizer), tokenizer)

    torch.manual_seed(seed)
    connectors = LTX2TextConnectors(
        caption_channels=GEMMA_HIDDEN,
        text_proj_in_factor=GEMMA_LAYERS + 1,  # hidden states of every layer + embeddings
        video_connector_num_attention_heads=CONNECTOR_HEADS,
        video_connector_attention_head_dim=CONNECTOR_HEAD_DIM,
        video_connector_num_layers=1,
        video_connector_num_learnable_registers=None,
        audio_connector_num_attention_heads=CONNECTOR_HEADS,
        audio_connector_attention_head_dim=CONNECTOR_HEAD_DIM,
        audio_connector_num_layers=1,
        audio_connector_num_learnable_registers=None,
        connector_rope_base_seq_len=32,
        rope_theta=10000.0,
        rope_double_precision=False,
        causal_temporal_positioning=False,
        rope_type="split",
    )

    torch.manual_seed(seed)
    # 3 spatio-temporal down/up blocks, patch_size 1 -> spatial AND temporal compression 8, so the
    # frame arithmetic matches production (latent_frames = (num_frames - 1) // 8 + 1, i.e. 8k+1 frames
    # round-trip exactly). (diffusers' own tests use a 1-block VAE with ratios 2/2.)
    vae = AutoencoderKLLTX2Video(
        in_channels=3,
        out_channels=3,
        latent_channels=VIDEO_LATENT_CHANNELS,
        block_out_channels=(8, 8, 8),
        down_block_types=("LTX2VideoDownBlock3D",) * 3,
        decoder_block_out_channels=(8, 8, 8),
        layers_per_block=(1, 1, 1, 1),
        decoder_layers_per_block=(1, 1, 1, 1),
        spatio_temporal_scaling=(True, True, True),
        decoder_spatio_temporal_scaling=(True, True, True),
        decoder_inject_noise=(False, False, False, False),
        downsample_type=("spatiotemporal",) * 3,
        upsample_type=("spatiotemporal",) * 3,
        upsample_residual=(False, False, False),
        upsample_factor=(1, 1, 1),
        timestep_conditioning=False,
        patch_size=1,
        patch_size_t=1,
        encoder_causal=True,
        decoder_causal=False,
    )
    vae.use_framewise_encoding = False
    vae.use_framewise_decoding = False

    torch.manual_seed(seed)
    audio_vae = AutoencoderKLLTX2Audio(
        base_channels=4,
        output_channels=2,
        ch_mult=(1,),
        num_res_blocks=1,
        attn_resolutions=None,
        in_channels=2,
        resolution=32,
        latent_channels=AUDIO_LATENT_CHANNELS,
        norm_type="pixel",
        causality_axis="height",
        dropout=0.0,
        mid_block_add_attention=False,
        sample_rate=AUDIO_SAMPLE_RATE,
        mel_hop_length=AUDIO_HOP_LENGTH,
        is_causal=True,
        mel_bins=AUDIO_MEL_BINS,
    )

    audio_token_dim = AUDIO_LATENT_CHANNELS * (AUDIO_MEL_BINS // audio_vae.mel_compression_ratio)

    torch.manual_seed(seed)
    transformer = LTX2VideoTransformer3DModel(
        in_channels=VIDEO_LATENT_CHANNELS,
        out_channels=VIDEO_LATENT_CHANNELS,
        patch_size=1,
        patch_size_t=1,
        num_attention_heads=2,
        attention_head_dim=8,
        cross_attention_dim=16,
        # audio tokens are [B, L, C * latent_mel_bins] (pipelines pack all mel bins into one token)
        audio_in_channels=audio_token_dim,
        audio_out_channels=audio_token_dim,
        audio_num_attention_heads=2,
        audio_attention_head_dim=4,
        audio_cross_attention_dim=8,
        num_layers=2,
        qk_norm="rms_norm_across_heads",
        caption_channels=GEMMA_HIDDEN,
        rope_double_precision=False,
        rope_type="split",
        vae_scale_factors=(vae.temporal_compression_ratio, vae.spatial_compression_ratio, vae.spatial_compression_ratio),
        audio_sampling_rate=AUDIO_SAMPLE_RATE,
        audio_hop_length=AUDIO_HOP_LENGTH,
        audio_scale_factor=audio_vae.temporal_compression_ratio,
    )

    torch.manual_seed(seed)
    # Total upsampling 6*5*8 = 240 samples per mel frame at 24 kHz == mel hop 160 at 16 kHz, like the
    # production vocoder (16 kHz mel in, 24 kHz waveform out), so audio duration matches video duration.
    # kernel - stride is even for every layer, so each ConvTranspose1d upsamples exactly.
    vocoder = LTX2Vocoder(
        in_channels=audio_vae.config.output_channels * audio_vae.config.mel_bins,
        hidden_channels=32,
        out_channels=2,
        upsample_kernel_sizes=[12, 15, 16],
        upsample_factors=[6, 5, 8],
        resnet_kernel_sizes=[3],
        resnet_dilations=[[1, 3, 5]],
        leaky_relu_negative_slope=0.1,
        output_sampling_rate=VOCODER_SAMPLE_RATE,
    )

    torch.manual_seed(seed)
    latent_upsampler = LTX2LatentUpsamplerModel(
        in_channels=vae.config.latent_channels,
        mid_channels=32,
        num_blocks_per_stage=1,
    )

    scheduler = FlowMatchEulerDiscreteScheduler()

    return {
        "scheduler": scheduler,
        "vae": vae,
        "audio_vae": audio_vae,
        "text_encoder": text_encoder,
        "tokenizer": tokenizer,
        "connectors": connectors,
        "transformer": transformer,
        "vocoder": vocoder,
        "latent_upsampler": latent_upsampler,
    }


def save(directory: str, seed: int = 0, variant: str = "distilled") -> None:
    """Writes the tiny components as a diffusers-format LTX-2 checkpoint, with the latent
    upsampler in `latent_upsampler/` (the layout the worker expects of real weights). The
    transformer's config records the name `tiny-ltx-2-VARIANT` ("distilled" or "dev"), as a converted
    Lightricks checkpoint records the file it came from."""
    import json

    from diffusers import LTX2ImageToVideoPipeline

    components = tiny_components(seed)
    upsampler = components.pop("latent_upsampler")
    LTX2ImageToVideoPipeline(**components).save_pretrained(directory)
    upsampler.save_pretrained(f"{directory}/latent_upsampler")
    config_path = f"{directory}/transformer/config.json"
    with open(config_path, encoding="utf-8") as handle:
        config = json.load(handle)
    config["_name_or_path"] = f"tiny-ltx-2-{variant}"
    with open(config_path, "w", encoding="utf-8") as handle:
        json.dump(config, handle, indent=2, sort_keys=True)


if __name__ == "__main__":
    import sys

    if len(sys.argv) not in (2, 3) or sys.argv[2:] not in ([], ["distilled"], ["dev"]):
        sys.exit("usage: python -m zoetrope_ltx.tiny DIRECTORY [distilled|dev]")
    save(sys.argv[1], variant=(sys.argv[2:] or ["distilled"])[0])
    print(f"tiny LTX-2 checkpoint written to {sys.argv[1]}")
