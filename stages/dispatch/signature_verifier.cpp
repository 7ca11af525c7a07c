#include "stages/dispatch/signature_verifier.hpp"

#include "shared/core/errors.hpp"
#include "shared/crypto/hashing.hpp"

#include <nlohmann/json.hpp>

namespace dispatch {

const char* to_string(SignatureVerdict verdict)
{
  switch (verdict) {
  case SignatureVerdict::valid: return "valid";
  case SignatureVerdict::missing: return "missing";
  case SignatureVerdict::malformed: return "malformed";
  case SignatureVerdict::bad_signature: return "bad_signature";
  case SignatureVerdict::wrong_issuer: return "wrong_issuer";
  case SignatureVerdict::expired: return "expired";
  case SignatureVerdict::not_yet_valid: return "not_yet_valid";
  case SignatureVerdict::wrong_subject: return "wrong_subject";
  case SignatureVerdict::body_mismatch: return "body_mismatch";
  }
  return "malformed";
}

namespace {

std::string_view without_padding(std::string_view text)
{
  while (!text.empty() && text.back() == '=') {
    text.remove_suffix(1);
  }
  return text;
}

std::optional<nlohmann::json> decode_json_part(std::string_view part)
{
  try {
    auto parsed = nlohmann::json::parse(shared::crypto::base64url_decode(part), nullptr, false);
    if (parsed.is_object()) {
      return parsed;
    }
  } catch (const shared::DataError&) {
  }
  return std::nullopt;
}

} // namespace

SignatureVerifier::SignatureVerifier(shared::Secret current_key, shared::Secret next_key, std::string expected_url,
                                     std::chrono::seconds tolerance)
    : m_current(std::move(current_key)), m_next(std::move(next_key)), m_url(std::move(expected_url)),
      m_tolerance(tolerance)
{
}

Verification SignatureVerifier::verify(std::optional<std::string_view> token, std::string_view body,
                                       shared::Instant now) const
{
  if (!token || token->empty()) {
    return {.verdict = SignatureVerdict::missing, .next_key = false};
  }
  const auto with_current = verify_with(m_current, *token, body, now);
  if (with_current == SignatureVerdict::valid || with_current == SignatureVerdict::malformed) {
    return {.verdict = with_current, .next_key = false};
  }
  const auto with_next = m_next.reveal().empty() ? SignatureVerdict::bad_signature
                                                 : verify_with(m_next, *token, body, now);
  if (with_next == SignatureVerdict::valid) {
    return {.verdict = with_next, .next_key = true};
  }
  // Report the failure of the key that made the signature, if either did.
  return {.verdict = with_current != SignatureVerdict::bad_signature ? with_current : with_next, .next_key = false};
}

SignatureVerdict SignatureVerifier::verify_with(const shared::Secret& key, std::string_view token,
                                                std::string_view body, shared::Instant now) const
{
  const auto first = token.find('.');
  const auto second = first == std::string_view::npos ? first : token.find('.', first + 1);
  if (second == std::string_view::npos || token.find('.', second + 1) != std::string_view::npos) {
    return SignatureVerdict::malformed;
  }
  const auto header = decode_json_part(token.substr(0, first));
  const auto claims = decode_json_part(token.substr(first + 1, second - first - 1));
  if (!header || !claims || header->value("alg", std::string()) != "HS256") {
    return SignatureVerdict::malformed; // notably alg "none"
  }
  const auto expected = shared::crypto::base64url_encode(
      shared::crypto::hmac_sha256(key.reveal(), token.substr(0, second)));
  if (!shared::crypto::constant_time_equal(expected, without_padding(token.substr(second + 1)))) {
    return SignatureVerdict::bad_signature;
  }
  try {
    return check_claims(*claims, body, now);
  } catch (const nlohmann::json::exception&) {
    return SignatureVerdict::malformed; // a claim of the wrong type
  }
}

SignatureVerdict SignatureVerifier::check_claims(const nlohmann::json& claims_json, std::string_view body,
                                                 shared::Instant now) const
{
  const auto* claims = &claims_json;
  if (claims->value("iss", std::string()) != "Upstash") {
    return SignatureVerdict::wrong_issuer;
  }
  const auto seconds = shared::unix_seconds(now);
  const auto exp = claims->find("exp");
  if (exp == claims->end() || !exp->is_number_integer() || seconds >= exp->get<std::int64_t>() + m_tolerance.count()) {
    return SignatureVerdict::expired;
  }
  const auto nbf = claims->find("nbf");
  if (nbf != claims->end() && (!nbf->is_number_integer() || nbf->get<std::int64_t>() > seconds + m_tolerance.count())) {
    return SignatureVerdict::not_yet_valid;
  }
  if (claims->value("sub", std::string()) != m_url) {
    return SignatureVerdict::wrong_subject;
  }
  const auto body_hash = shared::crypto::base64url_encode(shared::crypto::sha256(body));
  if (without_padding(claims->value("body", std::string())) != without_padding(body_hash)) {
    return SignatureVerdict::body_mismatch;
  }
  return SignatureVerdict::valid;
}

} // namespace dispatch
