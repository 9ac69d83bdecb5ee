// The organization's custom fields as form controls: a select, checkboxes, a date,
// a number or a text input for each definition, with its hint and its error box.
import { $, el } from "./dom.js";

const humanize = (tag) => tag.charAt(0).toUpperCase() + tag.slice(1).replaceAll("_", " ");

export function renderCustomFields(definitions) {
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
