// The contact form: every field checked as it is typed, and the whole request on
// submit, by zyntro-contact (the API's own validation, compiled to WebAssembly).
// Messages sit next to their fields; the normalized request is shown as it changes.
// In local development (GET /dev/demo answers) a panel holds the demo credentials and
// the form sends the request to the endpoint; a deployed site has no such panel and
// holds no credentials.
import init, { validateContact, validateField, validateRequest } from "./pkg/zyntro_contact.js";

const ENDPOINT = "/apis/v2/public/crm/addContactsFull";
const DEMO = "/dev/demo";
// Well-formed stand-ins, so that checking the form never depends on credentials: they
// are never sent, and the normalized request shown leaves the key and secret out.
const STAND_IN = {
  api_key: `zak_${"0".repeat(64)}`,
  developer_secret: `zdk_${"0".repeat(64)}`,
  org_id: "00000000-0000-0000-0000-000000000000",
  member_id: "00000000-0000-0000-0000-000000000000",
};
// A new error is shown once typing pauses (or the field is left); a fixed one goes at once.
const SHOW_AFTER_MS = 450;
const CREDENTIAL_CODES = {
  MISSING_API_KEY: "api_key",
  INVALID_API_KEY: "api_key",
  MISSING_DEVELOPER_SECRET: "developer_secret",
  INVALID_DEVELOPER_SECRET: "developer_secret",
  ORG_MISMATCH: "org_id",
  MEMBER_NOT_FOUND: "member_id",
};

const $ = (selector, root = document) => root.querySelector(selector);
const $$ = (selector, root = document) => [...root.querySelectorAll(selector)];

const form = $("#contact-form");
const state = {
  definitions: [],
  dev: false,
  submitted: false,
  tags: [],
  /** path → the field's control: an input, select, textarea or a group of checkboxes. */
  controls: new Map(),
  /** path → pending timer that will show the field's new errors. */
  timers: new Map(),
};

const regionNames = typeof Intl.DisplayNames === "function" ? new Intl.DisplayNames(["en"], { type: "region" }) : null;

start().catch((e) => fail(`The form could not start: ${e.message}`));

async function start() {
  await init();
  const demo = await loadDemo();
  state.dev = demo !== null;
  const definitions = configuredDefinitions() ?? demo?.custom_fields ?? [];
  try {
    // Compiles the definitions once, and refuses ones the server would refuse.
    validateContact({}, { customFields: definitions });
    state.definitions = definitions;
  } catch (e) {
    fail(`The custom field definitions cannot be used: ${e.message}`);
  }
  renderCustomFields(state.definitions);
  for (const control of $$("[data-path]", form)) {
    if (control.dataset.field) state.controls.set(control.dataset.path, control);
  }
  if (state.dev) setUpDevPanel(demo);
  wire();
  updateMode();
  updatePreview();
  const submit = $("#submit");
  submit.disabled = false;
  submit.textContent = state.dev ? "Save contact" : "Check contact";
  $("#submit-note").textContent = state.dev
    ? `Sends the request to ${ENDPOINT} on this server.`
    : "Checks every field. Nothing is sent.";
}

/** The demo organization in local development; `null` anywhere else. */
async function loadDemo() {
  try {
    const res = await fetch(DEMO, { headers: { accept: "application/json" } });
    if (!res.ok) return null;
    const demo = await res.json();
    return demo && typeof demo.org_id === "string" ? demo : null;
  } catch {
    return null;
  }
}

/** Definitions a deployment may put into the page as JSON, which hold no secret. */
function configuredDefinitions() {
  const script = $("#custom-field-definitions");
  if (!script) return null;
  try {
    return JSON.parse(script.textContent);
  } catch {
    return null;
  }
}

function fail(message) {
  const banner = $("#load-error");
  banner.textContent = message;
  banner.hidden = false;
}

// ---------------------------------------------------------------- custom fields

const humanize = (tag) => tag.charAt(0).toUpperCase() + tag.slice(1).replaceAll("_", " ");

function renderCustomFields(definitions) {
  const host = $("#custom-fields");
  host.replaceChildren();
  $("#custom-card").hidden = definitions.length === 0;
  for (const def of definitions) host.append(customField(def));
}

