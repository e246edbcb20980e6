// ocspctl's daemon commands, modelled on `rladmin cluster ocsp`: certificate_compatible, config,
// status and test_certificate, each one request to ocspd's REST API (docs/api.md).
//
// The daemon is reached over its UNIX socket by default (it knows the caller from SO_PEERCRED), or
// with --url over HTTPS (or plain HTTP) with HTTP Basic credentials. The password never comes from
// the command line, where other users could read it: $OCSPCTL_PASSWORD or --password-file.
//
// Output: aligned "key: value" lines, or with --json the daemon's JSON body as it came. An error
// answer prints "ocspctl: ERROR_CODE: message" on stderr (exit 1); no answer at all prints why
// (exit 1); a usage error exits 2. Values are checked here only for their type (an integer,
// enabled/disabled): ranges are the daemon's to check, so there is one rule and one message.
#include "cli.hpp"
#include "daemon_client.hpp"

#include <ocsp/config.hpp>
#include <ocsp/json.hpp>
#include <ocsp/responder_client.hpp>

#include <boost/program_options.hpp>
#include <simdjson.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace po = boost::program_options;
namespace dom = simdjson::dom;

namespace ocspctl {
namespace {

constexpr std::string_view default_socket = "/var/lib/ocspd/ocspd.sock";

// The options every daemon command takes, and which of them take a value (see split_set_value).
po::options_description connection_options() {
  po::options_description options("connection and output");
  options.add_options()("help,h", "show this help")(
      "socket", po::value<std::string>(),
      "the daemon's UNIX socket (default: $OCSPD_SOCKET, else /var/lib/ocspd/ocspd.sock)")(
      "url", po::value<std::string>(), "https://HOST:PORT (or http://) of the daemon, instead of the socket")(
      "user", po::value<std::string>(), "HTTP Basic user name for --url; the password comes from $OCSPCTL_PASSWORD")(
      "password-file", po::value<std::string>(), "read the password from the first line of this file instead")(
      "cacert", po::value<std::string>(), "CA certificates (PEM) that verify an https daemon (default: the system store)")(
      "timeout", po::value<long>()->default_value(30), "deadline for the whole request, seconds")(
      "json", "print the daemon's JSON answer as it came, on one line");
  return options;
}

constexpr std::array<std::string_view, 6> options_with_value{"--socket", "--url",   "--user",
                                                             "--password-file", "--cacert", "--timeout"};

const char* const exit_status_help =
    "Exit status: 0 success, 1 an error answer from the daemon (its error_code is printed) or no\n"
    "answer at all, 2 usage error.\n";

struct invocation {
  daemon_endpoint endpoint;
  bool json = false;
  std::vector<std::string> words;  // the positional arguments
};

// Parses the shared options into `out`. Returns an exit status when the command is over (--help,
// or a usage error), nullopt when it should run.
std::optional<int> parse(const std::vector<std::string>& args, const std::string& synopsis, const std::string& about,
                         invocation& out) {
  po::options_description options = connection_options();
  po::options_description hidden;
  hidden.add_options()("words", po::value<std::vector<std::string>>(), "");
  po::options_description all;
  all.add(options).add(hidden);
  po::positional_options_description positional;
  positional.add("words", -1);
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(args).options(all).positional(positional).run(), vm);
    if (vm.count("help")) {
      std::cout << "usage: " << synopsis << "\n\n" << about << exit_status_help << "\n" << options;
      return exit_ok;
    }
    po::notify(vm);
  } catch (const po::error& e) {
    return usage_error(e.what());
  }
  if (vm.count("words")) out.words = vm["words"].as<std::vector<std::string>>();
  out.json = vm.count("json") > 0;

  const long timeout = vm["timeout"].as<long>();
  if (timeout < 1 || timeout > 600) return usage_error("--timeout must be 1 to 600 seconds");
  out.endpoint.timeout = std::chrono::seconds(timeout);

