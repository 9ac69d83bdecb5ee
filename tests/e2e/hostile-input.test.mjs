// The Worker on a local D1 against what a hostile or unlucky caller sends: many
// contacts on one phone, requests built to make the error answer huge, look-alike
// text, and the audit of which api key wrote.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServer } from "../support/server.mjs";
import { provisionOrg, dump } from "./org.mjs";

let server;
let org;
const definitions = [
  { tag: "industry", type: "select", options: ["Technology", "Finance"] },
  { tag: "score", type: "number", min: 0, max: 10 },
];

before(async () => {
  server = await startServer({ demo: false });
  org = await provisionOrg(server, { mode: "B2B", customFields: definitions });
});
after(async () => server?.stop());

const creds = () => ({ api_key: org.api_key, developer_secret: org.developer_secret, org_id: org.org_id, member_id: org.member_id });
const send = (body) => server.post({ ...creds(), ...body });
const contactId = (phone, i) => `c${String(phone).padStart(7, "0")}-0000-4000-8000-${String(i).padStart(12, "0")}`;

/** `n` contacts on one phone, written straight into D1. */
async function contactsOnOnePhone(phone, n) {
  const rows = [];
  for (let i = 0; i < n; i++) {
    rows.push(
      `('${contactId(phone, i)}', '${org.org_id}', 'C${i}', 'p${phone}.${i}@x.io', 'p${phone}.${i}@x.io', '+1 555 ${phone}', '+1555${phone}', '${org.member_id}', '${org.member_id}', 'then', 'then')`,
    );
  }
  // In slices: one command-line argument holds at most 128 KiB of SQL.
  for (let at = 0; at < rows.length; at += 200) {
    await server.sql(
      "INSERT INTO contacts (id, org_id, first_name, primary_email, email_key, primary_phone, phone_key, created_by, updated_by, created_at, updated_at) VALUES " +
        rows.slice(at, at + 200).join(", "),
    );
  }
}

for (const [n, phone] of [[60, 1060], [500, 1500]]) {
  test(`${n} contacts on one phone: e-mail and id find their contact, the phone is ambiguous`, async () => {
    await contactsOnOnePhone(phone, n);
    const last = n - 1;
    const mail = `p${phone}.${last}@x.io`;
    const upsert = await send({ skip_entity: true, contact: { firstName: "Last", primaryEmail: mail, primaryPhone: `+1 555 ${phone}` } });
    assert.equal(upsert.status, 200, upsert.text);
    assert.deepEqual([upsert.body.data.action, upsert.body.data.contact_id], ["updated", contactId(phone, last)]);
    const update = await send({ mode: "update", skip_entity: true, contact: { primaryEmail: mail, jobTitle: "CTO" } });
    assert.deepEqual([update.status, update.body.data.action, update.body.data.contact_id], [200, "updated", contactId(phone, last)]);
    const byId = await send({ mode: "update", lookup_by: "contact_id", skip_entity: true, contact: { id: contactId(phone, last), jobTitle: "CEO" } });
    assert.deepEqual([byId.status, byId.body.data.action, byId.body.data.contact_id], [200, "updated", contactId(phone, last)]);
    const stored = await server.sql(`SELECT first_name, job_title FROM contacts WHERE id = '${contactId(phone, last)}'`);
    assert.deepEqual(stored, [{ first_name: "Last", job_title: "CEO" }]);
    const count = await server.sql(`SELECT COUNT(*) AS n FROM contacts WHERE phone_key = '+1555${phone}'`);
    assert.equal(count[0].n, n);

    const before = await dump(server);
    const byPhone = await send({ mode: "update", lookup_by: "phone", contact: { primaryPhone: `+1 555 ${phone}`, jobTitle: "X" } });
    assert.equal(byPhone.status, 409);
    assert.equal(byPhone.body.code, "AMBIGUOUS_MATCH");
    assert.equal(byPhone.body.message, "More than 10 contacts match this primaryPhone; use lookup_by contact_id or email");
    assert.deepEqual(byPhone.body.errors, [{ path: "contact.primaryPhone", code: "ambiguous_match", message: "more than 10 contacts match this value" }]);
    assert.equal(byPhone.body.candidate_ids.length, 10);
    assert.equal(await dump(server), before);
  });
}

test("3,000 unknown custom fields answer a small error: 50 problems listed, the rest counted, the tags named once", async () => {
  const customFields = Object.fromEntries(Array.from({ length: 3000 }, (_, i) => [`unknown_field_${String(i).padStart(5, "0")}`, "value"]));
  const body = JSON.stringify({ ...creds(), contact: { firstName: "J", primaryEmail: "j@x.io", customFields } });
  const res = await server.post(body);
  console.log(`3,000 unknown custom fields: request ${body.length} bytes, answer ${res.text.length} bytes`);
  assert.equal(res.status, 200);
  assert.equal(res.body.code, "CUSTOM_FIELD_ERROR");
  assert.ok(res.text.length < 16 * 1024, `${res.text.length} bytes`);
  assert.equal(res.body.errors.length, 50);
  assert.equal(res.body.data.length, 50);
  assert.equal(res.body.errors_omitted, 2950);
  assert.deepEqual(res.body.errors[0], {
    path: "contact.customFields.unknown_field_00000",
    code: "unknown_custom_field",
    message: "unknown custom field; the defined fields are: industry, score",
  });
  assert.equal(res.body.errors[1].message, "unknown custom field");
  assert.equal(
    res.body.message,
    "Contact custom field errors: contact.customFields.unknown_field_00000: unknown custom field; the defined fields are: industry, score; " +
      "contact.customFields.unknown_field_00001: unknown custom field; contact.customFields.unknown_field_00002: unknown custom field; " +
      "contact.customFields.unknown_field_00003: unknown custom field; contact.customFields.unknown_field_00004: unknown custom field; … 3000 problems in all",
  );
});

