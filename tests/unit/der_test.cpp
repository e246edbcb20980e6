// The strict DER reader and the DER writer (ocsp::der) against hand-written byte vectors: every
// rule of X.690 10.1 / 11 that der.hpp promises to enforce, each with an accepted and a rejected
// case, and for every rejection the promise that a failed read leaves the reader where it was.
// Then properties: random structures written and read back exactly (and byte-equal to a reference
// encoder written here), and every truncation of a valid structure failing cleanly.
#include <ocsp/der.hpp>
#include <ocsp/request.hpp>
#include <ocsp/error.hpp>
#include <ocsp/oids.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <limits>
#include <random>
#include <span>
#include <string>
#include <string_view>
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

// n bytes of a pattern that is not periodic at any small distance, so a misplaced memmove shows.
buf filler(std::size_t n, std::uint8_t seed = 0) {
  buf out(n);
  for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<std::uint8_t>((i * 131 + i / 251 + seed) & 0xff);
  return out;
}

buf text(std::string_view s) {
  buf out;
  for (char c : s) out.push_back(static_cast<std::uint8_t>(c));
  return out;
}

// A primitive element with a short-form length (the vectors below spell long forms out by hand).
buf tlv(std::uint8_t t, const buf& contents) {
  REQUIRE(contents.size() < 0x80);
  return cat({{t, static_cast<std::uint8_t>(contents.size())}, contents});
}

// Runs `op` on a reader over `in`: it must fail with `want` and leave the reader unchanged.
template <class Op>
void require_rejected(const buf& in, errc want, Op op) {
  der::reader r(view(in));
  const auto res = op(r);
  REQUIRE(res.has_error());
  CHECK(res.error() == want);
  CHECK(r.data().data() == in.data());
  CHECK(r.size() == in.size());
}

std::chrono::sys_seconds at(int y, unsigned mo, unsigned d, int h, int mi, int s) {
  using namespace std::chrono;
  return sys_days{year{y} / month{mo} / day{d}} + hours{h} + minutes{mi} + seconds{s};
}

std::int64_t epoch_seconds(std::chrono::sys_seconds t) { return t.time_since_epoch().count(); }

}  // namespace

// --- lengths and headers -------------------------------------------------------------------------

TEST_CASE("der: short and long form lengths are read", "[der]") {
  struct row {
    const char* name;
    buf header;
    std::size_t length;
  };
  const std::vector<row> rows{
      {"short 0", {0x04, 0x00}, 0},
      {"short 1", {0x04, 0x01}, 1},
      {"short 127", {0x04, 0x7f}, 127},
      {"0x81 128", {0x04, 0x81, 0x80}, 128},
      {"0x81 255", {0x04, 0x81, 0xff}, 255},
      {"0x82 256", {0x04, 0x82, 0x01, 0x00}, 256},
      {"0x82 65535", {0x04, 0x82, 0xff, 0xff}, 65535},
      {"0x83 65536", {0x04, 0x83, 0x01, 0x00, 0x00}, 65536},
      {"0x83 0x012345", {0x04, 0x83, 0x01, 0x23, 0x45}, 0x012345},
      {"0x84 16 MiB", {0x04, 0x84, 0x01, 0x00, 0x00, 0x00}, 0x01000000},
  };
  for (const row& r : rows) {
    INFO(r.name);
    const buf contents = filler(r.length, 7);
    const buf trailer{0x05, 0x00};
    const buf in = cat({r.header, contents, trailer});

    der::reader rd(view(in));
    std::uint8_t t = 0;
    auto c = rd.read_any(t);
    REQUIRE(c.has_value());
    CHECK(t == 0x04);
    CHECK(c.value().size() == r.length);
    CHECK(c.value().data().data() == in.data() + r.header.size());
    CHECK(std::ranges::equal(c.value().data(), contents));
    CHECK(rd.size() == trailer.size());
    CHECK(rd.data().data() == in.data() + r.header.size() + r.length);

    der::reader rd2(view(in));
    der::bytes element;
    auto c2 = rd2.read(der::tag::octet_string, element);
    REQUIRE(c2.has_value());
    CHECK(element.data() == in.data());
    CHECK(element.size() == r.header.size() + r.length);
    CHECK(c2.value().size() == r.length);

    // One element exactly: read_single; with the trailer it is trailing data.
    auto single = der::read_single(view(in).first(in.size() - trailer.size()), der::tag::octet_string);
    REQUIRE(single.has_value());
    CHECK(single.value().size() == r.length);
    auto with_trailer = der::read_single(view(in), der::tag::octet_string);
    REQUIRE(with_trailer.has_error());
    CHECK(with_trailer.error() == errc::der_trailing_data);
  }
}

TEST_CASE("der: malformed headers and lengths are rejected", "[der]") {
  struct row {
    const char* name;
    buf in;
    errc want;
  };
  const std::vector<row> rows{
      {"indefinite length", cat({{0x30, 0x80}, {0x05, 0x00}, {0x00, 0x00}}), errc::der_bad_length},
      {"indefinite, nothing after", {0x04, 0x80}, errc::der_bad_length},
      {"0x81 for a short length", cat({{0x04, 0x81, 0x05}, filler(5)}), errc::der_bad_length},
      {"0x81 0x7f", cat({{0x04, 0x81, 0x7f}, filler(127)}), errc::der_bad_length},
      {"0x81 0x00", {0x04, 0x81, 0x00}, errc::der_bad_length},
      {"0x82 with a leading zero", cat({{0x04, 0x82, 0x00, 0x80}, filler(128)}), errc::der_bad_length},
      {"0x82 0x00 0xff", cat({{0x04, 0x82, 0x00, 0xff}, filler(255)}), errc::der_bad_length},
      {"0x82 for a short length", cat({{0x04, 0x82, 0x00, 0x05}, filler(5)}), errc::der_bad_length},
      {"0x83 with a leading zero", cat({{0x04, 0x83, 0x00, 0xff, 0xff}, filler(65535)}), errc::der_bad_length},
      {"0x84 with a leading zero", cat({{0x04, 0x84, 0x00, 0x01, 0x00, 0x00}, filler(65536)}), errc::der_bad_length},
      {"5 length octets", cat({{0x04, 0x85, 0x00, 0x00, 0x00, 0x00, 0x01}, filler(1)}), errc::der_bad_length},
      {"5 length octets, minimal value", {0x04, 0x85, 0x01, 0x00, 0x00, 0x00, 0x00}, errc::der_bad_length},
      {"8 length octets", {0x04, 0x88, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00}, errc::der_bad_length},
      {"127 length octets (0xff)", cat({{0x04, 0xff}, filler(127, 1)}), errc::der_bad_length},
      {"short length past the end", {0x04, 0x05, 0x01, 0x02, 0x03}, errc::der_truncated},
      {"0x81 length past the end", cat({{0x04, 0x81, 0x80}, filler(127)}), errc::der_truncated},
      {"0x82 length past the end", cat({{0x04, 0x82, 0x01, 0x00}, filler(255)}), errc::der_truncated},
      {"0x84 length far past the end", {0x04, 0x84, 0xff, 0xff, 0xff, 0xff, 0x00}, errc::der_truncated},
      {"0x84 0x7fffffff past the end", {0x04, 0x84, 0x7f, 0xff, 0xff, 0xff}, errc::der_truncated},
      {"long-form length octets missing", {0x04, 0x82, 0x01}, errc::der_truncated},
      {"long-form length octets all missing", {0x04, 0x84}, errc::der_truncated},
      {"header truncated to the tag", {0x04}, errc::der_truncated},
      {"nothing at all", {}, errc::der_truncated},
      {"high tag number 0x1f", {0x1f, 0x01, 0x00}, errc::der_high_tag_number},
      {"high tag number, constructed", {0x3f, 0x00}, errc::der_high_tag_number},
      {"high tag number, context", {0x9f, 0x1f, 0x01, 0x00}, errc::der_high_tag_number},
      {"high tag number, multi-octet", {0xbf, 0x81, 0x00, 0x00}, errc::der_high_tag_number},
  };
  for (const row& r : rows) {
    INFO(r.name);
    const std::uint8_t t = r.in.empty() ? der::tag::octet_string : r.in[0];
    require_rejected(r.in, r.want, [](der::reader& rd) {
      std::uint8_t got = 0;
      return rd.read_any(got);
    });
    require_rejected(r.in, r.want, [t](der::reader& rd) { return rd.read(t); });
    require_rejected(r.in, r.want, [t](der::reader& rd) {
      der::bytes element;
      return rd.read(t, element);
    });
    if (r.in.empty()) {
      // At the end, read_optional reports absence, not an error.
      der::reader rd(view(r.in));
      auto absent = rd.read_optional(t);
      REQUIRE(absent.has_value());
      CHECK_FALSE(absent.value().has_value());
    } else {
      require_rejected(r.in, r.want, [t](der::reader& rd) { return rd.read_optional(t); });
    }
    auto single = der::read_single(view(r.in), t);
    REQUIRE(single.has_error());
    CHECK(single.error() == r.want);
  }
}

TEST_CASE("der: the highest low tag number (30) is accepted", "[der]") {
  const buf in{0x1e, 0x02, 0x00, 0x41};  // BMPString "A"
  der::reader rd(view(in));
  std::uint8_t t = 0;
  auto c = rd.read_any(t);
  REQUIRE(c.has_value());
  CHECK(t == 0x1e);
  CHECK(c.value().size() == 2U);
  CHECK(rd.empty());
}

// --- element navigation --------------------------------------------------------------------------

