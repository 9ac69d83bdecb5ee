// Rate limits at the edge, on the real Worker with Miniflare's Rate Limiting bindings:
// the committed policies in every API answer's RateLimit-Policy; under low test
// quotas, a burst over each policy (api key, batch, client address) gets 429
// RATE_LIMITED with RateLimit and Retry-After, writes nothing, and succeeds again
// once the window has passed.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { startServer, root, rateLimitConfig } from "../support/server.mjs";

const BATCH = "/apis/v2/public/crm/addContactsFull/batch";
const TOML = readFileSync(join(root, "wrangler.toml"), "utf8");

let committed;
let low;
before(async () => {
  committed = await startServer();
  low = await startServer({ rateLimits: { key: "3/10", batch: "2/10", address: "2/10" } });
});
after(async () => {
  await committed?.stop();
  await low?.stop();
});

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
/** Waits for the start of a fresh 10 s window, so that a burst does not straddle two. */
async function freshWindow() {
  const into = Date.now() % 10_000;
  if (into > 500) await sleep(10_000 - into + 100);
}

const contact = (email) => ({ firstName: "Rate", primaryEmail: email });
const credentials = (server) => {
  const { api_key, developer_secret, org_id, member_id } = server.demo;
  return { api_key, developer_secret, org_id, member_id };
};
async function postBatch(server, body, ip = "127.0.0.1") {
  const res = await fetch(server.url + BATCH, {
    method: "POST",
    headers: { "content-type": "application/json", "cf-connecting-ip": ip },
    body: JSON.stringify(body),
  });
  return { status: res.status, headers: res.headers, body: await res.json() };
}
async function contacts(server, like) {
  return (await server.sql(`SELECT COUNT(*) AS n FROM contacts WHERE email_key LIKE '${like}'`))[0].n;
}

/** A 429 of this policy: its code, message and headers; answers Retry-After. */
function assertLimited(res, policy, quota) {
  assert.equal(res.status, 429, JSON.stringify(res.body));
  assert.equal(res.body.code, "RATE_LIMITED");
  const retryAfter = Number(res.headers.get("retry-after"));
  assert.ok(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 10, `Retry-After ${retryAfter}`);
  assert.equal(res.headers.get("ratelimit"), `"${policy}";r=0;t=${retryAfter}`);
  const what = { key: "requests for this api key", batch: "batch requests for this api key", address: "refused requests from this address" }[policy];
  assert.equal(
    res.body.message,
    `Too many ${what}: at most ${quota} in 10 seconds; retry in ${retryAfter} ${retryAfter === 1 ? "second" : "seconds"}`,
  );
  return retryAfter;
}

test("wrangler.toml's bindings and the settings the headers state are the same policies", () => {
  const { vars, ratelimits } = rateLimitConfig(TOML);
  const bindings = [...TOML.matchAll(/\[\[ratelimits\]\]\nname = "(\w+)"\nnamespace_id = "\d+"\nsimple = \{ limit = (\d+), period = (\d+) \}/g)];
  assert.equal(bindings.length, 3);
  for (const [, name, limit, period] of bindings) {
    assert.deepEqual(ratelimits[name], { simple: { limit: Number(limit), period: Number(period) } }, name);
    const setting = `RATE_LIMIT_${name.replace("_RATE_LIMITER", "")}`;
    assert.equal(vars[setting], `${limit}/${period}`, setting);
  }
  // The committed defaults let the suites and benchmarks run.
  assert.ok(ratelimits.KEY_RATE_LIMITER.simple.limit >= 1000);
});

test("every API answer carries the committed policies; other paths carry none", async () => {
  const ok = await committed.post({ ...credentials(committed), contact: contact("policy@rate.test") });
  assert.equal(ok.status, 200);
  assert.equal(ok.headers.get("ratelimit-policy"), '"key";q=10000;w=10, "address";q=1000;w=10');
  assert.equal(ok.headers.get("ratelimit"), null);
  assert.equal(ok.headers.get("retry-after"), null);
  const refused = await committed.post({ contact: contact("policy@rate.test") });
  assert.equal(refused.body.code, "MISSING_API_KEY");
  assert.equal(refused.headers.get("ratelimit-policy"), '"key";q=10000;w=10, "address";q=1000;w=10');
  const batch = await postBatch(committed, { ...credentials(committed), items: [{ contact: contact("policy2@rate.test") }] });
  assert.equal(batch.status, 200);
  assert.equal(batch.headers.get("ratelimit-policy"), '"batch";q=1000;w=10, "address";q=1000;w=10');
  const missing = await fetch(committed.url + "/nowhere");
  assert.equal(missing.status, 404);
  assert.equal(missing.headers.get("ratelimit-policy"), null);
});

test("an api key over its quota gets 429 with the headers, writes nothing, and is served after the window", async () => {
  await freshWindow();
  for (let i = 0; i < 3; i++) {
    const res = await low.post({ ...credentials(low), contact: contact(`key${i}@rate.test`) });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.headers.get("ratelimit-policy"), '"key";q=3;w=10, "address";q=2;w=10');
  }
  const over = await low.post({ ...credentials(low), contact: contact("key3@rate.test") });
  const retryAfter = assertLimited(over, "key", 3);
  assert.equal(await contacts(low, "key3@rate.test"), 0);
  await sleep(retryAfter * 1000 + 200);
  const again = await low.post({ ...credentials(low), contact: contact("key3@rate.test") });
  assert.equal(again.status, 200, JSON.stringify(again.body));
  assert.equal(again.body.data.action, "created");
});

test("batches count against a policy of their own", async () => {
  await freshWindow();
  const body = (i) => ({ ...credentials(low), items: [{ contact: contact(`b${i}a@rate.test`) }, { contact: contact(`b${i}b@rate.test`) }] });
  for (let i = 0; i < 2; i++) assert.equal((await postBatch(low, body(i))).status, 200);
  const over = await postBatch(low, body(2));
  assert.equal(over.headers.get("ratelimit-policy"), '"batch";q=2;w=10, "address";q=2;w=10');
  assertLimited(over, "batch", 2);
  assert.equal(await contacts(low, "b2%@rate.test"), 0);
  // The single endpoint's quota is another one.
  const single = await low.post({ ...credentials(low), contact: contact("single@rate.test") });
  assert.equal(single.status, 200, JSON.stringify(single.body));
});

test("an address guessing keys is refused after its quota of refusals, until the window ends", async () => {
  await freshWindow();
  const ip = "203.0.113.7";
  const guess = () => low.post({ ...credentials(low), api_key: `zak_${"0".repeat(64)}`, contact: contact("guess@rate.test") }, { "cf-connecting-ip": ip });
  for (let i = 0; i < 2; i++) assert.equal((await guess()).body.code, "INVALID_API_KEY");
  const over = await guess();
  const retryAfter = assertLimited(over, "address", 2);
  // The address is held back before the read, whatever it sends, for the window.
  const blocked = await low.post({ ...credentials(low), contact: contact("guess@rate.test") }, { "cf-connecting-ip": ip });
  assertLimited(blocked, "address", 2);
  // Another address is not.
  const other = await low.post({ ...credentials(low), contact: contact("other@rate.test") }, { "cf-connecting-ip": "::1" });
  assert.equal(other.status, 200, JSON.stringify(other.body));
  await sleep(retryAfter * 1000 + 200);
  const after = await guess();
  assert.equal(after.body.code, "INVALID_API_KEY");
});
