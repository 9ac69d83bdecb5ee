// The Worker end to end on a local D1: every code of the check table, the modes and
// lookups, entities, merging, conflicts, tenant isolation, concurrency, and bad
// bodies that must leave the database exactly as it was.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServer } from "../support/server.mjs";
import { provisionOrg, dump } from "./org.mjs";

let server;
let b2b; // allowed from 127.0.0.1, ::1, 10.0.0.0/8 and 2001:db8::/32
let b2c;
const definitions = [
  { tag: "industry", type: "select", options: ["Technology", "Finance"] },
  { tag: "company_size", type: "select", options: ["1-10", "50-200"] },
  { tag: "score", type: "number", min: 0, max: 10 },
];

before(async () => {
  server = await startServer({ demo: false });
  b2b = await provisionOrg(server, { mode: "B2B", customFields: definitions, allow: ["127.0.0.1", "::1", "10.0.0.0/8", "2001:db8::/32"] });
  b2c = await provisionOrg(server, { mode: "B2C", name: "Retail Org" });
});
after(async () => server?.stop());

const creds = (org) => ({ api_key: org.api_key, developer_secret: org.developer_secret, org_id: org.org_id, member_id: org.member_id });
const send = (org, body, headers) => server.post({ ...creds(org), ...body }, headers);
let n = 0;
const email = (tag = "c") => `${tag}${++n}.${Date.now()}@example.com`;

function expectError(res, status, code) {
  assert.equal(res.status, status, JSON.stringify(res.body));
  assert.equal(res.body.status, "error");
  assert.equal(res.body.code, code, JSON.stringify(res.body));
  assert.match(res.headers.get("x-request-id") ?? "", /^[0-9a-f-]{36}$/);
}

test("the seed's curl example succeeds as written, then updates", async () => {
  const body = {
    ...creds(b2b),
    mode: "upsert",
    contact: { firstName: "Jane", lastName: "Smith", primaryEmail: "jane.smith@acme.com", source: "API Import", status: "Active" },
    entity: { name: "Acme Corp", status: "Active" },
  };
  const first = await server.post(body);
  assert.equal(first.status, 200);
  assert.equal(first.body.status, "success");
  assert.equal(first.body.data.action, "created");
  assert.equal(first.body.data.message, "Contact created successfully");
  assert.equal(first.body.data.entity_action, "created");
  assert.match(first.body.data.contact_id, /^[0-9a-f-]{36}$/);
  const second = await server.post(body);
  assert.equal(second.body.data.action, "updated");
  assert.equal(second.body.data.contact_id, first.body.data.contact_id);
  assert.equal(second.body.data.entity_action, "unchanged");
  const rows = await server.sql(`SELECT c.first_name, c.email_key, e.name FROM contacts c JOIN entities e ON e.id = c.entity_id WHERE c.id = '${first.body.data.contact_id}'`);
  assert.deepEqual(rows, [{ first_name: "Jane", email_key: "jane.smith@acme.com", name: "Acme Corp" }]);
});

