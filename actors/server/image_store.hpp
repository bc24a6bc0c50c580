#pragma once

/// Pictures the bot drew, served for a short time at unguessable URLs:
/// Telegram's inline mode can only offer a photo by URL, so the inline
/// answer points at GET <telegram.public-url>/images/<token>.jpg on this
/// node's server engine. The store is bounded in count, bytes and time, and
/// shared (thread-safe) between the Telegram actor, which puts, and the
/// HTTP server's threads, which get.

#include <chrono>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

namespace lastgram::server {

class http_server;

class image_store {
public:
  using clock = std::chrono::steady_clock;

  struct limits {
    /// Pictures kept at most; the oldest go first.
    std::size_t max_images = 256;
    /// Bytes kept at most.
    std::size_t max_bytes = 64u << 20;
    /// How long a picture is served.
    std::chrono::milliseconds ttl{std::chrono::minutes{10}};
  };

  explicit image_store(limits l);

  /// Keeps `jpeg` for `ttl` and returns its token: 32 hex digits, 128 bits
  /// from OpenSSL's RAND_bytes. "" (nothing kept) when `jpeg` is empty or
  /// larger than max_bytes, or when RAND_bytes fails.
  std::string put(std::string jpeg);

  /// The picture of `token`; null when unknown or expired.
  std::shared_ptr<const std::string> get(const std::string& token) const;

  /// Pictures kept now (expired ones included until the next put).
  std::size_t size() const;

  /// How long a picture is served.
  std::chrono::milliseconds ttl() const { return limits_.ttl; }

private:
  struct entry {
    std::shared_ptr<const std::string> jpeg;
    clock::time_point expires;
  };
  void evict(clock::time_point now);

  limits limits_;
  mutable std::mutex mtx_;
  std::unordered_map<std::string, entry> entries_;
  /// Tokens in insertion order (expiry order too: one ttl for all).
  std::deque<std::string> order_;
  std::size_t bytes_ = 0;
};

/// The path of a token's picture: "/images/<token>.jpg".
std::string image_path(const std::string& token);

/// Registers GET /images/<token>.jpg: the picture as image/jpeg (cacheable
/// for its lifetime, never sniffed), 404 for an unknown or expired token.
void add_image_route(http_server& srv, std::shared_ptr<const image_store> store);

} // namespace lastgram::server
