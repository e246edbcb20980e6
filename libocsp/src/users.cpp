#include "ocsp/users.hpp"

#include "detail/json_messages.hpp"

#include "ocsp/json.hpp"

#include <fmt/format.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rand.h>
#include <simdjson.h>

#include <algorithm>
#include <charconv>
#include <cstring>
#include <iterator>
#include <set>

namespace ocsp {
namespace {

using detail::quote;
using detail::type_name;

namespace od = simdjson::ondemand;

constexpr std::int64_t users_format_version = 1;
constexpr std::string_view verifier_scheme = "pbkdf2-sha256";
constexpr std::size_t salt_size = 16;
constexpr std::size_t key_size = 32;
constexpr std::size_t generated_password_bytes = 24;

// ---- base64 (RFC 4648): standard alphabet with padding, or base64url without ----

constexpr std::string_view b64_standard = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr std::string_view b64_url = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

std::string base64_encode(const unsigned char* data, std::size_t size, bool url) {
  const std::string_view alphabet = url ? b64_url : b64_standard;
  std::string out;
  out.reserve((size + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 3 <= size; i += 3) {
    const unsigned v = (unsigned{data[i]} << 16) | (unsigned{data[i + 1]} << 8) | unsigned{data[i + 2]};
    out.push_back(alphabet[(v >> 18) & 63]);
    out.push_back(alphabet[(v >> 12) & 63]);
    out.push_back(alphabet[(v >> 6) & 63]);
    out.push_back(alphabet[v & 63]);
  }
  if (const std::size_t rest = size - i; rest > 0) {
    const unsigned v = (unsigned{data[i]} << 16) | (rest == 2 ? unsigned{data[i + 1]} << 8 : 0U);
    out.push_back(alphabet[(v >> 18) & 63]);
    out.push_back(alphabet[(v >> 12) & 63]);
    if (rest == 2) out.push_back(alphabet[(v >> 6) & 63]);
    if (!url) out.append(rest == 2 ? "=" : "==");
  }
  return out;
}

int b64_value(char c) noexcept {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

// Strict decoding of standard base64: length a multiple of 4, '=' only as the final one or two
// characters, and no stray bits in the last symbol (so every byte string has one encoding).
std::optional<std::string> base64_decode(std::string_view text) {
  if (text.size() % 4 != 0) return std::nullopt;
  std::size_t padding = 0;
  if (!text.empty() && text.back() == '=') padding = text[text.size() - 2] == '=' ? 2 : 1;
  std::string out;
  out.reserve(text.size() / 4 * 3);
  for (std::size_t i = 0; i < text.size(); i += 4) {
    const bool last = i + 4 == text.size();
    const std::size_t symbols = last ? 4 - padding : 4;
    unsigned v = 0;
    for (std::size_t j = 0; j < 4; ++j) {
      int d = 0;
      if (j < symbols) {
        d = b64_value(text[i + j]);
        if (d < 0) return std::nullopt;
      }
      v = (v << 6) | static_cast<unsigned>(d);
    }
    out.push_back(static_cast<char>((v >> 16) & 0xff));
    if (symbols >= 3) out.push_back(static_cast<char>((v >> 8) & 0xff));
    if (symbols == 4) out.push_back(static_cast<char>(v & 0xff));
    // No stray bits: what padding stands for must be zero.
    if (symbols == 2 && (v & 0xffff) != 0) return std::nullopt;
    if (symbols == 3 && (v & 0xff) != 0) return std::nullopt;
  }
  return out;
}

// ---- verifiers ----

struct verifier_parts {
  std::uint32_t iterations = 0;
  std::string salt;
  std::string key;
};

// Parses "pbkdf2-sha256$<iterations>$<salt b64>$<key b64>"; on failure names the fault in `fault`.
std::optional<verifier_parts> parse_verifier(std::string_view text, std::string& fault) {
  const auto next = [&text]() -> std::optional<std::string_view> {
    if (text.empty()) return std::nullopt;
    const std::size_t dollar = text.find('$');
    const std::string_view part = text.substr(0, dollar);
    text = dollar == std::string_view::npos ? std::string_view{} : text.substr(dollar + 1);
    return part;
  };
  const auto scheme = next();
  if (!scheme || *scheme != verifier_scheme) {
    fault = fmt::format("the algorithm must be {}", verifier_scheme);
    return std::nullopt;
  }
  verifier_parts parts;
  const auto iterations = next();
  const bool digits_only = iterations && !iterations->empty() &&
                           std::all_of(iterations->begin(), iterations->end(), [](char c) { return c >= '0' && c <= '9'; });
  const char* end = iterations ? iterations->data() + iterations->size() : nullptr;
  if (!digits_only || (*iterations)[0] == '0' ||
      std::from_chars(iterations->data(), end, parts.iterations).ptr != end || parts.iterations < min_pbkdf2_iterations ||
      parts.iterations > max_pbkdf2_iterations) {
    fault = fmt::format("the iteration count must be an integer in [{}, {}] without leading zeros", min_pbkdf2_iterations,
                        max_pbkdf2_iterations);
    return std::nullopt;
  }
  const auto salt = next();
  auto salt_bytes = salt ? base64_decode(*salt) : std::nullopt;
  if (!salt_bytes || salt_bytes->size() != salt_size) {
    fault = fmt::format("the salt must be {} bytes in padded standard base64", salt_size);
    return std::nullopt;
  }
  parts.salt = std::move(*salt_bytes);
  const bool key_is_last = text.find('$') == std::string_view::npos;
  const auto key = next();
  auto key_bytes = key && key_is_last ? base64_decode(*key) : std::nullopt;
  if (!key_bytes || key_bytes->size() != key_size) {
    fault = fmt::format("the derived key must be {} bytes in padded standard base64, and the last field", key_size);
    return std::nullopt;
  }
  parts.key = std::move(*key_bytes);
  return parts;
}

std::string format_verifier(std::uint32_t iterations, const unsigned char* salt, const unsigned char* key) {
  return fmt::format("{}${}${}${}", verifier_scheme, iterations, base64_encode(salt, salt_size, false),
                     base64_encode(key, key_size, false));
}

bool derive_key(std::string_view password, const std::string& salt, std::uint32_t iterations,
                std::array<unsigned char, key_size>& out) {
  return PKCS5_PBKDF2_HMAC(password.empty() ? "" : password.data(), static_cast<int>(password.size()),
                           reinterpret_cast<const unsigned char*>(salt.data()), static_cast<int>(salt.size()),
                           static_cast<int>(iterations), EVP_sha256(), static_cast<int>(out.size()), out.data()) == 1;
}

// ---- the users file ----

error_info corrupt(std::string message) { return make_error(errc::state_corrupt, std::move(message)); }



error_info malformed(simdjson::error_code e) { return corrupt(fmt::format("not valid JSON: {}", simdjson::error_message(e))); }

// A value of the expected JSON type, or an error naming `what` and the type found.
error_info wrong_type(od::value& v, std::string_view what, std::string_view expected) {
  od::json_type type{};
  if (auto e = v.type().get(type)) return malformed(e);
  return corrupt(fmt::format("{} must be {}, got {}", what, expected, type_name(type)));
}

api_result<std::string> read_string(od::value& v, std::string_view what) {
  std::string_view s;
  if (!v.get_string().get(s)) return std::string(s);
  od::json_type type{};
  if (auto e = v.type().get(type)) return malformed(e);
  if (type == od::json_type::string) return malformed(simdjson::STRING_ERROR);
  return wrong_type(v, what, "a string");
}

api_result<stored_user> read_user(od::value& v, std::size_t index) {
  const std::string where = fmt::format("users[{}]", index);
  od::object object;
  if (v.get_object().get(object)) return wrong_type(v, where, "an object");
  std::optional<std::string> name, role_name, verifier;
  for (auto field_result : object) {
    od::field field;
    if (auto e = std::move(field_result).get(field)) return malformed(e);
    std::string_view key;
    if (auto e = field.unescaped_key().get(key)) return malformed(e);
    std::optional<std::string>* slot = key == "name" ? &name : key == "role" ? &role_name : key == "verifier" ? &verifier : nullptr;
    if (slot == nullptr) {
      return corrupt(fmt::format("{}: unknown field {}: the fields are name, role, verifier", where, quote(key)));
    }
    if (slot->has_value()) return corrupt(fmt::format("{}: duplicate field {}", where, quote(key)));
    const std::string key_copy(key);
    od::value value = field.value();
    BOOST_OUTCOME_TRY(auto text, read_string(value, fmt::format("{}.{}", where, key_copy)));
    *slot = std::move(text);
  }
  for (const auto& [field, present] : {std::pair{"name", name.has_value()}, std::pair{"role", role_name.has_value()},
                                       std::pair{"verifier", verifier.has_value()}}) {
    if (!present) return corrupt(fmt::format("{}: field \"{}\" is missing", where, field));
  }
  if (!is_valid_user_name(*name)) {
    return corrupt(fmt::format("{}.name must be 1..{} characters of [A-Za-z0-9._@-], got {}", where, max_user_name_size,
                               quote(*name)));
  }
  const auto parsed_role = parse_role(*role_name);
  if (!parsed_role) return corrupt(fmt::format("{} ({}): unknown role {}", where, *name, quote(*role_name)));
  std::string fault;
  if (!parse_verifier(*verifier, fault)) {
    // The verifier itself is not quoted: it is offline-cracking material.
    return corrupt(fmt::format("{} ({}): verifier is not {}$<iterations>$<salt>$<key>: {}", where, *name,
                               verifier_scheme, fault));
  }
  return stored_user{std::move(*name), *parsed_role, std::move(*verifier)};
}

bool is_ctl(char c) noexcept { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; }

bool ascii_iequals(std::string_view a, std::string_view b) noexcept {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
           return lower(x) == lower(y);
         });
}

error_info password_rule(std::size_t size) {
  return make_error(errc::weak_password, fmt::format("a password must be {}..{} bytes, got {} bytes", min_password_size,
                                                     max_password_size, size));
}

api_result<void> check_new_user(std::string_view name, role r) {
  if (!is_valid_user_name(name)) {
    return make_error(errc::invalid_user_name,
                      fmt::format("a user name must be 1..{} characters of [A-Za-z0-9._@-], got {}", max_user_name_size,
                                  quote(name)));
  }
  if (!parse_role(to_string(r))) return make_error(errc::invalid_schema, "role must be one of the roles of the API");
  return boost::outcome_v2::success();
}

api_result<void> check_password(std::string_view password) {
  if (password.size() < min_password_size || password.size() > max_password_size) return password_rule(password.size());
  return boost::outcome_v2::success();
}

error_info no_such_user(std::string_view name) {
  return make_error(errc::user_not_found, fmt::format("no user named {}", quote(name)));
}

}  // namespace

bool is_valid_user_name(std::string_view name) noexcept {
  return !name.empty() && name.size() <= max_user_name_size && std::all_of(name.begin(), name.end(), [](char c) {
           return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
                  c == '@' || c == '-';
         });
}

api_result<std::vector<stored_user>> parse_users_json(std::string_view text) {
  thread_local od::parser parser;  // buffers reused across loads
  const simdjson::padded_string padded(text);
  od::document doc;
  if (auto e = parser.iterate(padded).get(doc)) {
    if (e == simdjson::EMPTY) return corrupt("empty: a JSON object is required");
    return malformed(e);
  }
  od::json_type root_type{};
  if (auto e = doc.type().get(root_type)) return malformed(e);
  if (root_type != od::json_type::object) {
    return corrupt(fmt::format("a JSON object is required, got {}", type_name(root_type)));
  }
  od::object root;
  if (auto e = doc.get_object().get(root)) return malformed(e);

  bool seen_format = false, seen_users = false;
  std::vector<stored_user> users;
  for (auto field_result : root) {
    od::field field;
    if (auto e = std::move(field_result).get(field)) return malformed(e);
    std::string_view key;
    if (auto e = field.unescaped_key().get(key)) return malformed(e);
    od::value value = field.value();
    if (key == "format") {
      if (seen_format) return corrupt("duplicate field \"format\"");
      seen_format = true;
      std::int64_t format = 0;
      if (value.get_int64().get(format) || format != users_format_version) {
        return corrupt(fmt::format("format must be the integer {}", users_format_version));
      }
    } else if (key == "users") {
      if (seen_users) return corrupt("duplicate field \"users\"");
      seen_users = true;
      od::array array;
      if (value.get_array().get(array)) return wrong_type(value, "users", "an array");
      std::set<std::string, std::less<>> names;
      for (auto element_result : array) {
        od::value element;
        if (auto e = std::move(element_result).get(element)) return malformed(e);
        BOOST_OUTCOME_TRY(auto user, read_user(element, users.size()));
        if (!names.insert(user.name).second) {
          return corrupt(fmt::format("users[{}]: user {} is listed twice", users.size(), quote(user.name)));
        }
        users.push_back(std::move(user));
      }
    } else {
      return corrupt(fmt::format("unknown field {}: the fields are format, users", quote(key)));
    }
  }
  // On-Demand stops at the end of the root object; anything after it is trailing content.
  const char* rest = nullptr;
  if (!doc.current_location().get(rest)) return corrupt("unexpected content after the JSON object");
  if (!seen_format) return corrupt("field \"format\" is missing");
  if (!seen_users) return corrupt("field \"users\" is missing");
  return users;
}

std::string to_users_json(const std::vector<stored_user>& users) {
  json_array_writer array;
  for (const auto& user : users) {
    array.add_raw(json_object_writer{}
                      .field("name", user.name)
                      .field("role", to_string(user.role))
                      .field("verifier", user.verifier)
                      .finish());
  }
  return json_object_writer{}.field("format", users_format_version).field_raw("users", array.finish()).finish();
}

std::optional<std::pair<std::string, std::string>> parse_basic_authorization(std::string_view value) {
  if (value.size() > max_authorization_size) return std::nullopt;
  const auto is_ows = [](char c) { return c == ' ' || c == '\t'; };
  while (!value.empty() && is_ows(value.front())) value.remove_prefix(1);
  while (!value.empty() && is_ows(value.back())) value.remove_suffix(1);
  constexpr std::string_view scheme = "basic";
  if (value.size() <= scheme.size() || !ascii_iequals(value.substr(0, scheme.size()), scheme) ||
      value[scheme.size()] != ' ') {
    return std::nullopt;
  }
  value.remove_prefix(scheme.size());
  while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  auto decoded = base64_decode(value);  // rejects an empty token's absence below, and any space or tab
  if (!decoded || value.empty()) return std::nullopt;
  const std::size_t colon = decoded->find(':');
  if (colon == std::string::npos || colon == 0 || std::any_of(decoded->begin(), decoded->end(), is_ctl)) {
    OPENSSL_cleanse(decoded->data(), decoded->size());
    return std::nullopt;
  }
  std::pair<std::string, std::string> out{decoded->substr(0, colon), decoded->substr(colon + 1)};
  OPENSSL_cleanse(decoded->data(), decoded->size());
  return out;
}

// ---- users_store ----

namespace {

// Every users_store gets its own number, so a thread's prepared HMAC context (below) is never used
// with another store's secret, even one allocated at the same address.
std::atomic<std::uint64_t> next_store_instance{1};

// A thread's HMAC-SHA256 context, keyed with one store's cache secret: re-initialising it with a
// NULL key reuses the key schedule, where the one-shot HMAC() fetches the algorithm, builds a
// context and frees it on every call (about five times the cost of the hash itself). OpenSSL 3.0.0
// to 3.0.2 ignored a NULL key there (openssl#17811), hence the 3.0.3 minimum in CMakeLists.txt.
// The context holds the key's pads until the thread ends or serves another store: the secret is
// a per-process cache key, never a credential, so this outliving ~users_store is accepted.
struct thread_hmac {
  std::uint64_t owner = 0;
  EVP_MAC_CTX* ctx = nullptr;
  ~thread_hmac() { EVP_MAC_CTX_free(ctx); }
};

EVP_MAC* hmac_algorithm() {
  static EVP_MAC* const mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  return mac;
}

}  // namespace


users_store::users_store(std::shared_ptr<state_directory> dir, users_options options)
    : dir_(std::move(dir)), options_(std::move(options)), instance_(next_store_instance.fetch_add(1)) {}

users_store::~users_store() { OPENSSL_cleanse(cache_secret_.data(), cache_secret_.size()); }

std::size_t users_store::cache_key_hash::operator()(const cache_key& k) const noexcept {
  std::size_t h = 0;
  std::memcpy(&h, k.data(), sizeof h);  // an HMAC output: already uniformly distributed
  return h;
}

api_result<std::unique_ptr<users_store>> users_store::open(std::shared_ptr<state_directory> dir, users_options options) {
  if (!dir) return make_error(errc::internal_error, "users store: no state directory");
  if (options.iterations < min_pbkdf2_iterations || options.iterations > max_pbkdf2_iterations) {
    return make_error(errc::internal_error, fmt::format("users store: iterations must be in [{}, {}], got {}",
                                                        min_pbkdf2_iterations, max_pbkdf2_iterations, options.iterations));
  }
  if (options.cache_ttl.count() < 0) return make_error(errc::internal_error, "users store: cache_ttl must not be negative");

  const std::string path = (dir->path() / file_name).string();
  BOOST_OUTCOME_TRY(auto text, dir->read(file_name));
  std::vector<stored_user> stored;
  if (text) {
    auto parsed = parse_users_json(*text);
    if (!parsed) return make_error(errc::state_corrupt, fmt::format("users file {}: {}", path, parsed.error().message));
    stored = std::move(parsed).value();
  }

  std::unique_ptr<users_store> store(new users_store(std::move(dir), std::move(options)));
  // The dummy verifier for unknown names: a random salt and a random key no password derives to.
  std::array<unsigned char, salt_size> dummy_salt{};
  std::array<unsigned char, key_size> dummy_key{};
  if (RAND_bytes(store->cache_secret_.data(), static_cast<int>(store->cache_secret_.size())) != 1 ||
      RAND_bytes(dummy_salt.data(), static_cast<int>(dummy_salt.size())) != 1 ||
      RAND_bytes(dummy_key.data(), static_cast<int>(dummy_key.size())) != 1) {
    return make_error(errc::internal_error, "users store: the random generator failed");
  }
  store->dummy_verifier_ = format_verifier(store->options_.iterations, dummy_salt.data(), dummy_key.data());
  for (auto& user : stored) {
    store->users_.emplace(std::move(user.name), user_record{user.role, std::move(user.verifier), store->next_version_++});
  }
  return store;
}

std::chrono::steady_clock::time_point users_store::now() const {
  return options_.clock ? options_.clock() : std::chrono::steady_clock::now();
}

api_result<void> users_store::persist(const std::map<std::string, user_record, std::less<>>& next) {
  std::vector<stored_user> users;
  users.reserve(next.size());
  for (const auto& [name, record] : next) users.push_back({name, record.role, record.verifier});
  return dir_->write(file_name, to_users_json(users));
}

api_result<std::string> users_store::make_verifier(std::string_view password) {
  std::array<unsigned char, salt_size> salt{};
  if (RAND_bytes(salt.data(), static_cast<int>(salt.size())) != 1) {
    return make_error(errc::internal_error, "users store: the random generator failed");
  }
  std::array<unsigned char, key_size> key{};
  derivations_.fetch_add(1, std::memory_order_relaxed);
  const std::string salt_text(reinterpret_cast<const char*>(salt.data()), salt.size());
  if (!derive_key(password, salt_text, options_.iterations, key)) {
    return make_error(errc::internal_error, "users store: PBKDF2 failed");
  }
  std::string verifier = format_verifier(options_.iterations, salt.data(), key.data());
  OPENSSL_cleanse(key.data(), key.size());
  return verifier;
}

bool users_store::verify(std::string_view verifier, std::string_view password) {
  std::string fault;
  const auto parts = parse_verifier(verifier, fault);
  if (!parts) return false;  // checked at load and creation: cannot happen
  std::array<unsigned char, key_size> key{};
  derivations_.fetch_add(1, std::memory_order_relaxed);
  const bool derived = derive_key(password, parts->salt, parts->iterations, key);
  const bool match = derived && CRYPTO_memcmp(key.data(), parts->key.data(), key_size) == 0;
  OPENSSL_cleanse(key.data(), key.size());
  return match;
}

std::optional<users_store::cache_key> users_store::credential_key(std::string_view user, std::string_view password) const {
  thread_local thread_hmac hmac;
  if (hmac.ctx == nullptr || hmac.owner != instance_) {
    EVP_MAC_CTX_free(hmac.ctx);
    hmac.owner = 0;
    hmac.ctx = hmac_algorithm() != nullptr ? EVP_MAC_CTX_new(hmac_algorithm()) : nullptr;
    char digest[] = "SHA256";
    const OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string("digest", digest, 0), OSSL_PARAM_construct_end()};
    if (hmac.ctx == nullptr || EVP_MAC_init(hmac.ctx, cache_secret_.data(), cache_secret_.size(), params) != 1) {
      EVP_MAC_CTX_free(hmac.ctx);
      hmac.ctx = nullptr;
      return std::nullopt;
    }
    hmac.owner = instance_;
  } else if (EVP_MAC_init(hmac.ctx, nullptr, 0, nullptr) != 1) {
    return std::nullopt;
  }
  // user || 0x00 || password: unambiguous because a valid name holds no 0x00.
  static constexpr unsigned char separator = 0;
  cache_key key{};
  std::size_t size = 0;
  const bool ok = EVP_MAC_update(hmac.ctx, reinterpret_cast<const unsigned char*>(user.data()), user.size()) == 1 &&
                  EVP_MAC_update(hmac.ctx, &separator, 1) == 1 &&
                  EVP_MAC_update(hmac.ctx, reinterpret_cast<const unsigned char*>(password.data()), password.size()) == 1 &&
                  EVP_MAC_final(hmac.ctx, key.data(), &size, key.size()) == 1 && size == key.size();
  if (!ok) return std::nullopt;
  return key;
}

