// ocspctl: libocsp's command-line tool.
//
//   ocspctl decode FILE      decode a DER OCSP request or response and print it as JSON
//   ocspctl request --cert PEM --issuer PEM --out FILE [--sha256] [--nonce HEX]
//                            write the DER OCSPRequest for a certificate (like openssl ocsp -reqout)
//   ocspctl verify RESPONSE --issuer PEM [--cert PEM | --serial HEX] [--signer-certs PEM] [--at TIME] [--nonce HEX]
//                            verify a response offline and print the verdict and the status
//   ocspctl query --cert PEM --issuer PEM [--url URL]
//                            ask the responder now and print the verified status (like openssl ocsp -url)
//
// The daemon's commands (daemon_commands.cpp), as rladmin cluster ocsp has them; over ocspd's UNIX
// socket by default, or --url https://HOST:PORT --user NAME (password from $OCSPCTL_PASSWORD):
//   ocspctl certificate_compatible         does the proxy certificate carry an OCSP URI?
//   ocspctl config [PARAM [set VALUE]]     show the OCSP configuration, one parameter, or set one
//   ocspctl status                         the latest cached OCSP status
//   ocspctl test_certificate               query the responder now and show its answer
//
// Exit status: 0 on success, 1 when the input is not a valid OCSP PDU or does not verify, or the
// daemon answered with an error or could not be reached (the error is named on stderr), 2 on a
// usage error.
#include "cli.hpp"

#include <ocsp/cert_view.hpp>
#include <ocsp/certificate.hpp>
#include <ocsp/der.hpp>
#include <ocsp/describe.hpp>
#include <ocsp/request.hpp>
#include <ocsp/response.hpp>

#include <boost/program_options.hpp>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
#include <optional>
#include <string>
#include <vector>

namespace po = boost::program_options;

namespace ocspctl {

int usage_error(const std::string& what) {
  std::cerr << "ocspctl: " << what << "\nrun 'ocspctl --help' for usage\n";
  return exit_usage;
}

int cannot_read(const std::string& path) {
  std::cerr << "ocspctl: cannot read " << path << "\n";
  return exit_invalid;
}

std::optional<std::string> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  if (in.bad()) return std::nullopt;
  return text;
}

namespace {

struct command {
  const char* name;
  const char* summary;
  int (*run)(const std::vector<std::string>& args);
};

// Which PDU the bytes hold: an OCSPResponse opens with the responseStatus ENUMERATED, an
// OCSPRequest with the TBSRequest SEQUENCE.
enum class pdu_kind { response, request };
pdu_kind guess_kind(ocsp::der::bytes data) {
  ocsp::der::reader outer(data);
  auto contents = outer.read(ocsp::der::tag::sequence);
  if (contents && contents.value().next_is(ocsp::der::tag::sequence)) return pdu_kind::request;
  return pdu_kind::response;
}

}  // namespace

int decode(const std::vector<std::string>& args) {
  po::options_description options("ocspctl decode FILE");
  options.add_options()("help,h", "show this help")("file", po::value<std::string>()->required(), "DER file");
  po::positional_options_description positional;
  positional.add("file", 1);
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(args).options(options).positional(positional).run(), vm);
    if (vm.count("help")) {
      std::cout << "Decodes a DER OCSP request or response (detected from its structure) and prints it as JSON.\n"
                << options;
      return exit_ok;
    }
    po::notify(vm);
  } catch (const po::error& e) {
    return usage_error(e.what());
  }

  const std::string path = vm["file"].as<std::string>();
  const auto text = read_file(path);
  if (!text) return cannot_read(path);
  const std::vector<std::uint8_t> bytes(text->begin(), text->end());

  if (guess_kind(bytes) == pdu_kind::request) {
    auto request = ocsp::parse_ocsp_request(bytes);
    if (!request) {
      std::cerr << "ocspctl: " << path << " is not a valid OCSP request: " << request.error().message() << "\n";
      return exit_invalid;
    }
    std::cout << ocsp::describe_json(request.value()) << "\n";
    return exit_ok;
  }
  auto response = ocsp::parse_ocsp_response(bytes);
  if (!response) {
    std::cerr << "ocspctl: " << path << " is not a valid OCSP response: " << response.error().message() << "\n";
    return exit_invalid;
  }
  std::cout << ocsp::describe_json(response.value()) << "\n";
  return exit_ok;
}

