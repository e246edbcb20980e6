#include "ocsp/der.hpp"

#include <algorithm>
#include <cstring>
#include <new>

namespace ocsp::der {
namespace {

using std::chrono::sys_seconds;

result<reader> fail_with(errc e) noexcept { return make_error_code(e); }

// One element's header: tag, and where its contents start and end.
struct header {
  std::uint8_t tag;
  std::size_t header_size;
  std::size_t length;
};

// Parses the identifier and length octets at the start of `data` (X.690 8.1.2-8.1.3 with the
// DER restrictions of 10.1: definite form, minimum number of octets).
result<header> parse_header(bytes data) noexcept {
  if (data.size() < 2) return make_error_code(errc::der_truncated);
  const std::uint8_t t = data[0];
  if ((t & 0x1f) == 0x1f) return make_error_code(errc::der_high_tag_number);
  const std::uint8_t first = data[1];
  if (first < 0x80) return header{t, 2, first};
  const std::size_t count = first & 0x7fU;
  // 0x80 is the indefinite form; more than 4 length octets would be a >4 GiB element.
  if (count == 0 || count > 4) return make_error_code(errc::der_bad_length);
  if (data.size() < 2 + count) return make_error_code(errc::der_truncated);
  if (data[2] == 0) return make_error_code(errc::der_bad_length);  // leading zero octet
  std::size_t length = 0;
  for (std::size_t i = 0; i < count; ++i) length = (length << 8) | data[2 + i];
  if (length < 0x80) return make_error_code(errc::der_bad_length);  // fits the short form
  return header{t, 2 + count, length};
}

constexpr bool is_digit(std::uint8_t c) noexcept { return c >= '0' && c <= '9'; }

// `count` ASCII digits at `p` as a number, or -1.
int digits(const std::uint8_t* p, int count) noexcept {
  int value = 0;
  for (int i = 0; i < count; ++i) {
    if (!is_digit(p[i])) return -1;
    value = value * 10 + (p[i] - '0');
  }
  return value;
}

// MMDDHHMMSSZ after the year, per RFC 5280 4.1.2.5: seconds present, no fraction, Zulu.
result<sys_seconds> parse_time_after_year(int year, bytes rest) noexcept {
  if (rest.size() != 11 || rest[10] != 'Z') return make_error_code(errc::der_bad_time);
  const int month = digits(&rest[0], 2), day = digits(&rest[2], 2), hour = digits(&rest[4], 2),
            minute = digits(&rest[6], 2), second = digits(&rest[8], 2);
  if (month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 ||
      second > 59) {
    return make_error_code(errc::der_bad_time);
  }
  using namespace std::chrono;
  const year_month_day ymd{std::chrono::year{year}, std::chrono::month{static_cast<unsigned>(month)},
                           std::chrono::day{static_cast<unsigned>(day)}};
  if (!ymd.ok()) return make_error_code(errc::der_bad_time);
  return sys_days(ymd) + hours(hour) + minutes(minute) + seconds(second);
}

}  // namespace

std::optional<std::uint8_t> reader::peek_tag() const noexcept {
  if (data_.empty()) return std::nullopt;
  return data_[0];
}

bool reader::next_is(std::uint8_t t) const noexcept { return !data_.empty() && data_[0] == t; }

result<reader> reader::read_any(std::uint8_t& t) noexcept {
  BOOST_OUTCOME_TRY(const header h, parse_header(data_));
  if (h.length > data_.size() - h.header_size) return fail_with(errc::der_truncated);
  t = h.tag;
  const reader contents(data_.subspan(h.header_size, h.length));
  data_ = data_.subspan(h.header_size + h.length);
  return contents;
}

namespace {

constexpr int max_any_depth = 32;

// Checks the element at the front of `in` (and everything inside it) as read_any_valid says.
result<reader> read_valid_element(reader& in, std::uint8_t& t, int depth) noexcept {
  if (depth > max_any_depth) return fail_with(errc::der_too_deep);
  const reader whole = in;
  BOOST_OUTCOME_TRY(reader contents, in.read_any(t));
  const bool constructed = (t & tag::constructed) != 0;
  const unsigned number = t & 0x1fU;
  if ((t & 0xc0U) == 0) {  // universal class
    if (t == 0x00) return fail_with(errc::der_unexpected_tag);  // end-of-contents: BER only
    const bool is_set_or_sequence = number == 0x10 || number == 0x11;
    if (constructed != is_set_or_sequence) return fail_with(errc::der_unexpected_tag);  // X.690 10.2
    // Re-read the known primitive types with their strict readers.
    reader again = whole;
    const auto error_of = [](const auto& r) noexcept { return r ? boost::system::error_code() : r.error(); };
    boost::system::error_code checked;
    switch (t) {
      case tag::boolean: checked = error_of(again.read_boolean()); break;
      case tag::integer: checked = error_of(again.read_integer()); break;
      case tag::enumerated: checked = error_of(again.read_enumerated(INT64_MIN, INT64_MAX)); break;
      case tag::bit_string: checked = error_of(again.read_bit_string()); break;
      case tag::null: checked = error_of(again.read_null()); break;
      case tag::object_identifier: checked = error_of(again.read_oid()); break;
      case tag::utc_time: checked = error_of(again.read_utc_time()); break;
      case tag::generalized_time: checked = error_of(again.read_generalized_time()); break;
      default: break;
    }
    if (checked) return checked;
  }
  if (constructed) {
    reader inner = contents;
    while (!inner.empty()) {
      std::uint8_t inner_tag = 0;
      BOOST_OUTCOME_TRY(read_valid_element(inner, inner_tag, depth + 1));
    }
  }
  return contents;
}

}  // namespace

result<reader> reader::read_any_valid(std::uint8_t& t) noexcept {
  return restoring(*this, [&]() noexcept { return read_valid_element(*this, t, 0); });
}

result<reader> reader::read(std::uint8_t t, bytes& element) noexcept {
  if (data_.empty()) return fail_with(errc::der_truncated);
  if (data_[0] != t) return fail_with(errc::der_unexpected_tag);
  const bytes before = data_;
  std::uint8_t got = 0;
  BOOST_OUTCOME_TRY(reader contents, read_any(got));
  element = before.first(before.size() - data_.size());
  return contents;
}

result<reader> reader::read(std::uint8_t t) noexcept {
  bytes unused;
  return read(t, unused);
}

result<std::optional<reader>> reader::read_optional(std::uint8_t t) noexcept {
  if (!next_is(t)) return std::optional<reader>{};
  BOOST_OUTCOME_TRY(reader contents, read(t));
  return std::optional<reader>(contents);
}

result<bool> reader::read_boolean() noexcept {
  const reader saved = *this;
  BOOST_OUTCOME_TRY(reader c, read(tag::boolean));
  if (c.size() != 1 || (c.data_[0] != 0x00 && c.data_[0] != 0xff)) {
    *this = saved;
    return make_error_code(errc::der_bad_boolean);
  }
  return c.data_[0] == 0xff;
}

// X.690 8.3.2: the first nine bits must not all be zero or all be one.
bool is_minimal_integer(bytes c) noexcept {
  if (c.empty()) return false;
  if (c.size() == 1) return true;
  return !(c[0] == 0x00 && (c[1] & 0x80) == 0) && !(c[0] == 0xff && (c[1] & 0x80) != 0);
}

namespace {

result<std::int64_t> to_int64(bytes c, std::int64_t min, std::int64_t max) noexcept {
  if (c.size() > 8) return make_error_code(errc::der_bad_integer);
  std::uint64_t u = (c[0] & 0x80) ? ~std::uint64_t{0} : 0;  // sign extension
  for (std::uint8_t b : c) u = (u << 8) | b;
  const auto value = static_cast<std::int64_t>(u);
  if (value < min || value > max) return make_error_code(errc::der_bad_integer);
  return value;
}
}  // namespace

result<bytes> reader::read_integer() noexcept {
  const reader saved = *this;
  BOOST_OUTCOME_TRY(reader c, read(tag::integer));
  if (!is_minimal_integer(c.data_)) {
    *this = saved;
    return make_error_code(errc::der_bad_integer);
  }
  return c.data_;
}

result<std::int64_t> reader::read_small_integer(std::int64_t min, std::int64_t max) noexcept {
  const reader saved = *this;
  BOOST_OUTCOME_TRY(bytes c, read_integer());
  auto value = to_int64(c, min, max);
  if (!value) *this = saved;
  return value;
}

result<std::int64_t> reader::read_enumerated(std::int64_t min, std::int64_t max) noexcept {
  const reader saved = *this;
  BOOST_OUTCOME_TRY(reader c, read(tag::enumerated));
  if (!is_minimal_integer(c.data_)) {
    *this = saved;
    return make_error_code(errc::der_bad_integer);
  }
  auto value = to_int64(c.data_, min, max);
  if (!value) *this = saved;
  return value;
}

result<bytes> reader::read_oid() noexcept {
  const reader saved = *this;
  BOOST_OUTCOME_TRY(reader c, read(tag::object_identifier));
  // Each sub-identifier is base 128, minimal (no leading 0x80), and the last octet ends one.
  const bytes o = c.data_;
  bool ok = !o.empty() && (o.back() & 0x80) == 0;
  bool at_start = true;
  for (std::size_t i = 0; ok && i < o.size(); ++i) {
    if (at_start && o[i] == 0x80) ok = false;
    at_start = (o[i] & 0x80) == 0;
  }
  if (!ok) {
    *this = saved;
    return make_error_code(errc::der_bad_oid);
  }
  return o;
}

result<bytes> reader::read_octet_string() noexcept {
  BOOST_OUTCOME_TRY(reader c, read(tag::octet_string));
  return c.data_;
}

result<bit_string> reader::read_bit_string() noexcept {
  const reader saved = *this;
  BOOST_OUTCOME_TRY(reader c, read(tag::bit_string));
  const bytes b = c.data_;
  // X.690 11.2: the unused-bit count is 0..7, 0 when there are no bits, and unused bits are zero.
  const bool ok = !b.empty() && b[0] <= 7 && (b.size() > 1 || b[0] == 0) &&
                  (b.size() == 1 || (b.back() & ((1U << b[0]) - 1U)) == 0);
  if (!ok) {
    *this = saved;
    return make_error_code(errc::der_bad_bit_string);
  }
  return bit_string{b.subspan(1), b[0]};
}

result<void> reader::read_null() noexcept {
  const reader saved = *this;
  BOOST_OUTCOME_TRY(reader c, read(tag::null));
  if (!c.empty()) {
    *this = saved;
    return make_error_code(errc::der_bad_null);
  }
  return boost::outcome_v2::success();
}

result<sys_seconds> reader::read_generalized_time() noexcept {
  const reader saved = *this;
  BOOST_OUTCOME_TRY(reader c, read(tag::generalized_time));
  const bytes s = c.data_;
  const int year = s.size() == 15 ? digits(s.data(), 4) : -1;
  auto t = year < 0 ? result<sys_seconds>(make_error_code(errc::der_bad_time)) : parse_time_after_year(year, s.subspan(4));
  if (!t) *this = saved;
  return t;
}

result<sys_seconds> reader::read_utc_time() noexcept {
  const reader saved = *this;
  BOOST_OUTCOME_TRY(reader c, read(tag::utc_time));
  const bytes s = c.data_;
  const int yy = s.size() == 13 ? digits(s.data(), 2) : -1;
  // RFC 5280 4.1.2.5.1: YY >= 50 is 19YY, YY < 50 is 20YY.
  auto t = yy < 0 ? result<sys_seconds>(make_error_code(errc::der_bad_time))
                  : parse_time_after_year(yy >= 50 ? 1900 + yy : 2000 + yy, s.subspan(2));
  if (!t) *this = saved;
  return t;
}

result<sys_seconds> reader::read_time() noexcept {
  if (next_is(tag::utc_time)) return read_utc_time();
  return read_generalized_time();
}

result<void> reader::expect_end() const noexcept {
  if (!data_.empty()) return make_error_code(errc::der_trailing_data);
  return boost::outcome_v2::success();
}

result<reader> read_single(bytes data, std::uint8_t t) noexcept {
  reader r(data);
  BOOST_OUTCOME_TRY(reader contents, r.read(t));
  BOOST_OUTCOME_TRY(r.expect_end());
  return contents;
}

std::string oid_to_string(bytes oid) {
  std::string out;
  std::uint64_t value = 0;
  bool first = true;
  bool at_start = true;
  for (std::size_t i = 0; i < oid.size(); ++i) {
    if (at_start && oid[i] == 0x80) return {};  // a non-minimal sub-identifier: malformed
    at_start = (oid[i] & 0x80) == 0;
    if (value > (std::uint64_t{1} << 56)) return {};  // beyond what a printed arc needs
    value = (value << 7) | (oid[i] & 0x7fU);
    if (oid[i] & 0x80) continue;
    if (first) {
      // The first sub-identifier packs the first two arcs: 40 * X + Y with X in 0..2.
      const std::uint64_t x = value < 40 ? 0 : value < 80 ? 1 : 2;
      out += std::to_string(x) + "." + std::to_string(value - 40 * x);
      first = false;
    } else {
      out += "." + std::to_string(value);
    }
    value = 0;
  }
  if (oid.empty() || (oid.back() & 0x80)) return {};
  return out;
}

// --- writer ------------------------------------------------------------------------------------

void writer::fail(errc e) noexcept {
  if (!error_) error_ = make_error_code(e);
}

std::uint8_t* writer::grow(std::size_t n) noexcept {
  if (error_) return nullptr;
  if (is_fixed_) {
    if (fixed_.size() - size_ < n) {
      fail(errc::der_buffer_too_small);
      return nullptr;
    }
  } else {
    try {
      owned_.resize(size_ + n);
    } catch (const std::bad_alloc&) {
      fail(errc::der_buffer_too_small);
      return nullptr;
    }
  }
  std::uint8_t* p = buffer() + size_;
  size_ += n;
  return p;
}

void writer::add_bytes(bytes b) noexcept {
  if (std::uint8_t* p = grow(b.size()); p != nullptr && !b.empty()) std::memcpy(p, b.data(), b.size());
}

void writer::add_header(std::uint8_t t, std::size_t length) noexcept {
  std::array<std::uint8_t, 6> h{t};
  std::size_t n = 1;
  if (length < 0x80) {
    h[n++] = static_cast<std::uint8_t>(length);
  } else {
    std::size_t count = 0;
    for (std::size_t l = length; l != 0; l >>= 8) ++count;
    if (count > 4) return fail(errc::der_bad_length);
    h[n++] = static_cast<std::uint8_t>(0x80 | count);
    for (std::size_t i = count; i-- > 0;) h[n++] = static_cast<std::uint8_t>(length >> (8 * i));
  }
  add_bytes(bytes(h.data(), n));
}

void writer::begin(std::uint8_t t) noexcept {
  if (error_) return;
  if (depth_ == max_depth) return fail(errc::der_too_deep);
  const std::array<std::uint8_t, 2> h{t, 0};  // the length octet is patched by end()
  add_bytes(h);
  if (!error_) open_[depth_++] = size_ - 1;
}

void writer::end() noexcept {
  if (error_) return;
  if (depth_ == 0) return fail(errc::der_too_deep);
  const std::size_t at = open_[--depth_];
  const std::size_t length = size_ - at - 1;
  if (length < 0x80) {
    buffer()[at] = static_cast<std::uint8_t>(length);
    return;
  }
  std::size_t count = 0;
  for (std::size_t l = length; l != 0; l >>= 8) ++count;
  if (count > 4) return fail(errc::der_bad_length);
  if (grow(count) == nullptr) return;
  std::uint8_t* base = buffer();
  // Make room for the long-form length octets: shift the contents right.
  std::memmove(base + at + 1 + count, base + at + 1, length);
  base[at] = static_cast<std::uint8_t>(0x80 | count);
  for (std::size_t i = 0; i < count; ++i) base[at + 1 + i] = static_cast<std::uint8_t>(length >> (8 * (count - 1 - i)));
}

void writer::add_element(std::uint8_t t, bytes contents) noexcept {
  add_header(t, contents.size());
  add_bytes(contents);
}

void writer::add_raw(bytes element) noexcept { add_bytes(element); }

void writer::add_boolean(bool value) noexcept {
  const std::uint8_t v = value ? 0xff : 0x00;
  add_element(tag::boolean, bytes(&v, 1));
}

namespace {
// The minimal two's-complement contents of `value`.
std::size_t encode_int64(std::int64_t value, std::array<std::uint8_t, 8>& out) noexcept {
  const auto u = static_cast<std::uint64_t>(value);
  std::size_t n = 8;
  for (std::size_t i = 0; i < 8; ++i) out[i] = static_cast<std::uint8_t>(u >> (8 * (7 - i)));
  std::size_t start = 0;
  while (n - start > 1 && ((out[start] == 0x00 && (out[start + 1] & 0x80) == 0) ||
                           (out[start] == 0xff && (out[start + 1] & 0x80) != 0))) {
    ++start;
  }
  std::copy(out.begin() + static_cast<std::ptrdiff_t>(start), out.end(), out.begin());
  return n - start;
}
}  // namespace

void writer::add_integer(std::int64_t value) noexcept {
  std::array<std::uint8_t, 8> c{};
  const std::size_t n = encode_int64(value, c);
  add_element(tag::integer, bytes(c.data(), n));
}

void writer::add_enumerated(std::int64_t value) noexcept {
  std::array<std::uint8_t, 8> c{};
  const std::size_t n = encode_int64(value, c);
  add_element(tag::enumerated, bytes(c.data(), n));
}

void writer::add_unsigned_integer(bytes magnitude) noexcept {
  while (magnitude.size() > 1 && magnitude[0] == 0) magnitude = magnitude.subspan(1);
  if (magnitude.empty()) return add_integer(0);
  const bool pad = (magnitude[0] & 0x80) != 0;
  add_header(tag::integer, magnitude.size() + (pad ? 1 : 0));
  if (pad) {
    const std::uint8_t zero = 0;
    add_bytes(bytes(&zero, 1));
  }
  add_bytes(magnitude);
}

void writer::add_integer_contents(bytes contents) noexcept {
  if (!is_minimal_integer(contents)) return fail(errc::der_bad_integer);
  add_element(tag::integer, contents);
}

void writer::add_oid(bytes contents) noexcept { add_element(tag::object_identifier, contents); }
void writer::add_octet_string(bytes contents) noexcept { add_element(tag::octet_string, contents); }

void writer::add_bit_string(bytes bits, unsigned unused_bits) noexcept {
  if (unused_bits > 7 || (bits.empty() && unused_bits != 0) ||
      (!bits.empty() && (bits.back() & ((1U << unused_bits) - 1U)) != 0)) {
    return fail(errc::der_bad_bit_string);
  }
  add_header(tag::bit_string, bits.size() + 1);
  const auto count = static_cast<std::uint8_t>(unused_bits);
  add_bytes(bytes(&count, 1));
  add_bytes(bits);
}

void writer::add_null() noexcept { add_element(tag::null, {}); }

namespace {
// YYYYMMDDHHMMSSZ (or YYMMDDHHMMSSZ with two_digit_year); returns the length, 0 if out of range.
std::size_t format_time(sys_seconds t, bool two_digit_year, std::array<char, 16>& out) noexcept {
  using namespace std::chrono;
  const sys_days day = floor<days>(t);
  const year_month_day ymd{day};
  const hh_mm_ss<seconds> clock{t - day};
  const int year = static_cast<int>(ymd.year());
  if (year < 0 || year > 9999 || (two_digit_year && (year < 1950 || year > 2049))) return 0;
  const std::array<int, 6> parts{two_digit_year ? year % 100 : year,
                                 static_cast<int>(static_cast<unsigned>(ymd.month())),
                                 static_cast<int>(static_cast<unsigned>(ymd.day())),
                                 static_cast<int>(clock.hours().count()),
                                 static_cast<int>(clock.minutes().count()),
                                 static_cast<int>(clock.seconds().count())};
  std::size_t n = 0;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const int width = (i == 0 && !two_digit_year) ? 4 : 2;
    for (int w = width - 1; w >= 0; --w) {
      int divisor = 1;
      for (int k = 0; k < w; ++k) divisor *= 10;
      out[n++] = static_cast<char>('0' + (parts[i] / divisor) % 10);
    }
  }
  out[n++] = 'Z';
  return n;
}
}  // namespace

void writer::add_generalized_time(sys_seconds t) noexcept {
  std::array<char, 16> s{};
  const std::size_t n = format_time(t, false, s);
  if (n == 0) return fail(errc::der_bad_time);
  add_element(tag::generalized_time, bytes(reinterpret_cast<const std::uint8_t*>(s.data()), n));
}

void writer::add_utc_time(sys_seconds t) noexcept {
  std::array<char, 16> s{};
  const std::size_t n = format_time(t, true, s);
  if (n == 0) return fail(errc::der_bad_time);
  add_element(tag::utc_time, bytes(reinterpret_cast<const std::uint8_t*>(s.data()), n));
}

result<bytes> writer::finish() const noexcept {
  if (error_) return error_;
  if (depth_ != 0) return make_error_code(errc::der_too_deep);
  return bytes(is_fixed_ ? fixed_.data() : owned_.data(), size_);
}

result<std::vector<std::uint8_t>> writer::take() noexcept {
  BOOST_OUTCOME_TRY(finish());
  if (is_fixed_) return std::vector<std::uint8_t>{};  // the bytes stay in the caller's buffer
  owned_.resize(size_);  // never grows: size_ <= owned_.size()
  size_ = 0;
  return std::move(owned_);
}

}  // namespace ocsp::der