test("every code of the check table, in order", async () => {
  const url = server.endpoint;
  const valid = { ...creds(b2b), contact: { firstName: "Order", primaryEmail: email() } };
  const before = await dump(server);
  expectError(await fetch(url).then(wrap), 405, "METHOD_NOT_ALLOWED");
  const get = await fetch(url);
  assert.equal(get.headers.get("allow"), "POST");
  expectError(await fetch(url, { method: "POST", headers: { "content-type": "text/plain" }, body: JSON.stringify(valid) }).then(wrap), 415, "UNSUPPORTED_MEDIA_TYPE");
  expectError(await server.post("{" + " ".repeat(129 * 1024) + "}"), 413, "PAYLOAD_TOO_LARGE");
  expectError(await server.post('{"api_key": '), 400, "INVALID_JSON");
  expectError(await server.post({ ...valid, api_key: undefined }), 401, "MISSING_API_KEY");
  expectError(await server.post({ ...valid, api_key: `zak_${"0".repeat(64)}` }), 401, "INVALID_API_KEY");
  expectError(await server.post({ ...valid, developer_secret: "" }), 401, "MISSING_DEVELOPER_SECRET");
  expectError(await server.post({ ...valid, developer_secret: b2c.developer_secret }), 403, "INVALID_DEVELOPER_SECRET");
  expectError(await server.post(valid, { "CF-Connecting-IP": "192.0.2.10" }), 403, "IP_NOT_WHITELISTED");
  expectError(await server.post({ ...valid, org_id: b2c.org_id }), 403, "ORG_MISMATCH");
  expectError(await server.post({ ...valid, member_id: b2c.member_id }), 404, "MEMBER_NOT_FOUND");
  expectError(await server.post({ ...valid, contact: undefined }), 400, "MISSING_CONTACT");
  const invalid = await server.post({ ...valid, contact: { firstName: "X", primaryEmail: "not-an-email" } });
  expectError(invalid, 200, "VALIDATION_ERROR");
  assert.deepEqual(invalid.body.errors, [{ path: "contact.primaryEmail", code: "invalid_email", message: "not a valid e-mail address" }]);
  assert.deepEqual(invalid.body.data, ["contact.primaryEmail: not a valid e-mail address"]);
  const custom = await server.post({ ...valid, contact: { ...valid.contact, customFields: { industry: "Mining" } } });
  expectError(custom, 200, "CUSTOM_FIELD_ERROR");
  assert.equal(custom.body.errors[0].message, "must be one of: Technology, Finance");
  expectError(await server.post({ ...valid, mode: "update" }), 404, "NOT_FOUND_UPDATE");
  assert.equal(await dump(server), before, "a refused request changed the database");
});

async function wrap(res) {
  return { status: res.status, headers: res.headers, body: await res.json() };
}

test("the seed's validation error example", async () => {
  const res = await send(b2b, { contact: { lastName: "Smith" } });
  expectError(res, 200, "VALIDATION_ERROR");
  assert.deepEqual(res.body.data, ["Missing required contact fields: firstName, primaryEmail"]);
});

test("the client address is CF-Connecting-IP alone, checked against IPv4 and IPv6 ranges", async () => {
  const body = { contact: { firstName: "Ip", primaryEmail: email("ip") }, dry_run: true };
  for (const ip of ["127.0.0.1", "::1", "10.0.0.1", "10.255.255.255", "2001:db8::1", "2001:db8:ffff:ffff::42"]) {
    const res = await send(b2b, body, { "CF-Connecting-IP": ip });
    assert.equal(res.body.status, "success", `${ip}: ${JSON.stringify(res.body)}`);
  }
  for (const ip of ["11.0.0.1", "9.255.255.255", "2001:db9::1", "::2", "127.0.0.2", "not-an-ip"]) {
    expectError(await send(b2b, body, { "CF-Connecting-IP": ip }), 403, "IP_NOT_WHITELISTED");
  }
  // A spoofed X-Forwarded-For changes nothing either way.
  expectError(await send(b2b, body, { "CF-Connecting-IP": "192.0.2.1", "X-Forwarded-For": "127.0.0.1" }), 403, "IP_NOT_WHITELISTED");
  const allowed = await send(b2b, body, { "CF-Connecting-IP": "127.0.0.1", "X-Forwarded-For": "192.0.2.1" });
  assert.equal(allowed.body.status, "success");
});

