#!/usr/bin/env bash
# Installs the pinned packages (package-lock.json: libsignal 6.0.0, curve25519-js 0.0.4,
# protobufjs 7.6.6 and its helpers) into node_modules beside this script with `npm ci`.
# Idempotent: returns at once when node_modules already holds exactly this package-lock.json.
# Needs Node >= 18 and npm (tested: Node 20.20.2, npm 11.19.1). npm 11 does not run protobufjs's
# postinstall script; nothing needs it.
set -euo pipefail
DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
STAMP="$DIR/node_modules/.package-lock.sha256"
WANT="$(cat "$DIR/package.json" "$DIR/package-lock.json" | sha256sum | cut -d' ' -f1)"
if [[ -f "$STAMP" && "$(cat "$STAMP")" == "$WANT" && -f "$DIR/node_modules/libsignal/package.json" ]]; then
    exit 0
fi
(cd "$DIR" && npm ci --no-audit --no-fund --loglevel=error)
(cd "$DIR" && node -e "const v=require('libsignal/package.json').version; if (v !== '6.0.0') throw new Error('libsignal ' + v); require('libsignal'); require('curve25519-js')")
echo "$WANT" > "$STAMP"
echo "libsignal-node: $DIR/node_modules ready" >&2
