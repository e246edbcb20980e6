#!/usr/bin/env bash
# Regenerates the checked-in seed corpus (corpus/<target>/) with the openssl CLI from a throwaway
# PKI: certificates, requests and responses this project made itself. Run it by hand when the
# seeds should change; CI only reads them.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
OCSP_TEST_PORT=8080 "$here/../pki/make-test-pki.sh" "$work/pki" >/dev/null
cd "$work"
pki=$work/pki
mkdir -p "$here/corpus"/{fuzz_response,fuzz_request,fuzz_certificate,fuzz_put_body}

for c in ca other-ca proxy proxy-noaia proxy-ldap-first; do
  openssl x509 -in "$pki/$c.pem" -outform DER -out "$here/corpus/fuzz_certificate/$c.der"
done

openssl ocsp -issuer "$pki/ca.pem" -cert "$pki/proxy.pem" -no_nonce -reqout "$here/corpus/fuzz_request/sha1.der" >/dev/null
openssl ocsp -sha256 -issuer "$pki/ca.pem" -cert "$pki/proxy.pem" -reqout "$here/corpus/fuzz_request/sha256-nonce.der" >/dev/null
openssl ocsp -issuer "$pki/ca.pem" -cert "$pki/proxy.pem" -cert "$pki/proxy-noaia.pem" -reqout "$here/corpus/fuzz_request/two.der" >/dev/null
openssl ocsp -issuer "$pki/ca.pem" -cert "$pki/proxy.pem" -signer "$pki/proxy.pem" -signkey "$pki/proxy.key" \
  -reqout "$here/corpus/fuzz_request/signed.der" >/dev/null

serial() { openssl x509 -in "$pki/$1.pem" -noout -serial | cut -d= -f2; }
subject() { openssl x509 -in "$pki/$1.pem" -noout -subject -nameopt compat | sed 's/^subject=//'; }
expiry=$(date -u -d '+10 years' +%y%m%d%H%M%SZ)
revoked=$(date -u -d '-1 day' +%y%m%d%H%M%SZ)
printf 'V\t%s\t\t%s\tunknown\t%s\n' "$expiry" "$(serial proxy)" "$(subject proxy)" > index.txt
printf 'R\t%s\t%s,keyCompromise\t%s\tunknown\t%s\n' "$expiry" "$revoked" "$(serial proxy-noaia)" "$(subject proxy-noaia)" >> index.txt
respond() {  # request-file output-file
  openssl ocsp -index index.txt -CA "$pki/ca.pem" -rsigner "$pki/ca.pem" -rkey "$pki/ca.key" -ndays 7 \
    -reqin "$1" -respout "$2" >/dev/null 2>&1
}
respond "$here/corpus/fuzz_request/sha1.der" "$here/corpus/fuzz_response/good.der"
respond "$here/corpus/fuzz_request/two.der" "$here/corpus/fuzz_response/good-and-revoked.der"
respond "$here/corpus/fuzz_request/sha256-nonce.der" "$here/corpus/fuzz_response/sha256-nonce.der"
openssl ocsp -issuer "$pki/ca.pem" -cert "$pki/proxy-ldap-first.pem" -no_nonce -reqout unknown-req.der >/dev/null
respond unknown-req.der "$here/corpus/fuzz_response/unknown.der"
# No bare non-successful response here: each has exactly one DER encoding, the same bytes as the
# shared vectors' (which the fuzz tests replay in place).

cd "$here/corpus/fuzz_put_body"
printf '{}' > empty.json
printf '{"ocsp_functionality":true,"query_frequency":3800,"recovery_frequency":80,"recovery_max_tries":20,"response_timeout":2}' > seed.json
printf '{"responder_url":"http://ocsp.example/","query\\u005ffrequency":60}' > escaped.json
printf '{"query_frequency":1e3,"ocsp_functionality":null}' > wrong-types.json
# fuzz_router: raw HTTP/1.x requests, with the two users fuzz_router.cpp knows.
mkdir -p "$here/corpus/fuzz_router" && cd "$here/corpus/fuzz_router"
admin="Basic $(printf 'admin:admin-password' | base64)"
viewer="Basic $(printf 'viewer:viewer-password' | base64)"
request() {  # FILE METHOD TARGET [AUTHORIZATION [BODY [VERSION]]]
  local head="$2 $3 HTTP/${6:-1.1}\r\nHost: localhost\r\n"
  [ -n "${4:-}" ] && head+="Authorization: $4\r\n"
  [ -n "${5+set}" ] && head+="Content-Length: ${#5}\r\n"
  printf "%b%s" "$head\r\n" "${5:-}" > "$1"
}
request get-config-admin.http GET /v1/ocsp "$admin"
request get-status-viewer.http GET '/v1/ocsp/status?x=1' "$viewer"
request put-enable.http PUT /v1/ocsp "$admin" '{"ocsp_functionality":true,"query_frequency":120}'
request put-bad-range.http PUT /v1/ocsp "$admin" '{"response_timeout":61}'
request put-viewer.http PUT /v1/ocsp "$viewer" '{}'
request post-test.http POST /v1/ocsp/test "$admin" ''
request no-credentials.http GET /v1/ocsp
request wrong-password.http GET /v1/ocsp "Basic $(printf 'admin:nope' | base64)"
request delete.http DELETE /v1/ocsp "$admin"
request unknown-path.http GET /v1/nothing "$admin"
request http10.http GET /v1/ocsp "$admin" '' 1.0
printf 'PUT /v1/ocsp HTTP/1.1\r\nHost: x\r\nAuthorization: %s\r\nTransfer-Encoding: chunked\r\n\r\n12\r\n{"recovery_max_tri\r\n8\r\nes":100}\r\n0\r\n\r\n' \
  "$admin" > put-chunked.http

# fuzz_users_file, fuzz_config_state, fuzz_status_state: the state files as ocspd writes them
# (users.json, ocsp-config.json, ocsp-status.der). Taken from a state directory that a run of
# tests/e2e/ocspd_crash_test.py with E2E_KEEP=1 leaves behind, plus hand-written variants
# (two users, an empty user list, the default configuration); not regenerated here.
echo "seeds written under $here/corpus"
