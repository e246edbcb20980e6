// Object identifiers libocsp compares against, as DER contents octets (compare bytes, never
// dotted strings, on the parse path).
#pragma once

#include <array>
#include <cstdint>
#include <span>

namespace ocsp::oid {

using oid_bytes = std::span<const std::uint8_t>;

// Hash algorithms (CertID).
inline constexpr std::array<std::uint8_t, 5> sha1{0x2b, 0x0e, 0x03, 0x02, 0x1a};                            // 1.3.14.3.2.26
inline constexpr std::array<std::uint8_t, 9> sha256{0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01};  // 2.16.840.1.101.3.4.2.1
inline constexpr std::array<std::uint8_t, 9> sha384{0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02};  // 2.16.840.1.101.3.4.2.2
inline constexpr std::array<std::uint8_t, 9> sha512{0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x03};  // 2.16.840.1.101.3.4.2.3

inline constexpr std::array<std::uint8_t, 9> sha224{0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x04};  // 2.16.840.1.101.3.4.2.4

// Signature algorithms (RFC 4055, RFC 5758, RFC 8410) and their parameters.
inline constexpr std::array<std::uint8_t, 9> sha1_with_rsa{0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x05};    // 1.2.840.113549.1.1.5
inline constexpr std::array<std::uint8_t, 9> sha224_with_rsa{0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0e};  // 1.2.840.113549.1.1.14
inline constexpr std::array<std::uint8_t, 9> sha256_with_rsa{0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b};  // 1.2.840.113549.1.1.11
inline constexpr std::array<std::uint8_t, 9> sha384_with_rsa{0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0c};  // 1.2.840.113549.1.1.12
inline constexpr std::array<std::uint8_t, 9> sha512_with_rsa{0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0d};  // 1.2.840.113549.1.1.13
inline constexpr std::array<std::uint8_t, 9> rsassa_pss{0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0a};       // 1.2.840.113549.1.1.10
inline constexpr std::array<std::uint8_t, 9> mgf1{0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x08};             // 1.2.840.113549.1.1.8
inline constexpr std::array<std::uint8_t, 7> ecdsa_with_sha1{0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x01};              // 1.2.840.10045.4.1
inline constexpr std::array<std::uint8_t, 8> ecdsa_with_sha224{0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x01};      // 1.2.840.10045.4.3.1
inline constexpr std::array<std::uint8_t, 8> ecdsa_with_sha256{0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02};      // 1.2.840.10045.4.3.2
inline constexpr std::array<std::uint8_t, 8> ecdsa_with_sha384{0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x03};      // 1.2.840.10045.4.3.3
inline constexpr std::array<std::uint8_t, 8> ecdsa_with_sha512{0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x04};      // 1.2.840.10045.4.3.4
inline constexpr std::array<std::uint8_t, 3> ed25519{0x2b, 0x65, 0x70};                                              // 1.3.101.112

// OCSP (RFC 6960 4.4, RFC 8954).
inline constexpr std::array<std::uint8_t, 9> pkix_ocsp_basic{0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30, 0x01, 0x01};  // 1.3.6.1.5.5.7.48.1.1
inline constexpr std::array<std::uint8_t, 9> pkix_ocsp_nonce{0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30, 0x01, 0x02};  // 1.3.6.1.5.5.7.48.1.2
inline constexpr std::array<std::uint8_t, 9> pkix_ocsp_nocheck{0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30, 0x01, 0x05};  // 1.3.6.1.5.5.7.48.1.5
inline constexpr std::array<std::uint8_t, 8> ad_ocsp{0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30, 0x01};                 // 1.3.6.1.5.5.7.48.1
inline constexpr std::array<std::uint8_t, 8> kp_ocsp_signing{0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x09};         // 1.3.6.1.5.5.7.3.9

// Certificate extensions (RFC 5280 4.2, RFC 7633).
inline constexpr std::array<std::uint8_t, 3> ce_key_usage{0x55, 0x1d, 0x0f};          // 2.5.29.15
inline constexpr std::array<std::uint8_t, 3> ce_ext_key_usage{0x55, 0x1d, 0x25};      // 2.5.29.37
inline constexpr std::array<std::uint8_t, 3> ce_basic_constraints{0x55, 0x1d, 0x13};  // 2.5.29.19
inline constexpr std::array<std::uint8_t, 8> pe_authority_info_access{0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x01, 0x01};  // 1.3.6.1.5.5.7.1.1
inline constexpr std::array<std::uint8_t, 8> pe_tls_feature{0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x01, 0x18};            // 1.3.6.1.5.5.7.1.24

/// Byte equality of two OIDs' contents octets.
constexpr bool equal(oid_bytes a, oid_bytes b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i] != b[i]) return false;
  }
  return true;
}

}  // namespace ocsp::oid