test("3,000 unknown contact keys, and keys of 1,000 characters, answer a small error", async () => {
  const contact = Object.fromEntries(Array.from({ length: 3000 }, (_, i) => [`unknown_${String(i).padStart(5, "0")}`, 1]));
  const body = JSON.stringify({ ...creds(), contact: { ...contact, firstName: "J", primaryEmail: "j@x.io" } });
  const res = await server.post(body);
  console.log(`3,000 unknown contact keys: request ${body.length} bytes, answer ${res.text.length} bytes`);
  assert.equal(res.body.code, "VALIDATION_ERROR");
  assert.ok(res.text.length < 16 * 1024, `${res.text.length} bytes`);
  assert.equal(res.body.errors_omitted, 2950);

  const long = "k".repeat(1000);
  const longKeys = Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`${long}${i}`, 1]));
  const big = await send({ contact: { ...longKeys, firstName: "J", primaryEmail: "j@x.io" } });
  assert.ok(big.text.length < 32 * 1024, `${big.text.length} bytes`);
  assert.equal(big.body.errors[0].path, `contact.${"k".repeat(64)}…`);
  assert.equal(big.body.errors[0].message, `unknown field ${"k".repeat(64)}…`);
});

test("bidirectional controls are refused in single-line fields, with their code", async () => {
  const before = await dump(server);
  const res = await send({
    contact: { firstName: "Jane\u202Egpj.exe", primaryEmail: "bidi@x.io", city: "\u2066Leeds\u2069" },
    entity: { name: "Acme\u202D" },
  });
  assert.equal(res.body.code, "VALIDATION_ERROR");
  assert.deepEqual(res.body.errors, [
    { path: "contact.city", code: "bidi_control", message: "must not contain bidirectional control characters (found U+2066)" },
    { path: "contact.firstName", code: "bidi_control", message: "must not contain bidirectional control characters (found U+202E)" },
    { path: "entity.name", code: "bidi_control", message: "must not contain bidirectional control characters (found U+202D)" },
  ]);
  assert.equal(await dump(server), before);
});

test("entity names that differ only by zero-width characters are one company; the name is stored as sent", async () => {
  const first = await send({ contact: { firstName: "A", primaryEmail: "zw1@x.io" }, entity: { name: "Zero Width Ltd" } });
  assert.equal(first.body.data.entity_action, "created", first.text);
  const second = await send({ contact: { firstName: "B", primaryEmail: "zw2@x.io" }, entity: { name: "Zero\u200B Width\uFEFF Ltd" } });
  assert.equal(second.body.data.entity_action, "linked", second.text);
  assert.equal(second.body.data.entity_id, first.body.data.entity_id);
  const third = await send({ contact: { firstName: "C", primaryEmail: "zw3@x.io" }, entity: { name: "\u2060Other\u200DCo" } });
  assert.equal(third.body.data.entity_action, "created");
  const rows = await server.sql(`SELECT name, name_key FROM entities WHERE id IN ('${first.body.data.entity_id}', '${third.body.data.entity_id}') ORDER BY name_key`);
  assert.deepEqual(rows, [
    { name: "\u2060Other\u200DCo", name_key: "otherco" },
    { name: "Zero Width Ltd", name_key: "zero width ltd" },
  ]);
});

test("every write records the api key that made it, beside the member it names", async () => {
  const created = await send({ contact: { firstName: "Audit", primaryEmail: "audit@x.io" }, entity: { name: "Audit Co" } });
  assert.equal(created.body.data.action, "created", created.text);
  const audit = async () =>
    server.sqlAll(
      `SELECT created_by, updated_by, created_by_key, updated_by_key FROM contacts WHERE id = '${created.body.data.contact_id}';
       SELECT created_by, updated_by, created_by_key, updated_by_key FROM entities WHERE id = '${created.body.data.entity_id}'`,
    );
  const expected = { created_by: org.member_id, updated_by: org.member_id, created_by_key: org.api_key_id, updated_by_key: org.api_key_id };
  assert.deepEqual(await audit(), [[expected], [expected]]);
  await server.sql(`UPDATE contacts SET updated_by_key = NULL; UPDATE entities SET updated_by_key = NULL`);
  const updated = await send({ contact: { firstName: "Audit", primaryEmail: "audit@x.io", jobTitle: "CFO" }, entity: { name: "Audit Co", city: "York" } });
  assert.equal(updated.body.data.entity_action, "updated", updated.text);
  assert.deepEqual(await audit(), [[expected], [expected]]);
});
