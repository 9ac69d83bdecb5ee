// The import command (crates/contact-import, built by `cargo build -p contact-import`)
// against the real Worker on a local D1: a generated CSV of 10,000 rows with 5% bad
// rows of several kinds, an import killed midway and run again, and an import that
// finishes under a low batch quota by backing off.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startServer, root } from "../support/server.mjs";

const BIN = join(root, "target", "debug", "contact-import");

let server;
let slow;
let dir;
before(async () => {
  server = await startServer();
  slow = await startServer({ rateLimits: { batch: "4/10" } });
  dir = await mkdtemp(join(tmpdir(), "contact-import-e2e-"));
});
after(async () => {
  await server?.stop();
  await slow?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const env = (s) => ({
  ...process.env,
  ZYNTRO_API_KEY: s.demo.api_key,
  ZYNTRO_DEVELOPER_SECRET: s.demo.developer_secret,
  ZYNTRO_ORG_ID: s.demo.org_id,
  ZYNTRO_MEMBER_ID: s.demo.member_id,
});

/** Runs the command; answers { code, stdout, stderr, child } once it exits. */
function runImport(s, file, { onSpawn } = {}) {
  const child = spawn(BIN, ["--url", s.url, "--file", file], { env: env(s), stdio: ["ignore", "pipe", "pipe"] });
  onSpawn?.(child);
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d) => (stdout += d));
  child.stderr.on("data", (d) => (stderr += d));
  return new Promise((resolve) => child.on("exit", (code, signal) => resolve({ code, signal, stdout, stderr })));
}

const summary = (stdout) =>
  Object.fromEntries(
    stdout
      .trim()
      .split("\n")
      .filter((line) => line.includes(": "))
      .map((line) => [line.slice(0, line.indexOf(": ")), line.slice(line.indexOf(": ") + 2)]),
  );

/** The bad rows: every 20th data row, in turn of four kinds; answers [row, code]. */
const BAD = [
  { code: "VALIDATION_ERROR", cells: (i) => [`Bad${i}`, "", `not-an-email-${i}`, "", ""] }, // refused locally
  { code: "VALIDATION_ERROR", cells: (i) => [`Phone${i}`, "", `phone${i}@%D`, "12", ""] }, // refused locally
  { code: "VALIDATION_ERROR", cells: (i) => ["x".repeat(101), "", `long${i}@%D`, "", ""] }, // refused locally
  { code: "CUSTOM_FIELD_ERROR", cells: (i) => [`Mining${i}`, "", `mining${i}@%D`, "", "Mining"] }, // refused by the server
];

/** A CSV of `rows` data rows on `domain`, every 20th bad; answers { text, bad }. */
function csv(rows, domain) {
  const lines = ["firstName,lastName,primaryEmail,primaryPhone,customFields.industry"];
  const bad = [];
  for (let row = 1; row <= rows; row++) {
    if (row % 20 === 0) {
      const kind = BAD[(row / 20) % BAD.length];
      lines.push(kind.cells(row).join(",").replace("%D", domain));
      bad.push([row, kind.code]);
    } else {
      lines.push([`First${row}`, `Last${row}`, `c${row}@${domain}`, row % 3 === 0 ? `+1 555 ${String(row).padStart(7, "0")}` : "", row % 2 ? "Technology" : ""].join(","));
    }
  }
  return { text: lines.join("\n") + "\n", bad };
}

async function countOn(s, domain) {
  const [{ n, d }] = await s.sql(`SELECT COUNT(*) AS n, COUNT(DISTINCT email_key) AS d FROM contacts WHERE email_key LIKE '%@${domain}'`);
  assert.equal(n, d, "no e-mail twice");
  return n;
}

async function reportOf(file) {
  return (await readFile(`${file}.rejected.jsonl`, "utf8")).trim().split("\n").map((l) => JSON.parse(l));
}

test("10,000 rows with 5% bad ones: the good ones are created, the report lists exactly the bad ones", async () => {
  const domain = "bulk.import.test";
  const { text, bad } = csv(10_000, domain);
  const file = join(dir, "bulk.csv");
  await writeFile(file, text);
  const started = performance.now();
  const run = await runImport(server, file);
  const seconds = (performance.now() - started) / 1000;
  assert.equal(run.code, 1, run.stderr);
  const s = summary(run.stdout);
  assert.equal(s.rows, "10000");
  assert.equal(s.created, "9500");
  assert.equal(s.updated, "0");
  assert.equal(s.failed, "500");
  assert.equal(s["failed VALIDATION_ERROR"], "375");
  assert.equal(s["failed CUSTOM_FIELD_ERROR"], "125");
  assert.equal(await countOn(server, domain), 9500);
  const report = await reportOf(file);
  assert.deepEqual(report.map((r) => [r.row, r.code]), bad);
  const mining = report.find((r) => r.code === "CUSTOM_FIELD_ERROR");
  assert.deepEqual(mining.errors.map((e) => [e.path, e.code]), [["contact.customFields.industry", "invalid_option"]]);
  // The item's paths, in the message too, are the row's own: no `items[i].` left.
  assert.equal(mining.message, `Contact custom field errors: contact.customFields.industry: ${mining.errors[0].message}`);
  const email = report.find((r) => r.row === 80);
  assert.deepEqual(email.errors.map((e) => [e.path, e.code]), [["contact.primaryEmail", "invalid_email"]]);
  // Credentials never leave the environment.
  for (const secret of [server.demo.api_key, server.demo.developer_secret]) {
    assert.ok(!run.stdout.includes(secret) && !run.stderr.includes(secret) && !JSON.stringify(report).includes(secret));
  }
  console.log(`# 10,000 rows in ${seconds.toFixed(1)} s: ${Math.round(10_000 / seconds)} rows/s against the local Worker`);
});

test("an import killed midway and run again ends with no duplicate and the totals of one run", async () => {
  const domain = "killed.import.test";
  const { text } = csv(20_000, domain);
  const file = join(dir, "killed.csv");
  await writeFile(file, text);
  let child;
  const killed = runImport(server, file, { onSpawn: (c) => (child = c) });
  // Killed after some batches are written and long before it is done (10,000 rows
  // take a few seconds here).
  await new Promise((r) => setTimeout(r, 1_500));
  child.kill("SIGKILL");
  const first = await killed;
  assert.equal(first.signal, "SIGKILL");
  const partial = await countOn(server, domain);
  assert.ok(partial > 0 && partial < 19_000, `killed after ${partial} contacts`);
  const rerun = await runImport(server, file);
  assert.equal(rerun.code, 1, rerun.stderr);
  const s = summary(rerun.stdout);
  // The batches written before the kill are answered from their idempotency records.
  assert.equal(s.created, "19000");
  assert.equal(s.updated, "0");
  assert.equal(s.failed, "1000");
  assert.match(s.batches, /^\d+ \(replayed: [1-9]\d*\)$/);
  assert.equal(await countOn(server, domain), 19_000);
});

test("under a low batch quota the import backs off and finishes", async () => {
  const domain = "slow.import.test";
  const { text } = csv(1_000, domain);
  const file = join(dir, "slow.csv");
  await writeFile(file, text);
  const run = await runImport(slow, file);
  assert.equal(run.code, 1, run.stderr);
  const s = summary(run.stdout);
  assert.equal(s.created, "950");
  assert.equal(s.failed, "50");
  assert.equal(await countOn(slow, domain), 950);
  // It was held back: at least one 429 was retried after Retry-After.
  assert.match(run.stderr, /429|RATE_LIMITED/);
});
