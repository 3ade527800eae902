// Zoetrope playground: plain JavaScript, no dependencies. Calls this server's public API with
// relative URLs (so it works behind any base URL) and the key typed into the page. The request
// form is not written in the HTML: it is built from the chosen model's JSON Schema, as listed by
// GET /v1/models, so a model the server adds shows up with its own fields.
(() => {
  "use strict";

  const KEY_STORAGE = "zoetrope.apiKey";
  const POLL_MS = 500;
  const VIDEO = "video/mp4";
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
  /** Words written differently in labels than in field names. */
  const WORDS = { id: "ID", ids: "IDs", url: "URL", urls: "URLs", cfg: "CFG", fps: "FPS", uri: "URI" };

  const $ = (id) => document.getElementById(id);
  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

  const state = {
    models: [], // GET /v1/models's entries
    forms: new Map(), // slug -> {model, root, widget}: built once, kept while the page lives
    current: null, // the form shown
    pending: new Set(), // file reads in flight
    voices: null, // GET /v1/voices's list, or a sentence saying why there is none
    voiceLists: new Set(), // voice_ids-like lists: {render(), offer(id)}
    job: 0, // bumped on each submit; a poll loop stops when it no longer matches
    serial: 0,
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
    if (typeof url !== "string" || !url) return fallback;
    try {
      const parsed = new URL(url, document.baseURI);
      if (parsed.origin === location.origin) return parsed.href;
    } catch (_) { /* fall through */ }
    return fallback;
  }

  // ---------------------------------------------------------------- small helpers

  /** document.createElement with attributes ("class", "text", "for", "on<event>") and children. */
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    Object.entries(attrs || {}).forEach(([name, value]) => {
      if (value === undefined || value === null || value === false) return;
      if (name === "class") node.className = value;
      else if (name === "text") node.textContent = value;
      else if (name === "for") node.htmlFor = value;
      else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
      else node.setAttribute(name, value === true ? "" : String(value));
    });
    children.flat().forEach((child) => {
      if (child !== null && child !== undefined && child !== false) node.append(child);
    });
    return node;
  }
  const nextId = () => "f" + (++state.serial);
  const joinPath = (path, key) => typeof key === "number" ? `${path}[${key}]` : (path ? `${path}.${key}` : key);
  const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);
  const changed = (node) => node.dispatchEvent(new Event("input", { bubbles: true }));

  /** "start_image_url" → "Start image", "reference_image_urls" → "Reference images", "voice_ids" → "Voice IDs". */
  function humanize(name) {
    let base = String(name || "");
    if (/._urls$/.test(base)) base = base.slice(0, -5) + "s";
    else if (/._url$/.test(base)) base = base.slice(0, -4);
    const words = base.split(/[_\s-]+/).filter(Boolean).map((word) => WORDS[word.toLowerCase()] || word);
    if (!words.length) return String(name || "");
    words[0] = words[0].charAt(0).toUpperCase() + words[0].slice(1);
    return words.join(" ");
  }
  /** "Elements" → "Element", "Voice IDs" → "Voice ID". */
  const singular = (label) => label.replace(/ies$/, "y").replace(/([^s])s$/, "$1");
  /** Lower-cases the first letter unless the first word is an acronym. */
  const lowerFirst = (text) => /^[A-Z][a-z]/.test(text) ? text.charAt(0).toLowerCase() + text.slice(1) : text;

  function formatBytes(bytes) {
    if (bytes >= 1024 * 1024) return `${Math.round(bytes / (1024 * 1024))} MB`;
    if (bytes >= 1024) return `${Math.round(bytes / 1024)} kB`;
    return `${bytes} bytes`;
  }

  function readAsDataURL(file) {
    return new Promise((resolve, reject) => {
      const reader = new FileReader();
      reader.onload = () => resolve(reader.result);
      reader.onerror = () => reject(reader.error || new Error("could not read the file"));
      reader.readAsDataURL(file);
    });
  }

  function track(promise) {
    state.pending.add(promise);
    promise.finally(() => state.pending.delete(promise));
    return promise;
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

  // ---------------------------------------------------------------- API key

  function loadKey() {
    try { $("api-key").value = localStorage.getItem(KEY_STORAGE) || ""; } catch (_) { /* storage off */ }
  }
  function saveKey() {
    try { localStorage.setItem(KEY_STORAGE, $("api-key").value.trim()); } catch (_) { /* storage off */ }
  }

  // ---------------------------------------------------------------- reading the schema

  const typeOf = (schema) => Array.isArray(schema.type) ? schema.type.find((type) => type !== "null") : schema.type;

  /** A string that takes a file or a link: declared, named like one (`*_url`, `*_urls` in an array), or size-capped. */
  function isMedia(name, schema) {
    if (schema["x-zoetrope-media"]) return true;
    if (typeOf(schema) !== "string" || Array.isArray(schema.enum)) return false;
    return /_urls?$/.test(name || "") || schema.maxBytes !== undefined;
  }

  /** "image", "audio" (audio or video files: a voice sample), "video" or "file". */
  function mediaKind(name, schema) {
    const declared = schema["x-zoetrope-media"];
    if (typeof declared === "string") return declared;
    const field = String(name || "").toLowerCase();
    const about = String(schema.description || "").toLowerCase();
    if (/image|picture|photo|frame/.test(field)) return "image";
    if (/audio|voice|sound|speech/.test(field) || /\baudio\b/.test(about)) return "audio";
    if (/\bimage\b/.test(about)) return "image";
    if (/video/.test(field)) return "video";
    return "file";
  }
  const ACCEPT = { image: "image/*", audio: "audio/*,video/*", video: "video/*" };
  const NOUN = { image: "a picture", audio: "an audio or video file", video: "a video", file: "a file" };

  /** Text that deserves a multi-line box. */
  const isLongText = (name, schema) => /prompt|text|caption|script|lyrics/.test(name || "") || (schema.maxLength || 0) > 500;

  /** For `oneOf`/`anyOf`: the list of values a select offers, or null (then the first variant is used). */
  function choicesOf(schema) {
    const variants = (schema.oneOf || schema.anyOf || []).filter((variant) => variant && typeOf(variant) !== "null");
    const withEnum = variants.find((variant) => Array.isArray(variant.enum));
    if (withEnum) return withEnum.enum.filter((value) => value !== null);
    if (variants.length && variants.every((variant) => variant && "const" in variant)) return variants.map((variant) => variant.const);
    return null;
  }

  function widgetKind(name, schema) {
    if (!schema || typeof schema !== "object") return "json";
    // An object's anyOf says which of its properties must be given (see objectWidget).
    if (typeOf(schema) === "object" && schema.properties) return "object";
    if (Array.isArray(schema.oneOf) || Array.isArray(schema.anyOf)) return choicesOf(schema) ? "select" : "variant";
    if (Array.isArray(schema.enum)) return "select";
    if (isMedia(name, schema)) return "media";
    switch (typeOf(schema)) {
      case "string": return isLongText(name, schema) ? "textarea" : "text";
      case "number": return "number";
      case "integer": return "integer";
      case "boolean": return "boolean";
      case "array": return "list";
      case "object": return schema.properties ? "object" : "json";
      default: return "json";
    }
  }

  /** The lowest and highest values a number-like schema allows, or null. */
  function rangeOf(schema) {
    if (!schema) return null;
    const variants = schema.oneOf || schema.anyOf || [schema];
    const numbers = [];
    variants.forEach((variant) => {
      if (!variant) return;
      if (Number.isFinite(variant.minimum)) numbers.push(variant.minimum);
      if (Number.isFinite(variant.maximum)) numbers.push(variant.maximum);
      (variant.enum || []).forEach((value) => { if (isFinite(Number(value))) numbers.push(Number(value)); });
    });
    return numbers.length ? [Math.min(...numbers), Math.max(...numbers)] : null;
  }

  // ---------------------------------------------------------------- widgets
  //
  // Each schema node becomes a widget: {el, get(), problem(), setPath(path), setDisabled(flag)}.
  // get() is the JSON value, or undefined when the user left it empty (then it is not sent).
  // problem() is a sentence when the value cannot be sent, else null. `ctx` holds the property's
  // name, schema, whether it is required, its label and the things its parent knows.

  function buildWidget(ctx) {
    switch (widgetKind(ctx.name, ctx.schema)) {
      case "select": return selectWidget(ctx);
      case "variant": {
        const variants = (ctx.schema.oneOf || ctx.schema.anyOf).filter((variant) => variant && typeOf(variant) !== "null");
        return buildWidget({ ...ctx, schema: { ...(variants[0] || {}), default: ctx.schema.default, description: ctx.schema.description } });
      }
      case "media": return mediaWidget(ctx);
      case "textarea": return textWidget(ctx, true);
      case "text": return textWidget(ctx, false);
      case "number": return numberWidget(ctx, false);
      case "integer": return numberWidget(ctx, true);
      case "boolean": return booleanWidget(ctx);
      case "list": return listWidget(ctx);
      case "object": return objectWidget(ctx);
      default: return jsonWidget(ctx);
    }
  }

  /** The label: the readable name, the field's own name, and "(required)". */
  function labelFor(id, ctx, extra) {
    return el("label", { for: id },
      ctx.label, " ",
      ctx.hideName ? null : el("code", { class: "field-name", text: ctx.name }),
      ctx.required ? [" ", el("span", { class: "req", text: "(required)" })] : null,
      !ctx.required && ctx.either ? [" ", el("span", { class: "req", text: `(required, or ${ctx.either.join(", ")})` })] : null,
      extra || null);
  }
  function describe(ctx, control) {
    const text = ctx.schema.description;
    if (!text) return null;
    const id = nextId();
    control.setAttribute("aria-describedby", [control.getAttribute("aria-describedby"), id].filter(Boolean).join(" "));
    return el("p", { class: "hint desc", id, text });
  }
  /** A div.field holding a label, a control and hints; `data-field` is kept equal to the JSON path. */
  function shell(ctx, id, control, ...after) {
    if (ctx.required) control.setAttribute("aria-required", "true");
    return el("div", { class: "field" }, labelFor(id, ctx), control, ...after, describe(ctx, control));
  }
  function scalar(ctx, wrap, control, get, extra) {
    return Object.assign({
      el: wrap,
      control,
      kind: "scalar",
      get,
      problem: () => null,
      setPath(path) { wrap.dataset.field = path; control.name = path; },
      setDisabled(flag) { control.disabled = flag; },
    }, extra || {});
  }

  function textWidget(ctx, long) {
    const schema = ctx.schema;
    const id = nextId();
    const control = long
      ? el("textarea", { id, rows: ctx.name === "prompt" ? 3 : 2, maxlength: schema.maxLength, minlength: schema.minLength })
      : el("input", { id, type: "text", maxlength: schema.maxLength, minlength: schema.minLength, spellcheck: "false", autocomplete: "off" });
    if (schema.default !== undefined) control.value = String(schema.default);
    if (Array.isArray(schema.examples) && schema.examples.length) control.placeholder = String(schema.examples[0]);
    let counter = null;
    if (long && schema.maxLength) {
      counter = el("div", { class: "counter", id: nextId(), "aria-live": "polite" });
      control.setAttribute("aria-describedby", counter.id);
      const count = () => { counter.textContent = `${control.value.length} / ${schema.maxLength}`; };
      control.addEventListener("input", count);
      count();
    }
    const wrap = shell(ctx, id, control, counter);
    return scalar(ctx, wrap, control, () => {
      const value = control.value.trim();
      return value ? value : undefined;
    }, {
      set(value) { control.value = value; changed(control); },
      problem() {
        const value = control.value.trim();
        if (value && schema.minLength && value.length < schema.minLength) {
          return `${ctx.label} (${control.name}) needs at least ${schema.minLength} characters.`;
        }
        return null;
      },
    });
  }

  function selectWidget(ctx) {
    const schema = ctx.schema;
    const values = (Array.isArray(schema.enum) ? schema.enum : choicesOf(schema)).filter((value) => value !== null);
    const id = nextId();
    const control = el("select", { id });
    const blank = !ctx.required && schema.default === undefined;
    if (blank || (ctx.required && schema.default === undefined && values.length > 1)) {
      control.append(el("option", { value: "", text: blank ? "(not set)" : "choose…" }));
    }
    values.forEach((value) => control.append(el("option", { value: String(value), text: String(value) })));
    if (schema.default !== undefined && values.some((value) => String(value) === String(schema.default))) {
      control.value = String(schema.default);
    }
    const wrap = shell(ctx, id, control);
    return scalar(ctx, wrap, control, () => {
      if (control.value === "") return undefined;
      const value = values.find((candidate) => String(candidate) === control.value);
      // A default of another type than the enum's (oneOf: "5" or 5) is sent as the enum's type.
      return value === undefined ? control.value : value;
    });
  }

  function numberWidget(ctx, integer) {
    const schema = ctx.schema;
    const min = Number.isFinite(schema.minimum) ? schema.minimum : undefined;
    const max = Number.isFinite(schema.maximum) ? schema.maximum : undefined;
    const id = nextId();
    const ranged = !integer && min !== undefined && max !== undefined && Number.isFinite(schema.default);
    if (ranged) {
      const span = max - min;
      const step = span > 0 ? Math.pow(10, Math.floor(Math.log10(span / 20))) * (span / 20 / Math.pow(10, Math.floor(Math.log10(span / 20))) >= 5 ? 5 : 1) : 1;
      const digits = Math.max(0, -Math.floor(Math.log10(step)));
      const control = el("input", { id, type: "range", min, max, step, value: schema.default });
      const output = el("output", { class: "range-value", for: id });
      const show = () => { output.textContent = Number(control.value).toFixed(digits); };
      control.addEventListener("input", show);
      show();
      const wrap = el("div", { class: "field" }, labelFor(id, ctx, output), control, describe(ctx, control));
      return scalar(ctx, wrap, control, () => Number(control.value), { wide: true });
    }
    const control = el("input", { id, type: "number", min, max, step: integer ? 1 : "any", inputmode: integer ? "numeric" : "decimal" });
    if (Number.isFinite(Number(schema.default)) && schema.default !== null) control.value = String(schema.default);
    const wrap = shell(ctx, id, control);
    return scalar(ctx, wrap, control, () => {
      if (control.value.trim() === "") return undefined;
      const value = Number(control.value);
      return Number.isFinite(value) ? value : control.value;
    }, {
      problem() {
        const raw = control.value.trim();
        if (raw === "") return control.validity.badInput ? `${ctx.label} (${control.name}) is not a number.` : null;
        const value = Number(raw);
        if (!Number.isFinite(value)) return `${ctx.label} (${control.name}) is not a number.`;
        if (integer && !Number.isInteger(value)) return `${ctx.label} (${control.name}) must be a whole number.`;
        if ((min !== undefined && value < min) || (max !== undefined && value > max)) {
          return `${ctx.label} (${control.name}) must be between ${min ?? "−∞"} and ${max ?? "∞"}.`;
        }
        return null;
      },
    });
  }

  function booleanWidget(ctx) {
    const id = nextId();
    const control = el("input", { id, type: "checkbox" });
    control.checked = ctx.schema.default === true;
    const wrap = el("div", { class: "field check" }, control, labelFor(id, ctx));
    const hint = describe(ctx, control);
    if (hint) wrap.append(hint);
    // Unticked with no default: left out, like an empty field.
    return scalar(ctx, wrap, control, () => control.checked || (ctx.schema.default !== undefined ? false : undefined), { wide: true });
  }

  /** Free JSON for shapes the page has no control for. */
  function jsonWidget(ctx) {
    const id = nextId();
    const control = el("textarea", { id, rows: 2, spellcheck: "false", class: "code", placeholder: "JSON" });
    if (ctx.schema && ctx.schema.default !== undefined) control.value = JSON.stringify(ctx.schema.default);
    const wrap = shell(ctx, id, control);
    const parse = () => {
      const text = control.value.trim();
      if (!text) return { value: undefined };
      try { return { value: JSON.parse(text) }; } catch (error) { return { error: error.message }; }
    };
    return scalar(ctx, wrap, control, () => parse().value, {
      wide: true,
      problem() {
        const parsed = parse();
        return parsed.error ? `${ctx.label} (${control.name}) is not valid JSON: ${parsed.error}` : null;
      },
    });
  }

  /** A file (sent as a data: URI) or a link, with a preview and drag-and-drop. */
  function mediaWidget(ctx) {
    const schema = ctx.schema;
    const kind = mediaKind(ctx.name, schema);
    const maxBytes = Number.isFinite(schema.maxBytes) ? schema.maxBytes : undefined;
    const id = nextId();
    const file = el("input", { id, type: "file", accept: ACCEPT[kind] });
    const url = el("input", {
      type: "url", class: "media-url", spellcheck: "false", autocomplete: "off",
      placeholder: "…or paste an http(s) URL", "aria-label": `${ctx.label} URL`,
    });
    const preview = kind === "image"
      ? el("img", { class: ctx.inItem ? "preview small" : "preview", alt: `${ctx.label} preview`, hidden: true })
      : el("audio", { class: "preview-audio", controls: true, preload: "metadata", hidden: true });
    const clear = el("button", { type: "button", class: "link media-clear", text: "Remove", hidden: true });
    const drop = el("div", { class: "drop" },
      labelFor(id, ctx),
      el("p", { class: "hint", text: `Drop ${NOUN[kind]} here, choose one, or paste a link.` }),
      file, url, preview, clear);
    const hint = describe(ctx, file);
    if (hint) drop.append(hint);
    if (ctx.required) file.setAttribute("aria-required", "true");

    let data = null;
    let objectURL = null;

    function reset(keepInputs) {
      data = null;
      if (objectURL) URL.revokeObjectURL(objectURL);
      objectURL = null;
      preview.hidden = true;
      preview.removeAttribute("src");
      clear.hidden = true;
      if (!keepInputs) { file.value = ""; url.value = ""; }
    }
    function show(src) {
      preview.src = src;
      preview.hidden = false;
      clear.hidden = false;
    }
    function accepts(chosen) {
      if (!ACCEPT[kind] || !chosen.type) return true;
      return ACCEPT[kind].split(",").some((pattern) => chosen.type.startsWith(pattern.replace("*", "")));
    }
    async function take(chosen) {
      reset(true);
      if (!chosen) return;
      if (!accepts(chosen)) {
        showError(`“${chosen.name}” is not ${NOUN[kind]} (${chosen.type}).`);
        file.value = "";
        return;
      }
      if (maxBytes && chosen.size > maxBytes) {
        showError(`“${chosen.name}” is larger than ${formatBytes(maxBytes)}.`);
        file.value = "";
        return;
      }
      try {
        data = await readAsDataURL(chosen);
      } catch (error) {
        showError(`Could not read “${chosen.name}”: ${error.message}`);
        return;
      }
      url.value = "";
      objectURL = URL.createObjectURL(chosen);
      show(objectURL);
      changed(drop);
    }
    file.addEventListener("change", () => track(take(file.files[0])));
    url.addEventListener("input", () => {
      const link = url.value.trim();
      if (!link) { if (!data) reset(true); return; }
      reset(true);
      file.value = "";
      if (/^(https?:|data:)/i.test(link)) show(link);
      clear.hidden = false;
    });
    clear.addEventListener("click", () => { reset(false); changed(drop); });
    ["dragenter", "dragover"].forEach((type) => drop.addEventListener(type, (event) => {
      event.preventDefault();
      drop.classList.add("dragging");
    }));
    ["dragleave", "dragend"].forEach((type) => drop.addEventListener(type, () => drop.classList.remove("dragging")));
    drop.addEventListener("drop", (event) => {
      event.preventDefault();
      drop.classList.remove("dragging");
      const files = event.dataTransfer && event.dataTransfer.files;
      if (!files || !files.length) return;
      try { file.files = files; } catch (_) { /* older browsers: keep the preview only */ }
      track(take(files[0]));
    });

    return {
      el: drop,
      kind: "media",
      get: () => data || url.value.trim() || undefined,
      problem: () => null,
      setPath(path) { drop.dataset.field = path; file.name = path; url.name = path + ".url"; },
      setDisabled(flag) { file.disabled = flag; url.disabled = flag; },
    };
  }

  /** An array: a list of item widgets with add and remove buttons, at most maxItems. */
  function listWidget(ctx) {
    const schema = ctx.schema;
    const items = schema.items || {};
    const max = Number.isFinite(schema.maxItems) ? schema.maxItems : Infinity;
    const min = Number.isFinite(schema.minItems) ? schema.minItems : 0;
    const one = singular(ctx.label);
    const groups = widgetKind(ctx.name, items) === "object";
    const list = el("ol", { class: groups ? "items groups" : "items" });
    const add = el("button", { type: "button", class: "secondary add-item", text: `Add ${lowerFirst(one)}` });
    const total = el("span", { class: "hint list-total", "aria-live": "polite" });
    const limits = [ctx.required ? "required" : ctx.either ? `required, or ${ctx.either.join(", ")}` : "optional", Number.isFinite(max) ? `up to ${max}` : null].filter(Boolean).join(", ");
    const head = ctx.asSection
      ? el("h2", {}, ctx.label, " ", el("code", { class: "field-name", text: ctx.name }), " ", el("span", { class: "hint", text: `(${limits})` }))
      : el("legend", {}, ctx.label, " ", ctx.hideName ? null : el("code", { class: "field-name", text: ctx.name }), " ", el("span", { class: "hint", text: `(${limits})` }));
    const about = schema.description ? el("p", { class: "hint desc", text: schema.description }) : null;
    const box = ctx.asSection
      ? el("section", { class: "list" }, head, about, list, el("div", { class: "row" }, add, total))
      : el("fieldset", { class: "list" }, head, about, list, el("div", { class: "row" }, add, total));
    const rows = [];
    let path = "";

    function renumber() {
      rows.forEach((row, index) => {
        row.widget.setPath(joinPath(path, index));
        row.title.textContent = `${one} ${index + 1}`;
        row.remove.setAttribute("aria-label", `Remove ${lowerFirst(one)} ${index + 1}`);
      });
      add.disabled = rows.length >= max;
      showTotal();
    }

    /** Items with a `duration` next to a parent's `duration`: say how long they last together. */
    function showTotal() {
      const itemRange = items.properties && items.properties.duration;
      if (!itemRange || !ctx.durationRange || !rows.length) { total.textContent = ""; return; }
      const sum = rows.reduce((acc, row) => {
        const value = row.widget.get();
        return acc + ((value && Number(value.duration)) || Number(items.properties.duration.default) || 0);
      }, 0);
      const [lo, hi] = ctx.durationRange;
      total.textContent = `Total ${sum} s` + (sum < lo || sum > hi ? ` (must be ${lo}–${hi} s)` : "");
    }

    function addItem(value) {
      if (rows.length >= max) return null;
      const title = el("span", { class: "item-title" });
      const remove = el("button", { type: "button", class: "link remove-item", text: "Remove" });
      const widget = buildWidget({
        name: ctx.name, schema: items, required: false, label: `${one}`, hideName: true, inItem: true,
        durationRange: ctx.durationRange,
      });
      const li = groups
        ? el("li", { class: "item group" }, el("div", { class: "item-head" }, title, remove), widget.el)
        : el("li", { class: "item single" }, widget.el, remove);
      if (!groups) {
        // A single value: its label says which one it is ("Voice ID 2").
        const label = widget.el.querySelector("label");
        if (label) label.replaceChildren(title);
      }
      const row = { li, widget, title, remove };
      remove.addEventListener("click", () => {
        const at = rows.indexOf(row);
        if (at >= 0) rows.splice(at, 1);
        li.remove();
        renumber();
        changed(box);
      });
      rows.push(row);
      list.append(li);
      if (value !== undefined && widget.set) widget.set(value);
      renumber();
      changed(box);
      return row;
    }
    add.addEventListener("click", () => {
      const row = addItem();
      const first = row && row.li.querySelector("input:not([type=file]), textarea, select, input[type=file]");
      if (first) first.focus();
    });
    list.addEventListener("input", showTotal);
    list.addEventListener("change", showTotal);

    const widget = {
      el: box,
      kind: "list",
      wide: true,
      rows,
      addItem,
      present: () => rows.length > 0,
      get() {
        const values = rows.map((row) => row.widget.get()).filter((value) => value !== undefined);
        return values.length ? values : undefined;
      },
      problem() {
        for (let index = 0; index < rows.length; index++) {
          const problem = rows[index].widget.problem();
          if (problem) return problem;
          if (rows[index].widget.get() === undefined) {
            return `${one} ${index + 1} (${joinPath(path, index)}) is empty: fill it in or remove it.`;
          }
        }
        if (rows.length && rows.length < min) return `${ctx.label} (${path}) needs at least ${min}.`;
        return null;
      },
      setPath(next) {
        path = next;
        box.dataset.field = next;
        renumber();
      },
      setDisabled(flag) { box.disabled = flag; add.disabled = flag || rows.length >= max; },
    };
    if (!groups && typeOf(items) === "string" && !isMedia(ctx.name, items) && /voice_ids?$/.test(ctx.name)) {
      voicePicker(ctx, widget, box);
    }
    return widget;
  }

  /** Voices from GET /v1/voices as checkboxes that fill a voice_ids list, each with its prompt tag. */
  function voicePicker(ctx, list, box) {
    const picker = el("div", { class: "voices", role: "group", "aria-label": "Your voices" });
    const reload = el("button", { type: "button", class: "secondary reload-voices", text: "Reload voices", onclick: loadVoices });
    const maker = state.models.find((model) => model.output !== VIDEO && /voice/.test(model.slug));
    const make = maker
      ? el("p", { class: "hint" }, "Make a voice with ",
        el("button", { type: "button", class: "link", text: maker.slug, onclick: () => chooseModel(maker.slug) }), ".")
      : null;
    box.insertBefore(el("div", { class: "voice-picker" },
      el("p", { class: "hint" }, "Your voices: tag lines with ", el("code", { text: "<<<voice_1>>>" }), " or ",
        el("code", { text: "<<<voice_2>>>" }), "; untagged quoted lines use the first voice."),
      picker, el("div", { class: "row" }, reload), make), box.querySelector(":scope > .row"));

    const values = () => list.rows.map((row) => row.widget.get());
    function render() {
      picker.replaceChildren();
      if (typeof state.voices === "string") {
        picker.append(el("p", { class: "hint", text: state.voices }));
        return;
      }
      if (!state.voices) return;
      if (!state.voices.length) {
        picker.append(el("p", { class: "hint", text: maker ? `No voices yet: make one with ${maker.slug}.` : "No voices yet." }));
        return;
      }
      const chosen = values();
      const full = list.rows.length >= (Number.isFinite(ctx.schema.maxItems) ? ctx.schema.maxItems : Infinity)
        && !list.rows.some((row) => row.widget.get() === undefined);
      state.voices.forEach((voice) => {
        const index = chosen.indexOf(voice.voice_id);
        const box_ = el("input", { type: "checkbox", name: "voice", value: voice.voice_id });
        box_.checked = index >= 0;
        box_.disabled = full && index < 0;
        box_.addEventListener("change", () => {
          if (box_.checked) offer(voice.voice_id);
          else list.rows.filter((row) => row.widget.get() === voice.voice_id).forEach((row) => row.remove.click());
          render();
        });
        const pitch = typeof voice.pitch_hz === "number" ? ` · ${Math.round(voice.pitch_hz)} Hz` : "";
        picker.append(el("label", {}, box_, el("span", { text: voice.voice_name || voice.voice_id }),
          el("span", { class: "hint", text: pitch }),
          el("code", { class: "voice-tag", text: index >= 0 ? `<<<voice_${index + 1}>>>` : "" })));
      });
    }
    function offer(id) {
      if (values().includes(id)) return;
      const empty = list.rows.find((row) => row.widget.get() === undefined);
      if (empty) empty.widget.set(id);
      else list.addItem(id);
    }
    box.addEventListener("input", (event) => { if (!picker.contains(event.target)) render(); });
    state.voiceLists.add({ render, offer });
    render();
  }

  /**
   * An object: its properties' widgets. At the top of a form they are laid out in sections
   * (files, prompt, parameters, then each list); inside a list item in one grid.
   */
  function objectWidget(ctx) {
    const schema = ctx.schema;
    const properties = schema.properties || {};
    const required = new Set(Array.isArray(schema.required) ? schema.required : []);
    const durationRange = properties.duration ? rangeOf(properties.duration) : ctx.durationRange;
    // anyOf [{required: [prompt]}, {required: [multi_prompt]}]: one of the groups must be given.
    const alternatives = (Array.isArray(schema.anyOf) ? schema.anyOf : [])
      .filter((alternative) => alternative && Array.isArray(alternative.required) && alternative.required.length);
    const either = {};
    alternatives.forEach((alternative, index) => alternative.required.forEach((name) => {
      const others = alternatives.filter((_, other) => other !== index).flatMap((other) => other.required);
      either[name] = Array.from(new Set([...(either[name] || []), ...others])).filter((other) => other !== name);
    }));
    const children = Object.keys(properties).map((name) => {
      const child = properties[name] || {};
      const kind = widgetKind(name, child);
      const promptList = kind === "list" && child.items && child.items.properties && child.items.properties.prompt;
      const asSection = ctx.top && (kind === "list" || kind === "object") && !(promptList && properties.prompt);
      const widget = buildWidget({
        name, schema: child, required: required.has(name), label: humanize(name), inItem: ctx.inItem,
        durationRange, asSection, either: either[name] && either[name].length ? either[name] : null,
      });
      // "Required unless multi_prompt is given": not sent (and greyed out) while that field has a value.
      const unless = /unless (\w+) (?:is|are) given/i.exec(child.description || "");
      return { name, schema: child, kind, widget, required: required.has(name), unless: unless && unless[1], promptList, asSection, disabled: false };
    });

    let root;
    if (ctx.top) {
      root = el("div", { class: "model-fields" });
      const media = children.filter((child) => child.kind === "media")
        .sort((a, b) => Number(b.required) - Number(a.required));
      const prompt = children.filter((child) => child.name === "prompt" && child.kind === "textarea");
      const promptLists = prompt.length ? children.filter((child) => child.promptList && !child.asSection) : [];
      const sections = children.filter((child) => child.asSection);
      const placed = new Set([...media, ...prompt, ...promptLists, ...sections]);
      const params = children.filter((child) => !placed.has(child))
        .sort((a, b) => Number(Boolean(a.widget.wide || a.kind === "textarea")) - Number(Boolean(b.widget.wide || b.kind === "textarea")));
      if (media.length) {
        const pictures = media.every((child) => mediaKind(child.name, child.schema) === "image");
        root.append(el("section", { class: "media-section" }, el("h2", { text: pictures ? "Pictures" : "Files" }),
          el("div", { class: "images" }, media.map((child) => child.widget.el))));
      }
      if (prompt.length) {
        root.append(el("section", { class: "prompt-section" }, el("h2", { text: "Prompt" }),
          prompt.map((child) => child.widget.el), promptLists.map((child) => child.widget.el)));
      }
      if (params.length) {
        root.append(el("section", { class: "params-section" }, el("h2", { text: "Parameters" }),
          el("div", { class: "grid" }, params.map((child) => {
            if (child.widget.wide || child.kind === "textarea") child.widget.el.classList.add("wide");
            return child.widget.el;
          }))));
      }
      sections.forEach((child) => {
        if (child.kind === "object") {
          root.append(el("section", {}, el("h2", {}, humanize(child.name), " ", el("code", { class: "field-name", text: child.name })),
            child.widget.el));
        } else {
          root.append(child.widget.el);
        }
      });
      if (!children.length) root.append(el("section", {}, el("p", { class: "hint", text: "This model takes no parameters." })));
    } else {
      // Inside a list item: required fields first (a shot's prompt before its duration).
      const ordered = children.slice().sort((a, b) => Number(b.required) - Number(a.required));
      root = el("div", { class: "grid" }, ordered.map((child) => {
        if (["media", "list", "object", "textarea"].includes(child.kind) || child.widget.wide) child.widget.el.classList.add("wide");
        return child.widget.el;
      }));
    }

    function refresh() {
      children.forEach((child) => {
        if (!child.unless) return;
        const other = children.find((candidate) => candidate.name === child.unless);
        const used = Boolean(other) && (other.widget.present ? other.widget.present() : other.widget.get() !== undefined);
        if (used !== child.disabled) {
          child.disabled = used;
          child.widget.setDisabled(used);
        }
      });
    }
    root.addEventListener("input", refresh);
    root.addEventListener("change", refresh);

    return {
      el: root,
      kind: "object",
      wide: true,
      children,
      refresh,
      get() {
        const out = {};
        children.forEach((child) => {
          if (child.disabled) return;
          const value = child.widget.get();
          if (value === undefined) return;
          // Left at its default: the server applies the same one, so it is not sent. (This also
          // lets multi_prompt's durations stand in for an untouched duration.)
          if (!child.required && child.schema.default !== undefined && same(value, child.schema.default)) return;
          out[child.name] = value;
        });
        return Object.keys(out).length ? out : undefined;
      },
      problem() {
        for (const child of children) {
          if (child.disabled) continue;
          const problem = child.widget.problem();
          if (problem) return problem;
          if (child.required && child.widget.get() === undefined) {
            const path = child.widget.el.dataset.field || child.name;
            return child.kind === "media"
              ? `${humanize(child.name)} (${path}) is required: choose a file or paste a link.`
              : `${humanize(child.name)} (${path}) is required.`;
          }
        }
        const given = (name) => {
          const child = children.find((candidate) => candidate.name === name);
          return Boolean(child) && !child.disabled
            && (child.widget.present ? child.widget.present() : child.widget.get() !== undefined);
        };
        if (alternatives.length && !alternatives.some((alternative) => alternative.required.every(given))) {
          const where = !ctx.top && root.dataset.field ? `${root.dataset.field}: ` : "";
          return `${where}fill in ${alternatives.map((alternative) => alternative.required.join(" and ")).join(" or ")}.`;
        }
        return null;
      },
      setPath(path) {
        if (!ctx.top) root.dataset.field = path;
        children.forEach((child) => child.widget.setPath(joinPath(path, child.name)));
      },
      setDisabled(flag) {
        root.querySelectorAll("input, select, textarea, button").forEach((node) => { node.disabled = flag; });
      },
    };
  }

  // ---------------------------------------------------------------- models and their forms

  function buildForm(model) {
    const schema = model.parameters && typeof model.parameters === "object" ? model.parameters : {};
    const widget = objectWidget({ name: "", schema, top: true, label: model.slug });
    widget.setPath("");
    widget.refresh();
    const root = el("div", { class: "model-form", "data-model": model.slug }, widget.el);
    return { model, root, widget };
  }

  function chooseModel(slug) {
    const select = $("model");
    if (!state.models.some((model) => model.slug === slug)) return;
    select.value = slug;
    showModel();
  }

  function showModel() {
    const slug = $("model").value;
    const model = state.models.find((candidate) => candidate.slug === slug);
    if (!model) return;
    let form = state.forms.get(slug);
    if (!form) {
      form = buildForm(model);
      state.forms.set(slug, form);
    }
    state.current = form;
    $("model-form").replaceChildren(form.root);
    $("model-hint").textContent = model.description ? "(" + model.description + ")" : "";
    const submit = $("submit");
    submit.textContent = model.output === VIDEO ? "Generate video" : `Run ${model.slug}`;
    submit.disabled = false;
    state.voiceLists.forEach((list) => list.render());
  }

  /** Fills the model list from GET /v1/models (no key needed) and shows the first model's form. */
  async function loadModels() {
    const box = $("model-form");
    box.replaceChildren(el("section", {}, el("p", { class: "hint", id: "model-form-status", text: "Loading the models…" })));
    const res = await api("GET", "v1/models");
    const models = res.ok && res.data && Array.isArray(res.data.models)
      ? res.data.models.filter((model) => model && typeof model.slug === "string")
      : [];
    if (!models.length) {
      const why = res.ok ? "the server lists no models." : describeFailure(res);
      $("model").replaceChildren(el("option", { value: "", text: "(no models)" }));
      box.replaceChildren(el("section", {},
        el("p", { class: "error", role: "alert", text: "Could not load the models: " + why }),
        el("button", { type: "button", class: "secondary", text: "Try again", onclick: loadModels })));
      return;
    }
    state.models = models;
    const select = $("model");
    const chosen = select.value;
    select.replaceChildren(...models.map((model) => el("option", { value: model.slug, text: model.slug })));
    if (models.some((model) => model.slug === chosen)) select.value = chosen;
    select.disabled = false;
    showModel();
  }

  // ---------------------------------------------------------------- voices

  async function loadVoices() {
    if (!$("api-key").value.trim()) {
      state.voices = "Enter your API key to load your voices.";
    } else {
      const res = await api("GET", "v1/voices");
      state.voices = res.ok && res.data && Array.isArray(res.data.voices)
        ? res.data.voices
        : "Could not load voices. " + describeFailure(res);
    }
    state.voiceLists.forEach((list) => list.render());
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
    $("result-json").hidden = true;
    $("result-json").textContent = "";
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
      list.appendChild(el("li", { text: shot.summary }));
    });
    if (plan && plan.transition) list.appendChild(el("li", { text: plan.transition }));
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

  /** The body as sent, with data: URIs shortened. */
  function showRequest(body) {
    const text = JSON.stringify(body, (_, value) => typeof value === "string" && value.startsWith("data:") && value.length > 80
      ? `${value.slice(0, value.indexOf(",") + 1)}… (${formatBytes(Math.round((value.length - value.indexOf(",") - 1) * 3 / 4))})`
      : value, 2);
    $("request-json").textContent = text;
    $("request-details").hidden = false;
  }

  // ---------------------------------------------------------------- submit and poll

  function checkForm(form) {
    if (!$("api-key").value.trim()) return "Enter your API key.";
    return form.widget.problem();
  }

  async function submit(event) {
    event.preventDefault();
    const form = state.current;
    if (!form) return;
    const job = ++state.job;
    resetResult();
    await Promise.all(Array.from(state.pending)); // files still being read
    if (job !== state.job) return;
    const problem = checkForm(form);
    if (problem) {
      setStatus("idle", null, 0);
      showError(problem);
      return;
    }
    const model = form.model;
    const body = form.widget.get() || {};
    showRequest(body);
    const button = $("submit");
    button.disabled = true;
    setStatus("SUBMITTING", null, 0);
    let res;
    try {
      res = await api("POST", "v2/" + encodeURIComponent(model.slug), body);
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
    await poll(job, model, id, statusURL, resultURL);
  }

  async function poll(job, model, id, statusURL, resultURL) {
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
      if (status === "COMPLETED") return finish(job, model, id, resultURL);
      if (status === "CANCELLED") {
        showError("The job was cancelled.");
        return;
      }
      await sleep(POLL_MS);
    }
  }

  async function finish(job, model, id, resultURL) {
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
    if (model.output !== VIDEO || (output !== null && typeof output === "object")) {
      if (output === undefined || output === null) {
        showError("The result has no output.");
        return;
      }
      const box = $("result-json");
      box.textContent = JSON.stringify(output, null, 2);
      box.hidden = false;
      if (output && typeof output.voice_id === "string") {
        // A new voice: offered to the voice lists (as the old "Create a voice" did) and listed.
        state.voiceLists.forEach((list) => list.offer(output.voice_id));
        await loadVoices();
      }
      return;
    }
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
    $("model").addEventListener("change", showModel);
    $("generate-form").addEventListener("submit", submit);
    loadModels().then(loadVoices);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
