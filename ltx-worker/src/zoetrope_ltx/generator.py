"""LTX-2 through diffusers: `LTX2ImageToVideoPipeline` for shots that start from an image,
`LTX2ConditionPipeline` (conditions at latent index 0 and -1) for a shot that must also end on
the end image, and the distilled two-stage recipe with the latent upsampler. The pipelines are
loaded once and kept warm across jobs."""

from __future__ import annotations

import inspect
import logging
import random
from typing import Callable

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
from diffusers.pipelines.ltx2.utils import DISTILLED_SIGMA_VALUES, STAGE_2_DISTILLED_SIGMA_VALUES

from .encoder import Clip
from .plan import DISTILLED, GenerationPlan, ShotPlan
from .worker import Interrupted

log = logging.getLogger("zoetrope_ltx")

# The distilled model is trained without guidance. Every guidance knob is set explicitly: the
# pipelines' defaults turn classifier-free, spatio-temporal and modality guidance on.
NO_GUIDANCE = dict(
    guidance_scale=1.0, stg_scale=0.0, modality_scale=1.0, guidance_rescale=0.0,
    audio_guidance_scale=1.0, audio_stg_scale=0.0, audio_modality_scale=1.0, audio_guidance_rescale=0.0)


class LTX2Generator:
    """Renders plans with one set of LTX-2 weights on one device."""

    grid = 32
    """Generation sizes are multiples of this at every stage (the VAE's spatial compression)."""

    def __init__(self, i2v: LTX2ImageToVideoPipeline, upsampler: LTX2LatentUpsamplerModel | None, device: str,
                 offload: str = "none", recipe: str = DISTILLED, steps: int = 40, seed: int | None = None):
        self.i2v = i2v
        accepted = inspect.signature(LTX2ConditionPipeline.__init__).parameters
        self.condition = LTX2ConditionPipeline(**{k: v for k, v in i2v.components.items() if k in accepted})
        self.upsample = LTX2LatentUpsamplePipeline(vae=i2v.vae, latent_upsampler=upsampler) if upsampler else None
        self.device, self.offload, self.recipe, self.steps, self.seed = device, offload, recipe, steps, seed
        self._placed = None
        # LTX-2.3 and later modulate cross-attention by the other modality's timestep; LTX-2.0 does
        # not. The pipelines default to the newer behaviour, so the checkpoint decides here.
        self.cross_timestep = bool(getattr(i2v.transformer, "prompt_modulation", False))
        for pipe in (self.i2v, self.condition, self.upsample):
            if pipe is not None:
                pipe.set_progress_bar_config(disable=True)
        if recipe == DISTILLED:
            if self.upsample is None:
                raise ValueError("the distilled recipe needs the latent upsampler")
            # The distilled sigmas are used as they are: no shift, dynamic or terminal.
            scheduler = FlowMatchEulerDiscreteScheduler.from_config(
                i2v.scheduler.config, shift=1.0, use_dynamic_shifting=False, shift_terminal=None)
            self.i2v.scheduler = scheduler
            self.condition.scheduler = scheduler
        if offload == "none":
            self.i2v.to(device)
            if self.upsample is not None:
                self.upsample.to(device)

    @classmethod
    def load(cls, model_dir: str, upsampler_dir: str | None = None, device: str | None = None,
             dtype: str | None = None, offload: str = "none", vae_tiling: bool = True, recipe: str = DISTILLED,
             steps: int = 40, seed: int | None = None) -> "LTX2Generator":
        """Loads a diffusers-format checkpoint: a directory, or a repo id in the Hugging Face cache."""
        device = device or ("cuda" if torch.cuda.is_available() else "cpu")
        dtype = dtype or ("bfloat16" if device.startswith("cuda") else "float32")
        torch_dtype = torch.bfloat16 if dtype == "bfloat16" else torch.float32
        log.info("loading LTX-2 from %s (%s on %s, offload %s, recipe %s)", model_dir, dtype, device, offload, recipe)
        i2v = LTX2ImageToVideoPipeline.from_pretrained(model_dir, dtype=torch_dtype)
        upsampler = None
        if recipe == DISTILLED:
            upsampler = (LTX2LatentUpsamplerModel.from_pretrained(upsampler_dir, dtype=torch_dtype)
                         if upsampler_dir else
                         LTX2LatentUpsamplerModel.from_pretrained(model_dir, subfolder="latent_upsampler",
                                                                  dtype=torch_dtype))
        if vae_tiling:
            i2v.vae.enable_tiling()
        generator = cls(i2v, upsampler, device, offload, recipe, steps, seed)
        log.info("LTX-2 loaded (%s transformer)", "LTX-2.3+" if generator.cross_timestep else "LTX-2.0")
        return generator

    def steps_per_shot(self) -> int:
        return len(DISTILLED_SIGMA_VALUES) + len(STAGE_2_DISTILLED_SIGMA_VALUES) if self.recipe == DISTILLED else self.steps

    def render(self, plan: GenerationPlan, start_image: PIL.Image.Image, end_image: PIL.Image.Image | None,
               step: Callable[[int, int], None], should_stop: Callable[[], bool]) -> list[Clip]:
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
        try:
            for shot in plan.shots:
                end = end_image if shot.ends_on_end_image else None
                log.info("shot %d/%d with %s (%s): %d frames at %d×%d, seed %d", shot.index + 1, len(plan.shots),
                         shot.pipeline, "start frame at latent index 0, end frame at latent index -1"
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
            raise
        finally:
            if self.device.startswith("cuda"):
                torch.cuda.empty_cache()
        return clips

    def _shot(self, shot: ShotPlan, plan: GenerationPlan, first: PIL.Image.Image, end: PIL.Image.Image | None,
              generator: torch.Generator, on_step) -> Clip:
        if end is not None:
            pipe = self.condition
            conditioning = dict(conditions=[LTX2VideoCondition(frames=first, index=0),
                                            LTX2VideoCondition(frames=end, index=-1)])
        else:
            pipe = self.i2v
            conditioning = dict(image=first)
        common = dict(prompt=shot.prompt, negative_prompt=plan.negative_prompt, num_frames=shot.num_frames,
                      frame_rate=plan.frame_rate, generator=generator, return_dict=False, callback_on_step_end=on_step,
                      use_cross_timestep=self.cross_timestep, **conditioning)
        width, height = plan.generation_size
        with torch.inference_mode():
            if self.recipe == DISTILLED:
                first_width, first_height = plan.first_stage_size
                self._place(pipe)
                video_latents, audio_latents = pipe(
                    **common, **NO_GUIDANCE, width=first_width, height=first_height, sigmas=DISTILLED_SIGMA_VALUES,
                    num_inference_steps=len(DISTILLED_SIGMA_VALUES), output_type="latent")
                self._place(self.upsample)
                upsampled = self.upsample(latents=video_latents, output_type="latent", return_dict=False)[0]
                self._place(pipe)
                video, audio = pipe(
                    **common, **NO_GUIDANCE, width=width, height=height, latents=upsampled,
                    audio_latents=audio_latents, sigmas=STAGE_2_DISTILLED_SIGMA_VALUES,
                    num_inference_steps=len(STAGE_2_DISTILLED_SIGMA_VALUES),
                    noise_scale=STAGE_2_DISTILLED_SIGMA_VALUES[0], output_type="pt")
            else:
                self._place(pipe)
                # Spatio-temporal guidance skips the block each family was tuned for.
                video, audio = pipe(
                    **common, width=width, height=height, num_inference_steps=self.steps,
                    guidance_scale=plan.guidance_scale, output_type="pt",
                    spatio_temporal_guidance_blocks=[28] if self.cross_timestep else [29])
            # (batch, frames, channels, height, width) in [0, 1] → frames × height × width × RGB bytes,
            # a few frames at a time (a whole 1080p clip at once would need gigabytes more).
            frames = torch.cat([(chunk.float().clamp(0, 1) * 255).round().to(torch.uint8).cpu()
                                for chunk in video[0].split(8)]).permute(0, 2, 3, 1).numpy()
            del video
            sound = audio[0].float().cpu().numpy() if audio is not None else None
        return Clip(frames, sound, int(self.i2v.vocoder.config.output_sampling_rate), shot.keep_frames)

    def _place(self, pipe) -> None:
        """With offloading, only the pipeline about to run holds accelerate's hooks (the three
        pipelines share modules, which must not carry two sets)."""
        if self.offload == "none" or self._placed is pipe:
            return
        if self._placed is not None:
            self._placed.remove_all_hooks()
        if self.offload == "model":
            pipe.enable_model_cpu_offload(device=self.device)
        else:
            pipe.enable_sequential_cpu_offload(device=self.device)
        self._placed = pipe
