// The DER codec against OpenSSL 3 and against a bare TLV walk, on shared/perf-fixtures.
//
//   bench_codec FIXTURES_DIR [--iterations N] [--rounds R] [--markdown]
//
// Decode: parse an OCSPResponse and extract every SingleResponse's status and times plus
// producedAt. Baselines in the same run: OpenSSL (d2i_OCSP_RESPONSE + OCSP_response_get1_basic +
// OCSP_resp_get0 / OCSP_single_get0_status + OCSP_resp_get0_produced_at) and a bare walk over
// every TLV header of the same bytes (the floor for any DER parser).
// Encode: build the OCSPRequest for the fixture's proxy certificate; baseline OpenSSL
// (OCSP_cert_to_id + OCSP_request_add0_id + i2d_OCSP_REQUEST). Two libocsp contenders: per call
// (write_ocsp_request from the certificate and its issuer: make_cert_id hashes the issuer's Name
// and key every time, as OpenSSL does) and prepared (make_cert_id once per certificate, outside the
// timed loop, then write_ocsp_request from the cert_id: what a poller that queries the same
// certificate again and again can do).
// Parse: parse_ocsp_request on the request write_ocsp_request builds for the proxy certificate
// (without and with a nonce) and on each fixture's own request file, and parse_certificate on the
// proxy and issuer certificates; baselines d2i_OCSP_REQUEST and d2i_X509 (which also decodes the
// public key, and so is no like-for-like baseline).
// Each round runs every contender back to back, so machine noise hits them alike; the figures are
// medians over the rounds. Heap allocations are counted per call: ours through operator new,
// OpenSSL's through CRYPTO_set_mem_functions.
#include "bench_support.hpp"

#include <ocsp/cert_view.hpp>
#include <ocsp/der.hpp>
#include <ocsp/request.hpp>
#include <ocsp/response.hpp>

#include <openssl/ocsp.h>
#include <openssl/x509.h>

#include <algorithm>
#include <array>
#include <string>
#include <vector>

// C++ allocations are counted by counting_new.cpp's operator new (CMakeLists.txt links it).

