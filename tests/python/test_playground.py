"""The web playground served at `/`, driven in headless Chromium through Selenium against a real
Zoetrope server: a generation from a picked picture to a playing video, and a wrong key's 401."""

import math
import os
import shutil
import subprocess
import tempfile
import time

import pytest

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
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
        pytest.fail("selenium is not installed: pip install -r tests/python/requirements.txt", pytrace=False)


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


def test_playground_generates_and_plays_a_video(zoetrope, browser, start_png):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    base_url, api_key = zoetrope
    browser.get(base_url + "/")
    assert "Zoetrope" in browser.title
    # The stylesheet loaded: the panels have their rounded borders.
    assert browser.execute_script(
        "return getComputedStyle(document.querySelector('.panel')).borderTopLeftRadius") == "8px"

    key = browser.find_element(By.ID, "api-key")
    key.clear()
    key.send_keys(api_key)
    # The server's video models are offered; the built-in one is chosen.
    _wait(browser, 10, lambda d: "ltx-2-image2video" in [
        o.get_attribute("value") for o in Select(d.find_element(By.ID, "model")).options], "models did not load")
    model = Select(browser.find_element(By.ID, "model"))
    assert [o.get_attribute("value") for o in model.options] == ["kling-3-pro-image2video", "ltx-2-image2video"]
    assert model.first_selected_option.get_attribute("value") == "kling-3-pro-image2video"
    model.select_by_value("ltx-2-image2video")
    assert "GPU workers" in browser.find_element(By.ID, "model-hint").text
    model.select_by_value("kling-3-pro-image2video")
    browser.find_element(By.ID, "start-image").send_keys(start_png)
    _wait(browser, 10, lambda d: d.execute_script(
        "const img = document.querySelector('#start-preview');"
        " return !img.hidden && img.complete && img.naturalWidth === 640;"), "the start image preview did not show")
    browser.find_element(By.ID, "prompt").send_keys("slow push in on the test card")
    Select(browser.find_element(By.ID, "duration")).select_by_value("3")
    Select(browser.find_element(By.ID, "aspect-ratio")).select_by_value("16:9")
    audio = browser.find_element(By.ID, "generate-audio")
    assert audio.is_selected()

    started = time.time()
    browser.find_element(By.ID, "submit").click()
    duration = _wait(browser, 180, lambda d: d.execute_script(
        "const v = document.querySelector('#result-video');"
        " return (isFinite(v.duration) && v.duration > 0) ? v.duration : null;"),
        "the result video did not load")
    elapsed = time.time() - started

    assert math.isclose(duration, 3.0, abs_tol=0.1), f"video lasts {duration} s, expected 3 s"
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
    # The key is remembered for the next visit.
    assert browser.execute_script("return localStorage.getItem('zoetrope.apiKey')") == api_key

    _wait(browser, 10, lambda d: d.execute_script("return document.querySelector('#result-video').readyState >= 2"),
          "the video's first frame did not decode")
    path = _screenshot(browser, "playground.png")
    assert os.path.getsize(path) > 0
    print(f"playground: video ready {elapsed:.1f} s after submit; screenshot {path}")


def test_playground_shows_the_api_error_for_a_wrong_key(zoetrope, browser, start_png):
    from selenium.webdriver.common.by import By

    base_url, _ = zoetrope
    browser.get(base_url + "/")
    key = browser.find_element(By.ID, "api-key")
    key.clear()
    key.send_keys("zk_this_is_not_a_key")
    browser.find_element(By.ID, "start-image").send_keys(start_png)
    browser.find_element(By.ID, "prompt").send_keys("slow push in")
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


def test_playground_multi_shot_with_end_image_element_and_a_created_voice(zoetrope, browser, media):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    base_url, api_key = zoetrope
    browser.get(base_url + "/")
    key = browser.find_element(By.ID, "api-key")
    key.clear()
    key.send_keys(api_key)

    # Create a voice from a sample; the page polls the job, reloads the list and selects the voice.
    browser.find_element(By.CSS_SELECTOR, ".create-voice summary").click()
    browser.find_element(By.ID, "voice-name").send_keys("Tester")
    browser.find_element(By.ID, "voice-file").send_keys(media["voice.wav"])
    browser.find_element(By.ID, "create-voice").click()
    _wait(browser, 60, lambda d: d.execute_script(
        "const box = document.querySelector('#voices input[name=voice]');"
        " return box && box.checked && box.parentElement.textContent.includes('Tester');"),
        "the created voice was not listed and selected")
    assert "<<<voice_1>>>" in browser.find_element(By.ID, "voices").text
    assert "created" in browser.find_element(By.ID, "voice-status").text

    browser.find_element(By.ID, "start-image").send_keys(media["start.png"])
    browser.find_element(By.ID, "end-image").send_keys(media["end.png"])
    browser.find_element(By.ID, "element-image").send_keys(media["start.png"])
    for prompt, seconds in (("fast pan left. \"Hi.\"", "2"), ("@Element1 static shot", "1")):
        browser.find_element(By.ID, "add-shot").click()
        row = browser.find_elements(By.CSS_SELECTOR, "#shots .shot")[-1]
        row.find_element(By.CLASS_NAME, "shot-prompt").send_keys(prompt)
        seconds_input = row.find_element(By.CLASS_NAME, "shot-duration")
        seconds_input.clear()
        seconds_input.send_keys(seconds)
    assert not browser.find_element(By.ID, "prompt").is_enabled()
    assert "Total 3 s" in browser.find_element(By.ID, "shots-total").text
    Select(browser.find_element(By.ID, "aspect-ratio")).select_by_value("1:1")

    browser.find_element(By.ID, "submit").click()
    duration = _wait(browser, 180, lambda d: d.execute_script(
        "const v = document.querySelector('#result-video');"
        " return (isFinite(v.duration) && v.duration > 0) ? v.duration : null;"),
        "the result video did not load")
    assert math.isclose(duration, 3.0, abs_tol=0.1), f"video lasts {duration} s, expected 3 s"
    assert "COMPLETED" in browser.find_element(By.ID, "status").text
    size = browser.execute_script(
        "const v = document.querySelector('#result-video'); return [v.videoWidth, v.videoHeight];")
    assert size == [1080, 1080]
    plan = [item.text for item in browser.find_elements(By.CSS_SELECTOR, "#plan-shots li")]
    assert len(plan) == 3, plan  # two shots and the morph into the end image
    assert "morph" in plan[-1]

    # A phone-sized window keeps everything in one column without sideways scrolling.
    browser.set_window_size(390, 844)
    assert browser.execute_script(
        "return document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    browser.execute_script("document.querySelector('#result-heading').scrollIntoView()")
    _screenshot(browser, "playground-phone.png")