test("three modes × three lookups", async () => {
  const e = email("m");
  expectError(await send(b2b, { mode: "update", contact: { primaryEmail: e, city: "X" } }), 404, "NOT_FOUND_UPDATE");
  const created = await send(b2b, { mode: "insert", contact: { firstName: "Mo", primaryEmail: e, primaryPhone: "+44 20 7946 0000" } });
  assert.equal(created.body.data.action, "created");
  const id = created.body.data.contact_id;
  const exists = await send(b2b, { mode: "insert", contact: { firstName: "Mo", primaryEmail: e.toUpperCase() } });
  expectError(exists, 409, "CONTACT_EXISTS");
  assert.equal(exists.body.contact_id, id);
  const existsByPhone = await send(b2b, { mode: "insert", lookup_by: "phone", contact: { firstName: "Mo", primaryEmail: email("m"), primaryPhone: "+442079460000" } });
  expectError(existsByPhone, 409, "CONTACT_EXISTS");
  for (const [mode, lookup_by, contact] of [
    ["update", "email", { primaryEmail: ` ${e.toUpperCase()} `, jobTitle: "A" }],
    ["update", "phone", { primaryPhone: "+44-20-7946-0000", jobTitle: "B" }],
    ["update", "contact_id", { id: id.toUpperCase(), jobTitle: "C" }],
    ["upsert", "email", { firstName: "Mo", primaryEmail: e, jobTitle: "D" }],
    ["upsert", "phone", { firstName: "Mo", primaryEmail: e, primaryPhone: "+44 (20) 7946 0000", jobTitle: "E" }],
    ["upsert", "contact_id", { id, jobTitle: "F" }],
  ]) {
    const res = await send(b2b, { mode, lookup_by, contact });
    assert.equal(res.body.data?.action, "updated", `${mode}/${lookup_by}: ${JSON.stringify(res.body)}`);
    assert.equal(res.body.data.contact_id, id);
  }
  const [row] = await server.sql(`SELECT job_title, version FROM contacts WHERE id = '${id}'`);
  assert.deepEqual(row, { job_title: "F", version: 7 });
  const upsertNew = await send(b2b, { lookup_by: "phone", contact: { firstName: "New", primaryEmail: email("m"), primaryPhone: "+1 202 555 0199" } });
  assert.equal(upsertNew.body.data.action, "created");
  expectError(await send(b2b, { lookup_by: "contact_id", contact: { id: "00000000-0000-4000-8000-000000000000", jobTitle: "x" } }), 404, "NOT_FOUND_UPDATE");
});

test("an ambiguous phone is refused with the candidates, never guessed", async () => {
  const phone = "+1 303 555 0142";
  const a = await send(b2b, { contact: { firstName: "A", primaryEmail: email("amb"), primaryPhone: phone } });
  const b = await send(b2b, { contact: { firstName: "B", primaryEmail: email("amb"), primaryPhone: "1-303-555-0142".replace(/^/, "+") } });
  const before = await dump(server);
  const res = await send(b2b, { mode: "update", lookup_by: "phone", contact: { primaryPhone: "+13035550142", city: "Denver" } });
  expectError(res, 409, "AMBIGUOUS_MATCH");
  assert.deepEqual([...res.body.candidate_ids].sort(), [a.body.data.contact_id, b.body.data.contact_id].sort());
  assert.equal(await dump(server), before);
});

test("an update to another contact's e-mail is refused and writes nothing", async () => {
  const taken = email("taken");
  await send(b2b, { contact: { firstName: "Owner", primaryEmail: taken } });
  const other = await send(b2b, { contact: { firstName: "Other", primaryEmail: email("other") } });
  const before = await dump(server);
  const res = await send(b2b, { mode: "update", lookup_by: "contact_id", contact: { id: other.body.data.contact_id, primaryEmail: taken } });
  expectError(res, 409, "CONTACT_EXISTS");
  assert.equal(await dump(server), before);
});

