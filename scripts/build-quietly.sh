#!/usr/bin/env bash
# Builds a package and what it needs through turbo, silently unless the build fails: for
# `pnpm start`, `pnpm raas` and packing, whose output is the server's, the command's or the
# tarball's alone. Inside a turbo task (TURBO_HASH is set: a test starting `pnpm start`, say) the
# task's own dependencies built it already, and a nested build could rewrite dist/ under tests
# that are reading it: nothing to do.
set -uo pipefail
[ -z "${TURBO_HASH:-}" ] || exit 0
cd "$(dirname "$0")/.."
output=$(TURBO_TELEMETRY_DISABLED=1 turbo run build --filter="$1" --output-logs=errors-only 2>&1)
status=$?
[ "$status" -eq 0 ] || printf '%s\n' "$output" >&2
exit "$status"
