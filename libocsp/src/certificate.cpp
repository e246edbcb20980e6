#include "ocsp/certificate.hpp"

#include <fmt/format.h>
#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <fstream>
#include <iterator>
#include <limits>
#include <memory>
#include <sstream>

namespace ocsp {
namespace {

template <auto Free>
struct deleter {
  template <class T>
  void operator()(T* p) const noexcept {
    Free(p);
  }
};
using x509_ptr = std::unique_ptr<X509, deleter<X509_free>>;
using bio_ptr = std::unique_ptr<BIO, deleter<BIO_free>>;
using bignum_ptr = std::unique_ptr<BIGNUM, deleter<BN_free>>;
using openssl_string_ptr = std::unique_ptr<char, deleter<[](char* p) { OPENSSL_free(p); }>>;
using string_stack_ptr = std::unique_ptr<STACK_OF(OPENSSL_STRING), deleter<X509_email_free>>;

// The text of OpenSSL's most recent error, and the queue cleared so it does not leak into later calls.
std::string openssl_error() {
  const unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) return "no details";
  char text[256];
  ERR_error_string_n(code, text, sizeof text);
  return text;
}

api_result<x509_ptr> parse_pem(std::string_view pem, std::string_view what) {
  ERR_clear_error();
  if (pem.size() > static_cast<std::size_t>(std::numeric_limits<int>::max())) {
    return make_error(errc::certificate_invalid, fmt::format("the {} is too large to be a certificate", what));
  }
  bio_ptr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return make_error(errc::internal_error, "out of memory");
  x509_ptr cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  if (!cert) {
    return make_error(errc::certificate_invalid,
                      fmt::format("the {} is not a PEM X.509 certificate: {}", what, openssl_error()));
  }
  return cert;
}

std::vector<std::uint8_t> to_der(X509* cert) {
  const int length = i2d_X509(cert, nullptr);
  std::vector<std::uint8_t> der(length > 0 ? static_cast<std::size_t>(length) : 0);
  unsigned char* out = der.data();
  if (length > 0) i2d_X509(cert, &out);
  return der;
}

std::chrono::sys_seconds to_sys_seconds(const ASN1_TIME* t) {
  struct tm tm {};
  if (t == nullptr || ASN1_TIME_to_tm(t, &tm) != 1) return {};
  return std::chrono::sys_seconds(std::chrono::seconds(timegm(&tm)));
}

std::string name_text(const X509_NAME* name) {
  bio_ptr bio(BIO_new(BIO_s_mem()));
  if (!bio || X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_RFC2253) < 0) return {};
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(size));
}

std::string serial_text(const X509* cert) {
  bignum_ptr bn(ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), nullptr));
  if (!bn) return {};
  openssl_string_ptr hex(BN_bn2hex(bn.get()));
  return hex ? std::string(hex.get()) : std::string();
}

bool is_http_url(std::string_view uri) { return uri.starts_with("http://") || uri.starts_with("https://"); }

// PEM files of a certificate are a few KiB; anything near this is not one.
constexpr std::uintmax_t max_pem_size = 1 << 20;

api_result<std::string> read_file(const std::filesystem::path& path, std::string_view what) {
  const auto unreadable = [&](std::string_view why) {
    return make_error(errc::certificate_unreadable,
                      fmt::format("cannot read the {} file {}: {}", what, path.string(), why));
  };
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (ec) return unreadable(ec.message());
  if (!std::filesystem::is_regular_file(status)) return unreadable("not a regular file");
  const auto size = std::filesystem::file_size(path, ec);
  if (ec) return unreadable(ec.message());
  if (size > max_pem_size) return unreadable(fmt::format("{} bytes, more than the {} allowed", size, max_pem_size));

  std::ifstream in(path, std::ios::binary);
  if (!in) return unreadable("cannot open it");
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return unreadable("read failed");
  return text.str();
}

}  // namespace

api_result<proxy_certificate> proxy_certificate::from_pem(std::string_view cert_pem, std::string_view issuer_pem) {
  BOOST_OUTCOME_TRY(auto cert, parse_pem(cert_pem, "proxy certificate"));
  BOOST_OUTCOME_TRY(auto issuer, parse_pem(issuer_pem, "issuer certificate"));

  // X509_check_issued compares names and key identifiers; the signature check proves it.
  const int issued = X509_check_issued(issuer.get(), cert.get());
  EVP_PKEY* issuer_key = X509_get0_pubkey(issuer.get());
  if (issued != X509_V_OK || issuer_key == nullptr || X509_verify(cert.get(), issuer_key) != 1) {
    ERR_clear_error();
    return make_error(errc::certificate_issuer_mismatch,
                      fmt::format("the issuer certificate ({}) did not issue the proxy certificate ({}): {}",
                                  name_text(X509_get_subject_name(issuer.get())),
                                  name_text(X509_get_subject_name(cert.get())),
                                  issued != X509_V_OK ? X509_verify_cert_error_string(issued)
                                                      : "the signature does not verify with the issuer's key"));
  }

  proxy_certificate out;
  out.der_ = to_der(cert.get());
  out.issuer_der_ = to_der(issuer.get());
  out.subject_ = name_text(X509_get_subject_name(cert.get()));
  out.serial_hex_ = serial_text(cert.get());
  out.not_before_ = to_sys_seconds(X509_get0_notBefore(cert.get()));
  out.not_after_ = to_sys_seconds(X509_get0_notAfter(cert.get()));

  string_stack_ptr uris(X509_get1_ocsp(cert.get()));
  for (int i = 0; uris && i < sk_OPENSSL_STRING_num(uris.get()); ++i) {
    out.ocsp_uris_.emplace_back(sk_OPENSSL_STRING_value(uris.get(), i));
  }
  for (const auto& uri : out.ocsp_uris_) {
    if (is_http_url(uri)) {
      out.responder_url_ = uri;
      break;
    }
  }
  ERR_clear_error();
  return out;
}

api_result<proxy_certificate> proxy_certificate::load(const std::filesystem::path& cert_file,
                                                      const std::filesystem::path& issuer_file) {
  BOOST_OUTCOME_TRY(auto cert_pem, read_file(cert_file, "proxy certificate"));
  BOOST_OUTCOME_TRY(auto issuer_pem, read_file(issuer_file, "issuer certificate"));
  auto loaded = from_pem(cert_pem, issuer_pem);
  if (!loaded) {
    auto error = std::move(loaded).error();
    error.message = fmt::format("{} (files {} and {})", error.message, cert_file.string(), issuer_file.string());
    return error;
  }
  return loaded;
}

}  // namespace ocsp
