#!/usr/bin/env bash
# Starts everything locally: installs what is missing, builds the Worker and the
# browser module, applies the D1 migrations to the local database, creates the demo
# organization once and prints its credentials, then serves http://127.0.0.1:8787.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
export WRANGLER_SEND_METRICS=false WRANGLER_HIDE_BANNER=true CLOUDFLARE_CF_FETCH_ENABLED=false
port="${PORT:-8787}"

SETUP_FUZZ=0 SETUP_BROWSER=0 bash scripts/setup.sh
bash scripts/build-worker.sh --local
if [ -f scripts/build-npm.sh ]; then bash scripts/build-npm.sh; fi
node_modules/.bin/wrangler d1 migrations apply DB --local >&2

# .wrangler/demo.json (the demo organization, created once) and .dev.vars (which
# hands it to the form's development panel), both mode 0600.
bash scripts/dev-credentials.sh "$root" cargo run -q -p contact-admin -- demo
demo=.wrangler/demo.json

echo
echo "Demo credentials (local database only):"
cat "$demo"
echo
echo "Form:     http://127.0.0.1:$port/"
echo "Endpoint: http://127.0.0.1:$port/apis/v2/public/crm/addContactsFull"
echo
exec node_modules/.bin/wrangler dev --local --ip 127.0.0.1 --port "$port"
