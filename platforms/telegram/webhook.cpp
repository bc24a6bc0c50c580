#include "platforms/telegram/webhook.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <array>
#include <stdexcept>

namespace lastgram::telegram {

namespace {

using digest = std::array<unsigned char, 32>;

digest sha256(std::string_view data) {
  digest out{};
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), out.data(), &len, EVP_sha256(), nullptr) != 1
      || len != out.size())
    throw std::runtime_error("SHA-256 failed");
  return out;
}

} // namespace

std::string webhook_route(const telegram_settings& s) {
  std::string segment = s.webhook_path;
  if (segment.empty()) {
    static constexpr char hex[] = "0123456789abcdef";
    auto d = sha256("lastgram-webhook:" + s.token);
    // 16 bytes = 32 hex digits: 128 bits are plenty for an unguessable path.
    for (std::size_t i = 0; i < 16; ++i) {
      segment += hex[d[i] >> 4];
      segment += hex[d[i] & 0x0f];
    }
  }
  return "/telegram/" + segment;
}

std::string webhook_url(const telegram_settings& s) {
  std::string_view base = s.public_url;
  while (!base.empty() && base.back() == '/')
    base.remove_suffix(1);
  return std::string(base) + webhook_route(s);
}

bool secret_matches(std::string_view header_value, std::string_view secret) {
  if (secret.empty())
    return false;
  // Comparing fixed-size digests hides the secret's length as well as the
  // position of the first differing byte.
  auto a = sha256(header_value);
  auto b = sha256(secret);
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

const std::vector<std::string>& allowed_updates() {
  static const std::vector<std::string> types = {"message", "edited_message", "callback_query",
                                                 "inline_query", "my_chat_member"};
  return types;
}

} // namespace lastgram::telegram
