// Showing errors: each error at the control its path belongs to, the tags an error
// names marked, and the summary of a failed submit with links to its fields.
import { $, $$, el } from "./dom.js";
import { state } from "./state.js";

export const CREDENTIAL_CODES = {
  MISSING_API_KEY: "api_key",
  INVALID_API_KEY: "api_key",
  MISSING_DEVELOPER_SECRET: "developer_secret",
  INVALID_DEVELOPER_SECRET: "developer_secret",
  ORG_MISMATCH: "org_id",
  MEMBER_NOT_FOUND: "member_id",
};

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
export function renderErrors(control, errors) {
  cancelTimer(control.dataset.path);
  const box = $(`#${control.id}-error`);
  const invalid = errors.length > 0;
  box.hidden = !invalid;
  box.textContent = errors.map((e) => messageFor(control, e)).join(" · ");
  control.setAttribute("aria-invalid", String(invalid));
  control.closest(".field")?.classList.toggle("has-error", invalid);
  if (control.dataset.path === "contact.tags") markTags(errors);
}

/** Marks the tag chips an error names (`contact.tags[i]`). */
function markTags(errors) {
  const bad = new Set(errors.map((e) => /^contact\.tags\[(\d+)\]$/.exec(e.path)?.[1]).filter(Boolean).map(Number));
  $$("#tag-list .tag").forEach((item, i) => item.classList.toggle("is-invalid", bad.has(i)));
}

function messageFor(control, error) {
  const tag = /^contact\.tags\[(\d+)\]$/.exec(error.path);
  if (tag) return `Tag ${Number(tag[1]) + 1}: ${error.message}`;
  return capitalize(error.message);
}

export const capitalize = (text) => text.charAt(0).toUpperCase() + text.slice(1);

export function cancelTimer(path) {
  clearTimeout(state.timers.get(path));
  state.timers.delete(path);
}

/** Every error of a verdict in its place; fields without errors are cleared. */
export function renderAll(verdict, { only } = {}) {
  const byControl = new Map();
  for (const error of verdict.ok ? [] : verdict.errors) {
    const control = controlFor(error.path);
    if (!control) continue;
    byControl.set(control, [...(byControl.get(control) ?? []), error]);
  }
  const controls = only ?? [...state.controls.values(), ...$$("[data-cred]"), $("#req-lookup_by")];
  for (const control of controls) renderErrors(control, byControl.get(control) ?? []);
}

/** The errors of a verdict that belong to this control. */
export const errorsAt = (verdict, control) => (verdict.ok ? [] : verdict.errors.filter((e) => controlFor(e.path) === control));

export function showSummary(title, items) {
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
export function summaryItems(failure) {
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
