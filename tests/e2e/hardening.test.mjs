// The Worker's own defences, end to end in workerd on a local D1: bodies without a
// Content-Length read as a stream up to the limit and no further (and workerd's
// memory flat under a 256 MiB one), the headers of every answer, the JSON 500 of a
// failure outside the core, and GET /dev/demo only in the build for local
// development, never in the deploy build.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { request } from "node:http";
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { readFileSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { startServer, root } from "../support/server.mjs";

const LIMIT = 128 * 1024;
const TOO_LARGE = "The request body is larger than the limit of 131072 bytes (128 KiB)";
const MiB = 1024 * 1024;
const mib = (n) => (n / MiB).toFixed(1);
let server;

before(async () => {
  server = await startServer();
});
after(async () => server?.stop());

/** The error body the core's `Failure::to_json` gives a failure without field problems. */
const failure = (code, message, extra = {}) => ({ status: "error", code, message, data: [message], errors: [], ...extra });

/** The headers every answer of the Worker carries, its request id answered. */
function assertApiHeaders(headers) {
  const get = (name) => (typeof headers.get === "function" ? headers.get(name) : headers[name]);
  assert.equal(get("content-type"), "application/json");
  assert.equal(get("cache-control"), "no-store");
  assert.equal(get("x-content-type-options"), "nosniff");
  const id = get("x-request-id");
  assert.match(id ?? "", /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  return id;
}

/**
 * The workerd process serving this file's Worker: Miniflare starts `workerd` as a
 * child of this Node process (the newest such child, when several are running); on a
 * machine where it is not a child, the newest workerd process.
 */
function workerdPid() {
  const all = [];
  for (const pid of readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8");
      if (!cmdline.split("\0")[0].endsWith("workerd")) continue;
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      // Fields after the command's closing parenthesis: state, ppid, … starttime (22nd).
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      all.push({ pid: Number(pid), ppid: Number(fields[1]), start: Number(fields[19]) });
    } catch {
      // A process that ended while it was read.
    }
  }
  const children = all.filter((p) => p.ppid === process.pid);
  const newest = (list) => list.sort((a, b) => b.start - a.start)[0]?.pid;
  return newest(children) ?? newest(all);
}

/** VmRSS of a process, in bytes. */
function rss(pid) {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  return Number(/^VmRSS:\s+(\d+) kB$/m.exec(status)[1]) * 1024;
}

/**
 * POSTs `total` bytes with node:http, `Transfer-Encoding: chunked` and no
 * Content-Length, in chunks of `chunkSize` made by `chunkAt(offset, size)`, and stops
 * writing as soon as the answer begins. Past twice the limit it writes one chunk every
 * few milliseconds: a server that stops reading answers and closes the connection, a
 * socket closed with unread data is reset, and a reset can drop an answer still in
 * flight; at that pace the answer arrives whole first. An EPIPE or ECONNRESET is
 * accepted only after the whole answer was received; otherwise the promise fails.
 * While it runs, the RSS of workerd process `pid` (if given) is sampled.
 * Answers { status, headers, body, sent, peakRss }.
 */
function postChunked(total, chunkAt, chunkSize, pid) {
  return new Promise((resolve, reject) => {
    let sent = 0;
    let answer = null;
    let response = null;
    let settled = false;
    let peakRss = pid ? rss(pid) : 0;
    const sample = () => {
      try {
        if (pid) peakRss = Math.max(peakRss, rss(pid));
      } catch {
        // workerd ended: the assertions on the answer will say why.
      }
    };
    const sampler = setInterval(sample, 25);
    const settle = (error) => {
      if (settled) return;
      settled = true;
      clearInterval(sampler);
      sample();
      req.destroy();
      if (answer) resolve({ ...answer, sent, peakRss });
      else reject(error ?? new Error(`no answer after ${sent} bytes were written`));
    };
    const req = request(server.endpoint, {
      method: "POST",
      agent: false,
      headers: {
        "content-type": "application/json",
        "cf-connecting-ip": "127.0.0.1",
        "transfer-encoding": "chunked",
        connection: "close",
      },
    });
    req.on("response", (res) => {
      response = res;
      const parts = [];
      res.on("data", (d) => parts.push(d));
      res.on("end", () => {
        const text = Buffer.concat(parts).toString("utf8");
        answer = { status: res.statusCode, headers: res.headers, body: JSON.parse(text) };
        settle();
      });
      res.on("error", (e) => settle(new Error(`the answer was cut off after ${sent} bytes were written`, { cause: e })));
    });
    req.on("error", (e) => {
      // The server stopped reading (EPIPE, ECONNRESET): fine once the answer is in.
      if (answer) return settle();
      // The answer has begun; its own end or error settles.
      if (response && ["EPIPE", "ECONNRESET"].includes(e.code)) return;
      settle(new Error(`${e.code ?? e.message} after ${sent} bytes were written and no answer`, { cause: e }));
    });
    req.on("close", () => setTimeout(() => settle(), 100));
    const pump = () => {
      if (response || req.destroyed || settled) return;
      if (sent >= total) return req.end();
      const size = Math.min(chunkSize, total - sent);
      const chunk = chunkAt(sent, size);
      sent += size;
      req.write(chunk, () => setTimeout(pump, sent > 2 * LIMIT ? 5 : 0));
    };
    pump();
  });
}

/** A valid JSON object padded with spaces to exactly `size` bytes. */
function paddedObject(size) {
  const head = Buffer.from('{"contact": {"firstName": "Jane"}');
  const body = Buffer.alloc(size, 0x20);
  head.copy(body, 0);
  body[size - 1] = 0x7d; // "}"
  return body;
}

test("a chunked body of exactly 128 KiB is read whole and answered by the checks", async () => {
  const body = paddedObject(LIMIT);
  const res = await postChunked(body.length, (at, size) => body.subarray(at, at + size), 10_000);
  assert.equal(res.sent, LIMIT);
  assert.equal(res.status, 401, JSON.stringify(res.body));
  assert.deepEqual(res.body, failure("MISSING_API_KEY", "API key is required"));
  assertApiHeaders(res.headers);
});

test("a chunked body of 128 KiB + 1 byte is refused with 413", async () => {
  const body = paddedObject(LIMIT + 1);
  const res = await postChunked(body.length, (at, size) => body.subarray(at, at + size), 10_000);
  assert.equal(res.status, 413);
  assert.deepEqual(res.body, failure("PAYLOAD_TOO_LARGE", TOO_LARGE));
  assertApiHeaders(res.headers);
});

test("a chunked body of 256 MiB is refused at the limit, and workerd's memory stays flat", async () => {
  const chunk = Buffer.alloc(MiB, 0x20);
  const pid = workerdPid();
  assert.ok(pid, "no workerd process found");
  const before = rss(pid);
  const res = await postChunked(256 * MiB, (_, size) => chunk.subarray(0, size), chunk.length, pid);
  const after = rss(pid);
  console.log(
    `256 MiB chunked body: workerd (pid ${pid}) VmRSS ${mib(before)} MiB before, ${mib(after)} MiB after ` +
      `(${mib(res.peakRss)} MiB at most during the request); ${mib(res.sent)} MiB written before the answer`,
  );
  assert.equal(res.status, 413);
  assert.ok(after - before < 64 * MiB, `workerd grew by ${mib(after - before)} MiB`);
  assert.ok(res.peakRss - before < 64 * MiB, `workerd grew by ${mib(res.peakRss - before)} MiB during the request`);
  assert.deepEqual(res.body, failure("PAYLOAD_TOO_LARGE", TOO_LARGE));
  assertApiHeaders(res.headers);
  // The Worker stopped reading: the client could not push the whole body through.
  assert.ok(res.sent < 256 * MiB, `${mib(res.sent)} MiB were written`);
});

test("a declared Content-Length over the limit is refused before the body is read", async () => {
  const res = await server.post("{" + " ".repeat(LIMIT - 2) + "}" + " ");
  assert.equal(res.status, 413);
  assert.deepEqual(res.body, failure("PAYLOAD_TOO_LARGE", "The request body is 131073 bytes; the limit is 131072 bytes (128 KiB)"));
  assertApiHeaders(res.headers);
});

test("every answer of the Worker carries nosniff, no-store, JSON and its request id", async () => {
  const answers = [
    [await server.post({ contact: {} }), 401, "MISSING_API_KEY"],
    [await fetch(server.url + "/nowhere"), 404, "NOT_FOUND"],
    [await fetch(server.url + "/apis/other", { method: "POST" }), 404, "NOT_FOUND"],
    [await fetch(server.endpoint), 405, "METHOD_NOT_ALLOWED"],
    [await fetch(server.endpoint, { method: "POST", headers: { "content-type": "text/plain" }, body: "x" }), 415, "UNSUPPORTED_MEDIA_TYPE"],
    [await server.post("x".repeat(LIMIT + 1)), 413, "PAYLOAD_TOO_LARGE"],
    [await server.post("{"), 400, "INVALID_JSON"],
  ];
  const bodies = [];
  for (const [res, status, code] of answers) {
    assert.equal(res.status, status);
    const body = res instanceof Response ? await res.json() : res.body;
    assert.equal(body.code, code);
    assertApiHeaders(res.headers);
    bodies.push(body);
  }
  assert.deepEqual(bodies[1], failure("NOT_FOUND", "No endpoint at /nowhere; the API is POST /apis/v2/public/crm/addContactsFull"));
  assert.deepEqual(bodies[3], failure("METHOD_NOT_ALLOWED", "Method GET is not allowed; use POST"));
  assert.equal(answers[3][0].headers.get("allow"), "POST");
});

test("a failure outside the core, here a missing D1 binding, answers the JSON 500 with its request id", async () => {
  const bare = await startServer({ demo: false, database: false });
  try {
    const res = await bare.post({
      api_key: `zak_${"a".repeat(64)}`,
      developer_secret: `zdk_${"b".repeat(64)}`,
      org_id: "0b6f3c52-7d3e-4a51-9a43-2f1c8e5d7a10",
      member_id: "5e2d8a41-93b7-4c0f-8e16-b4a7c9d2e3f8",
      contact: { firstName: "Jane", primaryEmail: "jane@acme.com" },
    });
    assert.equal(res.status, 500);
    const id = assertApiHeaders(res.headers);
    const message = `An unexpected error occurred; quote request id ${id} when reporting it`;
    assert.deepEqual(res.body, failure("INTERNAL_ERROR", message, { request_id: id }));
    // Logged with its request id and what failed; no secret in the answer or the log.
    await waitFor(() => bare.log().includes(`request ${id}: worker: `));
    assert.match(bare.log(), new RegExp(`request ${id}: worker: .*DB`));
    for (const text of [res.text, bare.log()]) {
      assert.ok(!text.includes("zak_") && !text.includes("zdk_"), text);
    }
  } finally {
    await bare.stop();
  }
});

async function waitFor(condition, ms = 5000) {
  for (const deadline = Date.now() + ms; !condition(); ) {
    if (Date.now() > deadline) return;
    await new Promise((r) => setTimeout(r, 50));
  }
}

test("GET /dev/demo: the build for local development serves the demo, the deploy build has no such route", async () => {
  // The suites run the build for local development (scripts/build-worker.sh --local).
  const local = await fetch(server.url + "/dev/demo");
  assert.equal(local.status, 200);
  const demo = await local.json();
  assert.equal(demo.org_id, server.demo.org_id);
  assert.equal(demo.api_key, server.demo.api_key);
  assert.ok(Array.isArray(demo.custom_fields));

  // The deploy build, as `npm run deploy` makes it (only the Worker crate is compiled
  // again: its dependencies are those of the build above), with DEMO_CREDENTIALS set
  // all the same: a 404 like any other path, and no trace of the route in its module.
  const out = await mkdtemp(join(tmpdir(), "contact-worker-deploy-"));
  try {
    await promisify(execFile)("bash", [join(root, "scripts", "build-worker.sh"), "--out-dir", out], { cwd: root, maxBuffer: 1 << 26 });
    const deployed = await readFile(join(out, "index_bg.wasm"));
    const local = await readFile(join(root, "crates", "contact-worker", "build", "index_bg.wasm"));
    assert.ok(local.includes("/dev/demo"), "the build for local development should name the route");
    assert.ok(!deployed.includes("/dev/demo"), "the deploy build names /dev/demo");
    const site = await startServer({ build: out });
    try {
      assert.ok(site.demo?.api_key, "DEMO_CREDENTIALS should be set");
      const res = await fetch(site.url + "/dev/demo");
      assert.equal(res.status, 404);
      assertApiHeaders(res.headers);
      const text = await res.text();
      assert.deepEqual(JSON.parse(text), failure("NOT_FOUND", "No endpoint at /dev/demo; the API is POST /apis/v2/public/crm/addContactsFull"));
      assert.ok(!text.includes(site.demo.api_key) && !text.includes(site.demo.developer_secret));
      // The rest of the deploy build works as the suites' build does.
      const refused = await site.post({ contact: {} });
      assert.equal(refused.status, 401);
    } finally {
      await site.stop();
    }
  } finally {
    await rm(out, { recursive: true, force: true });
  }
});
