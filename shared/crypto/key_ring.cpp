#include "shared/crypto/key_ring.hpp"

#include "shared/config/config_file.hpp"
#include "shared/core/errors.hpp"
#include "shared/core/secret.hpp"

#include <botan/pwdhash.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>

namespace shared::crypto {
namespace {

constexpr std::string_view k_v1_salt_prefix = "idexx-sync/v1/";
constexpr std::size_t k_max_key_id_size = 32;

std::string describe_invalid_key_id(std::string_view key_id)
{
  return "invalid credential key id '" + std::string(key_id) + "': expected [a-z0-9-]{1,32}";
}

std::unique_ptr<DerivedKey> pbkdf2_sha256(const Secret& secret, std::string_view salt,
                                          int iterations)
{
  const auto family = Botan::PasswordHashFamily::create_or_throw("PBKDF2(SHA-256)");
  const auto hash = family->from_iterations(static_cast<std::size_t>(iterations));
  std::array<std::byte, k_derived_key_size> out{};
  hash->derive_key(reinterpret_cast<std::uint8_t*>(out.data()), out.size(), secret.reveal().data(),
                   secret.reveal().size(), reinterpret_cast<const std::uint8_t*>(salt.data()),
                   salt.size());
  auto key = std::make_unique<DerivedKey>(std::span<const std::byte, k_derived_key_size>(out));
  volatile std::byte* scrub = out.data();
  for (std::size_t i = 0; i < out.size(); ++i) {
    scrub[i] = std::byte{0};
  }
  return key;
}

// One cached key. Its own mutex lets threads that need different keys derive them in parallel,
// while threads that need the same key wait for the one derivation instead of repeating it.
struct Slot
{
  std::mutex mutex;
  std::unique_ptr<DerivedKey> key;
};

using SlotMap = std::map<std::string, std::unique_ptr<Slot>, std::less<>>;

} // namespace

bool is_valid_key_id(std::string_view key_id)
{
  if (key_id.empty() || key_id.size() > k_max_key_id_size) {
    return false;
  }
  for (const char c : key_id) {
    const bool allowed = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
    if (!allowed) {
      return false;
    }
  }
  return true;
}

KeyRingConfig load_key_ring_config(const shared::config::ConfigFile& file)
{
  KeyRingConfig config;
  config.directory = file.text("credential_keys.directory");
  config.current_key_id = file.text("credential_keys.current_key_id");
  // The schema bounds the value to 1..10,000,000, so it fits an int.
  config.pbkdf2_iterations = static_cast<int>(file.integer("credential_keys.pbkdf2_iterations"));
  if (!is_valid_key_id(config.current_key_id)) {
    throw ConfigError("credential_keys.current_key_id: " +
                      describe_invalid_key_id(config.current_key_id));
  }
  return config;
}

DerivedKey::DerivedKey(std::span<const std::byte, k_derived_key_size> bytes)
{
  std::copy(bytes.begin(), bytes.end(), m_bytes.begin());
}

DerivedKey::~DerivedKey()
{
  volatile std::byte* scrub = m_bytes.data();
  for (std::size_t i = 0; i < m_bytes.size(); ++i) {
    scrub[i] = std::byte{0};
  }
}

struct KeyRing::Impl
{
  KeyRingConfig config;
  std::mutex maps_mutex;
  SlotMap v1_keys;
  SlotMap legacy_keys;
  std::atomic<std::size_t> derivations{0};

  [[nodiscard]] std::filesystem::path key_file(std::string_view key_id) const
  {
    if (!is_valid_key_id(key_id)) {
      throw ConfigError(describe_invalid_key_id(key_id));
    }
    auto file = config.directory / std::string(key_id);
    std::error_code ignored;
    if (!std::filesystem::is_regular_file(file, ignored)) {
      throw ConfigError("credential key '" + std::string(key_id) + "' not found in " +
                        config.directory.string());
    }
    return file;
  }

  [[nodiscard]] Secret read_secret(std::string_view key_id, std::size_t min_size) const
  {
    const auto file = key_file(key_id);
    auto secret =
        shared::config::read_secret_file(file, "credential key '" + std::string(key_id) + "'");
    if (secret.size() < min_size) {
      throw ConfigError("credential key file " + file.string() + " holds " +
                        std::to_string(secret.size()) + " bytes; a key needs at least " +
                        std::to_string(min_size));
    }
    return secret;
  }

  const DerivedKey& cached(SlotMap& slots, std::string_view key_id,
                           const std::function<std::unique_ptr<DerivedKey>()>& derive)
  {
    if (!is_valid_key_id(key_id)) {
      throw ConfigError(describe_invalid_key_id(key_id));
    }
    Slot* slot = nullptr;
    {
      const std::lock_guard lock(maps_mutex);
      auto found = slots.find(key_id);
      if (found == slots.end()) {
        found = slots.emplace(std::string(key_id), std::make_unique<Slot>()).first;
      }
      slot = found->second.get();
    }
    const std::lock_guard lock(slot->mutex);
    if (!slot->key) {
      // A failure (missing file) leaves the slot empty, so a key file added later is still found.
      slot->key = derive();
      ++derivations;
    }
    return *slot->key;
  }
};

KeyRing::KeyRing(KeyRingConfig config) : m_impl(std::make_unique<Impl>())
{
  m_impl->config = std::move(config);
  if (m_impl->config.pbkdf2_iterations < 1) {
    throw ConfigError("credential_keys.pbkdf2_iterations: expected at least 1, got " +
                      std::to_string(m_impl->config.pbkdf2_iterations));
  }
  if (!is_valid_key_id(m_impl->config.current_key_id)) {
    throw ConfigError("credential_keys.current_key_id: " +
                      describe_invalid_key_id(m_impl->config.current_key_id));
  }
  (void)m_impl->read_secret(m_impl->config.current_key_id, k_min_new_secret_size);
}

KeyRing::~KeyRing() = default;

const std::string& KeyRing::current_key_id() const { return m_impl->config.current_key_id; }

const DerivedKey& KeyRing::v1_key(std::string_view key_id)
{
  return m_impl->cached(m_impl->v1_keys, key_id, [&] {
    const auto secret = m_impl->read_secret(key_id, k_min_new_secret_size);
    return pbkdf2_sha256(secret, std::string(k_v1_salt_prefix) + std::string(key_id),
                         m_impl->config.pbkdf2_iterations);
  });
}

const DerivedKey& KeyRing::legacy_key(std::string_view key_id)
{
  return m_impl->cached(m_impl->legacy_keys, key_id, [&] {
    const auto secret = m_impl->read_secret(key_id, 1);
    return pbkdf2_sha256(secret, key_id, k_legacy_pbkdf2_iterations);
  });
}

std::size_t KeyRing::derivation_count() const { return m_impl->derivations.load(); }

} // namespace shared::crypto
