// The small contacts the validation benchmark and the profiler check one at a time,
// as a form or an app checks one contact: each request body's contact (when it is an
// object) cut down to its name, e-mail and phone.
export function smallContacts(bodies) {
  return bodies
    .map((o) => o?.contact)
    .filter((c) => c && typeof c === "object" && !Array.isArray(c))
    .map((c) => Object.fromEntries(["firstName", "lastName", "primaryEmail", "primaryPhone"].filter((k) => k in c).map((k) => [k, c[k]])));
}