std::optional<std::vector<std::uint8_t>> parse_hex(const std::string& text) {
  if (text.size() % 2 != 0) return std::nullopt;
  std::vector<std::uint8_t> out;
  for (std::size_t i = 0; i < text.size(); i += 2) {
    unsigned value = 0;
    for (char c : text.substr(i, 2)) {
      value <<= 4;
      if (c >= '0' && c <= '9') value |= static_cast<unsigned>(c - '0');
      else if (c >= 'a' && c <= 'f') value |= static_cast<unsigned>(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F') value |= static_cast<unsigned>(c - 'A' + 10);
      else return std::nullopt;
    }
    out.push_back(static_cast<std::uint8_t>(value));
  }
  return out;
}

int request(const std::vector<std::string>& args) {
  po::options_description options("ocspctl request --cert PEM --issuer PEM --out FILE [--sha256] [--nonce HEX]");
  options.add_options()("help,h", "show this help")("cert", po::value<std::string>()->required(), "the certificate (PEM)")(
      "issuer", po::value<std::string>()->required(), "its issuer (PEM)")(
      "out", po::value<std::string>()->required(), "where to write the DER OCSPRequest")(
      "sha256", "CertID with SHA-256 (default SHA-1)")("nonce", po::value<std::string>(), "a nonce, hex (1 to 32 bytes)");
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(args).options(options).run(), vm);
    if (vm.count("help")) {
      std::cout << "Writes the OCSPRequest for a certificate, as `openssl ocsp -reqout` does.\n" << options;
      return exit_ok;
    }
    po::notify(vm);
  } catch (const po::error& e) {
    return usage_error(e.what());
  }
  std::optional<std::vector<std::uint8_t>> nonce;
  if (vm.count("nonce")) {
    nonce = parse_hex(vm["nonce"].as<std::string>());
    if (!nonce) return usage_error("--nonce must be hex");
  }
  auto loaded = ocsp::proxy_certificate::load(vm["cert"].as<std::string>(), vm["issuer"].as<std::string>());
  if (!loaded) {
    std::cerr << "ocspctl: " << loaded.error().message << "\n";
    return exit_invalid;
  }
  const auto& pair = loaded.value();
  auto cert = ocsp::parse_certificate(pair.der());
  auto issuer = ocsp::parse_certificate(pair.issuer_der());
  if (!cert || !issuer) {
    std::cerr << "ocspctl: the certificate does not parse: " << (cert ? issuer.error() : cert.error()).message() << "\n";
    return exit_invalid;
  }
  ocsp::request_options request_options;
  request_options.hash = vm.count("sha256") ? ocsp::cert_id_hash::sha256 : ocsp::cert_id_hash::sha1;
  if (nonce) request_options.nonce = ocsp::der::bytes(*nonce);
  ocsp::der::writer out;
  if (auto written = ocsp::write_ocsp_request(out, cert.value(), issuer.value(), request_options); !written) {
    std::cerr << "ocspctl: cannot build the request: " << written.error().message() << "\n";
    return exit_invalid;
  }
  const auto der = out.finish();
  if (!der) {
    std::cerr << "ocspctl: cannot encode the request: " << der.error().message() << "\n";
    return exit_invalid;
  }
  std::ofstream file(vm["out"].as<std::string>(), std::ios::binary | std::ios::trunc);
  file.write(reinterpret_cast<const char*>(der.value().data()), static_cast<std::streamsize>(der.value().size()));
  if (!file) {
    std::cerr << "ocspctl: cannot write " << vm["out"].as<std::string>() << "\n";
    return exit_invalid;
  }
  return exit_ok;
}

namespace {

const command commands[] = {
    {"decode", "decode a DER OCSP request or response and print it as JSON", decode},
    {"request", "write the DER OCSPRequest for a certificate", request},
    {"verify", "verify a DER OCSP response against its issuer and print the verdict", verify},
    {"query", "ask a certificate's OCSP responder now and print the verified status", query},
    {"certificate_compatible", "ocspd: does the proxy certificate carry an OCSP responder URL?", certificate_compatible},
    {"config", "ocspd: show the OCSP configuration, one parameter, or set one", config},
    {"status", "ocspd: the latest cached OCSP status of the proxy certificate", status},
    {"test_certificate", "ocspd: query the responder now and show the status it answered", test_certificate},
};

void print_help() {
  std::cout << "usage: ocspctl COMMAND [ARGS]\n\ncommands:\n";
  for (const auto& c : commands) std::printf("  %-22s %s\n", c.name, c.summary);
  std::cout << "\nrun 'ocspctl COMMAND --help' for a command's options\n";
}

}  // namespace
}  // namespace ocspctl

int main(int argc, char** argv) {
  using namespace ocspctl;
  if (argc < 2) return usage_error("a command is required");
  const std::string name = argv[1];
  if (name == "--help" || name == "-h" || name == "help") {
    print_help();
    return exit_ok;
  }
  const std::vector<std::string> args(argv + 2, argv + argc);
  for (const auto& c : commands) {
    if (name == c.name) return c.run(args);
  }
  return usage_error("unknown command '" + name + "'");
}
