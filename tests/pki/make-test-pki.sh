#!/usr/bin/env bash
# Generates the test PKI with the openssl CLI into DIR (default: ./pki). Idempotent: does nothing
# when DIR/.complete exists. ctest runs it as a fixture before every test that needs certificates.
#
#   ca.pem, ca.key                 the issuer CA (self-signed)
#   proxy.pem, proxy.key           issued by ca, AIA OCSP URI http://127.0.0.1:${OCSP_TEST_PORT:-18080}/ocsp
#   proxy-noaia.pem                issued by ca, no AIA extension
#   proxy-ldap-first.pem           issued by ca, AIA with an ldap URI before the http one
#   other-ca.pem                   an unrelated CA, which did not issue any of the above
#   responder.pem, responder.key   a delegated OCSP signer issued by ca, extendedKeyUsage=OCSPSigning
#   responder-noeku.pem, .key      issued by ca like responder.pem, but without extendedKeyUsage
# The responders are added to a directory made before they existed (DIR/.responders marks them).
set -euo pipefail
dir=${1:-pki}
port=${OCSP_TEST_PORT:-18080}
[ -f "$dir/.complete" ] && [ -f "$dir/.responders" ] && exit 0
mkdir -p "$dir"
cd "$dir"

key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }
ca() {  # name subject
  key "$1.key"
  openssl req -x509 -new -key "$1.key" -subj "$2" -days 3650 -sha256 -out "$1.pem" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"
}
leaf() {  # name subject extensions
  key "$1.key"
  openssl req -new -key "$1.key" -subj "$2" -out "$1.csr"
  printf '%s\n' "$3" > "$1.ext"
  openssl x509 -req -in "$1.csr" -CA ca.pem -CAkey ca.key -CAcreateserial -days 825 -sha256 \
    -extfile "$1.ext" -out "$1.pem" 2>/dev/null
  rm -f "$1.csr" "$1.ext"
}

responders() {
  leaf responder "/O=libocsp tests/CN=OCSP responder" "basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=OCSPSigning"
  leaf responder-noeku "/O=libocsp tests/CN=OCSP responder without EKU" "basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature"
  touch .responders
}
if [ -f .complete ]; then
  responders
  exit 0
fi

ca ca "/O=libocsp tests/CN=Test Issuing CA"
ca other-ca "/O=libocsp tests/CN=Unrelated CA"
base="basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=serverAuth
subjectAltName=DNS:proxy.test"
leaf proxy "/O=libocsp tests/CN=proxy.test" "$base
authorityInfoAccess=OCSP;URI:http://127.0.0.1:${port}/ocsp,caIssuers;URI:http://127.0.0.1:${port}/ca.crt"
leaf proxy-noaia "/O=libocsp tests/CN=noaia.proxy.test" "$base"
leaf proxy-ldap-first "/O=libocsp tests/CN=ldap.proxy.test" "$base
authorityInfoAccess=OCSP;URI:ldap://ldap.test/cn=ocsp,OCSP;URI:http://127.0.0.1:${port}/second"
responders
touch .complete
