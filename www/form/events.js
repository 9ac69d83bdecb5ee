// Typing and leaving fields: each field checked as it is typed (its new errors shown
// once typing pauses), the fields the mode and lookup make required, a country's name.
import { validateContact, validateField } from "../pkg/zyntro_contact.js";
import { $ } from "./dom.js";
import { state } from "./state.js";
import { formVerdict, lookupValue, modeValue, options, readValue, skipEntity } from "./read.js";
import { cancelTimer, errorsAt, renderAll, renderErrors } from "./errors.js";
import { commitPendingTag } from "./tags.js";
import { updatePreview } from "./preview.js";

// A new error is shown once typing pauses (or the field is left); a fixed one goes at once.
const SHOW_AFTER_MS = 450;

const regionNames = typeof Intl.DisplayNames === "function" ? new Intl.DisplayNames(["en"], { type: "region" }) : null;

export function onInput(event) {
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

export function onLeave(event) {
  const control = event.target.closest("[data-field]");
  if (!control || control.contains(event.relatedTarget)) return;
  if (control.dataset.path === "contact.tags") commitPendingTag();
  if (!state.timers.has(control.dataset.path)) return;
  const errors = state.submitted ? errorsAt(formVerdict(), control) : validateField(control.dataset.field, readValue(control) ?? null, options());
  renderErrors(control, errors);
}

/** Marks the fields the mode and lookup make required, as the API decides them. */
export function updateMode() {
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
