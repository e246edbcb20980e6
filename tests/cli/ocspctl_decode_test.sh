#!/usr/bin/env bash
# ocspctl decode against PDUs made by the real openssl CLI, plus its usage and error exits.
#   ocspctl_decode_test.sh OCSPCTL PKI_DIR WORK_DIR
set -euo pipefail
ocspctl=$(realpath "$1") pki=$(realpath "$2") work=$3
rm -rf "$work" && mkdir -p "$work" && cd "$work"
failures=0 checks=0

check() {  # description, then a command that must succeed
  local what=$1; shift
  checks=$((checks + 1))
  if "$@"; then echo "ok: $what"; else echo "FAILED: $what"; failures=$((failures + 1)); fi
}
exit_is() {  # expected-status command...
  local want=$1; shift
  local got=0
  "$@" >out.txt 2>err.txt || got=$?
  [ "$got" -eq "$want" ] || { echo "  exit $got, expected $want; stderr: $(cat err.txt)"; return 1; }
}

serial=$(openssl x509 -in "$pki/proxy.pem" -noout -serial | cut -d= -f2)

# A request from the openssl CLI, SHA-1 and SHA-256.
openssl ocsp -issuer "$pki/ca.pem" -cert "$pki/proxy.pem" -reqout req-sha1.der -no_nonce >/dev/null 2>&1
openssl ocsp -sha256 -issuer "$pki/ca.pem" -cert "$pki/proxy.pem" -reqout req-sha256.der >/dev/null 2>&1
check "decode an openssl SHA-1 request" exit_is 0 "$ocspctl" decode req-sha1.der
check "  it is a request for the proxy's serial" grep -q "\"kind\":\"request\".*\"serial_hex\":\"$serial\"" out.txt
check "  hashed with sha1, no nonce" grep -q '"hash_algorithm":"sha1".*"nonce":null\|"nonce":null.*"hash_algorithm":"sha1"' out.txt
check "decode an openssl SHA-256 request with a nonce" exit_is 0 "$ocspctl" decode req-sha256.der
check "  sha256 and a nonce" grep -q '"hash_algorithm":"sha256"' out.txt
check "  a 16-byte nonce" grep -qE '"nonce":"[0-9a-f]{32}"' out.txt

# ocspctl request writes the very bytes openssl writes for the same certificate.
check "ocspctl request succeeds" exit_is 0 "$ocspctl" request --cert "$pki/proxy.pem" --issuer "$pki/ca.pem" --out ours.der
check "  byte-identical to openssl ocsp -reqout (SHA-1, no nonce)" cmp -s ours.der req-sha1.der
check "ocspctl request refuses the wrong issuer" exit_is 1 "$ocspctl" request --cert "$pki/proxy.pem" --issuer "$pki/other-ca.pem" --out x.der
check "ocspctl request without --out is a usage error" exit_is 2 "$ocspctl" request --cert "$pki/proxy.pem" --issuer "$pki/ca.pem"

# A response from the openssl CLI acting as responder (index: the proxy is valid).
expiry=$(date -u -d '+1 year' +%y%m%d%H%M%SZ)
subject=$(openssl x509 -in "$pki/proxy.pem" -noout -subject -nameopt compat | sed 's/^subject=//')
printf 'V\t%s\t\t%s\tunknown\t%s\n' "$expiry" "$serial" "$subject" > index.txt
openssl ocsp -index index.txt -CA "$pki/ca.pem" -rsigner "$pki/ca.pem" -rkey "$pki/ca.key" \
  -reqin req-sha1.der -respout resp.der -ndays 1 >/dev/null 2>&1
check "decode an openssl response" exit_is 0 "$ocspctl" decode resp.der
check "  successful, good, for the proxy's serial" \
  grep -q "\"cert_status\":\"good\".*\"serial_hex\":\"$serial\"" out.txt
check "  successful" grep -q '"response_status":"successful"' out.txt

# Not OCSP, truncated, missing: exit 1 with the problem named.
openssl x509 -in "$pki/proxy.pem" -outform DER -out cert.der
check "a certificate is not an OCSP PDU" exit_is 1 "$ocspctl" decode cert.der
check "  the error is named" grep -q "not a valid OCSP" err.txt
head -c 40 resp.der > truncated.der
check "a truncated response is rejected" exit_is 1 "$ocspctl" decode truncated.der
check "a missing file is an error" exit_is 1 "$ocspctl" decode no-such-file.der

# Usage.
check "no command is a usage error" exit_is 2 "$ocspctl"
check "an unknown command is a usage error" exit_is 2 "$ocspctl" frobnicate
check "decode without a file is a usage error" exit_is 2 "$ocspctl" decode
check "--help succeeds" exit_is 0 "$ocspctl" --help

echo "$((checks - failures)) passed, $failures failed"
[ "$failures" -eq 0 ]
