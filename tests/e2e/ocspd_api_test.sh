#!/usr/bin/env bash
# End to end: the real ocspd against a real `openssl ocsp` responder, driven over HTTPS, plain HTTP
# and the UNIX socket with curl, and `openssl s_client` for the stapled response.
#   ocspd_api_test.sh OCSPD MAKE_TEST_PKI
# Covers: the four requests on every transport (and the PUT surviving a restart), GOOD then
# REVOKED after a revocation, stapling, the role matrix, 401/404/405/413/431/400 and the order of
# the checks, keep-alive, SIGHUP replacing the proxy certificate, the socket's mode and uid roles.
set -euo pipefail
ocspd=$(realpath "$1")
make_pki=$(realpath "$2")
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$(realpath "$0")")/lib.sh"
started=$SECONDS

# --- The PKI (its AIA names the responder's port) and the responder -------------------------------
responder_port=$(free_port)
pki=$W/pki
OCSP_TEST_PORT=$responder_port "$make_pki" "$pki" >"$W/pki.log" 2>&1
responder_url="http://127.0.0.1:$responder_port/ocsp"
# A second proxy certificate for the SIGHUP part: same CA, key, DNS name (SAN) and responder.
issue_leaf "$pki" proxy2 "/O=libocsp tests/CN=proxy2.test" "basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=serverAuth
subjectAltName=DNS:proxy.test
authorityInfoAccess=OCSP;URI:$responder_url" "$pki/proxy.key"
{ index_line V "$pki/proxy.pem"; index_line V "$pki/proxy2.pem"; } >"$pki/index.txt"
start_responder "$pki" "$responder_port"

# What ocspd is given: the proxy certificate, and the HTTPS chain (proxy + CA) so stapling applies.
live=$W/live
mkdir -p "$live"
cp "$pki/proxy.pem" "$live/proxy.pem"
cat "$pki/proxy.pem" "$pki/ca.pem" >"$live/chain.pem"
tls_name=proxy.test
tls_ca=$pki/ca.pem

# The socket directory: traversable by every user (the uid part connects as nobody).
chmod 711 "$W"
mkdir -m 711 "$W/sock"
state=$W/state
admin_pw="admin-e2e-password"
export OCSPD_ADMIN_PASSWORD=$admin_pw
admin=admin:$admin_pw
main_args=(--state-dir "$state" --proxy-cert "$live/proxy.pem" --issuer-cert "$pki/ca.pem"
  --https-listen 127.0.0.1:0 --tls-cert "$live/chain.pem" --tls-key "$pki/proxy.key"
  --http-listen 127.0.0.1:0 --unix-socket "$W/sock/ocspd.sock" --access-log "$W/access.log")

echo "== 1. the four requests over HTTPS, HTTP and the UNIX socket"
start_ocspd ocspd "${main_args[@]}"
check_match "ocspd prints its listeners" "^ocspd: https listening on 127.0.0.1:[0-9]+$" "$(cat "$W/ocspd.out")"
check "the UNIX socket's mode" 660 "$(stat -c %a "$unix_path")"

call https "$admin" GET /v1/ocsp
expect 200 '+"ocsp_functionality":false' "+\"responder_url\":\"$responder_url\"" '+"query_frequency":3600'
call https "$admin" GET /v1/ocsp/status
expect 200 '+"cert_status":"UNKNOWN"' -produced_at -this_update
call https "$admin" POST /v1/ocsp/test
expect 200 '+"cert_status":"GOOD"' +produced_at +this_update +next_update -revocation_time
call https "$admin" GET /v1/ocsp/status
said+=" (OCSP disabled: the test was not cached)"
expect 200 '+"cert_status":"UNKNOWN"' -produced_at
call https "$admin" PUT /v1/ocsp '{"ocsp_functionality":true}'
expect 200 '+"ocsp_functionality":true' '+"query_frequency":3600'
call https "$admin" GET /v1/ocsp
expect 200 '+"ocsp_functionality":true'

