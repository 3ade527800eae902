"""The web playground served at `/`, driven in headless Chromium through Selenium against a real
Zoetrope server. Its request form is built from `GET /v1/models`' JSON Schemas: a generation from a
picked picture to a playing video, a wrong key's 401, switching models (the create-voice model's
fields replace Kling's), multi-shot groups, and a model the server does not have (a stubbed listing)
getting its own fields and body."""

import json
import math
import os
import shutil
import subprocess
import tempfile
import time

import httpx
import pytest

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
ARTIFACTS = os.path.join(REPO_ROOT, "test-artifacts")


def _require_browser():
    """Chromium and its driver are Debian packages CI installs; missing ones fail, never skip."""
    missing = [name for name in ("chromium", "chromedriver") if shutil.which(name) is None]
    if missing:
        pytest.fail(
            f"{' and '.join(missing)} not found on PATH: install the Debian packages 'chromium' and "
            "'chromium-driver' (scripts/install-system-packages.sh does)", pytrace=False)
    try:
        from selenium import webdriver  # noqa: F401
    except ImportError:
        pytest.fail("selenium is not installed: pip install -r python-tests/requirements.txt", pytrace=False)


@pytest.fixture
def browser():
    _require_browser()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium")
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1280,1600",
                     "--disable-dev-shm-usage", "--autoplay-policy=no-user-gesture-required"):
        options.add_argument(argument)
    driver = webdriver.Chrome(options=options, service=Service(executable_path=shutil.which("chromedriver")))
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture(scope="module")
def media():
    """A start picture, an end picture and a spoken voice sample, made with ffmpeg and espeak-ng."""
    directory = tempfile.mkdtemp(prefix="zoetrope-playground-")
    paths = {name: os.path.join(directory, name) for name in ("start.png", "end.png", "voice.wav")}
    for name, source in (("start.png", "testsrc2=s=640x360"), ("end.png", "smptebars=s=640x360")):
        subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", source, "-frames:v", "1", paths[name]],
                       check=True)
    subprocess.run(["espeak-ng", "-w", paths["voice.wav"],
                    "Hello, this is a short sample of my voice. I am reading a few sentences so the server "
                    "can measure my pitch and my speaking rate. Thank you for listening."], check=True)
    yield paths
    shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture
def start_png(media):
    return media["start.png"]


def _wait(driver, timeout, condition, message):
    """Polls `condition(driver)` until truthy; fails with `message` and the page's state otherwise."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = condition(driver)
        if value:
            return value
        time.sleep(0.25)
    state = driver.execute_script(
        "return {status: document.querySelector('#status').textContent,"
        " error: document.querySelector('#error').textContent,"
        " progress: document.querySelector('#progress').value,"
        " video: document.querySelector('#result-video').currentSrc,"
        " videoError: document.querySelector('#result-video').error &&"
        "   document.querySelector('#result-video').error.message};")
    pytest.fail(f"{message} within {timeout} s; page state: {state}")


def _screenshot(driver, name):
    os.makedirs(ARTIFACTS, exist_ok=True)
    path = os.path.join(ARTIFACTS, name)
    driver.save_screenshot(path)
    return path


def _field(driver, path, inner=""):
    """The element of the generated form for the JSON path `path` (`multi_prompt[0].prompt`)."""
    from selenium.webdriver.common.by import By
    return driver.find_element(By.CSS_SELECTOR, f'#model-form [data-field="{path}"] {inner}'.strip())


def _top_fields(driver):
    """The top-level parameters the generated form shows."""
    return set(driver.execute_script(
        "return Array.from(document.querySelectorAll('#model-form [data-field]'))"
        ".map(e => e.dataset.field).filter(f => !/[.\\[]/.test(f));"))


def _open(driver, base_url, api_key):
    """Loads the page, types the key and waits until the first model's form is drawn."""
    from selenium.webdriver.common.by import By
    driver.get(base_url + "/")
    key = driver.find_element(By.ID, "api-key")
    key.clear()
    key.send_keys(api_key)
    _wait(driver, 10, lambda d: d.find_elements(By.CSS_SELECTOR, "#model-form [data-field]"), "the form was not built")


def _choose_model(driver, slug):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select
    Select(driver.find_element(By.ID, "model")).select_by_value(slug)
    _wait(driver, 5, lambda d: d.execute_script(
        "const f = document.querySelector('#model-form .model-form'); return f && f.dataset.model === arguments[0];",
        slug), f"the form for {slug} was not shown")


def _schemas(base_url):
    return {m["slug"]: m for m in httpx.get(base_url + "/v1/models").json()["models"]}


