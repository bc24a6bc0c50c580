#include "actors/server/image_store.hpp"

#include <openssl/rand.h>

#include "actors/server/http_server.hpp"

namespace lastgram::server {

namespace {

constexpr const char* prefix = "/images/";
constexpr const char* suffix = ".jpg";

std::string random_token() {
  unsigned char bytes[16];
  if (RAND_bytes(bytes, sizeof bytes) != 1)
    return {};
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  for (auto b : bytes) {
    out += hex[b >> 4];
    out += hex[b & 0xF];
  }
  return out;
}

} // namespace

image_store::image_store(limits l) : limits_(l) {
  // nop
}

std::string image_store::put(std::string jpeg) {
  if (jpeg.empty() || jpeg.size() > limits_.max_bytes)
    return {};
  auto token = random_token();
  if (token.empty())
    return {};
  auto now = clock::now();
  std::lock_guard<std::mutex> guard{mtx_};
  bytes_ += jpeg.size();
  entries_[token] = entry{std::make_shared<const std::string>(std::move(jpeg)),
                          now + limits_.ttl};
  order_.push_back(token);
  evict(now);
  return token;
}

void image_store::evict(clock::time_point now) {
  while (!order_.empty()) {
    auto it = entries_.find(order_.front());
    bool over = entries_.size() > limits_.max_images || bytes_ > limits_.max_bytes;
    if (it != entries_.end() && !over && it->second.expires > now)
      return;
    if (it != entries_.end()) {
      bytes_ -= it->second.jpeg->size();
      entries_.erase(it);
    }
    order_.pop_front();
  }
}

std::shared_ptr<const std::string> image_store::get(const std::string& token) const {
  std::lock_guard<std::mutex> guard{mtx_};
  auto it = entries_.find(token);
  if (it == entries_.end() || it->second.expires <= clock::now())
    return nullptr;
  return it->second.jpeg;
}

std::size_t image_store::size() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return entries_.size();
}

std::string image_path(const std::string& token) {
  return prefix + token + suffix;
}

void add_image_route(http_server& srv, std::shared_ptr<const image_store> store) {
  auto max_age = std::to_string(
    std::chrono::duration_cast<std::chrono::seconds>(store->ttl()).count());
  srv.route_prefix("GET", prefix, [store, max_age](const http_request& req, responder reply) {
    std::string name = req.path.substr(std::string{prefix}.size());
    std::string token;
    if (name.size() > 4 && name.compare(name.size() - 4, 4, suffix) == 0)
      token = name.substr(0, name.size() - 4);
    auto jpeg = token.empty() ? nullptr : store->get(token);
    if (!jpeg) {
      reply(http_response{404, "text/plain; charset=utf-8", "not found\n", {}});
      return;
    }
    reply(http_response{200,
                        "image/jpeg",
                        *jpeg,
                        {{"Cache-Control", "private, max-age=" + max_age},
                         {"X-Content-Type-Options", "nosniff"}}});
  });
}

} // namespace lastgram::server
