#include "shared/core/errors.hpp"
#include "shared/crypto/aes_gcm.hpp"
#include "tests/unit/shared/crypto/crypto_test_support.hpp"

#include <boost/test/unit_test.hpp>

#include <string>
#include <vector>

namespace detail = shared::crypto::detail;

namespace {

// AES-256, 96-bit IV: test cases 13 to 16 of McGrew and Viega, "The Galois/Counter Mode of
// Operation (GCM)", appendix B, which NIST's GCM validation also uses.
struct GcmVector
{
  std::string_view name;
  std::string_view key;
  std::string_view iv;
  std::string_view associated_data;
  std::string_view plaintext;
  std::string_view ciphertext;
  std::string_view tag;
};

constexpr std::string_view k_zero_key =
    "0000000000000000000000000000000000000000000000000000000000000000";
constexpr std::string_view k_key =
    "feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308";
constexpr std::string_view k_iv = "cafebabefacedbaddecaf888";

const std::vector<GcmVector> k_vectors{
    {"test case 13", k_zero_key, "000000000000000000000000", "", "", "",
     "530f8afbc74536b9a963b4f1c4cb738b"},
    {"test case 14", k_zero_key, "000000000000000000000000", "", "00000000000000000000000000000000",
     "cea7403d4d606b6e074ec5d3baf39d18", "d0d1c8a799996bf0265b98b5d48ab919"},
    {"test case 15", k_key, k_iv, "",
     "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
     "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255",
     "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
     "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662898015ad",
     "b094dac5d93471bdec1a502270e3cc6c"},
    {"test case 16", k_key, k_iv, "feedfacedeadbeeffeedfacedeadbeefabaddad2",
     "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
     "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39",
     "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
     "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662",
     "76fc6ece0f4e1768cddf8853bb2d551b"},
};

} // namespace

BOOST_AUTO_TEST_SUITE(crypto_aes_gcm)

BOOST_AUTO_TEST_CASE(seals_the_published_aes_256_gcm_test_vectors)
{
  for (const auto& vector : k_vectors) {
    BOOST_TEST_CONTEXT(vector.name)
    {
      const auto sealed = detail::aes256_gcm_seal(
          tests::from_hex(vector.key), tests::from_hex(vector.iv),
          tests::from_hex(vector.associated_data), tests::from_hex(vector.plaintext));
      BOOST_TEST(tests::hex_of(sealed) == std::string(vector.ciphertext) + std::string(vector.tag));
    }
  }
}

BOOST_AUTO_TEST_CASE(opens_the_published_aes_256_gcm_test_vectors)
{
  for (const auto& vector : k_vectors) {
    BOOST_TEST_CONTEXT(vector.name)
    {
      shared::Secret plaintext{"untouched"};
      const auto opened = detail::aes256_gcm_open(
          tests::from_hex(vector.key), tests::from_hex(vector.iv),
          tests::from_hex(vector.associated_data),
          tests::from_hex(std::string(vector.ciphertext) + std::string(vector.tag)), plaintext);
      BOOST_TEST(opened);
      BOOST_TEST(tests::hex_of(plaintext.reveal()) == vector.plaintext);
    }
  }
}

BOOST_AUTO_TEST_CASE(refuses_a_published_vector_with_a_flipped_bit_or_other_associated_data)
{
  const auto& vector = k_vectors.back();
  auto sealed = tests::from_hex(std::string(vector.ciphertext) + std::string(vector.tag));
  shared::Secret plaintext{"untouched"};

  auto flipped = sealed;
  flipped[3] ^= std::byte{0x01};
  BOOST_TEST(!detail::aes256_gcm_open(tests::from_hex(vector.key), tests::from_hex(vector.iv),
                                      tests::from_hex(vector.associated_data), flipped, plaintext));
  BOOST_TEST(!detail::aes256_gcm_open(tests::from_hex(vector.key), tests::from_hex(vector.iv), {},
                                      sealed, plaintext));
  BOOST_TEST(plaintext.reveal() == "untouched");
}

BOOST_AUTO_TEST_CASE(rejects_keys_and_nonces_of_the_wrong_size)
{
  const std::vector<std::byte> plaintext(4, std::byte{0x41});
  BOOST_CHECK_THROW(detail::aes256_gcm_seal(tests::from_hex(k_key.substr(2)), tests::from_hex(k_iv),
                                            {}, plaintext),
                    shared::InvariantError);
  BOOST_CHECK_THROW(detail::aes256_gcm_seal(tests::from_hex(k_key),
                                            tests::from_hex("cafebabefacedbaddecaf88800"), {},
                                            plaintext),
                    shared::InvariantError);
}

BOOST_AUTO_TEST_CASE(draws_fresh_random_bytes_every_time)
{
  const auto first = detail::random_bytes(detail::k_gcm_nonce_size);
  const auto second = detail::random_bytes(detail::k_gcm_nonce_size);
  BOOST_TEST(first.size() == detail::k_gcm_nonce_size);
  BOOST_TEST(tests::hex_of(first) != tests::hex_of(second));
}

BOOST_AUTO_TEST_SUITE_END()