void users_store::erase_cached_locked(const cache_key& key) {
  const auto it = cache_.find(key);
  if (it == cache_.end()) return;
  cache_order_.erase(it->second.order);
  cache_.erase(it);
}

void users_store::drop_cached_locked(std::string_view user) {
  for (auto it = cache_order_.begin(); it != cache_order_.end();) {
    const auto entry = cache_.find(*it);
    if (entry != cache_.end() && entry->second.user == user) {
      cache_.erase(entry);
      it = cache_order_.erase(it);
    } else {
      ++it;
    }
  }
}

bool users_store::caching() const noexcept { return options_.cache_ttl.count() > 0 && options_.cache_capacity > 0; }

std::optional<principal> users_store::cached_principal(const cache_key& key, std::string_view user) {
  std::lock_guard cache_lock(cache_mutex_);
  const auto it = cache_.find(key);
  if (it == cache_.end()) return std::nullopt;
  if (now() < it->second.expiry && it->second.user == user) return principal{std::string(user), it->second.role};
  erase_cached_locked(key);  // expired
  return std::nullopt;
}

std::optional<principal> users_store::authenticate_cached(std::string_view user, std::string_view password) {
  if (!caching() || !is_valid_user_name(user) || password.size() > max_password_size) return std::nullopt;
  const auto key = credential_key(user, password);
  return key ? cached_principal(*key, user) : std::nullopt;
}