def _wait_for_video(driver):
    return _wait(driver, 180, lambda d: d.execute_script(
        "const v = document.querySelector('#result-video');"
        " return (isFinite(v.duration) && v.duration > 0) ? v.duration : null;"),
        "the result video did not load")


def test_playground_builds_the_kling_form_from_the_schema_and_plays_a_video(zoetrope, browser, start_png):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    base_url, api_key = zoetrope
    schemas = _schemas(base_url)
    browser.get(base_url + "/")
    assert "Zoetrope" in browser.title
    # The stylesheet loaded: the panels have their rounded borders.
    assert browser.execute_script(
        "return getComputedStyle(document.querySelector('.panel')).borderTopLeftRadius") == "8px"

    key = browser.find_element(By.ID, "api-key")
    key.clear()
    key.send_keys(api_key)
    # Every model the server lists is offered, in its order; the first one is chosen.
    _wait(browser, 10, lambda d: "ltx-2-image2video" in [
        o.get_attribute("value") for o in Select(d.find_element(By.ID, "model")).options], "models did not load")
    model = Select(browser.find_element(By.ID, "model"))
    assert [o.get_attribute("value") for o in model.options] == list(schemas)
    assert model.first_selected_option.get_attribute("value") == "kling-3-pro-image2video"
    _choose_model(browser, "ltx-2-image2video")
    assert "GPU workers" in browser.find_element(By.ID, "model-hint").text
    _choose_model(browser, "kling-3-pro-image2video")
    assert "1080p" in browser.find_element(By.ID, "model-hint").text

    # One field per schema property, each with the control its type calls for and its default.
    kling = schemas["kling-3-pro-image2video"]["parameters"]
    properties = kling["properties"]
    assert _top_fields(browser) == set(properties)
    assert "(required)" in _field(browser, "start_image_url", "label").text
    assert "(required)" not in _field(browser, "end_image_url", "label").text
    # anyOf [{required: [prompt]}, {required: [multi_prompt]}]: each says the other will do.
    assert "or multi_prompt" in _field(browser, "prompt", "label").text
    assert _field(browser, "start_image_url", "input[type=file]").get_attribute("accept") == "image/*"
    assert _field(browser, "start_image_url", "input[type=url]")
    assert _field(browser, "prompt", "textarea").get_attribute("maxlength") == str(properties["prompt"]["maxLength"])
    aspect = Select(_field(browser, "aspect_ratio", "select"))
    assert [o.get_attribute("value") for o in aspect.options] == [
        v for v in properties["aspect_ratio"]["enum"] if v is not None]
    assert aspect.first_selected_option.get_attribute("value") == properties["aspect_ratio"]["default"]
    duration = Select(_field(browser, "duration", "select"))  # oneOf string enum / integer
    assert [o.get_attribute("value") for o in duration.options] == [
        v for v in properties["duration"]["oneOf"][0]["enum"] if v is not None]
    assert duration.first_selected_option.get_attribute("value") == properties["duration"]["default"]
    cfg = _field(browser, "cfg_scale", "input[type=range]")
    assert float(cfg.get_attribute("value")) == properties["cfg_scale"]["default"]
    assert float(cfg.get_attribute("max")) == properties["cfg_scale"]["maximum"]
    assert _field(browser, "negative_prompt", "textarea").get_attribute("value") == properties["negative_prompt"]["default"]
    audio = _field(browser, "generate_audio", "input[type=checkbox]")
    assert audio.is_selected() is properties["generate_audio"]["default"]
    assert _field(browser, "multi_prompt", ".add-item").is_enabled()
    assert _field(browser, "elements", ".add-item").is_enabled()
    assert _field(browser, "voice_ids", ".add-item").is_enabled()

    _field(browser, "start_image_url", "input[type=file]").send_keys(start_png)
    _wait(browser, 10, lambda d: d.execute_script(
        "const img = document.querySelector('[data-field=start_image_url] img.preview');"
        " return !img.hidden && img.complete && img.naturalWidth === 640;"), "the start image preview did not show")
    _field(browser, "prompt", "textarea").send_keys("slow push in on the test card")
    assert _field(browser, "prompt", ".counter").text == "29 / 2500"
    duration.select_by_value("3")
    aspect.select_by_value("16:9")

    started = time.time()
    browser.find_element(By.ID, "submit").click()
    seconds = _wait_for_video(browser)
    elapsed = time.time() - started

    assert math.isclose(seconds, 3.0, abs_tol=0.1), f"video lasts {seconds} s, expected 3 s"
    status = browser.find_element(By.ID, "status").text
    assert "COMPLETED" in status
    assert browser.execute_script("return document.querySelector('#progress').value") == 1
    assert browser.find_element(By.ID, "error").get_attribute("hidden") is not None

    video_src = browser.execute_script("return document.querySelector('#result-video').currentSrc")
    assert video_src.startswith(base_url + "/files/")
    download = browser.find_element(By.ID, "download")
    assert download.is_displayed()
    assert download.get_attribute("href") == video_src
    assert download.get_attribute("download").endswith(".mp4")
    plan = [item.text for item in browser.find_elements(By.CSS_SELECTOR, "#plan-shots li")]
    assert plan and all(plan), "the plan's shot summaries are shown"
    # The body sent: what was filled in; fields left empty or at their default are not sent.
    sent = json.loads(browser.execute_script("return document.querySelector('#request-json').textContent"))
    assert sent["prompt"] == "slow push in on the test card"
    assert sent["duration"] == "3"
    assert sent["start_image_url"].startswith("data:image/png;base64,")
    assert not {"end_image_url", "multi_prompt", "elements", "voice_ids", "aspect_ratio"} & set(sent)
    # The key is remembered for the next visit.
    assert browser.execute_script("return localStorage.getItem('zoetrope.apiKey')") == api_key

    _wait(browser, 10, lambda d: d.execute_script("return document.querySelector('#result-video').readyState >= 2"),
          "the video's first frame did not decode")
    path = _screenshot(browser, "playground.png")
    browser.save_screenshot("/tmp/playground.png")
    assert os.path.getsize(path) > 0
    print(f"playground: video ready {elapsed:.1f} s after submit; screenshot {path}")