  if (vm.count("url")) {
    if (vm.count("socket")) return usage_error("--socket and --url are exclusive");
    auto url = ocsp::parse_responder_url(vm["url"].as<std::string>());
    if (!url || url.value().target != "/") {
      return usage_error("--url must be https://HOST:PORT or http://HOST:PORT (no path), got '" +
                         vm["url"].as<std::string>() + "'");
    }
    out.endpoint.url = std::move(url).value();
    if (vm.count("cacert")) {
      if (!out.endpoint.url->https) return usage_error("--cacert needs an https:// --url");
      out.endpoint.ca_file = vm["cacert"].as<std::string>();
    }
    if (vm.count("user")) {
      out.endpoint.user = vm["user"].as<std::string>();
      if (out.endpoint.user.empty() || out.endpoint.user.find(':') != std::string::npos) {
        return usage_error("--user must be a non-empty name without ':'");
      }
      if (vm.count("password-file")) {
        const std::string path = vm["password-file"].as<std::string>();
        const auto text = read_file(path);
        if (!text) return cannot_read(path);
        out.endpoint.password = text->substr(0, text->find('\n'));
        if (!out.endpoint.password.empty() && out.endpoint.password.back() == '\r') out.endpoint.password.pop_back();
      } else if (const char* env = std::getenv("OCSPCTL_PASSWORD")) {
        out.endpoint.password = env;
      } else {
        return usage_error("--user needs a password: set OCSPCTL_PASSWORD or give --password-file");
      }
    } else if (vm.count("password-file")) {
      return usage_error("--password-file needs --user");
    }
  } else {
    for (const char* name : {"user", "password-file", "cacert"}) {
      if (vm.count(name)) {
        return usage_error(std::string("--") + name +
                           " needs --url (over the UNIX socket the daemon knows you by your uid)");
      }
    }
    if (vm.count("socket")) {
      out.endpoint.socket_path = vm["socket"].as<std::string>();
    } else if (const char* env = std::getenv("OCSPD_SOCKET"); env != nullptr && *env != '\0') {
      out.endpoint.socket_path = env;
    } else {
      out.endpoint.socket_path = std::string(default_socket);
    }
    if (out.endpoint.socket_path.empty()) return usage_error("--socket must not be empty");
  }
  return std::nullopt;
}

// Text from the daemon as it may reach a terminal: control characters (escape sequences
// included) become '?'.
std::string printable(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
  }
  return out;
}

// A successful answer, parsed: the body as it came and its top-level object (valid while the
// parser lives).
struct answer {
  std::string body;
  dom::object object;
};

// One request. Prints the error and returns the exit status when there is no usable answer.
std::optional<int> call(const invocation& inv, std::string_view method, std::string_view target, std::string_view body,
                        dom::parser& parser, answer& out) {
  daemon_call_result result = call_daemon(inv.endpoint, method, target, body);
  if (!result.reply) {
    std::cerr << "ocspctl: " << result.error << "\n";
    return exit_failed;
  }
  daemon_reply& reply = *result.reply;
  dom::element element;
  const bool is_json = !parser.parse(reply.body).get(element) && element.is_object();
  if (reply.status / 100 != 2) {
    // The contract's error body: {"description":..., "error_code":..., "message":...}.
    std::string_view code, message;
    if (is_json && !element["error_code"].get(code) && !code.empty()) {
      if (element["message"].get(message) || message.empty()) {
        if (element["description"].get(message)) message = {};
      }
      std::cerr << "ocspctl: " << printable(code) << ": " << (message.empty() ? "(no message)" : printable(message))
                << "\n";
    } else {
      std::cerr << "ocspctl: HTTP " << reply.status << " " << printable(reply.reason) << " from " << inv.endpoint.describe()
                << " without the API's error body (is this ocspd?)\n";
    }
    return exit_failed;
  }
  if (!is_json) {
    std::cerr << "ocspctl: the answer from " << inv.endpoint.describe() << " is not a JSON object (HTTP "
              << reply.status << ", Content-Type '" << printable(reply.content_type.substr(0, 100)) << "')\n";
    return exit_failed;
  }
  if (element.get_object().get(out.object)) return exit_failed;  // cannot happen: is_object() said so
  out.body = std::move(reply.body);
  return std::nullopt;
}

void print_json(const answer& a) {
  std::cout << a.body;
  if (a.body.empty() || a.body.back() != '\n') std::cout << "\n";
}

// How a value reads to a person: enabled/disabled for the switch, "(none)" for an empty string
// (a certificate without an OCSP URI), numbers and other strings as they are.
std::string display_value(std::string_view key, dom::element value) {
  bool flag = false;
  if (!value.get(flag)) {
    if (key == "ocsp_functionality") return flag ? "enabled" : "disabled";
    return flag ? "true" : "false";
  }
  std::string_view text;
  if (!value.get(text)) return text.empty() ? "(none)" : printable(text);
  return printable(simdjson::minify(value));
}

