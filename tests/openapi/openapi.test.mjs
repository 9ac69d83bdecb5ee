// The OpenAPI description (openapi.yaml): a valid OpenAPI 3.1 document, true to the
// shared request cases and to the Rust core, and to the real Worker under schemathesis.
//
// Python tools from .venv (installed by scripts/setup.sh from tests/openapi/requirements.txt):
// openapi-spec-validator, jsonschema and jsonschema_rs through check_spec.py, and
// schemathesis. Settings: SCHEMATHESIS_MAX_EXAMPLES (default 150), SCHEMATHESIS_SEED
// (default 20260101), SCHEMATHESIS_TIMEOUT seconds (default 300). Reports go to
// tests/output/openapi/.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { join } from "node:path";
import { parse as parseYaml } from "yaml";
import { startServer, root } from "../support/server.mjs";

const require = createRequire(import.meta.url);
const Ajv2020 = require("ajv/dist/2020").default;

const venv = join(root, ".venv", "bin");
const here = join(root, "tests", "openapi");
const output = join(root, "tests", "output", "openapi");
const MAX_EXAMPLES = Number(process.env.SCHEMATHESIS_MAX_EXAMPLES ?? 150);
const SEED = process.env.SCHEMATHESIS_SEED ?? "20260101";
const TIMEOUT_S = Number(process.env.SCHEMATHESIS_TIMEOUT ?? 300);

/** Runs a command; answers { code, stdout, stderr, seconds }. Kills its process group after `timeoutS`. */
function run(command, args, { env = {}, timeoutS = 120 } = {}) {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const child = spawn(command, args, {
      cwd: root,
      env: { ...process.env, PYTHONDONTWRITEBYTECODE: "1", NO_COLOR: "1", ...env },
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    let stdout = "";
    let stderr = "";
    let timedOut = false;
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid, "SIGKILL");
      } catch {}
    }, timeoutS * 1000);
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      const seconds = (Date.now() - started) / 1000;
      if (timedOut) reject(new Error(`${command} ${args.join(" ")} ran past ${timeoutS} s and was killed\n${stdout.slice(-4000)}\n${stderr.slice(-4000)}`));
      else resolve({ code: code ?? signal, stdout, stderr, seconds });
    });
  });
}

let report;

before(async () => {
  assert.ok(existsSync(join(venv, "python")), ".venv is missing: run bash scripts/setup.sh");
  await mkdir(output, { recursive: true });
  const res = await run(join(venv, "python"), [join(here, "check_spec.py")]);
  assert.equal(res.code, 0, `check_spec.py failed:\n${res.stderr}`);
  report = JSON.parse(res.stdout);
  await writeFile(join(output, "check-spec.json"), res.stdout);
});

test("openapi.yaml is a valid OpenAPI 3.1 document (openapi-spec-validator)", () => {
  assert.deepEqual(report.spec.errors, []);
  assert.equal(report.spec.valid, true);
});

test("every pattern of openapi.yaml compiles as an ECMA-262 regular expression with the u flag", () => {
  assert.ok(report.spec.patterns.length > 20, `only ${report.spec.patterns.length} patterns found`);
  const broken = [];
  for (const { at, pattern } of report.spec.patterns) {
    try {
      new RegExp(pattern, "u");
    } catch (e) {
      broken.push(`${at}: ${e.message}`);
    }
  }
  assert.deepEqual(broken, []);
});

test("every example in openapi.yaml validates against its schema", (t) => {
  t.diagnostic(`${report.examples.checked} examples checked`);
  assert.ok(report.examples.checked >= 10);
  assert.deepEqual(report.examples.failures, []);
});