function customField(def) {
  const id = `custom-${def.tag}`;
  const path = `contact.customFields.${def.tag}`;
  const wrap = el("div", { class: "field" });
  const hint = customHint(def);
  const describedBy = [hint && `${id}-hint`, `${id}-error`].filter(Boolean).join(" ");
  const common = { id, "data-field": `customFields.${def.tag}`, "data-path": path, "data-type": def.type, "aria-describedby": describedBy };
  if (def.type === "multiselect") {
    wrap.classList.add("span-2");
    const group = el("fieldset", { ...common, class: "checks", role: "group" });
    group.append(el("legend", { class: "label" }, humanize(def.tag)));
    const list = el("div", { class: "check-list" });
    def.options.forEach((option, i) => {
      const label = el("label", { class: "check" });
      label.append(el("input", { type: "checkbox", value: option, id: `${id}-${i}` }), el("span", {}, option));
      list.append(label);
    });
    group.append(list);
    wrap.append(group);
  } else {
    wrap.append(el("label", { class: "label", for: id }, humanize(def.tag)));
    let control;
    if (def.type === "select" || def.type === "boolean") {
      control = el("select", common);
      control.append(el("option", { value: "" }, "Not set"));
      const options = def.type === "boolean" ? [["true", "Yes"], ["false", "No"]] : def.options.map((o) => [o, o]);
      for (const [value, text] of options) control.append(el("option", { value }, text));
    } else if (def.type === "date") {
      control = el("input", { ...common, type: "date" });
    } else if (def.type === "number") {
      // Text, not type=number: what the user typed reaches the check, so a word
      // gets the API's own message rather than silently becoming empty.
      control = el("input", { ...common, inputmode: "decimal", autocomplete: "off" });
    } else {
      control = el("input", { ...common, autocomplete: "off" });
    }
    wrap.append(control);
  }
  if (hint) wrap.append(el("p", { class: "hint", id: `${id}-hint` }, hint));
  wrap.append(el("p", { class: "error", id: `${id}-error`, hidden: "" }));
  return wrap;
}

function customHint(def) {
  switch (def.type) {
    case "multiselect":
      return "Choose any that apply.";
    case "number":
      if (def.min !== undefined && def.max !== undefined) return `A number from ${def.min} to ${def.max}.`;
      if (def.min !== undefined) return `A number, at least ${def.min}.`;
      if (def.max !== undefined) return `A number, at most ${def.max}.`;
      return "A number.";
    case "text": {
      const parts = [];
      if (def.maxLength) parts.push(`Up to ${def.maxLength} characters`);
      if (def.pattern) parts.push(`matching ${def.pattern}`);
      return parts.length ? `${parts.join(", ")}.` : "";
    }
    default:
      return "";
  }
}

function el(tag, attributes = {}, text) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attributes)) {
    if (v !== undefined && v !== null && v !== false) node.setAttribute(k, v);
  }
  if (text !== undefined) node.textContent = text;
  return node;
}

// ---------------------------------------------------------------- reading the form

/** A control's value as the request carries it; `undefined` when it is absent. */
function readValue(control) {
  const path = control.dataset.path;
  if (path === "contact.tags") {
    const pending = control.value.trim();
    const tags = pending ? [...state.tags, pending] : [...state.tags];
    return tags.length ? tags : undefined;
  }
  switch (control.dataset.type) {
    case "multiselect": {
      const chosen = $$("input:checked", control).map((box) => box.value);
      return chosen.length ? chosen : undefined;
    }
    case "boolean":
      return control.value === "" ? undefined : control.value === "true";
    case "number": {
      const text = control.value.trim();
      if (text === "") return undefined;
      const n = Number(text);
      return Number.isFinite(n) ? n : text;
    }
    default:
      return control.value === "" ? undefined : control.value;
  }
}

const modeValue = () => $("input[name=mode]:checked", form).value;
const lookupValue = () => $("#req-lookup_by").value;
const skipEntity = () => $("#req-skip_entity").checked;