namespace {

namespace fs = std::filesystem;
using bench::bytes;
using bench::measure;
using bench::measurement;
using bench::median;

struct fixture {
  std::string name;
  std::string key;  // the PKI directory: rsa2048, p256
  bytes response;
  bytes request;
  bytes proxy_der, issuer_der;
  std::size_t single_responses = 0;
  std::size_t embedded_certs = 0;
};

std::vector<fixture> load_fixtures(const fs::path& dir) {
  std::vector<fixture> out;
  for (const auto& cols : bench::manifest_rows(dir)) {
    fixture f;
    f.name = cols[0];
    f.key = fs::path(cols[3]).parent_path().string();
    f.response = bench::read_file(dir / cols[3]);
    f.request = bench::read_file(dir / cols[4]);
    f.issuer_der = bench::pem_certificate_der(dir / cols[5]);
    f.proxy_der = bench::pem_certificate_der(dir / fs::path(cols[5]).parent_path() / "proxy.pem");
    f.embedded_certs = std::stoul(cols[8]);
    f.single_responses = std::stoul(cols[9]);
    out.push_back(std::move(f));
  }
  return out;
}

// --- the contenders -------------------------------------------------------------------------------

std::uint64_t decode_ours(const bytes& der) {
  auto r = ocsp::parse_ocsp_response(der);
  if (!r || !r.value().basic) std::abort();
  const auto& basic = *r.value().basic;
  std::uint64_t acc = static_cast<std::uint64_t>(basic.produced_at.time_since_epoch().count());
  for (const ocsp::single_response& s : basic.responses) {
    acc += static_cast<std::uint64_t>(s.status) + static_cast<std::uint64_t>(s.this_update.time_since_epoch().count());
    if (s.next_update) acc += static_cast<std::uint64_t>(s.next_update->time_since_epoch().count());
    if (s.revocation_time) acc += static_cast<std::uint64_t>(s.revocation_time->time_since_epoch().count());
  }
  return acc;
}

std::uint64_t decode_openssl(const bytes& der) {
  const unsigned char* p = der.data();
  OCSP_RESPONSE* resp = d2i_OCSP_RESPONSE(nullptr, &p, static_cast<long>(der.size()));
  if (resp == nullptr) std::abort();
  OCSP_BASICRESP* basic = OCSP_response_get1_basic(resp);
  if (basic == nullptr) std::abort();
  std::uint64_t acc = reinterpret_cast<std::uintptr_t>(OCSP_resp_get0_produced_at(basic)) & 1U;
  const int n = OCSP_resp_count(basic);
  for (int i = 0; i < n; ++i) {
    OCSP_SINGLERESP* single = OCSP_resp_get0(basic, i);
    int reason = 0;
    ASN1_GENERALIZEDTIME *revtime = nullptr, *thisupd = nullptr, *nextupd = nullptr;
    acc += static_cast<std::uint64_t>(OCSP_single_get0_status(single, &reason, &revtime, &thisupd, &nextupd));
    acc += (thisupd != nullptr ? 1U : 0U) + (nextupd != nullptr ? 1U : 0U);
  }
  OCSP_BASICRESP_free(basic);
  OCSP_RESPONSE_free(resp);
  return acc;
}

// Every TLV header, descending into constructed elements and into OCTET STRINGs that hold DER
// (responseBytes.response): the least a parser can do with these bytes.
std::uint64_t walk(const std::uint8_t* p, std::size_t n, int depth) {
  std::uint64_t count = 0;
  while (n >= 2) {
    const std::uint8_t tag = p[0];
    std::size_t len = p[1], hdr = 2;
    if (len & 0x80) {
      const std::size_t k = len & 0x7f;
      if (k == 0 || k > 4 || n < 2 + k) return count;
      len = 0;
      for (std::size_t i = 0; i < k; ++i) len = (len << 8) | p[2 + i];
      hdr = 2 + k;
    }
    if (len > n - hdr) return count;
    ++count;
    if (depth < 16 && ((tag & 0x20) || (tag == 0x04 && len > 0 && p[hdr] == 0x30))) count += walk(p + hdr, len, depth + 1);
    p += hdr + len;
    n -= hdr + len;
  }
  return count;
}
std::uint64_t decode_walk(const bytes& der) { return walk(der.data(), der.size(), 0); }

struct request_inputs {
  ocsp::certificate_view proxy, issuer;
  X509* proxy_x509 = nullptr;
  X509* issuer_x509 = nullptr;
};

std::uint64_t encode_ours(const request_inputs& in) {
  std::array<std::uint8_t, 512> buffer{};
  ocsp::der::writer out{std::span<std::uint8_t>(buffer)};
  if (!ocsp::write_ocsp_request(out, in.proxy, in.issuer)) std::abort();
  auto encoded = out.finish();
  if (!encoded) std::abort();
  return encoded.value().size();
}

// The request for a CertID that make_cert_id built once, outside the loop.
std::uint64_t encode_prepared(const ocsp::cert_id& id) {
  std::array<std::uint8_t, 512> buffer{};
  ocsp::der::writer out{std::span<std::uint8_t>(buffer)};
  if (!ocsp::write_ocsp_request(out, id)) std::abort();
  auto encoded = out.finish();
  if (!encoded) std::abort();
  return encoded.value().size();
}

std::uint64_t encode_openssl(const request_inputs& in) {
  OCSP_CERTID* id = OCSP_cert_to_id(nullptr, in.proxy_x509, in.issuer_x509);
  OCSP_REQUEST* req = OCSP_REQUEST_new();
  if (id == nullptr || req == nullptr || OCSP_request_add0_id(req, id) == nullptr) std::abort();
  unsigned char* out = nullptr;
  const int n = i2d_OCSP_REQUEST(req, &out);
  OPENSSL_free(out);
  OCSP_REQUEST_free(req);
  return static_cast<std::uint64_t>(n);
}

std::uint64_t parse_request_ours(const bytes& der) {
  auto r = ocsp::parse_ocsp_request(der);
  if (!r) std::abort();
  std::uint64_t acc = r.value().tbs_request.size();
  for (const ocsp::single_request& single : r.value().requests) acc += single.id.serial_number.size();
  return acc;
}

std::uint64_t parse_request_openssl(const bytes& der) {
  const unsigned char* p = der.data();
  OCSP_REQUEST* req = d2i_OCSP_REQUEST(nullptr, &p, static_cast<long>(der.size()));
  if (req == nullptr) std::abort();
  const auto acc = static_cast<std::uint64_t>(OCSP_request_onereq_count(req));
  OCSP_REQUEST_free(req);
  return acc;
}

std::uint64_t parse_certificate_ours(const bytes& der) {
  auto c = ocsp::parse_certificate(der);
  if (!c) std::abort();
  return c.value().public_key.size() + c.value().serial_number.size();
}

std::uint64_t parse_certificate_openssl(const bytes& der) {
  const unsigned char* p = der.data();
  X509* x = d2i_X509(nullptr, &p, static_cast<long>(der.size()));
  if (x == nullptr) std::abort();
  X509_free(x);
  return 1;
}

// The request write_ocsp_request builds for `cert` (growable writer: not timed).
bytes build_request(const ocsp::certificate_view& cert, const ocsp::certificate_view& issuer,
                    const ocsp::request_options& options) {
  ocsp::der::writer out;
  if (!ocsp::write_ocsp_request(out, cert, issuer, options)) std::abort();
  auto der = out.take();
  if (!der) std::abort();
  return std::move(der).value();
}

// Whether the prepared contender writes what the per-call one writes.
bool same_request(const request_inputs& in, const ocsp::cert_id& id) {
  ocsp::der::writer out;
  if (!ocsp::write_ocsp_request(out, id)) return false;
  auto der = out.take();
  return der && der.value() == build_request(in.proxy, in.issuer, {});
}

struct row {
  std::string name;
  std::size_t size;
  double ours, openssl, walk, ours_allocs, openssl_allocs;
};

}  // namespace

