// A corpus of bad input over HTTP: each gets its contract code and none a 5xx, and
// the database is exactly as it was afterwards. Hostile but valid text is stored
// verbatim, and breaks nothing.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServer } from "../support/server.mjs";
import { provisionOrg, dump } from "./org.mjs";

let server;
let org;
let creds;
const CONTACT_FIELDS = {
  firstName: "text", lastName: "text", primaryEmail: "email", secondaryEmail: "email", primaryPhone: "phone",
  secondaryPhone: "phone", roleLabel: "text", jobTitle: "text", source: "text", status: "text", website: "url",
  linkedinUrl: "url", addressLine1: "text", addressLine2: "text", city: "text", region: "text", postalCode: "text",
  country: "country", notes: "text", id: "uuid",
};
const ENTITY_FIELDS = {
  name: "text", label: "text", status: "text", website: "url", industry: "text", primaryEmail: "email",
  primaryPhone: "phone", city: "text", country: "country",
};
const valid = () => ({ ...creds, contact: { firstName: "Val", primaryEmail: "val@example.com" } });

before(async () => {
  server = await startServer({ demo: false });
  org = await provisionOrg(server, {
    mode: "B2B",
    customFields: [
      { tag: "industry", type: "select", options: ["Technology", "Finance"] },
      { tag: "score", type: "number", min: 0, max: 1e300 },
    ],
  });
  creds = { api_key: org.api_key, developer_secret: org.developer_secret, org_id: org.org_id, member_id: org.member_id };
});
after(async () => server?.stop());

async function expectRefused(body, status, code, what) {
  const res = await server.post(body);
  assert.ok(res.status < 500, `${what}: ${res.status} ${res.text.slice(0, 200)}`);
  assert.equal(res.body?.code, code, `${what}: ${res.text.slice(0, 300)}`);
  assert.equal(res.status, status, what);
  return res.body;
}

test("malformed, ambiguous and oversized bodies", async () => {
  const before = await dump(server);
  const text = JSON.stringify(valid());
  for (let cut = 1; cut < text.length; cut += 7) {
    await expectRefused(text.slice(0, cut), 400, "INVALID_JSON", `cut at ${cut}`);
  }
  const bytes = Buffer.from(text);
  for (const bad of [[0xff], [0xc3, 0x28], [0xe2, 0x82], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80]]) {
    const at = text.indexOf("Val") + 1;
    await expectRefused(Buffer.concat([bytes.subarray(0, at), Buffer.from(bad), bytes.subarray(at)]), 400, "INVALID_JSON", `bytes ${bad}`);
  }
  await expectRefused(text.replace('"contact"', '"api_key": "x", "contact"'), 400, "INVALID_JSON", "duplicate top-level key");
  await expectRefused(text.replace('"firstName":"Val"', '"firstName":"Val","firstName":"Eve"'), 400, "INVALID_JSON", "duplicate contact key");
  await expectRefused("[".repeat(10_000) + "]".repeat(10_000), 400, "INVALID_JSON", "10,000-deep arrays");
  await expectRefused('{"a":'.repeat(10_000) + "1" + "}".repeat(10_000), 400, "INVALID_JSON", "10,000-deep objects");
  await expectRefused(text.replace('"Val"', "[".repeat(10_000) + "]".repeat(10_000)), 400, "INVALID_JSON", "10,000-deep field");
  await expectRefused(text.replace('"Val"', "1e400"), 400, "INVALID_JSON", "a number out of range");
  await expectRefused(text.replace('"Val"', '"Va\u0000l"'), 400, "INVALID_JSON", "a raw NUL in a string");
  await expectRefused("{" + " ".repeat(128 * 1024) + "}", 413, "PAYLOAD_TOO_LARGE", "129 KiB");
  assert.equal(await dump(server), before);
});

