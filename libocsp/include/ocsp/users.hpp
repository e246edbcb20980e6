// The users store and HTTP Basic authentication (transport-agnostic; the adapters call it).
//
// `users_store` keeps the API's users in `users.json` in a state directory (mode 0600, replaced
// crash-safely through state_directory::write). Each user has a name (1..64 characters of
// [A-Za-z0-9._@-]), a role (permissions.hpp) and a password verifier, never the password itself:
//   pbkdf2-sha256$<iterations>$<salt, standard base64>$<PBKDF2-HMAC-SHA256 key, standard base64>
// with a 16-byte random salt and a 32-byte key. The prefix names the algorithm, so a later one can
// sit beside it; the iteration count is per user, so raising the default does not lock anyone out.
// Passwords are 8..1024 bytes (any bytes: the store does not interpret them).
//
// Typical use: `open` once at start-up (a corrupt file stops the daemon: never a silent reset),
// `ensure_admin` to create the first admin, then per request
//   auto creds = parse_basic_authorization(header);          // nullopt -> 401
//   auto who = creds ? users.authenticate(creds->first, creds->second) : std::nullopt;
//
// authenticate() pays the slow hash only on a cache miss: a successful derivation is remembered
// for a short TTL under HMAC-SHA256(per-process random key, user || 0x00 || password), so neither
// the password nor a fast hash of it is kept in memory. Any change to a user drops its entries at
// once; failed attempts are never cached. An unknown (well-formed) name costs one derivation at the
// default iteration count, as a known one does, so response times do not reveal which names exist.
//
// Thread-safe: authenticate and list run in parallel; changes are serialised. Every change is
// durable before it returns; a refused or failed change leaves the file and the memory as they were.
#pragma once

