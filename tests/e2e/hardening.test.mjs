// The Worker's own defences, end to end in workerd on a local D1: bodies without a
// Content-Length read as a stream up to the limit and no further, the headers of
// every answer, the JSON 500 of a failure outside the core, and the demo route of
// the build for local development.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { connect } from "node:net";
import { readFileSync, readdirSync } from "node:fs";
import { startServer, ENDPOINT } from "../support/server.mjs";

const LIMIT = 128 * 1024;
let server;

before(async () => {
  server = await startServer();
});
after(async () => server?.stop());

/** The resident memory of this test's workerd processes (Miniflare's children), in bytes. */
function workerdRss() {
  let total = 0;
  for (const pid of readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
    try {
      const status = readFileSync(`/proc/${pid}/status`, "utf8");
      const ppid = Number(/^PPid:\s+(\d+)/m.exec(status)[1]);
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8");
      if (ppid === process.pid && cmdline.includes("workerd")) {
        total += Number(/^VmRSS:\s+(\d+) kB/m.exec(status)[1]) * 1024;
      }
    } catch {
      // A process that ended while it was read.
    }
  }
  return total;
}

/**
 * POSTs `total` bytes with Transfer-Encoding: chunked (no Content-Length), in chunks
 * made by `chunkAt(offset, size)`, over a plain socket, and stops writing once the
 * answer arrives (the server may close the connection while the client still writes).
 * Answers { status, headers, body, sent, peakRss }.
 */
