#include "demo.hpp"

#include <ocsp/certificate.hpp>

#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fstream>
#include <initializer_list>
#include <memory>
#include <sstream>
#include <system_error>
#include <thread>
#include <utility>

namespace ocspd {
namespace fs = std::filesystem;

namespace {

struct free_key {
  void operator()(EVP_PKEY* p) const noexcept { EVP_PKEY_free(p); }
};
struct free_cert {
  void operator()(X509* p) const noexcept { X509_free(p); }
};
using key_ptr = std::unique_ptr<EVP_PKEY, free_key>;
using cert_ptr = std::unique_ptr<X509, free_cert>;

key_ptr make_key() { return key_ptr(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256")); }

struct extension {
  int nid;
  const char* value;
};

// A certificate for `cn` holding `key`, signed by `issuer_key` (self-signed when `issuer` is null).
cert_ptr make_cert(const std::string& cn, EVP_PKEY* key, X509* issuer, EVP_PKEY* issuer_key, long days,
                   std::initializer_list<extension> extensions) {
  cert_ptr cert(X509_new());
  if (!cert || X509_set_version(cert.get(), 2) != 1) return nullptr;
  // A random positive 63-bit serial, as CAs do (RFC 5280 4.1.2.2 asks for unique, positive).
  std::unique_ptr<BIGNUM, decltype(&BN_free)> serial(BN_new(), BN_free);
  if (!serial || BN_rand(serial.get(), 63, BN_RAND_TOP_ONE, BN_RAND_BOTTOM_ANY) != 1 ||
      BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(cert.get())) == nullptr) {
    return nullptr;
  }
  if (X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600) == nullptr ||
      X509_gmtime_adj(X509_getm_notAfter(cert.get()), days * 86400) == nullptr) {
    return nullptr;
  }
  X509_NAME* name = X509_get_subject_name(cert.get());
  const auto* org = reinterpret_cast<const unsigned char*>("libocsp demo");
  if (X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, org, -1, -1, 0) != 1 ||
      X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(cn.c_str()), -1,
                                 -1, 0) != 1 ||
      X509_set_issuer_name(cert.get(), issuer != nullptr ? X509_get_subject_name(issuer) : name) != 1 ||
      X509_set_pubkey(cert.get(), key) != 1) {
    return nullptr;
  }
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer != nullptr ? issuer : cert.get(), cert.get(), nullptr, nullptr, 0);
  for (const extension& e : extensions) {
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, e.nid, e.value);
    if (ext == nullptr) return nullptr;
    const int added = X509_add_ext(cert.get(), ext, -1);
    X509_EXTENSION_free(ext);
    if (added != 1) return nullptr;
  }
  if (X509_sign(cert.get(), issuer_key != nullptr ? issuer_key : key, EVP_sha256()) <= 0) return nullptr;
  return cert;
}

template <class Write>
std::string pem(Write write) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
  if (!bio || !write(bio.get())) return {};
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(n));
}

std::string cert_pem(X509* cert) {
  return pem([cert](BIO* b) { return PEM_write_bio_X509(b, cert) == 1; });
}

std::string key_pem(EVP_PKEY* key) {
  return pem([key](BIO* b) { return PEM_write_bio_PrivateKey(b, key, nullptr, nullptr, 0, nullptr, nullptr) == 1; });
}

// Writes `contents` to `path` created with `mode` (keys 0600), replacing what was there.
bool write_file(const fs::path& path, const std::string& contents, mode_t mode) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) return false;
  bool ok = ::fchmod(fd, mode) == 0;
  for (std::size_t done = 0; ok && done < contents.size();) {
    const ssize_t n = ::write(fd, contents.data() + done, contents.size() - done);
    if (n < 0 && errno == EINTR) continue;
    ok = n > 0;
    if (ok) done += static_cast<std::size_t>(n);
  }
  return ::close(fd) == 0 && ok;
}

