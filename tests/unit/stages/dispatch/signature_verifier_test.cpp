#include "stages/dispatch/signature_verifier.hpp"

#include <boost/test/unit_test.hpp>

using namespace dispatch;

namespace {

// The handbook's vector (external-services.md 1.9), made with test keys.
const std::string k_body = R"({"callId":"3f0c6a2e-0000-4000-8000-000000000001","version":1})";
const std::string k_url = "https://hooks.example.test/qstash/execute-call";
const std::string k_token =
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJVcHN0YXNoIiwic3ViIjoiaHR0cHM6Ly9ob29rcy5leGFtcGxlLnRlc3QvcXN0YXNo"
    "L2V4ZWN1dGUtY2FsbCIsImV4cCI6MTc2NzIyNTkwMCwibmJmIjowLCJpYXQiOjE3NjcyMjU2MDAsImp0aSI6Imp3dF90ZXN0MDAwMSIsImJvZHki"
    "OiJHM1lhdEh1NEVCWXVFamEwaVBva002ZWpvaGJ6WDA0YlBreUNYUmtHYWZVPSJ9.izLJfg2905-_YU3ntovQissK2o5xgPctRi7wxH0nfv8";
const shared::Instant k_now{std::chrono::seconds{1767225700}};

SignatureVerifier verifier(const char* current, const char* next, const std::string& url = k_url)
{
  return SignatureVerifier(shared::Secret(current), shared::Secret(next), url, std::chrono::seconds{30});
}

std::string with_next_key_signature()
{
  return k_token.substr(0, k_token.rfind('.')) + ".I3IY0YXZn12mB5P3bcKRB7hSHtGYR_MqqpGKagHp-Hk";
}

} // namespace

BOOST_AUTO_TEST_SUITE(dispatch_signature_verifier)

BOOST_AUTO_TEST_CASE(the_handbook_vector_is_valid_with_the_current_key)
{
  const auto result = verifier("sig_test_current", "sig_test_next").verify(k_token, k_body, k_now);
  BOOST_TEST(to_string(result.verdict) == "valid");
  BOOST_TEST(!result.next_key);
}

BOOST_AUTO_TEST_CASE(a_token_made_with_the_next_key_is_accepted_after_the_current_key_fails)
{
  const auto result = verifier("sig_wrong", "sig_test_current").verify(k_token, k_body, k_now);
  BOOST_TEST(to_string(result.verdict) == "valid");
  BOOST_TEST(result.next_key);
  const auto rotated = verifier("sig_test_current", "sig_test_next").verify(with_next_key_signature(), k_body, k_now);
  BOOST_TEST(to_string(rotated.verdict) == "valid");
  BOOST_TEST(rotated.next_key);
}

BOOST_AUTO_TEST_CASE(a_forged_signature_is_refused)
{
  BOOST_TEST(to_string(verifier("sig_other", "sig_other_next").verify(k_token, k_body, k_now).verdict) ==
             "bad_signature");
  auto forged = k_token;
  forged.back() = forged.back() == 'v' ? 'w' : 'v';
  BOOST_TEST(to_string(verifier("sig_test_current", "sig_test_next").verify(forged, k_body, k_now).verdict) ==
             "bad_signature");
}

BOOST_AUTO_TEST_CASE(an_expired_token_is_refused)
{
  const shared::Instant later{std::chrono::seconds{1767226000}}; // exp 1767225900 + 30 s tolerance is past
  BOOST_TEST(to_string(verifier("sig_test_current", "sig_test_next").verify(k_token, k_body, later).verdict) ==
             "expired");
}

BOOST_AUTO_TEST_CASE(a_changed_body_or_url_is_refused)
{
  const auto v = verifier("sig_test_current", "sig_test_next");
  BOOST_TEST(to_string(v.verify(k_token, k_body + " ", k_now).verdict) == "body_mismatch");
  BOOST_TEST(to_string(verifier("sig_test_current", "sig_test_next", k_url + "/").verify(k_token, k_body, k_now).verdict) ==
             "wrong_subject");
}

BOOST_AUTO_TEST_CASE(a_missing_or_malformed_token_is_refused)
{
  const auto v = verifier("sig_test_current", "sig_test_next");
  BOOST_TEST(to_string(v.verify(std::nullopt, k_body, k_now).verdict) == "missing");
  BOOST_TEST(to_string(v.verify("a.b", k_body, k_now).verdict) == "malformed");
  // alg "none" with an empty signature
  const std::string none = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0." + k_token.substr(k_token.find('.') + 1,
                                                                                 k_token.rfind('.') - k_token.find('.') - 1) + ".";
  BOOST_TEST(to_string(v.verify(none, k_body, k_now).verdict) == "malformed");
}

BOOST_AUTO_TEST_SUITE_END()
