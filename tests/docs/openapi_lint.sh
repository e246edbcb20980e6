#!/usr/bin/env bash
# Lints docs/openapi.yaml with Redocly CLI (tools/openapi/redocly.yaml: recommended-strict, so any
# problem is an error) and validates every example in it against its schema with Ajv
# (openapi_static_examples.mjs). The npm tools are installed into TOOLS_DIR (a build directory).
#
#   tests/docs/openapi_lint.sh TOOLS_DIR
#
# Exit status: 0 clean, 1 a lint or example problem, 77 node or npm absent (ctest: skipped).
set -euo pipefail

if [ $# -ne 1 ]; then
  echo "usage: $0 TOOLS_DIR" >&2
  exit 2
fi
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
tools_dir="$(mkdir -p "$1" && cd "$1" && pwd)"
spec="$root/docs/openapi.yaml"

rc=0
"$here/openapi_tools.sh" "$tools_dir" || rc=$?
[ "$rc" -eq 0 ] || exit "$rc"

# No usage reports or update checks leave the machine.
export REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true NO_UPDATE_NOTIFIER=1

status=0
echo "== redocly lint (tools/openapi/redocly.yaml)"
if ! "$tools_dir/node_modules/.bin/redocly" lint --config "$root/tools/openapi/redocly.yaml" \
     --format stylish "$spec"; then
  echo "FAIL: redocly lint reported problems in docs/openapi.yaml"
  status=1
fi

echo "== examples against their schemas (ajv)"
if ! node "$here/openapi_static_examples.mjs" --tools "$tools_dir" --spec "$spec"; then
  echo "FAIL: an example of docs/openapi.yaml does not match the spec"
  status=1
fi
exit "$status"
