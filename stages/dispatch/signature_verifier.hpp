#pragma once

#include "shared/core/clock.hpp"
#include "shared/core/secret.hpp"

#include <nlohmann/json_fwd.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace dispatch {

enum class SignatureVerdict {
  valid,
  missing,        // no Upstash-Signature header
  malformed,      // not three base64url parts, not JSON, or not HS256
  bad_signature,  // neither key made this HMAC
  wrong_issuer,   // iss is not "Upstash"
  expired,        // exp (+ tolerance) is past
  not_yet_valid,  // nbf (- tolerance) is ahead
  wrong_subject,  // sub is not our configured URL, byte for byte
  body_mismatch,  // the body claim is not the SHA-256 of the bytes received
};

const char* to_string(SignatureVerdict verdict);

struct Verification
{
  SignatureVerdict verdict = SignatureVerdict::missing;
  bool next_key = false; // valid with the next key (QStash rotated its keys)
};

// Verifies QStash's Upstash-Signature JWT (external-services.md 1.9): HS256 with the current key,
// then the next key (any failed check with one key falls through to the other), iss, exp and nbf
// within `tolerance`, sub equal to `expected_url`, and the body claim against the raw bytes. The
// keys are used as the bytes of their text, as QStash does. Thread-safe.
class SignatureVerifier
{
public:
  SignatureVerifier(shared::Secret current_key, shared::Secret next_key, std::string expected_url,
                    std::chrono::seconds tolerance);

  [[nodiscard]] Verification verify(std::optional<std::string_view> token, std::string_view body,
                                    shared::Instant now) const;

private:
  [[nodiscard]] SignatureVerdict verify_with(const shared::Secret& key, std::string_view token,
                                             std::string_view body, shared::Instant now) const;
  [[nodiscard]] SignatureVerdict check_claims(const nlohmann::json& claims, std::string_view body,
                                              shared::Instant now) const;

  shared::Secret m_current;
  shared::Secret m_next;
  std::string m_url;
  std::chrono::seconds m_tolerance;
};

} // namespace dispatch