// The object's fields as lines, those in `order` first in that order, then any others in the
// daemon's order (a newer daemon's fields still show).
std::vector<std::pair<std::string, std::string>> rows(dom::object object, std::span<const std::string_view> order) {
  std::vector<std::pair<std::string, std::string>> out;
  for (std::string_view key : order) {
    dom::element value;
    if (!object.at_key(key).get(value)) out.emplace_back(std::string(key), display_value(key, value));
  }
  for (const auto field : object) {
    if (std::find(order.begin(), order.end(), field.key) == order.end()) {
      out.emplace_back(printable(field.key), display_value(field.key, field.value));
    }
  }
  return out;
}

void print_rows(const std::vector<std::pair<std::string, std::string>>& lines) {
  std::size_t width = 0;
  for (const auto& [key, value] : lines) width = std::max(width, key.size());
  for (const auto& [key, value] : lines) {
    std::cout << key << ":" << std::string(width - key.size() + 1, ' ') << value << "\n";
  }
}

// The order the lines are shown in: the contract's tables. The integer parameters' names and
// ranges are libocsp's table (ocsp::integer_fields); every one of them must be shown.
constexpr std::array<std::string_view, 6> config_order{"ocsp_functionality", "query_frequency",  "recovery_frequency",
                                                       "recovery_max_tries", "response_timeout", "responder_url"};
static_assert(std::all_of(ocsp::integer_fields.begin(), ocsp::integer_fields.end(), [](const ocsp::integer_field& f) {
  return std::find(config_order.begin(), config_order.end(), f.name) != config_order.end();
}));
constexpr std::array<std::string_view, 6> status_order{"cert_status", "responder_url", "produced_at",
                                                       "this_update", "next_update",   "revocation_time"};