def test_playground_shows_the_api_error_for_a_wrong_key(zoetrope, browser, start_png):
    from selenium.webdriver.common.by import By

    base_url, _ = zoetrope
    _open(browser, base_url, "zk_this_is_not_a_key")
    _field(browser, "start_image_url", "input[type=file]").send_keys(start_png)
    _field(browser, "prompt", "textarea").send_keys("slow push in")
    browser.find_element(By.ID, "submit").click()

    text = _wait(browser, 20, lambda d: d.find_element(By.ID, "error").text, "no error was shown")
    assert "invalid API key" in text
    assert "401" in text
    error = browser.find_element(By.ID, "error")
    assert error.get_attribute("role") == "alert"
    assert error.is_displayed()
    assert browser.find_element(By.ID, "result-video").is_displayed() is False
    # The page is still alive: no uncaught script errors left it half-drawn.
    assert browser.find_element(By.ID, "submit").is_enabled()
    _screenshot(browser, "playground-401.png")


def test_playground_checks_required_fields_before_sending(zoetrope, browser, start_png):
    from selenium.webdriver.common.by import By

    base_url, api_key = zoetrope
    _open(browser, base_url, api_key)
    _field(browser, "prompt", "textarea").send_keys("slow push in")
    browser.find_element(By.ID, "submit").click()
    text = _wait(browser, 10, lambda d: d.find_element(By.ID, "error").text, "no error was shown")
    assert "start_image_url" in text and "required" in text
    assert browser.find_element(By.ID, "request-id").text == "–"  # nothing was sent

    # Neither prompt nor multi_prompt: the schema's anyOf is checked too.
    _field(browser, "prompt", "textarea").clear()
    _field(browser, "start_image_url", "input[type=file]").send_keys(start_png)
    browser.find_element(By.ID, "submit").click()
    text = _wait(browser, 10, lambda d: "multi_prompt" in d.find_element(By.ID, "error").text and
                 d.find_element(By.ID, "error").text, "no anyOf error was shown")
    assert "prompt or multi_prompt" in text
    assert browser.find_element(By.ID, "request-id").text == "–"


