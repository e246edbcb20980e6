// ocspctl verify and ocspctl query: a response checked offline against an issuer, and a one-shot
// query of a responder, both through libocsp's verifier (the same checks the service applies).
#include "cli.hpp"

#include <ocsp/describe.hpp>
#include <ocsp/json.hpp>
#include <ocsp/proxy_identity.hpp>
#include <ocsp/responder_client.hpp>
#include <ocsp/response.hpp>
#include <ocsp/verify.hpp>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

#include <boost/program_options.hpp>

#include <chrono>
#include <ctime>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace po = boost::program_options;

namespace ocspctl {
namespace {

using byte_vector = std::vector<std::uint8_t>;

// Every certificate of a PEM file, as DER.
std::optional<std::vector<byte_vector>> read_pem_certificates(const std::string& path) {
  const auto text = read_file(path);
  if (!text) return std::nullopt;
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_mem_buf(text->data(), static_cast<int>(text->size())), BIO_free);
  if (!bio) return std::nullopt;
  std::vector<byte_vector> out;
  while (X509* cert = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
    const int size = i2d_X509(cert, nullptr);
    byte_vector der(size > 0 ? static_cast<std::size_t>(size) : 0);
    unsigned char* p = der.data();
    if (size > 0) i2d_X509(cert, &p);
    X509_free(cert);
    out.push_back(std::move(der));
  }
  ERR_clear_error();  // the loop ends on "no start line"
  return out;
}

// "2012-10-23T10:25:36Z" (seconds required, Zulu only).
std::optional<std::chrono::sys_seconds> parse_iso8601(const std::string& text) {
  std::tm tm{};
  int consumed = 0;
  if (text.size() != 20 || std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2dZ%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                                       &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &consumed) != 6 ||
      consumed != 20) {
    return std::nullopt;
  }
  using namespace std::chrono;
  const year_month_day day{year(tm.tm_year), month(static_cast<unsigned>(tm.tm_mon)), std::chrono::day(static_cast<unsigned>(tm.tm_mday))};
  if (!day.ok() || tm.tm_hour < 0 || tm.tm_hour > 23 || tm.tm_min < 0 || tm.tm_min > 59 || tm.tm_sec < 0 ||
      tm.tm_sec > 59 || tm.tm_year < 0) {
    return std::nullopt;
  }
  return sys_days(day) + hours(tm.tm_hour) + minutes(tm.tm_min) + seconds(tm.tm_sec);
}

std::string status_name(ocsp::cert_status s) { return std::string(ocsp::to_string(s)); }

// One verified SingleResponse as JSON (ISO 8601 times, hex serial, as `ocspctl decode` spells them).
std::string single_json(const ocsp::verified_response& v) {
  ocsp::json_object_writer w;
  w.field("cert_status", status_name(v.single.status));
  if (v.single.next_update) w.field("next_update", ocsp::format_iso8601(*v.single.next_update));
  w.field("produced_at", ocsp::format_iso8601(v.produced_at));
  if (v.single.reason) w.field("revocation_reason", ocsp::to_string(*v.single.reason));
  if (v.single.revocation_time) w.field("revocation_time", ocsp::format_iso8601(*v.single.revocation_time));
  w.field("serial", ocsp::serial_to_hex(v.single.id.serial_number));
  w.field("signer", v.signer == ocsp::signer_kind::issuer ? "issuer" : "delegated");
  w.field("this_update", ocsp::format_iso8601(v.single.this_update));
  return w.finish();
}

int print_invalid(const boost::system::error_code& code) {
  const ocsp::errc e = code.category() == ocsp::error_category() ? static_cast<ocsp::errc>(code.value()) : ocsp::errc::internal_error;
  std::string reason = ocsp::describe_verification_error(e);
  if (reason.empty()) reason = code.message();
  ocsp::json_object_writer w;
  w.field("check", ocsp::errc_name(e));
  w.field("reason", reason);
  w.field("valid", false);
  std::cout << w.finish() << "\n";
  std::cerr << "ocspctl: the response is not valid: " << reason << "\n";
  return exit_invalid;
}

}  // namespace