test("wrong types at every path", async () => {
  const before = await dump(server);
  const wrong = [1, true, [], {}, 1.5];
  for (const [field] of Object.entries(CONTACT_FIELDS)) {
    for (const value of wrong) {
      const body = valid();
      body.contact[field] = value;
      if (field === "id") body.lookup_by = "contact_id";
      const res = await expectRefused(body, 200, "VALIDATION_ERROR", `contact.${field} = ${JSON.stringify(value)}`);
      assert.deepEqual(res.errors.map((e) => [e.path, e.code]).filter(([p]) => p === `contact.${field}`), [[`contact.${field}`, "invalid_type"]]);
    }
  }
  for (const [field] of Object.entries(ENTITY_FIELDS)) {
    for (const value of wrong) {
      const body = { ...valid(), entity: { [field]: value } };
      const res = await expectRefused(body, 200, "VALIDATION_ERROR", `entity.${field} = ${JSON.stringify(value)}`);
      assert.deepEqual(res.errors.map((e) => [e.path, e.code]), [[`entity.${field}`, "invalid_type"]]);
    }
  }
  for (const value of [1, "a", true, {}]) {
    const body = valid();
    body.contact.tags = value;
    await expectRefused(body, 200, "VALIDATION_ERROR", `tags = ${JSON.stringify(value)}`);
    body.contact.tags = [value];
    if (typeof value !== "string") await expectRefused(body, 200, "VALIDATION_ERROR", `tags[0] = ${JSON.stringify(value)}`);
  }
  for (const value of [1, "a", true, []]) {
    await expectRefused({ ...valid(), contact: { ...valid().contact, customFields: value } }, 200, "VALIDATION_ERROR", `customFields = ${JSON.stringify(value)}`);
  }
  for (const [key, values, status, code] of [
    ["api_key", [1, true, [], {}], 401, "INVALID_API_KEY"],
    ["developer_secret", [1, true, [], {}], 403, "INVALID_DEVELOPER_SECRET"],
    ["org_id", [1, true, [], {}], 200, "VALIDATION_ERROR"],
    ["member_id", [1, true, [], {}], 200, "VALIDATION_ERROR"],
    ["contact", [1, true, [], "Jane"], 400, "MISSING_CONTACT"],
    ["entity", [1, true, [], "Acme"], 200, "VALIDATION_ERROR"],
    ["mode", [1, true, [], {}, "create"], 200, "VALIDATION_ERROR"],
    ["lookup_by", [1, true, [], {}, "name"], 200, "VALIDATION_ERROR"],
    ["skip_entity", [1, "true", [], {}], 200, "VALIDATION_ERROR"],
    ["debug", [1, "true", [], {}], 200, "VALIDATION_ERROR"],
    ["dry_run", [1, "true", [], {}], 200, "VALIDATION_ERROR"],
  ]) {
    for (const value of values) await expectRefused({ ...valid(), [key]: value }, status, code, `${key} = ${JSON.stringify(value)}`);
  }
  assert.equal(await dump(server), before);
});

test("__proto__ and constructor keys at every level", async () => {
  const before = await dump(server);
  const text = JSON.stringify({ ...valid(), entity: { name: "Proto Co" } });
  const inject = (anchor, key) => text.replace(anchor, `${anchor}"${key}": {"polluted": true}, `);
  for (const key of ["__proto__", "constructor", "prototype"]) {
    await expectRefused(inject("{", key), 200, "VALIDATION_ERROR", `top-level ${key}`);
    await expectRefused(inject('"contact":{', key), 200, "VALIDATION_ERROR", `contact ${key}`);
    await expectRefused(inject('"entity":{', key), 200, "VALIDATION_ERROR", `entity ${key}`);
    const custom = text.replace('"firstName":"Val"', `"firstName":"Val","customFields":{"${key}":{"industry":"Finance"}}`);
    const res = await expectRefused(custom, 200, "CUSTOM_FIELD_ERROR", `customFields ${key}`);
    assert.deepEqual(res.errors.map((e) => [e.path, e.code]), [[`contact.customFields.${key}`, "unknown_custom_field"]]);
  }
  assert.equal(await dump(server), before);
});

