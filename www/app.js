// The contact form: every field checked as it is typed, and the whole request on
// submit, by zyntro-contact (the API's own validation, compiled to WebAssembly).
// Messages sit next to their fields; the normalized request is shown as it changes.
// In local development (GET /dev/demo answers) a panel holds the demo credentials and
// the form sends the request to the endpoint; a deployed site has no such panel and
// holds no credentials.
//
// This module starts the form (the wasm module, the demo organization, the custom field
// definitions) and wires its events; the rest is in form/, one module per part:
// dom.js and state.js (helpers and shared state), custom-fields.js, read.js (the
// request the form stands for), errors.js (showing errors), events.js (typing and
// leaving fields), tags.js, preview.js, submit.js (submit, send and reset) and
// dev-panel.js.
import init, { validateContact } from "./pkg/zyntro_contact.js";
import { $, $$ } from "./form/dom.js";
import { ENDPOINT, form, state } from "./form/state.js";
import { renderCustomFields } from "./form/custom-fields.js";
import { onInput, onLeave, updateMode } from "./form/events.js";
import { setUpTags } from "./form/tags.js";
import { copyPreview, updatePreview } from "./form/preview.js";
import { onReset, onSubmit } from "./form/submit.js";
import { setUpDevPanel } from "./form/dev-panel.js";

const DEMO = "/dev/demo";

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

/** The form's events: typing, leaving a field, submit, reset, copying the preview, tags. */
function wire() {
  form.addEventListener("input", onInput);
  form.addEventListener("change", onInput);
  form.addEventListener("focusout", onLeave);
  form.addEventListener("submit", onSubmit);
  form.addEventListener("reset", () => setTimeout(onReset));
  $("#copy").addEventListener("click", copyPreview);
  setUpTags();
}
