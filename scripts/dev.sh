#!/usr/bin/env bash
# The README's two commands: `bash scripts/dev.sh start` and `bash scripts/dev.sh test`. Each gets
# a supported Node and pnpm (scripts/toolchain.sh), installs the workspace, and runs
# `pnpm start` (the server on the embedded database) or `pnpm test` (every test).
set -euo pipefail
cd "$(dirname "$0")/.."

case "${1:-}" in
  start | test) ;;
  *) echo "usage: bash scripts/dev.sh start|test" >&2; exit 64 ;;
esac

source scripts/toolchain.sh
use_supported_toolchain
pnpm install --frozen-lockfile
exec pnpm "$1"
