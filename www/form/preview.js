// The preview: the request as it stands, or normalized as the API receives it once
// every field is valid, never with the key or the secret; and its copy button.
import { $ } from "./dom.js";
import { state } from "./state.js";
import { buildBody, formVerdict, panelCredentials } from "./read.js";

export function updatePreview(verdict = formVerdict()) {
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

export async function copyPreview() {
  const button = $("#copy");
  try {
    await navigator.clipboard.writeText($("#preview").textContent);
    button.textContent = "Copied";
  } catch {
    button.textContent = "Copy failed";
  }
  setTimeout(() => (button.textContent = "Copy JSON"), 1500);
}
