// Vocabulary shared by OCSP requests and responses (RFC 6960 4.1.1, 4.2.1): CertID, extensions,
// and `element_list`, the lazy view of a SEQUENCE OF that libocsp's parsers return.
//
// Every type here is a view into the DER bytes the parser was given (zero copies, zero heap
// allocations): keep those bytes alive as long as you use the view. The parsers validate every
// element of a list before returning, so iterating a list they returned cannot fail.
#pragma once

#include "ocsp/der.hpp"

#include <cstddef>
#include <iterator>
#include <optional>

namespace ocsp {

/// RFC 6960 4.1.1:
///   CertID ::= SEQUENCE {
///     hashAlgorithm       AlgorithmIdentifier,
///     issuerNameHash      OCTET STRING, -- Hash of issuer's DN
///     issuerKeyHash       OCTET STRING, -- Hash of issuer's public key
///     serialNumber        CertificateSerialNumber }
struct cert_id {
  der::bytes hash_algorithm;         // OID contents octets
  der::bytes hash_parameters;        // the parameters element (e.g. 05 00), empty when absent
  der::bytes issuer_name_hash;
  der::bytes issuer_key_hash;
  der::bytes serial_number;          // INTEGER contents octets (two's complement)
};

/// Whether two CertIDs name the same certificate: same hash algorithm (OID), issuer hashes and
/// serial. The algorithm parameters are not compared (NULL and absent are both seen in practice).
bool same_certificate(const cert_id& a, const cert_id& b) noexcept;

/// RFC 5280 4.1:
///   Extension ::= SEQUENCE {
///     extnID      OBJECT IDENTIFIER,
///     critical    BOOLEAN DEFAULT FALSE,
///     extnValue   OCTET STRING }
struct extension {
  der::bytes oid;    // contents octets
  bool critical = false;
  der::bytes value;  // the contents of extnValue
};

/// A validated SEQUENCE OF T, parsed element by element as it is iterated.
/// `Parse` reads one element into its second argument and advances (a der::reader primitive:
/// errc{} on success). The first element is kept decoded (most OCSP lists hold exactly one, and
/// the parse that validated the list has just decoded it); the others are decoded again, with a
/// der::reader::validated reader, as the iteration reaches them.
template <class T, errc (*Parse)(der::reader&, T&) noexcept>
class element_list {
 public:
  class iterator {
   public:
    using iterator_category = std::input_iterator_tag;
    using value_type = T;
    using difference_type = std::ptrdiff_t;
    using pointer = const T*;
    using reference = const T&;

    /// The end of every list.
    iterator() = default;
    const T& operator*() const noexcept { return current_; }
    const T* operator->() const noexcept { return &current_; }
    iterator& operator++() noexcept {
      advance();
      return *this;
    }
    void operator++(int) noexcept { advance(); }
    friend bool operator==(const iterator& a, const iterator& b) noexcept {
      return a.done_ == b.done_ && (a.done_ || a.rest_.data().data() == b.rest_.data().data());
    }

   private:
    friend class element_list;
    iterator(const T& first, der::reader rest) noexcept : rest_(rest), current_(first), done_(false) {}

    void advance() noexcept {
      if (rest_.empty()) {
        done_ = true;
        return;
      }
      // The parser that built the list validated every element.
      [[maybe_unused]] const errc e = Parse(rest_, current_);
    }
    der::reader rest_;
    T current_{};
    bool done_ = true;
  };

  element_list() = default;
  /// `contents` must already be validated (every element parses and nothing trails).
  explicit element_list(der::reader contents, std::size_t count) noexcept : contents_(contents), count_(count) {
    if (count_ == 0) return;
    der::reader walk = der::reader::validated(contents_.data());
    [[maybe_unused]] const errc e = Parse(walk, first_);
    first_size_ = contents_.size() - walk.size();
  }

  /// Validates `contents` (the SEQUENCE OF's contents: every element parses, nothing trails) and
  /// makes `out` its list. Empty contents make an empty list: callers enforce SIZE (1..MAX).
  [[nodiscard]] static errc parse(der::reader contents, element_list& out) noexcept {
    std::size_t count = 0;
    der::reader walk = contents;
    if (!walk.empty()) {
      if (const errc e = Parse(walk, out.first_); !der::ok(e)) return e;
      out.first_size_ = contents.size() - walk.size();
      ++count;
    }
    if (!walk.empty()) {
      T element{};  // scratch for the elements after the first: only lists of two or more pay for it
      for (; !walk.empty(); ++count) {
        if (const errc e = Parse(walk, element); !der::ok(e)) return e;
      }
    }
    out.contents_ = contents;
    out.count_ = count;
    return errc{};
  }

  iterator begin() const noexcept {
    if (count_ == 0) return iterator();
    return iterator(first_, der::reader::validated(contents_.data().subspan(first_size_)));
  }
  iterator end() const noexcept { return iterator(); }
  std::size_t size() const noexcept { return count_; }
  bool empty() const noexcept { return count_ == 0; }
  /// The encoded elements, without the SEQUENCE header.
  der::bytes contents() const noexcept { return contents_.data(); }

 private:
  der::reader contents_;
  std::size_t count_ = 0;
  T first_{};
  std::size_t first_size_ = 0;
};

/// Reads one CertID. On failure `in` is unchanged.
result<cert_id> parse_cert_id(der::reader& in) noexcept;
/// The same as a der::reader primitive (errc{} on success; on failure `in` is unchanged).
errc parse_cert_id(der::reader& in, cert_id& out) noexcept;
/// Reads one Extension. On failure `in` is unchanged.
result<extension> parse_extension(der::reader& in) noexcept;
errc parse_extension(der::reader& in, extension& out) noexcept;

using extension_list = element_list<extension, parse_extension>;

/// Validates `Extensions ::= SEQUENCE SIZE (1..MAX) OF Extension` contents: every element parses,
/// at least one element. An OID that appears twice is valid DER and is accepted here (OpenSSL and
/// pyca/cryptography both parse such PDUs); whoever relies on an extension asks for it with
/// find_unique_extension, which refuses the ambiguity.
result<extension_list> parse_extensions(der::reader contents) noexcept;
errc parse_extensions(der::reader contents, extension_list& out) noexcept;

/// The first extension with `oid`, if present.
std::optional<extension> find_extension(const extension_list& list, der::bytes oid) noexcept;

/// The extension with `oid`, if present exactly once; errc::ocsp_duplicate_extension if it
/// appears more than once (a verifier must not guess which nonce counts).
result<std::optional<extension>> find_unique_extension(const extension_list& list, der::bytes oid) noexcept;

void encode(der::writer& out, const cert_id& id) noexcept;
void encode(der::writer& out, const extension& ext) noexcept;

}  // namespace ocsp
