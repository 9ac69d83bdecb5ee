#!/usr/bin/env bash
# Writes the local demo credential files under DIR (the repository root):
#
#   DIR/.wrangler/demo.json  the demo organization's credentials, the JSON object
#                            COMMAND prints (`cargo run -q -p contact-admin -- demo`);
#                            COMMAND runs, in the current directory, only when this
#                            file is missing or empty, so the demo is created once
#   DIR/.dev.vars            DEMO_CREDENTIALS=<that JSON>, which `wrangler dev` hands
#                            to the Worker for the form's development panel
#
# Both hold the demo api key and developer secret, so both are readable and
# writable by their owner only (mode 0600): new files are created under umask 077
# (first as a 0600 temporary file, then renamed into place), and existing ones are
# narrowed to 0600 before anything else happens. Nothing is printed on success;
# the credentials are never printed by this script.
#
# usage: scripts/dev-credentials.sh DIR COMMAND [ARGUMENT...]
set -euo pipefail
if [ "$#" -lt 2 ]; then
  echo "usage: $0 DIR COMMAND [ARGUMENT...]" >&2
  exit 2
fi
dir="$1"
shift
demo="$dir/.wrangler/demo.json"
vars="$dir/.dev.vars"

# Whatever is created from here on is its owner's alone.
umask 077
mkdir -p "$dir/.wrangler"
for file in "$demo" "$vars"; do
  if [ -e "$file" ]; then chmod 600 "$file"; fi
done

tmp=""
trap 'if [ -n "$tmp" ]; then rm -f "$tmp"; fi' EXIT
if [ ! -s "$demo" ]; then
  tmp="$(mktemp "$demo.XXXXXX")"
  "$@" > "$tmp"
  if [ ! -s "$tmp" ]; then
    echo "error: $1 printed no demo credentials; $demo was not written" >&2
    exit 1
  fi
  mv -f "$tmp" "$demo"
  tmp=""
fi

# The form's development panel reads these through GET /dev/demo, which the Worker
# answers only when DEMO_CREDENTIALS is set: .dev.vars is local and never deployed.
tmp="$(mktemp "$vars.XXXXXX")"
printf 'DEMO_CREDENTIALS=%s\n' "$(cat "$demo")" > "$tmp"
mv -f "$tmp" "$vars"
tmp=""
