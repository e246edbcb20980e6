#!/usr/bin/env bash
# Requests encoded by libocsp (`ocspctl request`) sent over HTTP to a real `openssl ocsp`
# responder on loopback: the responder must understand them, and its signed answers (verified by
# openssl) must report the right status and echo our nonce.
#   openssl_responder_test.sh OCSPCTL PKI_DIR WORK_DIR
set -euo pipefail
ocspctl=$(realpath "$1") pki=$(realpath "$2") work=$3
rm -rf "$work" && mkdir -p "$work" && cd "$work"
failures=0 checks=0
check() {
  local what=$1; shift
  checks=$((checks + 1))
  if "$@"; then echo "ok: $what"; else echo "FAILED: $what"; failures=$((failures + 1)); fi
}

serial() { openssl x509 -in "$pki/$1.pem" -noout -serial | cut -d= -f2; }
subject() { openssl x509 -in "$pki/$1.pem" -noout -subject -nameopt compat | sed 's/^subject=//'; }
expiry=$(date -u -d '+1 year' +%y%m%d%H%M%SZ)
revoked=$(date -u -d '-1 day' +%y%m%d%H%M%SZ)
printf 'V\t%s\t\t%s\tunknown\t%s\n' "$expiry" "$(serial proxy)" "$(subject proxy)" > index.txt
printf 'R\t%s\t%s,keyCompromise\t%s\tunknown\t%s\n' "$expiry" "$revoked" "$(serial proxy-noaia)" "$(subject proxy-noaia)" >> index.txt

# The responder: a free loopback port, bounded to the requests this test sends.
port=$(( 20000 + RANDOM % 20000 ))
openssl ocsp -index index.txt -port "$port" -CA "$pki/ca.pem" -rsigner "$pki/ca.pem" -rkey "$pki/ca.key" \
  -ndays 1 -nrequest 3 > responder.log 2>&1 &
responder=$!
trap 'kill $responder 2>/dev/null || true' EXIT
for _ in $(seq 50); do
  grep -q "Waiting for OCSP client connections" responder.log 2>/dev/null && break
  sleep 0.1
done

ask() {  # name cert [ocspctl request options...]: writes NAME.req and NAME.resp
  local name=$1 cert=$2; shift 2
  "$ocspctl" request --cert "$pki/$cert.pem" --issuer "$pki/ca.pem" --out "$name.req" "$@"
  curl -sS --max-time 10 -H 'Content-Type: application/ocsp-request' --data-binary "@$name.req" \
    -o "$name.resp" "http://127.0.0.1:$port/"
}
verify() {  # name cert [digest option]: openssl verifies the answer and prints the status (NAME.out)
  # With -cert, the openssl CLI builds its own request (and nonce) and checks against that, so the
  # status check and the nonce check against our request file are two runs.
  openssl ocsp -respin "$1.resp" -issuer "$pki/ca.pem" -CAfile "$pki/ca.pem" ${3:-} -cert "$pki/$2.pem" -no_nonce \
    > "$1.out" 2>&1 || true
  openssl ocsp -respin "$1.resp" -reqin "$1.req" -CAfile "$pki/ca.pem" > "$1.nonce.out" 2>&1 || true
}

ask good proxy
verify good proxy
check "the responder answers our SHA-1 request: good, signature verified" \
  grep -q "Response verify OK" good.out
check "  status good" grep -q "proxy.pem: good" good.out

nonce=0123456789abcdef0123456789abcdef
ask nonce proxy --sha256 --nonce "$nonce"
verify nonce proxy -sha256
check "the responder answers our SHA-256 request with a nonce" grep -q "proxy.pem: good" nonce.out
check "  openssl checks the response's nonce against our request's: no error" \
  bash -c 'grep -q "Response verify OK" nonce.nonce.out && ! grep -qi "nonce" nonce.nonce.out'
check "  the response echoes our nonce" bash -c "'$ocspctl' decode nonce.resp | grep -q '\"nonce\":\"$nonce\"'"

ask revoked proxy-noaia
verify revoked proxy-noaia
check "the responder answers revoked for the revoked certificate" grep -q "proxy-noaia.pem: revoked" revoked.out
check "  with its reason" grep -q "keyCompromise" revoked.out

echo "$((checks - failures)) passed, $failures failed"
[ "$failures" -eq 0 ]
