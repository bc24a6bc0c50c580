#include "actors/image/covers.hpp"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <sstream>
#include <system_error>
#include <vector>

#include <openssl/sha.h>

#include "actors/logging/log.hpp"
#include "platforms/net/http_client.hpp"

namespace lastgram::image {

namespace fs = std::filesystem;

namespace {

/// Last.fm's grey star, what it lists for an artist or album without an
/// image: drawn as a placeholder rather than fetched.
constexpr const char* lastfm_no_image = "2a96cbd8b46e442fc41c2b86b821562f";

bool starts_with(const std::string& s, const char* prefix) {
  return s.rfind(prefix, 0) == 0;
}

metrics::counter fetches(const char* outcome) {
  return metrics::get_counter("lastgram_image_cover_fetches_total",
                              "Covers asked for by collages, by outcome (hit: from the disk "
                              "cache; fetched; failed: drawn as a placeholder).",
                              {{"outcome", outcome}});
}

} // namespace

std::string sized_cover_url(const std::string& url, int px) {
  if (!starts_with(url, "https://") && !starts_with(url, "http://"))
    return {};
  if (url.find(lastfm_no_image) != std::string::npos)
    return {};
  auto at = url.find("/i/u/");
  if (at == std::string::npos)
    return url;
  auto seg = at + 5;
  auto end = url.find('/', seg);
  // "/i/u/<file>" without a size segment: already the original.
  if (end == std::string::npos)
    return url;
  return url.substr(0, seg) + (px > 300 ? "770x0" : "300x300") + url.substr(end);
}

cover_cache::cover_cache(fs::path dir, std::uint64_t max_bytes)
  : dir_(std::move(dir)), max_bytes_(max_bytes),
    bytes_gauge_(metrics::get_gauge("lastgram_image_cover_cache_bytes",
                                    "Bytes of covers in the disk cache.")) {
  std::error_code ec;
  fs::create_directories(dir_, ec);
  // Files in the order they were last used (their mtime), oldest first.
  std::vector<std::pair<fs::file_time_type, fs::directory_entry>> found;
  for (const auto& e : fs::directory_iterator(dir_, ec))
    if (e.is_regular_file(ec) && e.path().extension() != ".tmp")
      found.emplace_back(e.last_write_time(ec), e);
    else if (e.path().extension() == ".tmp")
      fs::remove(e.path(), ec);
  std::sort(found.begin(), found.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  std::lock_guard<std::mutex> guard{mtx_};
  for (const auto& [when, e] : found) {
    auto size = e.file_size(ec);
    files_[e.path().filename().string()] = entry{size, ++tick_};
    total_ += size;
  }
  evict_locked();
}

std::string cover_cache::file_name(const std::string& url) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(url.data()), url.size(), digest);
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (auto b : digest) {
    out += hex[b >> 4];
    out += hex[b & 15];
  }
  return out;
}

std::optional<std::string> cover_cache::get(const std::string& url) {
  auto name = file_name(url);
  {
    std::lock_guard<std::mutex> guard{mtx_};
    auto i = files_.find(name);
    if (i == files_.end())
      return std::nullopt;
    i->second.used = ++tick_;
  }
  std::ifstream in(dir_ / name, std::ios::binary);
  std::string bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  if (!in.good() && !in.eof())
    return std::nullopt;
  std::error_code ec;
  // The mtime carries recency across restarts.
  fs::last_write_time(dir_ / name, fs::file_time_type::clock::now(), ec);
  return bytes;
}

void cover_cache::put(const std::string& url, const std::string& bytes) {
  if (max_bytes_ == 0 || bytes.size() > max_bytes_)
    return;
  auto name = file_name(url);
  auto tmp = dir_ / (name + ".tmp");
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!out.good())
      return;
  }
  std::error_code ec;
  fs::rename(tmp, dir_ / name, ec);
  if (ec) {
    fs::remove(tmp, ec);
    return;
  }
  std::lock_guard<std::mutex> guard{mtx_};
  auto& e = files_[name];
  total_ = total_ - e.size + bytes.size();
  e = entry{bytes.size(), ++tick_};
  evict_locked();
}

