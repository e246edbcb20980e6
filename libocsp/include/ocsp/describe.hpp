// Human- and machine-readable descriptions of decoded OCSP PDUs, as JSON.
//
// Field names and value spellings follow the `expected` objects of the conformance manifest
// (shared/vectors/manifest.json): times ISO 8601 UTC, hashes lower-case hex, serials upper-case
// hex of the signed value as OpenSSL prints them, RFC names for statuses and reasons. `ocspctl
// decode` prints exactly this, and the conformance suite compares it with the manifest, so the
// tool and its proof cannot drift. Not for hot paths: these allocate.
#pragma once

#include "ocsp/der.hpp"
#include "ocsp/request.hpp"
#include "ocsp/response.hpp"

#include <chrono>
#include <string>

namespace ocsp {

/// Lower-case hex of `data`.
std::string to_hex(der::bytes data);
/// An INTEGER's contents octets as OpenSSL prints a serial: upper-case hex of the value, the
/// sign-padding 00 octet dropped; a negative value has a leading '-'.
std::string serial_to_hex(der::bytes integer_contents);
/// "2021-05-26T00:23:34Z".
std::string format_iso8601(std::chrono::sys_seconds t);
/// "sha1", "sha256", "sha384", "sha512", or "" for another hash algorithm.
std::string_view hash_algorithm_name(der::bytes oid) noexcept;

std::string describe_json(const ocsp_response& response);
std::string describe_json(const ocsp_request& request);

}  // namespace ocsp
