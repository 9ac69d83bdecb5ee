// Prints the table of the core's criterion benchmark (crates/contact-core/benches/
// validation.rs) from target/criterion, with the ratio of each workload to the
// serde_json floor; with `--callgrind floor=I,check=I,render=I` (instructions per
// payload, from run.sh), the same ratios in instructions, which other load on the
// machine does not move.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { root } from "../../tests/support/server.mjs";
import { printTable } from "./table.mjs";

const PAYLOADS = JSON.parse(readFileSync(join(root, "benches/corpus/requests.json"), "utf8")).items.length;
const dir = join(root, "target", "criterion", "corpus");
if (!existsSync(dir)) {
  console.error("criterion-table: no results in target/criterion/corpus (cargo bench -p contact-core --bench validation)");
  process.exit(1);
}
const results = readdirSync(dir)
  .filter((d) => existsSync(join(dir, d, "new", "estimates.json")))
  .map((d) => {
    const bench = JSON.parse(readFileSync(join(dir, d, "new", "benchmark.json"), "utf8"));
    const est = JSON.parse(readFileSync(join(dir, d, "new", "estimates.json"), "utf8"));
    return { name: bench.function_id, ns: est.median.point_estimate / PAYLOADS, lo: est.median.confidence_interval.lower_bound / PAYLOADS, hi: est.median.confidence_interval.upper_bound / PAYLOADS };
  });
const order = ["floor", "parse_body + check", "parse_body + check + render", "check alone"];
results.sort((a, b) => order.findIndex((o) => a.name.startsWith(o)) - order.findIndex((o) => b.name.startsWith(o)) || a.name.length - b.name.length);
const floor = results.find((r) => r.name.startsWith("floor"));

const i = process.argv.indexOf("--callgrind");
const instructions = i > 0 ? Object.fromEntries(process.argv[i + 1].split(",").map((kv) => kv.split("=")).map(([k, v]) => [k, Number(v)])) : {};
const key = (name) => (name.startsWith("floor") ? "floor" : name.endsWith("render JSON") ? "render" : name === "parse_body + check" ? "check" : null);

const rows = [["workload (per payload)", "median µs", "95 % CI µs", "payloads/s", "× floor time", "instructions", "× floor instructions"]];
for (const r of results) {
  const k = key(r.name);
  const ins = k && instructions[k];
  rows.push([
    r.name,
    (r.ns / 1000).toFixed(2),
    `${(r.lo / 1000).toFixed(2)}–${(r.hi / 1000).toFixed(2)}`,
    Math.round(1e9 / r.ns).toLocaleString("en-US"),
    (r.ns / floor.ns).toFixed(2),
    ins ? Math.round(ins).toLocaleString("en-US") : "",
    ins ? (ins / instructions.floor).toFixed(2) : "",
  ]);
}
console.log(`\n## The core natively (criterion; ${PAYLOADS} corpus bodies per iteration)\n`);
printTable(rows);
const check = results.find((r) => r.name === "parse_body + check");
const ratio = check.ns / floor.ns;
const insRatio = instructions.check && instructions.floor ? instructions.check / instructions.floor : null;
console.log(`\nAim: validation and normalization within 2× of the serde_json floor: ${ratio.toFixed(2)}× in time${insRatio ? `, ${insRatio.toFixed(2)}× in instructions` : ""} — ${(insRatio ?? ratio) <= 2 ? "met" : "NOT met"}`);
