// The tags input: Enter or a comma makes the typed text a tag, Backspace or a tag's
// button removes one, and every change is checked and shown in the preview.
import { validateField } from "../pkg/zyntro_contact.js";
import { $, el } from "./dom.js";
import { state } from "./state.js";
import { formVerdict, options, readValue } from "./read.js";
import { errorsAt, renderErrors } from "./errors.js";
import { updatePreview } from "./preview.js";

export function setUpTags() {
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

export function commitPendingTag() {
  const input = $("#contact-tags");
  const tag = input.value.trim().replace(/,$/, "").trim();
  input.value = "";
  if (tag) state.tags.push(tag);
  tagsChanged();
}

export function tagsChanged() {
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
