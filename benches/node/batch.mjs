// Batch throughput: contacts written per second through the batch endpoint (batches of
// 100) against single requests, the same contacts on the same runtime (the Worker
// under Miniflare on a local D1, as the e2e suites run it), each with a fresh
// organization; and the D1 round trips and statements a batch of 1, 10 and 100 takes,
// as its `debug` reports them.
//
//   node benches/node/batch.mjs [--contacts 2000] [--concurrency 8]
//
// Needs the local Worker build (bash scripts/build-worker.sh --local) and contact-admin
// (cargo build -p contact-admin), as the e2e suites do.
import { parseArgs } from "node:util";
import { startServer } from "../../tests/support/server.mjs";
import { provisionOrg } from "../../tests/e2e/org.mjs";

const BATCH = "/apis/v2/public/crm/addContactsFull/batch";
const { values } = parseArgs({
  options: { contacts: { type: "string", default: "2000" }, concurrency: { type: "string", default: "8" } },
});
const total = Number(values.contacts);
const concurrency = Number(values.concurrency);

const server = await startServer({ demo: false });
const creds = (org) => ({ api_key: org.api_key, developer_secret: org.developer_secret, org_id: org.org_id, member_id: org.member_id });
async function post(path, body) {
  const res = await fetch(server.url + path, {
    method: "POST",
    headers: { "content-type": "application/json", "cf-connecting-ip": "127.0.0.1" },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}
const contact = (run, i) => ({
  contact: { firstName: `Bench${i}`, lastName: "Load", primaryEmail: `bench${i}.${run}@bench.test`, tags: ["bench"], source: "Benchmark" },
  entity: { name: `Bench Co ${i % 50} ${run}` },
});

/** Runs `jobs` (functions answering promises) `concurrency` at a time; answers the seconds taken. */
async function pool(jobs) {
  const started = process.hrtime.bigint();
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < jobs.length) await jobs[next++]();
    }),
  );
  return Number(process.hrtime.bigint() - started) / 1e9;
}

function expectOk(res) {
  if (res.status !== 200) throw new Error(`HTTP ${res.status}: ${JSON.stringify(res.body).slice(0, 300)}`);
}

try {
  console.log(`## Batch: D1 work per request (debug)\n`);
  console.log("| items | D1 round trips | read statements | write statements | ms |");
  console.log("|---|---|---|---|---|");
  const org = await provisionOrg(server, { mode: "B2B" });
  for (const size of [1, 10, 100]) {
    const items = Array.from({ length: size }, (_, i) => contact(`rt${size}`, i));
    const started = process.hrtime.bigint();
    const res = await post(BATCH, { ...creds(org), debug: true, items });
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    expectOk(res);
    const d = res.body.debug;
    console.log(`| ${size} | ${d.d1_round_trips} | ${d.read_statements} | ${d.statements} | ${ms.toFixed(0)} |`);
  }

  const singlesOrg = await provisionOrg(server, { mode: "B2B" });
  const batchOrg = await provisionOrg(server, { mode: "B2B" });
  // Warm-up: the isolate compiles, D1 opens.
  for (let i = 0; i < 20; i++) expectOk(await post("/apis/v2/public/crm/addContactsFull", { ...creds(singlesOrg), ...contact("warm", i) }));
  expectOk(await post(BATCH, { ...creds(batchOrg), items: Array.from({ length: 100 }, (_, i) => contact("warm", i)) }));

  const singles = await pool(
    Array.from({ length: total }, (_, i) => async () => expectOk(await post("/apis/v2/public/crm/addContactsFull", { ...creds(singlesOrg), ...contact("s", i) }))),
  );
  const batches = await pool(
    Array.from({ length: Math.ceil(total / 100) }, (_, b) => async () =>
      expectOk(await post(BATCH, { ...creds(batchOrg), items: Array.from({ length: Math.min(100, total - b * 100) }, (_, k) => contact("b", b * 100 + k)) })),
    ),
  );
  const written = async (org) => (await server.sql(`SELECT COUNT(*) AS n FROM contacts WHERE org_id = '${org.org_id}'`))[0].n;
  const [singleRows, batchRows] = [await written(singlesOrg), await written(batchOrg)];
  console.log(`\n## Batch throughput: ${total} new contacts (each with an entity shared by 50), ${concurrency} requests in flight\n`);
  console.log("| how | requests | seconds | contacts/s | contacts in D1 |");
  console.log("|---|---|---|---|---|");
  console.log(`| single requests | ${total} | ${singles.toFixed(2)} | ${(total / singles).toFixed(0)} | ${singleRows - 20} |`);
  console.log(`| batches of 100 | ${Math.ceil(total / 100)} | ${batches.toFixed(2)} | ${(total / batches).toFixed(0)} | ${batchRows - 100} |`);
  console.log(`\nBatches of 100: ${(singles / batches).toFixed(1)}× the contacts per second of single requests (aim ≥ 20×).`);
} finally {
  await server.stop();
}