#include "ocsp/error.hpp"
#include "ocsp/permissions.hpp"
#include "ocsp/state_dir.hpp"

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace ocsp {

struct users_options {
  /// PBKDF2 iterations for new verifiers (and for the dummy derivation of unknown names).
  /// OWASP's 2023 figure for PBKDF2-HMAC-SHA256; tests lower it. Must be in
  /// [min_pbkdf2_iterations, max_pbkdf2_iterations].
  std::uint32_t iterations = 600'000;
  /// How long a verified credential is remembered; zero disables the cache.
  std::chrono::seconds cache_ttl{60};
  /// The most credentials remembered at once; the oldest goes first.
  std::size_t cache_capacity = 1024;
  /// The cache's clock; null means std::chrono::steady_clock.
  std::function<std::chrono::steady_clock::time_point()> clock{};
};

/// A user as list() shows it: never the verifier.
struct user_info {
  std::string name;
  ocsp::role role = role::none;

  friend bool operator==(const user_info&, const user_info&) = default;
};

/// A user as users.json stores it (parse_users_json's output).
struct stored_user {
  std::string name;
  ocsp::role role = role::none;
  std::string verifier;  // "pbkdf2-sha256$..." as above, already checked
};

inline constexpr std::size_t min_password_size = 8;
inline constexpr std::size_t max_password_size = 1024;
inline constexpr std::size_t max_user_name_size = 64;
inline constexpr std::uint32_t min_pbkdf2_iterations = 1'000;
inline constexpr std::uint32_t max_pbkdf2_iterations = 10'000'000;
/// The longest Authorization header value parse_basic_authorization accepts.
inline constexpr std::size_t max_authorization_size = 4096;

/// Whether `name` is 1..64 characters of [A-Za-z0-9._@-].
bool is_valid_user_name(std::string_view name) noexcept;

/// Parses the contents of users.json strictly: unknown or duplicate keys, wrong types, a bad name,
/// role or verifier, a user listed twice, or trailing content are errc::state_corrupt with a
/// message naming the fault (the caller adds the file name). Users are returned in file order.
api_result<std::vector<stored_user>> parse_users_json(std::string_view text);

/// The users.json text for `users` (compact, keys alphabetical, users in the given order).
std::string to_users_json(const std::vector<stored_user>& users);

/// The credentials of an `Authorization` header value (RFC 7617): the scheme "Basic" in any case,
/// one or more spaces, then the standard base64 (padding required, no stray bits) of
/// "user-id:password". The user-id is everything before the first ':' and must not be empty; the
/// password is everything after it and may be empty (RFC 7617 allows it; authenticate() then
/// refuses it). Control characters (0x00-0x1F, 0x7F) in either are refused, as RFC 7617 does.
/// Surrounding spaces and tabs are ignored. nullopt for anything else, including values longer
/// than max_authorization_size.
std::optional<std::pair<std::string, std::string>> parse_basic_authorization(std::string_view header_value);

class users_store {
 public:
  static constexpr std::string_view file_name = "users.json";

  /// Loads users.json from `dir` (no file: no users). errc::state_unreadable when it cannot be
  /// read; errc::state_corrupt when it is not a valid users file (the message names the file and
  /// the fault); errc::internal_error when `options` are out of range or the system's random
  /// generator fails.
  static api_result<std::unique_ptr<users_store>> open(std::shared_ptr<state_directory> dir,
                                                       users_options options = {});

  users_store(const users_store&) = delete;
  users_store& operator=(const users_store&) = delete;
  ~users_store();

  /// Adds a user. errc::invalid_user_name, errc::weak_password (outside 8..1024 bytes),
  /// errc::user_exists, errc::invalid_schema (a role outside the enumeration),
  /// errc::state_write_failed, errc::internal_error (the random generator failed).
  api_result<void> add_user(std::string_view name, role r, std::string_view password);
  /// Replaces a user's password (new salt, the current default iterations).
  /// errc::user_not_found, errc::weak_password, errc::state_write_failed, errc::internal_error.
  api_result<void> set_password(std::string_view name, std::string_view password);
  /// errc::user_not_found, errc::invalid_schema, errc::state_write_failed.
  api_result<void> set_role(std::string_view name, role r);
  /// errc::user_not_found, errc::state_write_failed.
  api_result<void> remove_user(std::string_view name);

  /// The users, sorted by name: names and roles only.
  std::vector<user_info> list() const;

  /// The principal when `password` is `user`'s password, else nullopt (unknown user, wrong
  /// password, malformed input: the caller answers 401 alike). User names are case-sensitive.
  std::optional<principal> authenticate(std::string_view user, std::string_view password);

  /// The principal when the cache holds this exact credential (verified within cache_ttl and
  /// unchanged since); nullopt when it does not, which says nothing about the credential: call
  /// authenticate(). Never derives a key, so it never blocks for long: for adapters that answer
  /// cheap requests inline and send the rest to a thread pool.
  std::optional<principal> authenticate_cached(std::string_view user, std::string_view password);

  /// When there is no user at all, creates "admin" with role admin and `password`, or with a
  /// generated one (24 random bytes, base64url: 32 characters) that is returned so the caller can
  /// show it once. nullopt when users exist (nothing changes and `password` is not checked) or
  /// when `password` was used. errc::weak_password, errc::state_write_failed, errc::internal_error.
  api_result<std::optional<std::string>> ensure_admin(std::optional<std::string> password);

  /// PBKDF2 derivations performed so far (authentication, dummy and verifier creation alike): a
  /// counter for tests and metrics.
  std::uint64_t derivation_count() const noexcept { return derivations_.load(std::memory_order_relaxed); }

 private:
  struct user_record {
    ocsp::role role = role::none;
    std::string verifier;
    std::uint64_t version = 0;  // changes with every change to the user, so a late cache fill is refused
  };
  using cache_key = std::array<unsigned char, 32>;
  struct cache_key_hash {
    std::size_t operator()(const cache_key& k) const noexcept;
  };
  struct cache_entry {
    std::string user;
    ocsp::role role = role::none;
    std::chrono::steady_clock::time_point expiry;
    std::list<cache_key>::iterator order;  // its place in insertion order
  };

  users_store(std::shared_ptr<state_directory> dir, users_options options);

  std::chrono::steady_clock::time_point now() const;
  // Writes `next` (the whole new user map) to the file; the caller then swaps it in.
  api_result<void> persist(const std::map<std::string, user_record, std::less<>>& next);
  api_result<std::string> make_verifier(std::string_view password);
  bool verify(std::string_view verifier, std::string_view password);
  std::optional<cache_key> credential_key(std::string_view user, std::string_view password) const;
  bool caching() const noexcept;
  // The cached principal for `key`, dropping an expired entry; takes cache_mutex_.
  std::optional<principal> cached_principal(const cache_key& key, std::string_view user);
  // Cache operations; callers hold cache_mutex_.
  void drop_cached_locked(std::string_view user);
  template <class Change>
  api_result<void> change_user_locked(std::string_view name, Change&& change);
  void erase_cached_locked(const cache_key& key);

  std::shared_ptr<state_directory> dir_;
  users_options options_;
  std::array<unsigned char, 32> cache_secret_{};  // random per process: the cache's HMAC key
  std::uint64_t instance_ = 0;                    // tells this store's prepared HMAC contexts apart
  std::string dummy_verifier_;                    // derived against for unknown names

  mutable std::shared_mutex users_mutex_;  // readers: authenticate, list; writers: changes
  std::map<std::string, user_record, std::less<>> users_;
  std::uint64_t next_version_ = 1;

  std::mutex cache_mutex_;  // taken after users_mutex_ where both are held
  std::unordered_map<cache_key, cache_entry, cache_key_hash> cache_;
  std::list<cache_key> cache_order_;  // oldest first

  std::atomic<std::uint64_t> derivations_{0};
};

}  // namespace ocsp
