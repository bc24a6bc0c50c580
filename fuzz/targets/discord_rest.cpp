// Discord's REST answers: the body of GET /gateway/bot, the 400 error tree
// (error_paths), and an answer as the client reads it (to_result: the
// X-RateLimit-* headers, retry_after) fed to the rate-limit bookkeeping.
//
// Input: the body, then optionally a NUL and header lines "Name: value"
// whose first byte picks the status (JSON seeds carry no NUL: 400 and 429).

#include "fuzz/targets.hpp"

#include <chrono>
#include <cmath>

#include "platforms/discord/gateway_bot.hpp"
#include "platforms/discord/rest.hpp"
#include "platforms/net/http_client.hpp"

namespace lastgram::fuzz {

namespace {

constexpr std::string_view target = "discord_rest";

void check_gateway_bot(const std::string& body) {
  auto info = discord::gateway::parse_gateway_bot(body);
  if (!info)
    return;
  require(!info->url.empty(), target, "gateway/bot without a URL accepted");
  require(info->shards >= 1, target, "gateway/bot with fewer than one shard accepted");
  require(info->limit.max_concurrency >= 1 && info->limit.remaining >= 0
            && info->limit.total >= 0 && info->limit.reset_after.count() >= 0,
          target, "a session start limit out of range accepted");
}

std::vector<std::pair<std::string, std::string>> header_lines(std::string_view text) {
  std::vector<std::pair<std::string, std::string>> out;
  while (!text.empty()) {
    auto end = text.find('\n');
    auto line = text.substr(0, end);
    text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
    auto colon = line.find(':');
    if (colon == std::string_view::npos)
      continue;
    auto value = line.substr(colon + 1);
    while (!value.empty() && value.front() == ' ')
      value.remove_prefix(1);
    out.emplace_back(std::string{line.substr(0, colon)}, std::string{value});
  }
  return out;
}

// One answer through to_result and the rate limits; the limits must ask for
// a finite, non-negative wait however odd the numbers were.
void check_answer(unsigned status, const std::string& body,
                  const std::vector<std::pair<std::string, std::string>>& headers) {
  net::http_result r;
  r.status = status;
  r.body = body;
  r.headers = headers;
  auto res = discord::to_result(r);
  require(res.status == status && !res.network_error, target, "an answer read as another");
  // Counts and waits as the bookkeeping can use them: no negative count
  // below "unknown" (-1), waits finite, >= 0 and at most a day.
  require(res.remaining >= -1, target, "a rate-limit count below -1");
  for (double s : {res.reset_after_s, res.retry_after_s})
    require(std::isfinite(s) && s >= 0 && s <= 86400, target,
            "a reset-after or retry-after that is not 0 to 86,400 seconds");
  if (valid_utf8(body))
    require(valid_utf8(res.message), target, "the error message of a UTF-8 body is not UTF-8");

  discord::rate_limits limits{2};
  const std::string route = "POST /channels/1/messages";
  auto now = discord::rate_limits::clock::now();
  for (int round = 0; round < 4; ++round) {
    auto wait = limits.wait_for(route, now);
    require(wait.count() >= 0, target, "a negative wait");
    limits.learn(route, res, now);
    now += std::chrono::milliseconds{400};
  }
}

} // namespace

void fuzz_discord_rest(const std::uint8_t* data, std::size_t size) {
  std::string_view all(reinterpret_cast<const char*>(data), size);
  auto nul = all.find('\0');
  std::string body{all.substr(0, nul)};
  check_gateway_bot(body);
  auto paths = discord::error_paths(body);
  if (valid_utf8(body))
    require(valid_utf8(paths), target, "error paths of a UTF-8 body are not UTF-8");
  if (nul == std::string_view::npos) {
    check_answer(400, body, {});
    check_answer(429, body, {});
    return;
  }
  auto rest = all.substr(nul + 1);
  static constexpr unsigned statuses[] = {200, 204, 400, 401, 403, 404, 429, 500, 502};
  unsigned status = rest.empty() ? 429 : statuses[static_cast<unsigned char>(rest[0]) % 9];
  check_answer(status, body, header_lines(rest.empty() ? rest : rest.substr(1)));
}

} // namespace lastgram::fuzz
