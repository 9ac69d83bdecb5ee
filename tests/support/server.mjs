// Starts the real Worker under `wrangler dev` with a fresh local D1 database of its
// own: migrations applied, the demo organization provisioned by the real CLI. Tests
// get its URL, the demo credentials, the CLI and SQL access to the same database.
import { spawn, execFile } from "node:child_process";
import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const run = promisify(execFile);
export const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const ENDPOINT = "/apis/v2/public/crm/addContactsFull";
const wrangler = join(root, "node_modules", ".bin", "wrangler");
const admin = join(root, "target", "debug", "contact-admin");
const defaultBuild = process.env.WORKER_BUILD || join(root, "crates", "contact-worker", "build");
const env = {
  ...process.env,
  WRANGLER_SEND_METRICS: "false",
  WRANGLER_HIDE_BANNER: "true",
  CLOUDFLARE_CF_FETCH_ENABLED: "false",
  NO_COLOR: "1",
};

async function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Runs the provisioning CLI (built by `cargo build -p contact-admin`) against a state dir. */
export async function adminCli(persistTo, ...args) {
  const { stdout } = await run(admin, ["--persist-to", persistTo, ...args], { cwd: root, env, maxBuffer: 1 << 24 });
  return JSON.parse(stdout);
}

/** Runs SQL on the local database and answers the rows of each statement. */
export async function sqlAll(persistTo, query) {
  const { stdout } = await run(
    wrangler,
    ["d1", "execute", "DB", "--local", "--persist-to", persistTo, "--json", "--command", query],
    { cwd: root, env, maxBuffer: 1 << 26 },
  );
  return JSON.parse(stdout).map((r) => r.results);
}

/** Runs SQL on the local database and answers the rows of the last statement. */
export async function sql(persistTo, query) {
  const results = await sqlAll(persistTo, query);
  return results[results.length - 1];
}

/**
 * Starts the built Worker on a fresh local D1. Options:
 * - `demo` (default true): provision the demo organization with the CLI;
 * - `database` (default true): bind the local D1 as `DB`; false starts the Worker
 *   without it (Miniflare only), to see how it answers a failure outside the core;
 * - `build`: the directory of the built Worker to run; by default $WORKER_BUILD, else
 *   crates/contact-worker/build (`bash scripts/build-worker.sh --local`, the build for
 *   local development the suites expect: it has GET /dev/demo);
 * - `rateLimits`: quotas in place of wrangler.toml's, e.g. `{ key: "5/10" }` (keys
 *   `key`, `batch`, `address`; "QUOTA/SECONDS"), each applied to both the binding and
 *   its RATE_LIMIT_* setting (Miniflare only);
 * - `runtime`: "miniflare" (default) runs the Worker in workerd through Miniflare's
 *   API, as wrangler does but without wrangler dev's development proxy, which drops
 *   some connections under heavy concurrency ("Network connection lost"); "wrangler"
 *   runs `wrangler dev` exactly as the README's run command does, static assets included.
 * Answers { url, endpoint, persistTo, demo, log(), admin(...args), sql(query),
 * sqlAll(query), post(body, headers), stop() }. `post` sends CF-Connecting-IP
 * 127.0.0.1 unless told otherwise, as `wrangler dev` fills it in locally.
 */
export async function startServer({ demo = true, runtime = "miniflare", database = true, build = defaultBuild, rateLimits = {} } = {}) {
  const persistTo = await mkdtemp(join(tmpdir(), "contact-d1-"));
  await run(wrangler, ["d1", "migrations", "apply", "DB", "--local", "--persist-to", persistTo], { cwd: root, env });
  const credentials = demo ? await adminCli(persistTo, "demo") : null;
  // A private copy of the built Worker: a rebuild elsewhere must not restart this one.
  const workDir = await mkdtemp(join(tmpdir(), "contact-worker-"));
  const script = join(workDir, "worker", "index.js");
  await cp(build, dirname(script), { recursive: true });
  const toml = await readFile(join(root, "wrangler.toml"), "utf8");
  let log = "";
  const port = await freePort();
  const launch = () =>
    runtime === "wrangler"
      ? startWrangler({ toml, script, workDir, persistTo, credentials, port, onLog: (d) => (log += d) })
      : startMiniflare({ toml, script, persistTo, credentials, port, database, rateLimits, onLog: (d) => (log += d) });
  let server = await launch();
  const url = server.url;
  return {
    url,
    endpoint: url + ENDPOINT,
    persistTo,
    demo: credentials,
    log: () => log,
    admin: (...a) => adminCli(persistTo, ...a),
    sql: (q) => sql(persistTo, q),
    sqlAll: (q) => sqlAll(persistTo, q),
    /** POSTs a JSON body (object or text) to the endpoint; answers { status, headers, body, text }. */
    async post(body, headers = {}) {
      const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
      const res = await fetch(url + ENDPOINT, {
        method: "POST",
        headers: { "content-type": "application/json", "cf-connecting-ip": "127.0.0.1", ...lower },
        body: typeof body === "string" || body instanceof Uint8Array ? body : JSON.stringify(body),
      });
      const text = await res.text();
      let json;
      try {
        json = JSON.parse(text);
      } catch {
        json = undefined;
      }
      return { status: res.status, headers: res.headers, body: json, text };
    },
    /** Stops the runtime abruptly (requests in flight are cut off) and starts it again on the same database and port. */
    async restart() {
      await server.stop();
      server = await launch();
    },
    async stop() {
      await server.stop();
      await rm(persistTo, { recursive: true, force: true });
      await rm(workDir, { recursive: true, force: true });
    },
  };
}