/** The request body the form stands for, with these credentials. */
function buildBody(credentials) {
  const contact = {};
  const customFields = {};
  const entity = {};
  for (const [path, control] of state.controls) {
    if (path === "contact.id" && lookupValue() !== "contact_id") continue;
    if (path.startsWith("entity.") && skipEntity()) continue;
    const value = readValue(control);
    if (value === undefined) continue;
    const [part, ...rest] = path.split(".");
    if (part === "entity") entity[rest[0]] = value;
    else if (rest[0] === "customFields") customFields[rest[1]] = value;
    else contact[rest[0]] = value;
  }
  if (Object.keys(customFields).length) contact.customFields = customFields;
  const body = { ...credentials, mode: modeValue(), lookup_by: lookupValue() };
  if (skipEntity()) body.skip_entity = true;
  body.contact = contact;
  if (Object.keys(entity).length) body.entity = entity;
  return body;
}

const options = () => ({ customFields: state.definitions });

/** The whole form checked as the API checks it (credentials aside). */
const formVerdict = () => validateRequest(buildBody(STAND_IN), options());

function panelCredentials() {
  return Object.fromEntries($$("[data-cred]").map((input) => [input.dataset.cred, input.value]));
}

// ---------------------------------------------------------------- showing errors

/** The control an error's path belongs to: `contact.tags[2]` belongs to the tags. */
function controlFor(path) {
  const direct = state.controls.get(path) ?? $(`[data-cred][data-path="${path}"]`) ?? (path === "lookup_by" ? $("#req-lookup_by") : null);
  if (direct) return direct;
  const bracket = path.indexOf("[");
  return bracket > 0 ? state.controls.get(path.slice(0, bracket)) ?? null : null;
}

const labelOf = (control) => {
  const label = control.tagName === "FIELDSET" ? $("legend", control) : $(`label[for="${control.id}"]`);
  return (label?.firstChild?.textContent ?? control.id).trim();
};

/** Renders a control's errors next to it, or clears them. */
function renderErrors(control, errors) {
  cancelTimer(control.dataset.path);
  const box = $(`#${control.id}-error`);
  const invalid = errors.length > 0;
  box.hidden = !invalid;
  box.textContent = errors.map((e) => messageFor(control, e)).join(" · ");
  control.setAttribute("aria-invalid", String(invalid));
  control.closest(".field")?.classList.toggle("has-error", invalid);
  if (control.dataset.path === "contact.tags") markTags(errors);
}

function messageFor(control, error) {
  const tag = /^contact\.tags\[(\d+)\]$/.exec(error.path);
  if (tag) return `Tag ${Number(tag[1]) + 1}: ${error.message}`;
  return capitalize(error.message);
}

const capitalize = (text) => text.charAt(0).toUpperCase() + text.slice(1);

function cancelTimer(path) {
  clearTimeout(state.timers.get(path));
  state.timers.delete(path);
}

/** Every error of a verdict in its place; fields without errors are cleared. */
function renderAll(verdict, { only } = {}) {
  const byControl = new Map();
  for (const error of verdict.ok ? [] : verdict.errors) {
    const control = controlFor(error.path);
    if (!control) continue;
    byControl.set(control, [...(byControl.get(control) ?? []), error]);
  }
  const controls = only ?? [...state.controls.values(), ...$$("[data-cred]"), $("#req-lookup_by")];
  for (const control of controls) renderErrors(control, byControl.get(control) ?? []);
}

function showSummary(title, items) {
  const summary = $("#summary");
  $("#summary-title").textContent = title;
  const list = $("#summary-list");
  list.replaceChildren();
  for (const { text, control } of items) {
    const li = el("li");
    if (control) {
      const link = el("a", { href: `#${control.id}` }, text);
      link.addEventListener("click", (event) => {
        event.preventDefault();
        focusControl(control);
      });
      li.append(link);
    } else {
      li.textContent = text;
    }
    list.append(li);
  }
  summary.hidden = false;
  summary.focus();
  summary.scrollIntoView({ block: "start", behavior: "smooth" });
}

function focusControl(control) {
  const target = control.tagName === "FIELDSET" ? $("input", control) : control;
  target.focus();
  target.scrollIntoView({ block: "center", behavior: "smooth" });
}

