#include "shared/core/errors.hpp"
#include "shared/crypto/aes_gcm.hpp"
#include "shared/crypto/credential_envelope.hpp"
#include "shared/crypto/key_ring.hpp"
#include "tests/unit/shared/crypto/crypto_test_support.hpp"

#include <boost/test/unit_test.hpp>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

namespace crypto = shared::crypto;

namespace {

constexpr int k_fast_iterations = 1000;
const std::string k_clinic = "0b5c2a1e-7d3f-4c8e-9a41-2f6d8e0c1b3a";
const std::string k_other_clinic = "7e1d9c44-0a2b-4f6e-8c3d-5b9a1e2f4c6d";
const std::string k_user = "c3a8e2f1-5b7d-4e9a-8f1c-6d2b0a4e9c7f";

crypto::KeyRingConfig fast_config(const tests::TempKeyDirectory& keys, std::string current)
{
  return {.directory = keys.path(),
          .current_key_id = std::move(current),
          .pbkdf2_iterations = k_fast_iterations};
}

crypto::CredentialBinding clinic_field(const std::string& clinic_id, std::string field)
{
  return {.clinic_id = clinic_id, .user_id = k_user, .field = std::move(field)};
}

std::span<const std::byte> bytes_of(std::string_view text)
{
  return std::as_bytes(std::span<const char>(text.data(), text.size()));
}

// Runs `action`, expecting DecryptionFailed, and returns its message.
template <typename Action> std::string decryption_failure_of(Action action)
{
  try {
    action();
  } catch (const crypto::DecryptionFailed& error) {
    return error.what();
  }
  BOOST_FAIL("expected DecryptionFailed");
  return {};
}

struct OneKeyFixture
{
  tests::TempKeyDirectory keys;
  crypto::KeyRing ring{[this] {
    keys.write("a", tests::test_secret("a"));
    return fast_config(keys, "a");
  }()};
  const crypto::CredentialBinding password = clinic_field(k_clinic, "password");
  const std::string column = crypto::encryption_key_id_column("a");
};

} // namespace

BOOST_FIXTURE_TEST_SUITE(crypto_credential_envelope, OneKeyFixture)

BOOST_AUTO_TEST_CASE(binds_a_clinic_row_to_its_clinic_and_a_user_wide_row_to_its_user)
{
  BOOST_TEST(clinic_field(k_clinic, "username").associated_data() ==
             "idexx_credentials|" + k_clinic + "|username");
  const crypto::CredentialBinding user_wide{
      .clinic_id = std::nullopt, .user_id = k_user, .field = "company_id"};
  BOOST_TEST(user_wide.associated_data() == "idexx_credentials|user:" + k_user + "|company_id");
}

BOOST_AUTO_TEST_CASE(refuses_unknown_fields_and_ids_that_are_not_lower_case_uuids)
{
  BOOST_CHECK_THROW((void)clinic_field(k_clinic, "pin").associated_data(), shared::InvariantError);
  BOOST_CHECK_THROW(
      (void)clinic_field("0B5C2A1E-7D3F-4C8E-9A41-2F6D8E0C1B3A", "password").associated_data(),
      shared::InvariantError);
  const crypto::CredentialBinding no_user{
      .clinic_id = std::nullopt, .user_id = "", .field = "password"};
  BOOST_CHECK_THROW((void)no_user.associated_data(), shared::InvariantError);
}

BOOST_AUTO_TEST_CASE(names_v1_rows_by_key_id_in_the_encryption_key_id_column)
{
  BOOST_TEST(crypto::encryption_key_id_column("key-2026") == "v1:key-2026");
}

BOOST_AUTO_TEST_CASE(round_trips_every_field_of_clinic_and_user_wide_rows)
{
  const crypto::CredentialBinding user_wide{
      .clinic_id = std::nullopt, .user_id = k_user, .field = "username"};
  for (const auto& binding :
       {clinic_field(k_clinic, "username"), clinic_field(k_clinic, "password"),
        clinic_field(k_clinic, "company_id"), user_wide}) {
    BOOST_TEST_CONTEXT(binding.associated_data())
    {
      const shared::Secret plaintext{"vet@clinic.example|p\xc3\xa4ssw\xc3\xb6rd"};
      const auto envelope = crypto::encrypt(ring, binding, plaintext);
      BOOST_TEST(crypto::decrypt(ring, binding, envelope, column).reveal() == plaintext.reveal());
    }
  }
}