call http "$admin" GET /v1/ocsp
expect 200 '+"ocsp_functionality":true'
call http "$admin" PUT /v1/ocsp '{"query_frequency":600}'
expect 200 '+"query_frequency":600' '+"ocsp_functionality":true'
call http "$admin" GET /v1/ocsp
expect 200 '+"query_frequency":600'
call http "$admin" POST /v1/ocsp/test
expect 200 '+"cert_status":"GOOD"' +produced_at
call http "$admin" GET /v1/ocsp/status
said+=" (OCSP enabled: cached)"
expect 200 '+"cert_status":"GOOD"' +produced_at +this_update

call unix - GET /v1/ocsp
expect 200 '+"query_frequency":600'
call unix - PUT /v1/ocsp '{"recovery_max_tries":7,"response_timeout":5}'
expect 200 '+"recovery_max_tries":7' '+"response_timeout":5' '+"query_frequency":600'
call unix - GET /v1/ocsp
expect 200 '+"recovery_max_tries":7'
call unix - GET /v1/ocsp/status
expect 200 '+"cert_status":"GOOD"' +produced_at
call unix - POST /v1/ocsp/test
expect 200 '+"cert_status":"GOOD"' +produced_at

echo "== 6. the stapled response (openssl s_client -status)"
s_client() {
  openssl s_client -connect "127.0.0.1:$https_port" -servername "$tls_name" -status -CAfile "$pki/ca.pem" \
    </dev/null >"$W/s_client.txt" 2>&1 || true
}
stapled() {  # STATUS
  s_client
  grep -q "Cert Status: $1" "$W/s_client.txt"
}
wait_for "$deadline" stapled good || true
staple=$(cat "$W/s_client.txt")
check_match "s_client: the handshake staples a response" "OCSP Response Status: successful" "$staple"
check_match "s_client: the stapled status" "Cert Status: good" "$staple"
check_match "s_client: for the proxy certificate" "Serial Number: $(serial_of "$pki/proxy.pem")" "$staple"
check_match "s_client: the chain verifies with the CA" "Verify return code: 0 \(ok\)" "$staple"

echo "== 1. revocation: the responder's index says R"
{ index_line R "$pki/proxy.pem"; index_line V "$pki/proxy2.pem"; } >"$pki/index.new"
mv "$pki/index.new" "$pki/index.txt"
# openssl ocsp looks at its index before it accepts the next connection: one request to pass it.
openssl ocsp -issuer "$pki/ca.pem" -cert "$pki/proxy.pem" -url "$responder_url" -noverify \
  >"$W/throwaway.txt" 2>&1 || true
call https "$admin" POST /v1/ocsp/test
expect 200 '+"cert_status":"REVOKED"' +revocation_time +produced_at
call http "$admin" GET /v1/ocsp/status
expect 200 '+"cert_status":"REVOKED"' +revocation_time
wait_for "$deadline" stapled revoked || true
check_match "s_client after the revocation: the stapled status" "Cert Status: revoked" "$(cat "$W/s_client.txt")"
check_match "s_client after the revocation: with its time" "Revocation Time:" "$(cat "$W/s_client.txt")"

echo "== 1. the configuration survives a restart; users are added while ocspd is stopped"
config_before=$(call unix - GET /v1/ocsp && echo "$body")
locked_rc=0
"$ocspd" user add early --role admin --state-dir "$state" <<<"early-password" >"$W/locked.txt" 2>&1 || locked_rc=$?
# (The interface notes say the error reads "state directory locked"; ocspd words it "... is in use by
# another process (it holds .../lock)". Either is accepted: the point is the refusal.)
check_match "ocspd user add while the daemon runs: refused" \
  "^exit [1-9][0-9]*: .*(state directory locked|in use by another process)" \
  "exit $locked_rc: $(cat "$W/locked.txt")" "a non-zero exit, the state directory is locked"
