// Benchmark of the image engine: collages drawn in-process through the real
// engine (covers from the disk cache or from a loopback fake CDN), with node
// time percentiles and memory. Prints one line per figure and a JSON line.
//
//   build-release/bench/collage [iterations=20]   (BENCH_VIPS_CACHE_MB=N sets
//   image.vips-cache-mb)
//
// Figures, never assertions: run it on an idle machine (a Release build, not
// the sanitized one) and compare runs made the same day.

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <string>
#include <unistd.h>
#include <vector>

#include "caf/all.hpp"

#include "actors/image/engine.hpp"
#include "actors/image/pixels.hpp"
#include "messages/type_ids.hpp"
#include "platforms/net/http_client.hpp"
#include "support/test_http_server.hpp"

using namespace lastgram;
using clock_type = std::chrono::steady_clock;
namespace fs = std::filesystem;

namespace {

/// A field of /proc/self/status in MB (VmRSS, VmHWM).
double status_mb(const char* field) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind(field, 0) == 0)
      return std::atof(line.c_str() + std::string(field).size() + 1) / 1024.0;
  return 0;
}

/// Resets VmHWM to the current RSS (Linux >= 4.0).
void reset_peak() {
  std::ofstream("/proc/self/clear_refs") << "5";
}

struct percentiles {
  double median = 0, p95 = 0;
};

percentiles of(std::vector<double> ms) {
  std::sort(ms.begin(), ms.end());
  auto at = [&](double q) {
    return ms.at(std::min(ms.size() - 1, static_cast<std::size_t>(q * ms.size())));
  };
  return {at(0.5), at(0.95)};
}

struct bench {
  std::map<std::string, std::string> covers;
  std::chrono::milliseconds cdn_delay{0};
  test::test_http_server cdn;
  fs::path dir;
  caf::actor_system_config cfg;
  std::unique_ptr<caf::actor_system> sys;
  std::shared_ptr<net::http_client> http;
  std::unique_ptr<caf::scoped_actor> self;
  image_actor warm, cold;

  bench()
    : cdn([this](const test::received_request& r) {
        test::canned_response c;
        auto name = r.target.substr(r.target.rfind('/') + 1);
        auto i = covers.find(name);
        c.status = i == covers.end() ? 404 : 200;
        c.body = i == covers.end() ? "" : i->second;
        c.delay = cdn_delay;
        return c;
      }) {
    // 100 distinct covers, shared by every URL that ends in the same name.
    for (int i = 0; i < 100; ++i)
      covers["c" + std::to_string(i) + ".jpg"] = image::textured_image(
        300, 300, static_cast<std::uint32_t>(i * 2654435761u) & 0xFFFFFF, i + 1);
    dir = fs::temp_directory_path() / ("lastgram-bench-" + std::to_string(::getpid()));
    cfg.add_message_types<caf::id_block::lastgram>();
    sys = std::make_unique<caf::actor_system>(cfg);
    http = std::make_shared<net::http_client>(net::http_client::options{});
    self = std::make_unique<caf::scoped_actor>(*sys);
    warm = engine("warm");
  }

  ~bench() {
    caf::anon_send_exit(warm, caf::exit_reason::user_shutdown);
    if (cold)
      caf::anon_send_exit(cold, caf::exit_reason::user_shutdown);
    http->shutdown();
    self.reset();
    std::error_code ec;
    fs::remove_all(dir, ec);
  }

  image_actor engine(const std::string& name) {
    auto opts = std::make_shared<image::engine_options>();
    opts->settings.render_slots = 1;
    // BENCH_VIPS_CACHE_MB: image.vips-cache-mb (default: the config default).
    if (const char* mb = std::getenv("BENCH_VIPS_CACHE_MB"))
      opts->settings.vips_cache_mb = std::atoll(mb);
    opts->cover_dir = (dir / name).string();
    opts->http = http;
    return image::spawn_engine(self->ptr(), opts);
  }

