#!/usr/bin/env bash
# Runs every example request of docs/openapi.yaml against a live `ocspd --demo` and checks each
# answer against the spec (openapi_examples.mjs).
#
#   tests/docs/openapi_live.sh OCSPD TOOLS_DIR
#
# OCSPD is the ocspd binary; TOOLS_DIR the npm tools directory of openapi_lint.sh (installed here
# when missing). The demo runs in a temporary state directory, on free loopback ports, with two
# users made beforehand: admin (role admin) and viewer (role db_viewer, for the 403 examples).
# The examples go to its plain HTTP listener; then the daemon is stopped with SIGTERM and must
# exit 0. Exit status: 0 all examples passed, 1 a failure, 77 node or npm absent (ctest: skipped).
set -euo pipefail

if [ $# -ne 2 ]; then
  echo "usage: $0 OCSPD TOOLS_DIR" >&2
  exit 2
fi
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ocspd="$1"
tools_dir="$(mkdir -p "$2" && cd "$2" && pwd)"

rc=0
"$here/openapi_tools.sh" "$tools_dir" || rc=$?
[ "$rc" -eq 0 ] || exit "$rc"
if [ ! -x "$ocspd" ]; then
  echo "error: $ocspd is not an executable (build the ocspd target first)" >&2
  exit 1
fi

work="$(mktemp -d "${TMPDIR:-/tmp}/openapi-live.XXXXXX")"
daemon_pid=""
cleanup() {
  if [ -n "$daemon_pid" ] && kill -0 "$daemon_pid" 2>/dev/null; then
    kill -TERM "$daemon_pid" 2>/dev/null || true
    wait "$daemon_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

state="$work/state"
admin_password="openapi-admin-$RANDOM$RANDOM"
viewer_password="openapi-viewer-$RANDOM$RANDOM"
printf '%s\n' "$admin_password" >"$work/admin.pw"
printf '%s\n' "$viewer_password" >"$work/viewer.pw"
"$ocspd" user add admin --role admin --password-file "$work/admin.pw" --state-dir "$state"
"$ocspd" user add viewer --role db_viewer --password-file "$work/viewer.pw" --state-dir "$state"

# The demo's responder needs a fixed port (it is written into the proxy certificate): a free one.
responder_port="$(node -e '
  const s = require("net").createServer().listen(0, "127.0.0.1", () => {
    console.log(s.address().port);
    s.close();
  });')"

OCSPD_ADMIN_PASSWORD="$admin_password" "$ocspd" --demo --state-dir "$state" \
  --responder-port "$responder_port" --https-listen 127.0.0.1:0 --http-listen 127.0.0.1:0 \
  >"$work/ocspd.out" 2>&1 &
daemon_pid=$!

for _ in $(seq 1 300); do
  grep -q '^ocspd: ready$' "$work/ocspd.out" && break
  if ! kill -0 "$daemon_pid" 2>/dev/null; then
    echo "error: ocspd --demo exited before it was ready:" >&2
    cat "$work/ocspd.out" >&2
    exit 1
  fi
  sleep 0.1
done
if ! grep -q '^ocspd: ready$' "$work/ocspd.out"; then
  echo "error: ocspd --demo did not print 'ocspd: ready' within 30 s:" >&2
  cat "$work/ocspd.out" >&2
  exit 1
fi
http_port="$(sed -n 's/^ocspd: http listening on 127\.0\.0\.1:\([0-9][0-9]*\)$/\1/p' "$work/ocspd.out")"
if [ -z "$http_port" ]; then
  echo "error: no 'ocspd: http listening on 127.0.0.1:PORT' line:" >&2
  cat "$work/ocspd.out" >&2
  exit 1
fi
echo "ocspd --demo: http on 127.0.0.1:$http_port, responder on 127.0.0.1:$responder_port"

status=0
node "$here/openapi_examples.mjs" --tools "$tools_dir" --base-url "http://127.0.0.1:$http_port" \
  --user admin --password "$admin_password" --viewer-user viewer --viewer-password "$viewer_password" || status=$?

kill -TERM "$daemon_pid"
daemon_rc=0
wait "$daemon_pid" || daemon_rc=$?
daemon_pid=""
if [ "$daemon_rc" -ne 0 ]; then
  echo "FAIL: ocspd exited with status $daemon_rc after SIGTERM (expected 0)"
  status=1
fi
if [ "$status" -ne 0 ]; then
  echo "--- ocspd output"
  cat "$work/ocspd.out"
fi
exit "$status"
