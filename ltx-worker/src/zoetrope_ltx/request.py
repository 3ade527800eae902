"""The job request a gateway hands out with a lease (worker protocol v2): the validated request in
the public parameter names a client sends, every default filled in, every input a URL."""

from __future__ import annotations

from dataclasses import dataclass, field

VIDEO_FIELDS = frozenset({
    "prompt", "start_image_url", "end_image_url", "aspect_ratio", "cfg_scale", "duration", "negative_prompt",
    "generate_audio", "multi_prompt", "shot_type", "elements", "voice_ids", "seed",
})
VOICE_FIELDS = frozenset({"voice_name", "voice_url"})


class RequestError(ValueError):
    """The assignment's request cannot be read (a gateway/worker version mismatch, or a job this
    worker does not make)."""


@dataclass(frozen=True)
class Input:
    """Where an image comes from: a URL, and whether it is the gateway's own signed link (its field
    path is in the lease's `inputs`; fetched as it is) or the client's URL (fetched behind the
    private-address guard)."""

    url: str
    gateway: bool = False

    @staticmethod
    def parse(value: object, field_name: str, links: dict[str, str]) -> "Input":
        if not isinstance(value, str) or not value.lower().startswith(("http://", "https://")):
            raise RequestError(f"{field_name}: expected an http(s) URL, got {str(value)[:80]!r}")
        link = links.get(field_name)
        if link is not None and link != value:
            raise RequestError(f"{field_name}: the request and the lease's inputs give different links")
        return Input(value, gateway=link is not None)


@dataclass(frozen=True)
class Shot:
    prompt: str
    seconds: int


@dataclass(frozen=True)
class Element:
    """A character or object that prompts reference as @ElementN."""

    frontal_image: Input | None
    reference_images: tuple[Input, ...]


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
    elements: tuple[Element, ...] = ()
    voice_ids: tuple[str, ...] = field(default_factory=tuple)
    seed: int | None = None
    """The gateway sets one on every job (the client's, or one it chose); None from an older gateway."""

    @property
    def shots(self) -> list[Shot]:
        """Every shot with its length: one shot without multi_prompt."""
        if self.multi_prompt:
            return list(self.multi_prompt)
        return [Shot(self.prompt or "", self.duration)]

    @property
    def element_count(self) -> int:
        return len(self.elements)

    @staticmethod
    def parse(request: object, inputs: dict[str, str] | None = None) -> "VideoRequest":
        """Reads an assignment's `request`; `inputs` maps each field path holding a gateway link
        (`start_image_url`, `elements[0].reference_image_urls[1]`) to that link."""
        links = dict(inputs or {})
        if not isinstance(request, dict):
            raise RequestError(f"the request is not an object but {type(request).__name__}")
        if VOICE_FIELDS & request.keys():
            raise RequestError("this worker makes videos; the job is a create-voice request (kling-create-voice)")
        if "start_image_url" not in request:
            raise RequestError("the request has no start_image_url: it is not worker protocol v2's public shape "
                               "(the gateway and this worker speak different versions)")
        unknown = sorted(request.keys() - VIDEO_FIELDS)
        if unknown:
            raise RequestError(f"the request has unknown field(s): {', '.join(unknown)} "
                               "(the gateway is newer than this worker)")
        try:
            end = request.get("end_image_url")
            elements = []
            for index, item in enumerate(request["elements"]):
                path = f"elements[{index}]"
                frontal = item.get("frontal_image_url")
                elements.append(Element(
                    frontal_image=Input.parse(frontal, f"{path}.frontal_image_url", links) if frontal is not None else None,
                    reference_images=tuple(Input.parse(url, f"{path}.reference_image_urls[{ref}]", links)
                                           for ref, url in enumerate(item.get("reference_image_urls") or []))))
            parsed = VideoRequest(
                prompt=request["prompt"],
                start_image=Input.parse(request["start_image_url"], "start_image_url", links),
                end_image=Input.parse(end, "end_image_url", links) if end is not None else None,
                aspect_ratio=str(request["aspect_ratio"]),
                cfg_scale=float(request["cfg_scale"]),
                duration=_seconds(request["duration"]),
                negative_prompt=str(request["negative_prompt"]),
                generate_audio=bool(request["generate_audio"]),
                multi_prompt=tuple(Shot(str(s["prompt"]), _seconds(s["duration"])) for s in request["multi_prompt"]),
                elements=tuple(elements),
                voice_ids=tuple(str(v) for v in request["voice_ids"]),
                seed=_seed(request.get("seed")),
            )
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            if isinstance(error, RequestError):
                raise
            raise RequestError(f"the request is missing or has a bad field: {error}") from error
        unmatched = sorted(links.keys() - parsed.input_fields)
        if unmatched:
            raise RequestError(f"the lease's inputs name field(s) the request does not hold: {', '.join(unmatched)}")
        return parsed

    @property
    def input_fields(self) -> set[str]:
        """The field paths of every input."""
        paths = {"start_image_url"} | ({"end_image_url"} if self.end_image is not None else set())
        for index, element in enumerate(self.elements):
            if element.frontal_image is not None:
                paths.add(f"elements[{index}].frontal_image_url")
            paths |= {f"elements[{index}].reference_image_urls[{ref}]" for ref in range(len(element.reference_images))}
        return paths


def _seed(value: object) -> int | None:
    """A 32-bit unsigned seed, or None."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != int(value) or not 0 <= value < 2**32:
        raise RequestError(f"seed: expected a whole number from 0 to {2**32 - 1}, got {value!r}")
    return int(value)


def _seconds(value: object) -> int:
    """Whole seconds (an integer on the wire; a numeric string is read too)."""
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise ValueError(f"duration must be whole seconds, got {value!r}")
    return int(value)
