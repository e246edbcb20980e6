// What a TLS client of this project checks about the server's name (the responder client, and
// ocspctl talking to ocspd).
#pragma once

#include <string>

struct ssl_st;

namespace ocsp {

/// Makes the client connection `ssl` (an SSL*) accept only a certificate that names `host`: an
/// IP address SAN when `host` is an IPv4 or IPv6 address, otherwise a DNS name (no partial
/// wildcards); SNI is sent for names only (RFC 6066 section 3). Call before the handshake, with
/// peer verification on. false when OpenSSL refuses the settings.
bool expect_server_name(ssl_st* ssl, const std::string& host);

}  // namespace ocsp
