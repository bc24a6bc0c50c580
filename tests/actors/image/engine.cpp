// The image engine in a real actor system, its covers from a loopback CDN.

#include <catch2/catch.hpp>

#include <chrono>
#include <filesystem>
#include <memory>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "caf/all.hpp"

#include "actors/image/engine.hpp"
#include "actors/image/pixels.hpp"
#include "messages/type_ids.hpp"
#include "platforms/net/http_client.hpp"
#include "support/test_http_server.hpp"

using namespace lastgram;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

struct env {
  test::test_http_server cdn;
  fs::path dir;
  caf::actor_system_config cfg;
  std::unique_ptr<caf::actor_system> sys;
  std::shared_ptr<net::http_client> http;
  std::unique_ptr<caf::scoped_actor> self;
  std::vector<caf::actor> spawned;

  /// Covers answer after `delay`.
  explicit env(std::chrono::milliseconds delay = 0ms)
    : cdn([delay](const test::received_request&) {
        test::canned_response c;
        c.body = image::solid_image(300, 300, 0xCC3344, "jpg");
        c.delay = delay;
        return c;
      }) {
    std::random_device rd;
    dir = fs::temp_directory_path() / ("lastgram-image-" + std::to_string(rd()));
    cfg.set("scheduler.max-threads", size_t{2});
    cfg.add_message_types<caf::id_block::lastgram>();
    sys = std::make_unique<caf::actor_system>(cfg);
    http = std::make_shared<net::http_client>(net::http_client::options{});
    self = std::make_unique<caf::scoped_actor>(*sys);
  }

  ~env() {
    for (auto& x : spawned)
      caf::anon_send_exit(x, caf::exit_reason::user_shutdown);
    http->shutdown();
    self.reset();
    std::error_code ec;
    fs::remove_all(dir, ec);
  }

  image_actor engine(image_settings s, image::render_function render = {}) {
    auto opts = std::make_shared<image::engine_options>();
    opts->settings = s;
    opts->cover_dir = (dir / "covers").string();
    opts->http = http;
    opts->render = std::move(render);
    auto hdl = image::spawn_engine(self->ptr(), opts);
    spawned.push_back(caf::actor_cast<caf::actor>(hdl));
    return hdl;
  }

  collage_request request(int n) {
    collage_request req;
    req.columns = 3;
    req.rows = 3;
    for (int i = 0; i < n; ++i)
      req.tiles.push_back(collage_tile{"Album " + std::to_string(i), "Artist", 10,
                                       cdn.url("/i/u/174s/c" + std::to_string(i) + ".jpg"), ""});
    return req;
  }

  collage_image ask(const image_actor& engine, collage_request req) {
    collage_image out;
    (*self)->request(engine, 30s, std::move(req))
      .receive([&](collage_image& x) { out = std::move(x); }, [&](caf::error&) {});
    return out;
  }
};

} // namespace

TEST_CASE("the image engine answers a decodable JPEG of the collage", "[image][engine]") {
  env e;
  image_settings s;
  s.render_slots = 1;
  auto engine = e.engine(s);
  auto out = e.ask(engine, e.request(9));
  REQUIRE(out.status == image_status::ok);
  CHECK(out.width == 900);
  CHECK(out.height == 900);
  CHECK(out.placeholders == 0);
  auto px = image::decode(out.jpeg);
  REQUIRE(px);
  CHECK(image::colour_distance(px->at(150, 100), 0xCC3344) <= 16);
  // Covers were asked at the tile size, and kept on disk.
  REQUIRE_FALSE(e.cdn.requests().empty());
  CHECK(e.cdn.requests().front().target.find("/i/u/300x300/") == 0);
  CHECK(fs::exists(e.dir / "covers"));
}

TEST_CASE("a full image queue answers busy at once", "[image][engine]") {
  env e{1500ms};
  image_settings s;
  s.render_slots = 1;
  s.queue = 1;
  s.cover_timeout_ms = 10000;
  auto engine = e.engine(s);
  auto h1 = (*e.self)->request(engine, 30s, e.request(1));
  auto h2 = (*e.self)->request(engine, 30s, e.request(2));
  auto started = std::chrono::steady_clock::now();
  auto third = e.ask(engine, e.request(3));
  CHECK(third.status == image_status::busy);
  // At once: well before the first collage's covers (1.5 s) arrive.
  CHECK(std::chrono::steady_clock::now() - started < 1s);
  h1.receive([](collage_image& x) { CHECK(x.status == image_status::ok); },
             [](caf::error& err) { FAIL(caf::to_string(err)); });
  h2.receive([](collage_image& x) { CHECK(x.status == image_status::ok); },
             [](caf::error& err) { FAIL(caf::to_string(err)); });
}

TEST_CASE("a render that throws is answered failed and its actor replaced",
          "[image][engine]") {
  env e;
  image_settings s;
  s.render_slots = 1;
  int calls = 0;
  auto engine = e.engine(s, [&calls](const collage_request& req,
                                     const std::vector<std::string>& covers) {
    ++calls;
    if (req.tiles.front().name == "std")
      throw std::runtime_error("drawing failed");
    if (req.tiles.front().name == "crash")
      throw 42; // not a std::exception: the render actor dies
    return image::render_collage(req, covers);
  });
  auto req = e.request(1);
  req.tiles[0].name = "std";
  CHECK(e.ask(engine, req).status == image_status::failed);
  req.tiles[0].name = "crash";
  CHECK(e.ask(engine, req).status == image_status::failed);
  // The one render slot works again.
  req.tiles[0].name = "fine";
  CHECK(e.ask(engine, req).status == image_status::ok);
  CHECK(calls == 3);
}

TEST_CASE("a collage without tiles is answered failed", "[image][engine]") {
  env e;
  auto engine = e.engine(image_settings{});
  CHECK(e.ask(engine, collage_request{}).status == image_status::failed);
}
