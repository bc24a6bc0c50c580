#include "platforms/discord/signature.hpp"

#include <openssl/evp.h>

#include <array>
#include <memory>
#include <optional>
#include <string>

namespace lastgram::discord {

namespace {

constexpr std::size_t key_size = 32;
constexpr std::size_t signature_size = 64;

int hex_digit(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

/// The N bytes `hex` spells (2N digits, either case), or nothing.
template <std::size_t N>
std::optional<std::array<unsigned char, N>> from_hex(std::string_view hex) {
  if (hex.size() != 2 * N)
    return std::nullopt;
  std::array<unsigned char, N> out{};
  for (std::size_t i = 0; i < N; ++i) {
    int hi = hex_digit(hex[2 * i]);
    int lo = hex_digit(hex[2 * i + 1]);
    if (hi < 0 || lo < 0)
      return std::nullopt;
    out[i] = static_cast<unsigned char>(hi * 16 + lo);
  }
  return out;
}

struct pkey_free {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct md_ctx_free {
  void operator()(EVP_MD_CTX* p) const { EVP_MD_CTX_free(p); }
};

std::optional<std::int64_t> parse_seconds(std::string_view s) {
  if (s.empty() || s.size() > 18)
    return std::nullopt;
  std::int64_t out = 0;
  for (char c : s) {
    if (c < '0' || c > '9')
      return std::nullopt;
    out = out * 10 + (c - '0');
  }
  return out;
}

signature_check verify(std::string_view key_hex, std::string_view sig_hex,
                       std::string_view timestamp, std::string_view body) {
  auto key = from_hex<key_size>(key_hex);
  auto sig = from_hex<signature_size>(sig_hex);
  if (!key || !sig)
    return signature_check::malformed;
  std::unique_ptr<EVP_PKEY, pkey_free> pkey{
    EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, key->data(), key->size())};
  if (!pkey)
    return signature_check::malformed;
  std::unique_ptr<EVP_MD_CTX, md_ctx_free> ctx{EVP_MD_CTX_new()};
  if (!ctx || EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, pkey.get()) != 1)
    return signature_check::mismatch;
  // Ed25519 is one-shot in OpenSSL (no DigestVerifyUpdate): the message is
  // the timestamp and the body, joined.
  std::string message;
  message.reserve(timestamp.size() + body.size());
  message.append(timestamp).append(body);
  int rc = EVP_DigestVerify(ctx.get(), sig->data(), sig->size(),
                            reinterpret_cast<const unsigned char*>(message.data()),
                            message.size());
  return rc == 1 ? signature_check::ok : signature_check::mismatch;
}

} // namespace

const char* to_string(signature_check x) {
  switch (x) {
    case signature_check::ok:
      return "ok";
    case signature_check::malformed:
      return "malformed";
    case signature_check::mismatch:
      return "mismatch";
    case signature_check::stale:
      return "stale";
  }
  return "unknown";
}

bool verify_signature(std::string_view public_key_hex, std::string_view signature_hex,
                      std::string_view timestamp, std::string_view body) {
  return verify(public_key_hex, signature_hex, timestamp, body) == signature_check::ok;
}

signature_check check_request(std::string_view public_key_hex, std::string_view signature_hex,
                              std::string_view timestamp, std::string_view body,
                              std::int64_t max_age_seconds, std::int64_t now_unix) {
  auto res = verify(public_key_hex, signature_hex, timestamp, body);
  if (res != signature_check::ok || max_age_seconds <= 0)
    return res;
  auto when = parse_seconds(timestamp);
  if (!when)
    return signature_check::stale;
  auto age = now_unix - *when;
  return age > max_age_seconds || age < -max_age_seconds ? signature_check::stale
                                                         : signature_check::ok;
}

} // namespace lastgram::discord