BOOST_AUTO_TEST_CASE(lays_out_version_key_id_nonce_ciphertext_and_tag)
{
  const shared::Secret plaintext{"hunter2"};
  const auto envelope = crypto::encrypt(ring, password, plaintext);

  BOOST_REQUIRE_EQUAL(envelope.size(), 1U + 1U + 1U + 12U + plaintext.size() + 16U);
  BOOST_TEST(std::to_integer<int>(envelope[0]) == 0x01);
  BOOST_TEST(std::to_integer<int>(envelope[1]) == 1);
  BOOST_TEST(std::to_integer<char>(envelope[2]) == 'a');

  // The inner part is plain AES-256-GCM under the derived key, the nonce and the associated data.
  const auto nonce = std::span(envelope).subspan(3, 12);
  const auto inner = std::span(envelope).subspan(15);
  const auto ad = password.associated_data();
  const auto expected = crypto::detail::aes256_gcm_seal(ring.v1_key("a").reveal(), nonce,
                                                        bytes_of(ad), bytes_of(plaintext.reveal()));
  BOOST_TEST(std::vector<std::byte>(inner.begin(), inner.end()) == expected);
}

BOOST_AUTO_TEST_CASE(uses_a_fresh_nonce_for_every_value)
{
  const shared::Secret plaintext{"same value"};
  const auto first = crypto::encrypt(ring, password, plaintext);
  const auto second = crypto::encrypt(ring, password, plaintext);
  BOOST_TEST(std::vector(first.begin() + 3, first.begin() + 15) !=
             std::vector(second.begin() + 3, second.begin() + 15));
  BOOST_TEST(first != second);
}

BOOST_AUTO_TEST_CASE(refuses_to_encrypt_an_empty_value)
{
  BOOST_CHECK_THROW((void)crypto::encrypt(ring, password, shared::Secret{""}), shared::DataError);
}

BOOST_AUTO_TEST_CASE(rejects_a_tampered_ciphertext)
{
  auto envelope = crypto::encrypt(ring, password, shared::Secret{"hunter2"});
  envelope[15] ^= std::byte{0x01}; // first ciphertext byte
  BOOST_CHECK_THROW((void)crypto::decrypt(ring, password, envelope, column),
                    crypto::DecryptionFailed);
}

BOOST_AUTO_TEST_CASE(rejects_a_tampered_tag)
{
  auto envelope = crypto::encrypt(ring, password, shared::Secret{"hunter2"});
  envelope.back() ^= std::byte{0x80};
  BOOST_CHECK_THROW((void)crypto::decrypt(ring, password, envelope, column),
                    crypto::DecryptionFailed);
}

BOOST_AUTO_TEST_CASE(rejects_a_value_copied_to_another_clinics_row)
{
  const auto envelope = crypto::encrypt(ring, password, shared::Secret{"hunter2"});
  BOOST_CHECK_THROW(
      (void)crypto::decrypt(ring, clinic_field(k_other_clinic, "password"), envelope, column),
      crypto::DecryptionFailed);
  const crypto::CredentialBinding user_wide{
      .clinic_id = std::nullopt, .user_id = k_user, .field = "password"};
  BOOST_CHECK_THROW((void)crypto::decrypt(ring, user_wide, envelope, column),
                    crypto::DecryptionFailed);
}

BOOST_AUTO_TEST_CASE(rejects_a_value_copied_to_another_field)
{
  const auto envelope = crypto::encrypt(ring, password, shared::Secret{"hunter2"});
  BOOST_CHECK_THROW(
      (void)crypto::decrypt(ring, clinic_field(k_clinic, "username"), envelope, column),
      crypto::DecryptionFailed);
}

BOOST_AUTO_TEST_CASE(rejects_a_value_decrypted_with_another_key_file_of_the_same_id)
{
  const auto envelope = crypto::encrypt(ring, password, shared::Secret{"hunter2"});
  tests::TempKeyDirectory other_keys;
  other_keys.write("a", tests::test_secret("not-a"));
  crypto::KeyRing other_ring{fast_config(other_keys, "a")};

  const auto message =
      decryption_failure_of([&] { (void)crypto::decrypt(other_ring, password, envelope, column); });
  BOOST_TEST(message.find("'password'") != std::string::npos);
  BOOST_TEST(message.find("'a'") != std::string::npos);
  BOOST_TEST(message.find("hunter2") == std::string::npos);
  BOOST_TEST(message.find(crypto::to_bytea_hex(envelope).substr(2, 16)) == std::string::npos);
}

