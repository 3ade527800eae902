"""LTX-2 through diffusers: `LTX2ImageToVideoPipeline` for shots that start from an image, the
condition pipeline (start at latent index 0, end keyframe on the last delivered frame) for a shot that
must also end on the end image, and the two-stage recipes with the latent upsampler. The pipelines
are loaded once and kept warm across jobs.

Per shot: the prompt is encoded once and both stages reuse the embeddings; stage 2 conditions frame 0
on the start image encoded at the full size (as Lightricks' two-stage pipelines do), not on the
upsampler's 2× guess; conditioning images are encoded in one piece and only the decode is tiled;
every stage runs on explicit sigmas."""

from __future__ import annotations

import contextlib
import inspect
import logging
import random
import time
from typing import Callable

import numpy as np
import PIL.Image
import torch
from diffusers import (
    FlowMatchEulerDiscreteScheduler,
    LTX2ConditionPipeline,
    LTX2ImageToVideoPipeline,
    LTX2LatentUpsamplePipeline,
)
from diffusers.pipelines.ltx2.latent_upsampler import LTX2LatentUpsamplerModel
from diffusers.pipelines.ltx2.pipeline_ltx2_condition import LTX2VideoCondition
from diffusers.pipelines.ltx2.pipeline_ltx2_image2video import retrieve_latents
from diffusers.pipelines.ltx2.utils import apply_image_conditioning_crf, resolve_default_image_crf

from .encoder import Clip
from .keyframes import LastFrameKeyframeConditionPipeline
from .plan import DISTILLED, OFFLOADS, GenerationPlan, ShotPlan
from .schedule import STAGE_1_DISTILLED, STAGE_2_DISTILLED, dev_sigmas
from .speed import SpeedOptions, apply_to_transformer
from .worker import Interrupted

log = logging.getLogger("zoetrope_ltx")

STAGES = ("text", "stage 1", "upsample", "stage 2", "decode", "audio")
"""The timed parts of a shot (`LTX2Generator.timings`)."""

LORA_ADAPTER = "stage_2_distilled"

# Distilled weights (and the distilled LoRA's stage 2) are trained without guidance. Every guidance
# knob is set explicitly: the pipelines' defaults turn classifier-free, spatio-temporal and modality
# guidance on.
NO_GUIDANCE = dict(
    guidance_scale=1.0, stg_scale=0.0, modality_scale=1.0, guidance_rescale=0.0,
    audio_guidance_scale=1.0, audio_stg_scale=0.0, audio_modality_scale=1.0, audio_guidance_rescale=0.0)


class NonFiniteOutput(RuntimeError):
    """The model produced NaN or infinite values (broken weights, or a dtype the GPU cannot hold them in)."""