test("entities: created, linked, updated, unchanged, skipped; B2C and skip_entity", async () => {
  const company = `Globex ${Date.now()}`;
  const first = await send(b2b, { contact: { firstName: "G1", primaryEmail: email("g") }, entity: { name: company } });
  assert.equal(first.body.data.entity_action, "created");
  const linked = await send(b2b, { contact: { firstName: "G2", primaryEmail: email("g") }, entity: { name: ` ${company.toUpperCase()} ` } });
  assert.equal(linked.body.data.entity_action, "linked");
  assert.equal(linked.body.data.entity_id, first.body.data.entity_id);
  const updated = await send(b2b, { contact: { firstName: "G3", primaryEmail: email("g") }, entity: { name: company, industry: "Energy" } });
  assert.equal(updated.body.data.entity_action, "updated");
  const auto = await send(b2b, { contact: { firstName: "Solo", lastName: `Trader${Date.now()}`, primaryEmail: email("solo") } });
  assert.equal(auto.body.data.entity_action, "created");
  const [entity] = await server.sql(`SELECT name FROM entities WHERE id = '${auto.body.data.entity_id}'`);
  assert.match(entity.name, /^Solo Trader\d+$/);
  const kept = await send(b2b, { mode: "update", lookup_by: "contact_id", contact: { id: auto.body.data.contact_id, city: "Rome" } });
  assert.equal(kept.body.data.entity_action, "unchanged");
  assert.equal(kept.body.data.entity_id, auto.body.data.entity_id);
  const skipped = await send(b2b, { skip_entity: true, contact: { firstName: "Sk", primaryEmail: email("sk") }, entity: { name: "Ignored Inc" } });
  assert.equal(skipped.body.data.entity_action, "skipped");
  assert.equal(skipped.body.data.entity_id, null);
  const retail = await send(b2c, { contact: { firstName: "Ret", primaryEmail: email("ret") }, entity: { name: "Ignored Too" } });
  assert.equal(retail.body.data.entity_action, "skipped");
  assert.equal(retail.body.data.entity_id, null);
  const [{ n }] = await server.sql(`SELECT COUNT(*) AS n FROM entities WHERE name IN ('Ignored Inc', 'Ignored Too')`);
  assert.equal(n, 0);
});

test("custom fields and tags merge; null clears", async () => {
  const e = email("merge");
  await send(b2b, { contact: { firstName: "Mer", lastName: "Ge", roleLabel: "Buyer", primaryEmail: e, tags: ["alpha", "Beta"], customFields: { industry: "Finance", score: 3 } } });
  const res = await send(b2b, { mode: "update", contact: { primaryEmail: e, roleLabel: null, tags: ["beta", "gamma"], customFields: { score: null, company_size: "50-200" } } });
  assert.equal(res.body.data.action, "updated", JSON.stringify(res.body));
  const [row] = await server.sql(`SELECT role_label, last_name, tags, custom_fields FROM contacts WHERE email_key = '${e}'`);
  assert.deepEqual(
    { ...row, tags: JSON.parse(row.tags), custom_fields: JSON.parse(row.custom_fields) },
    { role_label: null, last_name: "Ge", tags: ["alpha", "Beta", "gamma"], custom_fields: { industry: "Finance", company_size: "50-200" } },
  );
  const cleared = await send(b2b, { mode: "update", contact: { primaryEmail: e, tags: null, lastName: null } });
  assert.equal(cleared.body.status, "success");
  const [after] = await server.sql(`SELECT last_name, tags FROM contacts WHERE email_key = '${e}'`);
  assert.deepEqual(after, { last_name: null, tags: "[]" });
  expectError(await send(b2b, { mode: "update", contact: { primaryEmail: e, firstName: null } }), 200, "VALIDATION_ERROR");
});

