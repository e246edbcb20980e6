#!/usr/bin/env bash
# End to end: SIGTERM while a request is in flight. The proxy certificate's responder is a listener
# that accepts and never answers, so POST /v1/ocsp/test waits for its response_timeout (3 s); ocspd
# gets SIGTERM while it waits, must stop accepting at once, still send that request its complete
# answer (500 ocsp_query_failed), and exit 0.
#   ocspd_shutdown_test.sh OCSPD MAKE_TEST_PKI
set -euo pipefail
ocspd=$(realpath "$1")
make_pki=$(realpath "$2")
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$(realpath "$0")")/lib.sh"
started=$SECONDS

# The silent responder: prints its port, then one line per connection it accepts (and keeps).
python3 -u - >"$W/silent.log" 2>&1 <<'PY' &
import socket
server = socket.socket()
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind(("127.0.0.1", 0))
server.listen(16)
print(server.getsockname()[1])
held = []
while True:
    connection, _ = server.accept()
    held.append(connection)
    print("accepted")
PY
pids+=($!)
wait_for "$deadline" grep -qE '^[0-9]+$' "$W/silent.log" || { echo "the silent responder did not start"; exit 1; }
silent_port=$(head -n 1 "$W/silent.log")

pki=$W/pki
OCSP_TEST_PORT=$silent_port "$make_pki" "$pki" >"$W/pki.log" 2>&1
export OCSPD_ADMIN_PASSWORD=admin-e2e-password
admin=admin:$OCSPD_ADMIN_PASSWORD
start_ocspd ocspd --state-dir "$W/state" --proxy-cert "$pki/proxy.pem" --issuer-cert "$pki/ca.pem" \
  --http-listen 127.0.0.1:0 --unix-socket "$W/ocspd.sock" --access-log "$W/access.log"

call unix - PUT /v1/ocsp '{"response_timeout":3}'
expect 200 '+"response_timeout":3' "+\"responder_url\":\"http://127.0.0.1:$silent_port/ocsp\""

echo "== POST /v1/ocsp/test in flight, then SIGTERM"
curl -sS --max-time 60 -u "$admin" -X POST -o "$W/post.body" -D "$W/post.headers" -w '%{http_code}' \
  "http://127.0.0.1:$http_port/v1/ocsp/test" >"$W/post.code" 2>"$W/post.err" &
post_pid=$!
pids+=("$post_pid")
wait_for "$deadline" grep -q '^accepted$' "$W/silent.log" || true
check "the query reaches the silent responder" accepted \
  "$(grep -m1 '^accepted$' "$W/silent.log" || echo "no connection")"
check "the POST is in flight when SIGTERM is sent" running "$(process_state "$post_pid")"
kill -TERM "$ocspd_pid"

# Stops accepting at once: while the POST still waits, a new connection is refused.
refused() {
  local rc=0
  curl -sS --max-time 2 -o /dev/null "http://127.0.0.1:$http_port/v1/ocsp" 2>/dev/null || rc=$?
  [ "$rc" = 7 ]
}
wait_for 2 refused || true
refused_now=$(refused && echo refused || echo "not refused")
check "during the shutdown, a new connection is refused" refused "$refused_now"
check "  while the POST still waits for its answer" running "$(process_state "$post_pid")"
check "during the shutdown, the UNIX socket file is gone" absent "$(file_state "$W/ocspd.sock")"

post_rc=0
wait "$post_pid" || post_rc=$?
code=$(cat "$W/post.code") body=$(cat "$W/post.body") headers=$(tr -d '\r' <"$W/post.headers") curl_rc=$post_rc
said="POST /v1/ocsp/test in flight across SIGTERM"
expect 500 '+"error_code":"ocsp_query_failed"' '~^Connection: close$'
check "  curl received the whole answer (curl's exit code)" 0 "$post_rc"
check "  the body is one complete JSON object" valid \
  "$(python3 -c 'import json, sys; json.load(open(sys.argv[1])); print("valid")' "$W/post.body" 2>&1 | tail -n 1)"

await_ocspd ocspd
out=$(cat "$W/ocspd.out")
check_match "ocspd says it is stopping" "^ocspd: stopping \(SIGTERM\)$" "$out"
check_match "ocspd says it stopped" "^ocspd: stopped$" "$out"
check_match "the access log has the POST's answer" \
  '"target":"/v1/ocsp/test","status":500.*"error_code":"ocsp_query_failed"' \
  "$(cat "$W/access.log")"
after_rc=0
curl -sS --max-time 5 -o /dev/null "http://127.0.0.1:$http_port/v1/ocsp" 2>"$W/after.err" || after_rc=$?
check "after the exit, the port refuses connections (curl exit 7)" 7 "$after_rc"

echo "run time: $((SECONDS - started)) s"
finish
