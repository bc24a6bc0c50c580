#include "platforms/discord/gateway_bot.hpp"

#include <rapidjson/document.h>

namespace lastgram::discord::gateway {

namespace {

/// Reads an integer member into `out`; false when present but not an int,
/// or missing when `required`.
bool read_int(const rapidjson::Value& obj, const char* key, std::int64_t& out, bool required) {
  auto it = obj.FindMember(key);
  if (it == obj.MemberEnd())
    return !required;
  if (!it->value.IsInt64())
    return false;
  out = it->value.GetInt64();
  return true;
}

} // namespace

std::optional<gateway_bot_info> parse_gateway_bot(const std::string& body) {
  rapidjson::Document doc;
  doc.Parse(body.data(), body.size());
  if (doc.HasParseError() || !doc.IsObject())
    return std::nullopt;
  gateway_bot_info info;
  auto url = doc.FindMember("url");
  if (url == doc.MemberEnd() || !url->value.IsString() || url->value.GetStringLength() == 0)
    return std::nullopt;
  info.url.assign(url->value.GetString(), url->value.GetStringLength());
  std::int64_t shards = 1;
  if (!read_int(doc, "shards", shards, true) || shards < 1 || shards > 1'000'000)
    return std::nullopt;
  info.shards = static_cast<std::int32_t>(shards);
  auto lim = doc.FindMember("session_start_limit");
  if (lim == doc.MemberEnd())
    return info;
  if (!lim->value.IsObject())
    return std::nullopt;
  std::int64_t total = info.limit.total, remaining = info.limit.remaining, reset_after = 0,
               concurrency = 1;
  if (!read_int(lim->value, "total", total, false) ||
      !read_int(lim->value, "remaining", remaining, false) ||
      !read_int(lim->value, "reset_after", reset_after, false) ||
      !read_int(lim->value, "max_concurrency", concurrency, false))
    return std::nullopt;
  if (total < 0 || remaining < 0 || reset_after < 0 || concurrency < 1 || concurrency > 1'000'000 ||
      total > 1'000'000'000 || remaining > 1'000'000'000)
    return std::nullopt;
  info.limit.total = static_cast<std::int32_t>(total);
  info.limit.remaining = static_cast<std::int32_t>(remaining);
  info.limit.reset_after = std::chrono::milliseconds{reset_after};
  info.limit.max_concurrency = static_cast<std::int32_t>(concurrency);
  return info;
}

} // namespace lastgram::discord::gateway
