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
#include <chrono>
#include <cstddef>
#include <cstdint>
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

  constexpr bytes data() const noexcept { return data_; }
  constexpr std::size_t size() const noexcept { return data_.size(); }
  constexpr bool empty() const noexcept { return data_.empty(); }

  /// The tag of the next element, or nullopt at the end.
  std::optional<std::uint8_t> peek_tag() const noexcept;
  /// Whether the next element has tag `t`.
  bool next_is(std::uint8_t t) const noexcept;

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
  bytes data_;
};

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

/// Whether INTEGER / ENUMERATED contents octets are in the minimum number of octets (X.690
/// 8.3.2): non-empty, and the first nine bits neither all zero nor all one.
bool is_minimal_integer(bytes contents) noexcept;

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

 private:
  std::uint8_t* grow(std::size_t n) noexcept;
  void fail(errc e) noexcept;
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

}  // namespace ocsp::der
