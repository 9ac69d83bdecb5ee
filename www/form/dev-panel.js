// The development panel, shown only where GET /dev/demo answers: the demo credentials
// the form sends with, hidden until asked.
import { $, $$ } from "./dom.js";
import { renderErrors } from "./errors.js";
import { updatePreview } from "./preview.js";

export function setUpDevPanel(demo) {
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
