// The contact Worker under load on loopback, against the floor Worker
// (benches/floor/: one D1 INSERT … ON CONFLICT per request), measured in the same
// run with the same request bodies: upserts per second and latency with autocannon,
// bounded in time and in count, then D1 round trips per request by mode (from the
// Worker's own `debug` answer), and the CPU each process spent per request.
//
//   node benches/node/load.mjs [--seconds 10] [--connections 10,50] [--runtime wrangler,miniflare] [--shapes d1,d1-one-trip]
//
// Every request goes to 127.0.0.1. "wrangler" is `wrangler dev` (its dev proxy in
// front of workerd), as the README's run command serves the Worker; "miniflare" is
// workerd through Miniflare's API with no proxy, labelled as such.
import { spawn, execFile } from "node:child_process";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import autocannon from "autocannon";
import { startServer, sql, root, ENDPOINT } from "../../tests/support/server.mjs";
import { provisionOrg } from "../../tests/e2e/org.mjs";
import { printTable } from "./table.mjs";

const run = promisify(execFile);
const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const SECONDS = Number(arg("--seconds", "10"));
const CONNECTIONS = arg("--connections", "10,50").split(",").map(Number);
const RUNTIMES = arg("--runtime", "wrangler,miniflare").split(",");
// Diagnostic floors besides the one-statement floor: "d1" (the contact Worker's read
// batch, then its write batch, in JavaScript) and "d1-one-trip" (the same statements
// in one batch).
const SHAPES = arg("--shapes", "d1").split(",").filter(Boolean);
const SHAPE_NAMES = { d1: "floor, D1-shaped (JS)", "d1-one-trip": "floor, D1-shaped, 1 batch (JS)" };
// Bounded in count too: no run sends more than this many requests.
const MAX_REQUESTS = 100_000;
const CONTACTS = 2000;

const wranglerBin = join(root, "node_modules", ".bin", "wrangler");
const floorDir = join(root, "benches", "floor");
const env = { ...process.env, WRANGLER_SEND_METRICS: "false", WRANGLER_HIDE_BANNER: "true", CLOUDFLARE_CF_FETCH_ENABLED: "false", NO_COLOR: "1" };
const SEED_FIELDS = JSON.parse(readFileSync(join(root, "benches", "corpus", "requests.json"), "utf8")).customFields;

