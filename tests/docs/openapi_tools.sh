#!/usr/bin/env bash
# Installs the npm tools of tools/openapi/ (Redocly CLI, ajv, ajv-formats, yaml) into TOOLS_DIR,
# a directory of the build tree, with `npm ci` from the committed package-lock.json. Nothing is
# written to the source tree. A second call with the same package.json and lock does nothing.
#
#   tests/docs/openapi_tools.sh TOOLS_DIR
#
# Exit status: 0 installed (or already), 77 when node or npm is absent (ctest: skipped), 1 when
# npm ci failed (its log is printed).
set -euo pipefail

if [ $# -ne 1 ]; then
  echo "usage: $0 TOOLS_DIR" >&2
  exit 2
fi
src="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/tools/openapi"
tools_dir="$1"

for cmd in node npm; do
  if ! command -v "$cmd" >/dev/null 2>&1; then
    echo "SKIP: $cmd is not installed (scripts/install-deps installs nodejs and npm)"
    exit 77
  fi
done

stamp="$(cat "$src/package.json" "$src/package-lock.json" | sha256sum | cut -d' ' -f1)"
if [ -f "$tools_dir/.installed" ] && [ "$(cat "$tools_dir/.installed")" = "$stamp" ] \
   && [ -x "$tools_dir/node_modules/.bin/redocly" ]; then
  exit 0
fi

echo "openapi tools: npm ci into $tools_dir"
tmp="$tools_dir.tmp.$$"
rm -rf "$tmp"
mkdir -p "$tmp"
trap 'rm -rf "$tmp"' EXIT
cp "$src/package.json" "$src/package-lock.json" "$tmp/"
# --ignore-scripts: none of these packages needs an install script (core-js's only prints a banner).
if ! (cd "$tmp" && npm ci --no-audit --no-fund --ignore-scripts --prefer-offline >npm-ci.log 2>&1); then
  echo "error: npm ci failed in $tmp (the npm registry must be reachable, or the packages cached):" >&2
  cat "$tmp/npm-ci.log" >&2
  exit 1
fi
echo "$stamp" >"$tmp/.installed"
rm -rf "$tools_dir"
mv "$tmp" "$tools_dir"
echo "openapi tools: installed $(node -p 'require(process.argv[1]).version' "$tools_dir/node_modules/@redocly/cli/package.json" | sed 's/^/@redocly\/cli /')"
