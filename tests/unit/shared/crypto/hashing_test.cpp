#include "shared/core/errors.hpp"
#include "shared/crypto/hashing.hpp"
#include "tests/unit/shared/crypto/crypto_test_support.hpp"

#include <boost/test/unit_test.hpp>

#include <set>
#include <string>

namespace crypto = shared::crypto;

BOOST_AUTO_TEST_SUITE(crypto_hashing)

BOOST_AUTO_TEST_CASE(hashes_abc_to_the_fips_180_sha256_vector)
{
  BOOST_TEST(crypto::sha256_hex("abc") ==
             "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  BOOST_TEST(crypto::sha256_hex("") ==
             "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

BOOST_AUTO_TEST_CASE(computes_hmac_sha256_as_rfc_4231_test_case_2)
{
  BOOST_TEST(tests::hex_of(crypto::hmac_sha256("Jefe", "what do ya want for nothing?")) ==
             "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

BOOST_AUTO_TEST_CASE(encodes_base64url_without_padding)
{
  BOOST_TEST(crypto::base64url_encode("") == "");
  BOOST_TEST(crypto::base64url_encode("f") == "Zg");
  BOOST_TEST(crypto::base64url_encode("fo") == "Zm8");
  BOOST_TEST(crypto::base64url_encode("foo") == "Zm9v");
  BOOST_TEST(crypto::base64url_encode("foob") == "Zm9vYg");
  BOOST_TEST(crypto::base64url_encode(std::string("\xfb\xff", 2)) == "-_8");
}

BOOST_AUTO_TEST_CASE(round_trips_every_byte_value_through_base64url)
{
  std::string all;
  for (int i = 0; i < 256; ++i) {
    all.push_back(static_cast<char>(i));
  }
  for (std::size_t length = 0; length <= all.size(); length += 37) {
    const auto bytes = all.substr(0, length);
    BOOST_TEST(crypto::base64url_decode(crypto::base64url_encode(bytes)) == bytes);
  }
  BOOST_TEST(crypto::base64url_decode(crypto::base64url_encode(all)) == all);
}

BOOST_AUTO_TEST_CASE(decodes_padded_base64url_and_rejects_what_is_not_base64url)
{
  BOOST_TEST(crypto::base64url_decode("Zg==") == "f");
  BOOST_TEST(crypto::base64url_decode("Zm8") == "fo");
  BOOST_CHECK_THROW((void)crypto::base64url_decode("Zm9v+g"),
                    shared::DataError); // standard alphabet
  BOOST_CHECK_THROW((void)crypto::base64url_decode("Zm9vY"),
                    shared::DataError);                                       // impossible length
  BOOST_CHECK_THROW((void)crypto::base64url_decode("Zh"), shared::DataError); // unused bits set
}

BOOST_AUTO_TEST_CASE(reproduces_the_qstash_signature_test_vector)
{
  // external-services.md §1.9: the body claim and the signature of the documented test token.
  const std::string signing_input = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9."
                                    "eyJpc3MiOiJVcHN0YXNoIiwic3ViIjoiaHR0cHM6Ly9ob29rcy5leGFtcGxlLn"
                                    "Rlc3QvcXN0YXNoL2V4ZWN1dGUtY2FsbCIsImV4cCI6"
                                    "MTc2NzIyNTkwMCwibmJmIjowLCJpYXQiOjE3NjcyMjU2MDAsImp0aSI6Imp3dF"
                                    "90ZXN0MDAwMSIsImJvZHkiOiJHM1lhdEh1NEVCWXVF"
                                    "amEwaVBva002ZWpvaGJ6WDA0YlBreUNYUmtHYWZVPSJ9";
  BOOST_TEST(crypto::base64url_encode(crypto::hmac_sha256("sig_test_current", signing_input)) ==
             "izLJfg2905-_YU3ntovQissK2o5xgPctRi7wxH0nfv8");
  BOOST_TEST(crypto::base64url_encode(crypto::hmac_sha256("sig_test_next", signing_input)) ==
             "I3IY0YXZn12mB5P3bcKRB7hSHtGYR_MqqpGKagHp-Hk");
  const auto claims = crypto::base64url_decode(signing_input.substr(signing_input.find('.') + 1));
  BOOST_TEST(claims.find(R"("body":"G3YatHu4EBYuEja0iPokM6ejohbzX04bPkyCXRkGafU=")") !=
             std::string::npos);
}

BOOST_AUTO_TEST_CASE(compares_strings_for_equality_in_constant_time)
{
  BOOST_TEST(crypto::constant_time_equal("signature", "signature"));
  BOOST_TEST(crypto::constant_time_equal("", ""));
  BOOST_TEST(!crypto::constant_time_equal("signature", "signaturE"));
  BOOST_TEST(!crypto::constant_time_equal("signature", "signatur"));
}

BOOST_AUTO_TEST_CASE(makes_the_standard_uuid5_of_python_org_in_the_dns_namespace)
{
  BOOST_TEST(crypto::uuid5("6ba7b810-9dad-11d1-80b4-00c04fd430c8", "python.org") ==
             "886313e1-3b8a-5372-9b90-0c9aee199e5d");
  BOOST_TEST(crypto::uuid5("6BA7B810-9DAD-11D1-80B4-00C04FD430C8", "python.org") ==
             "886313e1-3b8a-5372-9b90-0c9aee199e5d");
  BOOST_CHECK_THROW((void)crypto::uuid5("6ba7b810-9dad-11d1-80b4-00c04fd430c", "x"),
                    shared::InvariantError);
  BOOST_CHECK_THROW((void)crypto::uuid5("6ba7b810x9dad-11d1-80b4-00c04fd430c8", "x"),
                    shared::InvariantError);
}

BOOST_AUTO_TEST_CASE(makes_distinct_version_4_uuids)
{
  std::set<std::string> seen;
  for (int i = 0; i < 50; ++i) {
    const auto uuid = crypto::random_uuid_v4();
    BOOST_REQUIRE_EQUAL(uuid.size(), 36U);
    BOOST_TEST(uuid[8] == '-');
    BOOST_TEST(uuid[14] == '4');
    BOOST_TEST(std::string("89ab").find(uuid[19]) != std::string::npos);
    seen.insert(uuid);
  }
  BOOST_TEST(seen.size() == 50U);
}

BOOST_AUTO_TEST_SUITE_END()