async function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** The floor Worker on a fresh local D1 of its own, with the same migrations. */
async function startFloor(runtime) {
  const persistTo = await mkdtemp(join(tmpdir(), "bench-floor-d1-"));
  await run(wranglerBin, ["d1", "migrations", "apply", "DB", "--local", "--persist-to", persistTo, "--config", join(floorDir, "wrangler.toml")], { cwd: floorDir, env });
  const server = { persistTo, sql: (q) => sql(persistTo, q) };
  if (runtime === "miniflare") {
    const { Miniflare } = await import("miniflare");
    const mf = new Miniflare({
      modules: true,
      scriptPath: join(floorDir, "worker.js"),
      compatibilityDate: "2026-04-01",
      d1Databases: { DB: "00000000-0000-4000-8000-000000000000" },
      d1Persist: join(persistTo, "v3", "d1"),
    });
    const url = (await mf.ready).origin.replace(/\/$/, "");
    return { ...server, url, stop: async () => { await mf.dispose(); await rm(persistTo, { recursive: true, force: true }); } };
  }
  const port = await freePort();
  const registry = await mkdtemp(join(tmpdir(), "bench-floor-registry-"));
  const child = spawn(
    wranglerBin,
    ["dev", "--config", join(floorDir, "wrangler.toml"), "--local", "--ip", "127.0.0.1", "--port", String(port), "--persist-to", persistTo, "--show-interactive-dev-session=false"],
    { cwd: floorDir, env: { ...env, WRANGLER_REGISTRY_PATH: registry }, stdio: ["ignore", "pipe", "pipe"], detached: true },
  );
  let log = "";
  child.stdout.on("data", (d) => (log += d));
  child.stderr.on("data", (d) => (log += d));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`floor: wrangler dev exited with ${child.exitCode}\n${log}`);
    try {
      await (await fetch(`${url}/ready-probe`)).arrayBuffer();
      break;
    } catch {
      if (Date.now() > deadline) throw new Error(`floor: wrangler dev did not start within 60 s\n${log}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  return {
    ...server,
    url,
    async stop() {
      try { process.kill(-child.pid, "SIGTERM"); } catch {}
      await new Promise((r) => (child.exitCode !== null ? r() : child.once("exit", r)));
      await rm(persistTo, { recursive: true, force: true });
      await rm(registry, { recursive: true, force: true });
    },
  };
}

/** The contact Worker (crates/contact-worker/build) on a fresh local D1. */
async function startContact(runtime) {
  const server = await startServer({ demo: false, runtime });
  return { ...server, url: server.url.replace(/\/$/, ""), stop: () => server.stop() };
}

// The seed's example request, with CONTACTS different people of a few companies:
// the first pass over them creates contacts, later ones update them.
const FIRST = ["Jane", "John", "Maria", "Ahmed", "Wei", "Olga", "Lucas", "Aiko"];
const LAST = ["Smith", "Johnson", "Garcia", "Muller", "Chen", "Kowalski", "Okafor", "Tanaka"];
const COMPANIES = ["Acme Corp", "Globex", "Initech", "Hooli", "Vandelay Imports"];
function upsertBody(org, i, extra = {}) {
  return {
    api_key: org.api_key,
    developer_secret: org.developer_secret,
    org_id: org.org_id,
    member_id: org.member_id,
    mode: "upsert",
    lookup_by: "email",
    contact: {
      firstName: FIRST[i % FIRST.length],
      lastName: LAST[(i >> 3) % LAST.length],
      primaryEmail: `contact${i}@example.com`,
      primaryPhone: `+1-555-${String(i).padStart(7, "0")}`,
      roleLabel: "Decision Maker",
      source: "API Import",
      status: "Active",
      tags: ["prospect", i % 2 ? "enterprise" : "smb"],
      customFields: { industry: "Technology", company_size: "50-200" },
    },
    entity: { name: COMPANIES[i % COMPANIES.length], status: "Active" },
    ...extra,
  };
}

// ---- CPU per process ---------------------------------------------------------------

async function processTree() {
  const stats = new Map();
  for (const pid of await readdir("/proc").catch(() => [])) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const text = await readFile(`/proc/${pid}/stat`, "utf8");
      const close = text.lastIndexOf(")");
      const comm = text.slice(text.indexOf("(") + 1, close);
      const f = text.slice(close + 2).split(" ");
      stats.set(Number(pid), { comm, ppid: Number(f[1]), ticks: Number(f[11]) + Number(f[12]) });
    } catch {}
  }
  const mine = new Set([process.pid]);
  for (let grew = true; grew;) {
    grew = false;
    for (const [pid, s] of stats) if (!mine.has(pid) && mine.has(s.ppid)) { mine.add(pid); grew = true; }
  }
  return new Map([...mine].filter((p) => stats.has(p)).map((p) => [p, stats.get(p)]));
}

function cpuByGroup(before, after) {
  const hz = 100;
  const groups = {};
  for (const [pid, s] of after) {
    const group = pid === process.pid ? "load generator (autocannon)" : s.comm.startsWith("workerd") ? "workerd (Worker + local D1)" : "wrangler dev (node)";
    const t0 = before.get(pid)?.ticks ?? 0;
    groups[group] = (groups[group] ?? 0) + (s.ticks - t0) / hz;
  }
  return groups;
}

// ---- one load run -------------------------------------------------------------------

async function load(target, org, connections, offset, query = "") {
  let i = offset;
  const actions = {};
  const before = await processTree();
  const result = await autocannon({
    url: target.url + ENDPOINT + query,
    method: "POST",
    connections,
    duration: SECONDS,
    maxOverallRequests: MAX_REQUESTS,
    timeout: 10,
    headers: { "content-type": "application/json", "cf-connecting-ip": "127.0.0.1" },
    requests: [{
      setupRequest(req) {
        return { ...req, body: JSON.stringify(upsertBody(org, i++ % CONTACTS)) };
      },
      onResponse(status, body) {
        let action = `HTTP ${status}`;
        try {
          const json = JSON.parse(body);
          action = json.data?.action ?? json.code ?? action;
        } catch {}
        actions[action] = (actions[action] ?? 0) + 1;
      },
    }],
  });
  const cpu = cpuByGroup(before, await processTree());
  return { result, actions, cpu, next: i };
}

// ---- D1 round trips by mode -------------------------------------------------------

async function roundTrips(server, org) {
  const post = async (body) => {
    const res = await fetch(server.url + ENDPOINT, {
      method: "POST",
      headers: { "content-type": "application/json", "cf-connecting-ip": "127.0.0.1" },
      body: JSON.stringify(body),
    });
    return res.json();
  };
  const rows = [];
  // Error answers carry no debug: for them the count is the code's (endpoint.rs, run):
  // refusals before the read make none, those after it one.
  const probe = async (label, body, ifRefused) => {
    const answer = await post({ ...body, debug: true });
    const d = answer.data?.debug;
    rows.push([label, answer.data?.action ?? answer.code, d ? String(d.d1_round_trips) : ifRefused, d ? "debug answer" : "the code (no debug in errors)", d ? String(d.write_attempts) : "", d ? String(d.statements) : ""]);
  };
  const base = 900_000;
  await probe("insert, new contact", upsertBody(org, base + 1, { mode: "insert" }));
  await probe("insert, existing e-mail", upsertBody(org, base + 1, { mode: "insert" }), "1");
  await probe("update, existing contact", upsertBody(org, base + 1, { mode: "update" }));
  await probe("update, unknown e-mail", upsertBody(org, base + 2, { mode: "update" }), "1");
  await probe("upsert, new contact", upsertBody(org, base + 3));
  await probe("upsert, existing contact", upsertBody(org, base + 3));
  await probe("upsert, existing, same values", upsertBody(org, base + 3));
  await probe("upsert by phone, existing", { ...upsertBody(org, base + 3), lookup_by: "phone" });
  await probe("upsert, dry run", upsertBody(org, base + 4, { dry_run: true }));
  await probe("upsert, skip_entity", upsertBody(org, base + 5, { skip_entity: true }));
  await probe("VALIDATION_ERROR (bad e-mail)", (() => { const b = upsertBody(org, base + 6); b.contact.primaryEmail = "jane@"; return b; })(), "1");
  await probe("INVALID_API_KEY (not of the issued form)", { ...upsertBody(org, base + 7), api_key: "YOUR_API_KEY" }, "0");
  return rows;
}

// ---- main -------------------------------------------------------------------------

const fmt = (n, d = 0) => (Number.isFinite(n) ? n.toLocaleString("en-US", { maximumFractionDigits: d, minimumFractionDigits: d }) : "–");
const table = [["runtime", "Worker", "conn.", "requests", "2xx/s", "p50 ms", "p99 ms", "max ms", "non-2xx", "errors", "timeouts", "× floor", "answers"]];
const cpuTable = [["runtime", "Worker", "conn.", "CPU ms per request: workerd", "wrangler dev (node)", "load generator"]];
const tripTables = [];
for (const runtime of RUNTIMES) {
  const floor = await startFloor(runtime);
  const contact = await startContact(runtime);
  const floorOrg = await provisionOrg(floor, { mode: "B2B", customFields: SEED_FIELDS });
  const org = await provisionOrg(contact, { mode: "B2B", customFields: SEED_FIELDS });
  try {
    // Warm both up (first requests compile the module and open the database).
    await load(floor, floorOrg, 2, 0);
    for (const shape of SHAPES) await load(floor, floorOrg, 2, 0, `?shape=${shape}`);
    await load(contact, org, 2, 0);
    for (const connections of CONNECTIONS) {
      const f = await load(floor, floorOrg, connections, 0);
      const shaped = [];
      for (const shape of SHAPES) shaped.push([SHAPE_NAMES[shape], await load(floor, floorOrg, connections, 0, `?shape=${shape}`)]);
      const c = await load(contact, org, connections, 0);
      const rate = (r) => (r.result["2xx"] ?? 0) / r.result.duration;
      for (const [name, r] of [["floor", f], ...shaped, ["contact", c]]) {
        const res = r.result;
        table.push([
          runtime === "wrangler" ? "wrangler dev" : "Miniflare direct",
          name, String(connections), fmt(res.requests.total), fmt(rate(r)), fmt(res.latency.p50, 1), fmt(res.latency.p99, 1), fmt(res.latency.max, 0),
          fmt(res.non2xx), fmt(res.errors), fmt(res.timeouts),
          (rate(r) / rate(f)).toFixed(2),
          Object.entries(r.actions).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v}`).join(", "),
        ]);
        const n = Math.max(1, res.requests.total);
        cpuTable.push([
          runtime === "wrangler" ? "wrangler dev" : "Miniflare direct", name, String(connections),
          fmt((1000 * (r.cpu["workerd (Worker + local D1)"] ?? 0)) / n, 2),
          runtime === "wrangler" ? fmt((1000 * (r.cpu["wrangler dev (node)"] ?? 0)) / n, 2) : "–",
          fmt((1000 * (r.cpu["load generator (autocannon)"] ?? 0)) / n, 2),
        ]);
      }
    }
    tripTables.push([runtime, await roundTrips(contact, org)]);
  } finally {
    await contact.stop();
    await floor.stop();
  }
}

console.log(`\n## The Worker under load on loopback (autocannon, ${SECONDS} s per run, at most ${MAX_REQUESTS.toLocaleString("en-US")} requests)\n`);
console.log(`Upserts of the seed's example request (B2B organization with the seed's two custom fields, an entity from 5 companies), ${CONTACTS} distinct e-mails in turn: the first pass creates, later passes update. The floors get the same bodies. "floor" runs one INSERT … ON CONFLICT; "floor, D1-shaped (JS)" is a diagnostic: the contact Worker's six reads in one batch, then the contact and entity upserts in a second batch, in JavaScript without checks ("1 batch": the same statements in one batch). "× floor" is 2xx/s against the one-statement floor's at the same runtime and connections.\n`);
printTable(table);
console.log(`\nCPU time per request by process (from /proc, user + system; 2 cores shared by all):\n`);
printTable(cpuTable);
for (const [runtime, rows] of tripTables) {
  console.log(`\nD1 round trips per request by mode (${runtime === "wrangler" ? "wrangler dev" : "Miniflare direct"}; the Worker's debug answer; the floor makes 1):\n`);
  printTable([["request", "answer", "D1 round trips", "from", "write attempts", "statements written"], ...rows]);
}