int verify(const std::vector<std::string>& args) {
  po::options_description options(
      "ocspctl verify RESPONSE --issuer PEM [--cert PEM | --serial HEX] [--signer-certs PEM] [--at TIME] [--nonce HEX]");
  options.add_options()("help,h", "show this help")("response", po::value<std::string>()->required(), "DER OCSPResponse")(
      "issuer", po::value<std::string>()->required(), "the issuer certificate (PEM)")(
      "cert", po::value<std::string>(), "the certificate whose status is wanted (PEM)")(
      "serial", po::value<std::string>(), "or its serial number, hex")(
      "signer-certs", po::value<std::string>(), "further candidate delegated signers (PEM, several allowed)")(
      "at", po::value<std::string>(), "the checking time, ISO 8601 UTC (2012-10-23T10:25:36Z); default now")(
      "nonce", po::value<std::string>(), "the nonce that was sent, hex: the response must carry it")(
      "skew", po::value<long>()->default_value(300), "tolerated clock difference, seconds");
  po::positional_options_description positional;
  positional.add("response", 1);
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(args).options(options).positional(positional).run(), vm);
    if (vm.count("help")) {
      std::cout << "Verifies a DER OCSP response against its issuer (RFC 6960 3.2 and 4.2.2.2) and prints the verdict\n"
                   "and the status as JSON. Without --cert/--serial every SingleResponse must name the issuer.\n"
                   "Exit status: 0 valid, 1 invalid (the failing check is named), 2 usage error.\n"
                << options;
      return exit_ok;
    }
    po::notify(vm);
  } catch (const po::error& e) {
    return usage_error(e.what());
  }
  if (vm.count("cert") && vm.count("serial")) return usage_error("--cert and --serial are exclusive");
  if (vm["skew"].as<long>() < 0 || vm["skew"].as<long>() > 366L * 86400) {
    return usage_error("--skew must be 0 to 31622400 seconds (a year)");
  }

  ocsp::verify_options verify_options;
  verify_options.skew = std::chrono::seconds(vm["skew"].as<long>());
  verify_options.now = std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
  if (vm.count("at")) {
    const auto at = parse_iso8601(vm["at"].as<std::string>());
    if (!at) return usage_error("--at must be an ISO 8601 UTC time such as 2012-10-23T10:25:36Z");
    verify_options.now = *at;
  }
  std::optional<byte_vector> nonce;
  if (vm.count("nonce")) {
    nonce = parse_hex(vm["nonce"].as<std::string>());
    if (!nonce || nonce->empty()) return usage_error("--nonce must be non-empty hex");
    verify_options.nonce = ocsp::der::bytes(*nonce);
  }
  std::optional<byte_vector> serial;
  if (vm.count("serial")) {
    serial = parse_hex(vm["serial"].as<std::string>());
    if (!serial || serial->empty()) return usage_error("--serial must be non-empty hex");
  }

  const auto response_bytes = read_file(vm["response"].as<std::string>());
  if (!response_bytes) return cannot_read(vm["response"].as<std::string>());
  const byte_vector der(response_bytes->begin(), response_bytes->end());
  const auto issuer_pem = read_file(vm["issuer"].as<std::string>());
  if (!issuer_pem) return cannot_read(vm["issuer"].as<std::string>());
  auto issuer = ocsp::issuer_trust::from_pem(*issuer_pem);
  if (!issuer) {
    std::cerr << "ocspctl: the issuer certificate cannot be used: " << issuer.error().message() << "\n";
    return exit_usage;
  }
  std::vector<byte_vector> signer_ders;
  std::vector<ocsp::der::bytes> signers;
  if (vm.count("signer-certs")) {
    auto read = read_pem_certificates(vm["signer-certs"].as<std::string>());
    if (!read || read->empty()) return usage_error("--signer-certs holds no readable PEM certificate");
    signer_ders = std::move(*read);
    for (const auto& d : signer_ders) signers.emplace_back(d);
    verify_options.extra_signers = signers;
  }
  std::optional<ocsp::proxy_certificate> cert;
  if (vm.count("cert")) {
    auto loaded = ocsp::proxy_certificate::load(vm["cert"].as<std::string>(), vm["issuer"].as<std::string>());
    if (!loaded) {
      std::cerr << "ocspctl: " << loaded.error().message << "\n";
      return exit_usage;
    }
    cert = std::move(loaded).value();
  }

  auto response = ocsp::parse_ocsp_response(der);
  if (!response) return print_invalid(response.error());

  std::vector<ocsp::verified_response> verified;
  if (cert || serial) {
    // The target CertID: the response's own entry for this issuer and serial, whatever its hash
    // algorithm; none is ocsp_cert_id_not_found (through verify_response, so the checks before
    // it still run in order).
    byte_vector wanted = serial ? *serial : byte_vector{};
    ocsp::cert_id_storage storage;
    std::optional<ocsp::cert_id> target;
    std::optional<ocsp::certificate_view> cert_view, issuer_view;
    if (cert) {
      auto c = ocsp::parse_certificate(cert->der());
      auto i = ocsp::parse_certificate(cert->issuer_der());
      if (!c || !i) return print_invalid(!c ? c.error() : i.error());
      cert_view = c.value();
      issuer_view = i.value();
      auto id = ocsp::make_cert_id(*cert_view, *issuer_view, ocsp::cert_id_hash::sha1, storage);
      if (!id) return print_invalid(id.error());
      target = id.value();
      wanted.assign(target->serial_number.begin(), target->serial_number.end());
    }
    if (response.value().basic) {
      for (const ocsp::single_response& single : response.value().basic->responses) {
        const ocsp::der::bytes s = single.id.serial_number;
        if (issuer.value().issued(single.id) && byte_vector(s.begin(), s.end()) == wanted) {
          target = single.id;
          break;
        }
      }
    }
    if (!target) {
      // No entry names this serial: a CertID of the issuer's SHA-1 hashes that cannot match.
      ocsp::cert_id none{};
      auto r = ocsp::verify_response(response.value(), issuer.value(), none, verify_options);
      return print_invalid(r ? make_error_code(ocsp::errc::ocsp_cert_id_not_found) : r.error());
    }
    auto r = ocsp::verify_response(response.value(), issuer.value(), *target, verify_options);
    if (!r) return print_invalid(r.error());
    verified.push_back(r.value());
  } else {
    auto r = ocsp::verify_response_for_issuer(response.value(), issuer.value(), verify_options);
    if (!r) return print_invalid(r.error());
    verified = std::move(r).value();
  }

  ocsp::json_array_writer responses;
  for (const auto& v : verified) responses.add_raw(single_json(v));
  ocsp::json_object_writer w;
  w.field_raw("responses", responses.finish());
  w.field("valid", true);
  std::cout << w.finish() << "\n";
  return exit_ok;
}