test("tenants are isolated: another organization's contacts, members and entities do not exist", async () => {
  const e = email("tenant");
  const mine = await send(b2b, { contact: { firstName: "Mine", primaryEmail: e, primaryPhone: "+1 415 555 0100" }, entity: { name: `Tenant Co ${n}` } });
  const id = mine.body.data.contact_id;
  const before = await dump(server);
  expectError(await send(b2c, { mode: "update", contact: { primaryEmail: e, firstName: "Stolen" } }), 404, "NOT_FOUND_UPDATE");
  expectError(await send(b2c, { mode: "update", lookup_by: "phone", contact: { primaryPhone: "+14155550100", firstName: "Stolen" } }), 404, "NOT_FOUND_UPDATE");
  expectError(await send(b2c, { lookup_by: "contact_id", contact: { id, firstName: "Stolen" } }), 404, "NOT_FOUND_UPDATE");
  expectError(await send(b2c, { member_id: b2b.member_id, contact: { firstName: "X", primaryEmail: email() } }), 404, "MEMBER_NOT_FOUND");
  expectError(await send(b2c, { org_id: b2b.org_id, contact: { firstName: "X", primaryEmail: email() } }), 403, "ORG_MISMATCH");
  assert.equal(await dump(server), before);
  // The same e-mail in the other organization is a different contact.
  const theirs = await send(b2c, { mode: "insert", contact: { firstName: "Theirs", primaryEmail: e } });
  assert.equal(theirs.body.data.action, "created");
  assert.notEqual(theirs.body.data.contact_id, id);
});

test("100 concurrent upserts of 10 e-mails leave exactly 10 contacts, every tag kept, no 5xx", async () => {
  const stamp = Date.now();
  const results = await Promise.all(
    Array.from({ length: 100 }, (_, i) =>
      send(b2b, { contact: { firstName: `Racer${i}`, primaryEmail: `racer${i % 10}.${stamp}@race.test`, tags: [`t${i}`] }, entity: { name: `Race Co ${i % 10} ${stamp}` } }),
    ),
  );
  const statuses = results.map((r) => r.status);
  assert.deepEqual(statuses.filter((s) => s !== 200), []);
  assert.equal(results.filter((r) => r.body.data.action === "created").length, 10);
  const [{ contacts, tags, linked }] = await server.sql(
    `SELECT COUNT(*) AS contacts, SUM(json_array_length(tags)) AS tags, COUNT(entity_id) AS linked FROM contacts WHERE email_key LIKE '%.${stamp}@race.test'`,
  );
  assert.deepEqual({ contacts, tags, linked }, { contacts: 10, tags: 100, linked: 10 });
  const [{ entities }] = await server.sql(`SELECT COUNT(*) AS entities FROM entities WHERE name LIKE 'Race Co % ${stamp}'`);
  assert.equal(entities, 10);
});

test("bad bodies get their code and leave the database unchanged", async () => {
  const before = await dump(server);
  const valid = { ...creds(b2b), contact: { firstName: "Bad", primaryEmail: email("bad") } };
  const cases = [
    ["not json", 400, "INVALID_JSON"],
    ['{"a":1,}', 400, "INVALID_JSON"],
    ["[]", 400, "INVALID_JSON"],
    ["null", 400, "INVALID_JSON"],
    ["[".repeat(10000) + "]".repeat(10000), 400, "INVALID_JSON"],
    [new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]), 400, "INVALID_JSON"],
    [JSON.stringify({ ...valid, contact: [] }), 400, "MISSING_CONTACT"],
    [JSON.stringify({ ...valid, contact: { ...valid.contact, firstName: 42 } }), 200, "VALIDATION_ERROR"],
    [JSON.stringify({ ...valid, contact: { ...valid.contact, tags: "a,b" } }), 200, "VALIDATION_ERROR"],
    [JSON.stringify({ ...valid, contact: { ...valid.contact, customFields: [] } }), 200, "VALIDATION_ERROR"],
    [JSON.stringify({ ...valid, contact: { ...valid.contact, customFields: { score: "7" } } }), 200, "CUSTOM_FIELD_ERROR"],
    // A JavaScript object literal would take __proto__ as the prototype: write the JSON.
    [JSON.stringify({ ...valid, contact: { ...valid.contact, customFields: "PROTO" } }).replace('"PROTO"', '{"__proto__": {"industry": "Finance"}}'), 200, "CUSTOM_FIELD_ERROR"],
    [JSON.stringify({ ...valid, contact: { ...valid.contact, customFields: "PROTO" } }).replace('"PROTO"', '{"constructor": "x"}'), 200, "CUSTOM_FIELD_ERROR"],
    [JSON.stringify({ ...valid, mode: 1 }), 200, "VALIDATION_ERROR"],
    [JSON.stringify({ ...valid, skip_entity: "true" }), 200, "VALIDATION_ERROR"],
    [JSON.stringify({ ...valid, entity: "Acme" }), 200, "VALIDATION_ERROR"],
    [JSON.stringify({ ...valid, org_id: 7 }), 200, "VALIDATION_ERROR"],
    [JSON.stringify({ ...valid, contact: { ...valid.contact, notes: "x".repeat(10001) } }), 200, "VALIDATION_ERROR"],
    [JSON.stringify({ ...valid, contact: { ...valid.contact, lastName: "'); DROP TABLE contacts; --\u0000" } }), 200, "VALIDATION_ERROR"],
  ];
  for (const [body, status, code] of cases) {
    const res = await server.post(body);
    expectError(res, status, code);
  }
  const wrongType = await fetch(server.endpoint, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: "api_key=x" });
  assert.equal(wrongType.status, 415);
  assert.equal(await dump(server), before);
});

