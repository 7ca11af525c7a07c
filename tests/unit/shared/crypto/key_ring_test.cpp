#include "shared/config/config_file.hpp"
#include "shared/core/errors.hpp"
#include "shared/crypto/credential_envelope.hpp"
#include "shared/crypto/key_ring.hpp"
#include "tests/unit/shared/crypto/crypto_test_support.hpp"

#include <boost/test/unit_test.hpp>

#include <span>
#include <string>
#include <thread>
#include <vector>

namespace crypto = shared::crypto;

namespace {

constexpr int k_fast_iterations = 1000;

crypto::KeyRingConfig fast_config(const tests::TempKeyDirectory& keys, std::string current)
{
  return {.directory = keys.path(),
          .current_key_id = std::move(current),
          .pbkdf2_iterations = k_fast_iterations};
}

// Runs `action`, expecting ConfigError, and returns its message.
template <typename Action> std::string config_error_of(Action action)
{
  try {
    action();
  } catch (const shared::ConfigError& error) {
    return error.what();
  }
  BOOST_FAIL("expected ConfigError");
  return {};
}

const std::string k_kat_secret = "0123456789abcdef0123456789abcdef-test-secret";

} // namespace

BOOST_AUTO_TEST_SUITE(crypto_key_ring)

BOOST_AUTO_TEST_CASE(accepts_only_key_ids_of_lower_case_letters_digits_and_dashes_up_to_32)
{
  BOOST_TEST(crypto::is_valid_key_id("default"));
  BOOST_TEST(crypto::is_valid_key_id("key-2026-03"));
  BOOST_TEST(crypto::is_valid_key_id(std::string(32, 'a')));
  BOOST_TEST(!crypto::is_valid_key_id(""));
  BOOST_TEST(!crypto::is_valid_key_id(std::string(33, 'a')));
  BOOST_TEST(!crypto::is_valid_key_id("Default"));
  BOOST_TEST(!crypto::is_valid_key_id("key_1"));
  BOOST_TEST(!crypto::is_valid_key_id("../etc"));
  BOOST_TEST(!crypto::is_valid_key_id("v1:a"));
  BOOST_TEST(!crypto::is_valid_key_id("key 1"));
}

BOOST_AUTO_TEST_CASE(rejects_an_invalid_key_id_before_touching_the_disk)
{
  tests::TempKeyDirectory keys;
  keys.write("a", tests::test_secret("a"));
  crypto::KeyRing ring{fast_config(keys, "a")};

  const auto message = config_error_of([&] { (void)ring.v1_key("../a"); });
  BOOST_TEST(message.find("invalid credential key id") != std::string::npos);
  BOOST_CHECK_THROW((void)ring.legacy_key("DEFAULT"), shared::ConfigError);
  BOOST_CHECK_THROW(crypto::KeyRing(fast_config(keys, "A")), shared::ConfigError);
  BOOST_TEST(ring.derivation_count() == 0U);
}

BOOST_AUTO_TEST_CASE(refuses_to_start_without_the_current_key_file)
{
  tests::TempKeyDirectory keys;
  keys.write("old", tests::test_secret("old"));

  const auto message = config_error_of([&] { crypto::KeyRing ring{fast_config(keys, "new")}; });
  BOOST_TEST(message == "credential key 'new' not found in " + keys.path().string());
}

BOOST_AUTO_TEST_CASE(names_the_missing_key_id_and_directory_when_a_requested_key_file_is_absent)
{
  tests::TempKeyDirectory keys;
  keys.write("a", tests::test_secret("a"));
  crypto::KeyRing ring{fast_config(keys, "a")};

  const auto message = config_error_of([&] { (void)ring.legacy_key("default"); });
  BOOST_TEST(message == "credential key 'default' not found in " + keys.path().string());
}

BOOST_AUTO_TEST_CASE(rejects_a_new_key_file_shorter_than_32_bytes_naming_the_file_not_its_content)
{
  tests::TempKeyDirectory keys;
  const std::string short_secret = "only-31-bytes-of-secret-content"; // 31 bytes
  BOOST_REQUIRE_EQUAL(short_secret.size(), 31U);
  keys.write("short", short_secret + "\n"); // the trailing newline does not count

  const auto message = config_error_of([&] { crypto::KeyRing ring{fast_config(keys, "short")}; });
  BOOST_TEST(message.find((keys.path() / "short").string()) != std::string::npos);
  BOOST_TEST(message.find(short_secret) == std::string::npos);

  keys.write("long", tests::test_secret("long"));
  crypto::KeyRing ring{fast_config(keys, "long")};
  BOOST_CHECK_THROW((void)ring.v1_key("short"), shared::ConfigError);
}