stop_ocspd ocspd
check "the UNIX socket file is removed at exit" absent "$(file_state "$unix_path")"
roles=(none db_viewer db_member cluster_viewer cluster_member user_manager admin)
for role in "${roles[@]}"; do
  rc=0
  "$ocspd" user add "u_$role" --role "$role" --state-dir "$state" <<<"pw-$role-e2e" >"$W/user.txt" 2>&1 || rc=$?
  check_match "ocspd user add u_$role --role $role (password on stdin)" "^exit 0: .*added user u_$role" \
    "exit $rc: $(cat "$W/user.txt")" "exit 0, added"
done
check_match "ocspd user list: the first admin and the seven users" \
  "^admin"$'\t'"admin$" "$("$ocspd" user list --state-dir "$state" 2>&1)"
check "ocspd user list: eight users" 8 "$("$ocspd" user list --state-dir "$state" 2>&1 | wc -l)"

start_ocspd ocspd "${main_args[@]}"
call unix - GET /v1/ocsp
said+=" after a restart"
check "the configuration after a restart is the one before" "$config_before" "$body"
expect 200 '+"ocsp_functionality":true' '+"query_frequency":600' '+"recovery_max_tries":7' '+"response_timeout":5'
call http "$admin" GET /v1/ocsp/status
said+=" after a restart"
expect 200 '+"cert_status":"REVOKED"' +revocation_time

echo "== 2. the role matrix over HTTP"
for role in "${roles[@]}"; do
  user="u_$role:pw-$role-e2e"
  if [ "$role" = admin ]; then
    call http "$user" GET /v1/ocsp;          expect 200 '+"query_frequency":600'
    call http "$user" PUT /v1/ocsp '{}';     expect 200 '+"query_frequency":600'
    call http "$user" GET /v1/ocsp/status;   expect 200 '+"cert_status":"REVOKED"'
    call http "$user" POST /v1/ocsp/test;    expect 200 '+"cert_status":"REVOKED"'
  else
    call http "$user" GET /v1/ocsp;          expect 403 '+"error_code":"insufficient_permissions"'
    call http "$user" PUT /v1/ocsp '{"query_frequency":900}'
    expect 403 '+"error_code":"insufficient_permissions"'
    call http "$user" GET /v1/ocsp/status;   expect 403 '+"error_code":"insufficient_permissions"'
    call http "$user" POST /v1/ocsp/test;    expect 403 '+"error_code":"insufficient_permissions"'
  fi
done
call https "u_db_viewer:pw-db_viewer-e2e" GET /v1/ocsp/status
expect 403 '+"error_code":"insufficient_permissions"'
call http "$admin" GET /v1/ocsp
said+=" (no 403 PUT changed it)"
expect 200 '+"query_frequency":600'

echo "== 3. authentication, routes, limits, malformed requests, bad bodies"
# Every route and every method, without credentials and with a wrong password: 401, and the
# password is never echoed back.
wrong_secret="wrong-Secret-e2e-7f3a"
for path in /v1/ocsp /v1/ocsp/status /v1/ocsp/test /v1/unknown /; do
  for method in GET PUT POST DELETE PATCH OPTIONS HEAD; do
    head_option=()
    body_check='+"error_code":"unauthorized"'
    put_body='{"query_frequency":61}'
    if [ "$method" = HEAD ]; then head_option=(--head); body_check='-error_code'; put_body=""; fi
    call http - "$method" "$path" "" "${head_option[@]}"
    expect 401 "$body_check" '~^WWW-Authenticate: Basic realm="ocsp"$'
    call http "admin:$wrong_secret" "$method" "$path" "$put_body" "${head_option[@]}"
    said+=" (wrong password)"
    expect 401 "$body_check" "-$wrong_secret" '~^WWW-Authenticate: Basic realm="ocsp"$'
  done
done
call http "$admin" GET /v1/ocsp
said+=" (no unauthenticated PUT changed it)"
expect 200 '-"query_frequency":61,' '-"query_frequency":61}'
wrong_basic=$(printf 'admin:%s' "$wrong_secret" | base64)
check_no_match "no wrong password, plain or base64, in ocspd's output or log" "$wrong_secret|$wrong_basic" \
  "$(cat "$W/ocspd.out" "$W/ocspd.err" "$W/access.log" 2>/dev/null)" "not there"
