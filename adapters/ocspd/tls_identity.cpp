#include "tls_identity.hpp"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>


namespace ocspd {

struct tls_identity::loaded {
  X509* leaf = nullptr;
  STACK_OF(X509)* chain = nullptr;  // the intermediates
  EVP_PKEY* key = nullptr;
  std::vector<std::uint8_t> leaf_der;

  loaded() = default;
  loaded(const loaded&) = delete;
  loaded& operator=(const loaded&) = delete;
  ~loaded() {
    X509_free(leaf);
    sk_X509_pop_free(chain, X509_free);
    EVP_PKEY_free(key);
  }
};

namespace {

std::string openssl_reason() {
  const unsigned long e = ERR_peek_last_error();
  ERR_clear_error();
  if (e == 0) return "no PEM data";
  char text[256];
  ERR_error_string_n(e, text, sizeof text);
  return text;
}

}  // namespace

bool tls_identity::load(const std::filesystem::path& chain_file, const std::filesystem::path& key_file,
                        std::string& error) {
  auto next = std::make_shared<loaded>();
  std::unique_ptr<BIO, decltype(&BIO_free)> certs(BIO_new_file(chain_file.c_str(), "r"), BIO_free);
  if (!certs) {
    error = "cannot read the TLS certificate " + chain_file.string();
    return false;
  }
  next->leaf = PEM_read_bio_X509(certs.get(), nullptr, nullptr, nullptr);
  if (next->leaf == nullptr) {
    error = "no certificate in " + chain_file.string() + " (" + openssl_reason() + ")";
    return false;
  }
  next->chain = sk_X509_new_null();
  while (X509* extra = PEM_read_bio_X509(certs.get(), nullptr, nullptr, nullptr)) sk_X509_push(next->chain, extra);
  ERR_clear_error();  // the end of the file is reported as an error

  std::unique_ptr<BIO, decltype(&BIO_free)> key(BIO_new_file(key_file.c_str(), "r"), BIO_free);
  if (!key) {
    error = "cannot read the TLS key " + key_file.string();
    return false;
  }
  next->key = PEM_read_bio_PrivateKey(key.get(), nullptr, nullptr, nullptr);
  if (next->key == nullptr) {
    error = "no private key in " + key_file.string() + " (" + openssl_reason() + ")";
    return false;
  }
  if (X509_check_private_key(next->leaf, next->key) != 1) {
    ERR_clear_error();
    error = "the key " + key_file.string() + " does not match the certificate " + chain_file.string();
    return false;
  }
  const int n = i2d_X509(next->leaf, nullptr);
  next->leaf_der.resize(n > 0 ? static_cast<std::size_t>(n) : 0);
  unsigned char* out = next->leaf_der.data();
  if (n <= 0 || i2d_X509(next->leaf, &out) != n) {
    error = "cannot encode the certificate " + chain_file.string();
    return false;
  }
  const std::lock_guard lock(mutex_);
  current_ = std::move(next);
  return true;
}

bool tls_identity::install(ssl_ctx_st* ctx) {
  SSL_CTX_set_cert_cb(
      ctx,
      [](SSL* ssl, void* arg) -> int {
        auto* self = static_cast<tls_identity*>(arg);
        std::shared_ptr<const loaded> now;
        {
          const std::lock_guard lock(self->mutex_);
          now = self->current_;
        }
        if (!now) return 0;  // fails the handshake: nothing to serve
        return SSL_use_cert_and_key(ssl, now->leaf, now->key, now->chain, 1) == 1 ? 1 : 0;
      },
      this);
  return true;
}

bool tls_identity::serves(const std::vector<std::uint8_t>& der) const {
  const std::lock_guard lock(mutex_);
  return current_ && current_->leaf_der == der;
}

}  // namespace ocspd
