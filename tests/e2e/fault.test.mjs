// A fault under load: the runtime is stopped abruptly and started again while
// upserts are in flight. Afterwards every acknowledged write is there, nothing is
// half-written (no contact without its entity, no entity without its contact), and
// e-mails are still unique.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServer } from "../support/server.mjs";
import { provisionOrg } from "./org.mjs";

let server;
let org;
before(async () => {
  server = await startServer({ demo: false });
  org = await provisionOrg(server, { mode: "B2B" });
});
after(async () => server?.stop());

test("a restart under load loses no acknowledged write and leaves nothing half-written", async () => {
  const creds = { api_key: org.api_key, developer_secret: org.developer_secret, org_id: org.org_id, member_id: org.member_id };
  const acknowledged = [];
  let failed = 0;
  let next = 0;
  const until = Date.now() + 8_000;
  const restartAt = Date.now() + 2_500;
  let restarted = false;

  async function worker() {
    while (Date.now() < until) {
      const i = next++;
      const body = {
        ...creds,
        contact: { firstName: `Fault${i}`, primaryEmail: `f${i % 40}@fault.test`, tags: [`t${i}`] },
        entity: { name: `Fault Co ${i % 40}` },
      };
      try {
        const res = await server.post(body);
        if (res.status === 200 && res.body?.status === "success") acknowledged.push({ i, restarted, ...res.body.data });
        else failed++;
      } catch {
        failed++; // cut off by the restart: not acknowledged
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  }
  async function fault() {
    await new Promise((r) => setTimeout(r, restartAt - Date.now()));
    await server.restart();
    restarted = true;
  }
  await Promise.all([fault(), ...Array.from({ length: 8 }, worker)]);
  assert.ok(restarted);
  const afterRestart = acknowledged.filter((a) => a.restarted).length;
  assert.ok(acknowledged.length - afterRestart > 20 && afterRestart > 20, `acknowledged ${acknowledged.length}, ${afterRestart} after the restart`);

  const contacts = await server.sql(`SELECT id, email_key, entity_id, tags FROM contacts WHERE org_id = '${org.org_id}'`);
  const byId = new Map(contacts.map((c) => [c.id, c]));
  const missing = [];
  for (const a of acknowledged) {
    const c = byId.get(a.contact_id);
    if (!c || c.email_key !== `f${a.i % 40}@fault.test` || !JSON.parse(c.tags).includes(`t${a.i}`) || c.entity_id !== a.entity_id) {
      missing.push(a);
    }
  }
  assert.deepEqual(missing, [], "acknowledged writes missing after the restart");
  const [halves] = await server.sqlAll(`
    SELECT
      (SELECT COUNT(*) FROM contacts c WHERE c.org_id = '${org.org_id}' AND (c.entity_id IS NULL OR NOT EXISTS (SELECT 1 FROM entities e WHERE e.id = c.entity_id))) AS contacts_without_entity,
      (SELECT COUNT(*) FROM entities e WHERE e.org_id = '${org.org_id}' AND NOT EXISTS (SELECT 1 FROM contacts c WHERE c.entity_id = e.id)) AS entities_without_contact,
      (SELECT COUNT(*) FROM (SELECT email_key FROM contacts WHERE org_id = '${org.org_id}' GROUP BY email_key HAVING COUNT(*) > 1)) AS duplicate_emails,
      (SELECT COUNT(*) FROM write_guards) AS guard_rows`);
  assert.deepEqual(halves[0], { contacts_without_entity: 0, entities_without_contact: 0, duplicate_emails: 0, guard_rows: 0 });
  assert.ok(contacts.length <= 40);
  console.log(`fault: ${acknowledged.length} acknowledged (${afterRestart} after the restart), ${failed} cut off or refused, ${contacts.length} contacts`);
});
