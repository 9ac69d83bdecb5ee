// Idempotency-Key end to end on a local D1, both endpoints: a retry answers the
// stored status and body byte for byte with Idempotent-Replayed: true and writes
// nothing; another body under the key is 422; a malformed header is 400; nothing is
// stored before the write or for a dry run; the write step's refusals are stored; the
// key is scoped to the api key; concurrent requests with one key write once.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { startServer } from "../support/server.mjs";
import { provisionOrg, dump } from "./org.mjs";

const BATCH = "/apis/v2/public/crm/addContactsFull/batch";
let server;
let org;
let other;

before(async () => {
  server = await startServer({ demo: false });
  org = await provisionOrg(server, { mode: "B2B" });
  other = await provisionOrg(server, { mode: "B2B", name: "Other Org" });
});
after(async () => server?.stop());

const creds = (o) => ({ api_key: o.api_key, developer_secret: o.developer_secret, org_id: o.org_id, member_id: o.member_id });
const single = (key, body, o = org) => server.post({ ...creds(o), ...body }, key === undefined ? {} : { "Idempotency-Key": key });
async function batch(key, body, o = org) {
  const res = await fetch(server.url + BATCH, {
    method: "POST",
    headers: { "content-type": "application/json", "cf-connecting-ip": "127.0.0.1", ...(key === undefined ? {} : { "idempotency-key": key }) },
    body: JSON.stringify({ ...creds(o), ...body }),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: JSON.parse(text), text };
}
let n = 0;
const email = () => `idem${++n}.${Date.now()}@idem.test`;
const stored = async () => (await server.sql("SELECT COUNT(*) AS n FROM idempotency_keys"))[0].n;

test("a keyed retry answers the stored status and body byte for byte, Idempotent-Replayed: true, and writes nothing", async () => {
  const key = randomUUID();
  const body = { debug: true, contact: { firstName: "Ida", primaryEmail: email(), tags: ["a"] }, entity: { name: `Idem Co ${n}` } };
  const first = await single(key, body);
  assert.equal(first.status, 200, first.text);
  assert.equal(first.headers.get("idempotent-replayed"), null);
  assert.equal(first.body.data.action, "created");
  assert.equal(first.body.data.debug.statements, 4, "entity, contact and the two statements that store the answer");
  const before = await dump(server);
  const again = await single(key, body);
  assert.equal(again.status, 200);
  assert.equal(again.headers.get("idempotent-replayed"), "true");
  assert.equal(again.text, first.text);
  assert.notEqual(again.headers.get("x-request-id"), first.headers.get("x-request-id"));
  assert.equal(await dump(server), before, "a replay changed the database");
  // Without the key the same body is a new request.
  const fresh = await single(undefined, body);
  assert.equal(fresh.body.data.action, "updated");
  assert.equal(fresh.headers.get("idempotent-replayed"), null);
});

test("the same key with another body is 422 IDEMPOTENCY_KEY_REUSED and writes nothing", async () => {
  const key = randomUUID();
  const e = email();
  await single(key, { contact: { firstName: "Ida", primaryEmail: e } });
  const before = await dump(server);
  const res = await single(key, { contact: { firstName: "Ida", primaryEmail: e, jobTitle: "CTO" } });
  assert.equal(res.status, 422);
  assert.deepEqual(res.body, {
    status: "error",
    code: "IDEMPOTENCY_KEY_REUSED",
    message: "This Idempotency-Key was used with another request body; send a new key for a new request",
    data: ["This Idempotency-Key was used with another request body; send a new key for a new request"],
    errors: [],
  });
  const onBatch = await batch(key, { items: [{ contact: { firstName: "Ida", primaryEmail: e } }] });
  assert.equal(onBatch.status, 422);
  assert.equal(onBatch.body.code, "IDEMPOTENCY_KEY_REUSED");
  assert.equal(await dump(server), before);
});

test("a malformed Idempotency-Key is 400 INVALID_IDEMPOTENCY_KEY on both endpoints, before the body is read", async () => {
  const before = await dump(server);
  const body = { contact: { firstName: "Ida", primaryEmail: email() } };
  const cases = [
    ["", "The Idempotency-Key header is empty; send 1 to 255 printable ASCII characters"],
    ["k".repeat(256), "The Idempotency-Key header is 256 characters long; send 1 to 255 printable ASCII characters"],
    ["clé", "The Idempotency-Key header holds a character that is not printable ASCII; send 1 to 255 printable ASCII characters"],
  ];
  for (const [key, message] of cases) {
    for (const res of [await single(key, body), await batch(key, { items: [body] }), await server.post("{", { "Idempotency-Key": key })]) {
      assert.equal(res.status, 400, `${JSON.stringify(key)}: ${res.text}`);
      assert.equal(res.body.code, "INVALID_IDEMPOTENCY_KEY");
      assert.equal(res.body.message, message);
    }
  }
  assert.equal(await dump(server), before);
  const longest = await single("k".repeat(255), body);
  assert.equal(longest.status, 200);
});

test("refusals before the write and dry runs are not stored; the write step's refusals are", async () => {
  const count = await stored();
  const key = randomUUID();
  const invalid = { contact: { firstName: "Ida", primaryEmail: "nope" } };
  assert.equal((await single(key, invalid)).body.code, "VALIDATION_ERROR");
  const retried = await single(key, invalid);
  assert.equal(retried.body.code, "VALIDATION_ERROR");
  assert.equal(retried.headers.get("idempotent-replayed"), null);
  assert.equal((await single(key, { contact: { firstName: "Ida", primaryEmail: email() } }, { ...org, developer_secret: other.developer_secret })).body.code, "INVALID_DEVELOPER_SECRET");
  assert.equal((await single(key, { dry_run: true, contact: { firstName: "Ida", primaryEmail: email() } })).body.data.action, "would_create");
  assert.equal((await batch(key, { dry_run: true, items: [{ contact: { firstName: "Ida", primaryEmail: email() } }] })).body.results[0].data.action, "would_create");
  assert.equal(await stored(), count);
  // NOT_FOUND_UPDATE is stored: once the contact exists, the retry still answers it.
  const e = email();
  const update = { mode: "update", contact: { primaryEmail: e, city: "Leeds" } };
  const first = await single(key, update);
  assert.equal(first.status, 404);
  assert.equal(first.body.code, "NOT_FOUND_UPDATE");
  assert.equal(await stored(), count + 1);
  await single(undefined, { contact: { firstName: "Ida", primaryEmail: e } });
  const replay = await single(key, update);
  assert.equal(replay.status, 404);
  assert.equal(replay.headers.get("idempotent-replayed"), "true");
  assert.equal(replay.text, first.text);
  const [{ city }] = await server.sql(`SELECT city FROM contacts WHERE email_key = '${e}'`);
  assert.equal(city, null);
});

test("a key is scoped to the api key, and neither secrets nor the key are stored", async () => {
  const key = `shared-${randomUUID()}`;
  const body = { contact: { firstName: "Ida", primaryEmail: email() } };
  const mine = await single(key, body);
  const theirs = await single(key, body, other);
  assert.equal(theirs.headers.get("idempotent-replayed"), null);
  assert.equal(theirs.body.data.action, "created");
  assert.notEqual(theirs.body.data.contact_id, mine.body.data.contact_id);
  const rows = JSON.stringify(await server.sql("SELECT * FROM idempotency_keys"));
  for (const secret of [org.api_key, org.developer_secret, other.api_key, other.developer_secret, key]) {
    assert.ok(!rows.includes(secret));
  }
});

test("a keyed batch stores its 207 and replays it byte for byte", async () => {
  const key = randomUUID();
  const body = { items: [{ contact: { firstName: "Ida", primaryEmail: email() } }, { contact: { firstName: "Bad", primaryEmail: "nope" } }] };
  const first = await batch(key, body);
  assert.equal(first.status, 207);
  const before = await dump(server);
  const again = await batch(key, body);
  assert.equal(again.status, 207);
  assert.equal(again.headers.get("idempotent-replayed"), "true");
  assert.equal(again.text, first.text);
  assert.equal(await dump(server), before);
});

test("20 concurrent requests with one key: exactly one writes, the others answer its answer or IDEMPOTENCY_KEY_IN_USE, no 5xx", async () => {
  for (const send of [single, (key, body) => batch(key, { items: [body] })]) {
    const key = randomUUID();
    const e = email();
    const body = { contact: { firstName: "Racer", primaryEmail: e, tags: ["once"] } };
    const results = await Promise.all(Array.from({ length: 20 }, () => send(key, body)));
    assert.deepEqual(results.filter((r) => r.status >= 500).map((r) => r.text), []);
    const fresh = results.filter((r) => r.headers.get("idempotent-replayed") === null && r.status === 200);
    assert.equal(fresh.length, 1, results.map((r) => `${r.status} ${r.text.slice(0, 120)}`).join("\n"));
    for (const r of results) {
      if (r === fresh[0]) continue;
      if (r.status === 409) assert.equal(r.body.code, "IDEMPOTENCY_KEY_IN_USE");
      else {
        assert.equal(r.headers.get("idempotent-replayed"), "true");
        assert.equal(r.text, fresh[0].text);
      }
    }
    const [{ contacts, versions }] = await server.sql(`SELECT COUNT(*) AS contacts, SUM(version) AS versions FROM contacts WHERE email_key = '${e}'`);
    assert.deepEqual({ contacts, versions }, { contacts: 1, versions: 1 });
  }
});
