"""The job request a gateway hands out with a lease, read from the gateway's stored shape."""

from __future__ import annotations

from dataclasses import dataclass, field


class RequestError(ValueError):
    """The assignment's request cannot be read (a gateway/worker version mismatch)."""


@dataclass(frozen=True)
class Input:
    """Where an image comes from: a name of the lease's `inputs` (stored beside the job by the
    gateway) or a remote URL the worker fetches itself."""

    stored: str | None = None
    url: str | None = None

    @staticmethod
    def parse(value: object, field_name: str) -> "Input":
        # The gateway stores inputs as Swift enums: {"stored": {"_0": NAME}} or {"remote": {"_0": URL}}.
        if isinstance(value, dict) and len(value) == 1:
            (kind, payload), = value.items()
            name = payload.get("_0") if isinstance(payload, dict) else None
            if kind == "stored" and isinstance(name, str):
                return Input(stored=name)
            if kind == "remote" and isinstance(name, str):
                return Input(url=name)
        raise RequestError(f"{field_name}: unreadable input {value!r}")


@dataclass(frozen=True)
class Shot:
    prompt: str
    seconds: int


@dataclass(frozen=True)
class VideoRequest:
    """A validated Kling image-to-video request (the gateway validated every field at submit)."""

    prompt: str | None
    start_image: Input
    end_image: Input | None = None
    aspect_ratio: str = "16:9"
    cfg_scale: float = 0.5
    duration: int = 5
    negative_prompt: str = "blur, distort, and low quality"
    generate_audio: bool = True
    multi_prompt: tuple[Shot, ...] = ()
    element_count: int = 0
    voice_ids: tuple[str, ...] = field(default_factory=tuple)

    @property
    def shots(self) -> list[Shot]:
        """Every shot with its length: one shot without multi_prompt."""
        if self.multi_prompt:
            return list(self.multi_prompt)
        return [Shot(self.prompt or "", self.duration)]

    @staticmethod
    def parse(request: dict) -> "VideoRequest":
        if not isinstance(request, dict) or "startImage" not in request:
            if isinstance(request, dict) and "voice" in request:
                raise RequestError("this worker makes videos; the job is a create-voice request")
            raise RequestError("the request has no startImage")
        try:
            end = request.get("endImage")
            return VideoRequest(
                prompt=request.get("prompt"),
                start_image=Input.parse(request["startImage"], "start_image_url"),
                end_image=Input.parse(end, "end_image_url") if end is not None else None,
                aspect_ratio=str(request["aspectRatio"]),
                cfg_scale=float(request["cfgScale"]),
                duration=int(request["duration"]),
                negative_prompt=str(request.get("negativePrompt", "")),
                generate_audio=bool(request["generateAudio"]),
                multi_prompt=tuple(Shot(str(s["prompt"]), int(s["duration"])) for s in request.get("multiPrompt", [])),
                element_count=len(request.get("elements", [])),
                voice_ids=tuple(request.get("voiceIDs", [])),
            )
        except (KeyError, TypeError, ValueError) as error:
            if isinstance(error, RequestError):
                raise
            raise RequestError(f"the request is missing or has a bad field: {error}") from error