std::optional<principal> users_store::authenticate(std::string_view user, std::string_view password) {
  // Malformed input is refused before any lookup: the rules are public, so the fast answer tells
  // nothing about which names exist.
  if (!is_valid_user_name(user) || password.size() > max_password_size) return std::nullopt;
  const auto key = caching() ? credential_key(user, password) : std::nullopt;
  if (key) {
    if (auto who = cached_principal(*key, user)) return who;
  }

  std::optional<user_record> record;
  {
    std::shared_lock lock(users_mutex_);
    if (const auto it = users_.find(user); it != users_.end()) record = it->second;
  }
  if (!record) {
    verify(dummy_verifier_, password);  // the same cost as a known name; the answer is no regardless
    return std::nullopt;
  }
  // The derivation runs without any lock: changes and other logins proceed meanwhile.
  if (!verify(record->verifier, password)) return std::nullopt;

  if (key) {
    std::shared_lock lock(users_mutex_);
    const auto it = users_.find(user);
    // Only if the user is unchanged since the copy: otherwise the entry could outlive a change.
    if (it != users_.end() && it->second.version == record->version) {
      std::lock_guard cache_lock(cache_mutex_);
      erase_cached_locked(*key);
      while (cache_.size() >= options_.cache_capacity && !cache_order_.empty()) erase_cached_locked(cache_order_.front());
      cache_order_.push_back(*key);
      cache_.emplace(*key, cache_entry{std::string(user), record->role, now() + options_.cache_ttl,
                                       std::prev(cache_order_.end())});
    }
  }
  return principal{std::string(user), record->role};
}

