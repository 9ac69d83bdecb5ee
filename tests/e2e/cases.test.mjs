// The shared case files (tests/cases) sent through HTTP to the real Worker on a local
// D1: the same codes, paths, messages and normalized contacts as the core natively.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { startServer, root } from "../support/server.mjs";
import { provisionOrg, substitute, substituteText } from "./org.mjs";

const dir = join(root, "tests", "cases");
const files = readdirSync(dir).filter((f) => f.endsWith(".json")).sort();
let server;

before(async () => {
  server = await startServer({ demo: false });
});
after(async () => server?.stop());

// Codes a client can know offline; every other answer means the request went on
// to the write, which is what an "ok" case expects of the server.
const OFFLINE = new Set([
  "INVALID_JSON", "MISSING_API_KEY", "INVALID_API_KEY", "MISSING_DEVELOPER_SECRET",
  "INVALID_DEVELOPER_SECRET", "MISSING_CONTACT", "VALIDATION_ERROR", "CUSTOM_FIELD_ERROR",
]);

for (const file of files) {
  test(`case file ${file} over HTTP`, async () => {
    const spec = JSON.parse(readFileSync(join(dir, file), "utf8"));
    const org = await provisionOrg(server, { mode: "B2B", customFields: spec.customFields ?? [] });
    const mismatches = [];
    for (const c of spec.cases) {
      let body;
      if ("body" in c) {
        body = substituteText(c.body, org);
        if (c.expect.ok) body = body.replace(/^(\s*)\{/, '$1{"dry_run": true, "debug": true, ');
      } else {
        const request = substitute(c.request, org);
        if (c.expect.ok && request && typeof request === "object" && !Array.isArray(request)) {
          // Write nothing, and ask for the normalized request back.
          request.dry_run = true;
          request.debug = true;
        }
        body = JSON.stringify(request);
      }
      const res = await server.post(body);
      const got = res.body ?? {};
      const problems = [];
      if (res.status >= 500) problems.push(`status ${res.status}`);
      if (c.expect.ok) {
        if (got.status === "success") {
          const normalized = got.data?.debug?.normalized ?? {};
          if (c.expect.contact) diff(problems, "contact", c.expect.contact, normalized.contact);
          if (c.expect.entity) diff(problems, "entity", c.expect.entity, normalized.entity);
        } else if (OFFLINE.has(got.code)) {
          problems.push(`expected ok, got ${got.code}: ${JSON.stringify(got.errors)}`);
        }
      } else {
        if (got.code !== c.expect.code) problems.push(`code ${got.code} != ${c.expect.code}`);
        if (c.expect.errors) {
          const pairs = (got.errors ?? []).map((e) => [e.path, e.code]);
          diff(problems, "errors", c.expect.errors.map((e) => [e.path, e.code]), pairs);
        }
        if (c.expect.data) diff(problems, "data", c.expect.data, got.data);
        if (c.expect.message) diff(problems, "message", c.expect.message, got.message);
      }
      if (problems.length) mismatches.push(`${c.name}: ${problems.join("; ")}`);
    }
    assert.deepEqual(mismatches, [], `${file}: ${mismatches.length} of ${spec.cases.length} cases differ`);
  });
}

function diff(problems, what, expected, got) {
  try {
    assert.deepStrictEqual(got, expected);
  } catch {
    problems.push(`${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(got)}`);
  }
}