call https - GET /v1/ocsp/status
expect 401 '+"error_code":"unauthorized"' '~^WWW-Authenticate: Basic realm="ocsp"$'
call https nosuchuser:whatever GET /v1/unknown
expect 401 '+"error_code":"unauthorized"' '~^WWW-Authenticate: Basic realm="ocsp"$'

call http "$admin" GET /v1/unknown;                        expect 404 '+"error_code":"not_found"'
call http "u_none:pw-none-e2e" GET /v1/unknown;            expect 404 '+"error_code":"not_found"'
call unix - GET /v1/ocsp/status/extra;                     expect 404 '+"error_code":"not_found"'
call http "$admin" DELETE /v1/ocsp
expect 405 '+"error_code":"method_not_allowed"' '~^Allow: GET, PUT$'
call https "$admin" POST /v1/ocsp/status
expect 405 '+"error_code":"method_not_allowed"' '~^Allow: GET$'
call http "$admin" GET /v1/ocsp/test
expect 405 '+"error_code":"method_not_allowed"' '~^Allow: POST$'
call http "u_none:pw-none-e2e" DELETE /v1/ocsp
said+=" (the route before the permission)"
expect 405 '+"error_code":"method_not_allowed"' '~^Allow: GET, PUT$'

config_file_before=$W/config-before.json
cp "$state/ocsp-config.json" "$config_file_before"
call http "$admin" GET /v1/ocsp
config_before=$body

# Bodies of 64 KiB (the limit: accepted, "{}" padded with spaces) and 64 KiB + 1, also chunked.
padded() {  # BYTES FILE
  python3 -c 'import sys; sys.stdout.write("{}" + " " * (int(sys.argv[1]) - 2))' "$1" >"$2"
}
padded 65536 "$W/limit.json"
padded 65537 "$W/over.json"
call http "$admin" PUT /v1/ocsp "@$W/limit.json"
said+=" (a body of exactly 65536 bytes)"
expect 200 '+"query_frequency":600'
call http "$admin" PUT /v1/ocsp "@$W/over.json"
said+=" (a body of 65537 bytes)"
expect 413 '+"error_code":"payload_too_large"' '~^Connection: close$'
call http "$admin" PUT /v1/ocsp "@$W/over.json" -H "Transfer-Encoding: chunked"
said+=" (65537 bytes, chunked)"
expect 413 '+"error_code":"payload_too_large"'
call http "$admin" GET /v1/ocsp "" -H "X-Filler: $(head -c 9000 /dev/zero | tr '\0' a)"
said+=" (9 KB of headers)"
expect 431 '+"error_code":"request_header_fields_too_large"' '~^Connection: close$'

# Malformed bytes on a raw socket: the answer is 400 bad_request and the server closes.
raw_http() {  # PORT BYTES(python literal): prints the answer, then "[closed]" when the server closed
  python3 - "$1" "$2" "$deadline" <<'PY'
import ast, socket, sys
port, payload, limit = int(sys.argv[1]), ast.literal_eval(sys.argv[2]), float(sys.argv[3])
s = socket.create_connection(("127.0.0.1", port), timeout=limit)
s.sendall(payload)
got = b""
try:
    while True:
        chunk = s.recv(65536)
        if not chunk:
            got += b"\n[closed]"
            break
        got += chunk
except socket.timeout:
    got += b"\n[still open]"
sys.stdout.write(got.decode("latin-1"))
PY
}
for bytes in 'b"THIS IS NOT HTTP\r\n\r\n"' 'b"GET /v1/ocsp HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n"' \
  'b"GET /v1/ocsp HTTP/1.1\r\nBad Header Line\r\n\r\n"'; do
  raw=$(raw_http "$http_port" "$bytes")
  check_match "raw bytes $bytes: the status" "^HTTP/1.1 400 " "$raw" "400"
  check_match "raw bytes $bytes: the error" '"error_code":"bad_request"' "$raw" "bad_request"
  check_match "raw bytes $bytes: then the server closes" '^\[closed\]$' "$raw" "[closed]"