TEST_CASE("der: read(tag) on the wrong tag fails and does not advance", "[der]") {
  const buf in{0x02, 0x01, 0x05, 0x04, 0x00};
  require_rejected(in, errc::der_unexpected_tag, [](der::reader& rd) { return rd.read(der::tag::octet_string); });
  require_rejected(in, errc::der_unexpected_tag, [](der::reader& rd) { return rd.read(der::tag::sequence); });
  // A constructed form of the right number is still the wrong tag.
  const buf constructed{0x24, 0x00};
  require_rejected(constructed, errc::der_unexpected_tag,
                   [](der::reader& rd) { return rd.read(der::tag::octet_string); });
  require_rejected(in, errc::der_unexpected_tag, [](der::reader& rd) {
    der::bytes element;
    return rd.read(der::tag::octet_string, element);
  });
  require_rejected(buf{}, errc::der_truncated, [](der::reader& rd) { return rd.read(der::tag::integer); });

  // The right tag then succeeds from the same place.
  der::reader rd(view(in));
  REQUIRE(rd.read(der::tag::octet_string).has_error());
  auto c = rd.read(der::tag::integer);
  REQUIRE(c.has_value());
  CHECK(copy(c.value().data()) == buf{0x05});
  REQUIRE(rd.read(der::tag::octet_string).has_value());
  CHECK(rd.empty());
}

TEST_CASE("der: read_optional reads a present element and skips an absent one", "[der]") {
  const buf in{0xa0, 0x03, 0x02, 0x01, 0x07, 0x04, 0x01, 0xaa};
  der::reader rd(view(in));

  // Absent: no error, nothing consumed.
  auto absent = rd.read_optional(der::tag::context_constructed(1));
  REQUIRE(absent.has_value());
  CHECK_FALSE(absent.value().has_value());
  CHECK(rd.data().data() == in.data());
  CHECK(rd.size() == in.size());

  auto present = rd.read_optional(der::tag::context_constructed(0));
  REQUIRE(present.has_value());
  REQUIRE(present.value().has_value());
  der::reader inner = *present.value();
  CHECK(inner.size() == 3U);
  auto v = inner.read_small_integer(0, 10);
  REQUIRE(v.has_value());
  CHECK(v.value() == 7);
  CHECK(inner.expect_end().has_value());
  CHECK(rd.size() == 3U);

  auto last = rd.read_optional(der::tag::octet_string);
  REQUIRE(last.has_value());
  REQUIRE(last.value().has_value());
  CHECK(copy(last.value()->data()) == buf{0xaa});

  // At the end: absent, not an error.
  auto at_end = rd.read_optional(der::tag::octet_string);
  REQUIRE(at_end.has_value());
  CHECK_FALSE(at_end.value().has_value());

  // Present but malformed: an error, and the reader stays put.
  require_rejected(buf{0xa0, 0x05, 0x00}, errc::der_truncated,
                   [](der::reader& r) { return r.read_optional(der::tag::context_constructed(0)); });
  require_rejected(buf{0xa0, 0x81, 0x05, 0x00, 0x00, 0x00, 0x00, 0x00}, errc::der_bad_length,
                   [](der::reader& r) { return r.read_optional(der::tag::context_constructed(0)); });
}

TEST_CASE("der: read(tag, element) gives the whole element, header included", "[der]") {
  const buf first{0x30, 0x03, 0x02, 0x01, 0x05};
  const buf second = cat({{0x30, 0x81, 0x82}, {0x04, 0x81, 0x7f}, filler(127)});
  const buf in = cat({first, second, {0x05, 0x00}});
  der::reader rd(view(in));

  der::bytes element;
  auto c = rd.read(der::tag::sequence, element);
  REQUIRE(c.has_value());
  CHECK(element.data() == in.data());
  CHECK(copy(element) == first);
  CHECK(copy(c.value().data()) == buf{0x02, 0x01, 0x05});

  auto c2 = rd.read(der::tag::sequence, element);
  REQUIRE(c2.has_value());
  CHECK(element.data() == in.data() + first.size());
  CHECK(copy(element) == second);
  CHECK(c2.value().size() == 130U);

  // A failed read leaves `element` alone too.
  der::bytes untouched = view(first);
  CHECK(rd.read(der::tag::sequence, untouched).has_error());
  CHECK(untouched.data() == first.data());
  CHECK(rd.read_null().has_value());
  CHECK(rd.empty());
}

TEST_CASE("der: read_any reads whatever comes next", "[der]") {
  const buf in{0x80, 0x01, 0x2a, 0xa3, 0x00, 0x17, 0x00};
  der::reader rd(view(in));
  const std::array<std::uint8_t, 3> tags{0x80, 0xa3, 0x17};
  const std::array<std::size_t, 3> sizes{1, 0, 0};
  for (std::size_t i = 0; i < tags.size(); ++i) {
    std::uint8_t t = 0;
    auto c = rd.read_any(t);
    REQUIRE(c.has_value());
    CHECK(t == tags[i]);
    CHECK(c.value().size() == sizes[i]);
  }
  CHECK(rd.empty());
  std::uint8_t t = 0x55;
  require_rejected(buf{}, errc::der_truncated, [&t](der::reader& r) { return r.read_any(t); });
}

TEST_CASE("der: peek_tag and next_is look without consuming", "[der]") {
  const buf in{0x30, 0x00, 0x02, 0x01, 0x00};
  der::reader rd(view(in));
  REQUIRE(rd.peek_tag().has_value());
  CHECK(*rd.peek_tag() == 0x30);
  CHECK(rd.next_is(der::tag::sequence));
  CHECK_FALSE(rd.next_is(der::tag::integer));
  CHECK(rd.size() == in.size());
  REQUIRE(rd.read(der::tag::sequence).has_value());
  CHECK(*rd.peek_tag() == 0x02);
  CHECK(rd.next_is(der::tag::integer));
  REQUIRE(rd.read_integer().has_value());
  CHECK_FALSE(rd.peek_tag().has_value());
  CHECK_FALSE(rd.next_is(der::tag::integer));
  CHECK_FALSE(rd.next_is(0x00));

  // peek_tag only looks at the first octet: it does not validate the element.
  const buf broken{0x04};
  der::reader b(view(broken));
  CHECK(b.peek_tag() == std::optional<std::uint8_t>(0x04));
  CHECK(b.next_is(der::tag::octet_string));

  der::reader empty;
  CHECK(empty.empty());
  CHECK_FALSE(empty.peek_tag().has_value());
}

TEST_CASE("der: expect_end and read_single reject trailing data", "[der]") {
  der::reader empty;
  CHECK(empty.expect_end().has_value());

  const buf in{0x05, 0x00, 0x00};
  der::reader rd(view(in));
  auto trailing = rd.expect_end();
  REQUIRE(trailing.has_error());
  CHECK(trailing.error() == errc::der_trailing_data);
  REQUIRE(rd.read_null().has_value());
  auto one_byte = rd.expect_end();
  REQUIRE(one_byte.has_error());
  CHECK(one_byte.error() == errc::der_trailing_data);

  struct row {
    const char* name;
    buf in;
    std::uint8_t tag;
    bool ok;
    errc want;
  };
  const std::vector<row> rows{
      {"exactly one", {0x30, 0x03, 0x02, 0x01, 0x01}, der::tag::sequence, true, {}},
      {"one trailing zero", {0x30, 0x03, 0x02, 0x01, 0x01, 0x00}, der::tag::sequence, false, errc::der_trailing_data},
      {"a second element", {0x30, 0x00, 0x30, 0x00}, der::tag::sequence, false, errc::der_trailing_data},
      {"wrong tag", {0x31, 0x00}, der::tag::sequence, false, errc::der_unexpected_tag},
      {"truncated", {0x30, 0x03, 0x02, 0x01}, der::tag::sequence, false, errc::der_truncated},
      {"empty", {}, der::tag::sequence, false, errc::der_truncated},
  };
  for (const row& r : rows) {
    INFO(r.name);
    auto c = der::read_single(view(r.in), r.tag);
    REQUIRE(c.has_value() == r.ok);
    if (r.ok) {
      CHECK(copy(c.value().data()) == buf{0x02, 0x01, 0x01});
    } else {
      CHECK(c.error() == r.want);
    }
  }
}

// --- primitive types -----------------------------------------------------------------------------

TEST_CASE("der: BOOLEAN is exactly one octet, 0x00 or 0xFF", "[der]") {
  {
    const buf f{0x01, 0x01, 0x00};
    der::reader rd(view(f));
    auto v = rd.read_boolean();
    REQUIRE(v.has_value());
    CHECK_FALSE(v.value());
    CHECK(rd.empty());
  }
  {
    const buf t{0x01, 0x01, 0xff};
    der::reader rd(view(t));
    auto v = rd.read_boolean();
    REQUIRE(v.has_value());
    CHECK(v.value());
    CHECK(rd.empty());
  }
  struct row {
    const char* name;
    buf in;
    errc want;
  };
  const std::vector<row> rows{
      {"0x01", {0x01, 0x01, 0x01}, errc::der_bad_boolean},
      {"0x7f", {0x01, 0x01, 0x7f}, errc::der_bad_boolean},
      {"0xfe", {0x01, 0x01, 0xfe}, errc::der_bad_boolean},
      {"empty", {0x01, 0x00}, errc::der_bad_boolean},
      {"two octets ff ff", {0x01, 0x02, 0xff, 0xff}, errc::der_bad_boolean},
      {"two octets 00 00", {0x01, 0x02, 0x00, 0x00}, errc::der_bad_boolean},
      {"two octets 00 ff", {0x01, 0x02, 0x00, 0xff}, errc::der_bad_boolean},
      {"wrong tag", {0x02, 0x01, 0xff}, errc::der_unexpected_tag},
      {"truncated", {0x01, 0x01}, errc::der_truncated},
  };
  for (const row& r : rows) {
    INFO(r.name);
    require_rejected(r.in, r.want, [](der::reader& rd) { return rd.read_boolean(); });
  }
}