class LTX2Generator:
    """Renders plans with one set of LTX-2 weights on one device."""

    grid = 32
    """Generation sizes are multiples of this at every stage (the VAE's spatial compression)."""

    def __init__(self, i2v: LTX2ImageToVideoPipeline, upsampler: LTX2LatentUpsamplerModel | None, device: str,
                 offload: str = "none", recipe: str = DISTILLED, steps: int = 40, seed: int | None = None,
                 distilled_lora: str | None = None, vae_tiling: bool = True, speed: SpeedOptions = SpeedOptions()):
        if offload not in OFFLOADS:
            raise ValueError(f"offload must be one of {OFFLOADS}")
        self.i2v = i2v
        accepted = inspect.signature(LTX2ConditionPipeline.__init__).parameters
        self.condition = LastFrameKeyframeConditionPipeline(
            **{k: v for k, v in i2v.components.items() if k in accepted})
        self.upsample = LTX2LatentUpsamplePipeline(vae=i2v.vae, latent_upsampler=upsampler) if upsampler else None
        self.device, self.offload, self.recipe, self.steps, self.seed = device, offload, recipe, steps, seed
        self.vae_tiling, self.speed = vae_tiling, speed
        self.two_stage = recipe == DISTILLED or distilled_lora is not None
        self.timings: dict[str, float] = {}
        self._placed = None
        # LTX-2.3 and later modulate cross-attention by the other modality's timestep; LTX-2.0 does
        # not. The pipelines default to the newer behaviour, so the checkpoint decides here.
        self.cross_timestep = bool(getattr(i2v.transformer, "prompt_modulation", False))
        for pipe in (self.i2v, self.condition, self.upsample):
            if pipe is not None:
                pipe.set_progress_bar_config(disable=True)
        if self.two_stage and self.upsample is None:
            raise ValueError("the two-stage recipe needs the latent upsampler")
        # Every stage gets explicit sigmas, used as they are: no shift, dynamic or terminal.
        scheduler = FlowMatchEulerDiscreteScheduler.from_config(
            i2v.scheduler.config, shift=1.0, use_dynamic_shifting=False, shift_terminal=None)
        self.i2v.scheduler = scheduler
        self.condition.scheduler = scheduler
        # Conditioning images are encoded in one piece; tiling is switched on around the decode only.
        i2v.vae.disable_tiling()
        self.lora = distilled_lora
        if distilled_lora:
            # Stage 2 of the dev flow runs with the distilled LoRA; stage 1 without it. The transformer is
            # shared by both pipelines, so its adapters are switched per stage.
            i2v.load_lora_weights(distilled_lora, adapter_name=LORA_ADAPTER)
            i2v.transformer.disable_adapters()
        if offload in ("none", "text-encoder"):
            for name, component in i2v.components.items():
                if isinstance(component, torch.nn.Module) and not (offload == "text-encoder" and name == "text_encoder"):
                    component.to(device)
            if self.upsample is not None:
                self.upsample.to(device)
        # On the device, so FP8 quantisation and compilation see the weights where they will run.
        apply_to_transformer(i2v.transformer, speed)

    @classmethod
    def load(cls, model_dir: str, upsampler_dir: str | None = None, device: str | None = None,
             dtype: str | None = None, offload: str = "none", vae_tiling: bool = True, recipe: str = DISTILLED,
             steps: int = 40, seed: int | None = None, distilled_lora: str | None = None,
             speed: SpeedOptions = SpeedOptions()) -> "LTX2Generator":
        """Loads a diffusers-format checkpoint: a directory, or a repo id in the Hugging Face cache."""
        device = device or ("cuda" if torch.cuda.is_available() else "cpu")
        dtype = dtype or ("bfloat16" if device.startswith("cuda") else "float32")
        torch_dtype = torch.bfloat16 if dtype == "bfloat16" else torch.float32
        log.info("loading LTX-2 from %s (%s on %s, offload %s, recipe %s%s)", model_dir, dtype, device, offload,
                 recipe, f", distilled LoRA {distilled_lora}" if distilled_lora else "")
        i2v = LTX2ImageToVideoPipeline.from_pretrained(model_dir, dtype=torch_dtype)
        upsampler = None
        if recipe == DISTILLED or distilled_lora:
            upsampler = (LTX2LatentUpsamplerModel.from_pretrained(upsampler_dir, dtype=torch_dtype)
                         if upsampler_dir else
                         LTX2LatentUpsamplerModel.from_pretrained(model_dir, subfolder="latent_upsampler",
                                                                  dtype=torch_dtype))
        generator = cls(i2v, upsampler, device, offload, recipe, steps, seed, distilled_lora, vae_tiling, speed)
        log.info("LTX-2 loaded (%s transformer)", "LTX-2.3+" if generator.cross_timestep else "LTX-2.0")
        return generator

    def stage_1_sigmas(self) -> tuple[float, ...]:
        """The distilled 8 sigmas, or Lightricks' dev schedule of `steps` steps."""
        return STAGE_1_DISTILLED if self.recipe == DISTILLED else dev_sigmas(self.steps)

    def steps_per_shot(self) -> int:
        """Denoising steps of one shot, both stages together."""
        return len(self.stage_1_sigmas()) + (len(STAGE_2_DISTILLED) if self.two_stage else 0)

    def render(self, plan: GenerationPlan, start_image: PIL.Image.Image, end_image: PIL.Image.Image | None,
               step: Callable[[int, int], None], should_stop: Callable[[], bool]) -> list[Clip]:
        """The plan's clips, one per shot; `step(done, total)` after every denoising step."""
        total = self.steps_per_shot() * len(plan.shots)
        done = 0

        def on_step(pipe, index, timestep, tensors):
            nonlocal done
            done += 1
            step(done, total)
            if should_stop():
                raise Interrupted()
            return {}

        # The request's seed (the gateway gives every job one); else the worker's --seed; else a fresh one.
        seed = next((s for s in (plan.seed, self.seed) if s is not None), None)
        seed = seed if seed is not None else random.randrange(2**31)
        generator = torch.Generator("cpu").manual_seed(seed)
        clips: list[Clip] = []
        first = start_image
        self.timings = dict.fromkeys(STAGES, 0.0)
        try:
            for shot in plan.shots:
                end = end_image if shot.ends_on_end_image else None
                log.info("shot %d/%d with %s (%s): %d frames at %d×%d, seed %d", shot.index + 1, len(plan.shots),
                         shot.pipeline, "start frame at latent index 0, end frame on the last delivered frame"
                         if end is not None else ("start frame: the previous shot's last frame"
                                                  if shot.starts_from_previous else "start frame: the start image"),
                         shot.num_frames, *plan.generation_size, seed)
                clips.append(self._shot(shot, plan, first, end, generator, on_step))
                first = PIL.Image.fromarray(clips[-1].frames[-1])
        except BaseException:
            # A call that stops early keeps its models where they are (diffusers frees offloaded models
            # only at the end of a call): drop the hooks, so the next job offloads from a clean start.
            if self._placed is not None:
                self._placed.remove_all_hooks()
                self._placed.to("cpu")
                self._placed = None
            if self.lora:
                self.i2v.transformer.disable_adapters()
            raise
        finally:
            if self.device.startswith("cuda"):
                torch.cuda.empty_cache()
        return clips

    @contextlib.contextmanager
    def _timed(self, stage: str):
        """Adds the block's wall time to `timings[stage]` (the GPU's queue drained at both ends)."""
        self._sync()
        started = time.perf_counter()
        try:
            yield
        finally:
            self._sync()
            self.timings[stage] = self.timings.get(stage, 0.0) + time.perf_counter() - started

    def _sync(self) -> None:
        if self.device.startswith("cuda"):
            torch.cuda.synchronize(torch.device(self.device))

    def _shot(self, shot: ShotPlan, plan: GenerationPlan, first: PIL.Image.Image, end: PIL.Image.Image | None,
              generator: torch.Generator, on_step) -> Clip:
        pipe = self.condition if end is not None else self.i2v
        # The end picture on the last delivered frame (the generation's last frame is dropped).
        self.condition.end_frame = shot.keep_frames - 1
        if end is not None:
            conditioning = dict(conditions=[LTX2VideoCondition(frames=first, index=0),
                                            LTX2VideoCondition(frames=end, index=-1)])
        else:
            conditioning = dict(image=first)
        guided = self.recipe != DISTILLED
        # Spatio-temporal guidance skips the block each family was tuned for; the other guidance keeps
        # the pipelines' defaults (Lightricks' stage-1 values).
        stage_1_guidance = NO_GUIDANCE if not guided else dict(
            guidance_scale=plan.guidance_scale, spatio_temporal_guidance_blocks=[28] if self.cross_timestep else [29])
        width, height = plan.generation_size
        sigmas = self.stage_1_sigmas()
        with torch.inference_mode():
            self._place(pipe)
            with self._timed("text"):
                embeddings = self._encode_prompt(pipe, shot.prompt or "", plan.negative_prompt,
                                                 guided and plan.guidance_scale > 1.0)
            common = dict(num_frames=shot.num_frames, frame_rate=plan.frame_rate, generator=generator,
                          return_dict=False, callback_on_step_end=on_step, use_cross_timestep=self.cross_timestep,
                          output_type="latent", **embeddings, **conditioning)
            if self.two_stage:
                first_width, first_height = plan.first_stage_size
                with self._timed("stage 1"):
                    video_latents, audio_latents = pipe(
                        **common, **stage_1_guidance, width=first_width, height=first_height, sigmas=list(sigmas),
                        num_inference_steps=len(sigmas))
                self._place(self.upsample)
                with self._timed("upsample"):
                    upsampled = self.upsample(latents=video_latents, output_type="latent", return_dict=False)[0]
                self._place(pipe)
                if end is None:
                    # The condition pipeline encodes its conditions at the stage's size itself. Given
                    # latents, diffusers 0.42.1's image-to-video pipeline skips its image and keeps the
                    # latents' frame 0 clean as the condition, so the full-size encode is put there.
                    upsampled = self.with_full_size_start(pipe, upsampled, first, width, height, generator)
                with self._stage_2_weights(), self._timed("stage 2"):
                    video_latents, audio_latents = pipe(
                        **common, **NO_GUIDANCE, width=width, height=height, latents=upsampled,
                        audio_latents=audio_latents, sigmas=list(STAGE_2_DISTILLED),
                        num_inference_steps=len(STAGE_2_DISTILLED), noise_scale=STAGE_2_DISTILLED[0])
            else:
                with self._timed("stage 1"):
                    video_latents, audio_latents = pipe(
                        **common, **stage_1_guidance, width=width, height=height, sigmas=list(sigmas),
                        num_inference_steps=len(sigmas))
            with self._timed("decode"):
                video = self._decode_video(pipe, video_latents)
                if not torch.isfinite(video).all():
                    raise NonFiniteOutput("the decoded video holds NaN or infinite values")
                # (batch, frames, channels, height, width) in [0, 1] → frames × height × width × RGB bytes,
                # a few frames at a time (a whole 1080p clip at once would need gigabytes more).
                frames = torch.cat([(chunk.float().clamp(0, 1) * 255).round().to(torch.uint8).cpu()
                                    for chunk in video[0].split(8)]).permute(0, 2, 3, 1).numpy()
                del video
            with self._timed("audio"):
                audio = self._decode_audio(pipe, audio_latents)
                if not torch.isfinite(audio).all():
                    raise NonFiniteOutput("the generated audio holds NaN or infinite values")
                sound = audio[0].float().cpu().numpy()
        return Clip(frames, sound, int(self.i2v.vocoder.config.output_sampling_rate), shot.keep_frames)

    def _encode_prompt(self, pipe, prompt: str, negative_prompt: str, guided: bool) -> dict:
        """The shot's prompt (and, with guidance, negative prompt) through Gemma once; both stages reuse it."""
        device = pipe._execution_device
        with self._text_encoder_in(device):
            embeds, mask, negative_embeds, negative_mask = pipe.encode_prompt(
                prompt=prompt, negative_prompt=negative_prompt, do_classifier_free_guidance=guided, device=device)
        return dict(prompt_embeds=embeds.to(device), prompt_attention_mask=mask.to(device),
                    negative_prompt_embeds=None if negative_embeds is None else negative_embeds.to(device),
                    negative_prompt_attention_mask=None if negative_mask is None else negative_mask.to(device))

    @contextlib.contextmanager
    def _text_encoder_in(self, device):
        """With `--offload text-encoder`, Gemma is on the device only while it encodes."""
        if self.offload != "text-encoder":
            yield
            return
        self.i2v.text_encoder.to(device)
        try:
            yield
        finally:
            self.i2v.text_encoder.to("cpu")
            if self.device.startswith("cuda"):
                torch.cuda.empty_cache()

    def with_full_size_start(self, pipe, upsampled: torch.Tensor, image: PIL.Image.Image, width: int, height: int,
                             generator: torch.Generator) -> torch.Tensor:
        """The upsampled latents with latent frame 0 replaced by the start image encoded at the full size,
        prepared as the image-to-video pipeline prepares its image (H.264 re-compression at the model's CRF,
        resize and crop, VAE encode, the distribution's mode)."""
        crf = resolve_default_image_crf(pipe.text_encoder)
        if crf != 0:
            image = PIL.Image.fromarray(apply_image_conditioning_crf(np.array(image.convert("RGB")), crf))
        pixels = pipe.video_processor.preprocess(image, height=height, width=width)
        pixels = pixels.to(device=upsampled.device, dtype=pipe.vae.dtype)
        encoded = retrieve_latents(pipe.vae.encode(pixels.unsqueeze(2)), generator, "argmax")
        latents = upsampled.clone()
        latents[:, :, :1] = encoded.to(device=latents.device, dtype=latents.dtype)
        return latents

    @contextlib.contextmanager
    def _stage_2_weights(self):
        """With the dev checkpoint's two-stage flow, stage 2 runs with the distilled LoRA."""
        if not self.lora:
            yield
            return
        self.i2v.transformer.enable_adapters()
        try:
            yield
        finally:
            self.i2v.transformer.disable_adapters()

    def _decode_video(self, pipe, latents: torch.Tensor) -> torch.Tensor:
        """The video VAE's decode of the final latents (tiled when `vae_tiling`), in [0, 1]:
        what diffusers 0.42.1's pipelines do after the last step with decode_timestep 0."""
        vae = pipe.vae
        latents = latents.to(vae.dtype)
        timestep = (torch.zeros(latents.shape[0], device=latents.device, dtype=latents.dtype)
                    if vae.config.timestep_conditioning else None)
        if self.vae_tiling:
            vae.enable_tiling()
        try:
            video = vae.decode(latents, timestep, return_dict=False)[0]
        finally:
            vae.disable_tiling()
        return pipe.video_processor.postprocess_video(video, output_type="pt")

    @staticmethod
    def _decode_audio(pipe, audio_latents: torch.Tensor) -> torch.Tensor:
        """The audio VAE's mel spectrogram through the vocoder: (batch, channels, samples)."""
        mel = pipe.audio_vae.decode(audio_latents.to(pipe.audio_vae.dtype), return_dict=False)[0]
        return pipe.vocoder(mel)

    def _place(self, pipe) -> None:
        """With accelerate's offloading, only the pipeline about to run holds its hooks (the three
        pipelines share modules, which must not carry two sets)."""
        if self.offload not in ("model", "sequential") or self._placed is pipe:
            return
        if self._placed is not None:
            self._placed.remove_all_hooks()
        if self.offload == "model":
            pipe.enable_model_cpu_offload(device=self.device)
        else:
            pipe.enable_sequential_cpu_offload(device=self.device)
        self._placed = pipe
