#include "platforms/discord/rest.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <vector>

#include <rapidjson/document.h>

#include "platforms/discord/markdown.hpp"
#include "platforms/net/http_client.hpp"
#include "platforms/net/multipart.hpp"

namespace lastgram::discord {

namespace {

std::vector<std::string_view> segments(std::string_view path) {
  std::vector<std::string_view> out;
  while (!path.empty()) {
    if (path.front() == '/') {
      path.remove_prefix(1);
      continue;
    }
    auto end = path.find('/');
    out.push_back(path.substr(0, end));
    path.remove_prefix(end == std::string_view::npos ? path.size() : end);
  }
  return out;
}

bool all_digits(std::string_view s) {
  return !s.empty() && s.find_first_not_of("0123456789") == std::string_view::npos;
}

void collect_errors(const rapidjson::Value& v, const std::string& path, std::string& out) {
  if (!v.IsObject())
    return;
  for (auto it = v.MemberBegin(); it != v.MemberEnd(); ++it) {
    std::string name{it->name.GetString(), it->name.GetStringLength()};
    if (name == "_errors" && it->value.IsArray()) {
      for (const auto& e : it->value.GetArray())
        if (e.IsObject() && e.HasMember("message") && e["message"].IsString())
          out += (out.empty() ? "" : "; ") + path + ": " + e["message"].GetString();
      continue;
    }
    collect_errors(it->value, path.empty() ? name : path + "." + name, out);
  }
}

/// The longest wait an answer may ask for (a day): more, and a time point
/// or a cast to an integer would overflow.
constexpr double max_wait_s = 86400;

/// A count or a number of seconds Discord sent: `fallback` when it is not a
/// finite number >= 0 ("nan", "inf", "-1"), at most `max`.
double bounded(double d, double fallback, double max) {
  if (!std::isfinite(d) || d < 0)
    return fallback;
  return std::min(d, max);
}

double number_header(const net::http_result& r, std::string_view name, double fallback,
                     double max) {
  auto v = r.header(name);
  if (v.empty())
    return fallback;
  char* end = nullptr;
  double d = std::strtod(v.c_str(), &end);
  return end == v.c_str() ? fallback : bounded(d, fallback, max);
}

} // namespace

std::string route_of(std::string_view method, std::string_view path) {
  auto query = path.find('?');
  auto parts = segments(path.substr(0, query));
  std::string out{method};
  out += ' ';
  for (std::size_t i = 0; i < parts.size(); ++i) {
    auto prev = i > 0 ? parts[i - 1] : std::string_view{};
    bool major = prev == "channels" || prev == "guilds" || prev == "webhooks";
    // /webhooks/{application}/{token}/..., /interactions/{id}/{token}/...
    bool token = i >= 2 && (parts[i - 2] == "webhooks" || parts[i - 2] == "interactions");
    out += '/';
    if (token)
      out += ":token";
    else if (all_digits(parts[i]) && !major)
      out += ":id";
    else
      out += parts[i];
  }
  return out;
}

std::string error_paths(std::string_view body) {
  rapidjson::Document d;
  d.Parse(body.data(), body.size());
  std::string out;
  if (d.IsObject() && d.HasMember("errors"))
    collect_errors(d["errors"], "", out);
  return out;
}

rest_result to_result(net::http_result& r) {
  rest_result out;
  if (r.error != net::http_errc::ok) {
    out.network_error = true;
    out.message = r.error_text;
    return out;
  }
  out.status = r.status;
  out.bucket = r.header("X-RateLimit-Bucket");
  out.remaining = static_cast<int>(number_header(r, "X-RateLimit-Remaining", -1, 1e9));
  out.reset_after_s = number_header(r, "X-RateLimit-Reset-After", 0, max_wait_s);
  out.global = r.header("X-RateLimit-Global") == "true" || r.header("X-RateLimit-Scope") == "global";
  if (out.status >= 400) {
    rapidjson::Document d;
    d.Parse(r.body.c_str());
    if (d.IsObject()) {
      if (d.HasMember("code") && d["code"].IsInt())
        out.code = d["code"].GetInt();
      if (d.HasMember("message") && d["message"].IsString())
        out.message = d["message"].GetString();
      if (d.HasMember("retry_after") && d["retry_after"].IsNumber())
        out.retry_after_s = bounded(d["retry_after"].GetDouble(), 0, max_wait_s);
      if (d.HasMember("global") && d["global"].IsBool())
        out.global = out.global || d["global"].GetBool();
    }
    if (out.status == 400)
      if (auto paths = error_paths(r.body); !paths.empty())
        out.message += " (" + paths + ")";
    // A 429 without retry_after in its body: the Retry-After header, else
    // the bucket's X-RateLimit-Reset-After, else a second.
    if (out.status == 429 && out.retry_after_s <= 0)
      out.retry_after_s = number_header(r, "Retry-After", 0, max_wait_s);
    if (out.status == 429 && out.retry_after_s <= 0)
      out.retry_after_s = out.reset_after_s > 0 ? out.reset_after_s : 1;
  }
  out.body = std::move(r.body);
  return out;
}

std::string id_of(std::string_view json_body) {
  rapidjson::Document d;
  d.Parse(json_body.data(), json_body.size());
  if (!d.IsObject() || !d.HasMember("id") || !d["id"].IsString())
    return {};
  return d["id"].GetString();
}

rate_limits::clock::duration rate_limits::wait_for(const std::string& route,
                                                   clock::time_point now) {
  clock::duration wait{0};
  if (global_until_ > now)
    wait = global_until_ - now;
  while (!recent_.empty() && now - recent_.front() >= std::chrono::seconds{1})
    recent_.pop_front();
  if (static_cast<int>(recent_.size()) >= global_per_second_)
    wait = std::max<clock::duration>(wait, recent_.front() + std::chrono::seconds{1} - now);
  if (auto b = bucket_of_route_.find(route); b != bucket_of_route_.end()) {
    auto& st = buckets_[b->second];
    if (st.remaining <= 0 && st.reset_at > now)
      wait = std::max<clock::duration>(wait, st.reset_at - now);
  }
  if (wait.count() > 0)
    return wait;
  recent_.push_back(now);
  if (auto b = bucket_of_route_.find(route); b != bucket_of_route_.end()) {
    auto& st = buckets_[b->second];
    if (st.reset_at <= now)
      st.remaining = 1; // the window passed: at least one call may go
    // Counted down here so that calls sent before the next answer share the
    // bucket's remaining calls instead of each assuming the last value.
    --st.remaining;
  }
  return wait;
}

void rate_limits::learn(const std::string& route, const rest_result& res, clock::time_point now) {
  auto seconds = [](double s) {
    return std::chrono::duration_cast<clock::duration>(std::chrono::duration<double>(s));
  };
  if (res.status == 429 && res.global) {
    global_until_ = now + seconds(res.retry_after_s);
    return;
  }
  if (res.bucket.empty())
    return;
  bucket_of_route_[route] = res.bucket;
  auto& st = buckets_[res.bucket];
  st.remaining = res.status == 429 ? 0 : res.remaining;
  st.reset_at = now + seconds(res.status == 429 ? res.retry_after_s : res.reset_after_s);
}

rest_client::rest_client(std::string api_url, std::string token,
                         std::shared_ptr<net::http_client> http, rest_observer observer)
  : base_(std::move(api_url)),
    token_(std::move(token)),
    http_(std::move(http)),
    observer_(std::move(observer)) {
  while (!base_.empty() && base_.back() == '/')
    base_.pop_back();
}

void rest_client::call(const std::string& method, const std::string& path,
                       const std::string& json_body, callback done,
                       std::chrono::milliseconds timeout) {
  send(method, path, json_body, json_body.empty() ? std::string{} : "application/json",
       std::move(done), timeout);
}

void rest_client::call_with_jpeg(const std::string& method, const std::string& path,
                                 const std::string& json_body, const std::string& jpeg,
                                 callback done, std::chrono::milliseconds timeout) {
  if (jpeg.empty())
    return call(method, path, json_body, std::move(done), timeout);
  auto payload = net::text_part("payload_json", json_body);
  payload.content_type = "application/json";
  auto form = net::encode_multipart(
    {std::move(payload), net::file_part("files[0]", attachment_filename, "image/jpeg", jpeg)});
  send(method, path, std::move(form.body), std::move(form.content_type), std::move(done),
       timeout);
}

void rest_client::send(const std::string& method, const std::string& path, std::string body,
                       std::string content_type, callback done,
                       std::chrono::milliseconds timeout) {
  net::http_call c;
  c.method = method;
  c.url = base_ + path;
  c.timeout = timeout;
  bool token_route = path.rfind("/webhooks/", 0) == 0 || path.rfind("/interactions/", 0) == 0;
  if (!token_.empty() && !token_route)
    c.headers.emplace_back("Authorization", "Bot " + token_);
  c.body = std::move(body);
  c.content_type = std::move(content_type);
  auto route = route_of(method, path);
  http_->request(std::move(c), [done = std::move(done), observer = observer_,
                                route](net::http_result r) {
    auto res = to_result(r);
    if (observer)
      observer(route, res.network_error ? "network" : std::to_string(res.status));
    done(std::move(res));
  });
}

} // namespace lastgram::discord