namespace {
struct integer_row {
  buf contents;
  std::int64_t value;
};

const std::vector<integer_row>& integer_rows() {
  static const std::vector<integer_row> rows{
      {{0x00}, 0},
      {{0x01}, 1},
      {{0x7f}, 127},
      {{0x00, 0x80}, 128},
      {{0x00, 0xff}, 255},
      {{0x01, 0x00}, 256},
      {{0x7f, 0xff}, 32767},
      {{0x00, 0x80, 0x00}, 32768},
      {{0xff}, -1},
      {{0x80}, -128},
      {{0xff, 0x7f}, -129},
      {{0xff, 0x00}, -256},
      {{0x80, 0x00}, -32768},
      {{0xff, 0x7f, 0xff}, -32769},
      {{0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, std::numeric_limits<std::int64_t>::max()},
      {{0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00}, std::numeric_limits<std::int64_t>::min()},
  };
  return rows;
}

const std::vector<buf>& non_minimal_integers() {
  static const std::vector<buf> rows{
      {},
      {0x00, 0x7f},
      {0x00, 0x00},
      {0x00, 0x00, 0x80},
      {0x00, 0x01},
      {0xff, 0x80},
      {0xff, 0xff},
      {0xff, 0xff, 0x7f},
      {0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01},
  };
  return rows;
}

constexpr std::int64_t int64_min = std::numeric_limits<std::int64_t>::min();
constexpr std::int64_t int64_max = std::numeric_limits<std::int64_t>::max();
}  // namespace

TEST_CASE("der: INTEGER and ENUMERATED in minimal form are read", "[der]") {
  for (const integer_row& r : integer_rows()) {
    INFO("value " << r.value);
    const buf in = tlv(der::tag::integer, r.contents);
    {
      der::reader rd(view(in));
      auto c = rd.read_integer();
      REQUIRE(c.has_value());
      CHECK(copy(c.value()) == r.contents);
      CHECK(rd.empty());
    }
    {
      der::reader rd(view(in));
      auto v = rd.read_small_integer(int64_min, int64_max);
      REQUIRE(v.has_value());
      CHECK(v.value() == r.value);
    }
    {
      der::reader rd(view(in));
      auto v = rd.read_small_integer(r.value, r.value);  // a range of one value
      REQUIRE(v.has_value());
      CHECK(v.value() == r.value);
    }
    const buf en = tlv(der::tag::enumerated, r.contents);
    der::reader rd(view(en));
    auto e = rd.read_enumerated(int64_min, int64_max);
    REQUIRE(e.has_value());
    CHECK(e.value() == r.value);
    CHECK(rd.empty());
  }

  // A 20-octet serial number is a valid INTEGER, just not a small one.
  const buf serial = cat({{0x02, 0x14, 0x7f}, filler(19, 3)});
  der::reader rd(view(serial));
  auto c = rd.read_integer();
  REQUIRE(c.has_value());
  CHECK(c.value().size() == 20U);
}

TEST_CASE("der: non-minimal INTEGER and ENUMERATED are rejected", "[der]") {
  for (const buf& contents : non_minimal_integers()) {
    INFO("contents size " << contents.size() << ", first octets " << (contents.empty() ? -1 : contents[0]));
    const buf in = tlv(der::tag::integer, contents);
    require_rejected(in, errc::der_bad_integer, [](der::reader& rd) { return rd.read_integer(); });
    require_rejected(in, errc::der_bad_integer,
                     [](der::reader& rd) { return rd.read_small_integer(int64_min, int64_max); });
    const buf en = tlv(der::tag::enumerated, contents);
    require_rejected(en, errc::der_bad_integer, [](der::reader& rd) { return rd.read_enumerated(int64_min, int64_max); });
  }
  // INTEGER and ENUMERATED are not interchangeable.
  require_rejected(buf{0x0a, 0x01, 0x00}, errc::der_unexpected_tag, [](der::reader& rd) { return rd.read_integer(); });
  require_rejected(buf{0x02, 0x01, 0x00}, errc::der_unexpected_tag,
                   [](der::reader& rd) { return rd.read_enumerated(0, 10); });
}

TEST_CASE("der: read_small_integer and read_enumerated enforce the range and 8 octets", "[der]") {
  struct row {
    const char* name;
    buf contents;
    std::int64_t min;
    std::int64_t max;
    bool ok;
  };
  const std::vector<row> rows{
      {"5 in [0, 10]", {0x05}, 0, 10, true},
      {"5 in [5, 5]", {0x05}, 5, 5, true},
      {"5 in [0, 4]", {0x05}, 0, 4, false},
      {"5 in [6, 10]", {0x05}, 6, 10, false},
      {"-1 in [0, 10]", {0xff}, 0, 10, false},
      {"-1 in [-1, 0]", {0xff}, -1, 0, true},
      {"128 in [0, 127]", {0x00, 0x80}, 0, 127, false},
      {"128 in [0, 128]", {0x00, 0x80}, 0, 128, true},
      {"-129 in [-128, 127]", {0xff, 0x7f}, -128, 127, false},
      {"2^63 (9 octets)", {0x00, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00}, int64_min, int64_max, false},
      {"-2^63-1 (9 octets)", {0xff, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, int64_min, int64_max, false},
      {"2^64 (9 octets)", {0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00}, int64_min, int64_max, false},
      {"20 octets", cat({{0x01}, buf(19, 0x00)}), int64_min, int64_max, false},
      {"int64 max", {0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, 0, int64_max, true},
      {"int64 max in [0, max - 1]", {0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, 0, int64_max - 1, false},
  };
  for (const row& r : rows) {
    INFO(r.name);
    for (const std::uint8_t t : {der::tag::integer, der::tag::enumerated}) {
      const buf in = cat({{t, static_cast<std::uint8_t>(r.contents.size())}, r.contents});
      auto read_value = [&r, t](der::reader& rd) {
        return t == der::tag::integer ? rd.read_small_integer(r.min, r.max) : rd.read_enumerated(r.min, r.max);
      };
      if (r.ok) {
        der::reader rd(view(in));
        auto v = read_value(rd);
        REQUIRE(v.has_value());
        CHECK(v.value() >= r.min);
        CHECK(v.value() <= r.max);
        CHECK(rd.empty());
      } else {
        require_rejected(in, errc::der_bad_integer, read_value);
      }
    }
  }
}

// --- OBJECT IDENTIFIER -----------------------------------------------------------------------------

TEST_CASE("der: well-formed OBJECT IDENTIFIERs are read", "[der]") {
  const std::vector<buf> oids{
      buf(ocsp::oid::sha1.begin(), ocsp::oid::sha1.end()),
      buf(ocsp::oid::sha256.begin(), ocsp::oid::sha256.end()),
      buf(ocsp::oid::pkix_ocsp_nonce.begin(), ocsp::oid::pkix_ocsp_nonce.end()),
      {0x55, 0x1d, 0x0f},  // 2.5.29.15
      {0x88, 0x37, 0x03},  // 2.999.3
      {0x00},              // 0.0
      {0x2a},              // 1.2
  };
  for (const buf& o : oids) {
    INFO("OID " << der::oid_to_string(view(o)));
    const buf in = tlv(der::tag::object_identifier, o);
    der::reader rd(view(in));
    auto c = rd.read_oid();
    REQUIRE(c.has_value());
    CHECK(copy(c.value()) == o);
    CHECK(c.value().data() == in.data() + 2);
    CHECK(rd.empty());
  }
  CHECK(ocsp::oid::equal(ocsp::oid::sha256, ocsp::oid::sha256));
  CHECK_FALSE(ocsp::oid::equal(ocsp::oid::sha256, ocsp::oid::sha384));
  CHECK_FALSE(ocsp::oid::equal(ocsp::oid::ad_ocsp, ocsp::oid::pkix_ocsp_basic));  // a prefix is not equal
}

TEST_CASE("der: malformed OBJECT IDENTIFIERs are rejected", "[der]") {
  struct row {
    const char* name;
    buf in;
    errc want;
  };
  const std::vector<row> rows{
      {"empty", {0x06, 0x00}, errc::der_bad_oid},
      {"leading 0x80 in the first sub-identifier", {0x06, 0x02, 0x80, 0x01}, errc::der_bad_oid},
      {"leading 0x80 in a later sub-identifier", {0x06, 0x03, 0x2b, 0x80, 0x01}, errc::der_bad_oid},
      {"leading 0x80 mid-way", {0x06, 0x05, 0x55, 0x1d, 0x80, 0x80, 0x0f}, errc::der_bad_oid},
      {"last octet has the high bit", {0x06, 0x02, 0x2b, 0x86}, errc::der_bad_oid},
      {"only a continuation octet", {0x06, 0x01, 0x81}, errc::der_bad_oid},
      {"only 0x80", {0x06, 0x01, 0x80}, errc::der_bad_oid},
      {"wrong tag", {0x04, 0x01, 0x2a}, errc::der_unexpected_tag},
      {"truncated", {0x06, 0x05, 0x2b, 0x0e}, errc::der_truncated},
  };
  for (const row& r : rows) {
    INFO(r.name);
    require_rejected(r.in, r.want, [](der::reader& rd) { return rd.read_oid(); });
  }
}

TEST_CASE("der: oid_to_string prints dotted arcs", "[der]") {
  struct row {
    buf oid;
    std::string dotted;
  };
  const std::vector<row> rows{
      {buf(ocsp::oid::sha1.begin(), ocsp::oid::sha1.end()), "1.3.14.3.2.26"},
      {buf(ocsp::oid::sha256.begin(), ocsp::oid::sha256.end()), "2.16.840.1.101.3.4.2.1"},
      {buf(ocsp::oid::pkix_ocsp_basic.begin(), ocsp::oid::pkix_ocsp_basic.end()), "1.3.6.1.5.5.7.48.1.1"},
      {buf(ocsp::oid::ce_key_usage.begin(), ocsp::oid::ce_key_usage.end()), "2.5.29.15"},
      {{0x09, 0x92, 0x26, 0x89, 0x93, 0xf2, 0x2c, 0x64, 0x01, 0x01}, "0.9.2342.19200300.100.1.1"},
      {{0x00}, "0.0"},
      {{0x27}, "0.39"},
      {{0x28}, "1.0"},
      {{0x4f}, "1.39"},
      {{0x50}, "2.0"},
      {{0x7f}, "2.47"},
      {{0x81, 0x00}, "2.48"},
      {{0x88, 0x37, 0x03}, "2.999.3"},  // the first sub-identifier 1079 spans two octets
      {{0x8f, 0xff, 0xff, 0xff, 0x7f, 0x01}, "2.4294967215.1"},
      {{0x2a, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f}, "1.2.9223372036854775807"},  // 2^63 - 1
  };
  for (const row& r : rows) {
    INFO(r.dotted);
    CHECK(der::oid_to_string(view(r.oid)) == r.dotted);
  }

  // Malformed: "".
  const std::vector<buf> malformed{
      {},
      {0x2b, 0x86},                                                        // ends inside a sub-identifier
      {0x81},                                                              // ditto, alone
      {0x2a, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f},  // a sub-identifier >= 2^64
  };
  for (const buf& m : malformed) {
    INFO("malformed of size " << m.size());
    CHECK(der::oid_to_string(view(m)).empty());
  }
}

TEST_CASE("der: oid_to_string gives an empty string for a non-minimal sub-identifier", "[der]") {
  // der.hpp: "\"\" if malformed"; read_oid rejects a leading 0x80 octet as malformed (der_bad_oid),
  // so oid_to_string should agree rather than print "1.3.1" for 2b 80 01.
  const std::vector<buf> malformed{
      {0x2b, 0x80, 0x01},
      {0x80, 0x2b},
  };
  for (const buf& m : malformed) {
    INFO("printed as " << der::oid_to_string(view(m)));
    CHECK(der::oid_to_string(view(m)).empty());
  }
}

// --- BIT STRING, OCTET STRING, NULL --------------------------------------------------------------

TEST_CASE("der: BIT STRING with zero unused bits is read", "[der]") {
  for (unsigned unused = 0; unused <= 7; ++unused) {
    INFO("unused bits " << unused);
    const auto last = static_cast<std::uint8_t>((0xffU << unused) & 0xffU);
    const buf in{0x03, 0x03, static_cast<std::uint8_t>(unused), 0xa5, last};
    der::reader rd(view(in));
    auto b = rd.read_bit_string();
    REQUIRE(b.has_value());
    CHECK(b.value().unused_bits == unused);
    CHECK(copy(b.value().bits) == buf{0xa5, last});
    CHECK(rd.empty());
  }
  const buf no_bits{0x03, 0x01, 0x00};
  der::reader rd(view(no_bits));
  auto b = rd.read_bit_string();
  REQUIRE(b.has_value());
  CHECK(b.value().bits.empty());
  CHECK(b.value().unused_bits == 0U);
}

TEST_CASE("der: malformed BIT STRINGs are rejected", "[der]") {
  struct row {
    const char* name;
    buf in;
    errc want;
  };
  const std::vector<row> rows{
      {"unused bit 0 set", {0x03, 0x02, 0x01, 0x01}, errc::der_bad_bit_string},
      {"unused bits 7, lowest set", {0x03, 0x02, 0x07, 0x81}, errc::der_bad_bit_string},
      {"unused bits 3, bit 2 set", {0x03, 0x03, 0x03, 0xff, 0x04}, errc::der_bad_bit_string},
      {"unused count 8", {0x03, 0x02, 0x08, 0x00}, errc::der_bad_bit_string},
      {"unused count 0xff", {0x03, 0x02, 0xff, 0x00}, errc::der_bad_bit_string},
      {"no contents at all", {0x03, 0x00}, errc::der_bad_bit_string},
      {"count 1 and no bits", {0x03, 0x01, 0x01}, errc::der_bad_bit_string},
      {"count 7 and no bits", {0x03, 0x01, 0x07}, errc::der_bad_bit_string},
      {"wrong tag", {0x04, 0x01, 0x00}, errc::der_unexpected_tag},
  };
  for (const row& r : rows) {
    INFO(r.name);
    require_rejected(r.in, r.want, [](der::reader& rd) { return rd.read_bit_string(); });
  }
}

TEST_CASE("der: OCTET STRING and NULL", "[der]") {
  const buf in = cat({{0x04, 0x00}, {0x04, 0x03, 0x01, 0x02, 0x03}, {0x05, 0x00}});
  der::reader rd(view(in));
  auto empty = rd.read_octet_string();
  REQUIRE(empty.has_value());
  CHECK(empty.value().empty());
  auto three = rd.read_octet_string();
  REQUIRE(three.has_value());
  CHECK(copy(three.value()) == buf{0x01, 0x02, 0x03});
  CHECK(rd.read_null().has_value());
  CHECK(rd.empty());

  require_rejected(buf{0x05, 0x01, 0x00}, errc::der_bad_null, [](der::reader& r) { return r.read_null(); });
  require_rejected(buf{0x05, 0x02, 0x00, 0x00}, errc::der_bad_null, [](der::reader& r) { return r.read_null(); });
  require_rejected(buf{0x04, 0x00}, errc::der_unexpected_tag, [](der::reader& r) { return r.read_null(); });
  require_rejected(buf{0x05, 0x00}, errc::der_unexpected_tag, [](der::reader& r) { return r.read_octet_string(); });
  require_rejected(buf{0x04, 0x02, 0x00}, errc::der_truncated, [](der::reader& r) { return r.read_octet_string(); });
}

// --- times -----------------------------------------------------------------------------------------

TEST_CASE("der: GeneralizedTime and UTCTime of RFC 5280's form are read", "[der]") {
  struct row {
    std::uint8_t tag;
    const char* text;
    std::chrono::sys_seconds expected;
  };
  const std::vector<row> rows{
      {der::tag::generalized_time, "19700101000000Z", at(1970, 1, 1, 0, 0, 0)},
      {der::tag::generalized_time, "20240229123456Z", at(2024, 2, 29, 12, 34, 56)},
      {der::tag::generalized_time, "20231231235959Z", at(2023, 12, 31, 23, 59, 59)},
      {der::tag::generalized_time, "20000229000000Z", at(2000, 2, 29, 0, 0, 0)},
      {der::tag::generalized_time, "19491231235959Z", at(1949, 12, 31, 23, 59, 59)},
      {der::tag::generalized_time, "20500101000000Z", at(2050, 1, 1, 0, 0, 0)},
      {der::tag::generalized_time, "99991231235959Z", at(9999, 12, 31, 23, 59, 59)},
      {der::tag::utc_time, "490101000000Z", at(2049, 1, 1, 0, 0, 0)},
      {der::tag::utc_time, "491231235959Z", at(2049, 12, 31, 23, 59, 59)},
      {der::tag::utc_time, "500101000000Z", at(1950, 1, 1, 0, 0, 0)},
      {der::tag::utc_time, "991231235959Z", at(1999, 12, 31, 23, 59, 59)},
      {der::tag::utc_time, "000101000000Z", at(2000, 1, 1, 0, 0, 0)},
      {der::tag::utc_time, "240229000000Z", at(2024, 2, 29, 0, 0, 0)},
  };
  for (const row& r : rows) {
    INFO(r.text);
    const buf in = tlv(r.tag, text(r.text));
    der::reader rd(view(in));
    auto t = r.tag == der::tag::utc_time ? rd.read_utc_time() : rd.read_generalized_time();
    REQUIRE(t.has_value());
    CHECK(epoch_seconds(t.value()) == epoch_seconds(r.expected));
    CHECK(rd.empty());

    der::reader any(view(in));
    auto t2 = any.read_time();
    REQUIRE(t2.has_value());
    CHECK(epoch_seconds(t2.value()) == epoch_seconds(r.expected));
    CHECK(any.empty());
  }

  // Absolute values, independent of <chrono>'s calendar.
  struct absolute {
    std::uint8_t tag;
    const char* text;
    std::int64_t seconds;
  };
  const std::vector<absolute> fixed{
      {der::tag::generalized_time, "19700101000000Z", 0},
      {der::tag::generalized_time, "20000101000000Z", 946684800},
      {der::tag::generalized_time, "20240101000000Z", 1704067200},
      {der::tag::generalized_time, "19691231235959Z", -1},
      {der::tag::utc_time, "380119031408Z", 2147483648},
      {der::tag::utc_time, "500101000000Z", -631152000},
  };
  for (const absolute& r : fixed) {
    INFO(r.text);
    const buf in = tlv(r.tag, text(r.text));
    der::reader rd(view(in));
    auto t = rd.read_time();
    REQUIRE(t.has_value());
    CHECK(epoch_seconds(t.value()) == r.seconds);
  }
}

TEST_CASE("der: times not of RFC 5280's form are rejected", "[der]") {
  struct row {
    std::uint8_t tag;
    const char* text;
  };
  const std::vector<row> rows{
      {der::tag::generalized_time, "20240101000000.5Z"},  // fractional seconds
      {der::tag::generalized_time, "20240101000000.Z"},
      {der::tag::generalized_time, "20240101000000"},  // missing Z
      {der::tag::generalized_time, "20240101000000z"},
      {der::tag::generalized_time, "202401010000000"},
      {der::tag::generalized_time, "20240101000000+0100"},  // local offset
      {der::tag::generalized_time, "20240101000000-0000"},
      {der::tag::generalized_time, "202401010000+0100Z"},
      {der::tag::generalized_time, "202401010000Z"},  // missing seconds
      {der::tag::generalized_time, "2024010100Z"},
      {der::tag::generalized_time, "20241301000000Z"},  // month 13
      {der::tag::generalized_time, "20240001000000Z"},  // month 0
      {der::tag::generalized_time, "20240132000000Z"},  // day 32
      {der::tag::generalized_time, "20240100000000Z"},  // day 0
      {der::tag::generalized_time, "20240431000000Z"},  // April 31
      {der::tag::generalized_time, "20230229000000Z"},  // not a leap year
      {der::tag::generalized_time, "19000229000000Z"},  // not a leap year (century)
      {der::tag::generalized_time, "20240101240000Z"},  // hour 24
      {der::tag::generalized_time, "20240101006000Z"},  // minute 60
      {der::tag::generalized_time, "20240101000060Z"},  // second 60 (no leap seconds in DER)
      {der::tag::generalized_time, "2024O101000000Z"},  // letter O
      {der::tag::generalized_time, "2024-1-1000000Z"},
      {der::tag::generalized_time, " 2024010100000Z"},
      {der::tag::generalized_time, "20240101 00000Z"},
      {der::tag::generalized_time, "+2024010100000Z"},
      {der::tag::generalized_time, "2024010100000\x01Z"},
      {der::tag::generalized_time, "240101000000Z"},  // two-digit year in GeneralizedTime
      {der::tag::generalized_time, ""},
      {der::tag::utc_time, "20240101000000Z"},  // four-digit year in UTCTime
      {der::tag::utc_time, "240101000000"},     // missing Z
      {der::tag::utc_time, "2401010000Z"},      // missing seconds
      {der::tag::utc_time, "240101000000.5Z"},
      {der::tag::utc_time, "240101000000+0100"},
      {der::tag::utc_time, "241301000000Z"},
      {der::tag::utc_time, "240132000000Z"},
      {der::tag::utc_time, "230229000000Z"},
      {der::tag::utc_time, "240101240000Z"},
      {der::tag::utc_time, "240101006000Z"},
      {der::tag::utc_time, "240101000060Z"},
      {der::tag::utc_time, "2A0101000000Z"},
      {der::tag::utc_time, ""},
  };
  for (const row& r : rows) {
    INFO((r.tag == der::tag::utc_time ? "UTCTime " : "GeneralizedTime ") << '"' << r.text << '"');
    const buf in = tlv(r.tag, text(r.text));
    if (r.tag == der::tag::utc_time) {
      require_rejected(in, errc::der_bad_time, [](der::reader& rd) { return rd.read_utc_time(); });
    } else {
      require_rejected(in, errc::der_bad_time, [](der::reader& rd) { return rd.read_generalized_time(); });
    }
    require_rejected(in, errc::der_bad_time, [](der::reader& rd) { return rd.read_time(); });
  }

  // Each reader wants its own tag; read_time wants one of the two.
  const buf gt = tlv(der::tag::generalized_time, text("20240101000000Z"));
  const buf ut = tlv(der::tag::utc_time, text("240101000000Z"));
  require_rejected(gt, errc::der_unexpected_tag, [](der::reader& rd) { return rd.read_utc_time(); });
  require_rejected(ut, errc::der_unexpected_tag, [](der::reader& rd) { return rd.read_generalized_time(); });
  require_rejected(tlv(der::tag::octet_string, text("20240101000000Z")), errc::der_unexpected_tag,
                   [](der::reader& rd) { return rd.read_time(); });
  require_rejected(buf{}, errc::der_truncated, [](der::reader& rd) { return rd.read_time(); });
}

// --- writer ----------------------------------------------------------------------------------------

TEST_CASE("der: writer begin/end back-patches short and long lengths", "[der]") {
  struct row {
    std::size_t length;
    buf header;
  };
  const std::vector<row> rows{
      {0, {0x30, 0x00}},
      {1, {0x30, 0x01}},
      {127, {0x30, 0x7f}},
      {128, {0x30, 0x81, 0x80}},
      {255, {0x30, 0x81, 0xff}},
      {256, {0x30, 0x82, 0x01, 0x00}},
      {65535, {0x30, 0x82, 0xff, 0xff}},
      {65536, {0x30, 0x83, 0x01, 0x00, 0x00}},
      {0x01000000, {0x30, 0x84, 0x01, 0x00, 0x00, 0x00}},
  };
  for (const row& r : rows) {
    INFO("contents length " << r.length);
    const buf contents = filler(r.length, 11);
    const buf expected = cat({{0x02, 0x01, 0x2a}, r.header, contents, {0x05, 0x00}});

    // Growable, with an element before and after so the shift must not disturb its neighbours.
    der::writer w;
    w.add_integer(42);
    w.begin(der::tag::sequence);
    w.add_raw(view(contents));
    w.end();
    w.add_null();
    auto out = w.finish();
    REQUIRE(out.has_value());
    CHECK(out.value().size() == expected.size());
    CHECK(std::ranges::equal(out.value(), expected));

    // add_element writes the header up front: the same bytes.
    der::writer direct;
    direct.add_integer(42);
    direct.add_element(der::tag::sequence, view(contents));
    direct.add_null();
    auto out2 = direct.finish();
    REQUIRE(out2.has_value());
    CHECK(std::ranges::equal(out2.value(), expected));

    // Fixed, exactly the size needed.
    buf fixed(expected.size(), 0xee);
    der::writer fw{std::span<std::uint8_t>(fixed)};
    fw.add_integer(42);
    fw.begin(der::tag::sequence);
    fw.add_raw(view(contents));
    fw.end();
    fw.add_null();
    auto out3 = fw.finish();
    REQUIRE(out3.has_value());
    CHECK(out3.value().data() == fixed.data());
    CHECK(out3.value().size() == fixed.size());
    CHECK(fixed == expected);

    // And the reader reads it back.
    der::reader rd(out.value());
    REQUIRE(rd.read_small_integer(0, 100).has_value());
    auto seq = rd.read(der::tag::sequence);
    REQUIRE(seq.has_value());
    CHECK(std::ranges::equal(seq.value().data(), contents));
    CHECK(rd.read_null().has_value());
    CHECK(rd.empty());
  }
}

TEST_CASE("der: writer nests scopes with long contents inside", "[der]") {
  const buf blob = filler(300, 5);
  const buf expected = cat({{0x30, 0x82, 0x01, 0x3d},   // outer SEQUENCE, 317
                            {0xa0, 0x82, 0x01, 0x36},   //   [0], 310
                            {0x30, 0x82, 0x01, 0x30},   //     SEQUENCE, 304
                            {0x04, 0x82, 0x01, 0x2c},   //       OCTET STRING, 300
                            blob,                       //
                            {0x05, 0x00},               //     NULL
                            {0x02, 0x01, 0x05}});       //   INTEGER 5
  auto write = [&blob](der::writer& w) {
    w.begin(der::tag::sequence);
    w.begin(der::tag::context_constructed(0));
    w.begin(der::tag::sequence);
    w.add_octet_string(view(blob));
    w.end();
    w.add_null();
    w.end();
    w.add_integer(5);
    w.end();
  };
  der::writer w;
  write(w);
  auto out = w.finish();
  REQUIRE(out.has_value());
  CHECK(copy(out.value()) == expected);

  buf fixed(expected.size());
  der::writer fw{std::span<std::uint8_t>(fixed)};
  write(fw);
  REQUIRE(fw.finish().has_value());
  CHECK(fixed == expected);

  // Read back.
  auto outer = der::read_single(out.value(), der::tag::sequence);
  REQUIRE(outer.has_value());
  auto explicit0 = outer.value().read(der::tag::context_constructed(0));
  REQUIRE(explicit0.has_value());
  auto inner = explicit0.value().read(der::tag::sequence);
  REQUIRE(inner.has_value());
  auto octets = inner.value().read_octet_string();
  REQUIRE(octets.has_value());
  CHECK(copy(octets.value()) == blob);
  CHECK(inner.value().expect_end().has_value());
  CHECK(explicit0.value().read_null().has_value());
  CHECK(explicit0.value().expect_end().has_value());
  auto five = outer.value().read_small_integer(5, 5);
  REQUIRE(five.has_value());
  CHECK(outer.value().expect_end().has_value());
}

TEST_CASE("der: writer scope errors", "[der]") {
  SECTION("end() without begin()") {
    der::writer w;
    w.end();
    CHECK_FALSE(w.ok());
    auto out = w.finish();
    REQUIRE(out.has_error());
    CHECK(out.error() == errc::der_too_deep);
  }
  SECTION("one end() too many") {
    der::writer w;
    w.begin(der::tag::sequence);
    w.end();
    CHECK(w.ok());
    w.end();
    CHECK_FALSE(w.ok());
    CHECK(w.finish().error() == errc::der_too_deep);
  }
  SECTION("finish() with an open scope") {
    der::writer w;
    w.begin(der::tag::sequence);
    w.add_null();
    auto open = w.finish();
    REQUIRE(open.has_error());
    CHECK(open.error() == errc::der_too_deep);
    auto taken = w.take();
    REQUIRE(taken.has_error());
    // Closing it makes the encoding complete.
    w.end();
    auto out = w.finish();
    REQUIRE(out.has_value());
    CHECK(copy(out.value()) == buf{0x30, 0x02, 0x05, 0x00});
  }
  SECTION("max_depth scopes are fine, one more is der_too_deep") {
    der::writer w;
    for (std::size_t i = 0; i < der::writer::max_depth; ++i) w.begin(der::tag::sequence);
    CHECK(w.ok());
    w.add_null();
    for (std::size_t i = 0; i < der::writer::max_depth; ++i) w.end();
    auto out = w.finish();
    REQUIRE(out.has_value());
    CHECK(out.value().size() == 2 * der::writer::max_depth + 2);
    der::reader rd(out.value());
    for (std::size_t i = 0; i < der::writer::max_depth; ++i) {
      auto c = rd.read(der::tag::sequence);
      REQUIRE(c.has_value());
      CHECK(c.value().size() == 2 * (der::writer::max_depth - 1 - i) + 2);
      rd = c.value();
    }
    CHECK(rd.read_null().has_value());

    der::writer deep;
    for (std::size_t i = 0; i <= der::writer::max_depth; ++i) deep.begin(der::tag::sequence);
    CHECK_FALSE(deep.ok());
    for (std::size_t i = 0; i <= der::writer::max_depth; ++i) deep.end();
    auto failed = deep.finish();
    REQUIRE(failed.has_error());
    CHECK(failed.error() == errc::der_too_deep);
  }
}

TEST_CASE("der: a fixed buffer too small fails with a sticky der_buffer_too_small", "[der]") {
  SECTION("a primitive that does not fit") {
    buf fixed(6, 0xee);
    der::writer w{std::span<std::uint8_t>(fixed)};
    w.add_null();  // 2 bytes
    CHECK(w.ok());
    w.add_octet_string(view(buf{1, 2, 3}));  // 5 bytes: does not fit in the 4 left
    CHECK_FALSE(w.ok());
    // Sticky: nothing else is written, even what would fit.
    w.add_null();
    w.begin(der::tag::sequence);
    w.end();
    w.add_boolean(true);
    CHECK_FALSE(w.ok());
    auto out = w.finish();
    REQUIRE(out.has_error());
    CHECK(out.error() == errc::der_buffer_too_small);
    CHECK(fixed[0] == 0x05);
    CHECK(fixed[1] == 0x00);
    CHECK(std::all_of(fixed.begin() + 4, fixed.end(), [](std::uint8_t b) { return b == 0xee; }));
    auto taken = w.take();
    REQUIRE(taken.has_error());
    CHECK(taken.error() == errc::der_buffer_too_small);
  }
  SECTION("an empty buffer") {
    der::writer w{std::span<std::uint8_t>()};
    w.add_null();
    CHECK(w.finish().error() == errc::der_buffer_too_small);
  }
  SECTION("a scope whose long-form length does not fit") {
    const buf contents = filler(128);
    buf fixed(2 + 128, 0xee);  // room for the short form only
    der::writer w{std::span<std::uint8_t>(fixed)};
    w.begin(der::tag::sequence);
    w.add_raw(view(contents));
    CHECK(w.ok());
    w.end();
    CHECK_FALSE(w.ok());
    auto out = w.finish();
    REQUIRE(out.has_error());
    CHECK(out.error() == errc::der_buffer_too_small);

    buf enough(3 + 128);
    der::writer w2{std::span<std::uint8_t>(enough)};
    w2.begin(der::tag::sequence);
    w2.add_raw(view(contents));
    w2.end();
    REQUIRE(w2.finish().has_value());
    CHECK(enough == cat({{0x30, 0x81, 0x80}, contents}));
  }
  SECTION("a fixed buffer larger than needed leaves the rest alone") {
    buf fixed(16, 0xee);
    der::writer w{std::span<std::uint8_t>(fixed)};
    w.add_boolean(true);
    auto out = w.finish();
    REQUIRE(out.has_value());
    CHECK(out.value().data() == fixed.data());
    CHECK(copy(out.value()) == buf{0x01, 0x01, 0xff});
    CHECK(std::all_of(fixed.begin() + 3, fixed.end(), [](std::uint8_t b) { return b == 0xee; }));
  }
  SECTION("errors of other kinds are sticky too") {
    der::writer w;
    w.add_null();
    w.add_integer_contents(view(buf{0x00, 0x01}));
    w.add_null();
    w.add_bit_string(view(buf{0x01}), 1);  // would be a second, different error
    auto out = w.finish();
    REQUIRE(out.has_error());
    CHECK(out.error() == errc::der_bad_integer);
  }
}

TEST_CASE("der: writer primitives are the minimal DER encodings", "[der]") {
  for (const integer_row& r : integer_rows()) {
    INFO("value " << r.value);
    der::writer w;
    w.add_integer(r.value);
    w.add_enumerated(r.value);
    auto out = w.finish();
    REQUIRE(out.has_value());
    CHECK(copy(out.value()) == cat({tlv(der::tag::integer, r.contents), tlv(der::tag::enumerated, r.contents)}));
  }

  struct row {
    const char* name;
    std::function<void(der::writer&)> write;
    buf expected;
  };
  const buf sha256(ocsp::oid::sha256.begin(), ocsp::oid::sha256.end());
  const std::vector<row> rows{
      {"BOOLEAN TRUE", [](der::writer& w) { w.add_boolean(true); }, {0x01, 0x01, 0xff}},
      {"BOOLEAN FALSE", [](der::writer& w) { w.add_boolean(false); }, {0x01, 0x01, 0x00}},
      {"NULL", [](der::writer& w) { w.add_null(); }, {0x05, 0x00}},
      {"OID", [&sha256](der::writer& w) { w.add_oid(view(sha256)); }, cat({{0x06, 0x09}, sha256})},
      {"OCTET STRING empty", [](der::writer& w) { w.add_octet_string({}); }, {0x04, 0x00}},
      {"OCTET STRING", [](der::writer& w) { w.add_octet_string(view(buf{0xde, 0xad})); }, {0x04, 0x02, 0xde, 0xad}},
      {"element [2] primitive", [](der::writer& w) { w.add_element(der::tag::context_primitive(2), view(buf{0x61})); },
       {0x82, 0x01, 0x61}},
      {"raw", [](der::writer& w) { w.add_raw(view(buf{0x30, 0x00})); }, {0x30, 0x00}},
      {"unsigned: empty is 0", [](der::writer& w) { w.add_unsigned_integer({}); }, {0x02, 0x01, 0x00}},
      {"unsigned: 00 is 0", [](der::writer& w) { w.add_unsigned_integer(view(buf{0x00})); }, {0x02, 0x01, 0x00}},
      {"unsigned: 00 00 00 is 0", [](der::writer& w) { w.add_unsigned_integer(view(buf{0x00, 0x00, 0x00})); },
       {0x02, 0x01, 0x00}},
      {"unsigned: 00 00 01", [](der::writer& w) { w.add_unsigned_integer(view(buf{0x00, 0x00, 0x01})); },
       {0x02, 0x01, 0x01}},
      {"unsigned: 7f", [](der::writer& w) { w.add_unsigned_integer(view(buf{0x7f})); }, {0x02, 0x01, 0x7f}},
      {"unsigned: 80 gets a zero", [](der::writer& w) { w.add_unsigned_integer(view(buf{0x80})); },
       {0x02, 0x02, 0x00, 0x80}},
      {"unsigned: 00 00 ff ff", [](der::writer& w) { w.add_unsigned_integer(view(buf{0x00, 0x00, 0xff, 0xff})); },
       {0x02, 0x03, 0x00, 0xff, 0xff}},
      {"unsigned: 00 80 stays", [](der::writer& w) { w.add_unsigned_integer(view(buf{0x00, 0x80})); },
       {0x02, 0x02, 0x00, 0x80}},
      {"integer contents 00 80", [](der::writer& w) { w.add_integer_contents(view(buf{0x00, 0x80})); },
       {0x02, 0x02, 0x00, 0x80}},
      {"integer contents ff", [](der::writer& w) { w.add_integer_contents(view(buf{0xff})); }, {0x02, 0x01, 0xff}},
      {"bit string empty", [](der::writer& w) { w.add_bit_string({}); }, {0x03, 0x01, 0x00}},
      {"bit string 0 unused", [](der::writer& w) { w.add_bit_string(view(buf{0xff, 0x01})); },
       {0x03, 0x03, 0x00, 0xff, 0x01}},
      {"bit string 7 unused", [](der::writer& w) { w.add_bit_string(view(buf{0x80}), 7); }, {0x03, 0x02, 0x07, 0x80}},
      {"bit string 5 unused", [](der::writer& w) { w.add_bit_string(view(buf{0x05, 0xa0}), 5); },
       {0x03, 0x03, 0x05, 0x05, 0xa0}},
  };
  for (const row& r : rows) {
    INFO(r.name);
    der::writer w;
    r.write(w);
    auto out = w.finish();
    REQUIRE(out.has_value());
    CHECK(copy(out.value()) == r.expected);
  }

  // A 20-octet serial with the high bit set gets a leading zero and reads back as its magnitude.
  const buf magnitude = cat({{0x00, 0x00, 0x9c}, filler(19, 9)});
  der::writer w;
  w.add_unsigned_integer(view(magnitude));
  auto out = w.finish();
  REQUIRE(out.has_value());
  CHECK(copy(out.value()) == cat({{0x02, 0x15, 0x00, 0x9c}, filler(19, 9)}));
  der::reader rd(out.value());
  auto c = rd.read_integer();
  REQUIRE(c.has_value());
  CHECK(copy(c.value()) == cat({{0x00, 0x9c}, filler(19, 9)}));
}

TEST_CASE("der: writer rejects non-minimal INTEGER contents and bad BIT STRINGs", "[der]") {
  for (const buf& contents : non_minimal_integers()) {
    INFO("contents size " << contents.size());
    der::writer w;
    w.add_integer_contents(view(contents));
    auto out = w.finish();
    REQUIRE(out.has_error());
    CHECK(out.error() == errc::der_bad_integer);
  }
  struct row {
    const char* name;
    buf bits;
    unsigned unused;
  };
  const std::vector<row> rows{
      {"unused bit set", {0x01}, 1},
      {"lowest of 7 unused set", {0x81}, 7},
      {"unused count 8", {0x00}, 8},
      {"unused count 100", {0x00}, 100},
      {"unused count without bits", {}, 1},
  };
  for (const row& r : rows) {
    INFO(r.name);
    der::writer w;
    w.add_bit_string(view(r.bits), r.unused);
    auto out = w.finish();
    REQUIRE(out.has_error());
    CHECK(out.error() == errc::der_bad_bit_string);
  }
}

TEST_CASE("der: writer times round-trip through the reader", "[der]") {
  struct row {
    std::chrono::sys_seconds t;
    const char* generalized;  // nullptr: out of range
    const char* utc;          // nullptr: out of range
  };
  const std::vector<row> rows{
      {at(2024, 2, 29, 12, 34, 56), "20240229123456Z", "240229123456Z"},
      {at(1970, 1, 1, 0, 0, 0), "19700101000000Z", "700101000000Z"},
      {at(1969, 12, 31, 23, 59, 59), "19691231235959Z", "691231235959Z"},
      {at(1950, 1, 1, 0, 0, 0), "19500101000000Z", "500101000000Z"},
      {at(2049, 12, 31, 23, 59, 59), "20491231235959Z", "491231235959Z"},
      {at(1949, 12, 31, 23, 59, 59), "19491231235959Z", nullptr},
      {at(2050, 1, 1, 0, 0, 0), "20500101000000Z", nullptr},
      {at(2000, 1, 1, 0, 0, 0), "20000101000000Z", "000101000000Z"},
      {at(9999, 12, 31, 23, 59, 59), "99991231235959Z", nullptr},
      {at(1, 1, 1, 0, 0, 0), "00010101000000Z", nullptr},
      {at(10000, 1, 1, 0, 0, 0), nullptr, nullptr},
      {at(-1, 12, 31, 23, 59, 59), nullptr, nullptr},
  };
  for (const row& r : rows) {
    INFO("epoch seconds " << epoch_seconds(r.t));
    {
      der::writer w;
      w.add_generalized_time(r.t);
      auto out = w.finish();
      if (r.generalized == nullptr) {
        REQUIRE(out.has_error());
        CHECK(out.error() == errc::der_bad_time);
      } else {
        REQUIRE(out.has_value());
        CHECK(copy(out.value()) == tlv(der::tag::generalized_time, text(r.generalized)));
        der::reader rd(out.value());
        auto back = rd.read_generalized_time();
        REQUIRE(back.has_value());
        CHECK(epoch_seconds(back.value()) == epoch_seconds(r.t));
      }
    }
    {
      der::writer w;
      w.add_utc_time(r.t);
      w.add_null();  // sticky: not written after a failure
      auto out = w.finish();
      if (r.utc == nullptr) {
        REQUIRE(out.has_error());
        CHECK(out.error() == errc::der_bad_time);
      } else {
        REQUIRE(out.has_value());
        CHECK(copy(out.value()) == cat({tlv(der::tag::utc_time, text(r.utc)), {0x05, 0x00}}));
        der::reader rd(out.value());
        auto back = rd.read_utc_time();
        REQUIRE(back.has_value());
        CHECK(epoch_seconds(back.value()) == epoch_seconds(r.t));
      }
    }
  }
}

TEST_CASE("der: take() moves the encoding out", "[der]") {
  der::writer w;
  w.begin(der::tag::sequence);
  w.add_integer(1);
  w.end();
  auto taken = w.take();
  REQUIRE(taken.has_value());
  CHECK(taken.value() == buf{0x30, 0x03, 0x02, 0x01, 0x01});

  // The writer is empty afterwards and can be used again.
  auto after = w.finish();
  REQUIRE(after.has_value());
  CHECK(after.value().empty());
  w.add_null();
  auto again = w.take();
  REQUIRE(again.has_value());
  CHECK(again.value() == buf{0x05, 0x00});

  // A long encoding moves intact (the back-patched length and everything after it).
  const buf blob = filler(1000);
  der::writer big;
  big.begin(der::tag::sequence);
  big.add_octet_string(view(blob));
  big.end();
  auto b = big.take();
  REQUIRE(b.has_value());
  CHECK(b.value() == cat({{0x30, 0x82, 0x03, 0xec, 0x04, 0x82, 0x03, 0xe8}, blob}));

  der::writer empty;
  auto nothing = empty.take();
  REQUIRE(nothing.has_value());
  CHECK(nothing.value().empty());
}

TEST_CASE("der: take() on a fixed writer gives an empty vector", "[der]") {
  // der.hpp: "The growable buffer's encoding, moved out (empty for a fixed writer or on error)."
  buf fixed(8, 0xee);
  der::writer w{std::span<std::uint8_t>(fixed)};
  w.add_boolean(true);
  auto taken = w.take();
  REQUIRE(taken.has_value());
  INFO("take() returned " << taken.value().size() << " bytes: " << ::Catch::Detail::stringify(taken.value()));
  CHECK(taken.value().empty());
  CHECK(copy(der::bytes(fixed).first(3)) == buf{0x01, 0x01, 0xff});  // the encoding stays in the buffer
}

// --- properties ------------------------------------------------------------------------------------

namespace {

// A random DER tree: primitive elements carry contents, constructed ones carry children.
struct node {
  std::uint8_t tag = 0;
  buf contents;
  std::vector<node> children;
  bool constructed() const noexcept { return (tag & der::tag::constructed) != 0; }
};

std::size_t pick(std::mt19937& rng, std::size_t n) { return static_cast<std::size_t>(rng() % n); }

std::size_t random_length(std::mt19937& rng) {
  static constexpr std::array<std::size_t, 16> lengths{0,   1,   2,   126, 127, 128, 129, 130,
                                                       254, 255, 256, 257, 300, 511, 512, 1000};
  if (pick(rng, 80) == 0) return pick(rng, 2) == 0 ? 65535 : 65536;  // now and then 0x82 / 0x83
  if (pick(rng, 4) == 0) return pick(rng, 600);
  return lengths[pick(rng, lengths.size())];
}

node random_node(std::mt19937& rng, std::size_t depth) {
  static constexpr std::array<std::uint8_t, 6> primitive{0x04, 0x0c, 0x13, 0x80, 0x81, 0x86};
  static constexpr std::array<std::uint8_t, 5> constructed{0x30, 0x31, 0xa0, 0xa1, 0xa3};
  node n;
  if (depth < 6 && pick(rng, 6) >= depth + 1) {
    n.tag = constructed[pick(rng, constructed.size())];
    const std::size_t count = pick(rng, 5);
    for (std::size_t i = 0; i < count; ++i) n.children.push_back(random_node(rng, depth + 1));
  } else {
    n.tag = primitive[pick(rng, primitive.size())];
    n.contents.resize(random_length(rng));
    for (auto& b : n.contents) b = static_cast<std::uint8_t>(rng());
  }
  return n;
}

void write_node(der::writer& w, const node& n) {
  if (!n.constructed()) return w.add_element(n.tag, view(n.contents));
  w.begin(n.tag);
  for (const node& c : n.children) write_node(w, c);
  w.end();
}

// An encoder independent of der::writer: X.690 8.1.3 spelled out.
void reference_encode(buf& out, const node& n) {
  buf contents;
  if (n.constructed()) {
    for (const node& c : n.children) reference_encode(contents, c);
  } else {
    contents = n.contents;
  }
  out.push_back(n.tag);
  const std::size_t len = contents.size();
  if (len < 0x80) {
    out.push_back(static_cast<std::uint8_t>(len));
  } else {
    buf octets;
    for (std::size_t l = len; l != 0; l >>= 8) octets.insert(octets.begin(), static_cast<std::uint8_t>(l & 0xff));
    out.push_back(static_cast<std::uint8_t>(0x80 | octets.size()));
    out.insert(out.end(), octets.begin(), octets.end());
  }
  out.insert(out.end(), contents.begin(), contents.end());
}

// Walks `n` back out of `r`, which must hold it next.
void read_node(der::reader& r, const node& n) {
  const std::size_t before = r.size();
  der::bytes element;
  auto c = r.read(n.tag, element);
  REQUIRE(c.has_value());
  CHECK(element.size() == before - r.size());
  der::reader contents = c.value();
  if (n.constructed()) {
    for (const node& child : n.children) read_node(contents, child);
    REQUIRE(contents.expect_end().has_value());
  } else {
    REQUIRE(std::ranges::equal(contents.data(), n.contents));
  }
}

}  // namespace

TEST_CASE("der: random structures written by the writer are read back exactly", "[der]") {
  std::mt19937 rng(20240229);  // fixed seed: the same structures every run
  std::size_t long_forms = 0;
  for (int round = 0; round < 300; ++round) {
    INFO("round " << round);
    std::vector<node> top;
    const std::size_t count = 1 + pick(rng, 3);
    for (std::size_t i = 0; i < count; ++i) top.push_back(random_node(rng, 0));

    der::writer w;
    buf expected;
    for (const node& n : top) {
      write_node(w, n);
      reference_encode(expected, n);
    }
    auto out = w.finish();
    REQUIRE(out.has_value());
    REQUIRE(out.value().size() == expected.size());
    REQUIRE(std::ranges::equal(out.value(), expected));
    if (expected.size() > 1 && (expected[1] & 0x80) != 0) ++long_forms;

    der::reader rd(out.value());
    for (const node& n : top) read_node(rd, n);
    CHECK(rd.expect_end().has_value());

    // The same into a fixed buffer of exactly that size; one byte less is der_buffer_too_small.
    buf fixed(expected.size());
    der::writer fw{std::span<std::uint8_t>(fixed)};
    for (const node& n : top) write_node(fw, n);
    REQUIRE(fw.finish().has_value());
    REQUIRE(fixed == expected);

    buf small(expected.size() - 1);
    der::writer sw{std::span<std::uint8_t>(small)};
    for (const node& n : top) write_node(sw, n);
    auto failed = sw.finish();
    REQUIRE(failed.has_error());
    CHECK(failed.error() == errc::der_buffer_too_small);
  }
  CHECK(long_forms > 50);  // the generator does exercise long-form lengths at the top
}

namespace {

// The grammar the truncation tests read:
//   Sample ::= SEQUENCE {
//     algorithm   SEQUENCE { algorithm OBJECT IDENTIFIER, parameters NULL },
//     flag        BOOLEAN,
//     serial      INTEGER,
//     status      ENUMERATED,
//     key         BIT STRING,
//     blob        OCTET STRING,                 -- 300 octets: a long-form length
//     produced    [0] EXPLICIT GeneralizedTime,
//     this_update [1] EXPLICIT UTCTime,
//     inner       SEQUENCE { SEQUENCE { OCTET STRING } } }   -- 130 octets deep inside
ocsp::result<void> parse_sample_contents(der::reader seq) noexcept {
  BOOST_OUTCOME_TRY(der::reader alg, seq.read(der::tag::sequence));
  BOOST_OUTCOME_TRY(alg.read_oid());
  BOOST_OUTCOME_TRY(alg.read_null());
  BOOST_OUTCOME_TRY(alg.expect_end());
  BOOST_OUTCOME_TRY(seq.read_boolean());
  BOOST_OUTCOME_TRY(seq.read_integer());
  BOOST_OUTCOME_TRY(seq.read_enumerated(0, 10));
  BOOST_OUTCOME_TRY(seq.read_bit_string());
  BOOST_OUTCOME_TRY(seq.read_octet_string());
  BOOST_OUTCOME_TRY(der::reader produced, seq.read(der::tag::context_constructed(0)));
  BOOST_OUTCOME_TRY(produced.read_generalized_time());
  BOOST_OUTCOME_TRY(produced.expect_end());
  BOOST_OUTCOME_TRY(der::reader this_update, seq.read(der::tag::context_constructed(1)));
  BOOST_OUTCOME_TRY(this_update.read_utc_time());
  BOOST_OUTCOME_TRY(this_update.expect_end());
  BOOST_OUTCOME_TRY(der::reader inner, seq.read(der::tag::sequence));
  BOOST_OUTCOME_TRY(der::reader inner2, inner.read(der::tag::sequence));
  BOOST_OUTCOME_TRY(inner2.read_octet_string());
  BOOST_OUTCOME_TRY(inner2.expect_end());
  BOOST_OUTCOME_TRY(inner.expect_end());
  return seq.expect_end();
}

ocsp::result<void> parse_sample(der::bytes in) noexcept {
  BOOST_OUTCOME_TRY(der::reader seq, der::read_single(in, der::tag::sequence));
  return parse_sample_contents(seq);
}

buf sample() {
  der::writer w;
  w.begin(der::tag::sequence);
  w.begin(der::tag::sequence);
  w.add_oid(ocsp::oid::sha256);
  w.add_null();
  w.end();
  w.add_boolean(true);
  w.add_unsigned_integer(view(filler(20, 1)));
  w.add_enumerated(3);
  w.add_bit_string(view(buf{0xa5, 0xf0}), 4);
  w.add_octet_string(view(filler(300, 2)));
  w.begin(der::tag::context_constructed(0));
  w.add_generalized_time(at(2024, 2, 29, 12, 0, 0));
  w.end();
  w.begin(der::tag::context_constructed(1));
  w.add_utc_time(at(2024, 3, 1, 12, 0, 0));
  w.end();
  w.begin(der::tag::sequence);
  w.begin(der::tag::sequence);
  w.add_octet_string(view(filler(130, 3)));
  w.end();
  w.end();
  w.end();
  auto out = w.take();
  REQUIRE(out.has_value());
  return std::move(out).value();
}

}  // namespace

TEST_CASE("der: every truncation of a valid structure fails cleanly", "[der]") {
  const buf full = sample();
  REQUIRE(full.size() > 0x100);
  REQUIRE(parse_sample(view(full)).has_value());

  // Every prefix of the whole encoding: the outer length runs past the end.
  for (std::size_t n = 0; n < full.size(); ++n) {
    INFO("prefix of " << n << " bytes");
    const buf prefix(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(n));  // exact heap size for ASan
    auto r = parse_sample(view(prefix));
    REQUIRE(r.has_error());
    CHECK(r.error() == errc::der_truncated);

    der::reader rd(view(prefix));
    auto seq = rd.read(der::tag::sequence);
    REQUIRE(seq.has_error());
    CHECK(rd.data().data() == prefix.data());
    CHECK(rd.size() == n);
  }

  // Every prefix of the contents under a consistent outer header: the inner grammar runs out.
  auto outer = der::read_single(view(full), der::tag::sequence);
  REQUIRE(outer.has_value());
  const der::bytes contents = outer.value().data();
  for (std::size_t n = 0; n < contents.size(); ++n) {
    INFO("contents prefix of " << n << " bytes");
    const buf cut(contents.begin(), contents.begin() + static_cast<std::ptrdiff_t>(n));
    auto r = parse_sample_contents(der::reader(view(cut)));
    REQUIRE(r.has_error());
    CHECK(r.error() == errc::der_truncated);
  }
}

TEST_CASE("der: single-octet corruptions of a valid structure fail with a der code or parse", "[der]") {
  const buf full = sample();
  const std::array<std::uint8_t, 8> values{0x00, 0x01, 0x1f, 0x7f, 0x80, 0x81, 0x84, 0xff};
  std::size_t failures = 0;
  for (std::size_t i = 0; i < full.size(); ++i) {
    for (const std::uint8_t v : values) {
      if (full[i] == v) continue;
      buf corrupt = full;
      corrupt[i] = v;
      auto r = parse_sample(view(corrupt));
      if (r.has_value()) continue;  // e.g. a changed octet inside the blob
      ++failures;
      const int code = r.error().value();
      INFO("octet " << i << " set to " << int{v} << ": " << r.error().message());
      CHECK(r.error().category() == ocsp::error_category());
      CHECK(code >= static_cast<int>(errc::der_truncated));
      CHECK(code <= static_cast<int>(errc::der_buffer_too_small));
    }
  }
  CHECK(failures > 100);
}

TEST_CASE("der: read_any_valid checks ANY contents all the way down", "[der][any]") {
  using bytes_t = std::vector<std::uint8_t>;
  struct row {
    const char* name;
    bytes_t input;
    bool ok;
  };
  bytes_t deep;
  for (int i = 0; i < 40; ++i) deep.insert(deep.begin(), {0x30, static_cast<std::uint8_t>(deep.size())});
  const std::vector<row> rows{
      {"NULL", {0x05, 0x00}, true},
      {"empty SEQUENCE", {0x30, 0x00}, true},
      {"SEQUENCE of INTEGER", {0x30, 0x03, 0x02, 0x01, 0x05}, true},
      {"[0] EXPLICIT INTEGER", {0xa0, 0x03, 0x02, 0x01, 0x05}, true},
      {"OCTET STRING holding anything", {0x04, 0x02, 0xff, 0xff}, true},
      {"end-of-contents tag", {0x00, 0x00}, false},
      {"constructed OCTET STRING", {0x24, 0x00}, false},
      {"primitive SEQUENCE", {0x10, 0x00}, false},
      {"NULL with contents", {0x05, 0x01, 0x00}, false},
      {"BOOLEAN 0x01", {0x01, 0x01, 0x01}, false},
      {"non-minimal INTEGER inside a SEQUENCE", {0x30, 0x04, 0x02, 0x02, 0x00, 0x05}, false},
      {"garbage inside a SEQUENCE", {0x30, 0x02, 0xff, 0xff}, false},
      {"garbage inside [3]", {0xa3, 0x02, 0xff, 0xff}, false},
      {"bad time inside a SET", {0x31, 0x04, 0x18, 0x02, 0x31, 0x32}, false},
      {"nesting deeper than 32", deep, false},
  };
  for (const row& r : rows) {
    INFO(r.name);
    ocsp::der::reader in{ocsp::der::bytes(r.input)};
    std::uint8_t t = 0;
    auto got = in.read_any_valid(t);
    CHECK(got.has_value() == r.ok);
    if (r.ok) {
      CHECK(in.empty());
    } else {
      CHECK(in.size() == r.input.size());  // not advanced
    }
  }
}

TEST_CASE("der: ANY fields of OCSP PDUs are DER-checked (review findings)", "[der][any][request]") {
  // A request whose CertID hashAlgorithm parameters are SEQUENCE { ff ff }: not DER inside.
  const std::string hex =
      "304430423040303e303c300b06052b0e03021a3002ffff0414111111111111111111111111111111111111111104142222222222"
      "222222222222222222222222222222020101";
  std::vector<std::uint8_t> der;
  for (std::size_t i = 0; i < hex.size(); i += 2) der.push_back(static_cast<std::uint8_t>(std::stoul(hex.substr(i, 2), nullptr, 16)));
  auto parsed = ocsp::parse_ocsp_request(der);
  REQUIRE_FALSE(parsed);
  // The same request with NULL parameters parses.
  std::string fixed = hex;
  fixed.replace(fixed.find("3002ffff"), 8, "0500");
  fixed.replace(0, 4, "3042");  // outer lengths shrink by two
  fixed.replace(4, 4, "3040");
  fixed.replace(8, 4, "303e");
  fixed.replace(12, 4, "303c");
  fixed.replace(16, 4, "303a");
  fixed.replace(20, 4, "3009");
  std::vector<std::uint8_t> ok;
  for (std::size_t i = 0; i < fixed.size(); i += 2) ok.push_back(static_cast<std::uint8_t>(std::stoul(fixed.substr(i, 2), nullptr, 16)));
  CHECK(ocsp::parse_ocsp_request(ok).has_value());
}