int main(int argc, char** argv) {
  bench::count_openssl_allocations();  // before OpenSSL allocates anything
  const bench::options args = bench::parse_options(argc, argv, 20000);
  const int iterations = args.iterations, rounds = args.rounds;
  const auto fixtures = load_fixtures(args.fixtures);

  std::vector<row> decode_rows, encode_rows, prepared_rows, parse_rows;
  for (const fixture& f : fixtures) {
    // Sanity: every contender sees a valid response with the manifest's number of singles.
    auto check = ocsp::parse_ocsp_response(f.response);
    if (!check || check.value().basic->responses.size() != f.single_responses ||
        check.value().basic->certs.size() != f.embedded_certs) {
      std::fprintf(stderr, "%s: the decoder disagrees with manifest.tsv\n", f.name.c_str());
      return 1;
    }
    std::vector<double> ours, openssl, walk_ns;
    measurement last_ours{}, last_openssl{};
    for (int r = 0; r < rounds; ++r) {
      last_ours = measure(iterations, [&] { return decode_ours(f.response); });
      last_openssl = measure(iterations, [&] { return decode_openssl(f.response); });
      const auto w = measure(iterations, [&] { return decode_walk(f.response); });
      ours.push_back(last_ours.ns);
      openssl.push_back(last_openssl.ns);
      walk_ns.push_back(w.ns);
    }
    decode_rows.push_back({f.name, f.response.size(), median(ours), median(openssl), median(walk_ns), last_ours.allocs,
                           last_openssl.allocs});
  }

  // Request encoding: one per key type (the proxy certificates of the fixture PKIs).
  for (const fixture& f : fixtures) {
    if (f.name.find("good_nocerts") == std::string::npos) continue;
    request_inputs in;
    in.proxy = ocsp::parse_certificate(f.proxy_der).value();
    in.issuer = ocsp::parse_certificate(f.issuer_der).value();
    const unsigned char* p = f.proxy_der.data();
    in.proxy_x509 = d2i_X509(nullptr, &p, static_cast<long>(f.proxy_der.size()));
    p = f.issuer_der.data();
    in.issuer_x509 = d2i_X509(nullptr, &p, static_cast<long>(f.issuer_der.size()));
    // The prepared contender's CertID; its request must be the per-call one, byte for byte.
    ocsp::cert_id_storage storage;
    const ocsp::cert_id id = ocsp::make_cert_id(in.proxy, in.issuer, ocsp::cert_id_hash::sha1, storage).value();
    if (!same_request(in, id)) {
      std::fprintf(stderr, "%s: the prepared request differs from the per-call one\n", f.name.c_str());
      return 1;
    }
    std::vector<double> ours, prepared, openssl;
    measurement last_ours{}, last_prepared{}, last_openssl{};
    for (int r = 0; r < rounds; ++r) {
      last_ours = measure(iterations, [&] { return encode_ours(in); });
      last_prepared = measure(iterations, [&] { return encode_prepared(id); });
      last_openssl = measure(iterations, [&] { return encode_openssl(in); });
      ours.push_back(last_ours.ns);
      prepared.push_back(last_prepared.ns);
      openssl.push_back(last_openssl.ns);
    }
    encode_rows.push_back({f.key, 0, median(ours), median(openssl), 0, last_ours.allocs, last_openssl.allocs});
    prepared_rows.push_back(
        {f.key, 0, median(prepared), median(openssl), 0, last_prepared.allocs, last_openssl.allocs});
    X509_free(in.proxy_x509);
    X509_free(in.issuer_x509);
  }

  // Request and certificate parsing: the requests write_ocsp_request builds for each PKI's proxy
  // certificate (without and with a nonce), each fixture's own request file, and the certificates.
  const auto measure_parse = [&](std::string name, const bytes& der, auto&& ours_fn, auto&& openssl_fn) {
    std::vector<double> ours, openssl;
    measurement last_ours{}, last_openssl{};
    for (int r = 0; r < rounds; ++r) {
      last_ours = measure(iterations, [&] { return ours_fn(der); });
      last_openssl = measure(iterations, [&] { return openssl_fn(der); });
      ours.push_back(last_ours.ns);
      openssl.push_back(last_openssl.ns);
    }
    parse_rows.push_back(
        {std::move(name), der.size(), median(ours), median(openssl), 0, last_ours.allocs, last_openssl.allocs});
  };
  const auto parse_request = [](const bytes& der) { return parse_request_ours(der); };
  const auto d2i_request = [](const bytes& der) { return parse_request_openssl(der); };
  const auto parse_cert = [](const bytes& der) { return parse_certificate_ours(der); };
  const auto d2i_cert = [](const bytes& der) { return parse_certificate_openssl(der); };
  std::vector<std::string> keys_done;
  for (const fixture& f : fixtures) {
    if (std::find(keys_done.begin(), keys_done.end(), f.key) != keys_done.end()) continue;
    keys_done.push_back(f.key);
    const ocsp::certificate_view proxy = ocsp::parse_certificate(f.proxy_der).value();
    const ocsp::certificate_view issuer = ocsp::parse_certificate(f.issuer_der).value();
    const std::array<std::uint8_t, 16> nonce{0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef,
                                             0xfe, 0xdc, 0xba, 0x98, 0x76, 0x54, 0x32, 0x10};
    ocsp::request_options with_nonce;
    with_nonce.nonce = nonce;
    measure_parse(f.key + " request (write_ocsp_request)", build_request(proxy, issuer, {}), parse_request, d2i_request);
    measure_parse(f.key + " request + nonce (write_ocsp_request)", build_request(proxy, issuer, with_nonce),
                  parse_request, d2i_request);
    measure_parse(f.key + " proxy certificate", f.proxy_der, parse_cert, d2i_cert);
    measure_parse(f.key + " issuer certificate", f.issuer_der, parse_cert, d2i_cert);
  }
  for (const fixture& f : fixtures) {
    measure_parse(f.name + " request file", f.request, parse_request, d2i_request);
  }

  std::printf("### Response decode + status extraction (median of %d rounds x %d calls)\n\n", rounds, iterations);
  std::printf("| fixture | bytes | libocsp ns | MB/s | OpenSSL ns | x OpenSSL | TLV walk ns | / walk | allocs libocsp | allocs OpenSSL |\n");
  std::printf("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
  for (const row& r : decode_rows) {
    std::printf("| %s | %zu | %.0f | %.0f | %.0f | %.1fx | %.0f | %.2fx | %.1f | %.1f |\n", r.name.c_str(), r.size, r.ours,
                double(r.size) / r.ours * 1e3, r.openssl, r.openssl / r.ours, r.walk, r.ours / r.walk, r.ours_allocs,
                r.openssl_allocs);
  }
  std::printf("\n### Request build + encode (median of %d rounds x %d calls)\n\n", rounds, iterations);
  std::printf("| key | libocsp ns | OpenSSL ns | x OpenSSL | allocs libocsp | allocs OpenSSL |\n");
  std::printf("| --- | ---: | ---: | ---: | ---: | ---: |\n");
  for (const row& r : encode_rows) {
    std::printf("| %s | %.0f | %.0f | %.1fx | %.1f | %.1f |\n", r.name.c_str(), r.ours, r.openssl, r.openssl / r.ours,
                r.ours_allocs, r.openssl_allocs);
  }
  std::printf("\n### Request encode from a prepared CertID: make_cert_id once, outside the loop (median of %d rounds x %d calls)\n\n",
              rounds, iterations);
  std::printf("OpenSSL's contender is the one above, which hashes on every call: this table shows what hashing\n"
              "once per certificate is worth to a poller, not a like-for-like race.\n\n");
  std::printf("| key | libocsp ns | OpenSSL ns | x OpenSSL | allocs libocsp | allocs OpenSSL |\n");
  std::printf("| --- | ---: | ---: | ---: | ---: | ---: |\n");
  for (const row& r : prepared_rows) {
    std::printf("| %s | %.0f | %.0f | %.1fx | %.1f | %.1f |\n", r.name.c_str(), r.ours, r.openssl, r.openssl / r.ours,
                r.ours_allocs, r.openssl_allocs);
  }
  std::printf("\n### Request and certificate parse (median of %d rounds x %d calls)\n\n", rounds, iterations);
  std::printf("OpenSSL: d2i_OCSP_REQUEST, d2i_X509 (which also decodes the public key into an EVP_PKEY, where\n"
              "parse_certificate keeps it as bytes).\n\n");
  std::printf("| input | bytes | libocsp ns | OpenSSL ns | x OpenSSL | allocs libocsp | allocs OpenSSL |\n");
  std::printf("| --- | ---: | ---: | ---: | ---: | ---: | ---: |\n");
  for (const row& r : parse_rows) {
    std::printf("| %s | %zu | %.0f | %.0f | %.1fx | %.1f | %.1f |\n", r.name.c_str(), r.size, r.ours, r.openssl,
                r.openssl / r.ours, r.ours_allocs, r.openssl_allocs);
  }
  return 0;
}
