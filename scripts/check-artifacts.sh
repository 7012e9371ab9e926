#!/usr/bin/env bash
# The shipped artifacts as a user gets them: packed from a clean clone of the committed tree
# (nothing built beforehand), installed into empty projects outside the monorepo with npm alone.
#   - the server: `npx raas-customers serve` starts a sandbox on SQLite under the working
#     directory, the README's curl session runs against it, and the operator commands work;
#   - the client: imports as ESM and CommonJS, with its types.
# Run by CI after the tests; everything it starts is stopped, and its folder removed, on any exit.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
source "$repo/scripts/toolchain.sh"
use_supported_toolchain

work=$(mktemp -d "${TMPDIR:-/tmp}/raas-artifacts-XXXXXX")
server_pid=
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

echo "artifacts: packing from a clean clone of $(git -C "$repo" rev-parse --short HEAD)"
git clone --quiet --no-hardlinks "$repo" "$work/clone"
(cd "$work/clone" && pnpm install --frozen-lockfile --silent >/dev/null)
# `pack` builds first (each package's prepack), as a user's first `pnpm pack` on a fresh clone would.
(cd "$work/clone" && pnpm --silent --filter @raas-customers/server pack --pack-destination "$work/tarballs" >/dev/null)
(cd "$work/clone" && pnpm --silent --filter @raas-customers/client pack --pack-destination "$work/tarballs" >/dev/null)
server_tgz=$(ls "$work"/tarballs/raas-customers-server-*.tgz)
client_tgz=$(ls "$work"/tarballs/raas-customers-client-*.tgz)
tar -tzf "$server_tgz" >"$work/server.files" && grep -qx 'package/dist/bundle/raas-customers.js' "$work/server.files"
tar -tzf "$client_tgz" >"$work/client.files" && grep -qx 'package/dist/index.cjs' "$work/client.files"

echo "artifacts: the server, installed with npm into an empty project"
mkdir "$work/server-app"
cd "$work/server-app"
npm init --yes >/dev/null
npm install --no-fund --no-audit --loglevel=error "$server_tgz" >/dev/null
npx --no-install raas-customers --help >/dev/null
# The installed bin itself (npx would stand between it and the signal below).
PORT=0 node_modules/.bin/raas-customers serve >"$work/server.out" 2>"$work/server.err" &
server_pid=$!
for attempt in $(seq 1 600); do
  grep -q 'listening on' "$work/server.err" && break
  if ! kill -0 "$server_pid" 2>/dev/null || [ "$attempt" = 600 ]; then
    echo "artifacts: the installed server did not start:" >&2
    cat "$work/server.err" >&2
    exit 1
  fi
  sleep 0.1
done
RAAS_URL=$(grep -o 'listening on http://[^ ]*' "$work/server.err" | cut -d' ' -f3)
RAAS_PLATFORM_NAME=$(awk '/platform name:/ { print $3 }' "$work/server.err")
RAAS_PLATFORM_KEY=$(awk '/platform key:/ { print $3 }' "$work/server.err")
export RAAS_URL RAAS_PLATFORM_NAME RAAS_PLATFORM_KEY
[ -f data/raas.db ] || { echo "artifacts: no database under the working directory" >&2; exit 1; }
# The README's curl session, exactly as printed there.
sed -n '/<!-- readme-session/,/<!-- \/readme-session -->/p' "$repo/README.md" | sed -n '/^```sh$/,/^```$/p' | sed '1d;$d' >"$work/session.sh"
bash -euo pipefail "$work/session.sh" >"$work/session.out"
grep -q '"customerIdentifier":"acme-retail-us"' "$work/session.out"
# It funded an account and moved money: the last answer is the first account, holding 75.00.
tail -n 1 "$work/session.out" | grep -q '"currentBalance":75,'
npx --no-install raas-customers ledger verify >"$work/ledger.out" && grep -q 'every balance matches' "$work/ledger.out"
curl --fail -sS -o "$work/docs.html" "${RAAS_URL%/raas/v2}/docs/" && grep -q '<title>' "$work/docs.html"
npx --no-install raas-customers platform list >"$work/platforms.out" && grep -q "^$RAAS_PLATFORM_NAME" "$work/platforms.out"
# stdout carries only JSON lines.
node -e 'for (const l of require("fs").readFileSync(process.argv[1], "utf8").split("\n").filter(Boolean)) JSON.parse(l)' "$work/server.out"
kill "$server_pid"
wait "$server_pid" # SIGTERM: a graceful stop exits 0
server_pid=

echo "artifacts: the client, installed with npm into an empty project (ESM, CommonJS, types)"
mkdir "$work/client-app"
cd "$work/client-app"
npm init --yes >/dev/null
npm install --no-fund --no-audit --loglevel=error "$client_tgz" >/dev/null
node --input-type=module -e "import { createRaasClient } from '@raas-customers/client'; if (typeof createRaasClient !== 'function') process.exit(1);"
node -e "const { createRaasClient } = require('@raas-customers/client'); if (typeof createRaasClient !== 'function') process.exit(1);"
# Its types, as a TypeScript project resolves them (NodeNext, strict): a wrong path is a compile error.
npm install --no-fund --no-audit --loglevel=error typescript@5.9.3 >/dev/null
cat >check.mts <<'TS'
import { createRaasClient, type RaasClient } from '@raas-customers/client';
const client: RaasClient = createRaasClient({ baseUrl: 'http://127.0.0.1:3000/raas/v2', platformName: 'p', platformKey: 'k' });
export const pending: Promise<unknown> = client.GET('/customers/{customerIdentifier}', { params: { path: { customerIdentifier: 'acme-retail-us' } } });
TS
npx --no-install tsc --noEmit --strict --target es2022 --module nodenext --moduleResolution nodenext check.mts
echo "artifacts: server and client work outside the monorepo"
