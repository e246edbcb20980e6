// CertID, Extension and element_list (ocsp_types.hpp) against hand-written DER: what each parser
// accepts and the code it gives for what it refuses, that a failed parse leaves the reader where it
// was, that list iteration yields every element in order, and that encode() gives back exactly the
// bytes a value was parsed from.
#include <ocsp/der.hpp>
#include <ocsp/error.hpp>
#include <ocsp/ocsp_types.hpp>
#include <ocsp/oids.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <span>
#include <vector>

namespace der = ocsp::der;
using ocsp::errc;

namespace {

using buf = std::vector<std::uint8_t>;

der::bytes view(const buf& b) noexcept { return {b.data(), b.size()}; }
buf copy(der::bytes b) { return {b.begin(), b.end()}; }

buf cat(std::initializer_list<buf> parts) {
  buf out;
  for (const buf& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

buf filler(std::size_t n, std::uint8_t seed) {
  buf out(n);
  for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<std::uint8_t>((i * 37 + seed) & 0xff);
  return out;
}

template <std::size_t N>
buf oid_bytes(const std::array<std::uint8_t, N>& o) {
  return {o.begin(), o.end()};
}

// A SEQUENCE with a short-form length; the test vectors below are all under 128 octets.
buf seq(const buf& contents) {
  REQUIRE(contents.size() < 0x80);
  return cat({{0x30, static_cast<std::uint8_t>(contents.size())}, contents});
}

bool same(der::bytes a, const buf& b) { return std::ranges::equal(a, b); }

// --- CertID vectors ---

const buf name_hash = filler(20, 0x10);
const buf key_hash = filler(20, 0x20);
const buf serial{0x01, 0x02, 0x03};
const buf sha1_null{0x30, 0x09, 0x06, 0x05, 0x2b, 0x0e, 0x03, 0x02, 0x1a, 0x05, 0x00};
const buf sha1_absent{0x30, 0x07, 0x06, 0x05, 0x2b, 0x0e, 0x03, 0x02, 0x1a};

// sha1 with NULL parameters (what OpenSSL sends), spelled out.
const buf cert_id_null = cat({{0x30, 0x3c}, sha1_null, {0x04, 0x14}, name_hash, {0x04, 0x14}, key_hash,
                              {0x02, 0x03, 0x01, 0x02, 0x03}});
// The same certificate with the parameters absent.
const buf cert_id_absent = cat({{0x30, 0x3a}, sha1_absent, {0x04, 0x14}, name_hash, {0x04, 0x14}, key_hash,
                                {0x02, 0x03, 0x01, 0x02, 0x03}});

// --- Extension vectors ---

// id-pkix-ocsp-nonce, not critical, extnValue contents 04 02 ab cd.
const buf ext_nonce = {0x30, 0x11, 0x06, 0x09, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30, 0x01, 0x02,
                       0x04, 0x04, 0x04, 0x02, 0xab, 0xcd};
// keyUsage, critical TRUE, extnValue contents 03 02 05 a0.
const buf ext_key_usage = {0x30, 0x0e, 0x06, 0x03, 0x55, 0x1d, 0x0f, 0x01, 0x01, 0xff,
                           0x04, 0x04, 0x03, 0x02, 0x05, 0xa0};
// id-pkix-ocsp-nocheck, not critical, extnValue contents 05 00.
const buf ext_nocheck = {0x30, 0x0f, 0x06, 0x09, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30, 0x01, 0x05,
                         0x04, 0x02, 0x05, 0x00};

}  // namespace

// --- CertID ----------------------------------------------------------------------------------------

TEST_CASE("ocsp_types: parse_cert_id with NULL and with absent parameters", "[ocsp_types]") {
  REQUIRE(cert_id_null.size() == 2 + 0x3c);
  REQUIRE(cert_id_absent.size() == 2 + 0x3a);
  struct row {
    const char* name;
    const buf* in;
    buf parameters;
  };
  const std::vector<row> rows{
      {"NULL parameters", &cert_id_null, {0x05, 0x00}},
      {"absent parameters", &cert_id_absent, {}},
  };
  for (const row& r : rows) {
    INFO(r.name);
    const buf in = cat({*r.in, {0x05, 0x00}});  // something after: parse_cert_id reads one CertID only
    der::reader rd(view(in));
    auto id = ocsp::parse_cert_id(rd);
    REQUIRE(id.has_value());
    CHECK(same(id.value().hash_algorithm, oid_bytes(ocsp::oid::sha1)));
    CHECK(copy(id.value().hash_parameters) == r.parameters);
    CHECK(copy(id.value().issuer_name_hash) == name_hash);
    CHECK(copy(id.value().issuer_key_hash) == key_hash);
    CHECK(copy(id.value().serial_number) == serial);
    // Views into the input.
    CHECK(id.value().issuer_name_hash.data() >= in.data());
    CHECK(id.value().serial_number.data() + id.value().serial_number.size() == in.data() + r.in->size());
    CHECK(rd.size() == 2U);
    CHECK(rd.data().data() == in.data() + r.in->size());
  }
}

TEST_CASE("ocsp_types: parse_cert_id rejects malformed CertIDs and does not advance", "[ocsp_types]") {
  const buf name = cat({{0x04, 0x14}, name_hash});
  const buf key = cat({{0x04, 0x14}, key_hash});
  const buf ser{0x02, 0x03, 0x01, 0x02, 0x03};
  struct row {
    const char* name;
    buf in;
    errc want;
  };
  const std::vector<row> rows{
      {"trailing byte inside the SEQUENCE", seq(cat({sha1_null, name, key, ser, {0x00}})), errc::der_trailing_data},
      {"trailing element inside the SEQUENCE", seq(cat({sha1_null, name, key, ser, {0x05, 0x00}})),
       errc::der_trailing_data},
      {"trailing element inside AlgorithmIdentifier",
       seq(cat({{0x30, 0x0b, 0x06, 0x05, 0x2b, 0x0e, 0x03, 0x02, 0x1a, 0x05, 0x00, 0x05, 0x00}, name, key, ser})),
       errc::der_trailing_data},
      {"outer tag SET", cat({{0x31, 0x3c}, sha1_null, name, key, ser}), errc::der_unexpected_tag},
      {"AlgorithmIdentifier tagged SET",
       seq(cat({{0x31, 0x09, 0x06, 0x05, 0x2b, 0x0e, 0x03, 0x02, 0x1a, 0x05, 0x00}, name, key, ser})),
       errc::der_unexpected_tag},
      {"algorithm tagged OCTET STRING",
       seq(cat({{0x30, 0x09, 0x04, 0x05, 0x2b, 0x0e, 0x03, 0x02, 0x1a, 0x05, 0x00}, name, key, ser})),
       errc::der_unexpected_tag},
      {"algorithm OID malformed", seq(cat({{0x30, 0x05, 0x06, 0x01, 0x80, 0x05, 0x00}, name, key, ser})),
       errc::der_bad_oid},
      {"algorithm missing", seq(cat({{0x30, 0x00}, name, key, ser})), errc::der_truncated},
      {"issuerNameHash tagged BIT STRING", seq(cat({sha1_null, {0x03, 0x14}, name_hash, key, ser})),
       errc::der_unexpected_tag},
      {"issuerKeyHash tagged INTEGER", seq(cat({sha1_null, name, {0x02, 0x14}, key_hash, ser})),
       errc::der_unexpected_tag},
      {"serialNumber tagged OCTET STRING", seq(cat({sha1_null, name, key, {0x04, 0x03, 0x01, 0x02, 0x03}})),
       errc::der_unexpected_tag},
      {"serialNumber not minimal", seq(cat({sha1_null, name, key, {0x02, 0x04, 0x00, 0x01, 0x02, 0x03}})),
       errc::der_bad_integer},
      {"serialNumber empty", seq(cat({sha1_null, name, key, {0x02, 0x00}})), errc::der_bad_integer},
      {"serialNumber missing", seq(cat({sha1_null, name, key})), errc::der_truncated},
      {"issuer hashes swapped for the serial", seq(cat({sha1_null, ser, name, key})), errc::der_unexpected_tag},
      {"empty SEQUENCE", {0x30, 0x00}, errc::der_truncated},
      {"parameters with a bad length", seq(cat({{0x30, 0x09, 0x06, 0x05, 0x2b, 0x0e, 0x03, 0x02, 0x1a, 0x05, 0x80},
                                                name, key, ser})),
       errc::der_bad_length},
      {"nothing", {}, errc::der_truncated},
  };
  for (const row& r : rows) {
    INFO(r.name);
    der::reader rd(view(r.in));
    auto id = ocsp::parse_cert_id(rd);
    REQUIRE(id.has_error());
    CHECK(id.error() == r.want);
    CHECK(rd.data().data() == r.in.data());
    CHECK(rd.size() == r.in.size());
  }
}

TEST_CASE("ocsp_types: every prefix of a CertID fails and leaves the reader alone", "[ocsp_types]") {
  for (std::size_t n = 0; n < cert_id_null.size(); ++n) {
    INFO("prefix of " << n << " bytes");
    const buf prefix(cert_id_null.begin(), cert_id_null.begin() + static_cast<std::ptrdiff_t>(n));
    der::reader rd(view(prefix));
    auto id = ocsp::parse_cert_id(rd);
    REQUIRE(id.has_error());
    CHECK(id.error() == errc::der_truncated);
    CHECK(rd.size() == n);
  }
}

TEST_CASE("ocsp_types: same_certificate compares algorithm, hashes and serial, not parameters", "[ocsp_types]") {
  der::reader rd(view(cert_id_null));
  const ocsp::cert_id a = ocsp::parse_cert_id(rd).value();
  der::reader rd2(view(cert_id_absent));
  const ocsp::cert_id absent = ocsp::parse_cert_id(rd2).value();

  CHECK(ocsp::same_certificate(a, a));
  CHECK(ocsp::same_certificate(a, absent));  // NULL vs absent parameters
  CHECK(ocsp::same_certificate(absent, a));

  ocsp::cert_id other_params = a;
  const buf odd_params{0x04, 0x00};
  other_params.hash_parameters = view(odd_params);
  CHECK(ocsp::same_certificate(a, other_params));

  // Equal bytes elsewhere count as equal: the comparison is by value, not by address.
  const buf name_copy = name_hash;
  ocsp::cert_id copied = a;
  copied.issuer_name_hash = view(name_copy);
  CHECK(ocsp::same_certificate(a, copied));

  buf name_changed = name_hash;
  name_changed.back() ^= 0x01;
  const buf name_short(name_hash.begin(), name_hash.end() - 1);
  buf key_changed = key_hash;
  key_changed.front() ^= 0x80;
  const buf serial_changed{0x01, 0x02, 0x04};
  const buf serial_longer{0x01, 0x02, 0x03, 0x00};
  const buf sha256 = oid_bytes(ocsp::oid::sha256);
  const buf sha1_prefix(ocsp::oid::sha1.begin(), ocsp::oid::sha1.end() - 1);

  struct row {
    const char* name;
    ocsp::cert_id b;
  };
  std::vector<row> rows;
  rows.push_back({"hash algorithm sha256", a});
  rows.back().b.hash_algorithm = view(sha256);
  rows.push_back({"hash algorithm a prefix of sha1", a});
  rows.back().b.hash_algorithm = view(sha1_prefix);
  rows.push_back({"issuer name hash, last bit", a});
  rows.back().b.issuer_name_hash = view(name_changed);
  rows.push_back({"issuer name hash, one byte shorter", a});
  rows.back().b.issuer_name_hash = view(name_short);
  rows.push_back({"issuer key hash, first bit", a});
  rows.back().b.issuer_key_hash = view(key_changed);
  rows.push_back({"issuer name and key hashes swapped", a});
  rows.back().b.issuer_name_hash = a.issuer_key_hash;
  rows.back().b.issuer_key_hash = a.issuer_name_hash;
  rows.push_back({"serial", a});
  rows.back().b.serial_number = view(serial_changed);
  rows.push_back({"serial, one byte longer", a});
  rows.back().b.serial_number = view(serial_longer);
  for (const row& r : rows) {
    INFO(r.name);
    CHECK_FALSE(ocsp::same_certificate(a, r.b));
    CHECK_FALSE(ocsp::same_certificate(r.b, a));
    CHECK_FALSE(ocsp::same_certificate(absent, r.b));
  }
}

TEST_CASE("ocsp_types: encode(cert_id) gives back the bytes it was parsed from", "[ocsp_types]") {
  // A SHA-512 CertID with a 20-octet serial: 169 octets of contents, a long-form outer length.
  const buf sha512_null = cat({{0x30, 0x0d, 0x06, 0x09}, oid_bytes(ocsp::oid::sha512), {0x05, 0x00}});
  const buf long_contents = cat({sha512_null, {0x04, 0x40}, filler(64, 1), {0x04, 0x40}, filler(64, 2),
                                 {0x02, 0x14, 0x4f}, filler(19, 3)});
  REQUIRE(long_contents.size() == 0xa9);
  const buf long_id = cat({{0x30, 0x81, 0xa9}, long_contents});

  for (const buf* in : {&cert_id_null, &cert_id_absent, &long_id}) {
    INFO("CertID of " << in->size() << " bytes");
    der::reader rd(view(*in));
    auto id = ocsp::parse_cert_id(rd);
    REQUIRE(id.has_value());
    CHECK(rd.empty());

    der::writer w;
    ocsp::encode(w, id.value());
    auto out = w.finish();
    REQUIRE(out.has_value());
    CHECK(copy(out.value()) == *in);

    buf fixed(in->size());
    der::writer fw{std::span<std::uint8_t>(fixed)};
    ocsp::encode(fw, id.value());
    REQUIRE(fw.finish().has_value());
    CHECK(fixed == *in);
  }
}

TEST_CASE("ocsp_types: encode(cert_id) with a non-minimal serial is an error", "[ocsp_types]") {
  der::reader rd(view(cert_id_null));
  ocsp::cert_id id = ocsp::parse_cert_id(rd).value();
  const buf bad_serial{0x00, 0x01};
  id.serial_number = view(bad_serial);
  der::writer w;
  ocsp::encode(w, id);
  auto out = w.finish();
  REQUIRE(out.has_error());
  CHECK(out.error() == errc::der_bad_integer);
}

// --- Extension -------------------------------------------------------------------------------------

TEST_CASE("ocsp_types: parse_extension reads OID, criticality and value", "[ocsp_types]") {
  struct row {
    const char* name;
    const buf* in;
    buf oid;
    bool critical;
    buf value;
  };
  const std::vector<row> rows{
      {"nonce, not critical", &ext_nonce, oid_bytes(ocsp::oid::pkix_ocsp_nonce), false, {0x04, 0x02, 0xab, 0xcd}},
      {"keyUsage, critical TRUE", &ext_key_usage, oid_bytes(ocsp::oid::ce_key_usage), true, {0x03, 0x02, 0x05, 0xa0}},
      {"nocheck, NULL value", &ext_nocheck, oid_bytes(ocsp::oid::pkix_ocsp_nocheck), false, {0x05, 0x00}},
  };
  for (const row& r : rows) {
    INFO(r.name);
    const buf in = cat({*r.in, {0x30, 0x00}});
    der::reader rd(view(in));
    auto ext = ocsp::parse_extension(rd);
    REQUIRE(ext.has_value());
    CHECK(copy(ext.value().oid) == r.oid);
    CHECK(ext.value().critical == r.critical);
    CHECK(copy(ext.value().value) == r.value);
    CHECK(rd.size() == 2U);
  }

  const buf empty_value{0x30, 0x07, 0x06, 0x03, 0x55, 0x1d, 0x0f, 0x04, 0x00};
  der::reader rd(view(empty_value));
  auto ext = ocsp::parse_extension(rd);
  REQUIRE(ext.has_value());
  CHECK(ext.value().value.empty());
  CHECK_FALSE(ext.value().critical);
}

TEST_CASE("ocsp_types: parse_extension rejects malformed Extensions and does not advance", "[ocsp_types]") {
  struct row {
    const char* name;
    buf in;
    errc want;
  };
  const std::vector<row> rows{
      // DER forbids encoding a DEFAULT value (X.690 11.5): critical FALSE must be absent.
      {"critical explicitly FALSE",
       {0x30, 0x0e, 0x06, 0x03, 0x55, 0x1d, 0x0f, 0x01, 0x01, 0x00, 0x04, 0x04, 0x03, 0x02, 0x05, 0xa0},
       errc::der_bad_boolean},
      {"critical 0x01", {0x30, 0x0e, 0x06, 0x03, 0x55, 0x1d, 0x0f, 0x01, 0x01, 0x01, 0x04, 0x04, 0x03, 0x02, 0x05, 0xa0},
       errc::der_bad_boolean},
      {"missing value", {0x30, 0x05, 0x06, 0x03, 0x55, 0x1d, 0x0f}, errc::der_truncated},
      {"critical, missing value", {0x30, 0x08, 0x06, 0x03, 0x55, 0x1d, 0x0f, 0x01, 0x01, 0xff}, errc::der_truncated},
      {"missing OID", {0x30, 0x06, 0x01, 0x01, 0xff, 0x04, 0x01, 0x00}, errc::der_unexpected_tag},
      {"malformed OID", {0x30, 0x05, 0x06, 0x01, 0x80, 0x04, 0x00}, errc::der_bad_oid},
      {"value tagged BIT STRING", {0x30, 0x0a, 0x06, 0x03, 0x55, 0x1d, 0x0f, 0x03, 0x03, 0x00, 0x05, 0xa0},
       errc::der_unexpected_tag},
      {"trailing element", {0x30, 0x0d, 0x06, 0x03, 0x55, 0x1d, 0x0f, 0x04, 0x04, 0x03, 0x02, 0x05, 0xa0, 0x05, 0x00},
       errc::der_trailing_data},
      {"critical after the value",
       {0x30, 0x0e, 0x06, 0x03, 0x55, 0x1d, 0x0f, 0x04, 0x04, 0x03, 0x02, 0x05, 0xa0, 0x01, 0x01, 0xff},
       errc::der_trailing_data},
      {"outer tag SET", {0x31, 0x07, 0x06, 0x03, 0x55, 0x1d, 0x0f, 0x04, 0x00}, errc::der_unexpected_tag},
      {"truncated", {0x30, 0x07, 0x06, 0x03, 0x55, 0x1d, 0x0f, 0x04}, errc::der_truncated},
      {"nothing", {}, errc::der_truncated},
  };
  for (const row& r : rows) {
    INFO(r.name);
    der::reader rd(view(r.in));
    auto ext = ocsp::parse_extension(rd);
    REQUIRE(ext.has_error());
    CHECK(ext.error() == r.want);
    CHECK(rd.data().data() == r.in.data());
    CHECK(rd.size() == r.in.size());
  }
}

TEST_CASE("ocsp_types: encode(extension) gives back the bytes it was parsed from", "[ocsp_types]") {
  // A 200-octet value: long-form lengths at both levels.
  const buf long_ext = cat({{0x30, 0x81, 0xd6, 0x06, 0x09}, oid_bytes(ocsp::oid::pkix_ocsp_nonce),
                            {0x04, 0x81, 0xc8}, filler(200, 4)});
  REQUIRE(long_ext.size() == 3 + 0xd6);
  const buf empty_value{0x30, 0x07, 0x06, 0x03, 0x55, 0x1d, 0x0f, 0x04, 0x00};
  for (const buf* in : {&ext_nonce, &ext_key_usage, &ext_nocheck, &long_ext, &empty_value}) {
    INFO("Extension of " << in->size() << " bytes");
    der::reader rd(view(*in));
    auto ext = ocsp::parse_extension(rd);
    REQUIRE(ext.has_value());
    der::writer w;
    ocsp::encode(w, ext.value());
    auto out = w.finish();
    REQUIRE(out.has_value());
    CHECK(copy(out.value()) == *in);
  }

  // critical = false is left out, as DER requires.
  const buf oid = oid_bytes(ocsp::oid::ce_basic_constraints);
  const buf value{0x30, 0x00};
  der::writer w;
  ocsp::encode(w, ocsp::extension{view(oid), false, view(value)});
  ocsp::encode(w, ocsp::extension{view(oid), true, view(value)});
  auto out = w.finish();
  REQUIRE(out.has_value());
  CHECK(copy(out.value()) == buf{0x30, 0x09, 0x06, 0x03, 0x55, 0x1d, 0x13, 0x04, 0x02, 0x30, 0x00,  //
                                 0x30, 0x0c, 0x06, 0x03, 0x55, 0x1d, 0x13, 0x01, 0x01, 0xff, 0x04, 0x02, 0x30, 0x00});
}

// --- Extensions and element_list -----------------------------------------------------------------

TEST_CASE("ocsp_types: parse_extensions validates the list and iterates it in order", "[ocsp_types]") {
  const buf contents = cat({ext_nonce, ext_key_usage, ext_nocheck});
  auto list = ocsp::parse_extensions(der::reader(view(contents)));
  REQUIRE(list.has_value());
  const ocsp::extension_list& exts = list.value();
  CHECK(exts.size() == 3U);
  CHECK_FALSE(exts.empty());
  CHECK(exts.contents().data() == contents.data());
  CHECK(exts.contents().size() == contents.size());

  struct expected {
    buf oid;
    bool critical;
    buf value;
  };
  const std::vector<expected> want{
      {oid_bytes(ocsp::oid::pkix_ocsp_nonce), false, {0x04, 0x02, 0xab, 0xcd}},
      {oid_bytes(ocsp::oid::ce_key_usage), true, {0x03, 0x02, 0x05, 0xa0}},
      {oid_bytes(ocsp::oid::pkix_ocsp_nocheck), false, {0x05, 0x00}},
  };

  SECTION("range-for") {
    std::size_t i = 0;
    for (const ocsp::extension& ext : exts) {
      INFO("extension " << i);
      REQUIRE(i < want.size());
      CHECK(copy(ext.oid) == want[i].oid);
      CHECK(ext.critical == want[i].critical);
      CHECK(copy(ext.value) == want[i].value);
      ++i;
    }
    CHECK(i == 3U);
  }
  SECTION("begin/end by hand") {
    auto it = exts.begin();
    const auto end = exts.end();
    REQUIRE(it != end);
    CHECK(copy((*it).oid) == want[0].oid);
    ++it;
    REQUIRE(it != end);
    CHECK((*it).critical);
    CHECK(copy((*it).value) == want[1].value);
    it++;
    REQUIRE(it != end);
    CHECK(copy((*it).oid) == want[2].oid);
    ++it;
    CHECK(it == end);
    CHECK(exts.begin() == exts.begin());
    CHECK(exts.begin() != end);
  }
  SECTION("two passes count the same") {
    for (int pass = 0; pass < 2; ++pass) {
      std::size_t n = 0;
      for (auto it = exts.begin(); it != exts.end(); ++it) ++n;
      CHECK(n == exts.size());
    }
    CHECK(static_cast<std::size_t>(std::count_if(exts.begin(), exts.end(),
                                                 [](const ocsp::extension& e) { return e.critical; })) == 1U);
  }
}

TEST_CASE("ocsp_types: duplicates parse, and find_unique_extension refuses them", "[ocsp_types]") {
  // The same OID with a different value and criticality is still a duplicate.
  const buf nonce2{0x30, 0x14, 0x06, 0x09, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30, 0x01, 0x02,
                   0x01, 0x01, 0xff, 0x04, 0x04, 0x04, 0x02, 0x12, 0x34};
  const std::vector<buf> duplicated{cat({ext_nonce, ext_nonce}), cat({ext_nonce, nonce2}),
                                    cat({ext_nonce, ext_key_usage, nonce2}),
                                    cat({ext_key_usage, ext_nocheck, ext_nonce, ext_key_usage})};
  for (const buf& contents : duplicated) {
    auto list = ocsp::parse_extensions(der::reader(view(contents)));
    REQUIRE(list.has_value());
    const bool nonce_twice = ocsp::find_extension(list.value(), ocsp::oid::pkix_ocsp_nonce).has_value() &&
                             std::count_if(list.value().begin(), list.value().end(), [](const ocsp::extension& e) {
                               return ocsp::oid::equal(e.oid, ocsp::oid::pkix_ocsp_nonce);
                             }) == 2;
    const auto& duplicated_oid = nonce_twice ? der::bytes(ocsp::oid::pkix_ocsp_nonce) : der::bytes(ocsp::oid::ce_key_usage);
    auto unique = ocsp::find_unique_extension(list.value(), duplicated_oid);
    REQUIRE(unique.has_error());
    CHECK(unique.error() == errc::ocsp_duplicate_extension);
  }
  // A single occurrence is found; an absent one is nullopt, not an error.
  const buf two = cat({ext_nonce, ext_key_usage});  // the list is a view: the bytes must outlive it
  auto list = ocsp::parse_extensions(der::reader(view(two))).value();
  auto nonce = ocsp::find_unique_extension(list, ocsp::oid::pkix_ocsp_nonce);
  REQUIRE(nonce.has_value());
  CHECK(nonce.value().has_value());
  auto absent = ocsp::find_unique_extension(list, ocsp::oid::pkix_ocsp_nocheck);
  REQUIRE(absent.has_value());
  CHECK_FALSE(absent.value().has_value());
}

TEST_CASE("ocsp_types: parse_extensions rejects an empty list and bad elements", "[ocsp_types]") {
  struct row {
    const char* name;
    buf contents;
    errc want;
  };
  const std::vector<row> rows{
      {"SIZE (1..MAX): empty", {}, errc::der_truncated},
      {"a bad element", cat({ext_nonce, {0x30, 0x0e, 0x06, 0x03, 0x55, 0x1d, 0x0f, 0x01, 0x01, 0x00, 0x04, 0x04, 0x03,
                                         0x02, 0x05, 0xa0}}),
       errc::der_bad_boolean},
      {"a trailing zero byte", cat({ext_nonce, {0x00}}), errc::der_unexpected_tag},
      {"a trailing NULL", cat({ext_nonce, {0x05, 0x00}}), errc::der_unexpected_tag},
      {"an element past the end", cat({ext_nonce, buf(ext_key_usage.begin(), ext_key_usage.end() - 1)}),
       errc::der_truncated},
  };
  for (const row& r : rows) {
    INFO(r.name);
    auto list = ocsp::parse_extensions(der::reader(view(r.contents)));
    REQUIRE(list.has_error());
    CHECK(list.error() == r.want);
  }
}

TEST_CASE("ocsp_types: parse_extensions accepts exactly the prefixes that end on an element", "[ocsp_types]") {
  const buf contents = cat({ext_nonce, ext_key_usage, ext_nocheck});
  const std::vector<std::size_t> boundaries{ext_nonce.size(), ext_nonce.size() + ext_key_usage.size()};
  for (std::size_t n = 0; n < contents.size(); ++n) {
    INFO("prefix of " << n << " bytes");
    const buf prefix(contents.begin(), contents.begin() + static_cast<std::ptrdiff_t>(n));
    auto list = ocsp::parse_extensions(der::reader(view(prefix)));
    const auto at = std::find(boundaries.begin(), boundaries.end(), n);
    if (at != boundaries.end()) {
      REQUIRE(list.has_value());
      CHECK(list.value().size() == static_cast<std::size_t>(at - boundaries.begin()) + 1);
    } else {
      REQUIRE(list.has_error());
    }
  }
}

TEST_CASE("ocsp_types: find_extension finds by exact OID", "[ocsp_types]") {
  const buf contents = cat({ext_nonce, ext_key_usage, ext_nocheck});
  const ocsp::extension_list exts = ocsp::parse_extensions(der::reader(view(contents))).value();

  auto nonce = ocsp::find_extension(exts, ocsp::oid::pkix_ocsp_nonce);
  REQUIRE(nonce.has_value());
  CHECK(copy(nonce->value) == buf{0x04, 0x02, 0xab, 0xcd});
  CHECK_FALSE(nonce->critical);

  auto ku = ocsp::find_extension(exts, ocsp::oid::ce_key_usage);
  REQUIRE(ku.has_value());
  CHECK(ku->critical);

  auto nocheck = ocsp::find_extension(exts, ocsp::oid::pkix_ocsp_nocheck);
  REQUIRE(nocheck.has_value());
  CHECK(copy(nocheck->value) == buf{0x05, 0x00});

  CHECK_FALSE(ocsp::find_extension(exts, ocsp::oid::sha1).has_value());
  CHECK_FALSE(ocsp::find_extension(exts, ocsp::oid::ad_ocsp).has_value());  // a prefix of the nonce OID
  CHECK_FALSE(ocsp::find_extension(exts, ocsp::oid::ce_ext_key_usage).has_value());
  CHECK_FALSE(ocsp::find_extension(exts, der::bytes{}).has_value());
  CHECK_FALSE(ocsp::find_extension(ocsp::extension_list{}, ocsp::oid::pkix_ocsp_nonce).has_value());
}

TEST_CASE("ocsp_types: element_list over CertIDs and the empty list", "[ocsp_types]") {
  const buf third = cat({{0x30, 0x3a}, sha1_absent, {0x04, 0x14}, name_hash, {0x04, 0x14}, key_hash,
                         {0x02, 0x03, 0x00, 0x80, 0x01}});
  const buf contents = cat({cert_id_null, cert_id_absent, third});
  using cert_id_list = ocsp::element_list<ocsp::cert_id, ocsp::parse_cert_id>;
  const cert_id_list list(der::reader(view(contents)), 3);
  CHECK(list.size() == 3U);
  CHECK_FALSE(list.empty());

  std::vector<buf> serials;
  std::vector<buf> parameters;
  for (const ocsp::cert_id& id : list) {
    serials.push_back(copy(id.serial_number));
    parameters.push_back(copy(id.hash_parameters));
  }
  CHECK(serials == std::vector<buf>{serial, serial, {0x00, 0x80, 0x01}});
  CHECK(parameters == std::vector<buf>{{0x05, 0x00}, {}, {}});

  std::size_t n = 0;
  for (auto it = list.begin(); it != list.end(); ++it) ++n;
  CHECK(n == 3U);

  auto first = list.begin();
  auto second = list.begin();
  ++second;
  CHECK(first != second);
  ++first;
  CHECK(first == second);
  CHECK(ocsp::same_certificate(*list.begin(), *second));  // NULL vs absent parameters

  const cert_id_list empty;
  CHECK(empty.empty());
  CHECK(empty.size() == 0U);
  CHECK(empty.begin() == empty.end());
  std::size_t none = 0;
  for (const ocsp::cert_id& id : empty) none += id.serial_number.size() + 1;
  CHECK(none == 0U);
}