std::vector<user_info> users_store::list() const {
  std::shared_lock lock(users_mutex_);
  std::vector<user_info> out;
  out.reserve(users_.size());
  for (const auto& [name, record] : users_) out.push_back({name, record.role});
  return out;
}

api_result<void> users_store::add_user(std::string_view name, role r, std::string_view password) {
  BOOST_OUTCOME_TRY(check_new_user(name, r));
  BOOST_OUTCOME_TRY(check_password(password));
  const auto exists = [&] { return make_error(errc::user_exists, fmt::format("user {} already exists", quote(name))); };
  {
    std::shared_lock lock(users_mutex_);  // refuse before paying for the derivation
    if (users_.contains(name)) return exists();
  }
  BOOST_OUTCOME_TRY(auto verifier, make_verifier(password));
  std::unique_lock lock(users_mutex_);
  if (users_.contains(name)) return exists();
  auto next = users_;
  next.emplace(std::string(name), user_record{r, std::move(verifier), next_version_});
  BOOST_OUTCOME_TRY(persist(next));
  ++next_version_;
  users_ = std::move(next);
  std::lock_guard cache_lock(cache_mutex_);
  drop_cached_locked(name);
  return boost::outcome_v2::success();
}

// With users_mutex_ held exclusively: applies `change` to a copy of `name`'s record, persists the
// copy, and only then makes it current and drops the user's cached credentials.
template <class Change>
api_result<void> users_store::change_user_locked(std::string_view name, Change&& change) {
  if (!users_.contains(name)) return no_such_user(name);
  auto next = users_;
  auto& record = next.find(name)->second;
  change(record);
  record.version = next_version_;
  BOOST_OUTCOME_TRY(persist(next));
  ++next_version_;
  users_ = std::move(next);
  std::lock_guard cache_lock(cache_mutex_);
  drop_cached_locked(name);
  return boost::outcome_v2::success();
}

