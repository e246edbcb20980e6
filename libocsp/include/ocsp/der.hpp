// ocsp::der: a strict DER reader and a DER writer, after BoringSSL's CBS and CBB.
//
// `reader` is a non-owning view of bytes. Every read checks bounds first and advances only on
// success, so a failed read leaves the reader where it was. Strict DER is enforced here and only
// here: definite minimal lengths, low tag numbers, minimal INTEGERs, BOOLEAN 0x00/0xFF, BIT STRING
// unused bits zero, well-formed OIDs, RFC 5280 times (UTCTime YYMMDDHHMMSSZ, GeneralizedTime
// YYYYMMDDHHMMSSZ), and `expect_end` for "no trailing bytes" at every level. Everything a reader
// returns is a view into the bytes it was given: the caller keeps them alive.
//
// `writer` appends DER to a growable buffer or to a fixed caller-supplied one. `begin(tag)` opens
// a constructed element and `end()` closes the innermost one, back-patching its length. Errors
// are sticky: after the first failure every call is a no-op and `finish()` reports it.
//
// Errors are ocsp::errc der_* values (REST: invalid_ocsp_response).
#pragma once

#include "ocsp/error.hpp"

#include <array>
#include <bit>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace ocsp::der {

using bytes = std::span<const std::uint8_t>;

/// Identifier octets (low-tag-number form).
namespace tag {
inline constexpr std::uint8_t boolean = 0x01;
inline constexpr std::uint8_t integer = 0x02;
inline constexpr std::uint8_t bit_string = 0x03;
inline constexpr std::uint8_t octet_string = 0x04;
inline constexpr std::uint8_t null = 0x05;
inline constexpr std::uint8_t object_identifier = 0x06;
inline constexpr std::uint8_t enumerated = 0x0a;
inline constexpr std::uint8_t utc_time = 0x17;
inline constexpr std::uint8_t generalized_time = 0x18;
inline constexpr std::uint8_t sequence = 0x30;
inline constexpr std::uint8_t set = 0x31;
inline constexpr std::uint8_t constructed = 0x20;
inline constexpr std::uint8_t context_specific = 0x80;
/// [n] EXPLICIT, or [n] IMPLICIT of a constructed type.
constexpr std::uint8_t context_constructed(unsigned n) noexcept {
  return static_cast<std::uint8_t>(context_specific | constructed | n);
}
/// [n] IMPLICIT of a primitive type.
constexpr std::uint8_t context_primitive(unsigned n) noexcept {
  return static_cast<std::uint8_t>(context_specific | n);
}
}  // namespace tag

struct bit_string {
  bytes bits;              // the octets after the unused-bits count
  unsigned unused_bits = 0;  // 0..7; the unused bits themselves are zero
};

class reader {
 public:
  constexpr reader() noexcept = default;
  constexpr explicit reader(bytes data) noexcept : data_(data) {}

  /// A reader over bytes that a strict parse has already accepted (element_list iterates with
  /// one). It still checks bounds and tags, so it is memory-safe on any input, but it skips the
  /// checks that cannot fail on accepted bytes (time digits and ranges, OID form, the contents of
  /// ANY) and so decodes faster. Readers it hands out are validated too.
  static constexpr reader validated(bytes data) noexcept {
    reader r(data);
    r.validated_ = true;
    return r;
  }
  constexpr bool is_validated() const noexcept { return validated_; }

  constexpr bytes data() const noexcept { return data_; }
  constexpr std::size_t size() const noexcept { return data_.size(); }
  constexpr bool empty() const noexcept { return data_.empty(); }

  /// The tag of the next element, or nullopt at the end.
  std::optional<std::uint8_t> peek_tag() const noexcept {
    if (data_.empty()) return std::nullopt;
    return data_[0];
  }
  /// Whether the next element has tag `t`.
  bool next_is(std::uint8_t t) const noexcept { return !data_.empty() && data_[0] == t; }

