// The image store behind inline photos: unguessable tokens, bounded in count,
// bytes and time, and the GET /images/<token>.jpg route.

#include <catch2/catch.hpp>

#include <set>

#include "actors/server/http_server.hpp"
#include "actors/server/image_store.hpp"
#include "support/eventually.hpp"
#include "support/multipart.hpp"
#include "support/process.hpp"

using namespace lastgram;
using namespace std::chrono_literals;

TEST_CASE("image store: tokens are 128-bit random hex and distinct", "[server][images]") {
  server::image_store store{{}};
  std::set<std::string> tokens;
  for (int i = 0; i < 100; ++i) {
    auto t = store.put("\xFF\xD8\xFF" + std::to_string(i));
    CHECK(t.size() == 32);
    CHECK(t.find_first_not_of("0123456789abcdef") == std::string::npos);
    tokens.insert(t);
  }
  CHECK(tokens.size() == 100);
  CHECK(store.put("").empty());
}

TEST_CASE("image store: bounded in count and bytes, oldest first", "[server][images]") {
  server::image_store::limits l;
  l.max_images = 3;
  l.max_bytes = 10000;
  server::image_store store{l};
  std::vector<std::string> tokens;
  for (int i = 0; i < 5; ++i)
    tokens.push_back(store.put(std::string(100, static_cast<char>('a' + i))));
  CHECK(store.size() == 3);
  CHECK_FALSE(store.get(tokens[0]));
  CHECK_FALSE(store.get(tokens[1]));
  REQUIRE(store.get(tokens[4]));
  CHECK(*store.get(tokens[4]) == std::string(100, 'e'));
  auto big = store.put(std::string(9950, 'z'));
  REQUIRE_FALSE(big.empty());
  CHECK(store.size() == 1); // the others made room
  CHECK(store.put(std::string(10001, 'y')).empty());
}

TEST_CASE("image store: the route serves a picture until it expires and 404s unknown tokens",
          "[server][images]") {
  server::image_store::limits l;
  l.ttl = 1500ms;
  auto store = std::make_shared<server::image_store>(l);
  server_settings s;
  s.port = 0;
  server::http_server srv{s};
  server::add_image_route(srv, store);
  REQUIRE_FALSE(srv.start());
  auto jpeg = test::fake_jpeg(50000);
  auto token = store->put(jpeg);
  auto got = test::http_get(srv.port(), server::image_path(token));
  CHECK(got.status == 200);
  CHECK(got.header("Content-Type") == "image/jpeg");
  CHECK(got.body == jpeg);
  CHECK(test::http_get(srv.port(), "/images/" + std::string(32, '0') + ".jpg").status == 404);
  CHECK(test::http_get(srv.port(), "/images/" + token).status == 404);
  CHECK(test::http_get(srv.port(), "/images/").status == 404);
  CHECK(test::eventually(
    [&] { return test::http_get(srv.port(), server::image_path(token)).status == 404; }, 5s));
  srv.stop();
}