void cover_cache::evict_locked() {
  while (total_ > max_bytes_ && !files_.empty()) {
    auto oldest = std::min_element(files_.begin(), files_.end(), [](const auto& a, const auto& b) {
      return a.second.used < b.second.used;
    });
    std::error_code ec;
    fs::remove(dir_ / oldest->first, ec);
    total_ -= oldest->second.size;
    files_.erase(oldest);
  }
  bytes_gauge_.set(static_cast<double>(total_));
}

std::uint64_t cover_cache::bytes() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return total_;
}

/// The covers of one collage, complete when `left` reaches zero.
struct cover_fetcher::batch {
  std::mutex mtx;
  /// One entry per URL, plus one for the guard count (dropped at the end).
  std::vector<std::string> covers;
  std::size_t left = 0;
  std::function<void(std::vector<std::string>)> done;

  void settle(std::size_t i, std::string bytes) {
    std::function<void(std::vector<std::string>)> call;
    {
      std::lock_guard<std::mutex> guard{mtx};
      covers[i] = std::move(bytes);
      if (--left > 0)
        return;
      call = std::move(done);
      covers.pop_back();
    }
    call(std::move(covers));
  }
};

cover_fetcher::cover_fetcher(std::shared_ptr<net::http_client> http,
                             std::shared_ptr<cover_cache> cache, options opts)
  : http_(std::move(http)), cache_(std::move(cache)), opts_(opts) {
  opts_.concurrency = std::max<std::size_t>(1, opts_.concurrency);
}

void cover_fetcher::fetch(std::vector<std::string> urls,
                          std::function<void(std::vector<std::string>)> done) {
  auto b = std::make_shared<batch>();
  b->covers.resize(urls.size() + 1);
  b->done = std::move(done);
  // One extra count, settled below, so that `done` cannot run before every
  // job is queued.
  b->left = urls.size() + 1;
  auto deadline = std::chrono::steady_clock::now() + opts_.timeout;
  std::vector<job> jobs;
  for (std::size_t i = 0; i < urls.size(); ++i) {
    if (urls[i].empty()) {
      b->settle(i, {});
      continue;
    }
    if (auto hit = cache_ ? cache_->get(urls[i]) : std::nullopt) {
      fetches("hit").inc();
      b->settle(i, std::move(*hit));
      continue;
    }
    jobs.push_back(job{b, i, std::move(urls[i]), deadline});
  }
  {
    std::lock_guard<std::mutex> guard{mtx_};
    for (auto& j : jobs)
      waiting_.push_back(std::move(j));
  }
  start_next();
  b->settle(urls.size(), {});
}

void cover_fetcher::start_next() {
  for (;;) {
    job j;
    {
      std::lock_guard<std::mutex> guard{mtx_};
      if (waiting_.empty() || in_flight_ >= opts_.concurrency)
        return;
      j = std::move(waiting_.front());
      waiting_.pop_front();
      ++in_flight_;
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      j.deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      finish(j, {}, "failed");
      continue;
    }
    net::http_call call;
    call.url = j.url;
    call.timeout = left;
    std::weak_ptr<cover_fetcher> weak = weak_from_this();
    http_->request(std::move(call), [weak, j](net::http_result r) {
      auto self = weak.lock();
      if (!self)
        return j.owner->settle(j.index, {});
      bool ok = r.error == net::http_errc::ok && r.status == 200 && !r.body.empty();
      if (ok && self->cache_)
        self->cache_->put(j.url, r.body);
      self->finish(j, ok ? std::move(r.body) : std::string{}, ok ? "fetched" : "failed");
      self->start_next();
    });
  }
}

void cover_fetcher::finish(const job& j, std::string bytes, const char* outcome) {
  {
    std::lock_guard<std::mutex> guard{mtx_};
    --in_flight_;
  }
  fetches(outcome).inc();
  j.owner->settle(j.index, std::move(bytes));
}

std::size_t cover_fetcher::in_flight() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return in_flight_;
}

} // namespace lastgram::image