  // --- Primitives (CBS style) ---------------------------------------------------------------------
  // Each returns errc{} on success and the reason otherwise; a failed call leaves the reader where
  // it was and its outputs unspecified. They are what the parsers on the hot path use: an errc is
  // one register, where a result<> carries a boost error_code. The result<> readers below wrap
  // them for everything else. Check the answer with `ok(e)` or OCSP_DER_TRY (src/detail).

  /// The next element whatever its tag: `t`, and its contents; `element` (if given) receives the
  /// whole element, header included. Checks the header only.
  [[nodiscard]] errc get_any(std::uint8_t& t, reader& contents, bytes* element = nullptr) noexcept;
  /// The next element, which must have tag `t`.
  [[nodiscard]] errc get(std::uint8_t t, reader& contents, bytes* element = nullptr) noexcept;
  /// The element with tag `t` if it is next (`present` true), else nothing (`present` false).
  [[nodiscard]] errc get_optional(std::uint8_t t, reader& contents, bool& present) noexcept;
  /// As read_any_valid.
  [[nodiscard]] errc get_any_valid(std::uint8_t& t, reader& contents, bytes* element = nullptr) noexcept {
    // Inline for NULL (05 00), the usual AlgorithmIdentifier parameters, and for the string
    // types, whose contents DER does not constrain (a Name's attribute values); the rest recurses.
    if (data_.size() >= 2 && data_[0] == tag::null && data_[1] == 0) {
      t = tag::null;
      contents = reader(data_.subspan(2, 0));
      contents.validated_ = validated_;
      if (element != nullptr) *element = data_.first(2);
      data_ = data_.subspan(2);
      return errc{};
    }
    if (!data_.empty() && data_[0] < 0x20 && ((unconstrained_primitives >> data_[0]) & 1U) != 0) {
      return get_any(t, contents, element);
    }
    return get_any_valid_general(t, contents, element);
  }
  [[nodiscard]] errc get_boolean(bool& out) noexcept;
  [[nodiscard]] errc get_integer(bytes& contents) noexcept;
  /// An INTEGER (tag::integer) or ENUMERATED (tag::enumerated) that fits in [min, max].
  [[nodiscard]] errc get_int64(std::uint8_t t, std::int64_t min, std::int64_t max, std::int64_t& out) noexcept;
  /// `t` is the tag: tag::object_identifier, or [n] IMPLICIT (e.g. GeneralName's registeredID).
  [[nodiscard]] errc get_oid(bytes& contents, std::uint8_t t = tag::object_identifier) noexcept;
  [[nodiscard]] errc get_octet_string(bytes& contents) noexcept;
  /// `t` is the tag: tag::bit_string, or [n] IMPLICIT (e.g. a unique identifier).
  [[nodiscard]] errc get_bit_string(bit_string& out, std::uint8_t t = tag::bit_string) noexcept;
  [[nodiscard]] errc get_null() noexcept;
  [[nodiscard]] errc get_generalized_time(std::chrono::sys_seconds& out) noexcept;
  [[nodiscard]] errc get_utc_time(std::chrono::sys_seconds& out) noexcept;
  /// RFC 5280 Time: UTCTime or GeneralizedTime.
  [[nodiscard]] errc get_time(std::chrono::sys_seconds& out) noexcept;
  /// errc{} when every byte has been read; der_trailing_data otherwise.
  [[nodiscard]] errc end() const noexcept { return data_.empty() ? errc{} : errc::der_trailing_data; }

  // --- result<> readers ---------------------------------------------------------------------------

  /// Reads the next element, which must have tag `t`, and returns a reader over its contents.
  result<reader> read(std::uint8_t t) noexcept;
  /// As read(t); `element` receives the whole element, header included (e.g. signed bytes).
  result<reader> read(std::uint8_t t, bytes& element) noexcept;
  /// Reads the element with tag `t` if it is next; nullopt (and no error) otherwise.
  result<std::optional<reader>> read_optional(std::uint8_t t) noexcept;
  /// Reads the next element whatever its tag. Checks only its header: use read_any_valid where
  /// the grammar says ANY and the contents must be DER too.
  result<reader> read_any(std::uint8_t& t) noexcept;
  /// Reads the next element whatever its tag, and checks it is DER all the way down: no tag 0x00,
  /// universal primitive types in primitive form only, SEQUENCE and SET constructed, the known
  /// primitive types (BOOLEAN, INTEGER, ENUMERATED, BIT STRING, NULL, OBJECT IDENTIFIER, the
  /// times) as strict as their typed readers, constructed contents fully consumed (32 levels at
  /// most). Returns the element's contents.
  result<reader> read_any_valid(std::uint8_t& t) noexcept;