/** Summary lines for a failure: each field error with its field's name. */
function summaryItems(failure) {
  if (!failure.errors.length) {
    const control = CREDENTIAL_CODES[failure.code] ? $(`#cred-${CREDENTIAL_CODES[failure.code]}`) : null;
    return [{ text: failure.message, control }];
  }
  // In the order of the form, which is the order the user reads the fields in.
  const position = (item) => (item.control ? [...document.querySelectorAll("[data-path]")].indexOf(item.control) : -1);
  return failure.errors
    .map((error) => {
      const control = controlFor(error.path);
      if (!control) return { text: `${error.path}: ${error.message}`, control };
      const message = messageFor(control, error);
      // A tag's message already names it ("Tag 4: …").
      return { text: /^contact\.tags\[/.test(error.path) ? message : `${labelOf(control)}: ${message}`, control };
    })
    .map((item, i) => ({ ...item, i }))
    .sort((a, b) => position(a) - position(b) || a.i - b.i);
}

// ---------------------------------------------------------------- events

function wire() {
  form.addEventListener("input", onInput);
  form.addEventListener("change", onInput);
  form.addEventListener("focusout", onLeave);
  form.addEventListener("submit", onSubmit);
  form.addEventListener("reset", () => setTimeout(onReset));
  $("#copy").addEventListener("click", copyPreview);
  setUpTags();
}

function onInput(event) {
  const target = event.target;
  if (target.name === "mode" || target.id === "req-lookup_by" || target.id === "req-skip_entity") updateMode();
  // One check of the whole form per keystroke serves the preview and, once the form
  // has been submitted, every field's messages.
  const verdict = formVerdict();
  const control = target.closest("[data-field]");
  if (control) checkControl(control, verdict);
  else if (state.submitted) renderAll(verdict);
  if (control?.dataset.path.endsWith(".country")) countryHint(control);
  updatePreview(verdict);
}

/** Checks the control being typed in: the field alone, until a submit has shown the
 * whole form's verdict, after which the whole form (so "required" clears as it fills). */
function checkControl(control, verdict) {
  const errors = state.submitted
    ? errorsAt(verdict, control)
    : validateField(control.dataset.field, readValue(control) ?? null, options());
  const showing = control.getAttribute("aria-invalid") === "true";
  if (errors.length === 0 || showing) {
    renderErrors(control, errors);
  } else {
    cancelTimer(control.dataset.path);
    state.timers.set(control.dataset.path, setTimeout(() => renderErrors(control, errors), SHOW_AFTER_MS));
  }
  if (state.submitted) renderAll(verdict, { only: [...state.controls.values()].filter((c) => c !== control) });
}

const errorsAt = (verdict, control) => (verdict.ok ? [] : verdict.errors.filter((e) => controlFor(e.path) === control));

function onLeave(event) {
  const control = event.target.closest("[data-field]");
  if (!control || control.contains(event.relatedTarget)) return;
  if (control.dataset.path === "contact.tags") commitPendingTag();
  if (!state.timers.has(control.dataset.path)) return;
  const errors = state.submitted ? errorsAt(formVerdict(), control) : validateField(control.dataset.field, readValue(control) ?? null, options());
  renderErrors(control, errors);
}

/** Marks the fields the mode and lookup make required, as the API decides them. */
function updateMode() {
  const lookup = lookupValue();
  $("#contact-id-field").hidden = lookup !== "contact_id";
  const verdict = validateContact({}, { mode: modeValue(), lookupBy: lookup });
  const required = new Set(verdict.ok ? [] : verdict.errors.filter((e) => e.code === "required").map((e) => e.path));
  for (const [path, control] of state.controls) {
    const mark = $(`label[for="${control.id}"] .req`);
    if (mark) mark.hidden = !required.has(path);
    if (required.has(path)) control.setAttribute("aria-required", "true");
    else control.removeAttribute("aria-required");
  }
  const skip = skipEntity();
  const entityFields = $("#entity-fields");
  entityFields.inert = skip;
  entityFields.classList.toggle("is-off", skip);
}

function countryHint(control) {
  const hint = $(`#${control.id}-hint`);
  if (!hint.dataset.text) hint.dataset.text = hint.textContent;
  const code = control.value.trim().toUpperCase();
  const valid = code.length === 2 && validateField(control.dataset.field, code, options()).length === 0;
  hint.textContent = valid && regionNames ? regionNames.of(code) : hint.dataset.text;
}

// ---------------------------------------------------------------- tags

function setUpTags() {
  const input = $("#contact-tags");
  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter" || event.key === ",") {
      event.preventDefault();
      commitPendingTag();
    } else if (event.key === "Backspace" && input.value === "" && state.tags.length) {
      state.tags.pop();
      tagsChanged();
    }
  });
  $(".tags").addEventListener("click", (event) => {
    const remove = event.target.closest("button[data-index]");
    if (remove) {
      state.tags.splice(Number(remove.dataset.index), 1);
      tagsChanged();
      input.focus();
    } else if (event.target.classList.contains("tags")) {
      input.focus();
    }
  });
}