api_result<void> users_store::set_password(std::string_view name, std::string_view password) {
  BOOST_OUTCOME_TRY(check_password(password));
  {
    std::shared_lock lock(users_mutex_);
    if (!users_.contains(name)) return no_such_user(name);
  }
  BOOST_OUTCOME_TRY(auto verifier, make_verifier(password));
  std::unique_lock lock(users_mutex_);
  return change_user_locked(name, [&](user_record& record) { record.verifier = std::move(verifier); });
}

api_result<void> users_store::set_role(std::string_view name, role r) {
  if (!parse_role(to_string(r))) return make_error(errc::invalid_schema, "role must be one of the roles of the API");
  std::unique_lock lock(users_mutex_);
  return change_user_locked(name, [&](user_record& record) { record.role = r; });
}

api_result<void> users_store::remove_user(std::string_view name) {
  std::unique_lock lock(users_mutex_);
  if (!users_.contains(name)) return no_such_user(name);
  auto next = users_;
  next.erase(next.find(name));
  BOOST_OUTCOME_TRY(persist(next));
  users_ = std::move(next);
  std::lock_guard cache_lock(cache_mutex_);
  drop_cached_locked(name);
  return boost::outcome_v2::success();
}

api_result<std::optional<std::string>> users_store::ensure_admin(std::optional<std::string> password) {
  constexpr std::string_view admin_name = "admin";
  {
    std::shared_lock lock(users_mutex_);
    if (!users_.empty()) return std::optional<std::string>{};
  }
  std::optional<std::string> generated;
  if (!password) {
    std::array<unsigned char, generated_password_bytes> bytes{};
    if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
      return make_error(errc::internal_error, "users store: the random generator failed");
    }
    generated = base64_encode(bytes.data(), bytes.size(), true);
    OPENSSL_cleanse(bytes.data(), bytes.size());
  }
  const std::string_view chosen = password ? std::string_view(*password) : std::string_view(*generated);
  BOOST_OUTCOME_TRY(check_password(chosen));
  BOOST_OUTCOME_TRY(auto verifier, make_verifier(chosen));
  if (password) OPENSSL_cleanse(password->data(), password->size());  // our copy; the caller's is its own

  std::unique_lock lock(users_mutex_);
  if (!users_.empty()) return std::optional<std::string>{};  // another caller got there first
  auto next = users_;
  next.emplace(std::string(admin_name), user_record{role::admin, std::move(verifier), next_version_});
  BOOST_OUTCOME_TRY(persist(next));
  ++next_version_;
  users_ = std::move(next);
  return generated;
}

}  // namespace ocsp
