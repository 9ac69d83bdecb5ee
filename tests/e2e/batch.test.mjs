// The batch endpoint end to end on a local D1: whole-request refusals before the
// items, INVALID_ITEMS, per-item verdicts with prefixed paths, items applied in order
// on top of each other, all_or_none, one read and one write, the 1 MiB limit, and
// batches racing singles on the same e-mails.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServer } from "../support/server.mjs";
import { provisionOrg, dump } from "./org.mjs";

const BATCH = "/apis/v2/public/crm/addContactsFull/batch";
let server;
let b2b;
let b2c;

before(async () => {
  server = await startServer({ demo: false });
  b2b = await provisionOrg(server, {
    mode: "B2B",
    customFields: [{ tag: "industry", type: "select", options: ["Technology", "Finance"] }],
  });
  b2c = await provisionOrg(server, { mode: "B2C", name: "Retail Org" });
});
after(async () => server?.stop());

const creds = (org) => ({ api_key: org.api_key, developer_secret: org.developer_secret, org_id: org.org_id, member_id: org.member_id });

/** POSTs a batch body (object or text); answers { status, headers, body, text }. */
async function batch(body, headers = {}) {
  const res = await fetch(server.url + BATCH, {
    method: "POST",
    headers: { "content-type": "application/json", "cf-connecting-ip": "127.0.0.1", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {}
  return { status: res.status, headers: res.headers, body: json, text };
}
const send = (org, body, headers) => batch({ ...creds(org), ...body }, headers);
let n = 0;
const email = (tag = "b") => `${tag}${++n}.${Date.now()}@batch.test`;
const item = (firstName, primaryEmail, extra = {}) => ({ contact: { firstName, primaryEmail, ...extra } });

function expectError(res, status, code) {
  assert.equal(res.status, status, JSON.stringify(res.body));
  assert.equal(res.body.status, "error");
  assert.equal(res.body.code, code, JSON.stringify(res.body));
  assert.match(res.headers.get("x-request-id") ?? "", /^[0-9a-f-]{36}$/);
}

test("a batch creates and updates in one read and one write, results in input order", async () => {
  const [a, b] = [email(), email()];
  await send(b2b, { items: [item("Bee", b)] });
  const res = await send(b2b, { debug: true, items: [{ ...item("Ann", a), entity: { name: `Batch Co ${a}` } }, item("Bee", b.toUpperCase(), { jobTitle: "CTO" })] });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.equal(res.body.status, "success");
  assert.deepEqual(res.body.summary, { created: 1, updated: 1, failed: 0 });
  const [first, second] = res.body.results;
  assert.deepEqual(Object.keys(first).sort(), ["data", "index", "status"]);
  assert.equal(first.index, 0);
  assert.equal(first.data.action, "created");
  assert.equal(first.data.message, "Contact created successfully");
  assert.equal(first.data.entity_action, "created");
  assert.match(first.data.entity_id, /^[0-9a-f-]{36}$/);
  assert.equal(second.index, 1);
  assert.equal(second.data.action, "updated");
  assert.equal(second.data.message, "Contact updated successfully");
  assert.equal(res.body.debug.d1_round_trips, 2);
  assert.equal(res.body.debug.write_attempts, 1);
  assert.equal(res.body.debug.read_statements, 3);
  assert.match(res.headers.get("x-request-id") ?? "", /^[0-9a-f-]{36}$/);
  const rows = await server.sql(`SELECT id, job_title FROM contacts WHERE email_key = '${b}'`);
  assert.deepEqual(rows, [{ id: second.data.contact_id, job_title: "CTO" }]);
});

test("items naming one contact or one entity apply in order: created, then updated, one row", async () => {
  const e = email("same");
  const co = `Same Co ${e}`;
  const res = await send(b2b, {
    items: [
      { ...item("Jo", e, { tags: ["a"] }), entity: { name: co } },
      { ...item("Jo", e.toUpperCase(), { tags: ["b"], city: "Leeds" }), entity: { name: co.toLowerCase(), industry: "Tech" } },
      { ...item("Al", email("al")), entity: { name: ` ${co} ` } },
    ],
  });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  const [one, two, three] = res.body.results.map((r) => r.data);
  assert.deepEqual([one.action, two.action, three.action], ["created", "updated", "created"]);
  assert.deepEqual([one.entity_action, two.entity_action, three.entity_action], ["created", "updated", "linked"]);
  assert.equal(two.contact_id, one.contact_id);
  assert.equal(three.entity_id, one.entity_id);
  const rows = await server.sql(`SELECT tags, city, version FROM contacts WHERE email_key = '${e}'`);
  assert.deepEqual(rows, [{ tags: '["a","b"]', city: "Leeds", version: 2 }]);
  const entities = await server.sql(`SELECT industry FROM entities WHERE name_key = '${co.toLowerCase()}'`);
  assert.deepEqual(entities, [{ industry: "Tech" }]);
});

test("each item answers as the single endpoint would, paths prefixed items[i]; the rest is written", async () => {
  const taken = email("taken");
  const first = await send(b2b, { items: [item("Taken", taken)] });
  const takenId = first.body.results[0].data.contact_id;
  const good = email("good");
  const res = await send(b2b, {
    mode: "insert",
    items: [
      item("Good", good),
      item("Bad", "not-an-email"),
      { contact: { lastName: "Smith" } },
      item("C", email(), { customFields: { industry: "Mining" } }),
      { entity: { name: "No Contact" } },
      item("T", taken),
      { contact: { first_name: "U", primaryEmail: email() } },
    ],
  });
  assert.equal(res.status, 207, JSON.stringify(res.body));
  assert.equal(res.body.status, "partial");
  assert.deepEqual(res.body.summary, { created: 1, updated: 0, failed: 6 });
  const r = res.body.results;
  assert.equal(r[0].status, "success");
  assert.deepEqual(r[1], {
    index: 1,
    status: "error",
    code: "VALIDATION_ERROR",
    message: "Contact validation errors: items[1].contact.primaryEmail: not a valid e-mail address",
    data: ["items[1].contact.primaryEmail: not a valid e-mail address"],
    errors: [{ path: "items[1].contact.primaryEmail", code: "invalid_email", message: "not a valid e-mail address" }],
  });
  assert.deepEqual(r[2].data, ["Missing required contact fields: firstName, primaryEmail"]);
  assert.equal(r[3].code, "CUSTOM_FIELD_ERROR");
  assert.deepEqual(r[3].errors, [{ path: "items[3].contact.customFields.industry", code: "invalid_option", message: "must be one of: Technology, Finance" }]);
  assert.deepEqual(r[4], { index: 4, status: "error", code: "MISSING_CONTACT", message: "contact data is required", data: ["contact data is required"], errors: [] });
  assert.equal(r[5].code, "CONTACT_EXISTS");
  assert.equal(r[5].contact_id, takenId);
  assert.equal(r[5].errors[0].path, "items[5].contact.primaryEmail");
  assert.equal(r[6].errors[0].path, "items[6].contact.first_name");
  assert.equal(r[6].errors[0].message, "unknown field first_name; did you mean firstName?");
  const rows = await server.sql(`SELECT COUNT(*) AS n FROM contacts WHERE email_key = '${good}'`);
  assert.deepEqual(rows, [{ n: 1 }]);
  const none = await send(b2b, { mode: "update", items: [{ contact: { primaryEmail: email("nobody"), city: "X" } }] });
  assert.equal(none.status, 207);
  assert.equal(none.body.status, "error");
  assert.equal(none.body.results[0].code, "NOT_FOUND_UPDATE");
});

test("all_or_none: one failing item and nothing is written; the others answer BATCH_ROLLED_BACK", async () => {
  const before = await dump(server);
  const res = await send(b2b, { all_or_none: true, items: [item("A", email()), item("B", "bad"), item("C", email())] });
  assert.equal(res.status, 207, JSON.stringify(res.body));
  assert.equal(res.body.status, "error");
  assert.deepEqual(res.body.summary, { created: 0, updated: 0, failed: 3 });
  const rolled = (index) => ({
    index,
    status: "error",
    code: "BATCH_ROLLED_BACK",
    message: "Not written: another item of this all_or_none batch failed",
    data: ["Not written: another item of this all_or_none batch failed"],
    errors: [],
  });
  assert.deepEqual(res.body.results[0], rolled(0));
  assert.deepEqual(res.body.results[2], rolled(2));
  assert.equal(res.body.results[1].code, "VALIDATION_ERROR");
  // A second insert of one e-mail fails on the first: all or none of the two.
  const e = email();
  const twice = await send(b2b, { all_or_none: true, mode: "insert", items: [item("A", e), item("A", e)] });
  assert.deepEqual(twice.body.results.map((r) => r.code), ["BATCH_ROLLED_BACK", "CONTACT_EXISTS"]);
  assert.equal(await dump(server), before, "an all_or_none batch with a failure changed the database");
  const ok = await send(b2b, { all_or_none: true, items: [item("A", e)] });
  assert.equal(ok.status, 200);
});

test("whole-request refusals answer as the single endpoint does, before the items", async () => {
  const before = await dump(server);
  const valid = { ...creds(b2b), items: [item("X", email())] };
  const url = server.url + BATCH;
  const get = await fetch(url);
  assert.equal(get.status, 405);
  assert.equal(get.headers.get("allow"), "POST");
  const text = await fetch(url, { method: "POST", headers: { "content-type": "text/plain" }, body: JSON.stringify(valid) });
  assert.equal(text.status, 415);
  expectError(await batch('{"items": ['), 400, "INVALID_JSON");
  // Credentials come before items: a bad key with bad items is a bad key.
  expectError(await batch({ ...valid, api_key: undefined, items: "nope" }), 401, "MISSING_API_KEY");
  expectError(await batch({ ...valid, api_key: `zak_${"0".repeat(64)}`, items: [] }), 401, "INVALID_API_KEY");
  expectError(await batch({ ...valid, developer_secret: "" }), 401, "MISSING_DEVELOPER_SECRET");
  expectError(await batch({ ...valid, developer_secret: b2c.developer_secret }), 403, "INVALID_DEVELOPER_SECRET");
  expectError(await batch(valid, { "cf-connecting-ip": "192.0.2.10" }), 403, "IP_NOT_WHITELISTED");
  expectError(await batch({ ...valid, org_id: b2c.org_id, items: [] }), 403, "ORG_MISMATCH");
  expectError(await batch({ ...valid, member_id: b2c.member_id }), 404, "MEMBER_NOT_FOUND");
  const invalid = [
    [undefined, "items is required: an array of 1 to 100 objects {contact, entity?}"],
    [{ contact: {} }, "items must be an array of 1 to 100 objects, not an object"],
    [[], "items is empty; send 1 to 100 items"],
    [Array.from({ length: 101 }, () => item("X", "x@x.io")), "items holds 101 items; a batch holds at most 100"],
    [[item("X", "x@x.io"), "x"], "items[1] is not an object; every item is an object {contact, entity?}"],
  ];
  for (const [items, message] of invalid) {
    const res = await batch({ ...valid, items });
    expectError(res, 400, "INVALID_ITEMS");
    assert.equal(res.body.message, message);
  }
  const options = await batch({ ...valid, mode: "merge", contact: {} });
  expectError(options, 200, "VALIDATION_ERROR");
  assert.deepEqual(options.body.errors.map((e) => e.path), ["contact", "mode"]);
  assert.equal(await dump(server), before, "a refused batch changed the database");
});

test("a batch body up to 1 MiB is read; a larger one is PAYLOAD_TOO_LARGE, declared or streamed", async () => {
  const items = Array.from({ length: 100 }, () => item("Big", email("big"), { notes: "n".repeat(9800) }));
  const body = JSON.stringify({ ...creds(b2c), items });
  assert.ok(body.length > 960 * 1024 && body.length <= 1024 * 1024, String(body.length));
  const res = await batch(body);
  assert.equal(res.status, 200, JSON.stringify(res.body?.results?.[0]));
  assert.equal(res.body.summary.created, 100);
  const tooBig = JSON.stringify({ ...creds(b2c), items: [item("X", email())], pad: "x".repeat(1024 * 1024) });
  const declared = await batch(tooBig);
  expectError(declared, 413, "PAYLOAD_TOO_LARGE");
  assert.equal(declared.body.message, `The request body is ${tooBig.length} bytes; the limit of a batch is 1048576 bytes (1 MiB)`);
  const stream = new ReadableStream({
    start(controller) {
      controller.enqueue(new TextEncoder().encode(tooBig));
      controller.close();
    },
  });
  const streamed = await fetch(server.url + BATCH, { method: "POST", headers: { "content-type": "application/json" }, body: stream, duplex: "half" });
  assert.equal(streamed.status, 413);
  assert.equal((await streamed.json()).message, "The request body is larger than the limit of a batch, 1048576 bytes (1 MiB)");
  // The single endpoint keeps its 128 KiB.
  const single = await server.post({ ...creds(b2c), contact: { firstName: "X", primaryEmail: email() }, pad: "x".repeat(200 * 1024) });
  assert.equal(single.status, 413);
});

test("batches of 1, 10 and 100 take one read and one write round trip", async () => {
  for (const size of [1, 10, 100]) {
    const items = Array.from({ length: size }, (_, i) => ({ ...item("R", email("rt")), entity: { name: `RT Co ${size} ${i} ${n}` } }));
    const res = await send(b2b, { debug: true, items });
    assert.equal(res.status, 200, JSON.stringify(res.body.results?.find((r) => r.status !== "success")));
    assert.equal(res.body.debug.d1_round_trips, 2, `batch of ${size}`);
    assert.equal(res.body.debug.statements, 2 * size);
  }
});

test("100 concurrent requests, batches and singles, on 10 e-mails: exactly 10 contacts, every tag kept, no 5xx", async () => {
  const stamp = Date.now();
  const address = (k) => `racer${k}.${stamp}@batch-race.test`;
  const results = await Promise.all(
    Array.from({ length: 100 }, (_, i) =>
      i % 10 === 0
        ? send(b2b, {
            items: Array.from({ length: 10 }, (_, k) => ({ contact: { firstName: `Batch${i}`, primaryEmail: address(k), tags: [`b${i}-${k}`] }, entity: { name: `Batch Race Co ${k} ${stamp}` } })),
          })
        : server.post({ ...creds(b2b), contact: { firstName: `Single${i}`, primaryEmail: address(i % 10), tags: [`s${i}`] }, entity: { name: `Batch Race Co ${i % 10} ${stamp}` } }),
    ),
  );
  assert.deepEqual(results.filter((r) => r.status !== 200).map((r) => [r.status, r.text.slice(0, 300)]), []);
  const created = results.flatMap((r) => (r.body.results ? r.body.results.map((x) => x.data.action) : [r.body.data.action])).filter((a) => a === "created");
  assert.equal(created.length, 10);
  const [{ contacts, tags, linked }] = await server.sql(
    `SELECT COUNT(*) AS contacts, SUM(json_array_length(tags)) AS tags, COUNT(entity_id) AS linked FROM contacts WHERE email_key LIKE '%.${stamp}@batch-race.test'`,
  );
  // 90 singles with one tag each, 10 batches with one tag per e-mail.
  assert.deepEqual({ contacts, tags, linked }, { contacts: 10, tags: 90 + 100, linked: 10 });
  const [{ entities }] = await server.sql(`SELECT COUNT(*) AS entities FROM entities WHERE name LIKE 'Batch Race Co % ${stamp}'`);
  assert.equal(entities, 10);
});
