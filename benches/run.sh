#!/usr/bin/env bash
# Runs every benchmark and prints its table (benches/README.md says what each one
# measures and how to read it). Benchmarks, not tests: they exit 0 whether or not
# an aim is met, and scripts/test.sh never runs them.
#
#   bash benches/run.sh                 # everything, about 8 minutes on two cores
#   LOAD_SECONDS=5 bash benches/run.sh  # shorter load runs
#   ONLY="size core" bash benches/run.sh   # some of: validation core size first load batch
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
export WRANGLER_SEND_METRICS=false WRANGLER_HIDE_BANNER=true CLOUDFLARE_CF_FETCH_ENABLED=false
only="${ONLY:-validation core size first load batch}"
wants() { [[ " $only " == *" $1 "* ]]; }
step() { printf '\n\033[1m== %s\033[0m\n' "$*" >&2; }

step "set-up and builds"
bash scripts/setup.sh >&2
node benches/corpus/generate.mjs --check
# The validation benchmark's floor: the package with one more export, floorContact
# (validateContact's way in and out, no checks). Built first, so the package's own
# build is the one left in target/npm for the size table.
if wants validation; then bash scripts/build-npm.sh --features floor --out target/npm-floor/pkg >&2; fi
if wants validation || wants size || wants first; then bash scripts/build-npm.sh >&2; fi
# The size table breaks the browser module down by crate with twiggy (pinned).
if wants size && ! twiggy --version 2>/dev/null | grep -q 0.8.0; then
  cargo install twiggy --version 0.8.0 --locked >&2
fi
if wants size || wants load; then bash scripts/build-worker.sh >&2; fi
if wants batch; then
  # The batch benchmark runs the Worker as the e2e suites do: the local build, the CLI.
  cargo build -q -p contact-admin >&2
  bash scripts/build-worker.sh --local --out-dir "$root/target/bench-worker-local" >&2
fi

echo "# Benchmarks"
echo
echo "Machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), $(free -g | awk '/^Mem:/ {print $2}') GiB memory; $(uname -sr); Node $(node --version), $(rustc --version | cut -d' ' -f1-2)."
echo "Load average at start: $(cut -d' ' -f1-3 /proc/loadavg) (other work on the machine shares its cores)."

if wants validation; then
  step "validation throughput in Node"
  node benches/node/validation.mjs --seconds "${VALIDATION_SECONDS:-0.25}" --rounds "${VALIDATION_ROUNDS:-20}" --floor target/npm-floor/pkg
fi

if wants core; then
  step "the core natively (criterion)"
  cargo bench -q -p contact-core --bench validation -- --warm-up-time 1 --measurement-time "${CORE_SECONDS:-5}" >&2
  args=()
  if command -v valgrind >/dev/null; then
    # Instructions per payload: exact and repeatable whatever else runs.
    bin="$(cargo bench -q -p contact-core --bench validation --no-run --message-format=json 2>/dev/null \
      | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{for(const l of s.split("\n")){try{const m=JSON.parse(l);if(m.executable&&m.target?.name==="validation")console.log(m.executable)}catch{}}})')"
    count() {
      BENCH_PROFILE="$1" BENCH_LOOPS="$2" valgrind --tool=callgrind --callgrind-out-file=/dev/null "$bin" 2>&1 \
        | sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
    }
    payloads=$(node -e 'console.log(JSON.parse(require("fs").readFileSync("benches/corpus/requests.json","utf8")).items.length)')
    base=$(count floor 0)
    list=""
    for w in floor check render; do
      n=$(count "$w" 3)
      list+="$w=$(( (n - base) / (3 * payloads) )),"
    done
    args=(--callgrind "${list%,}")
  fi
  node benches/node/criterion-table.mjs "${args[@]}"
fi

if wants size; then
  step "sizes"
  node benches/node/size.mjs
fi

if wants first; then
  step "time to the form's first verdict in headless Chromium"
  node benches/node/first-verdict.mjs --runs "${FIRST_RUNS:-15}"
fi

if wants load; then
  step "the Worker under load"
  node benches/node/load.mjs --seconds "${LOAD_SECONDS:-10}" --connections "${LOAD_CONNECTIONS:-10,50}"
fi

if wants batch; then
  step "batches against single requests"
  WORKER_BUILD="$root/target/bench-worker-local" node benches/node/batch.mjs --contacts "${BATCH_CONTACTS:-2000}" --concurrency "${BATCH_CONCURRENCY:-8}"
fi
