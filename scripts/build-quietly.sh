#!/usr/bin/env bash
# Builds a package and what it needs through turbo, silently unless the build fails: for
# `pnpm start` and `pnpm raas`, whose output is the server's or the command's alone.
set -uo pipefail
output=$(TURBO_TELEMETRY_DISABLED=1 turbo run build --filter="$1" --output-logs=errors-only 2>&1)
status=$?
[ "$status" -eq 0 ] || printf '%s\n' "$output" >&2
exit "$status"