function postChunked(total, chunkAt, chunkSize = 64 * 1024) {
  return new Promise((resolve, reject) => {
    const url = new URL(server.url);
    let sent = 0;
    let received = Buffer.alloc(0);
    let answer = null;
    let peakRss = workerdRss();
    const sampler = setInterval(() => (peakRss = Math.max(peakRss, workerdRss())), 50);
    const socket = connect({ host: url.hostname, port: Number(url.port) });
    const parse = () => {
      const text = received.toString("latin1");
      const end = text.indexOf("\r\n\r\n");
      if (end < 0) return null;
      const head = text.slice(0, end).split("\r\n");
      const headers = Object.fromEntries(head.slice(1).map((l) => [l.slice(0, l.indexOf(":")).toLowerCase(), l.slice(l.indexOf(":") + 1).trim()]));
      let body = received.subarray(end + 4);
      if (headers["transfer-encoding"] === "chunked") {
        const parts = [];
        for (let at = 0; ; ) {
          const eol = body.indexOf("\r\n", at);
          if (eol < 0) return null;
          const size = parseInt(body.subarray(at, eol).toString("latin1"), 16);
          if (size === 0) break;
          if (body.length < eol + 2 + size) return null;
          parts.push(body.subarray(eol + 2, eol + 2 + size));
          at = eol + 2 + size + 2;
        }
        body = Buffer.concat(parts);
      } else {
        const length = Number(headers["content-length"]);
        if (!(body.length >= length)) return null;
        body = body.subarray(0, length);
      }
      return { status: Number(head[0].split(" ")[1]), headers, body: JSON.parse(body.toString("utf8")) };
    };
    const finish = () => {
      clearInterval(sampler);
      peakRss = Math.max(peakRss, workerdRss());
      socket.destroy();
      if (answer) resolve({ ...answer, sent, peakRss });
      else reject(new Error(`no answer after ${sent} bytes: ${received.toString("latin1").slice(0, 200)}`));
    };
    socket.on("data", (d) => {
      received = Buffer.concat([received, d]);
      answer ??= parse();
      if (answer) finish();
    });
    socket.on("error", () => {}); // EPIPE / ECONNRESET once the server stops reading
    socket.on("close", finish);
    socket.write(
      `POST ${ENDPOINT} HTTP/1.1\r\nHost: ${url.host}\r\nContent-Type: application/json\r\n` +
        `CF-Connecting-IP: 127.0.0.1\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n`,
    );
    // Past the limit, one chunk every few milliseconds: the server answers as soon as
    // it has read past the limit and closes the connection, and a socket closed with
    // unread data is reset, which can drop an answer still in flight. Writing at
    // leisure once the limit is passed gives the answer time to arrive whole.
    const pump = () => {
      if (answer || socket.destroyed) return;
      if (sent >= total) return socket.write("0\r\n\r\n");
      const size = Math.min(chunkSize, total - sent);
      socket.write(`${size.toString(16)}\r\n`);
      socket.write(chunkAt(sent, size));
      sent += size;
      socket.write("\r\n", () => setTimeout(pump, sent > 2 * LIMIT ? 5 : 0));
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
  assert.equal(res.status, 401, JSON.stringify(res.body));
  assert.equal(res.body.code, "MISSING_API_KEY");
});

test("a chunked body of 128 KiB + 1 byte is refused with 413", async () => {
  const body = paddedObject(LIMIT + 1);
  const res = await postChunked(body.length, (at, size) => body.subarray(at, at + size), 10_000);
  assert.equal(res.status, 413);
  assert.equal(res.body.code, "PAYLOAD_TOO_LARGE");
  assert.equal(res.body.message, "The request body is larger than the limit of 131072 bytes (128 KiB)");
  assert.deepEqual(res.body.data, ["The request body is larger than the limit of 131072 bytes (128 KiB)"]);
});

test("a chunked body of 256 MiB is refused at the limit, and workerd's memory stays flat", async () => {
  const chunk = Buffer.alloc(1024 * 1024, 0x20);
  const before = workerdRss();
  const res = await postChunked(256 * 1024 * 1024, (_, size) => chunk.subarray(0, size), chunk.length);
  const after = workerdRss();
  const mib = (n) => (n / 1024 / 1024).toFixed(1);
  console.log(
    `256 MiB chunked body: ${mib(res.sent)} MiB written before the answer; workerd RSS ${mib(before)} MiB before, ` +
      `${mib(res.peakRss)} MiB at most during the request, ${mib(after)} MiB after`,
  );
  assert.equal(res.status, 413);
  assert.equal(res.body.code, "PAYLOAD_TOO_LARGE");
  assert.ok(before > 0, "no workerd process found");
  assert.ok(res.peakRss - before < 64 * 1024 * 1024, `workerd grew by ${mib(res.peakRss - before)} MiB`);
  // The server stopped reading: the client could not push the whole body through.
  assert.ok(res.sent < 256 * 1024 * 1024, `${mib(res.sent)} MiB were written`);
});

test("every answer of the Worker carries nosniff, no-store and its request id", async () => {
  const answers = [
    await server.post({ contact: {} }),
    await fetch(server.url + "/nowhere"),
    await fetch(server.endpoint),
    await fetch(server.endpoint, { method: "POST", headers: { "content-type": "text/plain" }, body: "x" }),
    await fetch(server.endpoint, { method: "POST", headers: { "content-type": "application/json", "content-length": String(LIMIT + 1) }, body: "x".repeat(LIMIT + 1) }),
  ];
  const statuses = [];
  for (const res of answers) {
    statuses.push(res.status);
    assert.equal(res.headers.get("x-content-type-options"), "nosniff");
    assert.equal(res.headers.get("cache-control"), "no-store");
    assert.match(res.headers.get("content-type"), /^application\/json/);
    assert.match(res.headers.get("x-request-id") ?? "", /^[0-9a-f-]{36}$/);
  }
  assert.deepEqual(statuses, [401, 404, 405, 415, 413]);
});

test("the build for local development serves the demo credentials at /dev/demo", async () => {
  const res = await fetch(server.url + "/dev/demo");
  assert.equal(res.status, 200);
  const body = await res.json();
  assert.equal(body.org_id, server.demo.org_id);
  assert.equal(body.api_key, server.demo.api_key);
  assert.ok(Array.isArray(body.custom_fields));
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
    const id = res.headers.get("x-request-id");
    assert.match(id, /^[0-9a-f-]{36}$/);
    assert.deepEqual(res.body, {
      status: "error",
      code: "INTERNAL_ERROR",
      message: `An unexpected error occurred; quote request id ${id} when reporting it`,
      data: [`An unexpected error occurred; quote request id ${id} when reporting it`],
      errors: [],
      request_id: id,
    });
    assert.equal(res.headers.get("x-content-type-options"), "nosniff");
    assert.equal(res.headers.get("cache-control"), "no-store");
    assert.ok(!res.text.includes("zak_") && !res.text.includes("zdk_"));
    assert.match(bare.log(), new RegExp(`request ${id}: worker: `));
  } finally {
    await bare.stop();
  }
});