test("every shared case that the API accepts validates against the request schema", (t) => {
  const { ok, invalid, raw_bodies: raw } = report.cases;
  t.diagnostic(`ok cases: ${ok.accepted} of ${ok.total} accepted by the request schema (jsonschema and jsonschema_rs)`);
  t.diagnostic(`refused cases: ${invalid.rejected} of ${invalid.total} refused by the schema as well`);
  for (const [code, n] of Object.entries(invalid.by_code)) t.diagnostic(`  ${code}: ${n.rejected} of ${n.total}`);
  t.diagnostic(`raw-text cases: ${raw.total}, of which ${raw.not_a_json_object} are no JSON object (or no Unicode text)`);
  const notExpressible = invalid.accepted.filter((a) => a.code !== "CUSTOM_FIELD_ERROR").map((a) => `${a.code}: ${a.case}`);
  if (notExpressible.length) t.diagnostic(`refused by the API, allowed by the schema (beyond per-organization custom fields): ${notExpressible.join("; ")}`);
  assert.ok(ok.total > 100, `only ${ok.total} ok cases found`);
  assert.deepEqual(ok.failures, []);
  assert.equal(ok.accepted, ok.total);
  // The schema expresses every rule of steps 3 (format), 5, 10 and 11 that needs no database.
  assert.deepEqual(invalid.accepted.filter((a) => a.validators_disagree), [], "the two validators disagree");
  for (const code of ["VALIDATION_ERROR", "MISSING_API_KEY", "INVALID_API_KEY", "MISSING_DEVELOPER_SECRET", "INVALID_DEVELOPER_SECRET", "MISSING_CONTACT"]) {
    const n = invalid.by_code[code];
    if (n) assert.equal(n.rejected, n.total, `${code}: ${n.total - n.rejected} cases allowed by the schema`);
  }
});

// The cases' placeholders, replaced by values of the issued formats (shared with
// check_spec.py and the Rust runner).
const PLACEHOLDERS = JSON.parse(readFileSync(join(root, "tests", "support", "placeholders.json"), "utf8")).offline;
const fill = (text) => Object.entries(PLACEHOLDERS).reduce((t, [k, v]) => t.replaceAll(k, v), text);
const substitute = (v) =>
  typeof v === "string" ? fill(v)
  : Array.isArray(v) ? v.map(substitute)
  : v && typeof v === "object" ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, substitute(x)]))
  : v;

test("ajv (JSON Schema 2020-12, ECMA-262 patterns) accepts every shared case that the API accepts", (t) => {
  const { components } = parseYaml(readFileSync(join(root, "openapi.yaml"), "utf8"));
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  const validate = ajv.compile({ components, $ref: "#/components/schemas/AddContactRequest" });
  const dir = join(root, "tests", "cases");
  let okTotal = 0;
  let refused = 0;
  let refusedByAjv = 0;
  const failures = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith(".json")).sort()) {
    for (const c of JSON.parse(readFileSync(join(dir, file), "utf8")).cases) {
      let request;
      if ("body" in c) {
        try {
          request = JSON.parse(fill(c.body));
        } catch {
          request = undefined;
        }
        if (!request || typeof request !== "object" || Array.isArray(request)) continue;
      } else {
        request = substitute(c.request);
      }
      const valid = validate(request);
      if (c.expect.ok) {
        okTotal += 1;
        if (!valid) failures.push(`${c.name}: ${ajv.errorsText(validate.errors)}`);
      } else {
        refused += 1;
        if (!valid) refusedByAjv += 1;
      }
    }
  }
  t.diagnostic(`ajv: ${okTotal - failures.length} of ${okTotal} ok cases accepted; ${refusedByAjv} of ${refused} refused cases (JSON objects) refused`);
  assert.ok(okTotal > 100);
  assert.deepEqual(failures, []);
});

test("openapi.yaml names the core's fields, limits, country codes, error codes and statuses", () => {
  assert.deepEqual(report.consistency.failures, []);
});

