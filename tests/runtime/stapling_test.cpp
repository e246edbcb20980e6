// OCSP stapling on a real OpenSSL TLS server: an in-memory handshake with an OpenSSL client that
// asks for the status, and `openssl s_client -status` against a loopback listener.
#include "support.hpp"

#include <ocsp/stapling.hpp>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <thread>

namespace {

using byte_vector = std::vector<std::uint8_t>;

struct ctx_deleter {
  void operator()(SSL_CTX* c) const noexcept { SSL_CTX_free(c); }
};
struct ssl_deleter {
  void operator()(SSL* s) const noexcept { SSL_free(s); }
};
using ctx_ptr = std::unique_ptr<SSL_CTX, ctx_deleter>;
using ssl_ptr = std::unique_ptr<SSL, ssl_deleter>;

ctx_ptr server_context() {
  ctx_ptr ctx(SSL_CTX_new(TLS_server_method()));
  REQUIRE(ctx);
  const auto pki = ocsp_test::pki_dir();
  REQUIRE(SSL_CTX_use_certificate_chain_file(ctx.get(), (pki / "proxy.pem").c_str()) == 1);
  REQUIRE(SSL_CTX_use_PrivateKey_file(ctx.get(), (pki / "proxy.key").c_str(), SSL_FILETYPE_PEM) == 1);
  REQUIRE(SSL_CTX_set_min_proto_version(ctx.get(), TLS1_2_VERSION) == 1);
  return ctx;
}

// What the client saw of the status: nullopt when the server sent none.
struct client_view {
  std::optional<byte_vector> stapled;
};

int client_status_callback(SSL* ssl, void* arg) {
  auto* view = static_cast<client_view*>(arg);
  const unsigned char* data = nullptr;
  const long size = SSL_get_tlsext_status_ocsp_resp(ssl, &data);
  if (size > 0 && data != nullptr) view->stapled = byte_vector(data, data + size);
  return 1;  // accept the handshake whatever the status: the test checks it
}

// One TLS handshake over a memory BIO pair; the client asks for the certificate status.
client_view handshake(SSL_CTX* server_ctx, bool ask_for_status) {
  client_view view;
  ctx_ptr client_ctx(SSL_CTX_new(TLS_client_method()));
  REQUIRE(client_ctx);
  SSL_CTX_set_verify(client_ctx.get(), SSL_VERIFY_NONE, nullptr);
  SSL_CTX_callback_ctrl(client_ctx.get(), SSL_CTRL_SET_TLSEXT_STATUS_REQ_CB,
                        reinterpret_cast<void (*)()>(client_status_callback));
  SSL_CTX_set_tlsext_status_arg(client_ctx.get(), &view);
  ssl_ptr client(SSL_new(client_ctx.get())), server(SSL_new(server_ctx));
  REQUIRE(client);
  REQUIRE(server);
  if (ask_for_status) SSL_set_tlsext_status_type(client.get(), TLSEXT_STATUSTYPE_ocsp);
  BIO *client_bio = nullptr, *server_bio = nullptr;
  REQUIRE(BIO_new_bio_pair(&client_bio, 0, &server_bio, 0) == 1);
  SSL_set_bio(client.get(), client_bio, client_bio);
  SSL_set_bio(server.get(), server_bio, server_bio);
  SSL_set_connect_state(client.get());
  SSL_set_accept_state(server.get());
  bool client_done = false, server_done = false;
  for (int round = 0; round < 100 && !(client_done && server_done); ++round) {
    if (!client_done) {
      const int r = SSL_do_handshake(client.get());
      client_done = r == 1;
      if (r != 1) REQUIRE(SSL_get_error(client.get(), r) == SSL_ERROR_WANT_READ);
    }
    if (!server_done) {
      const int r = SSL_do_handshake(server.get());
      server_done = r == 1;
      if (r != 1) REQUIRE(SSL_get_error(server.get(), r) == SSL_ERROR_WANT_READ);
    }
  }
  REQUIRE(client_done);
  REQUIRE(server_done);
  return view;
}

std::shared_ptr<const ocsp::cache_entry> entry_with(byte_vector der) {
  auto e = std::make_shared<ocsp::cache_entry>();
  e->response_der = std::move(der);
  return e;
}

}  // namespace

TEST_CASE("stapling: the source's DER reaches a client that asks, and nothing when there is none", "[staple][tls]") {
  ctx_ptr ctx = server_context();
  std::shared_ptr<const ocsp::cache_entry> current;
  std::atomic<int> calls{0};
  REQUIRE(ocsp::enable_ocsp_stapling(ctx.get(), [&] {
    ++calls;
    return current;
  }));
  CHECK_FALSE(ocsp::enable_ocsp_stapling(ctx.get(), [] { return nullptr; }));  // once per SSL_CTX

  CHECK_FALSE(handshake(ctx.get(), true).stapled.has_value());  // nothing cached: no status, handshake fine
  const byte_vector der{0x30, 0x03, 0x0a, 0x01, 0x00};           // what is stapled is the source's business
  current = entry_with(der);
  const client_view view = handshake(ctx.get(), true);
  REQUIRE(view.stapled.has_value());
  CHECK(*view.stapled == der);
  const int before = calls.load();
  CHECK_FALSE(handshake(ctx.get(), false).stapled.has_value());  // a client that does not ask gets none
  CHECK(calls.load() == before);                                 // and the source is not consulted
}

TEST_CASE("stapling: openssl s_client -status shows the stapled response and its cert status", "[staple][tls][openssl]") {
  const auto cert = ocsp_test::load_pki_cert("proxy");
  ocsp_test::temp_dir tmp;
  const byte_vector response = ocsp_test::openssl_response(*cert, tmp / "resp", 'R', 1);

  ctx_ptr ctx = server_context();
  REQUIRE(ocsp::enable_ocsp_stapling(ctx.get(), [&] { return entry_with(response); }));

  const int listener = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(listener >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  socklen_t len = sizeof addr;
  REQUIRE(::getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
  REQUIRE(::listen(listener, 1) == 0);
  const int port = ntohs(addr.sin_port);

  std::thread server([&] {
    const int fd = ::accept(listener, nullptr, nullptr);
    if (fd < 0) return;
    ssl_ptr ssl(SSL_new(ctx.get()));
    SSL_set_fd(ssl.get(), fd);
    if (SSL_accept(ssl.get()) == 1) {
      char buffer[64];
      (void)SSL_read(ssl.get(), buffer, sizeof buffer);  // until s_client closes
      SSL_shutdown(ssl.get());
    }
    ::close(fd);
  });
  const std::string command = "openssl s_client -connect 127.0.0.1:" + std::to_string(port) +
                              " -status -CAfile " + (ocsp_test::pki_dir() / "ca.pem").string() +
                              " </dev/null 2>&1";
  std::string output;
  if (FILE* p = ::popen(command.c_str(), "r")) {
    char chunk[4096];
    std::size_t n = 0;
    while ((n = std::fread(chunk, 1, sizeof chunk, p)) > 0) output.append(chunk, n);
    ::pclose(p);
  }
  server.join();
  ::close(listener);
  INFO(output);
  CHECK_THAT(output, Catch::Contains("OCSP Response Status: successful"));
  CHECK_THAT(output, Catch::Contains("Cert Status: revoked"));
  CHECK_THAT(output, Catch::Contains("Revocation Reason: keyCompromise"));
}
