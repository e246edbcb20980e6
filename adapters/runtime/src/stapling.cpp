#include "ocsp/stapling.hpp"

#include <openssl/ocsp.h>
#include <openssl/ssl.h>

#include <cstring>
#include <limits>

namespace ocsp {
namespace {

// The SSL_CTX owns its staple_source through an ex_data slot whose free callback deletes it.
void free_source(void*, void* ptr, CRYPTO_EX_DATA*, int, long, void*) { delete static_cast<staple_source*>(ptr); }

int source_index() {
  static const int index = SSL_CTX_get_ex_new_index(0, nullptr, nullptr, nullptr, free_source);
  return index;
}

// Server side of status_request: SSL_TLSEXT_ERR_OK with the response attached, or NOACK (no
// status in this handshake; the handshake itself goes on).
int status_callback(SSL* ssl, void*) {
  const SSL_CTX* ctx = SSL_get_SSL_CTX(ssl);
  const auto* source = static_cast<const staple_source*>(SSL_CTX_get_ex_data(ctx, source_index()));
  if (source == nullptr || !*source) return SSL_TLSEXT_ERR_NOACK;
  std::shared_ptr<const cache_entry> entry;
  try {
    entry = (*source)();
  } catch (...) {
    return SSL_TLSEXT_ERR_NOACK;  // never let an exception unwind through OpenSSL
  }
  if (!entry || entry->response_der.empty() ||
      entry->response_der.size() > static_cast<std::size_t>(std::numeric_limits<int>::max())) {
    return SSL_TLSEXT_ERR_NOACK;
  }
  // OpenSSL takes ownership of an OPENSSL_malloc'd copy.
  auto* copy = static_cast<unsigned char*>(OPENSSL_malloc(entry->response_der.size()));
  if (copy == nullptr) return SSL_TLSEXT_ERR_NOACK;
  std::memcpy(copy, entry->response_der.data(), entry->response_der.size());
  if (SSL_set_tlsext_status_ocsp_resp(ssl, copy, static_cast<long>(entry->response_der.size())) != 1) {
    OPENSSL_free(copy);
    return SSL_TLSEXT_ERR_NOACK;
  }
  return SSL_TLSEXT_ERR_OK;
}

}  // namespace

bool enable_ocsp_stapling(ssl_ctx_st* ctx, staple_source source) {
  if (ctx == nullptr || source_index() < 0) return false;
  // Once per SSL_CTX: a handshake on another thread may be reading the installed source, so it is
  // never replaced (the source is a function: it reads whatever is current when called).
  if (SSL_CTX_get_ex_data(ctx, source_index()) != nullptr) return false;
  auto owned = std::make_unique<staple_source>(std::move(source));
  if (SSL_CTX_set_ex_data(ctx, source_index(), owned.get()) != 1) return false;
  owned.release();
  // SSL_CTX_set_tlsext_status_cb is a macro with a C-style cast; the call it stands for:
  if (SSL_CTX_callback_ctrl(ctx, SSL_CTRL_SET_TLSEXT_STATUS_REQ_CB, reinterpret_cast<void (*)()>(status_callback)) != 1) {
    return false;
  }
  return true;
}

}  // namespace ocsp
