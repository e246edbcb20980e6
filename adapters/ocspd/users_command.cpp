// `ocspd user ...`: manages users.json in the state directory. The daemon holds the directory's
// lock while it runs, so these commands run while it is stopped (they say so otherwise); a running
// daemon reads the file at start.
#include "users_command.hpp"

#include <ocsp/permissions.hpp>
#include <ocsp/state_dir.hpp>
#include <ocsp/users.hpp>

#include <boost/program_options.hpp>

#include <termios.h>
#include <unistd.h>

#include <fstream>
#include <iostream>
#include <string>

namespace ocspd {
namespace po = boost::program_options;

namespace {

constexpr int exit_ok = 0;
constexpr int exit_failed = 1;
constexpr int exit_usage = 2;

int usage(const std::string& what) {
  std::cerr << "ocspd user: " << what << " (see ocspd user --help)\n";
  return exit_usage;
}

// The first line of `in`, without its line ending.
std::optional<std::string> first_line(std::istream& in) {
  std::string line;
  if (!std::getline(in, line)) return std::nullopt;
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

// The password from --password-file, or stdin (without echo when stdin is a terminal).
std::optional<std::string> read_password(const po::variables_map& vm, std::string& error) {
  if (vm.count("password-file")) {
    const std::string path = vm["password-file"].as<std::string>();
    std::ifstream file(path);
    auto line = file ? first_line(file) : std::nullopt;
    if (!line) error = "cannot read a password from " + path;
    return line;
  }
  const bool terminal = ::isatty(STDIN_FILENO) == 1;
  termios saved{};
  if (terminal) {
    std::cerr << "Password: " << std::flush;
    ::tcgetattr(STDIN_FILENO, &saved);
    termios quiet = saved;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
  }
  auto line = first_line(std::cin);
  if (terminal) {
    ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
    std::cerr << "\n";
  }
  if (!line) error = "no password on standard input";
  return line;
}

std::string role_names() {
  std::string names;
  for (const ocsp::role r : ocsp::all_roles()) names += (names.empty() ? "" : ", ") + std::string(ocsp::to_string(r));
  return names;
}

constexpr const char* help_text =
    "Usage:\n"
    "  ocspd user add NAME --role ROLE [--password-file FILE]\n"
    "  ocspd user passwd NAME [--password-file FILE]\n"
    "  ocspd user role NAME ROLE\n"
    "  ocspd user remove NAME\n"
    "  ocspd user list\n"
    "The password is the first line of FILE, or of standard input. Run while ocspd is stopped:\n"
    "the daemon locks its state directory.\n";

}  // namespace

int users_command(const std::vector<std::string>& args) {
  po::options_description options("Options");
  options.add_options()("help,h", "show this help")(
      "state-dir", po::value<std::string>()->default_value("/var/lib/ocspd"), "the daemon's state directory")(
      "role", po::value<std::string>(), "the role (add)")("password-file", po::value<std::string>(),
                                                          "read the password from this file's first line");
  po::options_description hidden;
  hidden.add_options()("words", po::value<std::vector<std::string>>()->composing(), "");
  po::options_description all;
  all.add(options).add(hidden);
  po::positional_options_description positional;
  positional.add("words", -1);
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(args).options(all).positional(positional).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    return usage(e.what());
  }
  if (vm.count("help")) {
    std::cout << help_text << options;
    return exit_ok;
  }
  const auto words = vm.count("words") ? vm["words"].as<std::vector<std::string>>() : std::vector<std::string>{};
  if (words.empty()) return usage("missing the action (add, passwd, role, remove, list)");
  const std::string& action = words[0];
  const std::size_t wanted = action == "list" ? 1 : action == "role" ? 3 : 2;
  if (action != "add" && action != "passwd" && action != "role" && action != "remove" && action != "list") {
    return usage("unknown action \"" + action + "\"");
  }
  if (words.size() != wanted) return usage("\"" + action + "\" takes " + std::to_string(wanted - 1) + " argument(s)");
  if (action == "add" && !vm.count("role")) return usage("add needs --role ROLE (" + role_names() + ")");

  std::optional<ocsp::role> role;
  if (action == "add" || action == "role") {
    const std::string name = action == "add" ? vm["role"].as<std::string>() : words[2];
    role = ocsp::parse_role(name);
    if (!role) return usage("unknown role \"" + name + "\" (roles: " + role_names() + ")");
  }

  auto dir = ocsp::state_directory::open(vm["state-dir"].as<std::string>());
  if (!dir) {
    std::cerr << "ocspd user: " << dir.error().message << "\n";
    return exit_failed;
  }
  auto store = ocsp::users_store::open(std::make_shared<ocsp::state_directory>(std::move(dir).value()));
  if (!store) {
    std::cerr << "ocspd user: " << store.error().message << "\n";
    return exit_failed;
  }
  ocsp::users_store& users = *store.value();

  if (action == "list") {
    for (const ocsp::user_info& u : users.list()) std::cout << u.name << "\t" << ocsp::to_string(u.role) << "\n";
    return exit_ok;
  }
  const std::string& name = words[1];
  ocsp::api_result<void> done = ocsp::make_error(ocsp::errc::internal_error, "no action");
  std::string what;
  if (action == "add" || action == "passwd") {
    std::string error;
    const auto password = read_password(vm, error);
    if (!password) {
      std::cerr << "ocspd user: " << error << "\n";
      return exit_failed;
    }
    done = action == "add" ? users.add_user(name, *role, *password) : users.set_password(name, *password);
    what = action == "add" ? "added user " + name + " with role " + std::string(ocsp::to_string(*role))
                           : "changed the password of " + name;
  } else if (action == "role") {
    done = users.set_role(name, *role);
    what = "user " + name + " now has role " + std::string(ocsp::to_string(*role));
  } else {
    done = users.remove_user(name);
    what = "removed user " + name;
  }
  if (!done) {
    std::cerr << "ocspd user: " << done.error().message << "\n";
    return exit_failed;
  }
  std::cout << "ocspd user: " << what << "\n";
  return exit_ok;
}

}  // namespace ocspd
