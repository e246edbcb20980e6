// The OCSP response codec (RFC 6960 4.2): valid constructions, every strictness rule, truncation,
// trailing data, byte mutations, the byte-exact encoders, and responses made by `openssl ocsp`.
//
// Responses are built here by hand with der::writer from raw parts (independently of the encoders
// under test), so a rejection test can change exactly one part; the encoders are checked against
// those hand-built bytes and by encode(parse(x)) == x.
#include "support.hpp"

#include <ocsp/der.hpp>
#include <ocsp/error.hpp>
#include <ocsp/oids.hpp>
#include <ocsp/response.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <ctime>
#include <deque>
#include <filesystem>
#include <functional>
#include <initializer_list>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace {

namespace der = ocsp::der;
using ocsp::errc;
using buffer = std::vector<std::uint8_t>;
using std::chrono::sys_seconds;

// --- building DER by hand --------------------------------------------------------------------

buffer take(der::writer& w) {
  auto r = w.take();
  REQUIRE(r);
  return std::move(r).value();
}

template <class F>
buffer write(F&& f) {
  der::writer w;
  f(w);
  return take(w);
}

buffer cat(std::initializer_list<buffer> parts) {
  buffer out;
  for (const buffer& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

buffer tlv(std::uint8_t tag, const buffer& contents) {
  return write([&](der::writer& w) { w.add_element(tag, contents); });
}
buffer seq(std::initializer_list<buffer> parts) { return tlv(der::tag::sequence, cat(parts)); }
buffer ctx(unsigned n, std::initializer_list<buffer> parts) { return tlv(der::tag::context_constructed(n), cat(parts)); }
buffer gtime(sys_seconds t) {
  return write([&](der::writer& w) { w.add_generalized_time(t); });
}
buffer utctime(sys_seconds t) {
  return write([&](der::writer& w) { w.add_utc_time(t); });
}
buffer enumerated(std::int64_t v) {
  return write([&](der::writer& w) { w.add_enumerated(v); });
}
buffer integer(std::int64_t v) {
  return write([&](der::writer& w) { w.add_integer(v); });
}
buffer oid(der::bytes o) { return tlv(der::tag::object_identifier, buffer(o.begin(), o.end())); }
buffer octets(const buffer& b) { return tlv(der::tag::octet_string, b); }
const buffer null_element{0x05, 0x00};

bool same(der::bytes a, der::bytes b) { return std::ranges::equal(a, b); }

constexpr sys_seconds at(int y, unsigned mo, unsigned d, int h, int mi, int s) {
  return std::chrono::sys_days{std::chrono::year{y} / std::chrono::month{mo} / std::chrono::day{d}} +
         std::chrono::hours{h} + std::chrono::minutes{mi} + std::chrono::seconds{s};
}
constexpr sys_seconds produced = at(2024, 1, 2, 3, 4, 5);
constexpr sys_seconds this_upd = at(2024, 1, 2, 3, 0, 0);
constexpr sys_seconds next_upd = at(2024, 1, 9, 3, 0, 0);
constexpr sys_seconds revoked_at = at(2023, 12, 25, 10, 11, 12);

const buffer name_hash(20, 0x11);
const buffer key_hash(20, 0x22);
const buffer responder_key_hash(20, 0x33);
const buffer signature_bits(64, 0x5a);
const buffer nonce_value{0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10};
const buffer raw_nonce(16, 0xa5);  // not a DER element: 0xa5 0xa5 is an over-long length
const buffer crl_id_value{0x30, 0x00};

constexpr std::array<std::uint8_t, 8> ecdsa_with_sha256{0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02};
constexpr std::array<std::uint8_t, 9> sha256_with_rsa{0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b};
constexpr std::array<std::uint8_t, 9> ocsp_crl_id{0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30, 0x01, 0x03};
constexpr std::array<std::uint8_t, 3> common_name{0x55, 0x04, 0x03};

// Two's complement contents with a leading zero octet (the magnitude's top bit is set).
buffer serial_of(std::uint8_t n) { return {0x00, 0x9f, n}; }

buffer cert_id_der(std::uint8_t serial) {
  return seq({seq({oid(ocsp::oid::sha1), null_element}), octets(name_hash), octets(key_hash),
              tlv(der::tag::integer, serial_of(serial))});
}

buffer responder_name() {
  const std::string cn = "Test Responder";
  return seq({tlv(der::tag::set, seq({oid(common_name), tlv(0x0c, buffer(cn.begin(), cn.end()))}))});
}

buffer extension_der(der::bytes id, bool critical, const buffer& value) {
  return seq({oid(id), critical ? buffer{0x01, 0x01, 0xff} : buffer{}, octets(value)});
}

// The smallest Certificate parse_certificate accepts (v1, no extensions; not signed for real):
// embedded certificates are checked as certificates.
buffer fake_certificate(std::int64_t n) {
  constexpr std::array<std::uint8_t, 7> ec_public_key{0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01};
  constexpr std::array<std::uint8_t, 8> prime256v1{0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};
  const auto utc = [](std::string_view t) { return tlv(der::tag::utc_time, buffer(t.begin(), t.end())); };
  const buffer alg = seq({oid(ecdsa_with_sha256)});
  const buffer spki = seq({seq({oid(ec_public_key), oid(prime256v1)}), tlv(der::tag::bit_string, {0x00, 0x04, 0xab})});
  const buffer tbs =
      seq({integer(n), alg, responder_name(), seq({utc("250101000000Z"), utc("350101000000Z")}), responder_name(), spki});
  return seq({tbs, alg, tlv(der::tag::bit_string, {0x00, 0xab})});
}

// --- a response as raw parts -----------------------------------------------------------------

struct single_parts {
  buffer cert_id = cert_id_der(1);
  buffer status{0x80, 0x00};  // good
  buffer this_update = gtime(this_upd);
  buffer next_update;  // the whole [0] element, empty when absent
  buffer extensions;   // the whole [1] element, empty when absent
  buffer trailing;
};

buffer build_single(const single_parts& p) {
  return seq({p.cert_id, p.status, p.this_update, p.next_update, p.extensions, p.trailing});
}

struct response_parts {
  buffer status = enumerated(0);
  bool response_bytes = true;
  buffer response_type = oid(ocsp::oid::pkix_ocsp_basic);
  buffer version;  // the whole [0] element, empty for the DEFAULT
  buffer responder = ctx(1, {responder_name()});
  buffer produced_at = gtime(produced);
  buffer responses = seq({build_single({})});
  buffer extensions;  // the whole [1] element, empty when absent
  buffer signature_algorithm = seq({oid(ecdsa_with_sha256)});
  buffer signature = tlv(der::tag::bit_string, cat({{0x00}, signature_bits}));
  buffer certs;  // the whole [0] element, empty when absent
  // Bytes appended inside each level, innermost first (trailing-data tests).
  buffer trailing_tbs, trailing_basic, trailing_octets, trailing_response_bytes, trailing_explicit, trailing_outer,
      trailing_after;
};

buffer build_basic(const response_parts& p) {
  const buffer tbs = seq({p.version, p.responder, p.produced_at, p.responses, p.extensions, p.trailing_tbs});
  return seq({tbs, p.signature_algorithm, p.signature, p.certs, p.trailing_basic});
}

// OCSPResponse around `basic`, which lands in the OCTET STRING as it is.
buffer wrap_basic(const response_parts& p, const buffer& basic) {
  buffer contents = p.status;
  if (p.response_bytes) {
    const buffer response_bytes =
        seq({p.response_type, octets(cat({basic, p.trailing_octets})), p.trailing_response_bytes});
    contents = cat({contents, ctx(0, {response_bytes, p.trailing_explicit})});
  }
  return cat({tlv(der::tag::sequence, cat({contents, p.trailing_outer})), p.trailing_after});
}

buffer build(const response_parts& p) { return wrap_basic(p, build_basic(p)); }

// --- a response as a model -------------------------------------------------------------------

struct single_spec {
  ocsp::cert_status status = ocsp::cert_status::good;
  std::optional<ocsp::revocation_reason> reason;
  bool next_update = true;
  bool extensions = false;
  std::uint8_t serial = 1;
};

enum class nonce_kind { none, nested, raw };

struct response_spec {
  std::vector<single_spec> singles = std::vector<single_spec>(1);  // one good single response
  bool by_key = false;
  nonce_kind nonce = nonce_kind::none;
  bool other_extension = false;  // a critical crlID next to the nonce
  int certs = 0;
  bool rsa = false;  // sha256WithRSAEncryption with NULL parameters instead of ecdsa-with-SHA256
};

buffer single_extensions_der() { return extension_der(ocsp_crl_id, false, crl_id_value); }

buffer response_extensions_der(const response_spec& spec) {
  buffer list;
  if (spec.nonce == nonce_kind::nested) list = cat({list, extension_der(ocsp::oid::pkix_ocsp_nonce, false, octets(nonce_value))});
  if (spec.nonce == nonce_kind::raw) list = cat({list, extension_der(ocsp::oid::pkix_ocsp_nonce, false, raw_nonce)});
  if (spec.other_extension) list = cat({list, extension_der(ocsp_crl_id, true, crl_id_value)});
  return list;
}

single_parts parts_of(const single_spec& s) {
  single_parts p;
  p.cert_id = cert_id_der(s.serial);
  switch (s.status) {
    case ocsp::cert_status::good: p.status = {0x80, 0x00}; break;
    case ocsp::cert_status::unknown: p.status = {0x82, 0x00}; break;
    case ocsp::cert_status::revoked:
      p.status = tlv(der::tag::context_constructed(1),
                     cat({gtime(revoked_at), s.reason ? ctx(0, {enumerated(static_cast<std::int64_t>(*s.reason))}) : buffer{}}));
      break;
  }
  if (s.next_update) p.next_update = ctx(0, {gtime(next_upd)});
  if (s.extensions) p.extensions = ctx(1, {seq({single_extensions_der()})});
  return p;
}

response_parts parts_of(const response_spec& spec) {
  response_parts p;
  if (spec.by_key) p.responder = ctx(2, {octets(responder_key_hash)});
  buffer singles;
  for (const single_spec& s : spec.singles) singles = cat({singles, build_single(parts_of(s))});
  p.responses = tlv(der::tag::sequence, singles);
  const buffer exts = response_extensions_der(spec);
  if (!exts.empty()) p.extensions = ctx(1, {tlv(der::tag::sequence, exts)});
  if (spec.rsa) p.signature_algorithm = seq({oid(sha256_with_rsa), null_element});
  if (spec.certs > 0) {
    buffer certs;
    for (int i = 0; i < spec.certs; ++i) certs = cat({certs, fake_certificate(i + 1)});
    p.certs = ctx(0, {tlv(der::tag::sequence, certs)});
  }
  return p;
}

buffer build(const response_spec& spec) { return build(parts_of(spec)); }

// Checks a parsed response against its model.
void check_matches(const ocsp::ocsp_response& r, const response_spec& spec, const buffer& der_bytes) {
  REQUIRE(r.status == ocsp::response_status::successful);
  REQUIRE(r.basic);
  const ocsp::basic_response& b = *r.basic;

  // The signed bytes are a view of exactly the ResponseData element inside the caller's buffer.
  REQUIRE_FALSE(b.tbs_response_data.empty());
  CHECK(b.tbs_response_data.data() >= der_bytes.data());
  CHECK(b.tbs_response_data.data() + b.tbs_response_data.size() <= der_bytes.data() + der_bytes.size());
  CHECK(b.tbs_response_data[0] == der::tag::sequence);
  CHECK(same(write([&](der::writer& w) { ocsp::encode_tbs_response_data(w, b); }), b.tbs_response_data));

  if (spec.by_key) {
    CHECK(b.responder.type == ocsp::responder_id::kind::by_key);
    CHECK(same(b.responder.value, responder_key_hash));
  } else {
    CHECK(b.responder.type == ocsp::responder_id::kind::by_name);
    CHECK(same(b.responder.value, responder_name()));
  }
  CHECK(b.produced_at == produced);

  REQUIRE(b.responses.size() == spec.singles.size());
  std::size_t i = 0;
  for (const ocsp::single_response& s : b.responses) {
    REQUIRE(i < spec.singles.size());
    const single_spec& want = spec.singles[i++];
    CHECK(same(s.id.hash_algorithm, ocsp::oid::sha1));
    CHECK(same(s.id.hash_parameters, null_element));
    CHECK(same(s.id.issuer_name_hash, name_hash));
    CHECK(same(s.id.issuer_key_hash, key_hash));
    CHECK(same(s.id.serial_number, serial_of(want.serial)));
    CHECK(s.status == want.status);
    if (want.status == ocsp::cert_status::revoked) {
      CHECK(s.revocation_time == revoked_at);
      CHECK(s.reason == want.reason);
    } else {
      CHECK_FALSE(s.revocation_time);
      CHECK_FALSE(s.reason);
    }
    CHECK(s.this_update == this_upd);
    CHECK(s.next_update == (want.next_update ? std::optional<sys_seconds>(next_upd) : std::nullopt));
    REQUIRE(s.extensions.has_value() == want.extensions);
    if (want.extensions) {
      REQUIRE(s.extensions->size() == 1);
      const auto ext = ocsp::find_extension(*s.extensions, ocsp_crl_id);
      REQUIRE(ext);
      CHECK_FALSE(ext->critical);
      CHECK(same(ext->value, crl_id_value));
    }
  }
  CHECK(i == spec.singles.size());

  const bool has_extensions = spec.nonce != nonce_kind::none || spec.other_extension;
  REQUIRE(b.extensions.has_value() == has_extensions);
  if (has_extensions) {
    CHECK(same(b.extensions->contents(), response_extensions_der(spec)));
    CHECK(b.extensions->size() == (spec.nonce != nonce_kind::none ? 1U : 0U) + (spec.other_extension ? 1U : 0U));
  }
  switch (spec.nonce) {
    case nonce_kind::none: CHECK_FALSE(b.nonce()); break;
    case nonce_kind::nested:
      REQUIRE(b.nonce());
      CHECK(same(*b.nonce(), nonce_value));
      break;
    case nonce_kind::raw:
      REQUIRE(b.nonce());
      CHECK(same(*b.nonce(), raw_nonce));
      break;
  }

  if (spec.rsa) {
    CHECK(same(b.signature_algorithm, sha256_with_rsa));
    CHECK(same(b.signature_parameters, null_element));
  } else {
    CHECK(same(b.signature_algorithm, ecdsa_with_sha256));
    CHECK(b.signature_parameters.empty());
  }
  CHECK(same(b.signature.bits, signature_bits));
  CHECK(b.signature.unused_bits == 0);

  REQUIRE(b.certs.size() == static_cast<std::size_t>(spec.certs));
  std::int64_t n = 0;
  for (const der::bytes cert : b.certs) CHECK(same(cert, fake_certificate(++n)));
  CHECK(n == spec.certs);
}

// The response of `spec` built from fields with the encoders under test; `keep` owns the bytes
// the views point into.
ocsp::ocsp_response from_fields(const response_spec& spec, std::deque<buffer>& keep) {
  auto hold = [&](buffer b) -> der::bytes {
    keep.push_back(std::move(b));  // a deque never moves its elements on push_back
    return keep.back();
  };
  const der::bytes sha1_params = hold(null_element);

  der::writer singles;
  for (const single_spec& want : spec.singles) {
    ocsp::single_response s;
    s.id = ocsp::cert_id{ocsp::oid::sha1, sha1_params, name_hash, key_hash, hold(serial_of(want.serial))};
    s.status = want.status;
    if (want.status == ocsp::cert_status::revoked) {
      s.revocation_time = revoked_at;
      s.reason = want.reason;
    }
    s.this_update = this_upd;
    if (want.next_update) s.next_update = next_upd;
    if (want.extensions) {
      const der::bytes list = hold(write([](der::writer& w) {
        ocsp::encode(w, ocsp::extension{ocsp_crl_id, false, crl_id_value});
      }));
      s.extensions = ocsp::extension_list(der::reader(list), 1);
    }
    ocsp::encode(singles, s);
  }

  ocsp::basic_response b;
  if (spec.by_key) {
    b.responder = {ocsp::responder_id::kind::by_key, responder_key_hash};
  } else {
    b.responder = {ocsp::responder_id::kind::by_name, hold(responder_name())};
  }
  b.produced_at = produced;
  b.responses = ocsp::single_response_list(der::reader(hold(take(singles))), spec.singles.size());

  der::writer exts;
  std::size_t ext_count = 0;
  if (spec.nonce != nonce_kind::none) {
    const der::bytes value = spec.nonce == nonce_kind::nested ? hold(octets(nonce_value)) : der::bytes(raw_nonce);
    ocsp::encode(exts, ocsp::extension{ocsp::oid::pkix_ocsp_nonce, false, value});
    ++ext_count;
  }
  if (spec.other_extension) {
    ocsp::encode(exts, ocsp::extension{ocsp_crl_id, true, crl_id_value});
    ++ext_count;
  }
  if (ext_count > 0) b.extensions = ocsp::extension_list(der::reader(hold(take(exts))), ext_count);

  if (spec.rsa) {
    b.signature_algorithm = sha256_with_rsa;
    b.signature_parameters = sha1_params;  // NULL
  } else {
    b.signature_algorithm = ecdsa_with_sha256;
  }
  b.signature = der::bit_string{signature_bits, 0};
  if (spec.certs > 0) {
    buffer certs;
    for (int i = 0; i < spec.certs; ++i) certs = cat({certs, fake_certificate(i + 1)});
    b.certs = ocsp::certificate_list(der::reader(hold(std::move(certs))), static_cast<std::size_t>(spec.certs));
  }
  return ocsp::ocsp_response{ocsp::response_status::successful, b};
}

buffer encode_response(const ocsp::ocsp_response& r) {
  return write([&](der::writer& w) { ocsp::encode(w, r); });
}

// A representative set of valid responses: every feature on its own and in combination.
std::vector<response_spec> valid_specs() {
  using ocsp::cert_status;
  using ocsp::revocation_reason;
  const std::vector<single_spec> single_variants{
      {cert_status::good, std::nullopt, true, false, 1},
      {cert_status::good, std::nullopt, false, false, 2},
      {cert_status::revoked, std::nullopt, true, false, 3},
      {cert_status::revoked, revocation_reason::key_compromise, false, true, 4},
      {cert_status::revoked, revocation_reason::aa_compromise, true, false, 5},
      {cert_status::unknown, std::nullopt, true, true, 6},
      {cert_status::unknown, std::nullopt, false, false, 7},
  };
  std::vector<response_spec> specs;
  for (const single_spec& s : single_variants) {
    for (const bool by_key : {false, true}) {
      for (const nonce_kind nonce : {nonce_kind::none, nonce_kind::nested, nonce_kind::raw}) {
        for (const int certs : {0, 1, 2}) {
          response_spec spec;
          spec.singles = {s};
          spec.by_key = by_key;
          spec.nonce = nonce;
          spec.other_extension = certs == 1;
          spec.certs = certs;
          spec.rsa = by_key;
          specs.push_back(spec);
        }
      }
    }
  }
  response_spec several;
  several.singles = single_variants;
  several.nonce = nonce_kind::nested;
  several.other_extension = true;
  several.certs = 2;
  specs.push_back(several);
  return specs;
}

// Every reason RFC 5280 defines, each in a revoked SingleResponse.
std::vector<response_spec> reason_specs() {
  std::vector<response_spec> specs;
  for (const int v : {0, 1, 2, 3, 4, 5, 6, 8, 9, 10}) {
    response_spec spec;
    spec.singles = {{ocsp::cert_status::revoked, static_cast<ocsp::revocation_reason>(v), true, false, 9}};
    specs.push_back(spec);
  }
  return specs;
}

void check_error(const buffer& input, errc expected) {
  const auto r = ocsp::parse_ocsp_response(input);
  REQUIRE_FALSE(r);
  CHECK(r.error() == ocsp::make_error_code(expected));
}

}  // namespace

TEST_CASE("response: status and reason names are the RFCs'", "[response]") {
  using ocsp::response_status;
  CHECK(ocsp::to_string(response_status::successful) == "successful");
  CHECK(ocsp::to_string(response_status::malformed_request) == "malformedRequest");
  CHECK(ocsp::to_string(response_status::internal_error) == "internalError");
  CHECK(ocsp::to_string(response_status::try_later) == "tryLater");
  CHECK(ocsp::to_string(response_status::sig_required) == "sigRequired");
  CHECK(ocsp::to_string(response_status::unauthorized) == "unauthorized");
  CHECK(ocsp::to_string(static_cast<response_status>(4)) == "");

  using ocsp::revocation_reason;
  CHECK(ocsp::to_string(revocation_reason::unspecified) == "unspecified");
  CHECK(ocsp::to_string(revocation_reason::key_compromise) == "keyCompromise");
  CHECK(ocsp::to_string(revocation_reason::ca_compromise) == "cACompromise");
  CHECK(ocsp::to_string(revocation_reason::affiliation_changed) == "affiliationChanged");
  CHECK(ocsp::to_string(revocation_reason::superseded) == "superseded");
  CHECK(ocsp::to_string(revocation_reason::cessation_of_operation) == "cessationOfOperation");
  CHECK(ocsp::to_string(revocation_reason::certificate_hold) == "certificateHold");
  CHECK(ocsp::to_string(revocation_reason::remove_from_crl) == "removeFromCRL");
  CHECK(ocsp::to_string(revocation_reason::privilege_withdrawn) == "privilegeWithdrawn");
  CHECK(ocsp::to_string(revocation_reason::aa_compromise) == "aACompromise");
  CHECK(ocsp::to_string(static_cast<revocation_reason>(7)) == "");
}

TEST_CASE("response: a non-successful status is the ENUMERATED alone", "[response]") {
  using ocsp::response_status;
  for (const response_status s : {response_status::malformed_request, response_status::internal_error,
                                  response_status::try_later, response_status::sig_required,
                                  response_status::unauthorized}) {
    CAPTURE(ocsp::to_string(s));
    const buffer input = seq({enumerated(static_cast<std::int64_t>(s))});
    const auto r = ocsp::parse_ocsp_response(input);
    REQUIRE(r);
    CHECK(r.value().status == s);
    CHECK_FALSE(r.value().basic);
    CHECK(encode_response(r.value()) == input);
    CHECK(encode_response(ocsp::ocsp_response{s, std::nullopt}) == input);
  }
}

TEST_CASE("response: valid constructions parse to their fields and re-encode byte for byte", "[response]") {
  std::vector<response_spec> specs = valid_specs();
  for (const response_spec& spec : reason_specs()) specs.push_back(spec);
  std::size_t index = 0;
  for (const response_spec& spec : specs) {
    CAPTURE(index++);
    const buffer input = build(spec);
    const auto r = ocsp::parse_ocsp_response(input);
    REQUIRE(r);
    check_matches(r.value(), spec, input);
    // encode(parse(x)) == x.
    CHECK(encode_response(r.value()) == input);
    // The encoders, fed fields rather than parsed views, produce the hand-built bytes too.
    std::deque<buffer> keep;
    CHECK(encode_response(from_fields(spec, keep)) == input);
  }
}

TEST_CASE("response: several single responses keep their order and statuses", "[response]") {
  response_spec spec;
  spec.singles = {{ocsp::cert_status::unknown, std::nullopt, false, false, 30},
                  {ocsp::cert_status::good, std::nullopt, true, true, 31},
                  {ocsp::cert_status::revoked, ocsp::revocation_reason::superseded, true, false, 32}};
  const buffer input = build(spec);
  const auto r = ocsp::parse_ocsp_response(input);
  REQUIRE(r);
  REQUIRE(r.value().basic->responses.size() == 3);
  std::vector<ocsp::cert_status> statuses;
  std::vector<std::uint8_t> serials;
  for (const ocsp::single_response& s : r.value().basic->responses) {
    statuses.push_back(s.status);
    serials.push_back(s.id.serial_number.back());
  }
  CHECK(statuses == std::vector<ocsp::cert_status>{ocsp::cert_status::unknown, ocsp::cert_status::good,
                                                   ocsp::cert_status::revoked});
  CHECK(serials == std::vector<std::uint8_t>{30, 31, 32});
  check_matches(r.value(), spec, input);
}

TEST_CASE("response: the nonce is read nested (RFC 8954) and raw", "[response]") {
  SECTION("nested OCTET STRING: the inner contents") {
    response_spec spec;
    spec.nonce = nonce_kind::nested;
    const buffer input = build(spec);
    const auto r = ocsp::parse_ocsp_response(input);
    REQUIRE(r);
    REQUIRE(r.value().basic->nonce());
    CHECK(same(*r.value().basic->nonce(), nonce_value));
  }
  SECTION("raw bytes: extnValue's contents as they are") {
    response_spec spec;
    spec.nonce = nonce_kind::raw;
    spec.other_extension = true;
    const buffer input = build(spec);
    const auto r = ocsp::parse_ocsp_response(input);
    REQUIRE(r);
    REQUIRE(r.value().basic->nonce());
    CHECK(same(*r.value().basic->nonce(), raw_nonce));
  }
  SECTION("an OCTET STRING followed by more bytes is raw") {
    response_parts p;
    const buffer value = cat({octets(nonce_value), {0x05, 0x00}});
    p.extensions = ctx(1, {seq({extension_der(ocsp::oid::pkix_ocsp_nonce, false, value)})});
    const buffer input = build(p);  // the parse result views these bytes: keep them alive
    const auto r = ocsp::parse_ocsp_response(input);
    REQUIRE(r);
    REQUIRE(r.value().basic->nonce());
    CHECK(same(*r.value().basic->nonce(), value));
  }
  SECTION("absent: nullopt, with or without other extensions") {
    response_spec spec;
    const buffer plain = build(spec);
    auto r = ocsp::parse_ocsp_response(plain);
    REQUIRE(r);
    CHECK_FALSE(r.value().basic->nonce());
    spec.other_extension = true;
    const buffer input = build(spec);
    r = ocsp::parse_ocsp_response(input);
    REQUIRE(r);
    CHECK(r.value().basic->extensions);
    CHECK_FALSE(r.value().basic->nonce());
  }
}

TEST_CASE("response: duplicate extensions parse, nonce() reports the first, find_unique_extension refuses", "[response]") {
  // docs/codec.md: duplicates are valid DER and both oracles parse them; the ambiguity is refused
  // where it matters, by find_unique_extension.
  single_parts s;
  s.extensions = ctx(1, {seq({single_extensions_der(), single_extensions_der()})});
  response_parts p;
  p.responses = seq({build_single(s)});
  const buffer other_nonce(8, 0x77);
  p.extensions = ctx(1, {seq({extension_der(ocsp::oid::pkix_ocsp_nonce, false, octets(nonce_value)), single_extensions_der(),
                              extension_der(ocsp::oid::pkix_ocsp_nonce, false, octets(other_nonce))})});
  const buffer input = build(p);
  const auto r = ocsp::parse_ocsp_response(input);
  REQUIRE(r);
  const ocsp::basic_response& b = *r.value().basic;
  REQUIRE(b.extensions);
  CHECK(b.extensions->size() == 3);
  REQUIRE(b.nonce());
  CHECK(same(*b.nonce(), nonce_value));
  const auto unique_nonce = ocsp::find_unique_extension(*b.extensions, ocsp::oid::pkix_ocsp_nonce);
  REQUIRE_FALSE(unique_nonce);
  CHECK(unique_nonce.error() == ocsp::make_error_code(errc::ocsp_duplicate_extension));
  const ocsp::single_response single = *b.responses.begin();
  REQUIRE(single.extensions);
  CHECK(single.extensions->size() == 2);
  CHECK_FALSE(ocsp::find_unique_extension(*single.extensions, ocsp_crl_id));
  CHECK(encode_response(r.value()) == input);
}

TEST_CASE("response: every strictness rule has its rejection", "[response]") {
  struct rejection {
    const char* rule;
    buffer input;
    errc expected;
  };
  auto with = [](const std::function<void(response_parts&)>& change) {
    response_parts p;
    change(p);
    return build(p);
  };
  auto with_single = [&](const std::function<void(single_parts&)>& change) {
    single_parts s;
    change(s);
    return with([&](response_parts& p) { p.responses = seq({build_single(s)}); });
  };
  auto revoked = [](const buffer& contents) { return tlv(der::tag::context_constructed(1), contents); };
  const buffer good_single = build_single({});
  const buffer nine_byte_enumerated{0x0a, 0x09, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};

  std::vector<rejection> cases{
      // responseStatus: ENUMERATED, values of the enumeration only.
      {"status 4 is unused", seq({enumerated(4)}), errc::ocsp_unknown_response_status},
      {"status 7", seq({enumerated(7)}), errc::ocsp_unknown_response_status},
      {"status -1", seq({enumerated(-1)}), errc::ocsp_unknown_response_status},
      {"status too large for int64", seq({nine_byte_enumerated}), errc::ocsp_unknown_response_status},
      {"status 4 with responseBytes", with([](response_parts& p) { p.status = enumerated(4); }),
       errc::ocsp_unknown_response_status},
      {"status as INTEGER", seq({integer(0)}), errc::der_unexpected_tag},
      {"status non-minimal", seq({{0x0a, 0x02, 0x00, 0x01}}), errc::der_bad_integer},
      {"status missing", seq({}), errc::der_truncated},
      // responseBytes only when successful, [0] EXPLICIT.
      {"successful without responseBytes", seq({enumerated(0)}), errc::ocsp_missing_response_bytes},
      {"successful without responseBytes (via parts)", with([](response_parts& p) { p.response_bytes = false; }),
       errc::ocsp_missing_response_bytes},
      {"malformedRequest with responseBytes", with([](response_parts& p) { p.status = enumerated(1); }),
       errc::ocsp_unexpected_response_bytes},
      {"internalError with responseBytes", with([](response_parts& p) { p.status = enumerated(2); }),
       errc::ocsp_unexpected_response_bytes},
      {"tryLater with responseBytes", with([](response_parts& p) { p.status = enumerated(3); }),
       errc::ocsp_unexpected_response_bytes},
      {"sigRequired with responseBytes", with([](response_parts& p) { p.status = enumerated(5); }),
       errc::ocsp_unexpected_response_bytes},
      {"unauthorized with responseBytes", with([](response_parts& p) { p.status = enumerated(6); }),
       errc::ocsp_unexpected_response_bytes},
      {"responseBytes IMPLICIT (ResponseBytes' fields directly in [0])",
       seq({enumerated(0), ctx(0, {oid(ocsp::oid::pkix_ocsp_basic), octets(build_basic({}))})}), errc::der_unexpected_tag},
      {"responseBytes with tag [1]",
       seq({enumerated(0), ctx(1, {seq({oid(ocsp::oid::pkix_ocsp_basic), octets(build_basic({}))})})}),
       errc::der_trailing_data},
      // responseType: id-pkix-ocsp-basic only; one BasicOCSPResponse in the OCTET STRING.
      {"responseType id-pkix-ocsp-nonce", with([](response_parts& p) { p.response_type = oid(ocsp::oid::pkix_ocsp_nonce); }),
       errc::ocsp_unsupported_response_type},
      {"responseType ocsp (arc above basic)", with([](response_parts& p) { p.response_type = oid(ocsp::oid::ad_ocsp); }),
       errc::ocsp_unsupported_response_type},
      {"response not an OCTET STRING",
       seq({enumerated(0), ctx(0, {seq({oid(ocsp::oid::pkix_ocsp_basic), build_basic({})})})}), errc::der_unexpected_tag},
      {"two BasicOCSPResponses in the OCTET STRING",
       with([](response_parts& p) { p.trailing_octets = build_basic({}); }), errc::der_trailing_data},
      {"empty OCTET STRING", wrap_basic({}, {}), errc::der_truncated},
      // version [0] EXPLICIT Version DEFAULT v1.
      {"explicit v1 (DER forbids the DEFAULT)", with([](response_parts& p) { p.version = ctx(0, {integer(0)}); }),
       errc::der_bad_integer},
      {"v2", with([](response_parts& p) { p.version = ctx(0, {integer(1)}); }), errc::ocsp_unsupported_version},
      {"v3 (large)", with([](response_parts& p) { p.version = ctx(0, {integer(0x12345678)}); }),
       errc::ocsp_unsupported_version},
      {"version -1", with([](response_parts& p) { p.version = ctx(0, {integer(-1)}); }), errc::ocsp_unsupported_version},
      {"version IMPLICIT", with([](response_parts& p) { p.version = {0x80, 0x01, 0x01}; }), errc::der_unexpected_tag},
      {"version not an INTEGER", with([](response_parts& p) { p.version = ctx(0, {enumerated(1)}); }),
       errc::der_unexpected_tag},
      {"version non-minimal", with([](response_parts& p) { p.version = ctx(0, {{0x02, 0x02, 0x00, 0x01}}); }),
       errc::der_bad_integer},
      // ResponderID: byName [1] EXPLICIT Name, byKey [2] EXPLICIT KeyHash.
      {"byName holding a SET", with([](response_parts& p) { p.responder = ctx(1, {tlv(der::tag::set, {})}); }),
       errc::der_unexpected_tag},
      {"byName IMPLICIT (the Name's SET directly)",
       with([](response_parts& p) { p.responder = ctx(1, {tlv(der::tag::set, seq({oid(common_name)}))}); }),
       errc::der_unexpected_tag},
      {"byName empty", with([](response_parts& p) { p.responder = ctx(1, {}); }), errc::der_truncated},
      {"byKey holding a SEQUENCE", with([](response_parts& p) { p.responder = ctx(2, {seq({})}); }),
       errc::der_unexpected_tag},
      {"byKey IMPLICIT (primitive [2])", with([](response_parts& p) { p.responder = tlv(0x82, responder_key_hash); }),
       errc::der_unexpected_tag},
      {"responderID [0]", with([](response_parts& p) { p.responder = ctx(0, {octets(responder_key_hash)}); }),
       errc::der_unexpected_tag},
      {"responderID [3]", with([](response_parts& p) { p.responder = ctx(3, {octets(responder_key_hash)}); }),
       errc::der_unexpected_tag},
      {"responderID missing", with([](response_parts& p) { p.responder.clear(); }), errc::der_unexpected_tag},
      // producedAt, thisUpdate: GeneralizedTime; nextUpdate [0] EXPLICIT GeneralizedTime.
      {"producedAt UTCTime", with([](response_parts& p) { p.produced_at = utctime(produced); }), errc::der_unexpected_tag},
      {"producedAt with fraction",
       with([](response_parts& p) {
         const std::string t = "20240102030405.5Z";
         p.produced_at = tlv(der::tag::generalized_time, buffer(t.begin(), t.end()));
       }),
       errc::der_bad_time},
      {"thisUpdate UTCTime", with_single([](single_parts& s) { s.this_update = utctime(this_upd); }),
       errc::der_unexpected_tag},
      {"thisUpdate missing", with_single([](single_parts& s) { s.this_update.clear(); }), errc::der_truncated},
      {"nextUpdate IMPLICIT", with_single([](single_parts& s) { s.next_update = tlv(0x80, {}); }),
       errc::der_trailing_data},
      {"nextUpdate without its [0]", with_single([](single_parts& s) { s.next_update = gtime(next_upd); }),
       errc::der_trailing_data},
      {"nextUpdate UTCTime", with_single([](single_parts& s) { s.next_update = ctx(0, {utctime(next_upd)}); }),
       errc::der_unexpected_tag},
      {"nextUpdate empty", with_single([](single_parts& s) { s.next_update = ctx(0, {}); }), errc::der_truncated},
      {"nextUpdate after singleExtensions",
       with_single([](single_parts& s) {
         s.next_update = ctx(1, {seq({single_extensions_der()})});
         s.extensions = ctx(0, {gtime(next_upd)});
       }),
       errc::der_trailing_data},
      // singleExtensions / responseExtensions [1] EXPLICIT Extensions.
      {"singleExtensions IMPLICIT",
       with_single([](single_parts& s) { s.extensions = ctx(1, {single_extensions_der()}); }), errc::der_unexpected_tag},
      {"singleExtensions empty list", with_single([](single_parts& s) { s.extensions = ctx(1, {seq({})}); }),
       errc::der_truncated},
      {"singleExtensions explicit critical FALSE",
       with_single([](single_parts& s) {
         s.extensions = ctx(1, {seq({seq({oid(ocsp_crl_id), {0x01, 0x01, 0x00}, octets(crl_id_value)})})});
       }),
       errc::der_bad_boolean},
      {"singleExtensions [2]", with_single([](single_parts& s) { s.extensions = ctx(2, {seq({single_extensions_der()})}); }),
       errc::der_trailing_data},
      {"responseExtensions IMPLICIT",
       with([](response_parts& p) { p.extensions = ctx(1, {single_extensions_der()}); }), errc::der_unexpected_tag},
      {"an Extensions element that is not an Extension",
       with([](response_parts& p) { p.extensions = ctx(1, {seq({single_extensions_der(), null_element})}); }),
       errc::der_unexpected_tag},
      {"responseExtensions empty list", with([](response_parts& p) { p.extensions = ctx(1, {seq({})}); }),
       errc::der_truncated},
      {"responseExtensions [2]", with([](response_parts& p) { p.extensions = ctx(2, {seq({single_extensions_der()})}); }),
       errc::der_trailing_data},
      // CertStatus.
      {"good as constructed [0]", with_single([](single_parts& s) { s.status = ctx(0, {}); }), errc::ocsp_bad_cert_status},
      {"good as universal NULL", with_single([](single_parts& s) { s.status = null_element; }), errc::ocsp_bad_cert_status},
      {"good with contents", with_single([](single_parts& s) { s.status = {0x80, 0x01, 0x00}; }), errc::der_bad_null},
      {"revoked primitive [1]", with_single([](single_parts& s) { s.status = tlv(0x81, gtime(revoked_at)); }),
       errc::ocsp_bad_cert_status},
      {"unknown with contents", with_single([](single_parts& s) { s.status = {0x82, 0x01, 0x00}; }), errc::der_bad_null},
      {"unknown constructed [2]", with_single([](single_parts& s) { s.status = ctx(2, {}); }), errc::ocsp_bad_cert_status},
      {"certStatus [3]", with_single([](single_parts& s) { s.status = {0x83, 0x00}; }), errc::ocsp_bad_cert_status},
      {"certStatus missing (thisUpdate in its place)", with_single([](single_parts& s) { s.status.clear(); }),
       errc::ocsp_bad_cert_status},
      // RevokedInfo.
      {"revoked without revocationTime", with_single([&](single_parts& s) { s.status = revoked({}); }),
       errc::der_truncated},
      {"revocationTime UTCTime", with_single([&](single_parts& s) { s.status = revoked(utctime(revoked_at)); }),
       errc::der_unexpected_tag},
      {"revocationReason 7 (unused)",
       with_single([&](single_parts& s) { s.status = revoked(cat({gtime(revoked_at), ctx(0, {enumerated(7)})})); }),
       errc::ocsp_bad_revocation_reason},
      {"revocationReason 11",
       with_single([&](single_parts& s) { s.status = revoked(cat({gtime(revoked_at), ctx(0, {enumerated(11)})})); }),
       errc::ocsp_bad_revocation_reason},
      {"revocationReason -1",
       with_single([&](single_parts& s) { s.status = revoked(cat({gtime(revoked_at), ctx(0, {enumerated(-1)})})); }),
       errc::ocsp_bad_revocation_reason},
      {"revocationReason too large for int64",
       with_single([&](single_parts& s) { s.status = revoked(cat({gtime(revoked_at), ctx(0, {nine_byte_enumerated})})); }),
       errc::ocsp_bad_revocation_reason},
      {"revocationReason as INTEGER",
       with_single([&](single_parts& s) { s.status = revoked(cat({gtime(revoked_at), ctx(0, {integer(1)})})); }),
       errc::der_unexpected_tag},
      {"revocationReason non-minimal",
       with_single([&](single_parts& s) { s.status = revoked(cat({gtime(revoked_at), ctx(0, {{0x0a, 0x02, 0x00, 0x01}})})); }),
       errc::der_bad_integer},
      {"revocationReason without its [0]",
       with_single([&](single_parts& s) { s.status = revoked(cat({gtime(revoked_at), enumerated(1)})); }),
       errc::der_trailing_data},
      {"revocationReason empty [0]",
       with_single([&](single_parts& s) { s.status = revoked(cat({gtime(revoked_at), ctx(0, {})})); }), errc::der_truncated},
      // responses: SEQUENCE OF SingleResponse, at least one.
      {"no single response", with([](response_parts& p) { p.responses = seq({}); }), errc::ocsp_no_single_response},
      {"responses not a SEQUENCE", with([&](response_parts& p) { p.responses = tlv(der::tag::set, good_single); }),
       errc::der_unexpected_tag},
      {"a bad second single response",
       with([&](response_parts& p) { p.responses = seq({good_single, seq({cert_id_der(2), {0x83, 0x00}, gtime(this_upd)})}); }),
       errc::ocsp_bad_cert_status},
      {"a single response that is not a SEQUENCE",
       with([&](response_parts& p) { p.responses = seq({good_single, null_element}); }), errc::der_unexpected_tag},
      {"CertID with a bad serial",
       with_single([](single_parts& s) {
         s.cert_id = seq({seq({oid(ocsp::oid::sha1)}), octets(name_hash), octets(key_hash), {0x02, 0x02, 0x00, 0x01}});
       }),
       errc::der_bad_integer},
      // BasicOCSPResponse: AlgorithmIdentifier, BIT STRING, certs [0] EXPLICIT SEQUENCE OF Certificate.
      {"signatureAlgorithm missing", with([](response_parts& p) { p.signature_algorithm.clear(); }),
       errc::der_unexpected_tag},
      {"signatureAlgorithm without OID", with([](response_parts& p) { p.signature_algorithm = seq({null_element}); }),
       errc::der_unexpected_tag},
      {"signature not a BIT STRING", with([](response_parts& p) { p.signature = octets(signature_bits); }),
       errc::der_unexpected_tag},
      {"signature with bad unused bits", with([](response_parts& p) { p.signature = tlv(der::tag::bit_string, {0x08, 0xff}); }),
       errc::der_bad_bit_string},
      {"certs IMPLICIT", with([](response_parts& p) { p.certs = ctx(0, {fake_certificate(1), fake_certificate(2)}); }),
       errc::der_trailing_data},
      {"certs holding a SET", with([](response_parts& p) { p.certs = ctx(0, {tlv(der::tag::set, fake_certificate(1))}); }),
       errc::der_unexpected_tag},
      {"a certificate that is not a SEQUENCE",
       with([](response_parts& p) { p.certs = ctx(0, {seq({fake_certificate(1), octets({0x01})})}); }),
       errc::der_unexpected_tag},
      {"a certificate that is a SEQUENCE but not a Certificate (TBSCertificate stops after the serial)",
       with([](response_parts& p) {
         p.certs = ctx(0, {seq({seq({seq({integer(1)}), seq({oid(ecdsa_with_sha256)}), tlv(der::tag::bit_string, {0x00, 0xab})})})});
       }),
       errc::der_truncated},
      {"certs present but empty", with([](response_parts& p) { p.certs = ctx(0, {seq({})}); }), errc::der_truncated},
      {"certs [1]", with([](response_parts& p) { p.certs = ctx(1, {seq({fake_certificate(1)})}); }),
       errc::der_trailing_data},
      // Strict DER, enforced by der::reader at every level.
      {"empty input", {}, errc::der_truncated},
      {"not a SEQUENCE", tlv(der::tag::set, enumerated(0)), errc::der_unexpected_tag},
      {"indefinite length", {0x30, 0x80, 0x0a, 0x01, 0x01, 0x00, 0x00}, errc::der_bad_length},
      {"non-minimal length", {0x30, 0x81, 0x03, 0x0a, 0x01, 0x01}, errc::der_bad_length},
      {"high tag number (in AlgorithmIdentifier's parameters)",
       with([](response_parts& p) { p.signature_algorithm = seq({oid(ecdsa_with_sha256), {0x1f, 0x81, 0x01, 0x00}}); }),
       errc::der_high_tag_number},
  };

  for (const rejection& c : cases) {
    CAPTURE(c.rule);
    check_error(c.input, c.expected);
  }
}

TEST_CASE("response: a trailing byte or element at every nesting level is rejected", "[response]") {
  using change = std::function<void(response_parts&)>;
  auto single_with = [](const std::function<void(single_parts&)>& f) -> change {
    return [f](response_parts& p) {
      single_parts s;
      f(s);
      p.responses = seq({build_single(s)});
    };
  };
  for (const buffer& extra : {buffer{0x00}, null_element}) {
    CAPTURE(extra);
    const std::vector<std::pair<const char*, change>> levels{
        {"after the OCSPResponse", [&](response_parts& p) { p.trailing_after = extra; }},
        {"in OCSPResponse", [&](response_parts& p) { p.trailing_outer = extra; }},
        {"in OCSPResponse (not successful)",
         [&](response_parts& p) {
           p.status = enumerated(3);
           p.response_bytes = false;
           p.trailing_outer = extra;
         }},
        {"in responseBytes [0]", [&](response_parts& p) { p.trailing_explicit = extra; }},
        {"in ResponseBytes", [&](response_parts& p) { p.trailing_response_bytes = extra; }},
        {"in the response OCTET STRING", [&](response_parts& p) { p.trailing_octets = extra; }},
        {"in BasicOCSPResponse", [&](response_parts& p) { p.trailing_basic = extra; }},
        {"in BasicOCSPResponse after certs",
         [&](response_parts& p) {
           p.certs = ctx(0, {seq({fake_certificate(1)})});
           p.trailing_basic = extra;
         }},
        {"in certs [0]", [&](response_parts& p) { p.certs = ctx(0, {seq({fake_certificate(1)}), extra}); }},
        {"in AlgorithmIdentifier",
         [&](response_parts& p) { p.signature_algorithm = seq({oid(sha256_with_rsa), null_element, extra}); }},
        {"in ResponseData", [&](response_parts& p) { p.trailing_tbs = extra; }},
        {"in ResponseData after responseExtensions",
         [&](response_parts& p) {
           p.extensions = ctx(1, {seq({single_extensions_der()})});
           p.trailing_tbs = extra;
         }},
        {"in version [0]", [&](response_parts& p) { p.version = ctx(0, {integer(1), extra}); }},
        {"in byName [1]", [&](response_parts& p) { p.responder = ctx(1, {responder_name(), extra}); }},
        {"in byKey [2]", [&](response_parts& p) { p.responder = ctx(2, {octets(responder_key_hash), extra}); }},
        {"in responseExtensions [1]",
         [&](response_parts& p) { p.extensions = ctx(1, {seq({single_extensions_der()}), extra}); }},
        {"in an Extension",
         [&](response_parts& p) {
           p.extensions = ctx(1, {seq({tlv(der::tag::sequence, cat({oid(ocsp_crl_id), octets(crl_id_value), extra}))})});
         }},
        {"in SingleResponse", single_with([&](single_parts& s) { s.trailing = extra; })},
        {"in SingleResponse after singleExtensions",
         single_with([&](single_parts& s) {
           s.extensions = ctx(1, {seq({single_extensions_der()})});
           s.trailing = extra;
         })},
        {"in CertID",
         single_with([&](single_parts& s) {
           s.cert_id = seq({seq({oid(ocsp::oid::sha1)}), octets(name_hash), octets(key_hash),
                            tlv(der::tag::integer, serial_of(1)), extra});
         })},
        {"in CertID's AlgorithmIdentifier",
         single_with([&](single_parts& s) {
           s.cert_id = seq({seq({oid(ocsp::oid::sha1), null_element, extra}), octets(name_hash), octets(key_hash),
                            tlv(der::tag::integer, serial_of(1))});
         })},
        {"in RevokedInfo",
         single_with([&](single_parts& s) { s.status = tlv(der::tag::context_constructed(1), cat({gtime(revoked_at), extra})); })},
        {"in RevokedInfo after the reason",
         single_with([&](single_parts& s) {
           s.status = tlv(der::tag::context_constructed(1), cat({gtime(revoked_at), ctx(0, {enumerated(1)}), extra}));
         })},
        {"in revocationReason [0]",
         single_with([&](single_parts& s) {
           s.status = tlv(der::tag::context_constructed(1), cat({gtime(revoked_at), ctx(0, {enumerated(1), extra})}));
         })},
        {"in nextUpdate [0]", single_with([&](single_parts& s) { s.next_update = ctx(0, {gtime(next_upd), extra}); })},
        {"in singleExtensions [1]",
         single_with([&](single_parts& s) { s.extensions = ctx(1, {seq({single_extensions_der()}), extra}); })},
    };
    for (const auto& [where, f] : levels) {
      CAPTURE(where);
      response_parts p;
      f(p);
      check_error(build(p), errc::der_trailing_data);
    }
  }
}

TEST_CASE("response: truncation at every byte offset fails cleanly", "[response]") {
  std::vector<response_spec> specs = valid_specs();
  for (const response_spec& spec : specs) {
    const buffer input = build(spec);
    for (std::size_t n = 0; n < input.size(); ++n) {
      const auto r = ocsp::parse_ocsp_response(der::bytes(input).first(n));
      if (r) FAIL("a truncation to " << n << " of " << input.size() << " bytes parsed");
      CHECK(r.error().category() == ocsp::error_category());
    }
    // The BasicOCSPResponse cut short inside a well-formed OCTET STRING fails too, one level down.
    const response_parts p = parts_of(spec);
    const buffer basic = build_basic(p);
    for (std::size_t n = 0; n < basic.size(); ++n) {
      const auto r = ocsp::parse_ocsp_response(wrap_basic(p, buffer(basic.begin(), basic.begin() + static_cast<std::ptrdiff_t>(n))));
      if (r) FAIL("a BasicOCSPResponse truncated to " << n << " of " << basic.size() << " bytes parsed");
      CHECK(r.error().category() == ocsp::error_category());
    }
  }
}

TEST_CASE("response: changed bytes never crash, and whatever parses re-encodes exactly", "[response]") {
  response_spec rich;
  rich.singles = {{ocsp::cert_status::revoked, ocsp::revocation_reason::key_compromise, true, true, 1},
                  {ocsp::cert_status::good, std::nullopt, false, false, 2},
                  {ocsp::cert_status::unknown, std::nullopt, true, false, 3}};
  rich.nonce = nonce_kind::nested;
  rich.other_extension = true;
  rich.certs = 2;
  rich.rsa = true;
  std::size_t accepted = 0;
  for (const response_spec& spec : {rich, response_spec{}}) {
    const buffer input = build(spec);
    for (std::size_t i = 0; i < input.size(); ++i) {
      for (const std::uint8_t value : {std::uint8_t{0x00}, std::uint8_t{0x80}, std::uint8_t{0xff},
                                       static_cast<std::uint8_t>(input[i] ^ 0x01U), static_cast<std::uint8_t>(input[i] + 1U)}) {
        buffer changed = input;
        changed[i] = value;
        const auto r = ocsp::parse_ocsp_response(changed);
        if (!r) {
          CHECK(r.error().category() == ocsp::error_category());
          continue;
        }
        ++accepted;
        CAPTURE(i, value);
        CHECK(encode_response(r.value()) == changed);
        REQUIRE(r.value().basic);
        // Every list iterates to its count.
        std::size_t n = 0;
        for (const ocsp::single_response& s : r.value().basic->responses) {
          CHECK_FALSE(s.id.serial_number.empty());
          ++n;
        }
        CHECK(n == r.value().basic->responses.size());
      }
    }
  }
  CHECK(accepted > 0);  // e.g. a changed hash, time digit or signature byte is still a response
}

TEST_CASE("response: the list element parsers leave the reader where it was on failure", "[response]") {
  const buffer good = build_single({});
  single_parts bad_parts;
  bad_parts.status = {0x83, 0x00};
  const buffer bad = build_single(bad_parts);
  const buffer both = cat({good, bad});
  der::reader in(both);
  REQUIRE(ocsp::parse_single_response(in));
  CHECK(in.size() == bad.size());
  const auto r = ocsp::parse_single_response(in);
  REQUIRE_FALSE(r);
  CHECK(r.error() == ocsp::make_error_code(errc::ocsp_bad_cert_status));
  CHECK(in.size() == bad.size());

  const buffer certs = cat({fake_certificate(1), octets({0x01})});
  der::reader c(certs);
  const auto cert = ocsp::parse_certificate_element(c);
  REQUIRE(cert);
  CHECK(same(cert.value(), fake_certificate(1)));
  const auto not_cert = ocsp::parse_certificate_element(c);
  REQUIRE_FALSE(not_cert);
  CHECK(not_cert.error() == ocsp::make_error_code(errc::der_unexpected_tag));
  CHECK(c.size() == 3);
}

TEST_CASE("response: the encoder will not invent a revocation time", "[response]") {
  const buffer serial = serial_of(1);
  ocsp::single_response s;
  s.id = ocsp::cert_id{ocsp::oid::sha1, {}, name_hash, key_hash, serial};
  s.status = ocsp::cert_status::revoked;
  s.this_update = this_upd;
  {
    der::writer w;
    ocsp::encode(w, s);  // the CertID alone is fine: only the missing time fails
    s.revocation_time = revoked_at;
    der::writer complete;
    ocsp::encode(complete, s);
    REQUIRE(complete.finish());
    s.revocation_time.reset();
  }
  der::writer w;
  ocsp::encode(w, s);
  const auto r = w.finish();
  REQUIRE_FALSE(r);
  CHECK(r.error() == ocsp::make_error_code(errc::der_bad_time));
}

TEST_CASE("response: a parsed response owns nothing (views only, no heap)", "[response]") {
  // Trivially copyable means no member can own memory: the parse result is views and counts.
  STATIC_REQUIRE(std::is_trivially_copyable_v<ocsp::ocsp_response>);
  STATIC_REQUIRE(std::is_trivially_copyable_v<ocsp::single_response>);
  STATIC_REQUIRE(noexcept(ocsp::parse_ocsp_response(der::bytes{})));
}

// --- responses made by the openssl CLI ---------------------------------------------------------

namespace {

std::string quoted(const std::filesystem::path& p) {
  std::string out(1, '\'');  // built by appending: GCC 12 -O3 warns (-Wrestrict) on "'" + string
  out += p.string();
  out += '\'';
  return out;
}

// Runs a shell command, bounded in time; its output goes to `log`.
void run(const std::string& command, const std::filesystem::path& log) {
  const std::string line = "timeout 60 " + command + " >>" + quoted(log) + " 2>&1 </dev/null";
  const int rc = std::system(line.c_str());
  if (rc != 0) FAIL("command failed (" << rc << "): " << line << "\n" << ocsp_test::read_text(log));
}

buffer read_bytes(const std::filesystem::path& path) {
  const std::string text = ocsp_test::read_text(path);
  return buffer(text.begin(), text.end());
}

std::string upper_hex_without_leading_zeros(der::bytes b) {
  while (!b.empty() && b[0] == 0) b = b.subspan(1);
  static constexpr char digits[] = "0123456789ABCDEF";
  std::string out;
  for (const std::uint8_t x : b) {
    out += digits[x >> 4];
    out += digits[x & 0x0f];
  }
  return out;
}

// The nonce of an OCSP request made by openssl: found by its OID, read with der::reader.
std::optional<buffer> request_nonce(const buffer& request) {
  const buffer needle = oid(ocsp::oid::pkix_ocsp_nonce);
  const auto at_oid = std::search(request.begin(), request.end(), needle.begin(), needle.end());
  if (at_oid == request.end()) return std::nullopt;
  der::reader in(der::bytes(request).subspan(static_cast<std::size_t>(at_oid - request.begin())));
  REQUIRE(in.read_oid());
  const auto value = in.read_octet_string();
  REQUIRE(value);
  const auto inner = der::read_single(value.value(), der::tag::octet_string);
  REQUIRE(inner);
  const der::bytes nonce = inner.value().data();
  return buffer(nonce.begin(), nonce.end());
}

struct openssl_case {
  const char* name;
  char index_kind;                 // 'V', 'R' or 'U' (serial not in the index)
  const char* revocation;          // the index's revocation field for 'R'
  std::optional<ocsp::revocation_reason> reason;
  bool nonce;
  bool next_update;                // -ndays 1
  bool key_id;                     // -resp_key_id
  bool certs;                      // without -resp_no_certs
};

}  // namespace

TEST_CASE("response: decodes responses made by openssl ocsp", "[response][openssl]") {
  const std::filesystem::path pki = ocsp_test::pki_dir();
  const auto proxy = ocsp_test::load_pki_cert("proxy");
  const std::string serial = proxy->serial_hex();
  const sys_seconds revocation = at(2024, 1, 2, 3, 4, 5);

  const std::vector<openssl_case> cases{
      {"good, nonce, nextUpdate, byName, certs", 'V', "", std::nullopt, true, true, false, true},
      {"good, no nonce, no nextUpdate, byKey, no certs", 'V', "", std::nullopt, false, false, true, false},
      {"revoked with keyCompromise", 'R', "240102030405Z,keyCompromise", ocsp::revocation_reason::key_compromise, true,
       true, false, true},
      {"revoked with cACompromise, byKey", 'R', "240102030405Z,CACompromise", ocsp::revocation_reason::ca_compromise,
       false, true, true, false},
      {"revoked without reason", 'R', "240102030405Z", std::nullopt, true, false, false, true},
      {"unknown serial", 'U', "", std::nullopt, true, true, false, true},
  };
  for (const openssl_case& c : cases) {
    CAPTURE(c.name);
    ocsp_test::temp_dir tmp;
    const auto log = tmp / "openssl.log";
    const auto index = tmp / "index.txt";
    const std::string index_serial = c.index_kind == 'U' ? std::string("01") : serial;
    const std::string state = c.index_kind == 'R' ? "R" : "V";
    ocsp_test::write_text(index, state + "\t301231235959Z\t" + c.revocation + "\t" + index_serial +
                                     "\tunknown\t/O=libocsp tests/CN=proxy.test\n");

    run("openssl ocsp -issuer " + quoted(pki / "ca.pem") + " -cert " + quoted(pki / "proxy.pem") + " -reqout " +
            quoted(tmp / "req.der") + (c.nonce ? " -nonce" : " -no_nonce"),
        log);
    const auto before = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
    run("openssl ocsp -index " + quoted(index) + " -CA " + quoted(pki / "ca.pem") + " -rsigner " +
            quoted(pki / "ca.pem") + " -rkey " + quoted(pki / "ca.key") + " -reqin " + quoted(tmp / "req.der") +
            " -respout " + quoted(tmp / "resp.der") + (c.next_update ? " -ndays 1" : "") +
            (c.key_id ? " -resp_key_id" : "") + (c.certs ? "" : " -resp_no_certs"),
        log);
    const auto after = std::chrono::ceil<std::chrono::seconds>(std::chrono::system_clock::now());

    const buffer request = read_bytes(tmp / "req.der");
    const buffer input = read_bytes(tmp / "resp.der");
    REQUIRE_FALSE(input.empty());
    const auto parsed = ocsp::parse_ocsp_response(input);
    if (!parsed) FAIL("openssl's response does not parse: " << parsed.error().message());
    const ocsp::ocsp_response& r = parsed.value();
    REQUIRE(r.status == ocsp::response_status::successful);
    REQUIRE(r.basic);
    const ocsp::basic_response& b = *r.basic;

    CHECK(b.produced_at >= before);
    CHECK(b.produced_at <= after);
    if (c.key_id) {
      CHECK(b.responder.type == ocsp::responder_id::kind::by_key);
      CHECK(b.responder.value.size() == 20);  // SHA-1 of the responder's public key
    } else {
      CHECK(b.responder.type == ocsp::responder_id::kind::by_name);
      REQUIRE_FALSE(b.responder.value.empty());
      CHECK(b.responder.value[0] == der::tag::sequence);
    }
    CHECK(same(b.signature_algorithm, ecdsa_with_sha256));
    CHECK(b.signature_parameters.empty());
    CHECK_FALSE(b.signature.bits.empty());
    CHECK(b.certs.size() == (c.certs ? 1U : 0U));
    if (c.certs) {
      // The signer's certificate, ca.pem, is the one embedded.
      CHECK(same(*b.certs.begin(), proxy->issuer_der()));
    }

    REQUIRE(b.responses.size() == 1);
    const ocsp::single_response s = *b.responses.begin();
    CHECK(upper_hex_without_leading_zeros(s.id.serial_number) == serial);
    CHECK(same(s.id.hash_algorithm, ocsp::oid::sha1));
    switch (c.index_kind) {
      case 'V': CHECK(s.status == ocsp::cert_status::good); break;
      case 'U': CHECK(s.status == ocsp::cert_status::unknown); break;
      default:
        CHECK(s.status == ocsp::cert_status::revoked);
        CHECK(s.revocation_time == revocation);
        CHECK(s.reason == c.reason);
        break;
    }
    if (c.index_kind != 'R') {
      CHECK_FALSE(s.revocation_time);
      CHECK_FALSE(s.reason);
    }
    CHECK(s.this_update >= before);
    CHECK(s.this_update <= after);
    REQUIRE(s.next_update.has_value() == c.next_update);
    if (c.next_update) CHECK(*s.next_update == s.this_update + std::chrono::days{1});

    const std::optional<buffer> sent = request_nonce(request);
    REQUIRE(sent.has_value() == c.nonce);
    if (c.nonce) {
      REQUIRE(b.nonce());
      CHECK(same(*b.nonce(), *sent));
    } else {
      CHECK_FALSE(b.nonce());
    }

    CHECK(encode_response(r) == input);
    CHECK(same(write([&](der::writer& w) { ocsp::encode_tbs_response_data(w, b); }), b.tbs_response_data));
  }
}
