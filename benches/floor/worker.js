// The floor of the load benchmark: a Worker that does the least an upsert can do,
// one D1 `INSERT … ON CONFLICT … DO UPDATE` per request, on the same schema
// (migrations/) and the same request bodies as the contact Worker. No checks, no
// authentication, no entity: what is left is HTTP, JSON and one D1 round trip.
//
// With `?shape=d1` it is a second, diagnostic floor in JavaScript shaped like the
// contact Worker's D1 traffic: the contact Worker's six reads in one batch (api key,
// developer key, member, custom fields, candidate contacts, candidate entities; the
// secrets' SHA-256 digests by WebCrypto), then the contact and its entity upserted
// in a second batch. Still no checks: the difference between it and the contact
// Worker is the Rust side (validation, planning, workers-rs and its conversions).
// `?shape=d1-one-trip` sends the same statements in one batch.
const UPSERT = `INSERT INTO contacts (id, org_id, first_name, last_name, primary_email, email_key,
  primary_phone, source, status, tags, created_by, updated_by, created_at, updated_at)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?11, ?12, ?12)
ON CONFLICT (org_id, email_key) DO UPDATE SET
  first_name = excluded.first_name, last_name = excluded.last_name,
  primary_email = excluded.primary_email, primary_phone = excluded.primary_phone,
  source = excluded.source, status = excluded.status, tags = excluded.tags,
  updated_by = excluded.updated_by, updated_at = excluded.updated_at, version = version + 1
RETURNING id, version`;

// The contact Worker's read batch (crates/contact-core/src/plan.rs, read_statements).
const CONTACT_COLUMNS = "c.id, c.entity_id, c.email_key, c.phone_key, c.first_name, c.last_name, c.tags, c.version";
const ENTITY_COLUMNS = "e.id, e.name, e.name_key, e.label, e.status, e.website, e.industry, e.primary_email, e.primary_phone, e.city, e.country, e.version";
const READS = [
  "SELECT k.id AS api_key_id, k.org_id, o.crm_mode, k.active AS key_active, m.active AS member_active FROM api_keys k JOIN organizations o ON o.id = k.org_id JOIN members m ON m.id = k.member_id WHERE k.key_digest = ?1",
  "SELECT d.active, d.allowed_ips FROM developer_keys d JOIN api_keys k ON k.id = d.api_key_id WHERE k.key_digest = ?1 AND d.secret_digest = ?2",
  "SELECT m.active FROM members m JOIN api_keys k ON k.org_id = m.org_id WHERE k.key_digest = ?1 AND m.id = ?2",
  "SELECT f.definition FROM custom_fields f JOIN api_keys k ON k.org_id = f.org_id WHERE k.key_digest = ?1 ORDER BY f.tag",
  `SELECT ${CONTACT_COLUMNS} FROM contacts c JOIN api_keys k ON k.org_id = c.org_id WHERE k.key_digest = ?1 AND (c.email_key = ?2 OR c.phone_key = ?3 OR c.id = ?4) LIMIT 50`,
  `SELECT ${ENTITY_COLUMNS} FROM entities e JOIN api_keys k ON k.org_id = e.org_id WHERE k.key_digest = ?1 AND (e.name_key = ?2 OR e.name_key = ?3 OR e.id IN (SELECT c.entity_id FROM contacts c WHERE c.org_id = k.org_id AND (c.email_key = ?4 OR c.phone_key = ?5 OR c.id = ?6)))`,
];
const ENTITY_UPSERT = `INSERT INTO entities (id, org_id, name, name_key, status, created_by, updated_by, created_at, updated_at)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6, ?7, ?7)
ON CONFLICT (org_id, name_key) DO UPDATE SET status = excluded.status, updated_by = excluded.updated_by,
  updated_at = excluded.updated_at, version = version + 1`;

const hex = (buf) => [...new Uint8Array(buf)].map((b) => b.toString(16).padStart(2, "0")).join("");
const digest = async (s) => hex(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(String(s ?? "").trim().toLowerCase())));

export default {
  async fetch(request, env) {
    const body = await request.json();
    const c = body.contact ?? {};
    const now = new Date().toISOString();
    const emailKey = String(c.primaryEmail ?? "").trim().toLowerCase();
    const upsert = env.DB.prepare(UPSERT).bind(
      crypto.randomUUID(), body.org_id, c.firstName ?? "", c.lastName ?? null, c.primaryEmail ?? "", emailKey,
      c.primaryPhone ?? null, c.source ?? null, c.status ?? null, JSON.stringify(c.tags ?? []), body.member_id, now,
    );
    const shape = new URL(request.url).searchParams.get("shape");
    if (shape !== "d1" && shape !== "d1-one-trip") {
      const row = await upsert.first();
      return Response.json({ status: "success", data: { action: row.version === 1 ? "created" : "updated", contact_id: row.id } });
    }
    const [key, secret] = await Promise.all([digest(body.api_key), digest(body.developer_secret)]);
    const phoneKey = c.primaryPhone ? String(c.primaryPhone).replace(/[^+\d]/g, "") : null;
    const nameKey = body.entity?.name ? String(body.entity.name).trim().toLowerCase() : null;
    const reads = [
      env.DB.prepare(READS[0]).bind(key),
      env.DB.prepare(READS[1]).bind(key, secret),
      env.DB.prepare(READS[2]).bind(key, String(body.member_id).toLowerCase()),
      env.DB.prepare(READS[3]).bind(key),
      env.DB.prepare(READS[4]).bind(key, emailKey, phoneKey, null),
      env.DB.prepare(READS[5]).bind(key, nameKey, null, emailKey, phoneKey, null),
    ];
    const writes = [upsert];
    if (nameKey) writes.push(env.DB.prepare(ENTITY_UPSERT).bind(crypto.randomUUID(), body.org_id, body.entity.name, nameKey, body.entity.status ?? null, body.member_id, now));
    // d1-one-trip: the same statements in a single batch, to tell the cost of a round
    // trip from the cost of a statement.
    const results = shape === "d1" ? [...(await env.DB.batch(reads)), ...(await env.DB.batch(writes))] : await env.DB.batch([...reads, ...writes]);
    const row = results[reads.length].results[0];
    return Response.json({
      status: "success",
      data: { action: row.version === 1 ? "created" : "updated", contact_id: row.id, reads: reads.length },
    });
  },
};
