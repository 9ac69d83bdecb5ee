// Starts the real Worker under `wrangler dev` with a fresh local D1 database of its
// own: migrations applied, the demo organization provisioned by the real CLI. Tests
// get its URL, the demo credentials, the CLI and SQL access to the same database.
import { spawn, execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
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
 * Starts a server. Options: `demo` (default true) provisions the demo organization.
 * Answers { url, endpoint, persistTo, demo, admin(...args), sql(query), post(body, headers), stop() }.
 */
export async function startServer({ demo = true } = {}) {
  const persistTo = await mkdtemp(join(tmpdir(), "contact-d1-"));
  await run(wrangler, ["d1", "migrations", "apply", "DB", "--local", "--persist-to", persistTo], { cwd: root, env });
  const credentials = demo ? await adminCli(persistTo, "demo") : null;
  const port = await freePort();
  const args = ["dev", "--local", "--ip", "127.0.0.1", "--port", String(port), "--persist-to", persistTo, "--show-interactive-dev-session=false"];
  if (credentials) args.push("--var", `DEMO_CREDENTIALS:${JSON.stringify(credentials)}`);
  const child = spawn(wrangler, args, { cwd: root, env, stdio: ["ignore", "pipe", "pipe"], detached: true });
  let log = "";
  child.stdout.on("data", (d) => (log += d));
  child.stderr.on("data", (d) => (log += d));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited:\n${log}`);
    try {
      const res = await fetch(`${url}/healthz-probe`);
      await res.arrayBuffer();
      break;
    } catch {
      if (Date.now() > deadline) throw new Error(`wrangler dev did not start:\n${log}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  return {
    url,
    endpoint: url + ENDPOINT,
    persistTo,
    demo: credentials,
    log: () => log,
    admin: (...a) => adminCli(persistTo, ...a),
    sql: (q) => sql(persistTo, q),
    sqlAll: (q) => sqlAll(persistTo, q),
    /** POSTs a JSON body (object or text) to the endpoint; answers { status, headers, body }. */
    async post(body, headers = {}) {
      const res = await fetch(url + ENDPOINT, {
        method: "POST",
        headers: { "content-type": "application/json", ...headers },
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
    async stop() {
      try {
        process.kill(-child.pid, "SIGTERM");
      } catch {}
      await new Promise((r) => (child.exitCode !== null ? r() : child.once("exit", r)));
      await rm(persistTo, { recursive: true, force: true });
    },
  };
}
