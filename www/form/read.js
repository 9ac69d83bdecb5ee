// Reading the form: each control's value as the request carries it, the request body
// the form stands for, and the whole form checked by zyntro-contact.
import { validateRequest } from "../pkg/zyntro_contact.js";
import { $, $$ } from "./dom.js";
import { form, state } from "./state.js";

// Well-formed stand-ins, so that checking the form never depends on credentials: they
// are never sent, and the normalized request shown leaves the key and secret out.
const STAND_IN = {
  api_key: `zak_${"0".repeat(64)}`,
  developer_secret: `zdk_${"0".repeat(64)}`,
  org_id: "00000000-0000-0000-0000-000000000000",
  member_id: "00000000-0000-0000-0000-000000000000",
};

/** A control's value as the request carries it; `undefined` when it is absent. */
export function readValue(control) {
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

export const modeValue = () => $("input[name=mode]:checked", form).value;
export const lookupValue = () => $("#req-lookup_by").value;
export const skipEntity = () => $("#req-skip_entity").checked;

/** The request body the form stands for, with these credentials. */
export function buildBody(credentials) {
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

export const options = () => ({ customFields: state.definitions });

/** The whole form checked as the API checks it (credentials aside). */
export const formVerdict = () => validateRequest(buildBody(STAND_IN), options());

export function panelCredentials() {
  return Object.fromEntries($$("[data-cred]").map((input) => [input.dataset.cred, input.value]));
}
