#pragma once

/// Covers for collages: the URL of the size a tile needs, a bounded disk
/// cache that survives restarts, and downloads through the node's pooled
/// HTTP client with bounded concurrency and a deadline per cover (no
/// retries: a cover that fails is drawn as a placeholder).

#include <chrono>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "actors/logging/metrics.hpp"

namespace lastgram::net {
class http_client;
} // namespace lastgram::net

namespace lastgram::image {

/// `url` asking Last.fm's CDN for a cover of at least `px` pixels: the size
/// segment after /i/u/ ("174s", "300x300", ...) becomes "300x300", or
/// "770x0" above 300. Other http(s) URLs are kept; anything else (another
/// scheme, Last.fm's grey star that stands for "no image") gives "".
std::string sized_cover_url(const std::string& url, int px);

/// A disk cache of covers: one file per URL (named by its SHA-256), least
/// recently used evicted first once the files pass `max_bytes`. Recency is
/// the files' modification time, so the order survives restarts. Thread-safe.
class cover_cache {
public:
  /// Creates `dir` if needed and indexes the files already there (evicting
  /// down to the budget). `max_bytes` 0: nothing is kept.
  cover_cache(std::filesystem::path dir, std::uint64_t max_bytes);

  /// The cover of `url`, marked as just used; nothing on a miss.
  std::optional<std::string> get(const std::string& url);

  /// Stores the cover of `url` (atomically: written aside, then renamed),
  /// then evicts the least recently used files over the budget.
  void put(const std::string& url, const std::string& bytes);

  /// Bytes of the files held.
  std::uint64_t bytes() const;

  /// The file name a URL is stored under.
  static std::string file_name(const std::string& url);

private:
  struct entry {
    std::uint64_t size = 0;
    std::uint64_t used = 0;
  };
  void evict_locked();

  std::filesystem::path dir_;
  std::uint64_t max_bytes_;
  mutable std::mutex mtx_;
  std::map<std::string, entry> files_;
  std::uint64_t total_ = 0;
  std::uint64_t tick_ = 0;
  metrics::gauge bytes_gauge_;
};

/// Downloads covers with at most `concurrency` requests in flight over all
/// collages of the node. Thread-safe; keep it in a shared_ptr (callbacks
/// hold it while downloads run).
class cover_fetcher : public std::enable_shared_from_this<cover_fetcher> {
public:
  struct options {
    std::size_t concurrency = 8;
    /// Each cover's deadline, counted from when the collage asked for it
    /// (waiting for a download slot included).
    std::chrono::milliseconds timeout{3000};
  };

  cover_fetcher(std::shared_ptr<net::http_client> http, std::shared_ptr<cover_cache> cache,
                options opts);

  /// Fetches `urls` (already sized; "" for none) and calls `done` once with
  /// one entry per URL: the bytes, or "" for a cover that is missing, failed
  /// or missed its deadline. `done` runs on the HTTP client's thread or, when
  /// nothing needs a download, on the calling one.
  void fetch(std::vector<std::string> urls,
             std::function<void(std::vector<std::string>)> done);

  /// Downloads in flight now (for tests and diagnostics).
  std::size_t in_flight() const;

private:
  struct batch;
  struct job {
    std::shared_ptr<batch> owner;
    std::size_t index = 0;
    std::string url;
    std::chrono::steady_clock::time_point deadline;
  };
  void start_next();
  void finish(const job& j, std::string bytes, const char* outcome);

  std::shared_ptr<net::http_client> http_;
  std::shared_ptr<cover_cache> cache_;
  options opts_;
  mutable std::mutex mtx_;
  std::deque<job> waiting_;
  std::size_t in_flight_ = 0;
};

} // namespace lastgram::image