function commitPendingTag() {
  const input = $("#contact-tags");
  const tag = input.value.trim().replace(/,$/, "").trim();
  input.value = "";
  if (tag) state.tags.push(tag);
  tagsChanged();
}

function tagsChanged() {
  const list = $("#tag-list");
  list.replaceChildren(
    ...state.tags.map((tag, i) => {
      const item = el("li", { class: "tag" });
      item.append(el("span", {}, tag), el("button", { type: "button", "data-index": i, "aria-label": `Remove tag ${tag}` }, "×"));
      return item;
    }),
  );
  const control = $("#contact-tags");
  const verdict = formVerdict();
  renderErrors(control, state.submitted ? errorsAt(verdict, control) : validateField("tags", readValue(control) ?? null, options()));
  updatePreview(verdict);
}

function markTags(errors) {
  const bad = new Set(errors.map((e) => /^contact\.tags\[(\d+)\]$/.exec(e.path)?.[1]).filter(Boolean).map(Number));
  $$("#tag-list .tag").forEach((item, i) => item.classList.toggle("is-invalid", bad.has(i)));
}

// ---------------------------------------------------------------- preview

function updatePreview(verdict = formVerdict()) {
  const pill = $("#preview-status");
  let shown;
  if (verdict.ok) {
    shown = withIdentifiers(verdict.request);
    pill.textContent = "Ready";
    pill.className = "pill pill-ok";
    $("#preview-note").textContent =
      "What the API receives, normalized: trimmed, countries upper-case, repeated tags dropped. The key and secret are never shown.";
  } else {
    const body = buildBody({});
    shown = withIdentifiers(body);
    const n = verdict.errors.length || 1;
    pill.textContent = `${n} to fix`;
    pill.className = "pill pill-warn";
    $("#preview-note").textContent =
      "The request as it stands. Once every field is valid, this shows it normalized as the API receives it. The key and secret are never shown.";
  }
  $("#preview").textContent = JSON.stringify(shown, null, 2);
}

/** The request shown: the organization and member of the panel, or placeholders for
 * what the sending server adds; never the key or the secret. */
function withIdentifiers(request) {
  const creds = state.dev ? panelCredentials() : {};
  const { api_key, developer_secret, org_id, member_id, ...rest } = request;
  return {
    org_id: creds.org_id?.trim().toLowerCase() || "YOUR_ORG_ID",
    member_id: creds.member_id?.trim().toLowerCase() || "YOUR_MEMBER_ID",
    ...rest,
  };
}

async function copyPreview() {
  const button = $("#copy");
  try {
    await navigator.clipboard.writeText($("#preview").textContent);
    button.textContent = "Copied";
  } catch {
    button.textContent = "Copy failed";
  }
  setTimeout(() => (button.textContent = "Copy JSON"), 1500);
}

// ---------------------------------------------------------------- submit and send

async function onSubmit(event) {
  event.preventDefault();
  commitPendingTag();
  state.submitted = true;
  hideResult();
  const verdict = formVerdict();
  renderAll(verdict);
  if (!verdict.ok) {
    const n = verdict.errors.length;
    showSummary(n === 1 ? "There is 1 problem to fix" : `There are ${n} problems to fix`, summaryItems(verdict));
    return;
  }
  $("#summary").hidden = true;
  if (!state.dev) {
    showResult("valid", "Everything checks out", "This is the request your server sends to the API, with its credentials added.");
    return;
  }
  const body = buildBody(panelCredentials());
  const checked = validateRequest(body, options());
  renderAll(checked, { only: $$("[data-cred]") });
  if (!checked.ok) {
    showSummary("Check the credentials", summaryItems(checked));
    markCredential(checked);
    return;
  }
  await send(body);
}

/** A failure about a credential, which has no field error, shown at its field. */
function markCredential(failure) {
  const cred = CREDENTIAL_CODES[failure.code];
  if (cred) renderErrors($(`#cred-${cred}`), [{ path: cred, code: failure.code, message: failure.message }]);
}

