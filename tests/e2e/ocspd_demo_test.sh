#!/usr/bin/env bash
# End to end: `ocspd --demo` as a user would run it: its own PKI and `openssl ocsp` responder, OCSP
# enabled, the four requests over the UNIX socket and HTTPS, the status turning GOOD, the stapled
# response, and a clean SIGTERM that leaves no responder behind.
#   ocspd_demo_test.sh OCSPD
set -euo pipefail
ocspd=$(realpath "$1")
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$(realpath "$0")")/lib.sh"
started=$SECONDS

demo=$W/demo
responder_port=$(free_port)
export OCSPD_ADMIN_PASSWORD=admin-e2e-password
admin=admin:$OCSPD_ADMIN_PASSWORD
start_ocspd demo --demo --state-dir "$demo" --responder-port "$responder_port" \
  --https-listen 127.0.0.1:0 --http-listen 127.0.0.1:0 --access-log "$W/access.log"
out=$(cat "$W/demo.out")
check_match "the demo generates its PKI" "^ocspd: demo: generated the PKI in $demo/demo-pki$" "$out"
check_match "the demo starts its responder" "^ocspd: demo: responder \(openssl ocsp\) on port $responder_port$" "$out"
check_match "the demo prints curl commands to try" "curl --unix-socket $demo/ocspd.sock" "$out"
missing=""
for f in root.pem issuer.pem proxy.pem proxy.key signer.pem signer.key index.txt; do
  [ -s "$demo/demo-pki/$f" ] || missing+=" $f"
done
check "the demo PKI's files" "all there" "${missing:-all there}"
responder_pid=$(sed -n 's/^ACCEPT .* PID=\([0-9]*\).*/\1/p' "$demo/demo-pki/responder.log" | head -n 1)
check "the responder (pid ${responder_pid:-unknown}) runs" running "$(process_state "$responder_pid")"

echo "== over the UNIX socket (this user: admin)"
check "the socket is where the demo says" "$demo/ocspd.sock" "$unix_path"
call unix - GET /v1/ocsp
expect 200 '+"ocsp_functionality":true' "+\"responder_url\":\"http://127.0.0.1:$responder_port/\""
# The first query runs at start-up.
poll_status unix - '"cert_status":"GOOD"'
said+=" (polled until the first query's answer)"
expect 200 '+"cert_status":"GOOD"' +produced_at +this_update -revocation_time
call unix - POST /v1/ocsp/test
expect 200 '+"cert_status":"GOOD"' +produced_at
call unix - PUT /v1/ocsp '{"query_frequency":600}'
expect 200 '+"query_frequency":600' '+"ocsp_functionality":true'

echo "== over HTTPS (verified with the demo root)"
tls_name=localhost
tls_ca=$demo/demo-pki/root.pem
call https "$admin" GET /v1/ocsp
expect 200 '+"query_frequency":600'
call https "$admin" GET /v1/ocsp/status
expect 200 '+"cert_status":"GOOD"' +produced_at
call https "$admin" POST /v1/ocsp/test
expect 200 '+"cert_status":"GOOD"' +produced_at
call https "$admin" PUT /v1/ocsp '{"query_frequency":900}'
expect 200 '+"query_frequency":900'
call https - GET /v1/ocsp
expect 401 '+"error_code":"unauthorized"' '~^WWW-Authenticate: Basic realm="ocsp"$'
call http "$admin" GET /v1/ocsp
expect 200 '+"query_frequency":900'

openssl s_client -connect "127.0.0.1:$https_port" -servername localhost -status -CAfile "$tls_ca" \
  </dev/null >"$W/s_client.txt" 2>&1 || true
staple=$(cat "$W/s_client.txt")
check_match "s_client: a stapled response" "OCSP Response Status: successful" "$staple"
check_match "s_client: the stapled status" "Cert Status: good" "$staple"
check_match "s_client: the chain verifies with the demo root" "Verify return code: 0 \(ok\)" "$staple"

echo "== SIGTERM"
stop_ocspd demo
wait_for "$deadline" not_running "$responder_pid" || true
check "the responder (pid $responder_pid) exits with ocspd" exited "$(process_state "$responder_pid")"
left=$(pgrep -af "openssl ocsp .*-port $responder_port( |$)" || true)
check "no openssl ocsp process is left for port $responder_port" none "${left:-none}"
after_rc=0
curl -sS --max-time 5 -o /dev/null "http://127.0.0.1:$responder_port/" 2>/dev/null || after_rc=$?
check "the responder's port refuses connections (curl exit 7)" 7 "$after_rc"

echo "run time: $((SECONDS - started)) s"
finish