test("an exactly 128 KiB body is read; one byte more is refused", async () => {
  const base = JSON.stringify({ ...creds(b2b), dry_run: true, contact: { firstName: "Big", primaryEmail: email("big"), notes: "" } });
  const pad = 128 * 1024 - Buffer.byteLength(base);
  const exact = base.replace('"notes":""', `"notes":"${"n".repeat(Math.min(pad, 10000))}"`) + " ".repeat(Math.max(0, pad - 10000));
  assert.equal(Buffer.byteLength(exact), 128 * 1024);
  const ok = await server.post(exact);
  assert.equal(ok.body.status, "success", JSON.stringify(ok.body));
  expectError(await server.post(exact + " "), 413, "PAYLOAD_TOO_LARGE");
});

test("dry_run writes nothing; debug reports round trips and never a secret", async () => {
  const before = await dump(server);
  const res = await send(b2b, { dry_run: true, debug: true, contact: { firstName: "Dry", primaryEmail: email("dry") }, entity: { name: "Dry Co" } });
  assert.equal(res.body.data.action, "would_create");
  assert.equal(res.body.data.contact_id, null);
  assert.equal(res.body.data.debug.d1_round_trips, 1);
  assert.equal(await dump(server), before);
  const wet = await send(b2b, { debug: true, contact: { firstName: "Wet", primaryEmail: email("wet") } });
  assert.equal(wet.body.data.debug.d1_round_trips, 2);
  assert.equal(wet.body.data.debug.request_id, wet.headers.get("x-request-id"));
  for (const text of [res.text, wet.text]) {
    assert.ok(!text.includes(b2b.api_key) && !text.includes(b2b.developer_secret), text);
  }
  assert.ok(!server.log().includes(b2b.api_key) && !server.log().includes(b2b.developer_secret));
});

test("an unexpected failure answers INTERNAL_ERROR with the request id and nothing more", async () => {
  const broken = await provisionOrg(server, { customFields: [{ tag: "broken", type: "unknown-type" }] });
  const res = await send(broken, { contact: { firstName: "X", primaryEmail: email("x") } });
  expectError(res, 500, "INTERNAL_ERROR");
  const id = res.headers.get("x-request-id");
  assert.equal(res.body.request_id, id);
  assert.equal(res.body.message, `An unexpected error occurred; quote request id ${id} when reporting it`);
  assert.ok(!/definition|sql|unknown-type/i.test(res.text), res.text);
});

test("other paths answer a JSON 404 with a request id", async () => {
  const res = await fetch(`${server.url}/apis/v2/public/crm/nope`, { method: "POST" }).then(wrap);
  expectError(res, 404, "NOT_FOUND");
});