async function send(body) {
  const submit = $("#submit");
  submit.disabled = true;
  submit.setAttribute("aria-busy", "true");
  try {
    const res = await fetch(ENDPOINT, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    const answer = await res.json().catch(() => null);
    if (answer?.status === "success") {
      const data = answer.data;
      showResult(data.action, data.action === "created" ? "Contact created" : data.action === "updated" ? "Contact updated" : capitalize(String(data.action)), data.message, [
        ["Contact ID", data.contact_id, true],
        ["Company", entityText(data), false],
        ["Company ID", data.entity_id, true],
        ["HTTP", `${res.status} · request ${res.headers.get("x-request-id") ?? "–"}`, false],
      ]);
      if (data.contact_id) $("#contact-id").value = data.contact_id;
    } else if (answer) {
      renderAll(answer.errors?.length ? answer : { ok: true });
      markCredential(answer);
      const items = summaryItems(answer);
      showResult("error", answer.code ?? `HTTP ${res.status}`, answer.message ?? "", [
        ["HTTP", `${res.status} · request ${res.headers.get("x-request-id") ?? "–"}`, false],
        ...(answer.contact_id ? [["Existing contact", answer.contact_id, true]] : []),
      ], items);
    } else {
      showResult("error", `HTTP ${res.status}`, "The server's answer was not JSON.");
    }
  } catch (e) {
    showResult("error", "Not sent", `The request did not reach the server: ${e.message}`);
  } finally {
    submit.disabled = false;
    submit.removeAttribute("aria-busy");
  }
}

function entityText(data) {
  const actions = {
    created: "created and linked",
    updated: "found, updated and linked",
    linked: "found and linked",
    unchanged: "kept as it was",
    skipped: "none (skipped)",
  };
  return actions[data.entity_action] ?? data.entity_action;
}

function showResult(kind, title, message, facts = [], items = []) {
  const box = $("#result");
  box.dataset.action = kind;
  box.className = `card result result-${kind === "error" ? "error" : kind === "valid" ? "valid" : "ok"}`;
  const head = el("div", { class: "result-head" });
  head.append(el("span", { class: "result-icon", "aria-hidden": "true" }, kind === "error" ? "!" : "✓"));
  const text = el("div");
  text.append(el("h2", { class: "result-title" }, title));
  if (message) text.append(el("p", { class: "result-message" }, message));
  head.append(text);
  const parts = [head];
  const shownFacts = facts.filter(([, value]) => value !== undefined && value !== null && value !== "");
  if (shownFacts.length) {
    const dl = el("dl", { class: "facts" });
    for (const [name, value, code] of shownFacts) {
      dl.append(el("dt", {}, name));
      const dd = el("dd");
      dd.append(code ? el("code", {}, value) : document.createTextNode(value));
      dl.append(dd);
    }
    parts.push(dl);
  }
  if (items.length && items.some((i) => i.control)) {
    const ul = el("ul", { class: "result-errors" });
    for (const item of items) ul.append(el("li", {}, item.text));
    parts.push(ul);
  }
  box.replaceChildren(...parts);
  box.hidden = false;
  // On a phone the answer is below the form; on a desktop, in the sticky side column.
  const narrow = window.matchMedia("(max-width: 959px)").matches;
  box.scrollIntoView({ block: narrow ? "start" : "nearest", behavior: "smooth" });
}

function hideResult() {
  $("#result").hidden = true;
}

function onReset() {
  state.submitted = false;
  state.tags = [];
  for (const path of state.timers.keys()) cancelTimer(path);
  tagsChanged();
  renderAll({ ok: true });
  $("#summary").hidden = true;
  hideResult();
  for (const hint of $$("[data-country-hint]")) if (hint.dataset.text) hint.textContent = hint.dataset.text;
  updateMode();
  updatePreview();
}

// ---------------------------------------------------------------- development panel

function setUpDevPanel(demo) {
  const panel = $("#dev-panel");
  for (const input of $$("[data-cred]", panel)) input.value = demo[input.dataset.cred] ?? "";
  panel.hidden = false;
  panel.addEventListener("input", (event) => {
    if (event.target.id === "show-secrets") {
      for (const id of ["cred-api_key", "cred-developer_secret"]) $(`#${id}`).type = event.target.checked ? "text" : "password";
      return;
    }
    if (event.target.dataset.cred) renderErrors(event.target, []);
    updatePreview();
  });
}