// One line of `openssl ocsp -index` (the `openssl ca` database): V, expiry, no revocation, serial.
std::string index_line(X509* cert) {
  std::tm expiry{};
  ASN1_TIME_to_tm(X509_get0_notAfter(cert), &expiry);
  char when[32];  // UTCTime: YYMMDDHHMMSSZ (the demo's certificates end before 2050)
  std::snprintf(when, sizeof when, "%02d%02d%02d%02d%02d%02dZ", expiry.tm_year % 100, expiry.tm_mon + 1,
                expiry.tm_mday, expiry.tm_hour, expiry.tm_min, expiry.tm_sec);
  std::unique_ptr<BIGNUM, decltype(&BN_free)> serial(ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), nullptr),
                                                     BN_free);
  char* hex = serial ? BN_bn2hex(serial.get()) : nullptr;
  std::string line = std::string("V\t") + when + "\t\t" + (hex != nullptr ? hex : "00") + "\tunknown\t/O=libocsp demo/CN=localhost\n";
  OPENSSL_free(hex);
  return line;
}

std::string responder_url(std::uint16_t port) { return "http://127.0.0.1:" + std::to_string(port) + "/"; }

demo_pki paths(const fs::path& state_dir, std::uint16_t port) {
  demo_pki p;
  p.dir = state_dir / "demo-pki";
  p.root = p.dir / "root.pem";
  p.issuer = p.dir / "issuer.pem";
  p.proxy = p.dir / "proxy.pem";
  p.proxy_key = p.dir / "proxy.key";
  p.proxy_chain = p.dir / "proxy-chain.pem";
  p.signer = p.dir / "signer.pem";
  p.signer_key = p.dir / "signer.key";
  p.index = p.dir / "index.txt";
  p.responder_port = port;
  return p;
}

// The existing PKI is usable: every file is there, the proxy certificate names this port and has
// at least a week left.
bool reusable(const demo_pki& p) {
  for (const fs::path* f : {&p.root, &p.issuer, &p.proxy, &p.proxy_key, &p.proxy_chain, &p.signer, &p.signer_key,
                            &p.index}) {
    std::error_code ec;
    if (!fs::is_regular_file(*f, ec)) return false;
  }
  auto proxy = ocsp::proxy_certificate::load(p.proxy, p.issuer);
  if (!proxy) return false;
  const auto week_ahead = std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now()) +
                          std::chrono::hours(24 * 7);
  return proxy.value().responder_url() == responder_url(p.responder_port) && proxy.value().not_after() > week_ahead;
}

}  // namespace

bool ensure_demo_pki(const fs::path& state_dir, std::uint16_t responder_port, demo_pki& out, std::string& error) {
  out = paths(state_dir, responder_port);
  if (reusable(out)) return true;

  std::error_code ec;
  fs::create_directories(out.dir, ec);
  if (ec) {
    error = "cannot create " + out.dir.string() + ": " + ec.message();
    return false;
  }
  fs::permissions(out.dir, fs::perms::owner_all, ec);

  const key_ptr root_key = make_key(), issuer_key = make_key(), proxy_key = make_key(), signer_key = make_key();
  if (!root_key || !issuer_key || !proxy_key || !signer_key) {
    error = "cannot generate the demo keys (EC P-256)";
    return false;
  }
  const cert_ptr root = make_cert("libocsp demo root CA", root_key.get(), nullptr, nullptr, 3650,
                                  {{NID_basic_constraints, "critical,CA:TRUE"},
                                   {NID_key_usage, "critical,keyCertSign,cRLSign"},
                                   {NID_subject_key_identifier, "hash"},
                                   {NID_authority_key_identifier, "keyid:always"}});
  const cert_ptr issuer = root ? make_cert("libocsp demo issuing CA", issuer_key.get(), root.get(), root_key.get(),
                                           1825,
                                           {{NID_basic_constraints, "critical,CA:TRUE,pathlen:0"},
                                            {NID_key_usage, "critical,keyCertSign,cRLSign"},
                                            {NID_subject_key_identifier, "hash"},
                                            {NID_authority_key_identifier, "keyid:always"}})
                               : nullptr;
  const std::string aia = "OCSP;URI:" + responder_url(responder_port);
  const cert_ptr proxy = issuer ? make_cert("localhost", proxy_key.get(), issuer.get(), issuer_key.get(), 397,
                                            {{NID_basic_constraints, "critical,CA:FALSE"},
                                             {NID_key_usage, "critical,digitalSignature"},
                                             {NID_ext_key_usage, "serverAuth"},
                                             {NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1,IP:::1"},
                                             {NID_info_access, aia.c_str()},
                                             {NID_subject_key_identifier, "hash"},
                                             {NID_authority_key_identifier, "keyid:always"}})
                                : nullptr;
  const cert_ptr signer = issuer ? make_cert("libocsp demo OCSP signer", signer_key.get(), issuer.get(),
                                             issuer_key.get(), 397,
                                             {{NID_basic_constraints, "critical,CA:FALSE"},
                                              {NID_key_usage, "critical,digitalSignature"},
                                              {NID_ext_key_usage, "OCSPSigning"},
                                              {NID_id_pkix_OCSP_noCheck, "ignored"},
                                              {NID_subject_key_identifier, "hash"},
                                              {NID_authority_key_identifier, "keyid:always"}})
                                 : nullptr;
  if (!signer || !proxy) {
    error = "cannot make the demo certificates";
    return false;
  }

  const bool written = write_file(out.root, cert_pem(root.get()), 0644) &&
                       write_file(out.issuer, cert_pem(issuer.get()), 0644) &&
                       write_file(out.proxy, cert_pem(proxy.get()), 0644) &&
                       write_file(out.proxy_chain, cert_pem(proxy.get()) + cert_pem(issuer.get()), 0644) &&
                       write_file(out.proxy_key, key_pem(proxy_key.get()), 0600) &&
                       write_file(out.signer, cert_pem(signer.get()), 0644) &&
                       write_file(out.signer_key, key_pem(signer_key.get()), 0600) &&
                       write_file(out.index, index_line(proxy.get()), 0644) &&
                       write_file(out.dir / "index.txt.attr", "unique_subject = no\n", 0644);
  if (!written) {
    error = "cannot write the demo PKI into " + out.dir.string();
    return false;
  }
  out.created = true;
  return true;
}

namespace {

// `openssl ocsp` prints "ACCEPT [::]:PORT PID=N" once it listens. (Probing the port instead would
// wedge it: OpenSSL 3.0's responder blocks on a connection that closes without a request.)
bool responder_listening(const fs::path& log) {
  std::ifstream in(log);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("ACCEPT ", 0) == 0) return true;
  }
  return false;
}