done

for bad in '{"query_frequency":59}' '{"query_frequency":"600"}' '{"query_frequency":600.5}' '{"bogus":1}' \
  '{"ocsp_functionality":null}' 'not json' '[]' '{"query_frequency":600} x' \
  '{"query_frequency":600,"query_frequency":700}' '{"responder_url":"http://elsewhere.test/"}'; do
  call http "$admin" PUT /v1/ocsp "$bad"
  expect 400 '+"error_code":"invalid_schema"'
done
call http "$admin" GET /v1/ocsp
check "GET /v1/ocsp after the rejected PUTs: unchanged" "$config_before" "$body"
check "ocsp-config.json after the rejected PUTs: unchanged" same \
  "$(cmp -s "$config_file_before" "$state/ocsp-config.json" && echo same || echo changed)"

echo "== 4. keep-alive"
lines_before=$(wc -l <"$W/access.log")
curl -sv --max-time "$deadline" -u "$admin" -o /dev/null -o /dev/null \
  "http://127.0.0.1:$http_port/v1/ocsp" "http://127.0.0.1:$http_port/v1/ocsp/status" 2>"$W/keepalive.txt" || true
check_match "curl with two URLs: the second request reuses the connection" "Re-using existing connection" \
  "$(cat "$W/keepalive.txt")" "\"Re-using existing connection\""
check "curl with two URLs: one connection" 1 "$(grep -c "Connected to 127.0.0.1" "$W/keepalive.txt" || true)"
# A line is written after its answer, which curl may see first: wait for both.
wait_for "$deadline" bash -c "[ \$(wc -l <'$W/access.log') -ge $((lines_before + 2)) ]" || true
check "the access log: two lines for the two requests" 2 $(($(wc -l <"$W/access.log") - lines_before))
check_no_match "the access log never holds a password" "$admin_pw|pw-[a-z_]*-e2e" "$(cat "$W/access.log")" \
  "no password"

echo "== 7. SIGHUP replaces the proxy certificate"
cp "$pki/proxy2.pem" "$live/proxy.new" && mv "$live/proxy.new" "$live/proxy.pem"
cat "$pki/proxy2.pem" "$pki/ca.pem" >"$live/chain.new" && mv "$live/chain.new" "$live/chain.pem"
serial2=$(serial_of "$pki/proxy2.pem")
kill -HUP "$ocspd_pid"
wait_for "$deadline" grep -q "SIGHUP: TLS certificate reloaded" "$W/ocspd.out" || true
check_match "SIGHUP: the log says the proxy certificate was replaced" \
  "^ocspd: SIGHUP: proxy certificate replaced \(serial 0*$serial2" "$(cat "$W/ocspd.out")"
check_match "SIGHUP: the log says the TLS certificate was reloaded" "^ocspd: SIGHUP: TLS certificate reloaded" \
  "$(cat "$W/ocspd.out")"
call http "$admin" GET /v1/ocsp/status
said+=" right after SIGHUP"
if [[ $body == *'"cert_status":"UNKNOWN"'* ]]; then
  expect 200 '+"cert_status":"UNKNOWN"' -produced_at -revocation_time
else
  expect 200 '+"cert_status":"GOOD"' +produced_at -revocation_time
fi
poll_status http "$admin" '"cert_status":"GOOD"'
said+=" (the new certificate is queried at once)"
expect 200 '+"cert_status":"GOOD"' +this_update -revocation_time
call unix - POST /v1/ocsp/test
expect 200 '+"cert_status":"GOOD"'
wait_for "$deadline" stapled good || true
staple=$(cat "$W/s_client.txt")
check_match "s_client after SIGHUP: the new certificate is served" "subject=.*CN ?= ?proxy2.test" "$staple"
check_match "s_client after SIGHUP: its response is stapled" "Cert Status: good" "$staple"
check_match "s_client after SIGHUP: for the new serial" "Serial Number: 0*$serial2" "$staple"

