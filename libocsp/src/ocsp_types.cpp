#include "ocsp/ocsp_types.hpp"

#include "ocsp/oids.hpp"

#include <algorithm>

namespace ocsp {
namespace {

bool equal_bytes(der::bytes a, der::bytes b) noexcept { return std::ranges::equal(a, b); }

}  // namespace

bool same_certificate(const cert_id& a, const cert_id& b) noexcept {
  return oid::equal(a.hash_algorithm, b.hash_algorithm) && equal_bytes(a.issuer_name_hash, b.issuer_name_hash) &&
         equal_bytes(a.issuer_key_hash, b.issuer_key_hash) && equal_bytes(a.serial_number, b.serial_number);
}

// RFC 5280 4.1.1.2:
//   AlgorithmIdentifier ::= SEQUENCE {
//     algorithm   OBJECT IDENTIFIER,
//     parameters  ANY DEFINED BY algorithm OPTIONAL }
// CertID (RFC 6960 4.1.1): see ocsp_types.hpp.
result<cert_id> parse_cert_id(der::reader& in) noexcept {
  return der::restoring(in, [&]() noexcept -> result<cert_id> {
    BOOST_OUTCOME_TRY(der::reader seq, in.read(der::tag::sequence));
    cert_id id;
    BOOST_OUTCOME_TRY(der::reader alg, seq.read(der::tag::sequence));
    BOOST_OUTCOME_TRY(id.hash_algorithm, alg.read_oid());
    if (!alg.empty()) {
      std::uint8_t t = 0;
      const der::bytes before = alg.data();
      BOOST_OUTCOME_TRY(alg.read_any_valid(t));
      id.hash_parameters = before.first(before.size() - alg.size());
    }
    BOOST_OUTCOME_TRY(alg.expect_end());
    BOOST_OUTCOME_TRY(id.issuer_name_hash, seq.read_octet_string());
    BOOST_OUTCOME_TRY(id.issuer_key_hash, seq.read_octet_string());
    BOOST_OUTCOME_TRY(id.serial_number, seq.read_integer());
    BOOST_OUTCOME_TRY(seq.expect_end());
    return id;
  });
}

// Extension (RFC 5280 4.1): see ocsp_types.hpp. DER forbids encoding the DEFAULT, so an explicit
// critical FALSE is rejected.
result<extension> parse_extension(der::reader& in) noexcept {
  return der::restoring(in, [&]() noexcept -> result<extension> {
    BOOST_OUTCOME_TRY(der::reader seq, in.read(der::tag::sequence));
    extension ext;
    BOOST_OUTCOME_TRY(ext.oid, seq.read_oid());
    if (seq.next_is(der::tag::boolean)) {
      BOOST_OUTCOME_TRY(ext.critical, seq.read_boolean());
      if (!ext.critical) return make_error_code(errc::der_bad_boolean);
    }
    BOOST_OUTCOME_TRY(ext.value, seq.read_octet_string());
    BOOST_OUTCOME_TRY(seq.expect_end());
    return ext;
  });
}

result<extension_list> parse_extensions(der::reader contents) noexcept {
  std::size_t count = 0;
  der::reader walk = contents;
  while (!walk.empty()) {
    BOOST_OUTCOME_TRY(parse_extension(walk));
    ++count;
  }
  if (count == 0) return make_error_code(errc::der_truncated);  // SIZE (1..MAX)
  return extension_list(contents, count);
}

std::optional<extension> find_extension(const extension_list& list, der::bytes wanted) noexcept {
  for (const extension& ext : list) {
    if (oid::equal(ext.oid, wanted)) return ext;
  }
  return std::nullopt;
}

result<std::optional<extension>> find_unique_extension(const extension_list& list, der::bytes wanted) noexcept {
  std::optional<extension> found;
  for (const extension& ext : list) {
    if (!oid::equal(ext.oid, wanted)) continue;
    if (found) return make_error_code(errc::ocsp_duplicate_extension);
    found = ext;
  }
  return found;
}

void encode(der::writer& out, const cert_id& id) noexcept {
  out.begin(der::tag::sequence);
  out.begin(der::tag::sequence);
  out.add_oid(id.hash_algorithm);
  out.add_raw(id.hash_parameters);
  out.end();
  out.add_octet_string(id.issuer_name_hash);
  out.add_octet_string(id.issuer_key_hash);
  out.add_integer_contents(id.serial_number);
  out.end();
}

void encode(der::writer& out, const extension& ext) noexcept {
  out.begin(der::tag::sequence);
  out.add_oid(ext.oid);
  if (ext.critical) out.add_boolean(true);
  out.add_octet_string(ext.value);
  out.end();
}

}  // namespace ocsp
