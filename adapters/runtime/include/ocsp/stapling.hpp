// OCSP stapling for an OpenSSL TLS server (RFC 6066 section 8, status_request).
//
// `enable_ocsp_stapling` installs a status callback on an SSL_CTX: when a client asks for the
// certificate status, the callback asks `source` for the response to staple and attaches its DER
// to the handshake, or attaches nothing (the client sees no status) when `source` has none. The
// source is called on the TLS thread for every handshake that asks; it must not block (the
// poller's `staple()` reads a snapshot, see status_cache::staple).
#pragma once

#include "ocsp/status_cache.hpp"

#include <functional>
#include <memory>

struct ssl_ctx_st;

namespace ocsp {

/// The response to staple now, or null for none.
using staple_source = std::function<std::shared_ptr<const cache_entry>()>;

/// Installs the status callback on `ctx` (an SSL_CTX*), which then owns `source` (released with
/// the SSL_CTX). Once per SSL_CTX, before it serves handshakes: false if one is already installed
/// or OpenSSL refuses.
bool enable_ocsp_stapling(ssl_ctx_st* ctx, staple_source source);

}  // namespace ocsp