  collage_request request(int side, const std::string& prefix = "") {
    collage_request req;
    req.columns = side;
    req.rows = side;
    for (int i = 0; i < side * side; ++i)
      req.tiles.push_back(collage_tile{"Album " + std::to_string(i), "Artist " + std::to_string(i),
                                       1000 - i,
                                       cdn.url("/i/u/174s/" + prefix + "/c" + std::to_string(i)
                                               + ".jpg"),
                                       ""});
    return req;
  }

  /// One collage, its node time in ms (request to answer).
  double draw(const image_actor& engine, collage_request req) {
    auto started = clock_type::now();
    bool ok = false;
    (*self)->request(engine, std::chrono::seconds{60}, std::move(req))
      .receive([&](collage_image& img) { ok = img.status == image_status::ok; },
               [](caf::error&) {});
    if (!ok)
      std::fprintf(stderr, "a collage failed\n");
    return std::chrono::duration<double, std::milli>(clock_type::now() - started).count();
  }

  percentiles series(int side, int n) {
    std::vector<double> ms;
    for (int i = 0; i < n; ++i)
      ms.push_back(draw(warm, request(side)));
    return of(ms);
  }
};

} // namespace

int main(int argc, char** argv) {
  int n = argc > 1 ? std::max(1, std::atoi(argv[1])) : 20;
  bench b;
  // Fill the disk cache (and start libvips, fonts and the render actor).
  for (int side : {3, 5, 10})
    b.draw(b.warm, b.request(side));
  double idle = status_mb("VmRSS:");
  auto p3 = b.series(3, n);
  auto p5 = b.series(5, n);
  auto p10 = b.series(10, std::max(1, n / 2));
  double before = status_mb("VmRSS:");
  reset_peak();
  b.draw(b.warm, b.request(10));
  double peak_hwm = status_mb("VmHWM:");
  for (int i = 0; i < 100; ++i)
    b.draw(b.warm, b.request(i % 3 == 0 ? 10 : i % 3 == 1 ? 5 : 3));
  double after = status_mb("VmRSS:");
  // Cold covers: a fresh cache, the CDN answering each cover in 50 ms.
  b.cdn_delay = std::chrono::milliseconds{50};
  b.cold = b.engine("cold");
  std::vector<double> cold;
  for (int i = 0; i < 5; ++i)
    cold.push_back(b.draw(b.cold, b.request(5, "run" + std::to_string(i))));
  auto pc = of(cold);
  std::printf("3x3 labels (cached covers): median %.1f ms, p95 %.1f ms\n", p3.median, p3.p95);
  std::printf("5x5 labels (cached covers): median %.1f ms, p95 %.1f ms\n", p5.median, p5.p95);
  std::printf("10x10 labels (cached covers): median %.1f ms, p95 %.1f ms\n", p10.median, p10.p95);
  double peak = peak_hwm - idle;
  std::printf("peak RSS of a 10x10: %.1f MB, %.1f MB above the idle RSS after warm-up, %.1f MB "
              "above the RSS just before it\n",
              peak_hwm, peak, peak_hwm - before);
  std::printf("idle RSS: %.1f MB after warm-up, %.1f MB before 100 renders, %.1f MB after "
              "(%+.1f %%)\n",
              idle, before, after, (after - before) / before * 100.0);
  std::printf("5x5 cold covers, CDN 50 ms per cover: median %.1f ms, p95 %.1f ms\n", pc.median,
              pc.p95);
  std::printf("{\"p3_median_ms\":%.1f,\"p3_p95_ms\":%.1f,\"p5_median_ms\":%.1f,\"p5_p95_ms\":%.1f,"
              "\"p10_median_ms\":%.1f,\"p10_p95_ms\":%.1f,\"peak_mb\":%.1f,\"rss_before_mb\":%.1f,"
              "\"rss_after_mb\":%.1f,\"cold5_median_ms\":%.1f}\n",
              p3.median, p3.p95, p5.median, p5.p95, p10.median, p10.p95, peak, before, after,
              pc.median);
  return 0;
}
