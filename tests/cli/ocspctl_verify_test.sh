#!/usr/bin/env bash
# `ocspctl verify` on responses the openssl CLI signs (issuer, delegated responder with and without
# id-kp-OCSPSigning, an unrelated CA), and `ocspctl query` against `openssl ocsp -port` on
# loopback: verdicts, the failing check's name, the status JSON and the exit codes (0 valid,
# 1 invalid, 2 usage).
#   ocspctl_verify_test.sh OCSPCTL PKI_DIR WORK_DIR
set -euo pipefail
ocspctl=$(realpath "$1") pki=$(realpath "$2") work=$3
rm -rf "$work" && mkdir -p "$work" && cd "$work"
failures=0 checks=0
check() {
  local what=$1; shift
  checks=$((checks + 1))
  if "$@"; then echo "ok: $what"; else echo "FAILED: $what"; failures=$((failures + 1)); fi
}
# expect_exit CODE OUT_FILE command...: runs the command, stdout to OUT_FILE, and compares its exit code.
expect_exit() {
  local want=$1 out=$2; shift 2
  local got=0
  "$@" > "$out" 2> "$out.err" || got=$?
  [ "$got" -eq "$want" ] || { echo "  exit $got, wanted $want: $*"; cat "$out" "$out.err"; return 1; }
}
contains() { grep -qF -- "$2" "$1" || { echo "  $1 lacks: $2"; cat "$1"; return 1; }; }

serial() { openssl x509 -in "$pki/$1.pem" -noout -serial | cut -d= -f2; }
expiry=$(date -u -d '+1 year' +%y%m%d%H%M%SZ)
revoked=$(date -u -d '-1 day' +%y%m%d%H%M%SZ)
printf 'V\t%s\t\t%s\tunknown\t/CN=proxy\n' "$expiry" "$(serial proxy)" > index.txt
printf 'R\t%s\t%s,keyCompromise\t%s\tunknown\t/CN=noaia\n' "$expiry" "$revoked" "$(serial proxy-noaia)" >> index.txt

# respond NAME SIGNER CERT [openssl ocsp options]: NAME.der, the answer SIGNER gives for CERT (offline).
respond() {
  local name=$1 signer=$2 cert=$3; shift 3
  openssl ocsp -issuer "$pki/ca.pem" -cert "$pki/$cert.pem" -reqout "$name.req" "$@" > /dev/null 2>&1
  openssl ocsp -index index.txt -CA "$pki/ca.pem" -rsigner "$pki/$signer.pem" -rkey "$pki/$signer.key" \
    -ndays 1 -reqin "$name.req" -respout "$name.der" > /dev/null 2>&1
}

respond good ca proxy -no_nonce
respond revoked ca proxy-noaia -no_nonce
respond delegated responder proxy -no_nonce
respond noeku responder-noeku proxy -no_nonce
respond unrelated other-ca proxy -no_nonce
respond nonced ca proxy -nonce

check "a good answer signed by the issuer: valid, GOOD" \
  expect_exit 0 good.out "$ocspctl" verify good.der --issuer "$pki/ca.pem" --cert "$pki/proxy.pem"
check "  its JSON" contains good.out '"cert_status":"GOOD"'
check "  signed by the issuer" contains good.out '"signer":"issuer"'
check "  valid:true" contains good.out '"valid":true'
check "by --serial" expect_exit 0 serial.out "$ocspctl" verify good.der --issuer "$pki/ca.pem" --serial "$(serial proxy)"
check "without --cert/--serial: every entry names the issuer" \
  expect_exit 0 all.out "$ocspctl" verify good.der --issuer "$pki/ca.pem"
check "a revoked answer: valid, REVOKED with time and reason" \
  expect_exit 0 revoked.out "$ocspctl" verify revoked.der --issuer "$pki/ca.pem" --cert "$pki/proxy-noaia.pem"
check "  REVOKED" contains revoked.out '"cert_status":"REVOKED"'
check "  keyCompromise" contains revoked.out '"revocation_reason":"keyCompromise"'
check "a delegated responder with id-kp-OCSPSigning: valid" \
  expect_exit 0 delegated.out "$ocspctl" verify delegated.der --issuer "$pki/ca.pem" --cert "$pki/proxy.pem"
check "  signed by the delegate" contains delegated.out '"signer":"delegated"'
check "a delegated responder without the EKU: invalid" \
  expect_exit 1 noeku.out "$ocspctl" verify noeku.der --issuer "$pki/ca.pem" --cert "$pki/proxy.pem"
check "  names the check" contains noeku.out '"check":"ocsp_signer_not_authorized"'
check "signed by an unrelated CA: invalid" \
  expect_exit 1 unrelated.out "$ocspctl" verify unrelated.der --issuer "$pki/ca.pem" --cert "$pki/proxy.pem"
check "  names the check" contains unrelated.out '"check":"ocsp_signer_not_issued_by_issuer"'
check "the answer for another certificate: invalid" \
  expect_exit 1 other.out "$ocspctl" verify good.der --issuer "$pki/ca.pem" --cert "$pki/proxy-noaia.pem"