def test_playground_switches_to_the_voice_model_then_makes_a_multi_shot_video(zoetrope, browser, media):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    base_url, api_key = zoetrope
    _open(browser, base_url, api_key)
    kling_fields = _top_fields(browser)
    assert {"prompt", "start_image_url", "multi_prompt"} <= kling_fields

    # The create-voice model: its two fields replace Kling's, and the button says what it runs.
    _choose_model(browser, "kling-create-voice")
    assert _top_fields(browser) == {"voice_name", "voice_url"}
    assert not browser.find_elements(By.CSS_SELECTOR, '#model-form [data-field="prompt"]')
    assert not browser.find_elements(By.CSS_SELECTOR, '#model-form [data-field="start_image_url"]')
    assert "(required)" in _field(browser, "voice_name", "label").text
    assert _field(browser, "voice_name", "input[type=text]").get_attribute("maxlength") == "20"
    assert "audio/*" in _field(browser, "voice_url", "input[type=file]").get_attribute("accept")
    assert "kling-create-voice" in browser.find_element(By.ID, "submit").text
    assert "voice_id" in browser.find_element(By.ID, "model-hint").text

    # Made from a sample: the JSON output is shown, not a video.
    _field(browser, "voice_name", "input").send_keys("Tester")
    _field(browser, "voice_url", "input[type=file]").send_keys(media["voice.wav"])
    browser.find_element(By.ID, "submit").click()
    output = _wait(browser, 60, lambda d: d.find_element(By.ID, "result-json").text, "the voice's JSON was not shown")
    voice = json.loads(output)
    assert voice["voice_name"] == "Tester" and voice["voice_id"]
    assert "COMPLETED" in browser.find_element(By.ID, "status").text
    assert browser.find_element(By.ID, "result-video").is_displayed() is False
    assert browser.find_element(By.ID, "download").is_displayed() is False

    # Back on Kling: its fields are back; the new voice is listed and already in voice_ids.
    _choose_model(browser, "kling-3-pro-image2video")
    assert _top_fields(browser) == kling_fields
    assert not browser.find_elements(By.CSS_SELECTOR, '#model-form [data-field="voice_name"]')
    _wait(browser, 10, lambda d: d.execute_script(
        "const box = document.querySelector('#model-form input[name=voice]');"
        " return box && box.checked && box.parentElement.textContent.includes('Tester');"),
        "the created voice was not listed and selected")
    assert _field(browser, "voice_ids[0]", "input").get_attribute("value") == voice["voice_id"]
    assert "<<<voice_1>>>" in _field(browser, "voice_ids").text

    _field(browser, "start_image_url", "input[type=file]").send_keys(media["start.png"])
    _field(browser, "end_image_url", "input[type=file]").send_keys(media["end.png"])
    _field(browser, "elements", ".add-item").click()
    _field(browser, "elements[0].frontal_image_url", "input[type=file]").send_keys(media["start.png"])

    # multi_prompt: repeatable groups, at most maxItems of them.
    add_shot = _field(browser, "multi_prompt", ".add-item")
    for _ in range(5):
        add_shot.click()
    assert len(browser.find_elements(By.CSS_SELECTOR, '[data-field="multi_prompt"] .item')) == 5
    assert not add_shot.is_enabled(), "maxItems is 5"
    for _ in range(3):
        browser.find_elements(By.CSS_SELECTOR, '[data-field="multi_prompt"] .remove-item')[-1].click()
    assert add_shot.is_enabled()
    for index, (prompt, seconds) in enumerate((("fast pan left. \"Hi.\"", "2"), ("@Element1 static shot", "1"))):
        _field(browser, f"multi_prompt[{index}].prompt", "textarea").send_keys(prompt)
        Select(_field(browser, f"multi_prompt[{index}].duration", "select")).select_by_value(seconds)
    # "Required unless multi_prompt is given": the prompt box is greyed out and not sent.
    assert not _field(browser, "prompt", "textarea").is_enabled()
    assert "Total 3 s" in _field(browser, "multi_prompt", ".list-total").text
    Select(_field(browser, "aspect_ratio", "select")).select_by_value("1:1")

    browser.find_element(By.ID, "submit").click()
    seconds = _wait_for_video(browser)
    assert math.isclose(seconds, 3.0, abs_tol=0.1), f"video lasts {seconds} s, expected 3 s"
    assert "COMPLETED" in browser.find_element(By.ID, "status").text
    size = browser.execute_script(
        "const v = document.querySelector('#result-video'); return [v.videoWidth, v.videoHeight];")
    assert size == [1080, 1080]
    plan = [item.text for item in browser.find_elements(By.CSS_SELECTOR, "#plan-shots li")]
    assert len(plan) == 3, plan  # two shots and the morph into the end image
    assert "morph" in plan[-1]
    sent = json.loads(browser.execute_script("return document.querySelector('#request-json').textContent"))
    assert [shot["prompt"] for shot in sent["multi_prompt"]] == ["fast pan left. \"Hi.\"", "@Element1 static shot"]
    assert "prompt" not in sent and sent["voice_ids"] == [voice["voice_id"]]
    _screenshot(browser, "playground-multi-shot.png")

    # A phone-sized window keeps everything in one column without sideways scrolling.
    browser.set_window_size(390, 844)
    assert browser.execute_script(
        "return document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    browser.execute_script("document.querySelector('#result-heading').scrollIntoView()")
    _screenshot(browser, "playground-phone.png")


# A model this server does not have, added to the listing the page fetches, and a stub for its
# POST that records the body and answers the way the API refuses a request.
_STUB_MODEL = {
    "slug": "acme-test-model", "engine": "stub", "description": "A model only this test knows.",
    "output": "application/json",
    "parameters": {
        "type": "object", "additionalProperties": False, "required": ["title", "count"],
        "properties": {
            "title": {"type": "string", "maxLength": 40},
            "count": {"type": "integer", "minimum": 1, "maximum": 9, "default": 2},
            "strength": {"type": "number", "minimum": 0, "maximum": 10},
            "loud": {"type": "boolean"},
            "mode": {"oneOf": [{"type": "string", "enum": ["a", "b"]}, {"type": "integer"}], "default": "a"},
            "clip": {"type": "string", "x-zoetrope-media": "audio"},
            "tags": {"type": "array", "maxItems": 2, "items": {"type": "string"}},
            "layers": {"type": "array", "maxItems": 2, "items": {
                "type": "object", "required": ["name"],
                "properties": {"name": {"type": "string"}, "weight": {"type": "number"}}}},
        },
    },
}
_STUB_SCRIPT = """
(() => {
  const model = %s;
  const realFetch = window.fetch.bind(window);
  window.__sent = [];
  window.fetch = async (url, options) => {
    const path = String(url);
    if (/v1\\/models$/.test(path)) {
      const listing = await (await realFetch(url, options)).json();
      listing.models.push(model);
      return new Response(JSON.stringify(listing), {status: 200, headers: {"Content-Type": "application/json"}});
    }
    if (path.endsWith("v2/" + model.slug)) {
      window.__sent.push(JSON.parse(options.body));
      return new Response(JSON.stringify({error: "acme refuses this request"}),
                          {status: 400, headers: {"Content-Type": "application/json"}});
    }
    return realFetch(url, options);
  };
})();
""" % json.dumps(_STUB_MODEL)


def test_playground_builds_a_form_for_a_model_it_has_never_seen(zoetrope, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    base_url, api_key = zoetrope
    browser.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": _STUB_SCRIPT})
    _open(browser, base_url, api_key)
    assert "acme-test-model" in [o.get_attribute("value") for o in Select(browser.find_element(By.ID, "model")).options]
    _choose_model(browser, "acme-test-model")
    assert _top_fields(browser) == set(_STUB_MODEL["parameters"]["properties"])
    assert "Kling" not in browser.find_element(By.ID, "model-form").text

    count = _field(browser, "count", "input[type=number]")
    assert count.get_attribute("value") == "2" and count.get_attribute("step") == "1"
    assert count.get_attribute("max") == "9"
    assert _field(browser, "strength", "input[type=number]").get_attribute("value") == ""
    assert not _field(browser, "loud", "input[type=checkbox]").is_selected()
    mode = Select(_field(browser, "mode", "select"))
    assert mode.first_selected_option.get_attribute("value") == "a"
    assert _field(browser, "clip", "input[type=file]").get_attribute("accept") == "audio/*,video/*"
    assert "(required)" in _field(browser, "title", "label").text
    assert "(required)" in _field(browser, "count", "label").text

    # A required field left empty is reported before anything is sent.
    browser.find_element(By.ID, "submit").click()
    text = _wait(browser, 10, lambda d: d.find_element(By.ID, "error").text, "no error was shown")
    assert "title" in text and "required" in text
    assert browser.execute_script("return window.__sent.length") == 0

    _field(browser, "title", "input").send_keys("hello")
    count.clear()
    count.send_keys("3")
    mode.select_by_value("b")
    add_tag = _field(browser, "tags", ".add-item")
    add_tag.click()
    add_tag.click()
    assert not add_tag.is_enabled(), "maxItems is 2"
    _field(browser, "tags[0]", "input").send_keys("x")
    _field(browser, "tags[1]", "input").send_keys("y")
    _field(browser, "layers", ".add-item").click()
    _field(browser, "layers[0].name", "input").send_keys("L1")
    _field(browser, "layers[0].weight", "input").send_keys("0.5")
    browser.find_element(By.ID, "submit").click()

    text = _wait(browser, 10, lambda d: d.find_element(By.ID, "error").text, "no error was shown")
    assert "400" in text and "acme refuses this request" in text
    # Empty optional fields (strength, clip, loud) are left out; mode is sent as chosen.
    assert browser.execute_script("return window.__sent") == [{
        "title": "hello", "count": 3, "mode": "b", "tags": ["x", "y"], "layers": [{"name": "L1", "weight": 0.5}],
    }]
    assert browser.find_element(By.ID, "submit").is_enabled()
