#pragma once

#include <array>
#include <cstddef>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <string_view>

namespace shared::config {
class ConfigFile;
} // namespace shared::config

namespace shared::crypto {

inline constexpr std::size_t k_derived_key_size = 32;    // AES-256
inline constexpr std::size_t k_min_new_secret_size = 32; // bytes in a key file used for v1
inline constexpr int k_legacy_pbkdf2_iterations = 100000;

struct KeyRingConfig
{
  // "credential_keys.directory": one file per key id (a mounted Secret).
  std::filesystem::path directory;
  // "credential_keys.current_key_id": the key new values are encrypted with.
  std::string current_key_id;
  // "credential_keys.pbkdf2_iterations": for v1 keys only; legacy keys always use 100,000.
  int pbkdf2_iterations = 600000;
};

// Reads credential_keys.directory, credential_keys.current_key_id and
// credential_keys.pbkdf2_iterations. Throws ConfigError naming the key when one is missing or
// `current_key_id` is not a valid key id.
KeyRingConfig load_key_ring_config(const shared::config::ConfigFile& file);

// True when `key_id` matches [a-z0-9-]{1,32}, the only names a key file may have.
bool is_valid_key_id(std::string_view key_id);

// A derived 256-bit key. Not copyable, no operator<<, wiped on destruction; `reveal()` is
// greppable.
class DerivedKey
{
public:
  explicit DerivedKey(std::span<const std::byte, k_derived_key_size> bytes);
  DerivedKey(const DerivedKey&) = delete;
  DerivedKey& operator=(const DerivedKey&) = delete;
  ~DerivedKey();

  [[nodiscard]] std::span<const std::byte, k_derived_key_size> reveal() const { return m_bytes; }

private:
  std::array<std::byte, k_derived_key_size> m_bytes{};
};

// The credential keys of one process (architecture.md, Decisions 7 and 19). Key files live in
// `config.directory`, named by their key id; a file's content is the secret, minus one trailing
// newline. Each key is derived once per key id and scheme and then served from a cache, so build
// one KeyRing per process and share it: every member function is safe to call from many threads at
// once. Key files added while the process runs (rotation) are found on first use; a missing file is
// looked up again on the next request.
class KeyRing
{
public:
  // Checks that `config.current_key_id` is a valid id whose file exists and holds at least
  // k_min_new_secret_size bytes. Throws ConfigError otherwise (naming the file, never its content).
  // Derives nothing yet.
  explicit KeyRing(KeyRingConfig config);
  KeyRing(const KeyRing&) = delete;
  KeyRing& operator=(const KeyRing&) = delete;
  ~KeyRing();

  [[nodiscard]] const std::string& current_key_id() const;

  // The v1 key of `key_id`: PBKDF2-HMAC-SHA256(secret, salt "idexx-sync/v1/" + key id, the
  // configured iterations, 32 bytes). Throws ConfigError when `key_id` is invalid, its file is
  // missing
  // ("credential key '<id>' not found in <dir>"), unreadable, or shorter than
  // k_min_new_secret_size. The reference stays valid as long as the KeyRing.
  const DerivedKey& v1_key(std::string_view key_id);

  // The previous product's key of `key_id`: PBKDF2-HMAC-SHA256(secret, salt = the key id's UTF-8
  // bytes, 100,000 iterations, 32 bytes). Old secrets came from environment variables of any
  // length, so only an empty file is refused. Throws ConfigError like v1_key.
  const DerivedKey& legacy_key(std::string_view key_id);

  // How many PBKDF2 derivations this KeyRing has run (v1 and legacy together); for tests.
  [[nodiscard]] std::size_t derivation_count() const;

private:
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

} // namespace shared::crypto
