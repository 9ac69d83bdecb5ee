// The floor of the load benchmark: a Worker that does the least an upsert can do,
// one D1 `INSERT … ON CONFLICT … DO UPDATE` per request, on the same schema
// (migrations/) and the same request bodies as the contact Worker. No checks, no
// authentication, no entity: what is left is HTTP, JSON and one D1 round trip.
const UPSERT = `INSERT INTO contacts (id, org_id, first_name, last_name, primary_email, email_key,
  primary_phone, source, status, tags, created_by, updated_by, created_at, updated_at)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?11, ?12, ?12)
ON CONFLICT (org_id, email_key) DO UPDATE SET
  first_name = excluded.first_name, last_name = excluded.last_name,
  primary_email = excluded.primary_email, primary_phone = excluded.primary_phone,
  source = excluded.source, status = excluded.status, tags = excluded.tags,
  updated_by = excluded.updated_by, updated_at = excluded.updated_at, version = version + 1
RETURNING id, version`;

export default {
  async fetch(request, env) {
    const body = await request.json();
    const c = body.contact ?? {};
    const now = new Date().toISOString();
    const row = await env.DB.prepare(UPSERT)
      .bind(
        crypto.randomUUID(),
        body.org_id,
        c.firstName ?? "",
        c.lastName ?? null,
        c.primaryEmail ?? "",
        String(c.primaryEmail ?? "").trim().toLowerCase(),
        c.primaryPhone ?? null,
        c.source ?? null,
        c.status ?? null,
        JSON.stringify(c.tags ?? []),
        body.member_id,
        now,
      )
      .first();
    return Response.json({
      status: "success",
      data: { action: row.version === 1 ? "created" : "updated", contact_id: row.id },
    });
  },
};
