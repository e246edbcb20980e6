// Productions shared by the request and response parsers, inline so that the hot loops (one
// CertID per SingleResponse) keep their readers in registers. Private to libocsp's sources.
// These do not restore `in` on failure: the public parse_* functions that call them do.
#pragma once

#include "ocsp/ocsp_types.hpp"
#include "detail/der_try.hpp"

namespace ocsp::detail {

// RFC 6960 4.1.1:
//   CertID ::= SEQUENCE {
//     hashAlgorithm       AlgorithmIdentifier,
//     issuerNameHash      OCTET STRING, -- Hash of issuer's DN
//     issuerKeyHash       OCTET STRING, -- Hash of issuer's public key
//     serialNumber        CertificateSerialNumber }
// RFC 5280 4.1.1.2:
//   AlgorithmIdentifier ::= SEQUENCE {
//     algorithm   OBJECT IDENTIFIER,
//     parameters  ANY DEFINED BY algorithm OPTIONAL }
[[gnu::always_inline]] inline errc get_cert_id(der::reader& in, cert_id& id) noexcept {
  der::reader seq, alg, parameters;
  OCSP_DER_TRY(in.get(der::tag::sequence, seq));
  OCSP_DER_TRY(seq.get(der::tag::sequence, alg));
  OCSP_DER_TRY(alg.get_oid(id.hash_algorithm));
  id.hash_parameters = {};
  if (!alg.empty()) {
    std::uint8_t t = 0;
    OCSP_DER_TRY(alg.get_any_valid(t, parameters, &id.hash_parameters));
  }
  OCSP_DER_TRY(alg.end());
  OCSP_DER_TRY(seq.get_octet_string(id.issuer_name_hash));
  OCSP_DER_TRY(seq.get_octet_string(id.issuer_key_hash));
  OCSP_DER_TRY(seq.get_integer(id.serial_number));
  return seq.end();
}

}  // namespace ocsp::detail