const ocsp::integer_field* integer_param(std::string_view name) {
  for (const auto& f : ocsp::integer_fields) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

std::string param_list() {
  std::string out;
  for (std::string_view p : config_order) out += (out.empty() ? "" : ", ") + std::string(p);
  return out;
}

std::string config_help() {
  std::string out =
      "Shows the OCSP configuration, one parameter of it, or sets one (PUT /v1/ocsp).\n"
      "Parameters:\n"
      "  ocsp_functionality  enabled | disabled\n";
  for (const auto& f : ocsp::integer_fields) {
    std::string_view what = f.name == "query_frequency"      ? "seconds between queries"
                            : f.name == "recovery_frequency" ? "seconds between retries after a failed query"
                            : f.name == "recovery_max_tries" ? "failed retries before the status is invalidated"
                            : f.name == "response_timeout"   ? "seconds to wait for the responder"
                                                             : "";
    std::string name(f.name);
    name.resize(std::max<std::size_t>(name.size() + 1, 20), ' ');
    out += "  " + name + std::string(what) + " (" + std::to_string(f.min) + " to " + std::to_string(f.max) + ")\n";
  }
  return out +
         "  responder_url       the OCSP URI of the proxy certificate (read-only)\n"
         "With --json the daemon's whole configuration object is printed, as it came.\n";
}

// A decimal integer, optionally negative, that fits in int64.
std::optional<std::int64_t> parse_integer(const std::string& text) {
  const std::size_t digits_from = !text.empty() && text[0] == '-' ? 1 : 0;
  const std::size_t digits = text.size() - digits_from;
  if (digits == 0 || digits > 18) return std::nullopt;
  if (!std::all_of(text.begin() + static_cast<std::ptrdiff_t>(digits_from), text.end(),
                   [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  return std::stoll(text);
}

// `config PARAM set VALUE`: VALUE is taken as it is even when it starts with '-' (a negative
// number is the daemon's to refuse, not an unknown option). Returns the arguments without "set
// VALUE" and the value.
std::pair<std::vector<std::string>, std::optional<std::string>> split_set_value(const std::vector<std::string>& args) {
  std::vector<std::size_t> positions;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--") break;
    if (std::find(options_with_value.begin(), options_with_value.end(), a) != options_with_value.end()) {
      ++i;
    } else if (a.empty() || a[0] != '-') {
      positions.push_back(i);
    }
  }
  if (positions.size() < 2 || args[positions[1]] != "set" || positions[1] + 1 >= args.size()) return {args, std::nullopt};
  const std::size_t at = positions[1];
  std::vector<std::string> rest(args.begin(), args.begin() + static_cast<std::ptrdiff_t>(at));
  rest.insert(rest.end(), args.begin() + static_cast<std::ptrdiff_t>(at) + 2, args.end());
  return {rest, args[at + 1]};
}

}  // namespace

int certificate_compatible(const std::vector<std::string>& args) {
  invocation inv;
  if (auto done = parse(args, "ocspctl certificate_compatible [options]",
                        "Tells whether the proxy certificate carries an OCSP responder URL (the OCSP URI of its\n"
                        "Authority Information Access extension), without which OCSP cannot be enabled.\n"
                        "Exit status 1 also when it carries none.\n",
                        inv)) {
    return *done;
  }
  if (!inv.words.empty()) return usage_error("certificate_compatible takes no arguments");
  dom::parser parser;
  answer a;
  if (auto failed = call(inv, "GET", "/v1/ocsp", {}, parser, a)) return *failed;
  std::string_view url;
  if (a.object["responder_url"].get(url)) {
    std::cerr << "ocspctl: the daemon's configuration has no responder_url string\n";
    return exit_failed;
  }
  if (inv.json) {
    print_json(a);
  } else if (url.empty()) {
    std::cout << "Not compatible. The proxy certificate has no OCSP URI (Authority Information Access)\n";
  } else {
    std::cout << "Success. OCSP URI is " << printable(url) << "\n";
  }
  return url.empty() ? exit_failed : exit_ok;
}

int config(const std::vector<std::string>& args) {
  auto [rest, value] = split_set_value(args);
  invocation inv;
  if (auto done = parse(rest, "ocspctl config [PARAM [set VALUE]] [options]", config_help(), inv)) {
    return *done;
  }
  std::optional<std::string> param;
  if (!inv.words.empty()) param = inv.words[0];
  if (inv.words.size() > 1) {
    return usage_error(inv.words[1] == "set" ? "config " + *param + " set needs a VALUE"
                                             : "expected 'set VALUE' after " + *param + ", got '" + inv.words[1] + "'");
  }
  if (param && std::find(config_order.begin(), config_order.end(), *param) == config_order.end()) {
    return usage_error("unknown parameter '" + *param + "': one of " + param_list());
  }
  if (value && !param) return usage_error("set needs a PARAM");

  dom::parser parser;
  answer a;
  if (value) {
    ocsp::json_object_writer body;
    if (*param == "responder_url") {
      std::cerr << "ocspctl: responder_url is read-only: it is the OCSP URI of the proxy certificate's Authority\n"
                   "Information Access extension; replace the certificate to change it\n";
      return exit_usage;
    }
    if (*param == "ocsp_functionality") {
      if (*value != "enabled" && *value != "disabled") {
        return usage_error("ocsp_functionality takes enabled or disabled, got '" + *value + "'");
      }
      body.field(*param, *value == "enabled");
    } else {
      const ocsp::integer_field* field = integer_param(*param);
      const auto number = parse_integer(*value);
      if (field == nullptr || !number) {
        return usage_error(*param + " takes an integer (" + std::to_string(field ? field->min : 0) + " to " +
                           std::to_string(field ? field->max : 0) + "), got '" + *value + "'");
      }
      body.field(*param, *number);
    }
    if (auto failed = call(inv, "PUT", "/v1/ocsp", body.finish(), parser, a)) return *failed;
  } else {
    if (auto failed = call(inv, "GET", "/v1/ocsp", {}, parser, a)) return *failed;
  }

  if (inv.json) {
    print_json(a);
    return exit_ok;
  }
  auto lines = rows(a.object, config_order);
  if (param) {
    std::erase_if(lines, [&](const auto& line) { return line.first != *param; });
    if (lines.empty()) {
      std::cerr << "ocspctl: the daemon's configuration has no " << *param << "\n";
      return exit_failed;
    }
  }
  print_rows(lines);
  return exit_ok;
}

namespace {

int status_command(const std::vector<std::string>& args, const char* name, const char* method, const char* target,
                   const char* about) {
  invocation inv;
  if (auto done = parse(args, std::string("ocspctl ") + name + " [options]", about, inv)) return *done;
  if (!inv.words.empty()) return usage_error(std::string(name) + " takes no arguments");
  dom::parser parser;
  answer a;
  if (auto failed = call(inv, method, target, {}, parser, a)) return *failed;
  if (inv.json) {
    print_json(a);
  } else {
    print_rows(rows(a.object, status_order));
  }
  return exit_ok;
}

}  // namespace

int status(const std::vector<std::string>& args) {
  return status_command(args, "status", "GET", "/v1/ocsp/status",
                        "Shows the latest cached OCSP status of the proxy certificate (GET /v1/ocsp/status):\n"
                        "cert_status GOOD, REVOKED or UNKNOWN, the responder, and the response's times.\n");
}

int test_certificate(const std::vector<std::string>& args) {
  return status_command(args, "test_certificate", "POST", "/v1/ocsp/test",
                        "Queries the OCSP responder now and shows the status it answered (POST /v1/ocsp/test).\n"
                        "The daemon caches it when ocsp_functionality is enabled.\n");
}

}  // namespace ocspctl
