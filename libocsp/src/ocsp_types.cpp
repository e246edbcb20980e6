#include "ocsp/ocsp_types.hpp"

#include "ocsp/oids.hpp"
#include "detail/der_try.hpp"
#include "detail/ocsp_grammar.hpp"

#include <algorithm>

namespace ocsp {
namespace {

bool equal_bytes(der::bytes a, der::bytes b) noexcept { return std::ranges::equal(a, b); }

}  // namespace

bool same_certificate(const cert_id& a, const cert_id& b) noexcept {
  return oid::equal(a.hash_algorithm, b.hash_algorithm) && equal_bytes(a.issuer_name_hash, b.issuer_name_hash) &&
         equal_bytes(a.issuer_key_hash, b.issuer_key_hash) && equal_bytes(a.serial_number, b.serial_number);
}

// CertID (RFC 6960 4.1.1): see ocsp_types.hpp and detail/ocsp_grammar.hpp.
errc parse_cert_id(der::reader& in, cert_id& id) noexcept {
  const der::reader saved = in;
  const errc e = detail::get_cert_id(in, id);
  if (!der::ok(e)) in = saved;
  return e;
}

result<cert_id> parse_cert_id(der::reader& in) noexcept {
  cert_id id;
  if (const errc e = parse_cert_id(in, id); !der::ok(e)) return make_error_code(e);
  return id;
}

// Extension (RFC 5280 4.1): see ocsp_types.hpp. DER forbids encoding the DEFAULT, so an explicit
// critical FALSE is rejected.
errc parse_extension(der::reader& in, extension& ext) noexcept {
  const der::reader saved = in;
  const errc e = [&]() noexcept -> errc {
    der::reader seq;
    OCSP_DER_TRY(in.get(der::tag::sequence, seq));
    OCSP_DER_TRY(seq.get_oid(ext.oid));
    ext.critical = false;
    if (seq.next_is(der::tag::boolean)) {
      OCSP_DER_TRY(seq.get_boolean(ext.critical));
      if (!ext.critical) return errc::der_bad_boolean;
    }
    OCSP_DER_TRY(seq.get_octet_string(ext.value));
    return seq.end();
  }();
  if (!der::ok(e)) in = saved;
  return e;
}

result<extension> parse_extension(der::reader& in) noexcept {
  extension ext;
  if (const errc e = parse_extension(in, ext); !der::ok(e)) return make_error_code(e);
  return ext;
}

errc parse_extensions(der::reader contents, extension_list& out) noexcept {
  OCSP_DER_TRY(extension_list::parse(contents, out));
  // SIZE (1..MAX). An empty list is reported as a truncated one: nothing else in errc fits.
  return out.empty() ? errc::der_truncated : errc{};
}

result<extension_list> parse_extensions(der::reader contents) noexcept {
  extension_list list;
  if (const errc e = parse_extensions(contents, list); !der::ok(e)) return make_error_code(e);
  return list;
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