function tomlValue(toml, key) {
  const m = toml.match(new RegExp(`^${key} = "(.*)"$`, "m"));
  return m && m[1];
}

/** The rate-limit policies of wrangler.toml (settings and bindings), with overrides. */
export function rateLimitConfig(toml, overrides = {}) {
  const policies = { key: "KEY", batch: "BATCH", address: "ADDRESS" };
  const vars = {};
  const ratelimits = {};
  for (const [name, upper] of Object.entries(policies)) {
    const setting = overrides[name] ?? tomlValue(toml, `RATE_LIMIT_${upper}`);
    const [limit, period] = setting.split("/").map(Number);
    vars[`RATE_LIMIT_${upper}`] = setting;
    ratelimits[`${upper}_RATE_LIMITER`] = { simple: { limit, period } };
  }
  return { vars, ratelimits };
}

async function startMiniflare({ toml, script, persistTo, credentials, port, database, rateLimits, onLog }) {
  const { Miniflare } = await import("miniflare");
  const limits = rateLimitConfig(toml, rateLimits);
  const mf = new Miniflare({
    host: "127.0.0.1",
    port,
    modules: true,
    scriptPath: script,
    modulesRoot: dirname(script),
    modulesRules: [{ type: "CompiledWasm", include: ["**/*.wasm"], fallthrough: true }],
    compatibilityDate: tomlValue(toml, "compatibility_date"),
    // The database wrangler's --persist-to keeps, so the CLI and SQL helpers see it.
    d1Databases: database ? { DB: tomlValue(toml, "database_id") } : {},
    d1Persist: join(persistTo, "v3", "d1"),
    bindings: { ...limits.vars, ...(credentials ? { DEMO_CREDENTIALS: JSON.stringify(credentials) } : {}) },
    ratelimits: limits.ratelimits,
    handleRuntimeStdio(stdout, stderr) {
      stdout.on("data", (d) => onLog(String(d)));
      stderr.on("data", (d) => onLog(String(d)));
    },
  });
  let ready;
  try {
    ready = await mf.ready;
  } catch (e) {
    throw new Error(`the Worker did not start: ${e.message}`, { cause: e });
  }
  return { url: ready.origin, stop: () => mf.dispose() };
}

async function startWrangler({ toml, script, workDir, persistTo, credentials, port, onLog }) {
  const config = join(workDir, "wrangler.toml");
  await writeFile(
    config,
    toml
      .replace(/^main = .*$/m, `main = ${JSON.stringify(script)}`)
      .replace(/^directory = "www"$/m, `directory = ${JSON.stringify(join(root, "www"))}`)
      .replace(/^migrations_dir = .*$/m, `migrations_dir = ${JSON.stringify(join(root, "migrations"))}`),
  );
  const args = ["dev", "--config", config, "--local", "--ip", "127.0.0.1", "--port", String(port), "--persist-to", persistTo, "--show-interactive-dev-session=false"];
  if (credentials) args.push("--var", `DEMO_CREDENTIALS:${JSON.stringify(credentials)}`);
  // A registry of its own, so that no other `wrangler dev` on this machine binds to it.
  const childEnv = { ...env, WRANGLER_REGISTRY_PATH: join(workDir, "registry") };
  const child = spawn(wrangler, args, { cwd: root, env: childEnv, stdio: ["ignore", "pipe", "pipe"], detached: true });
  child.stdout.on("data", (d) => onLog(String(d)));
  child.stderr.on("data", (d) => onLog(String(d)));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited with ${child.exitCode}`);
    try {
      const res = await fetch(`${url}/dev/ready-probe`);
      await res.arrayBuffer();
      break;
    } catch {
      if (Date.now() > deadline) throw new Error("wrangler dev did not start within 60 s");
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  return {
    url,
    async stop() {
      try {
        process.kill(-child.pid, "SIGTERM");
      } catch {}
      await new Promise((r) => (child.exitCode !== null ? r() : child.once("exit", r)));
    },
  };
}
