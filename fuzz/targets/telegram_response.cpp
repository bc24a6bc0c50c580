// Bot API answers: the envelope, getMe, and getUpdates batches.

#include "fuzz/targets.hpp"

#include "platforms/telegram/bot_api.hpp"
#include "platforms/telegram/update.hpp"

namespace lastgram::fuzz {

namespace {

// What the poller does with a getUpdates result: split, then parse each.
void read_result(std::string_view result) {
  (void) telegram::parse_get_me(result);
  auto batch = telegram::parse_updates(result);
  if (!batch)
    return;
  for (const auto& raw : *batch)
    (void) telegram::parse_update(raw.json);
}

} // namespace

void fuzz_telegram_response(const std::uint8_t* data, std::size_t size) {
  std::string_view body(reinterpret_cast<const char*>(data), size);
  if (auto envelope = telegram::parse_response(body); envelope && envelope->ok)
    read_result(envelope->result);
  // The client's own reading of an HTTP answer (status and body).
  auto status = size > 0 ? 200u + data[0] % 4u * 100u : 200u;
  auto answer = telegram::parse_api_response(status, body);
  require(answer.ok || answer.error_code != 0 || status == 200 || !answer.description.empty(),
          "telegram_response", "a failed answer without a code or a description");
  require(answer.retry_after_s >= 0, "telegram_response", "a negative retry_after");
  if (answer.ok)
    read_result(answer.result_json);
}

} // namespace lastgram::fuzz