test("schemathesis: generated requests against the Worker on a local D1 conform to openapi.yaml", { timeout: (TIMEOUT_S + 120) * 1000 }, async (t) => {
  const server = await startServer();
  const stats = join(output, "schemathesis-requests.jsonl");
  await rm(stats, { force: true });
  let res;
  try {
    assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+$/, "the Worker must listen on the loopback address");
    const checks = [
      "not_a_server_error",
      "status_code_conformance",
      "content_type_conformance",
      "response_headers_conformance",
      "response_schema_conformance",
      "unsupported_method",
    ];
    const args = [
      "--config-file", join(here, "schemathesis.toml"),
      "run", join(root, "openapi.yaml"),
      "--url", server.url,
      "--checks", checks.join(","),
      "--max-examples", String(MAX_EXAMPLES),
      "--seed", String(SEED),
      "--workers", "1",
      "--header", "CF-Connecting-IP: 127.0.0.1",
      "--request-timeout", "20",
      "--generation-database", "none",
      "--report", "junit",
      "--report-junit-path", join(output, "schemathesis-junit.xml"),
      "--no-color",
    ];
    t.diagnostic(`schemathesis ${args.map((a) => (/[ ,]/.test(a) ? JSON.stringify(a) : a)).join(" ")}`);
    res = await run(join(venv, "schemathesis"), args, {
      timeoutS: TIMEOUT_S,
      env: {
        PYTHONPATH: here,
        // Hypothesis's caches, otherwise in .hypothesis/ of the working directory.
        HYPOTHESIS_STORAGE_DIRECTORY: join(output, "hypothesis"),
        SCHEMATHESIS_HOOKS: "schemathesis_hooks",
        OPENAPI_DEMO: JSON.stringify(server.demo),
        OPENAPI_STATS: stats,
      },
    });
  } finally {
    await server.stop();
  }
  await writeFile(join(output, "schemathesis.log"), res.stdout + res.stderr);
  const lines = existsSync(stats) ? (await readFile(stats, "utf8")).split("\n").filter(Boolean).map((l) => JSON.parse(l)) : [];
  const count = (pred) => lines.filter(pred).length;
  const tally = {};
  for (const l of lines) {
    const key = `${l.http} ${l.code ?? l.status ?? "-"}`;
    tally[key] = (tally[key] ?? 0) + 1;
  }
  const summary = res.stdout.split("\n").filter((l) => /generated|passed|failed|issues found|Seed/.test(l)).map((l) => l.trim());
  t.diagnostic(`schemathesis exited ${res.code} after ${res.seconds.toFixed(1)} s; ${summary.join(" | ")}`);
  t.diagnostic(`${lines.length} requests: ${count((l) => l.credentials)} with the demo credentials, ${count((l) => !l.credentials)} without; ${count((l) => l.mode === "positive")} positive, ${count((l) => l.mode === "negative")} negative`);
  t.diagnostic(`answers: ${Object.entries(tally).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${v}× ${k}`).join(", ")}`);
  const refusedValid = {};
  for (const l of lines.filter((l) => l.mode === "positive" && l.credentials && l.code === "VALIDATION_ERROR")) {
    for (const e of l.errors ?? []) refusedValid[e] = (refusedValid[e] ?? 0) + 1;
  }
  if (Object.keys(refusedValid).length) {
    t.diagnostic(`allowed by the schema, refused by the API (see ${stats}): ${Object.entries(refusedValid).map(([k, v]) => `${v}× ${k}`).join(", ")}`);
  }
  assert.equal(res.code, 0, `schemathesis reported failures:\n${res.stdout.slice(-12000)}\n${res.stderr.slice(-4000)}`);
  assert.ok(lines.length >= 100, `only ${lines.length} requests were recorded`);
  assert.equal(count((l) => l.http >= 500), 0, "5xx answers");
  assert.ok(count((l) => l.status === "success") >= 10, "too few requests passed authentication and validation");
  assert.ok(count((l) => !l.credentials && l.http === 401) >= 10, "too few requests without credentials");
});