  result<bool> read_boolean() noexcept;
  /// The contents octets of an INTEGER (two's complement, minimal), e.g. a serial number.
  result<bytes> read_integer() noexcept;
  /// An INTEGER that must fit in [min, max].
  result<std::int64_t> read_small_integer(std::int64_t min, std::int64_t max) noexcept;
  /// An ENUMERATED that must fit in [min, max].
  result<std::int64_t> read_enumerated(std::int64_t min, std::int64_t max) noexcept;
  /// The contents octets of an OBJECT IDENTIFIER (compare against the constants in oids.hpp).
  result<bytes> read_oid() noexcept;
  result<bytes> read_octet_string() noexcept;
  result<bit_string> read_bit_string() noexcept;
  result<void> read_null() noexcept;
  result<std::chrono::sys_seconds> read_generalized_time() noexcept;
  result<std::chrono::sys_seconds> read_utc_time() noexcept;
  /// RFC 5280 Time: UTCTime or GeneralizedTime.
  result<std::chrono::sys_seconds> read_time() noexcept;

  /// Succeeds when every byte has been read; der_trailing_data otherwise.
  result<void> expect_end() const noexcept;

 private:
  // Universal primitive tags whose contents any octets may be: OCTET STRING (4), UTF8String (12),
  // NumericString (18), PrintableString (19), TeletexString (20), VideotexString (21), IA5String
  // (22), GraphicString (25), VisibleString (26), GeneralString (27), UniversalString (28),
  // BMPString (30). read_any_valid checks no character sets (docs/codec.md), so these need only
  // the header checks of get_any.
  static constexpr std::uint32_t unconstrained_primitives =
      (1U << 4) | (1U << 12) | (1U << 18) | (1U << 19) | (1U << 20) | (1U << 21) | (1U << 22) | (1U << 25) |
      (1U << 26) | (1U << 27) | (1U << 28) | (1U << 30);

  errc get_any_valid_general(std::uint8_t& t, reader& contents, bytes* element) noexcept;

  bytes data_;
  bool validated_ = false;
};

/// Whether a primitive succeeded.
constexpr bool ok(errc e) noexcept { return e == errc{}; }

/// Runs `parse`, which reads from `in`, and puts `in` back where it was if `parse` fails: the
/// reader contract (advance only on success) for a whole production.
template <class Parse>
auto restoring(reader& in, Parse&& parse) noexcept(noexcept(parse())) -> decltype(parse()) {
  const reader saved = in;
  auto parsed = parse();
  if (!parsed) in = saved;
  return parsed;
}

/// `data` must be exactly one element with tag `t` (no trailing bytes); returns its contents.
result<reader> read_single(bytes data, std::uint8_t t) noexcept;

/// An OID's contents octets in dotted form ("1.3.6.1.5.5.7.48.1.1"); "" if malformed.
std::string oid_to_string(bytes oid);

class writer {
 public:
  static constexpr std::size_t max_depth = 16;

  /// A writer with a growable buffer.
  writer() = default;
  /// A writer into `buffer`; running out of room is der_buffer_too_small.
  explicit writer(std::span<std::uint8_t> buffer) noexcept : fixed_(buffer), is_fixed_(true) {}

  /// Opens a constructed element (SEQUENCE, [n] EXPLICIT, ...); close it with end().
  void begin(std::uint8_t t) noexcept;
  /// Closes the innermost open element, writing its length.
  void end() noexcept;

