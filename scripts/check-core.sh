#!/usr/bin/env bash
# The generic core without the bot: copies this checkout without bot/ and the root race.config.ts
# (the bot's configuration), then type-checks harness/ and test/ and runs the engine's suite there.
# Fails when the engine, its tests or its CLI need anything of the bot's.
set -euo pipefail
cd "$(dirname "$0")/.."
copy="$(mktemp -d "${TMPDIR:-/tmp}/prh-core-XXXXXX")"
trap 'rm -rf "$copy"' EXIT
git ls-files -z --cached --others --exclude-standard | grep -zv -e '^bot/' -e '^race\.config\.ts$' \
  | xargs -0 cp --parents -t "$copy"
ln -s "$PWD/node_modules" "$copy/node_modules"
cd "$copy"
echo "core check in $copy (bot/ absent)"
npx tsc --noEmit -p tsconfig.core.json
npx vitest run --config vitest.core.config.ts "$@"
