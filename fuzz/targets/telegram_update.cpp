// Telegram updates as a webhook or getUpdates delivers them.

#include "fuzz/targets.hpp"

#include "platforms/telegram/update.hpp"

namespace lastgram::fuzz {

void fuzz_telegram_update(const std::uint8_t* data, std::size_t size) {
  std::string_view json(reinterpret_cast<const char*>(data), size);
  auto parsed = telegram::parse_update(json);
  if (!parsed) {
    require(!telegram::to_string(parsed.error().code).empty(), "telegram_update",
            "an error code without a name");
    return;
  }
  // A message's text is what Telegram sent: JSON strings are UTF-8 when the
  // body is, so whatever the parser copies out must be too.
  if (valid_utf8(json))
    require(valid_utf8(parsed->message.text), "telegram_update", "message text is not UTF-8");
}

} // namespace lastgram::fuzz