check "  names the check" contains other.out '"check":"ocsp_cert_id_not_found"'
check "checked two days later: expired" \
  expect_exit 1 expired.out "$ocspctl" verify good.der --issuer "$pki/ca.pem" --cert "$pki/proxy.pem" \
  --at "$(date -u -d '+2 days' +%Y-%m-%dT%H:%M:%SZ)"
check "  names the check" contains expired.out '"check":"ocsp_response_expired"'
check "checked a day before it was made: not yet valid" \
  expect_exit 1 early.out "$ocspctl" verify good.der --issuer "$pki/ca.pem" --cert "$pki/proxy.pem" \
  --at "$(date -u -d '-1 day' +%Y-%m-%dT%H:%M:%SZ)"
check "  names the check" contains early.out '"check":"ocsp_response_not_yet_valid"'
nonce=$(openssl ocsp -reqin nonced.req -req_text 2>/dev/null | grep -A1 'OCSP Nonce' | tail -1 | tr -d ' :' | sed 's/^0410//')
check "the nonce that was sent: valid" \
  expect_exit 0 nonce.out "$ocspctl" verify nonced.der --issuer "$pki/ca.pem" --cert "$pki/proxy.pem" --nonce "$nonce"
check "another nonce: invalid" \
  expect_exit 1 badnonce.out "$ocspctl" verify nonced.der --issuer "$pki/ca.pem" --cert "$pki/proxy.pem" --nonce 00112233
check "  names the check" contains badnonce.out '"check":"ocsp_nonce_mismatch"'
check "the issuer's own answer checked against another issuer: invalid" \
  expect_exit 1 wrongissuer.out "$ocspctl" verify good.der --issuer "$pki/other-ca.pem"
check "garbage: invalid, named" expect_exit 1 garbage.out "$ocspctl" verify index.txt --issuer "$pki/ca.pem"
check "usage: --cert and --serial together" \
  expect_exit 2 usage1.out "$ocspctl" verify good.der --issuer "$pki/ca.pem" --cert "$pki/proxy.pem" --serial 01
check "usage: a bad --at" expect_exit 2 usage2.out "$ocspctl" verify good.der --issuer "$pki/ca.pem" --at yesterday
check "usage: no --issuer" expect_exit 2 usage3.out "$ocspctl" verify good.der
check "usage: a negative field in --at" \
  expect_exit 2 usage4.out "$ocspctl" verify good.der --issuer "$pki/ca.pem" --at 2012-10-23T-1:25:36Z
check "usage: an absurd --skew" \
  expect_exit 2 usage5.out "$ocspctl" verify good.der --issuer "$pki/ca.pem" --skew 9223372036854775807

# ocspctl query against a real responder on loopback (-port 0: openssl prints the port it got).
openssl ocsp -index index.txt -port 0 -CA "$pki/ca.pem" -rsigner "$pki/ca.pem" -rkey "$pki/ca.key" \
  -ndays 1 > responder.log 2>&1 &
responder=$!
trap 'kill $responder 2>/dev/null || true' EXIT
port=
for _ in $(seq 100); do
  port=$(sed -n 's/^ACCEPT .*\]:\([0-9]*\) .*/\1/p' responder.log 2>/dev/null | head -1)
  [ -n "$port" ] && break
  sleep 0.1
done
check "openssl ocsp started" test -n "$port"
check "query: GOOD from the responder, verified" \
  expect_exit 0 query.out "$ocspctl" query --cert "$pki/proxy.pem" --issuer "$pki/ca.pem" --url "http://127.0.0.1:$port/"
check "  the API's status object" contains query.out '"cert_status":"GOOD"'
check "  with its responder" contains query.out "\"responder_url\":\"http://127.0.0.1:$port/\""
check "query: REVOKED for the revoked certificate" \
  expect_exit 0 query2.out "$ocspctl" query --cert "$pki/proxy-noaia.pem" --issuer "$pki/ca.pem" --url "http://127.0.0.1:$port/"
check "  REVOKED" contains query2.out '"cert_status":"REVOKED"'
check "query: RFC 5019 GET" \
  expect_exit 0 query3.out "$ocspctl" query --get --cert "$pki/proxy.pem" --issuer "$pki/ca.pem" --url "http://127.0.0.1:$port/"
kill $responder 2>/dev/null || true
wait $responder 2>/dev/null || true
check "query: responder down is exit 1, ocsp_query_failed" \
  expect_exit 1 down.out "$ocspctl" query --cert "$pki/proxy.pem" --issuer "$pki/ca.pem" --url "http://127.0.0.1:$port/"
check "  named" contains down.out.err "ocsp_query_failed (responder_unreachable)"
check "query: usage, a bad URL" \
  expect_exit 2 badurl.out "$ocspctl" query --cert "$pki/proxy.pem" --issuer "$pki/ca.pem" --url "ftp://x/"

echo "$checks checks, $failures failed"
[ "$failures" -eq 0 ]
