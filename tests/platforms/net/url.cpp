#include "platforms/net/url.hpp"

#include <catch2/catch.hpp>

using lastgram::net::parse_url;
using lastgram::net::redact_url;

TEST_CASE("parse_url splits scheme, host, port and target", "[http_client]") {
  auto u = parse_url("https://API.Telegram.org/bot123/getMe?x=1#frag");
  REQUIRE(u);
  CHECK(u->tls);
  CHECK(u->host == "api.telegram.org");
  CHECK(u->port == 443);
  CHECK(u->target == "/bot123/getMe?x=1");
  CHECK(u->host_header() == "api.telegram.org");

  auto v = parse_url("http://127.0.0.1:8080");
  REQUIRE(v);
  CHECK_FALSE(v->tls);
  CHECK(v->host == "127.0.0.1");
  CHECK(v->port == 8080);
  CHECK(v->target == "/");
  CHECK(v->host_header() == "127.0.0.1:8080");
  CHECK(v->origin() == "http://127.0.0.1:8080");

  auto w = parse_url("http://localhost?q=1");
  REQUIRE(w);
  CHECK(w->port == 80);
  CHECK(w->target == "/?q=1");

  auto six = parse_url("http://[::1]:9000/x");
  REQUIRE(six);
  CHECK(six->host == "::1");
  CHECK(six->host_header() == "[::1]:9000");
}

TEST_CASE("parse_url refuses what it cannot send", "[http_client]") {
  for (auto bad : {"", "ftp://host/", "http://", "http:///path", "http://user:pw@host/",
                   "http://host:0/", "http://host:65536/", "http://host:12a/", "http://ho st/",
                   "http://host/a\r\nX: y", "http://[::1/", "host/path"}) {
    INFO(bad);
    CHECK_FALSE(parse_url(bad));
  }
}

TEST_CASE("redact_url hides the path, query and tokens of a URL but keeps the host",
          "[http_client]") {
  auto url = "https://api.telegram.org/bot123456:AbC-dEf/sendMessage?chat=42&key=s3cr3t-key";
  CHECK(redact_url(std::string{"failed: "} + url, url) == "failed: https://api.telegram.org***");
  CHECK(redact_url("token 123456:AbC-dEf leaked", url) == "token *** leaked");
  CHECK(redact_url("segment bot123456:AbC-dEf", url) == "segment ***");
  CHECK(redact_url("key s3cr3t-key", url) == "key ***");
  // Parts under four characters are ordinary words.
  CHECK(redact_url("chat 42 at api.telegram.org", url) == "chat 42 at api.telegram.org");
  // A URL that does not parse is hidden whole.
  CHECK(redact_url("bad ftp://host/secret", "ftp://host/secret") == "bad ***");
}
