#!/usr/bin/env bash
# `npm run check:typed-client`: examples/typed-client as another app would have it, in a
# directory outside this repository so that nothing can resolve from the server's node_modules:
# its own `npm ci`, the generated API declaration, its type checks (ADR 0021).
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"
declaration="$root/dist/types/app-router.d.ts"

# Regenerate when the declaration is missing or older than the code it is made from.
if [ ! -f "$declaration" ] || [ -n "$(find server shared db scripts/api-types -newer "$declaration" -print -quit)" ]; then
  npm run --silent build:types
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
tar -C examples/typed-client --exclude=./node_modules --exclude=./src/api -cf - . | tar -C "$work" -xf -
cd "$work"
npm ci --no-audit --no-fund --prefer-offline --loglevel=error
API_TYPES="$declaration" npm run --silent api-types
npm run --silent typecheck