int query(const std::vector<std::string>& args) {
  po::options_description options("ocspctl query --cert PEM --issuer PEM [--url URL] [--timeout SECONDS] [--get] [--ca-file PEM]");
  options.add_options()("help,h", "show this help")("cert", po::value<std::string>()->required(), "the certificate (PEM)")(
      "issuer", po::value<std::string>()->required(), "its issuer (PEM)")(
      "url", po::value<std::string>(), "the responder; default: the certificate's AIA OCSP URI")(
      "timeout", po::value<long>()->default_value(5), "deadline for the whole exchange, seconds")(
      "get", "use an RFC 5019 GET when the request is small enough (no nonce then)")(
      "ca-file", po::value<std::string>(), "CA certificates for an https responder (default: the system store)");
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(args).options(options).run(), vm);
    if (vm.count("help")) {
      std::cout << "Asks the certificate's OCSP responder for its status, as `openssl ocsp -url` does, verifies the\n"
                   "answer with the service's checks and prints the status object as JSON.\n"
                   "Exit status: 0 verified answer, 1 no answer or an invalid one, 2 usage error.\n"
                << options;
      return exit_ok;
    }
    po::notify(vm);
  } catch (const po::error& e) {
    return usage_error(e.what());
  }
  const long timeout = vm["timeout"].as<long>();
  if (timeout < 1 || timeout > 600) return usage_error("--timeout must be 1 to 600 seconds");

  auto loaded = ocsp::proxy_certificate::load(vm["cert"].as<std::string>(), vm["issuer"].as<std::string>());
  if (!loaded) {
    std::cerr << "ocspctl: " << loaded.error().message << "\n";
    return exit_usage;
  }
  auto identity = ocsp::proxy_identity::create(std::make_shared<const ocsp::proxy_certificate>(std::move(loaded).value()));
  if (!identity) {
    std::cerr << "ocspctl: " << identity.error().message << "\n";
    return exit_usage;
  }
  const std::string url_text = vm.count("url") ? vm["url"].as<std::string>() : identity.value()->certificate().responder_url();
  if (url_text.empty()) return usage_error("the certificate has no OCSP responder URL: give --url");
  auto url = ocsp::parse_responder_url(url_text);
  if (!url) return usage_error("--url: " + url.error().message());

  ocsp::responder_query_options transport;
  transport.timeout = std::chrono::seconds(timeout);
  transport.use_get = vm.count("get") > 0;
  if (vm.count("ca-file")) transport.tls.ca_file = vm["ca-file"].as<std::string>();

  byte_vector nonce(16);
  const bool with_nonce = !transport.use_get;
  if (with_nonce && RAND_bytes(nonce.data(), static_cast<int>(nonce.size())) != 1) {
    std::cerr << "ocspctl: no random bytes for the nonce\n";
    return exit_invalid;
  }
  auto request = identity.value()->request(with_nonce ? std::optional<ocsp::der::bytes>(nonce) : std::nullopt);
  if (!request) {
    std::cerr << "ocspctl: " << request.error().message << "\n";
    return exit_invalid;
  }
  auto body = ocsp::query_responder(url.value(), request.value(), transport);
  if (!body) {
    std::cerr << "ocspctl: ocsp_query_failed (" << ocsp::errc_name(body.error().ocsp_code()) << "): " << body.error().message
              << "\n";
    return exit_invalid;
  }
  ocsp::verify_options verify_options;
  verify_options.now = std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
  if (with_nonce) verify_options.nonce = ocsp::der::bytes(nonce);
  ocsp::errc reason{};
  auto entry = identity.value()->accept(std::move(body).value(), verify_options, &reason);
  if (!entry) {
    std::cerr << "ocspctl: invalid_ocsp_response (" << ocsp::errc_name(reason) << "): " << entry.error().message << "\n";
    return exit_invalid;
  }
  entry.value().status.responder_url = url.value().to_string();
  std::cout << ocsp::to_json(entry.value().status) << "\n";
  return exit_ok;
}

}  // namespace ocspctl
