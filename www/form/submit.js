// Submit and send: the whole form checked, then (in local development) the request
// sent to the endpoint and its answer shown; and the form's reset.
import { validateRequest } from "../pkg/zyntro_contact.js";
import { $, $$, el } from "./dom.js";
import { ENDPOINT, state } from "./state.js";
import { buildBody, formVerdict, options, panelCredentials } from "./read.js";
import { CREDENTIAL_CODES, cancelTimer, capitalize, renderAll, renderErrors, showSummary, summaryItems } from "./errors.js";
import { updateMode } from "./events.js";
import { commitPendingTag, tagsChanged } from "./tags.js";
import { updatePreview } from "./preview.js";

export async function onSubmit(event) {
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

export function onReset() {
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
