// What ocspctl's commands share: exit codes, usage errors, reading files, hex arguments.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace ocspctl {

constexpr int exit_ok = 0;
constexpr int exit_invalid = 1;
constexpr int exit_usage = 2;
/// The daemon answered with an error, or could not be reached.
constexpr int exit_failed = 1;

/// Prints "ocspctl: WHAT" and the pointer to --help on stderr; returns exit_usage.
int usage_error(const std::string& what);
/// Prints "ocspctl: cannot read PATH" on stderr; returns exit_invalid.
int cannot_read(const std::string& path);
/// The whole file, or nullopt when it cannot be read.
std::optional<std::string> read_file(const std::string& path);
/// Bytes from hex (either case, even length); nullopt otherwise.
std::optional<std::vector<std::uint8_t>> parse_hex(const std::string& text);

// The commands (args: what follows the command's name).
int decode(const std::vector<std::string>& args);
int request(const std::vector<std::string>& args);
int verify(const std::vector<std::string>& args);
int query(const std::vector<std::string>& args);
// The daemon's commands (daemon_commands.cpp).
int certificate_compatible(const std::vector<std::string>& args);
int config(const std::vector<std::string>& args);
int status(const std::vector<std::string>& args);
int test_certificate(const std::vector<std::string>& args);

}  // namespace ocspctl
