// Provisions an organization straight into the local D1 in one statement batch (the
// CLI has its own tests; this is faster for many organizations): its member, an api
// key, a developer key with an allow-list, and custom field definitions.
import { createHash, randomBytes, randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";

const digest = (secret) => createHash("sha256").update(secret.trim().toLowerCase()).digest("hex");
const q = (s) => `'${String(s).replaceAll("'", "''")}'`;

export async function provisionOrg(server, { mode = "B2B", customFields = [], allow = ["127.0.0.1", "::1"], name = "Test Org" } = {}) {
  const org = {
    org_id: randomUUID(),
    member_id: randomUUID(),
    api_key_id: randomUUID(),
    developer_key_id: randomUUID(),
    api_key: `zak_${randomBytes(32).toString("hex")}`,
    developer_secret: `zdk_${randomBytes(32).toString("hex")}`,
  };
  const now = new Date().toISOString();
  const statements = [
    `INSERT INTO organizations VALUES (${q(org.org_id)}, ${q(name)}, ${q(mode)}, ${q(now)})`,
    `INSERT INTO members VALUES (${q(org.member_id)}, ${q(org.org_id)}, 'Tester', 'tester@example.com', 1, ${q(now)})`,
    `INSERT INTO api_keys VALUES (${q(org.api_key_id)}, ${q(org.org_id)}, ${q(org.member_id)}, ${q(digest(org.api_key))}, 1, ${q(now)})`,
    `INSERT INTO developer_keys VALUES (${q(org.developer_key_id)}, ${q(org.api_key_id)}, ${q(digest(org.developer_secret))}, ${q(JSON.stringify(allow))}, 1, ${q(now)})`,
    ...customFields.map(
      (d) => `INSERT INTO custom_fields VALUES (${q(org.org_id)}, ${q(d.tag)}, ${q(JSON.stringify(d))}, ${q(now)})`,
    ),
  ];
  await server.sql(statements.join(";\n"));
  return org;
}

// The placeholders of tests/support/placeholders.json, each standing for the
// organization's credential of the same name: $API_KEY for org.api_key, and so on.
const PLACEHOLDER_NAMES = Object.keys(
  JSON.parse(readFileSync(new URL("../support/placeholders.json", import.meta.url), "utf8")).offline,
);
const placeholders = (org) =>
  Object.fromEntries(
    PLACEHOLDER_NAMES.map((name) => {
      const value = org[name.slice(1).toLowerCase()];
      if (typeof value !== "string") throw new Error(`no credential for the placeholder ${name}`);
      return [name, value];
    }),
  );

/** Replaces the placeholders inside a raw request text. */
export function substituteText(text, org) {
  let out = text;
  for (const [k, v] of Object.entries(placeholders(org))) out = out.replaceAll(k, v);
  return out;
}

/** Replaces the case files' credential placeholders with an organization's values. */
export function substitute(value, org) {
  if (typeof value === "string") return substituteText(value, org);
  if (Array.isArray(value)) return value.map((v) => substitute(v, org));
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substitute(v, org)]));
  }
  return value;
}

/** Every row of every table, as text: equal dumps mean an unchanged database. */
export async function dump(server) {
  const tables = ["organizations", "members", "api_keys", "developer_keys", "custom_fields", "entities", "contacts", "write_guards", "idempotency_keys"];
  const results = await server.sqlAll(tables.map((t) => `SELECT * FROM ${t} ORDER BY rowid`).join(";\n"));
  return JSON.stringify(Object.fromEntries(tables.map((t, i) => [t, results[i]])), null, 1);
}