  void add_element(std::uint8_t t, bytes contents) noexcept;
  /// Bytes that are already DER (a whole element: a Name, a certificate, ...).
  void add_raw(bytes element) noexcept;
  void add_boolean(bool value) noexcept;
  void add_integer(std::int64_t value) noexcept;
  /// A non-negative INTEGER from a big-endian magnitude (leading zeros are dropped).
  void add_unsigned_integer(bytes magnitude) noexcept;
  /// An INTEGER from its contents octets as read_integer returns them (must be minimal).
  void add_integer_contents(bytes contents) noexcept;
  void add_enumerated(std::int64_t value) noexcept;
  void add_oid(bytes contents) noexcept;
  void add_octet_string(bytes contents) noexcept;
  void add_bit_string(bytes bits, unsigned unused_bits = 0) noexcept;
  void add_null() noexcept;
  void add_generalized_time(std::chrono::sys_seconds t) noexcept;
  void add_utc_time(std::chrono::sys_seconds t) noexcept;

  /// The encoding, once every element is closed; the first error otherwise.
  result<bytes> finish() const noexcept;
  /// The growable buffer's encoding, moved out (empty for a fixed writer or on error).
  result<std::vector<std::uint8_t>> take() noexcept;
  bool ok() const noexcept { return !error_; }
  /// Records `e` as the writer's error (if it has none yet): for encoders that find their input
  /// cannot be written (e.g. a revoked status without a time).
  void fail(errc e) noexcept;

 private:
  std::uint8_t* grow(std::size_t n) noexcept;
  void add_header(std::uint8_t t, std::size_t length) noexcept;
  void add_bytes(bytes b) noexcept;
  std::uint8_t* buffer() noexcept { return is_fixed_ ? fixed_.data() : owned_.data(); }

  std::vector<std::uint8_t> owned_;
  std::span<std::uint8_t> fixed_;
  bool is_fixed_ = false;
  std::size_t size_ = 0;
  std::array<std::size_t, max_depth> open_{};  // offsets of the open elements' length bytes
  std::size_t depth_ = 0;
  boost::system::error_code error_;
};

// --- Inline primitives: the header walk every parser runs for every element ---------------------

[[gnu::always_inline]] inline errc reader::get_any(std::uint8_t& t, reader& contents, bytes* element) noexcept {
  const std::uint8_t* const p = data_.data();
  const std::size_t n = data_.size();
  if (n < 2) [[unlikely]] return errc::der_truncated;
  if ((p[0] & 0x1fU) == 0x1fU) [[unlikely]] return errc::der_high_tag_number;
  std::size_t length = p[1];
  std::size_t header = 2;
  if (length >= 0x80) {
    // X.690 10.1: definite form in the minimum number of octets. 0x80 is the indefinite form; more
    // than 4 length octets would be a >4 GiB element.
    const std::size_t count = length & 0x7fU;
    if (count == 0 || count > 4) return errc::der_bad_length;
    if (n < 2 + count) return errc::der_truncated;
    if (p[2] == 0) return errc::der_bad_length;  // a leading zero octet
    length = 0;
    for (std::size_t i = 0; i < count; ++i) length = (length << 8) | p[2 + i];
    if (length < 0x80) return errc::der_bad_length;  // fits the short form
    header = 2 + count;
  }
  if (length > n - header) [[unlikely]] return errc::der_truncated;
  t = p[0];
  contents.data_ = bytes(p + header, length);
  contents.validated_ = validated_;
  if (element != nullptr) *element = bytes(p, header + length);
  data_ = bytes(p + header + length, n - header - length);
  return errc{};
}

[[gnu::always_inline]] inline errc reader::get(std::uint8_t t, reader& contents, bytes* element) noexcept {
  if (data_.empty()) [[unlikely]] return errc::der_truncated;
  if (data_[0] != t) return errc::der_unexpected_tag;
  std::uint8_t ignored = 0;
  return get_any(ignored, contents, element);
}

inline errc reader::get_optional(std::uint8_t t, reader& contents, bool& present) noexcept {
  present = next_is(t);
  return present ? get(t, contents) : errc{};
}