std::string tail_of(const fs::path& log) {
  std::ifstream in(log);
  std::stringstream text;
  text << in.rdbuf();
  std::string all = text.str();
  if (all.size() > 400) all = "..." + all.substr(all.size() - 400);
  while (!all.empty() && (all.back() == '\n' || all.back() == '\r')) all.pop_back();
  return all;
}

}  // namespace

bool demo_responder::start(const demo_pki& pki, std::string& error) {
  stop();
  const fs::path log = pki.dir / "responder.log";
  const std::string port = std::to_string(pki.responder_port);
  const pid_t parent = ::getpid();
  const pid_t child = ::fork();
  if (child < 0) {
    error = std::string("fork failed: ") + std::strerror(errno);
    return false;
  }
  if (child == 0) {
    // The responder must not outlive ocspd, even when ocspd is killed with SIGKILL.
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (::getppid() != parent) ::_exit(1);
    const int out = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int in = ::open("/dev/null", O_RDONLY);
    if (out < 0 || in < 0) ::_exit(126);
    ::dup2(in, 0);
    ::dup2(out, 1);
    ::dup2(out, 2);
    ::execlp("openssl", "openssl", "ocsp", "-index", pki.index.c_str(), "-port", port.c_str(), "-rsigner",
             pki.signer.c_str(), "-rkey", pki.signer_key.c_str(), "-CA", pki.issuer.c_str(), "-ndays", "1",
             "-ignore_err", static_cast<char*>(nullptr));
    ::_exit(127);
  }
  pid_ = child;
  for (int i = 0; i < 100; ++i) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      error = "the demo responder (openssl ocsp -port " + port + ") exited" +
              (WIFEXITED(status) && WEXITSTATUS(status) == 127 ? std::string(": openssl not found")
                                                                : ": " + tail_of(log));
      return false;
    }
    if (responder_listening(log)) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  stop();
  error = "the demo responder did not listen on port " + port + " within 5 s: " + tail_of(log);
  return false;
}

void demo_responder::stop() noexcept {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGTERM);
  for (int i = 0; i < 20; ++i) {
    if (::waitpid(pid_, nullptr, WNOHANG) == pid_) {
      pid_ = -1;
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, nullptr, 0);
  pid_ = -1;
}

}  // namespace ocspd
