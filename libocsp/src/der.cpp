#include "ocsp/der.hpp"

#include <algorithm>
#include <bit>
#include <cstring>
#include <new>

namespace ocsp::der {
namespace {

using std::chrono::sys_seconds;

result<reader> fail_with(errc e) noexcept { return make_error_code(e); }

// Wraps a primitive's answer: `value` on success, the error otherwise.
template <class T>
result<T> wrap(errc e, const T& value) noexcept {
  if (!ok(e)) return make_error_code(e);
  return value;
}

}  // namespace

errc reader::get_boolean(bool& out) noexcept {
  reader saved = *this, c;
  if (const errc e = get(tag::boolean, c); !ok(e)) return e;
  if (c.size() != 1 || (c.data_[0] != 0x00 && c.data_[0] != 0xff)) {
    *this = saved;
    return errc::der_bad_boolean;
  }
  out = c.data_[0] == 0xff;
  return errc{};
}

errc reader::get_int64(std::uint8_t t, std::int64_t min, std::int64_t max, std::int64_t& out) noexcept {
  reader saved = *this, c;
  if (const errc e = get(t, c); !ok(e)) return e;
  const bytes b = c.data_;
  if (!is_minimal_integer(b) || b.size() > 8) {
    *this = saved;
    return errc::der_bad_integer;
  }
  std::uint64_t u = (b[0] & 0x80) ? ~std::uint64_t{0} : 0;  // sign extension
  for (const std::uint8_t octet : b) u = (u << 8) | octet;
  const auto value = static_cast<std::int64_t>(u);
  if (value < min || value > max) {
    *this = saved;
    return errc::der_bad_integer;
  }
  out = value;
  return errc{};
}

errc reader::get_bit_string(bit_string& out, std::uint8_t t) noexcept {
  reader saved = *this, c;
  if (const errc e = get(t, c); !ok(e)) return e;
  const bytes b = c.data_;
  // X.690 11.2: the unused-bit count is 0..7, 0 when there are no bits, and unused bits are zero.
  const bool valid = !b.empty() && b[0] <= 7 && (b.size() > 1 || b[0] == 0) &&
                     (b.size() == 1 || (b.back() & ((1U << b[0]) - 1U)) == 0);
  if (!valid) {
    *this = saved;
    return errc::der_bad_bit_string;
  }
  out = bit_string{b.subspan(1), b[0]};
  return errc{};
}

namespace {

constexpr int max_any_depth = 32;

// Checks the element at the front of `in` (and everything inside it) as read_any_valid says.
errc get_valid_element(reader& in, std::uint8_t& t, reader& contents, int depth) noexcept {
  if (depth > max_any_depth) return errc::der_too_deep;
  const reader whole = in;
  if (const errc e = in.get_any(t, contents); !ok(e)) return e;
  const bool constructed = (t & tag::constructed) != 0;
  const unsigned number = t & 0x1fU;
  if ((t & 0xc0U) == 0) {  // universal class
    if (t == 0x00) return errc::der_unexpected_tag;  // end-of-contents: BER only
    const bool is_set_or_sequence = number == 0x10 || number == 0x11;
    if (constructed != is_set_or_sequence) return errc::der_unexpected_tag;  // X.690 10.2
    // Re-read the known primitive types with their strict readers.
    reader again = whole;
    bool b = false;
    bytes v;
    bit_string bits;
    sys_seconds time;
    std::int64_t i = 0;
    errc checked{};
    switch (t) {
      case tag::boolean: checked = again.get_boolean(b); break;
      case tag::integer: checked = again.get_integer(v); break;
      case tag::enumerated: checked = again.get_int64(tag::enumerated, INT64_MIN, INT64_MAX, i); break;
      case tag::bit_string: checked = again.get_bit_string(bits); break;
      case tag::null: checked = again.get_null(); break;
      case tag::object_identifier: checked = again.get_oid(v); break;
      case tag::utc_time: checked = again.get_utc_time(time); break;
      case tag::generalized_time: checked = again.get_generalized_time(time); break;
      default: break;
    }
    if (!ok(checked)) return checked;
  }
  if (constructed) {
    reader inner = contents, child;
    while (!inner.empty()) {
      std::uint8_t inner_tag = 0;
      if (const errc e = get_valid_element(inner, inner_tag, child, depth + 1); !ok(e)) return e;
    }
  }
  return errc{};
}

}  // namespace

errc reader::get_any_valid_general(std::uint8_t& t, reader& contents, bytes* element) noexcept {
  if (validated_) return get_any(t, contents, element);
  const reader saved = *this;
  if (const errc e = get_valid_element(*this, t, contents, 0); !ok(e)) {
    *this = saved;
    return e;
  }
  if (element != nullptr) *element = saved.data_.first(saved.size() - size());
  return errc{};
}

// --- result<> readers: the primitives, wrapped ---------------------------------------------------

result<reader> reader::read_any(std::uint8_t& t) noexcept {
  reader c;
  return wrap(get_any(t, c), c);
}

result<reader> reader::read_any_valid(std::uint8_t& t) noexcept {
  reader c;
  return wrap(get_any_valid(t, c), c);
}

result<reader> reader::read(std::uint8_t t, bytes& element) noexcept {
  reader c;
  return wrap(get(t, c, &element), c);
}

result<reader> reader::read(std::uint8_t t) noexcept {
  reader c;
  return wrap(get(t, c), c);
}

result<std::optional<reader>> reader::read_optional(std::uint8_t t) noexcept {
  reader c;
  bool present = false;
  if (const errc e = get_optional(t, c, present); !ok(e)) return make_error_code(e);
  return present ? std::optional<reader>(c) : std::nullopt;
}

result<bool> reader::read_boolean() noexcept {
  bool b = false;
  return wrap(get_boolean(b), b);
}

result<bytes> reader::read_integer() noexcept {
  bytes c;
  return wrap(get_integer(c), c);
}

result<std::int64_t> reader::read_small_integer(std::int64_t min, std::int64_t max) noexcept {
  std::int64_t v = 0;
  return wrap(get_int64(tag::integer, min, max, v), v);
}

result<std::int64_t> reader::read_enumerated(std::int64_t min, std::int64_t max) noexcept {
  std::int64_t v = 0;
  return wrap(get_int64(tag::enumerated, min, max, v), v);
}

result<bytes> reader::read_oid() noexcept {
  bytes c;
  return wrap(get_oid(c), c);
}

result<bytes> reader::read_octet_string() noexcept {
  bytes c;
  return wrap(get_octet_string(c), c);
}

result<bit_string> reader::read_bit_string() noexcept {
  bit_string b;
  return wrap(get_bit_string(b), b);
}

result<void> reader::read_null() noexcept {
  if (const errc e = get_null(); !ok(e)) return make_error_code(e);
  return boost::outcome_v2::success();
}

result<sys_seconds> reader::read_generalized_time() noexcept {
  sys_seconds t;
  return wrap(get_generalized_time(t), t);
}

result<sys_seconds> reader::read_utc_time() noexcept {
  sys_seconds t;
  return wrap(get_utc_time(t), t);
}

result<sys_seconds> reader::read_time() noexcept {
  sys_seconds t;
  return wrap(get_time(t), t);
}

result<void> reader::expect_end() const noexcept {
  if (!data_.empty()) return make_error_code(errc::der_trailing_data);
  return boost::outcome_v2::success();
}

result<reader> read_single(bytes data, std::uint8_t t) noexcept {
  reader r(data), contents;
  if (errc e = r.get(t, contents); !ok(e)) return fail_with(e);
  if (errc e = r.end(); !ok(e)) return fail_with(e);
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