/// Whether INTEGER / ENUMERATED contents octets are in the minimum number of octets (X.690
/// 8.3.2): non-empty, and the first nine bits neither all zero nor all one.
constexpr bool is_minimal_integer(bytes c) noexcept {
  if (c.empty()) return false;
  if (c.size() == 1) return true;
  return !(c[0] == 0x00 && (c[1] & 0x80) == 0) && !(c[0] == 0xff && (c[1] & 0x80) != 0);
}

inline errc reader::get_integer(bytes& out) noexcept {
  reader saved = *this, c;
  if (const errc e = get(tag::integer, c); !ok(e)) return e;
  if (!is_minimal_integer(c.data_)) [[unlikely]] {
    *this = saved;
    return errc::der_bad_integer;
  }
  out = c.data_;
  return errc{};
}

inline errc reader::get_octet_string(bytes& out) noexcept {
  reader c;
  if (const errc e = get(tag::octet_string, c); !ok(e)) return e;
  out = c.data_;
  return errc{};
}

/// Whether OBJECT IDENTIFIER contents are well formed: non-empty, each sub-identifier base 128 in
/// the minimum number of octets (no leading 0x80), the last octet ending one.
constexpr bool is_valid_oid(bytes o) noexcept {
  if (o.empty()) return false;
  // A 0x80 octet is bad where a sub-identifier starts: first, or after an octet without bit 8.
  unsigned bad = o.back() >> 7U;
  unsigned after_end = 1;
  for (const std::uint8_t b : o) {
    bad |= static_cast<unsigned>(b == 0x80) & after_end;
    after_end = (b >> 7U) ^ 1U;
  }
  return bad == 0;
}

namespace detail {

// Eight bytes at `p` as a little-endian word: the first byte is the lowest.
[[gnu::always_inline]] inline std::uint64_t load_le64(const std::uint8_t* p) noexcept {
  std::uint64_t w = 0;
  if constexpr (std::endian::native == std::endian::little) {
    std::memcpy(&w, p, sizeof w);
  } else {
    for (int i = 7; i >= 0; --i) w = (w << 8) | p[i];
  }
  return w;
}

// is_valid_oid for 1 to 16 contents octets at `p`, reading whole words: the caller guarantees that
// the 8 bytes at p and at p + n - 8 (when n > 8) may be read. A sub-identifier starts at octet 0
// and after every octet without bit 8; a 0x80 there is a non-minimal encoding.
[[gnu::always_inline]] inline bool is_valid_short_oid(const std::uint8_t* p, std::size_t n) noexcept {
  constexpr std::uint64_t highs = 0x8080808080808080U, lows = 0x7f7f7f7f7f7f7f7fU;
  // Bit 7 of each byte of `w` that is 0x80 and starts a sub-identifier. `before`: bit 8 of the
  // octet before the word, as bit 7 (0 at the start of the contents).
  const auto bad_starts = [](std::uint64_t w, std::uint64_t before) {
    const std::uint64_t x = w ^ highs;                              // 0x80 bytes become zero
    const std::uint64_t zero = ~(((x & lows) + lows) | x) & highs;  // bit 7 set on the zero bytes
    const std::uint64_t starts = ~((w & highs) << 8 | before) & highs;
    return zero & starts;
  };
  const std::size_t first = n < 8 ? n : 8;
  const std::uint64_t mask = first == 8 ? ~std::uint64_t{0} : (std::uint64_t{1} << (8 * first)) - 1;
  // Bytes past the contents read as 0x00: not 0x80, so never bad.
  std::uint64_t bad = bad_starts(load_le64(p) & mask, 0);
  if (n > 8) bad |= bad_starts(load_le64(p + n - 8), p[n - 9] & 0x80U);
  return bad == 0 && (p[n - 1] & 0x80U) == 0;
}

}  // namespace detail

