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
echo "seeds written under $here/corpus"
