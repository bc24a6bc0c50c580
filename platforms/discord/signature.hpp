#pragma once

/// Verification of Discord's request signatures on the HTTP interactions
/// endpoint: Discord signs `X-Signature-Timestamp` + body with the
/// application's Ed25519 key and sends the signature, hex-encoded, in
/// `X-Signature-Ed25519`; the application's public key is shown, also in hex,
/// on its developer page.

#include <cstdint>
#include <string_view>

namespace lastgram::discord {

/// The headers Discord signs a request with.
inline constexpr std::string_view signature_header = "X-Signature-Ed25519";
inline constexpr std::string_view timestamp_header = "X-Signature-Timestamp";

/// Why a request was refused (or `ok`).
enum class signature_check : std::uint8_t {
  ok,
  /// The signature or public key is not hex of the right length.
  malformed,
  /// Well-formed, but not a signature of this message by this key.
  mismatch,
  /// The timestamp is not a number, or older (or further ahead) than allowed.
  stale,
};

/// The stable snake_case name of `x`.
const char* to_string(signature_check x);

/// Whether `signature_hex` (128 hex digits) is an Ed25519 signature of
/// `timestamp` followed by `body` under `public_key_hex` (64 hex digits).
bool verify_signature(std::string_view public_key_hex, std::string_view signature_hex,
                      std::string_view timestamp, std::string_view body);

/// The whole check of one request: the signature first (a forged request
/// learns nothing about our clock), then, when `max_age_seconds` > 0, that
/// `timestamp` (Unix seconds) is within `max_age_seconds` of `now_unix` in
/// either direction, so that a recorded request cannot be replayed later.
signature_check check_request(std::string_view public_key_hex, std::string_view signature_hex,
                              std::string_view timestamp, std::string_view body,
                              std::int64_t max_age_seconds, std::int64_t now_unix);

} // namespace lastgram::discord