inline errc reader::get_oid(bytes& out, std::uint8_t t) noexcept {
  reader saved = *this, c;
  if (const errc e = get(t, c); !ok(e)) return e;
  if (validated_) {
    out = c.data_;
    return errc{};
  }
  // Word reads need 8 readable bytes from the contents on: the rest of this reader's input.
  const std::size_t n = c.size();
  const std::size_t readable = static_cast<std::size_t>(saved.data_.data() + saved.size() - c.data_.data());
  const bool valid = (n - 1 < 16 && readable >= 8) ? detail::is_valid_short_oid(c.data_.data(), n) : is_valid_oid(c.data_);
  if (!valid) [[unlikely]] {
    *this = saved;
    return errc::der_bad_oid;
  }
  out = c.data_;
  return errc{};
}

// --- Times: RFC 5280 UTCTime and GeneralizedTime, eight digits at a time ---------------------------

namespace detail {

// Whether the eight bytes of `w` are ASCII digits. SWAR: a byte is a digit iff its high nibble
// is 3 and adding 6 does not carry out of its low nibble.
[[gnu::always_inline]] inline bool all_digits(std::uint64_t w) noexcept {
  constexpr std::uint64_t high_nibbles = 0xf0f0f0f0f0f0f0f0U;
  constexpr std::uint64_t threes = 0x3030303030303030U;
  return ((w & high_nibbles) | (((w + 0x0606060606060606U) & high_nibbles) >> 4)) == (threes | (threes >> 4));
}

// Eight ASCII digits (a little-endian word as load_le64 reads them) as four two-digit numbers,
// the first pair in bits 0-15.
[[gnu::always_inline]] inline std::uint64_t digit_pairs(std::uint64_t w) noexcept {
  const std::uint64_t v = w - 0x3030303030303030U;  // each byte 0..9
  return ((v * 10) + (v >> 8)) & 0x00ff00ff00ff00ffU;  // tens byte * 10 + units byte, per 16-bit lane
}

constexpr bool is_leap(unsigned y) noexcept { return y % 4 == 0 && (y % 100 != 0 || y % 400 == 0); }

// Cumulative days before each month of a common year.
constexpr std::array<std::uint16_t, 13> days_before_month{0, 0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334};

// RFC 5280 4.1.2.5: seconds present, no fraction, Zulu; the calendar date must exist. `date` and
// `clock` hold two-digit numbers per 16-bit lane (digit_pairs); `year` is the whole year.
// `validated`: the bytes were accepted before, so only the conversion is done.
[[gnu::always_inline]] inline errc make_time(unsigned year, std::uint64_t month_day, std::uint64_t clock, bool validated,
                                             std::chrono::sys_seconds& out) noexcept {
  const auto month = static_cast<unsigned>(month_day & 0xffU), day = static_cast<unsigned>(month_day >> 16);
  const auto hour = static_cast<unsigned>((clock >> 16) & 0xffU), minute = static_cast<unsigned>((clock >> 32) & 0xffU),
             second = static_cast<unsigned>(clock >> 48);
  const bool leap = is_leap(year);
  if (!validated) {
    if (month - 1 >= 12 || hour > 23 || minute > 59 || second > 59) return errc::der_bad_time;
    const unsigned month_days = month == 2 ? 28U + leap : 30U + ((month + (month >> 3)) & 1U);
    if (day - 1 >= month_days) return errc::der_bad_time;
  }
  // Days since 1970-01-01: the days before 1 January of `year` counted from 0001-01-01, shifted by
  // 400 years (146,097 days) so that year 0000 needs no negative division, minus 1970's count.
  const std::uint64_t y = std::uint64_t{year} + 399;
  const auto before_year = static_cast<std::int64_t>(365 * y + y / 4 - y / 100 + y / 400) - 146097 - 719162;
  // A validated reader skips the checks above; the index stays in bounds even on bytes that were
  // never validated (the instant is then meaningless, but nothing outside the table is read).
  const std::int64_t days = before_year + days_before_month[month < 13 ? month : 0] + (leap && month > 2) + day - 1;
  out = std::chrono::sys_seconds(std::chrono::seconds(days * 86400 + hour * 3600 + minute * 60 + second));
  return errc{};
}

// The last two GeneralizedTimes this thread converted with every check (the two words of their
// digits and the instants). An OCSP response repeats its times: thisUpdate is usually producedAt,
// and the SingleResponses of a list alternate the same thisUpdate and nextUpdate. Only a strict
// parse stores an entry, so a hit vouches for the digits; both start as 19700101000000Z, a true
// entry.
struct generalized_time_memo {
  struct entry {
    std::uint64_t date = 0x3130313030373931U;   // "19700101" as load_le64 reads it
    std::uint64_t clock = 0x3030303030303130U;  // "01000000"
    std::int64_t seconds = 0;
  };
  std::array<entry, 2> entries{};
  unsigned next = 0;  // the entry a miss replaces: the older one
};
inline thread_local generalized_time_memo last_generalized_times;

// GeneralizedTime contents: YYYYMMDDHHMMSSZ.
[[gnu::always_inline]] inline errc parse_generalized_time(bytes s, bool validated, std::chrono::sys_seconds& out) noexcept {
  if (s.size() != 15 || s[14] != 'Z') return errc::der_bad_time;
  const std::uint64_t date = load_le64(s.data()), clock = load_le64(s.data() + 6);  // YYYYMMDD, DDHHMMSS
  generalized_time_memo& memo = last_generalized_times;
  for (const generalized_time_memo::entry& e : memo.entries) {
    if (date == e.date && clock == e.clock) {
      out = std::chrono::sys_seconds(std::chrono::seconds(e.seconds));
      return errc{};
    }
  }
  if (!validated && !(all_digits(date) && all_digits(clock))) return errc::der_bad_time;
  const std::uint64_t d = digit_pairs(date), c = digit_pairs(clock);
  const auto year = static_cast<unsigned>((d & 0xffU) * 100 + ((d >> 16) & 0xffU));
  if (const errc e = make_time(year, d >> 32, c, validated, out); !ok(e)) return e;
  if (!validated) {
    memo.entries[memo.next] = {date, clock, out.time_since_epoch().count()};
    memo.next ^= 1U;
  }
  return errc{};
}

// UTCTime contents: YYMMDDHHMMSSZ; RFC 5280 4.1.2.5.1: YY >= 50 is 19YY, YY < 50 is 20YY.
[[gnu::always_inline]] inline errc parse_utc_time(bytes s, bool validated, std::chrono::sys_seconds& out) noexcept {
  if (s.size() != 13 || s[12] != 'Z') return errc::der_bad_time;
  const std::uint64_t date = load_le64(s.data()), clock = load_le64(s.data() + 4);  // YYMMDDHH, DDHHMMSS
  if (!validated && !(all_digits(date) && all_digits(clock))) return errc::der_bad_time;
  const std::uint64_t d = digit_pairs(date), c = digit_pairs(clock);
  const auto yy = static_cast<unsigned>(d & 0xffU);
  return make_time(yy >= 50 ? 1900 + yy : 2000 + yy, (d >> 16) & 0xffff00ffU, c, validated, out);
}

}  // namespace detail

inline errc reader::get_generalized_time(std::chrono::sys_seconds& out) noexcept {
  reader saved = *this, c;
  if (const errc e = get(tag::generalized_time, c); !ok(e)) return e;
  if (const errc e = detail::parse_generalized_time(c.data_, validated_, out); !ok(e)) {
    *this = saved;
    return e;
  }
  return errc{};
}

inline errc reader::get_utc_time(std::chrono::sys_seconds& out) noexcept {
  reader saved = *this, c;
  if (const errc e = get(tag::utc_time, c); !ok(e)) return e;
  if (const errc e = detail::parse_utc_time(c.data_, validated_, out); !ok(e)) {
    *this = saved;
    return e;
  }
  return errc{};
}

inline errc reader::get_time(std::chrono::sys_seconds& out) noexcept {
  return next_is(tag::utc_time) ? get_utc_time(out) : get_generalized_time(out);
}

inline errc reader::get_null() noexcept {
  reader saved = *this, c;
  if (const errc e = get(tag::null, c); !ok(e)) return e;
  if (!c.empty()) [[unlikely]] {
    *this = saved;
    return errc::der_bad_null;
  }
  return errc{};
}

}  // namespace ocsp::der
