#!/usr/bin/env bash
# Writes the shared case files' requests (tests/cases/*.json) into the fuzzers'
# corpora as seeds: each request as the text a client would send, placeholders
# replaced by well-formed credentials, into corpus/request_parser/, and as a batch of
# two such items into corpus/batch_parser/; each request's
# contact.customFields as JSON text into corpus/custom_fields/. Files are named by
# the SHA-1 of their content, as libFuzzer names them, so running it twice adds
# nothing new.
set -euo pipefail
cd "$(dirname "$0")"
node --input-type=module - <<'JS'
import { createHash } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";

const placeholders = {
  $API_KEY: "zak_0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
  $DEVELOPER_SECRET: "zdk_fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210",
  $ORG_ID: "0b6f3c52-7d3e-4a51-9a43-2f1c8e5d7a10",
  $MEMBER_ID: "5e2d8a41-93b7-4c0f-8e16-b4a7c9d2e3f8",
};
const substitute = (text) =>
  Object.entries(placeholders).reduce((t, [p, real]) => t.split(p).join(real), text);
const substituteValue = (v) =>
  typeof v === "string" ? substitute(v)
  : Array.isArray(v) ? v.map(substituteValue)
  : v && typeof v === "object"
    ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, substituteValue(x)]))
    : v;

const write = (dir, text) => {
  mkdirSync(dir, { recursive: true });
  const name = createHash("sha1").update(text).digest("hex");
  writeFileSync(`${dir}/${name}`, text);
};

const casesDir = "../tests/cases";
let requests = 0, customs = 0;
for (const file of readdirSync(casesDir).filter((f) => f.endsWith(".json")).sort()) {
  const doc = JSON.parse(readFileSync(`${casesDir}/${file}`, "utf8"));
  for (const c of doc.cases) {
    const text = "body" in c ? substitute(c.body) : JSON.stringify(substituteValue(c.request));
    write("corpus/request_parser", text);
    requests++;
    // The same request as a one-item batch.
    if (c.request && typeof c.request === "object" && !Array.isArray(c.request)) {
      const { contact, entity, ...rest } = substituteValue(c.request);
      const item = {};
      if ("contact" in c.request) item.contact = contact;
      if ("entity" in c.request) item.entity = entity;
      write("corpus/batch_parser", JSON.stringify({ ...rest, items: [item, item] }));
    }
    const custom = c.request?.contact?.customFields;
    if (custom !== undefined) {
      write("corpus/custom_fields", JSON.stringify(custom));
      customs++;
    }
  }
}
console.log(`seeded ${requests} requests and ${customs} customFields values`);
JS