BOOST_AUTO_TEST_CASE(reads_a_key_file_minus_one_trailing_newline)
{
  tests::TempKeyDirectory bare;
  bare.write("k", k_kat_secret);
  tests::TempKeyDirectory with_newline;
  with_newline.write("k", k_kat_secret + "\n");
  tests::TempKeyDirectory with_two_newlines;
  with_two_newlines.write("k", k_kat_secret + "\n\n");
  crypto::KeyRing bare_ring{fast_config(bare, "k")};
  crypto::KeyRing newline_ring{fast_config(with_newline, "k")};
  crypto::KeyRing two_newlines_ring{fast_config(with_two_newlines, "k")};

  BOOST_TEST(tests::hex_of(bare_ring.v1_key("k").reveal()) ==
             tests::hex_of(newline_ring.v1_key("k").reveal()));
  BOOST_TEST(tests::hex_of(bare_ring.v1_key("k").reveal()) !=
             tests::hex_of(two_newlines_ring.v1_key("k").reveal()));
}

BOOST_AUTO_TEST_CASE(derives_the_v1_key_with_pbkdf2_hmac_sha256_and_the_v1_salt)
{
  // Expected value from Python's hashlib.pbkdf2_hmac('sha256', secret, b"idexx-sync/v1/key-2026",
  // 1000, 32).
  tests::TempKeyDirectory keys;
  keys.write("key-2026", k_kat_secret + "\n");
  crypto::KeyRing ring{fast_config(keys, "key-2026")};

  BOOST_TEST(tests::hex_of(ring.v1_key("key-2026").reveal()) ==
             "c30276c955230a273470808c80f38866639ac0caf5e50a590835c5c7e26bccb3");
}

BOOST_AUTO_TEST_CASE(uses_600000_iterations_by_default)
{
  // The one test at the production iteration count (about 0.2 s). Expected value from Python's
  // hashlib.pbkdf2_hmac('sha256', secret, b"idexx-sync/v1/key-2026", 600000, 32).
  tests::TempKeyDirectory keys;
  keys.write("key-2026", k_kat_secret);
  crypto::KeyRingConfig config{.directory = keys.path(), .current_key_id = "key-2026"};
  BOOST_REQUIRE_EQUAL(config.pbkdf2_iterations, 600000);
  crypto::KeyRing ring{config};

  BOOST_TEST(tests::hex_of(ring.v1_key("key-2026").reveal()) ==
             "8e9bd6726e0250d374a471fadb1606ce3796e6e278c2b6d00ba57e7226ffd6f5");
}

BOOST_AUTO_TEST_CASE(derives_each_key_once_however_many_threads_ask_for_it)
{
  tests::TempKeyDirectory keys;
  keys.write("a", tests::test_secret("a"));
  keys.write("b", tests::test_secret("b"));
  crypto::KeyRing ring{fast_config(keys, "a")};
  BOOST_TEST(ring.derivation_count() == 0U);

  constexpr int k_threads = 8;
  std::vector<std::thread> threads;
  std::vector<const crypto::DerivedKey*> seen(k_threads, nullptr);
  for (int i = 0; i < k_threads; ++i) {
    threads.emplace_back([&ring, &seen, i] {
      for (int round = 0; round < 20; ++round) {
        seen[static_cast<std::size_t>(i)] = &ring.v1_key("a");
        (void)ring.v1_key("b");
      }
    });
  }
  for (auto& thread : threads) {
    thread.join();
  }
  BOOST_TEST(ring.derivation_count() == 2U);
  for (const auto* key : seen) {
    BOOST_TEST(key == &ring.v1_key("a"));
  }

  // The legacy key of the same file is a different key, derived once more and then cached.
  (void)ring.legacy_key("a");
  (void)ring.legacy_key("a");
  BOOST_TEST(ring.derivation_count() == 3U);
  BOOST_TEST(tests::hex_of(ring.legacy_key("a").reveal()) !=
             tests::hex_of(ring.v1_key("a").reveal()));
}

BOOST_AUTO_TEST_CASE(finds_a_key_file_added_after_a_failed_lookup)
{
  tests::TempKeyDirectory keys;
  keys.write("a", tests::test_secret("a"));
  crypto::KeyRing ring{fast_config(keys, "a")};

  BOOST_CHECK_THROW((void)ring.v1_key("b"), shared::ConfigError);
  keys.write("b", tests::test_secret("b"));
  BOOST_CHECK_NO_THROW((void)ring.v1_key("b"));
  BOOST_TEST(ring.derivation_count() == 1U);
}

BOOST_AUTO_TEST_CASE(loads_its_config_from_the_credential_keys_section)
{
  const auto file = shared::config::ConfigFile::from_text(
      R"({"credential_keys": {"directory": "/run/keys", "current_key_id": "key-2", "pbkdf2_iterations": 1000}})",
      "test");
  const auto config = crypto::load_key_ring_config(file);
  BOOST_TEST(config.directory == std::filesystem::path("/run/keys"));
  BOOST_TEST(config.current_key_id == "key-2");
  BOOST_TEST(config.pbkdf2_iterations == 1000);

  const auto bad = shared::config::ConfigFile::from_text(
      R"({"credential_keys": {"directory": "/run/keys", "current_key_id": "Key_2"}})", "test");
  BOOST_CHECK_THROW((void)crypto::load_key_ring_config(bad), shared::ConfigError);
}

BOOST_AUTO_TEST_SUITE_END()