BOOST_AUTO_TEST_CASE(rejects_an_envelope_whose_key_id_differs_from_its_column)
{
  keys.write("b", tests::test_secret("b"));
  const auto envelope = crypto::encrypt(ring, password, shared::Secret{"hunter2"});
  const auto message = decryption_failure_of([&] {
    (void)crypto::decrypt(ring, password, envelope, crypto::encryption_key_id_column("b"));
  });
  BOOST_TEST(message.find("another key id") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(rejects_a_v1_envelope_under_a_legacy_column)
{
  // Same file content under "default", so only the format decides.
  keys.write("default", tests::test_secret("a"));
  const auto envelope = crypto::encrypt(ring, password, shared::Secret{"hunter2"});
  BOOST_CHECK_THROW((void)crypto::decrypt(ring, password, envelope, "default"),
                    crypto::DecryptionFailed);
  BOOST_CHECK_THROW((void)crypto::decrypt(ring, password, envelope, "a"), crypto::DecryptionFailed);
}

BOOST_AUTO_TEST_CASE(rejects_truncated_and_foreign_bytes_under_a_v1_column)
{
  const auto envelope = crypto::encrypt(ring, password, shared::Secret{"x"});
  const std::vector<std::byte> without_ciphertext(envelope.begin(), envelope.end() - 17);
  BOOST_CHECK_THROW((void)crypto::decrypt(ring, password, {}, column), crypto::DecryptionFailed);
  BOOST_CHECK_THROW((void)crypto::decrypt(ring, password, without_ciphertext, column),
                    crypto::DecryptionFailed);
  auto not_v1 = envelope;
  not_v1[0] = std::byte{0x02};
  BOOST_CHECK_THROW((void)crypto::decrypt(ring, password, not_v1, column),
                    crypto::DecryptionFailed);
}

BOOST_AUTO_TEST_CASE(keeps_old_rows_readable_after_the_current_key_changes)
{
  const auto old_envelope = crypto::encrypt(ring, password, shared::Secret{"old password"});
  const auto old_column = crypto::encryption_key_id_column(ring.current_key_id());

  // Rotation: a new key file appears and the next process starts with it as current.
  keys.write("b", tests::test_secret("b"));
  crypto::KeyRing rotated{fast_config(keys, "b")};
  BOOST_TEST(crypto::decrypt(rotated, password, old_envelope, old_column).reveal() ==
             "old password");

  const auto new_envelope = crypto::encrypt(rotated, password, shared::Secret{"new password"});
  BOOST_TEST(std::to_integer<char>(new_envelope[2]) == 'b');
  BOOST_TEST(crypto::encryption_key_id_column(rotated.current_key_id()) == "v1:b");

  // The still-running old process finds key b on disk when it meets a re-encrypted row.
  BOOST_TEST(crypto::decrypt(ring, password, new_envelope, "v1:b").reveal() == "new password");
}

BOOST_AUTO_TEST_CASE(derives_the_key_once_across_many_values_and_threads)
{
  const auto envelope = crypto::encrypt(ring, password, shared::Secret{"hunter2"});
  std::vector<std::thread> threads;
  std::atomic<int> correct{0};
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&] {
      for (int round = 0; round < 10; ++round) {
        if (crypto::decrypt(ring, password, envelope, column).reveal() == "hunter2") {
          ++correct;
        }
      }
    });
  }
  for (auto& thread : threads) {
    thread.join();
  }
  BOOST_TEST(correct.load() == 40);
  BOOST_TEST(ring.derivation_count() == 1U);
}

BOOST_AUTO_TEST_CASE(writes_bytea_as_backslash_x_and_lower_case_hex)
{
  const std::vector<std::byte> bytes{std::byte{0x01}, std::byte{0xab}, std::byte{0x00},
                                     std::byte{0xFF}};
  BOOST_TEST(crypto::to_bytea_hex(bytes) == "\\x01ab00ff");
  BOOST_TEST(crypto::to_bytea_hex({}) == "\\x");
}

BOOST_AUTO_TEST_CASE(reads_bytea_as_backslash_x_hex_plain_hex_or_raw_bytes)
{
  const std::vector<std::byte> bytes{std::byte{0x01}, std::byte{0xab}, std::byte{0x00},
                                     std::byte{0xff}};
  BOOST_TEST(crypto::bytes_from_bytea_text("\\x01ab00ff") == bytes);
  BOOST_TEST(crypto::bytes_from_bytea_text("\\x01AB00FF") == bytes);
  BOOST_TEST(crypto::bytes_from_bytea_text("01ab00ff") == bytes);
  const std::string raw("\x01\xab\x00\xff", 4);
  BOOST_TEST(crypto::bytes_from_bytea_text(raw) == bytes);
  BOOST_TEST(crypto::bytes_from_bytea_text("").empty());

  // A raw blob that happens to start with "\x" stays raw.
  const std::string raw_with_prefix("\\x\x01\xab", 4);
  BOOST_TEST(crypto::bytes_from_bytea_text(raw_with_prefix).size() == 4U);
  // Odd-length hex digits cannot be hex, so they are raw.
  BOOST_TEST(crypto::bytes_from_bytea_text("abc").size() == 3U);
}

BOOST_AUTO_TEST_CASE(round_trips_an_envelope_through_each_bytea_text_form)
{
  const auto envelope = crypto::encrypt(ring, password, shared::Secret{"hunter2"});
  const auto hex = crypto::to_bytea_hex(envelope);
  const std::string raw(reinterpret_cast<const char*>(envelope.data()), envelope.size());
  for (const auto& text : {hex, hex.substr(2), raw}) {
    BOOST_TEST(
        crypto::decrypt(ring, password, crypto::bytes_from_bytea_text(text), column).reveal() ==
        "hunter2");
  }
}

BOOST_AUTO_TEST_SUITE_END()
