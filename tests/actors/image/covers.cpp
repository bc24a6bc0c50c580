// Cover fetching against a real HTTP server on loopback, and the disk cache
// in a throwaway directory.

#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <future>
#include <mutex>
#include <random>
#include <string>
#include <vector>

#include "actors/image/covers.hpp"
#include "actors/image/pixels.hpp"
#include "platforms/net/http_client.hpp"
#include "support/test_http_server.hpp"

using namespace lastgram;
using namespace lastgram::image;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

/// A fresh directory removed at the end of the test.
struct temp_dir {
  fs::path path;
  temp_dir() {
    std::random_device rd;
    path = fs::temp_directory_path() / ("lastgram-covers-" + std::to_string(rd()));
    fs::remove_all(path);
  }
  ~temp_dir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

/// A fake CDN: every path is a cover after `delay`, except paths holding
/// "missing" (404) and "slow" (answered after 10 s). It counts requests in
/// flight: one is in flight from its arrival until its delay has passed
/// (the client cannot send a follow-up on that connection any earlier).
struct fake_cdn {
  std::mutex mtx;
  std::deque<std::chrono::steady_clock::time_point> busy_until;
  std::size_t peak = 0;
  std::chrono::milliseconds delay;
  std::string cover = solid_image(64, 64, 0x3366CC, "png");
  test::test_http_server server;

  explicit fake_cdn(std::chrono::milliseconds d)
    : delay(d), server([this](const test::received_request& r) { return answer(r); }) {}

  test::canned_response answer(const test::received_request& r) {
    auto now = std::chrono::steady_clock::now();
    {
      std::lock_guard<std::mutex> guard{mtx};
      busy_until.erase(std::remove_if(busy_until.begin(), busy_until.end(),
                                      [now](auto t) { return t <= now; }),
                       busy_until.end());
      busy_until.push_back(now + delay);
      peak = std::max(peak, busy_until.size());
    }
    test::canned_response c;
    c.delay = delay;
    if (r.target.find("missing") != std::string::npos)
      c.status = 404;
    else if (r.target.find("slow") != std::string::npos)
      c.delay = 10s;
    else
      c.body = cover;
    c.headers = {{"Content-Type", "image/png"}};
    return c;
  }

  std::size_t peak_in_flight() {
    std::lock_guard<std::mutex> guard{mtx};
    return peak;
  }
};

/// Fetches and waits for the answer (with a deadline of its own).
std::vector<std::string> fetch_all(cover_fetcher& f, std::vector<std::string> urls) {
  auto p = std::make_shared<std::promise<std::vector<std::string>>>();
  auto fut = p->get_future();
  f.fetch(std::move(urls),
          [p](std::vector<std::string> covers) { p->set_value(std::move(covers)); });
  REQUIRE(fut.wait_for(20s) == std::future_status::ready);
  return fut.get();
}

std::shared_ptr<net::http_client> client() {
  return std::make_shared<net::http_client>(net::http_client::options{});
}

} // namespace

TEST_CASE("cover URLs ask the CDN for the size a tile needs", "[image][covers]") {
  const std::string base = "https://lastfm.freetls.fastly.net/i/u/";
  CHECK(sized_cover_url(base + "174s/abc.png", 300) == base + "300x300/abc.png");
  CHECK(sized_cover_url(base + "34s/abc.png", 200) == base + "300x300/abc.png");
  CHECK(sized_cover_url(base + "300x300/abc.png", 770) == base + "770x0/abc.png");
  CHECK(sized_cover_url("http://example.org/cover.jpg", 300) == "http://example.org/cover.jpg");
  CHECK(sized_cover_url("ftp://example.org/cover.jpg", 300).empty());
  CHECK(sized_cover_url("file:///etc/passwd", 300).empty());
  CHECK(sized_cover_url("", 300).empty());
  CHECK(sized_cover_url(base + "300x300/2a96cbd8b46e442fc41c2b86b821562f.png", 300).empty());
}

