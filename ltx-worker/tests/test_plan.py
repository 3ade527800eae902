"""The mapping from a Kling request to LTX-2 generation calls (the README's table)."""

import pytest

from zoetrope_ltx.plan import DISTILLED, FULL, SizeProfile, Unsupported, frames_for, guidance_for, plan
from zoetrope_ltx.request import Input, RequestError, Shot, VideoRequest

LINK = "https://gateway.example.com/files/in-job-input-1.bin?expires=1&signature=ab"
# The request exactly as the gateway hands it out with a lease (worker protocol v2), and its inputs.
LEASED = {
    "prompt": "a cat says \"hi\"", "start_image_url": LINK, "end_image_url": "https://example.com/a.png",
    "aspect_ratio": "16:9", "cfg_scale": 0.5, "duration": 3, "negative_prompt": "blur, distort, and low quality",
    "generate_audio": True, "multi_prompt": [{"prompt": "one", "duration": 1}, {"prompt": "two", "duration": 2}],
    "shot_type": "customize", "elements": [], "voice_ids": [],
}
INPUTS = {"start_image_url": LINK}
A = Input("https://gateway.invalid/a", gateway=True)


def test_reads_the_gateways_request_shape():
    request = VideoRequest.parse(LEASED, INPUTS)
    assert request.start_image == Input(LINK, gateway=True)
    assert request.end_image == Input("https://example.com/a.png", gateway=False)
    assert request.shots == [Shot("one", 1), Shot("two", 2)]
    assert (request.aspect_ratio, request.cfg_scale, request.duration, request.generate_audio) == ("16:9", 0.5, 3, True)


def test_unreadable_requests_name_the_problem():
    with pytest.raises(RequestError, match="create-voice"):
        VideoRequest.parse({"voice_name": "x", "voice_url": LINK}, {"voice_url": LINK})
    with pytest.raises(RequestError, match="not worker protocol v2"):
        VideoRequest.parse({"startImage": {"stored": {"_0": "input-1.bin"}}, "duration": 3})
    with pytest.raises(RequestError, match="start_image_url: expected an http"):
        VideoRequest.parse({**LEASED, "start_image_url": {"stored": {"_0": "input-1.bin"}}})
    with pytest.raises(RequestError, match="unknown field.*camera"):
        VideoRequest.parse({**LEASED, "camera": "dolly"})
    with pytest.raises(RequestError, match="missing or has a bad field"):
        VideoRequest.parse({k: v for k, v in LEASED.items() if k != "duration"})
    with pytest.raises(RequestError, match="inputs name field.*end_image_url"):
        VideoRequest.parse({**LEASED, "end_image_url": None}, {**INPUTS, "end_image_url": LINK})
    with pytest.raises(RequestError, match="different links"):
        VideoRequest.parse(LEASED, {"start_image_url": LINK + "x"})


def test_duration_is_8k_plus_1_frames_at_24_fps_and_delivers_exactly_24_per_second():
    assert frames_for(5) == 121 and frames_for(3) == 73 and frames_for(15) == 361
    assert all((frames_for(s) - 1) % 8 == 0 for s in range(1, 16))
    one = plan(VideoRequest(prompt="p", start_image=A, duration=5))
    assert [(s.num_frames, s.keep_frames) for s in one.shots] == [(121, 120)]
    assert one.total_frames == 120 and one.frame_rate == 24.0


def test_sizes_are_multiples_of_32_cropped_to_1080p():
    for ratio, output, generation in (("16:9", (1920, 1080), (1920, 1088)), ("9:16", (1080, 1920), (1088, 1920)),
                                      ("1:1", (1080, 1080), (1088, 1088))):
        distilled = plan(VideoRequest(prompt="p", start_image=A, aspect_ratio=ratio))
        assert distilled.output_size == output and distilled.generation_size == generation
        assert all(side % 32 == 0 for side in distilled.first_stage_size)
        assert distilled.first_stage_size == (generation[0] // 2, generation[1] // 2)
        full = plan(VideoRequest(prompt="p", start_image=A, aspect_ratio=ratio), recipe=FULL)
        assert full.generation_size == generation and full.first_stage_size == generation
    tiny = plan(VideoRequest(prompt="p", start_image=A), SizeProfile(30))
    assert tiny.output_size == (64, 36) and tiny.generation_size == (64, 64) and tiny.first_stage_size == (32, 32)


def test_cfg_scale_is_guidance_for_the_full_model_and_ignored_by_the_distilled_one():
    assert guidance_for(0.5, FULL) == 4.0 and guidance_for(0.0, FULL) == 1.0 and guidance_for(1.0, FULL) == 7.0
    assert guidance_for(0.9, DISTILLED) == 1.0
    request = VideoRequest(prompt="p", start_image=A, cfg_scale=0.25, negative_prompt="text")
    assert plan(request, recipe=FULL).guidance_scale == 2.5
    assert plan(request).guidance_scale == 1.0
    assert plan(request).negative_prompt == "text"


def test_multi_prompt_chains_shots_by_their_last_frame_and_ends_on_the_end_image():
    request = VideoRequest.parse(LEASED, INPUTS)
    shots = plan(request).shots
    assert [(s.prompt, s.num_frames, s.keep_frames) for s in shots] == [("one", 25, 24), ("two", 49, 48)]
    assert [s.starts_from_previous for s in shots] == [False, True]
    assert [s.ends_on_end_image for s in shots] == [False, True]
    assert [s.pipeline for s in shots] == ["LTX2ImageToVideoPipeline", "LTX2ConditionPipeline"]
    assert plan(request).total_frames == 72


def test_generate_audio_false_drops_the_track():
    assert plan(VideoRequest(prompt="p", start_image=A, generate_audio=False)).with_audio is False


def test_elements_and_voice_ids_are_refused_with_a_reason():
    with pytest.raises(Unsupported, match="elements are not supported"):
        plan(VideoRequest.parse({**LEASED, "elements": [
            {"frontal_image_url": "https://example.com/f.png", "reference_image_urls": []}]}))
    with pytest.raises(Unsupported, match="voice_ids are not supported"):
        plan(VideoRequest.parse({**LEASED, "voice_ids": ["voice-1"]}))