# SIGHUP, then wait until ocspd has handled it (its TLS line comes last).
reloads() { grep -c "^ocspd: SIGHUP: TLS certificate reloaded" "$W/ocspd.out" || true; }
more_reloads() { [ "$(reloads)" -gt "$1" ]; }
hup() {
  local seen
  seen=$(reloads)
  kill -HUP "$ocspd_pid"
  wait_for "$deadline" more_reloads "$seen" || true
}
hup
check_match "SIGHUP with the same files: the log says unchanged" "^ocspd: SIGHUP: the proxy certificate is unchanged$" \
  "$(tail -n 2 "$W/ocspd.out")"
call http "$admin" GET /v1/ocsp/status
said+=" after a SIGHUP that changed nothing (the cache is kept)"
expect 200 '+"cert_status":"GOOD"' +produced_at
echo "not a certificate" >"$live/proxy.new" && mv "$live/proxy.new" "$live/proxy.pem"
hup
check_match "SIGHUP with an unreadable proxy certificate: the current one is kept" \
  "^ocspd: SIGHUP: keeping the current proxy certificate" "$(tail -n 2 "$W/ocspd.out")"
call https "$admin" GET /v1/ocsp/status
said+=" after that SIGHUP"
expect 200 '+"cert_status":"GOOD"' +produced_at
cp "$pki/proxy2.pem" "$live/proxy.new" && mv "$live/proxy.new" "$live/proxy.pem"

echo "== 8. the UNIX socket: mode and uid roles"
check "the UNIX socket's mode after a restart" 660 "$(stat -c %a "$unix_path")"
if [ "$(id -u)" != 0 ]; then
  echo "SKIP: the uid-role part needs root (it connects as nobody); running as uid $(id -u)"
elif ! getent passwd nobody >/dev/null || ! getent group nogroup >/dev/null; then
  echo "SKIP: the uid-role part needs the user nobody and the group nogroup"
else
  nobody_uid=$(id -u nobody)
  as_nobody() {  # METHOD PATH [BODY]: sets code, body, said (+ $nobody_note)
    local args=(-sS --max-time "$deadline" -o "$W/nobody.body" -w '%{http_code}' -X "$1" --unix-socket "$unix_path")
    [ -n "${3:-}" ] && args+=(--data-binary "$3")
    : >"$W/nobody.body"
    chmod 666 "$W/nobody.body"
    code=$(setpriv --reuid=nobody --regid=nogroup --clear-groups \
      curl "${args[@]}" "http://localhost$2" 2>"$W/curl.err") || true
    body=$(cat "$W/nobody.body")
    headers="" curl_rc=0
    said="$1 $2 over unix as nobody (uid $nobody_uid)$nobody_note"
  }
  chgrp nogroup "$unix_path"
  nobody_note=" (unmapped)"
  as_nobody GET /v1/ocsp;                 expect 403 '+"error_code":"insufficient_permissions"'
  as_nobody PUT /v1/ocsp '{}';            expect 403 '+"error_code":"insufficient_permissions"'
  as_nobody GET /v1/ocsp/status;          expect 403 '+"error_code":"insufficient_permissions"'
  as_nobody POST /v1/ocsp/test;           expect 403 '+"error_code":"insufficient_permissions"'
  stop_ocspd ocspd
  start_ocspd ocspd "${main_args[@]}" --unix-role "$nobody_uid=admin"
  chgrp nogroup "$unix_path"
  nobody_note=" (unmapped)"
  nobody_note=" with --unix-role $nobody_uid=admin"
  as_nobody GET /v1/ocsp;                 expect 200 '+"query_frequency":600'
  as_nobody PUT /v1/ocsp '{}';            expect 200 '+"query_frequency":600'
  as_nobody GET /v1/ocsp/status;          expect 200 '+"cert_status":"GOOD"'
  as_nobody POST /v1/ocsp/test;           expect 200 '+"cert_status":"GOOD"'
  check_match "the access log names the mapped uid" "\"user\":\"uid:$nobody_uid\"" "$(tail -n 4 "$W/access.log")"
fi

stop_ocspd ocspd
echo "run time: $((SECONDS - started)) s"
finish