TEST_CASE("cover downloads stay within their concurrency bound", "[image][covers]") {
  fake_cdn cdn{100ms};
  auto http = client();
  cover_fetcher::options o;
  o.concurrency = 3;
  o.timeout = 10s;
  auto f = std::make_shared<cover_fetcher>(http, nullptr, o);
  std::vector<std::string> urls;
  for (int i = 0; i < 12; ++i)
    urls.push_back(cdn.server.url("/i/u/300x300/c" + std::to_string(i) + ".png"));
  auto covers = fetch_all(*f, urls);
  REQUIRE(covers.size() == 12);
  for (const auto& c : covers)
    CHECK(c == cdn.cover);
  CHECK(cdn.server.requests().size() == 12);
  // Never more than three at once, and the bound was reached (12 at 100 ms
  // one after the other would not have been).
  CHECK(cdn.peak_in_flight() == 3);
  http->shutdown();
}

TEST_CASE("a slow or missing cover becomes a placeholder within the deadline",
          "[image][covers]") {
  fake_cdn cdn{0ms};
  auto http = client();
  cover_fetcher::options o;
  o.timeout = 400ms;
  auto f = std::make_shared<cover_fetcher>(http, nullptr, o);
  auto started = std::chrono::steady_clock::now();
  auto covers = fetch_all(*f, {cdn.server.url("/i/u/300x300/slow.png"),
                               cdn.server.url("/i/u/300x300/missing.png"),
                               cdn.server.url("/i/u/300x300/ok.png"), ""});
  auto took = std::chrono::steady_clock::now() - started;
  REQUIRE(covers.size() == 4);
  CHECK(covers[0].empty());
  CHECK(covers[1].empty());
  CHECK(covers[2] == cdn.cover);
  CHECK(covers[3].empty());
  // The deadline plus scheduling slack, far from the slow cover's 10 s.
  CHECK(took < 2s);
  CHECK(f->in_flight() == 0);
  http->shutdown();
}

TEST_CASE("a second collage of the same covers fetches nothing", "[image][covers]") {
  temp_dir dir;
  fake_cdn cdn{0ms};
  auto http = client();
  auto cache = std::make_shared<cover_cache>(dir.path, 1 << 20);
  auto f = std::make_shared<cover_fetcher>(http, cache, cover_fetcher::options{});
  std::vector<std::string> urls;
  for (int i = 0; i < 5; ++i)
    urls.push_back(cdn.server.url("/i/u/300x300/k" + std::to_string(i) + ".png"));
  auto first = fetch_all(*f, urls);
  CHECK(cdn.server.requests().size() == 5);
  auto second = fetch_all(*f, urls);
  CHECK(second == first);
  CHECK(cdn.server.requests().size() == 5);
  // The cache survives a restart: a new index over the same directory.
  auto reopened = std::make_shared<cover_cache>(dir.path, 1 << 20);
  auto g = std::make_shared<cover_fetcher>(http, reopened, cover_fetcher::options{});
  CHECK(fetch_all(*g, urls) == first);
  CHECK(cdn.server.requests().size() == 5);
  http->shutdown();
}

TEST_CASE("the disk cache stays within its size and evicts the least recently used",
          "[image][covers]") {
  temp_dir dir;
  const std::uint64_t budget = 50'000;
  cover_cache cache{dir.path, budget};
  std::string blob(10'000, 'x');
  cache.put("https://cdn/0", blob);
  for (int i = 1; i < 20; ++i) {
    // Cover 0 is used again and again: it stays while older ones go.
    CHECK(cache.get("https://cdn/0").has_value());
    cache.put("https://cdn/" + std::to_string(i), blob);
    std::uint64_t on_disk = 0;
    for (const auto& e : fs::directory_iterator(dir.path))
      on_disk += e.file_size();
    CHECK(on_disk <= budget);
    CHECK(cache.bytes() <= budget);
  }
  CHECK(cache.get("https://cdn/0").has_value());
  CHECK(cache.get("https://cdn/19").has_value());
  CHECK_FALSE(cache.get("https://cdn/1").has_value());
  // Reopened with a smaller budget, it evicts down to it, oldest first.
  cover_cache smaller{dir.path, 25'000};
  CHECK(smaller.bytes() <= 25'000);
  CHECK(smaller.get("https://cdn/0").has_value());
}
