// Zoetrope playground: plain JavaScript, no dependencies. Calls this server's public API with
// relative URLs (so it works behind any base URL) and the key typed into the page.
(() => {
  "use strict";

  const MODEL = "kling-3-pro-image2video";
  const VOICE_MODEL = "kling-create-voice";
  const KEY_STORAGE = "zoetrope.apiKey";
  const POLL_MS = 500;
  const MAX_SHOTS = 5;
  const MAX_VOICES = 2;
  const MAX_FILE_BYTES = 50 * 1024 * 1024;
  const STATUS_WORDS = {
    400: "The request was refused (400 Bad Request)",
    401: "The API key was not accepted (401 Unauthorized)",
    403: "Not allowed (403 Forbidden)",
    404: "Not found (404)",
    406: "Not acceptable (406)",
    413: "Too large (413)",
    422: "The job failed (422)",
    429: "Too many requests (429)",
    500: "Server error (500)",
    502: "Upstream unavailable (502)",
    504: "Timed out (504)",
  };

  const $ = (id) => document.getElementById(id);
  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

  const state = {
    images: { start: null, end: null, element: null }, // data: URIs
    previews: { start: null, end: null, element: null }, // object URLs
    pending: { start: null, end: null, element: null }, // reads in flight
    selectedVoices: [], // voice ids, in the order they were chosen (voice_1, voice_2)
    job: 0, // bumped on each submit; a poll loop stops when it no longer matches
    shotSerial: 0,
  };

  // ---------------------------------------------------------------- API

  /** One API call; never throws. Resolves to {ok, status, data, text}. */
  async function api(method, url, body) {
    const headers = { Accept: "application/json" };
    const key = $("api-key").value.trim();
    if (key) headers["x-api-key"] = key;
    if (body !== undefined) headers["Content-Type"] = "application/json";
    let response;
    try {
      response = await fetch(url, {
        method, headers, cache: "no-store",
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (error) {
      return { ok: false, status: 0, data: null, text: "could not reach the server (" + error.message + ")" };
    }
    const text = await response.text().catch(() => "");
    let data = null;
    try { data = text ? JSON.parse(text) : null; } catch (_) { data = null; }
    return { ok: response.ok, status: response.status, data, text };
  }

  /** A sentence for a failed call: what the status means, then the API's own `error`. */
  function describeFailure(res) {
    if (res.status === 0) return "Network error: " + res.text;
    const reason = res.data && typeof res.data.error === "string"
      ? res.data.error
      : (res.text || "no details").slice(0, 300);
    const head = STATUS_WORDS[res.status] || "HTTP " + res.status;
    return head + ": " + reason;
  }

  /** The path of an absolute URL the API returned when it is on this page's origin; else `fallback`. */
  function sameOrigin(url, fallback) {
    try {
      const parsed = new URL(url, document.baseURI);
      if (parsed.origin === location.origin) return parsed.href;
    } catch (_) { /* fall through */ }
    return fallback;
  }

  // ---------------------------------------------------------------- messages

  function showError(message) {
    const box = $("error");
    box.textContent = message;
    box.hidden = false;
  }
  function clearError() {
    const box = $("error");
    box.textContent = "";
    box.hidden = true;
  }
  function setVoiceMessage(message, isError) {
    const status = $("voice-status");
    status.textContent = message;
    status.setAttribute("role", isError ? "alert" : "status");
    status.classList.toggle("error", Boolean(isError) && Boolean(message));
  }

  // ---------------------------------------------------------------- API key

  function loadKey() {
    try { $("api-key").value = localStorage.getItem(KEY_STORAGE) || ""; } catch (_) { /* storage off */ }
  }
  function saveKey() {
    try { localStorage.setItem(KEY_STORAGE, $("api-key").value.trim()); } catch (_) { /* storage off */ }
  }

  // ---------------------------------------------------------------- files and previews

  function readAsDataURL(file) {
    return new Promise((resolve, reject) => {
      const reader = new FileReader();
      reader.onload = () => resolve(reader.result);
      reader.onerror = () => reject(reader.error || new Error("could not read the file"));
      reader.readAsDataURL(file);
    });
  }

  async function takeImage(slot, file) {
    const input = $(slot + "-image");
    const preview = $(slot + "-preview");
    const clear = $(slot + "-clear");
    clearImage(slot, false);
    if (!file) return;
    if (file.type && !file.type.startsWith("image/")) {
      showError(`“${file.name}” is not a picture (${file.type}).`);
      input.value = "";
      return;
    }
    if (file.size > MAX_FILE_BYTES) {
      showError(`“${file.name}” is larger than 50 MB.`);
      input.value = "";
      return;
    }
    try {
      state.images[slot] = await readAsDataURL(file);
    } catch (error) {
      showError(`Could not read “${file.name}”: ${error.message}`);
      return;
    }
    state.previews[slot] = URL.createObjectURL(file);
    preview.src = state.previews[slot];
    preview.hidden = false;
    clear.hidden = false;
  }

  function clearImage(slot, resetInput) {
    state.images[slot] = null;
    if (state.previews[slot]) URL.revokeObjectURL(state.previews[slot]);
    state.previews[slot] = null;
    const preview = $(slot + "-preview");
    preview.hidden = true;
    preview.removeAttribute("src");
    $(slot + "-clear").hidden = true;
    if (resetInput) $(slot + "-image").value = "";
  }

  function wireImage(slot, dropZone) {
    const input = $(slot + "-image");
    input.addEventListener("change", () => { state.pending[slot] = takeImage(slot, input.files[0]); });
    $(slot + "-clear").addEventListener("click", () => clearImage(slot, true));
    if (!dropZone) return;
    const zone = $(dropZone);
    ["dragenter", "dragover"].forEach((type) => zone.addEventListener(type, (event) => {
      event.preventDefault();
      zone.classList.add("dragging");
    }));
    ["dragleave", "dragend"].forEach((type) => zone.addEventListener(type, () => zone.classList.remove("dragging")));
    zone.addEventListener("drop", (event) => {
      event.preventDefault();
      zone.classList.remove("dragging");
      const files = event.dataTransfer && event.dataTransfer.files;
      if (!files || !files.length) return;
      try { input.files = files; } catch (_) { /* older browsers: keep the preview only */ }
      state.pending[slot] = takeImage(slot, files[0]);
    });
  }

  // ---------------------------------------------------------------- multi-shot

  function shotRows() {
    return Array.from($("shots").querySelectorAll(".shot"));
  }

  function addShot(prompt, seconds) {
    if (shotRows().length >= MAX_SHOTS) return;
    const row = $("shot-template").content.firstElementChild.cloneNode(true);
    const serial = ++state.shotSerial;
    const promptInput = row.querySelector(".shot-prompt");
    const durationInput = row.querySelector(".shot-duration");
    promptInput.id = "shot-prompt-" + serial;
    durationInput.id = "shot-duration-" + serial;
    row.querySelector(".shot-prompt-label").htmlFor = promptInput.id;
    row.querySelector(".shot-duration-label").htmlFor = durationInput.id;
    promptInput.value = prompt || "";
    durationInput.value = String(seconds || 3);
    durationInput.addEventListener("input", updateShots);
    row.querySelector(".remove-shot").addEventListener("click", () => {
      row.remove();
      updateShots();
    });
    $("shots").appendChild(row);
    updateShots();
    promptInput.focus();
  }

  function updateShots() {
    const rows = shotRows();
    rows.forEach((row, index) => {
      row.querySelector(".shot-prompt-label").textContent = `Shot ${index + 1} prompt`;
      row.querySelector(".remove-shot").setAttribute("aria-label", `Remove shot ${index + 1}`);
    });
    const used = rows.length > 0;
    $("prompt").disabled = used;
    $("duration").disabled = used;
    $("add-shot").disabled = rows.length >= MAX_SHOTS;
    if (used) {
      const total = rows.reduce((sum, row) => sum + (parseInt(row.querySelector(".shot-duration").value, 10) || 0), 0);
      const fits = total >= 3 && total <= 15;
      $("shots-total").textContent = `Total ${total} s${fits ? "" : " (the video must last 3–15 s)"}; the prompt and duration above are not sent.`;
    } else {
      $("shots-total").textContent = "";
    }
  }

  // ---------------------------------------------------------------- voices

  async function loadVoices() {
    const box = $("voices");
    if (!$("api-key").value.trim()) {
      box.innerHTML = '<p class="hint">Enter your API key to load your voices.</p>';
      return;
    }
    const res = await api("GET", "v1/voices");
    if (!res.ok || !res.data || !Array.isArray(res.data.voices)) {
      box.innerHTML = "";
      const p = document.createElement("p");
      p.className = "hint";
      p.textContent = "Could not load voices. " + describeFailure(res);
      box.appendChild(p);
      return;
    }
    renderVoices(res.data.voices);
  }

  function renderVoices(voices) {
    const box = $("voices");
    box.innerHTML = "";
    const known = new Set(voices.map((voice) => voice.voice_id));
    state.selectedVoices = state.selectedVoices.filter((id) => known.has(id));
    if (!voices.length) {
      box.innerHTML = '<p class="hint">No voices yet: create one below.</p>';
      return;
    }
    voices.forEach((voice) => {
      const label = document.createElement("label");
      const box_ = document.createElement("input");
      box_.type = "checkbox";
      box_.name = "voice";
      box_.value = voice.voice_id;
      box_.checked = state.selectedVoices.includes(voice.voice_id);
      box_.addEventListener("change", () => {
        if (box_.checked) {
          if (!state.selectedVoices.includes(voice.voice_id)) state.selectedVoices.push(voice.voice_id);
        } else {
          state.selectedVoices = state.selectedVoices.filter((id) => id !== voice.voice_id);
        }
        updateVoiceChoices();
      });
      const name = document.createElement("span");
      name.textContent = voice.voice_name;
      const detail = document.createElement("span");
      detail.className = "hint";
      const pitch = typeof voice.pitch_hz === "number" ? ` · ${Math.round(voice.pitch_hz)} Hz` : "";
      detail.textContent = pitch;
      const tag = document.createElement("code");
      tag.className = "voice-tag";
      label.append(box_, name, detail, tag);
      box.appendChild(label);
    });
    updateVoiceChoices();
  }

  function updateVoiceChoices() {
    const full = state.selectedVoices.length >= MAX_VOICES;
    $("voices").querySelectorAll("input[name=voice]").forEach((input) => {
      input.disabled = full && !input.checked;
      const index = state.selectedVoices.indexOf(input.value);
      const tag = input.parentElement.querySelector(".voice-tag");
      tag.textContent = index >= 0 ? `<<<voice_${index + 1}>>>` : "";
    });
  }

  async function createVoice() {
    const name = $("voice-name").value.trim();
    const file = $("voice-file").files[0];
    if (!$("api-key").value.trim()) return setVoiceMessage("Enter your API key first.", true);
    if (!name) return setVoiceMessage("Give the voice a name (1–20 characters).", true);
    if (!file) return setVoiceMessage("Choose a sample: 5–30 s of one voice.", true);
    if (file.size > MAX_FILE_BYTES) return setVoiceMessage("The sample is larger than 50 MB.", true);
    const button = $("create-voice");
    button.disabled = true;
    try {
      setVoiceMessage("Uploading the sample…");
      const sample = await readAsDataURL(file);
      const submitted = await api("POST", "v2/" + VOICE_MODEL, { voice_name: name, voice_url: sample });
      if (!submitted.ok || !submitted.data || !submitted.data.request_id) {
        return setVoiceMessage(describeFailure(submitted), true);
      }
      const id = submitted.data.request_id;
      const statusURL = sameOrigin(submitted.data.status_url, `v2/requests/${encodeURIComponent(id)}/status`);
      const resultURL = sameOrigin(submitted.data.response_url, `v2/requests/${encodeURIComponent(id)}`);
      for (let failures = 0; ;) {
        await sleep(POLL_MS);
        const res = await api("GET", statusURL);
        const status = res.data && res.data.status;
        if (status === "FAILED" || res.status === 422) return setVoiceMessage("The voice could not be made: " + ((res.data && res.data.error) || "the job failed"), true);
        if (!res.ok) {
          if ((res.status === 0 || res.status >= 500) && ++failures < 6) continue;
          return setVoiceMessage(describeFailure(res), true);
        }
        failures = 0;
        if (status === "COMPLETED") break;
        setVoiceMessage(`Analysing the sample… (${(status || "").toLowerCase()})`);
      }
      const result = await api("GET", resultURL);
      if (!result.ok) return setVoiceMessage(describeFailure(result), true);
      const output = result.data && result.data.output;
      if (output && output.voice_id && state.selectedVoices.length < MAX_VOICES) {
        state.selectedVoices.push(output.voice_id);
      }
      setVoiceMessage(`Voice “${(output && output.voice_name) || name}” created.`);
      $("voice-name").value = "";
      $("voice-file").value = "";
      await loadVoices();
    } catch (error) {
      setVoiceMessage("Could not create the voice: " + error.message, true);
    } finally {
      button.disabled = false;
    }
  }

  // ---------------------------------------------------------------- result panel

  function resetResult() {
    clearError();
    setStatus("–", null, 0);
    $("request-id").textContent = "–";
    const video = $("result-video");
    video.pause();
    video.removeAttribute("src");
    video.load();
    video.hidden = true;
    const link = $("download");
    link.hidden = true;
    link.setAttribute("href", "#");
    $("plan").hidden = true;
    $("plan-shots").innerHTML = "";
    $("metrics").textContent = "";
  }

  function setStatus(text, queuePosition, progress) {
    $("status").textContent = text;
    $("queue-position").textContent = queuePosition ? String(queuePosition) : "–";
    if (typeof progress === "number" && isFinite(progress)) {
      const clamped = Math.min(1, Math.max(0, progress));
      $("progress").value = clamped;
      $("progress").textContent = Math.round(clamped * 100) + "%";
      $("progress-text").textContent = Math.round(clamped * 100) + "%";
    }
  }

  function showPlan(plan) {
    const shots = plan && Array.isArray(plan.shots) ? plan.shots : [];
    const list = $("plan-shots");
    list.innerHTML = "";
    shots.forEach((shot) => {
      if (!shot || !shot.summary) return;
      const item = document.createElement("li");
      item.textContent = shot.summary;
      list.appendChild(item);
    });
    if (plan && plan.transition) {
      const item = document.createElement("li");
      item.textContent = plan.transition;
      list.appendChild(item);
    }
    $("plan").hidden = list.children.length === 0;
  }

  function showMetrics(metrics) {
    if (!metrics) return;
    const parts = [];
    if (typeof metrics.queue_time === "number") parts.push(`queued ${metrics.queue_time.toFixed(1)} s`);
    if (typeof metrics.inference_time === "number") parts.push(`rendered in ${metrics.inference_time.toFixed(1)} s`);
    if (typeof metrics.total_time === "number") parts.push(`total ${metrics.total_time.toFixed(1)} s`);
    $("metrics").textContent = parts.length ? parts.join(" · ") : "";
  }

  // ---------------------------------------------------------------- submit and poll

  function buildBody() {
    const body = { start_image_url: state.images.start };
    const rows = shotRows();
    if (rows.length) {
      body.multi_prompt = rows.map((row) => ({
        prompt: row.querySelector(".shot-prompt").value.trim(),
        duration: String(parseInt(row.querySelector(".shot-duration").value, 10) || 0),
      }));
    } else {
      body.prompt = $("prompt").value.trim();
      body.duration = $("duration").value;
    }
    if (state.images.end) body.end_image_url = state.images.end;
    body.aspect_ratio = $("aspect-ratio").value;
    body.cfg_scale = Number($("cfg-scale").value);
    body.negative_prompt = $("negative-prompt").value;
    body.generate_audio = $("generate-audio").checked;
    if (state.images.element) body.elements = [{ frontal_image_url: state.images.element }];
    if (state.selectedVoices.length) body.voice_ids = state.selectedVoices.slice(0, MAX_VOICES);
    return body;
  }

  function checkForm() {
    if (!$("api-key").value.trim()) return "Enter your API key.";
    if (!state.images.start) return "Choose a start image.";
    const rows = shotRows();
    if (rows.length) {
      const empty = rows.findIndex((row) => !row.querySelector(".shot-prompt").value.trim());
      if (empty >= 0) return `Write a prompt for shot ${empty + 1}, or remove it.`;
    } else if (!$("prompt").value.trim()) {
      return "Write a prompt (or add shots).";
    }
    return null;
  }

  async function submit(event) {
    event.preventDefault();
    const job = ++state.job;
    resetResult();
    await Promise.all(Object.values(state.pending).filter(Boolean)); // files still being read
    if (job !== state.job) return;
    const problem = checkForm();
    if (problem) {
      setStatus("idle", null, 0);
      showError(problem);
      return;
    }
    const button = $("submit");
    button.disabled = true;
    setStatus("SUBMITTING", null, 0);
    let res;
    try {
      res = await api("POST", "v2/" + encodeURIComponent($("model").value || MODEL), buildBody());
    } finally {
      button.disabled = false;
    }
    if (job !== state.job) return;
    if (!res.ok || !res.data || !res.data.request_id) {
      setStatus("ERROR", null, 0);
      showError(res.ok ? "The server's answer had no request_id." : describeFailure(res));
      return;
    }
    const id = res.data.request_id;
    $("request-id").textContent = id;
    setStatus(res.data.status || "QUEUED", null, 0);
    const statusURL = sameOrigin(res.data.status_url, `v2/requests/${encodeURIComponent(id)}/status`);
    const resultURL = sameOrigin(res.data.response_url, `v2/requests/${encodeURIComponent(id)}`);
    await poll(job, id, statusURL, resultURL);
  }

  async function poll(job, id, statusURL, resultURL) {
    let failures = 0;
    while (job === state.job) {
      const res = await api("GET", statusURL);
      if (job !== state.job) return;
      const status = res.data && res.data.status;
      if (status === "FAILED" || res.status === 422) {
        setStatus("FAILED", null, res.data && res.data.progress);
        showError("The job failed: " + ((res.data && res.data.error) || "no reason given"));
        return;
      }
      if (!res.ok) {
        if ((res.status === 0 || res.status >= 500) && ++failures < 6) {
          await sleep(POLL_MS * 2);
          continue;
        }
        setStatus("ERROR", null, null);
        showError(describeFailure(res));
        return;
      }
      failures = 0;
      setStatus(status || "?", status === "QUEUED" ? res.data.queue_position : null, res.data.progress);
      if (status === "COMPLETED") return finish(job, id, resultURL);
      if (status === "CANCELLED") {
        showError("The job was cancelled.");
        return;
      }
      await sleep(POLL_MS);
    }
  }

  async function finish(job, id, resultURL) {
    const res = await api("GET", resultURL);
    if (job !== state.job) return;
    if (!res.ok || !res.data) {
      showError(describeFailure(res));
      return;
    }
    setStatus(res.data.status || "COMPLETED", null, 1);
    showPlan(res.data.plan);
    showMetrics(res.data.metrics);
    const output = res.data.output;
    if (typeof output !== "string" || !output) {
      showError("The result has no video URL.");
      return;
    }
    const video = $("result-video");
    video.src = output;
    video.hidden = false;
    const link = $("download");
    link.href = output;
    link.setAttribute("download", `zoetrope-${id}.mp4`);
    link.hidden = false;
  }

  // ---------------------------------------------------------------- start

  function init() {
    loadKey();
    let keyTimer = null;
    $("api-key").addEventListener("input", () => {
      saveKey();
      clearTimeout(keyTimer);
      keyTimer = setTimeout(loadVoices, 600);
    });
    $("toggle-key").addEventListener("click", () => {
      const input = $("api-key");
      const show = input.type === "password";
      input.type = show ? "text" : "password";
      $("toggle-key").textContent = show ? "Hide" : "Show";
      $("toggle-key").setAttribute("aria-pressed", String(show));
    });

    wireImage("start", "start-drop");
    wireImage("end", "end-drop");
    wireImage("element", null);

    const prompt = $("prompt");
    prompt.addEventListener("input", () => {
      $("prompt-count").textContent = `${prompt.value.length} / 2500`;
    });
    const cfg = $("cfg-scale");
    cfg.addEventListener("input", () => { $("cfg-scale-value").textContent = Number(cfg.value).toFixed(2); });

    $("add-shot").addEventListener("click", () => addShot("", 3));
    $("refresh-voices").addEventListener("click", loadVoices);
    $("create-voice").addEventListener("click", createVoice);
    $("generate-form").addEventListener("submit", submit);

    // The browser may restore files chosen before a reload.
    ["start", "end", "element"].forEach((slot) => {
      const input = $(slot + "-image");
      if (input.files && input.files[0]) state.pending[slot] = takeImage(slot, input.files[0]);
    });
    $("model").addEventListener("change", describeModel);
    updateShots();
    loadVoices();
    loadModels();
  }

  /** Fills the model list with the server's video models (GET /v1/models needs no key). */
  async function loadModels() {
    const res = await api("GET", "v1/models");
    const models = (res.ok && res.data && res.data.models) || [];
    const select = $("model");
    const chosen = select.value;
    const video = models.filter((m) => m.output === "video/mp4");
    if (!video.length) return;
    select.replaceChildren(...video.map((m) => {
      const option = document.createElement("option");
      option.value = m.slug;
      option.textContent = m.slug;
      option.dataset.description = m.description || "";
      return option;
    }));
    if (video.some((m) => m.slug === chosen)) select.value = chosen;
    describeModel();
  }

  function describeModel() {
    const option = $("model").selectedOptions[0];
    if (option && option.dataset.description) $("model-hint").textContent = "(" + option.dataset.description + ")";
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
