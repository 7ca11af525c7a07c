#include "shared/crypto/aes_gcm.hpp"
#include "shared/crypto/credential_envelope.hpp"
#include "shared/crypto/key_ring.hpp"
#include "shared/crypto/legacy_envelope.hpp"
#include "tests/unit/shared/crypto/crypto_test_support.hpp"

#include <boost/test/unit_test.hpp>

#include <string>
#include <vector>

namespace crypto = shared::crypto;

namespace {

const std::string k_clinic = "0b5c2a1e-7d3f-4c8e-9a41-2f6d8e0c1b3a";
const std::string k_user = "c3a8e2f1-5b7d-4e9a-8f1c-6d2b0a4e9c7f";
const crypto::CredentialBinding k_password{
    .clinic_id = k_clinic, .user_id = k_user, .field = "password"};

std::span<const std::byte> bytes_of(std::string_view text)
{
  return std::as_bytes(std::span<const char>(text.data(), text.size()));
}

// The previous product's layout, IV ‖ tag ‖ ciphertext, built from Botan's GCM (through the seal
// our envelope uses) and the key ring's legacy derivation. Tests only: the library never writes it.
std::vector<std::byte> legacy_blob(crypto::KeyRing& ring, std::string_view key_id,
                                   std::string_view plaintext)
{
  const auto iv = crypto::detail::random_bytes(crypto::detail::k_gcm_nonce_size);
  const auto sealed = crypto::detail::aes256_gcm_seal(ring.legacy_key(key_id).reveal(), iv, {},
                                                      bytes_of(plaintext));
  const auto tag_start = sealed.end() - static_cast<std::ptrdiff_t>(crypto::detail::k_gcm_tag_size);
  std::vector<std::byte> blob(iv.begin(), iv.end());
  blob.insert(blob.end(), tag_start, sealed.end());
  blob.insert(blob.end(), sealed.begin(), tag_start);
  return blob;
}

struct LegacyKeysFixture
{
  tests::TempKeyDirectory keys;
  crypto::KeyRing ring{[this] {
    keys.write("current", tests::test_secret("current"));
    keys.write("default", "legacy-product-secret\n"); // old secrets may be shorter than 32 bytes
    return crypto::KeyRingConfig{
        .directory = keys.path(), .current_key_id = "current", .pbkdf2_iterations = 1000};
  }()};
};

} // namespace

BOOST_FIXTURE_TEST_SUITE(crypto_legacy_envelope, LegacyKeysFixture)

BOOST_AUTO_TEST_CASE(reads_a_value_the_previous_product_wrote)
{
  // Made with Node's crypto, as the previous product did: pbkdf2Sync('legacy-product-secret',
  // 'default', 100000, 32, 'sha256'), aes-256-gcm, IV 000102030405060708090a0b, 'hunter2-password'.
  const auto blob = crypto::bytes_from_bytea_text("\\x000102030405060708090a0b76581d6ed08ca90144fa1"
                                                  "5a2a64551b51dee12d71160f439dc716fcce827af5a");
  BOOST_TEST(crypto::decrypt(ring, k_password, blob, "default").reveal() == "hunter2-password");
}

BOOST_AUTO_TEST_CASE(round_trips_a_legacy_blob_built_with_the_legacy_derivation)
{
  const auto blob = legacy_blob(ring, "default", "vet@clinic.example");
  BOOST_TEST(crypto::decrypt(ring, k_password, blob, "default").reveal() == "vet@clinic.example");
  BOOST_TEST(crypto::open_legacy_envelope(ring, "default", blob, "password").reveal() ==
             "vet@clinic.example");
}

BOOST_AUTO_TEST_CASE(reads_the_bare_column_value_v1_as_a_legacy_key_id)
{
  keys.write("v1", "another-legacy-secret");
  const auto blob = legacy_blob(ring, "v1", "hunter2");
  BOOST_TEST(crypto::decrypt(ring, k_password, blob, "v1").reveal() == "hunter2");
}

BOOST_AUTO_TEST_CASE(ignores_the_binding_because_the_legacy_format_has_no_associated_data)
{
  const auto blob = legacy_blob(ring, "default", "hunter2");
  const crypto::CredentialBinding username{
      .clinic_id = k_clinic, .user_id = k_user, .field = "username"};
  BOOST_TEST(crypto::decrypt(ring, username, blob, "default").reveal() == "hunter2");
}

BOOST_AUTO_TEST_CASE(rejects_a_legacy_blob_under_a_v1_column)
{
  const auto blob = legacy_blob(ring, "default", "hunter2");
  BOOST_CHECK_THROW((void)crypto::decrypt(ring, k_password, blob, "v1:default"),
                    crypto::DecryptionFailed);
}

BOOST_AUTO_TEST_CASE(rejects_a_tampered_legacy_blob)
{
  auto blob = legacy_blob(ring, "default", "hunter2");
  blob.back() ^= std::byte{0x01};
  BOOST_CHECK_THROW((void)crypto::decrypt(ring, k_password, blob, "default"),
                    crypto::DecryptionFailed);
  auto bad_tag = legacy_blob(ring, "default", "hunter2");
  bad_tag[12] ^= std::byte{0x01};
  BOOST_CHECK_THROW((void)crypto::decrypt(ring, k_password, bad_tag, "default"),
                    crypto::DecryptionFailed);
}

BOOST_AUTO_TEST_CASE(never_falls_back_to_another_key_file)
{
  keys.write("other", "legacy-product-secret-two");
  const auto blob = legacy_blob(ring, "default", "hunter2");
  BOOST_CHECK_THROW((void)crypto::decrypt(ring, k_password, blob, "other"),
                    crypto::DecryptionFailed);
  BOOST_CHECK_THROW((void)crypto::decrypt(ring, k_password, blob, "missing"), shared::ConfigError);
}

BOOST_AUTO_TEST_CASE(rejects_a_blob_too_short_to_hold_a_value)
{
  const std::vector<std::byte> iv_and_tag_only(28, std::byte{0x42});
  BOOST_CHECK_THROW((void)crypto::decrypt(ring, k_password, iv_and_tag_only, "default"),
                    crypto::DecryptionFailed);
}

BOOST_AUTO_TEST_SUITE_END()