test("huge strings, huge arrays, extreme numbers and NUL bytes", async () => {
  const before = await dump(server);
  const body = (contact) => ({ ...valid(), contact: { ...valid().contact, ...contact } });
  await expectRefused(body({ lastName: "x".repeat(120_000) }), 200, "VALIDATION_ERROR", "a 120,000-character name");
  await expectRefused(body({ notes: "é".repeat(60_000) }), 200, "VALIDATION_ERROR", "120,000 bytes of notes");
  await expectRefused(body({ tags: Array.from({ length: 20_000 }, (_, i) => String(i % 10)) }), 200, "VALIDATION_ERROR", "20,000 tags");
  await expectRefused(body({ customFields: { score: -1e-300 } }), 200, "CUSTOM_FIELD_ERROR", "a number below the minimum");
  await expectRefused(body({ customFields: { score: 1.7976931348623157e308 } }), 200, "CUSTOM_FIELD_ERROR", "the largest double");
  // An integer beyond 64 bits is read as the nearest double: a valid number here.
  const big = await server.post(JSON.stringify({ ...body({}), dry_run: true }).replace('"firstName"', '"customFields":{"score":123456789012345678901234567890},"firstName"'));
  assert.equal(big.body?.data?.action, "would_create", big.text);
  for (const field of ["firstName", "lastName", "notes", "city"]) {
    await expectRefused(body({ [field]: "a\u0000b" }), 200, "VALIDATION_ERROR", `NUL in ${field}`);
  }
  await expectRefused(body({ primaryEmail: "a\u0000@b.com" }), 200, "VALIDATION_ERROR", "NUL in an e-mail");
  assert.equal(await dump(server), before);
});

test("SQL and script fragments: refused where a format is expected, stored verbatim elsewhere", async () => {
  const fragments = ["'); DROP TABLE contacts; --", "\" OR 1=1 --", "<script>alert(1)</script>", "${{7*7}}", "Robert'); DELETE FROM entities;--"];
  const before = await dump(server);
  for (const fragment of fragments) {
    for (const [field, kind] of Object.entries(CONTACT_FIELDS)) {
      if (kind === "text") continue;
      const body = valid();
      body.contact[field] = fragment;
      if (field === "id") body.lookup_by = "contact_id";
      await expectRefused(body, 200, "VALIDATION_ERROR", `${fragment} in contact.${field}`);
    }
    for (const [field, kind] of Object.entries(ENTITY_FIELDS)) {
      if (kind === "text") continue;
      await expectRefused({ ...valid(), entity: { name: "Frag Co", [field]: fragment } }, 200, "VALIDATION_ERROR", `${fragment} in entity.${field}`);
    }
  }
  assert.equal(await dump(server), before);
  let n = 0;
  for (const fragment of fragments) {
    const contact = { primaryEmail: `frag${++n}@example.com` };
    // postalCode holds at most 20 characters.
    for (const [field, kind] of Object.entries(CONTACT_FIELDS)) if (kind === "text") contact[field] = field === "postalCode" ? fragment.slice(0, 20) : fragment;
    const entity = {};
    for (const [field, kind] of Object.entries(ENTITY_FIELDS)) if (kind === "text") entity[field] = `${fragment} ${n}`;
    const res = await server.post({ ...creds, contact, entity });
    assert.equal(res.body?.data?.action, "created", res.text);
    const [row] = await server.sql(`SELECT first_name, notes, postal_code, e.name AS entity FROM contacts c JOIN entities e ON e.id = c.entity_id WHERE c.id = '${res.body.data.contact_id}'`);
    assert.deepEqual(row, { first_name: fragment, notes: fragment, postal_code: fragment.slice(0, 20).trim(), entity: `${fragment} ${n}` });
  }
  const [{ tables }] = await server.sql("SELECT COUNT(*) AS tables FROM sqlite_master WHERE type = 'table' AND name IN ('contacts', 'entities', 'organizations')");
  assert.equal(tables, 3);
});
