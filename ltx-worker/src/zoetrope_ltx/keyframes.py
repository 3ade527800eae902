"""`LTX2ConditionPipeline` with the end keyframe on a chosen pixel frame: the shot's last.

diffusers 0.42.1 reads a condition's index as a latent frame and places a keyframe at the first
pixel frame of that latent, `(index - 1) * 8 + 1`: index -1 of a 121-frame shot lands on frame 113,
6 frames before the last delivered one. Lightricks' `VideoConditionByKeyframeIndex` takes a pixel
frame index instead; this subclass overrides the one method that turns the index into positions
(`_prepare_keyframe_coords`, as in diffusers 0.42.1) so a keyframe at the last latent sits on
`end_frame` (default: the generation's last pixel frame). Everything else is diffusers' pipeline."""

from __future__ import annotations

import torch
from diffusers import LTX2ConditionPipeline


class LastFrameKeyframeConditionPipeline(LTX2ConditionPipeline):
    """`LTX2ConditionPipeline` whose keyframe at the last latent index is placed on pixel frame `end_frame`."""

    _num_frames: int | None = None
    end_frame: int | None = None
    """The pixel frame of a keyframe at the last latent index; None: the generation's last frame."""

    def prepare_latents(self, *args, **kwargs):
        """diffusers' `prepare_latents`, noting the shot's frame count for `_prepare_keyframe_coords`."""
        self._num_frames = kwargs.get("num_frames", args[5] if len(args) > 5 else None)
        try:
            return super().prepare_latents(*args, **kwargs)
        finally:
            self._num_frames = None

    def _prepare_keyframe_coords(self, keyframe_latent_num_frames: int, keyframe_latent_height: int,
                                 keyframe_latent_width: int, pixel_frame_idx: int, num_pixel_frames: int,
                                 fps: float, device: torch.device) -> torch.Tensor:
        """The keyframe's positions, at the last pixel frame when diffusers put it on the last latent's first."""
        if self._num_frames is not None and num_pixel_frames == 1:
            ratio = self.vae_temporal_compression_ratio
            last_latent_first_frame = ((self._num_frames - 1) // ratio - 1) * ratio + 1
            if pixel_frame_idx == last_latent_first_frame:
                pixel_frame_idx = self._num_frames - 1 if self.end_frame is None else self.end_frame
        return super()._prepare_keyframe_coords(keyframe_latent_num_frames, keyframe_latent_height,
                                                keyframe_latent_width, pixel_frame_idx, num_pixel_frames, fps, device)
