// The gateway's websocket client against real servers on loopback: the
// plain fake gateway (ws://) and a TLS websocket server with a certificate
// of a throwaway CA (wss://): SNI, the host name check, an unknown CA.

#include "platforms/discord/gateway_socket.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <mutex>
#include <string>
#include <vector>

#include "support/eventually.hpp"
#include "support/fake_gateway.hpp"
#include "support/fake_gateway_tls.hpp"
#include "support/test_http_server.hpp"

using namespace std::chrono_literals;
using namespace lastgram::discord::gateway;
using lastgram::test::eventually;

namespace {

/// What one connection reported.
struct recorder {
  std::mutex mutex;
  bool opened = false;
  std::vector<std::string> texts;
  int closes = 0;
  std::uint16_t code = 0;
  std::string why;

  socket_events events() {
    socket_events ev;
    ev.on_open = [this] {
      std::lock_guard<std::mutex> guard(mutex);
      opened = true;
    };
    ev.on_text = [this](std::string t) {
      std::lock_guard<std::mutex> guard(mutex);
      texts.push_back(std::move(t));
    };
    ev.on_closed = [this](std::uint16_t c, std::string w) {
      std::lock_guard<std::mutex> guard(mutex);
      ++closes;
      code = c;
      why = std::move(w);
    };
    return ev;
  }

  template <class F>
  auto with(F&& f) {
    std::lock_guard<std::mutex> guard(mutex);
    return f(*this);
  }
};

socket_transport::options with_ca(const std::string& ca_file) {
  socket_transport::options o;
  o.ca_file = ca_file;
  o.open_timeout = 3000ms;
  return o;
}

} // namespace

TEST_CASE("a ws connection opens reads sends and reports the peer's close code") {
  lastgram::test::fake_gateway gw;
  recorder rec;
  {
    socket_transport transport({});
    auto sock = transport.connect(gw.url() + "/?v=10&encoding=json", rec.events());
    REQUIRE(sock);
    REQUIRE(eventually([&] { return rec.with([](recorder& r) { return r.texts.size() == 1; }); }));
    CHECK(rec.with([](recorder& r) { return r.opened && r.texts[0].find("\"op\":10") != std::string::npos; }));
    sock->send(R"({"op":1,"d":null})");
    REQUIRE(eventually([&] { return rec.with([](recorder& r) { return r.texts.size() == 2; }); }));
    CHECK(rec.with([](recorder& r) { return r.texts[1]; }) == R"({"op":11})");
    gw.close_client(4009);
    REQUIRE(eventually([&] { return rec.with([](recorder& r) { return r.closes == 1; }); }));
    CHECK(rec.with([](recorder& r) { return r.code; }) == 4009);
    CHECK(gw.targets().at(0) == "/?v=10&encoding=json");
  }
  CHECK(rec.closes == 1);
}

TEST_CASE("a refused ws connection or a bad URL reports close 1006 once") {
  recorder refused, bad;
  socket_transport transport({});
  // A port of a fake that is gone: nothing listens there any more.
  std::string url;
  {
    lastgram::test::fake_gateway gw;
    url = gw.url();
  }
  transport.connect(url, refused.events());
  CHECK_FALSE(transport.connect("https://example.com/", bad.events()));
  REQUIRE(eventually([&] { return refused.with([](recorder& r) { return r.closes == 1; }); }));
  REQUIRE(eventually([&] { return bad.with([](recorder& r) { return r.closes == 1; }); }));
  CHECK(refused.with([](recorder& r) { return r.code; }) == 1006);
  CHECK(bad.with([](recorder& r) { return r.why; }).find("ws://") != std::string::npos);
  CHECK_FALSE(refused.with([](recorder& r) { return r.opened; }));
}

TEST_CASE("a wss connection sends SNI and verifies the certificate against the CA") {
  lastgram::test::test_ca ca;
  lastgram::test::fake_gateway_tls server(ca.issue({"DNS:localhost"}), R"({"op":10})");
  recorder rec;
  socket_transport transport(with_ca(ca.cert_file()));
  auto sock = transport.connect("wss://localhost:" + std::to_string(server.port()) + "/?v=10", rec.events());
  REQUIRE(eventually([&] { return rec.with([](recorder& r) { return r.texts.size() == 1; }); }));
  CHECK(server.server_name() == "localhost");
  sock->send("ping over tls");
  REQUIRE(eventually([&] { return rec.with([](recorder& r) { return r.texts.size() == 2; }); }));
  CHECK(rec.with([](recorder& r) { return r.texts[1]; }) == "ping over tls");
  sock->close(1000);
  REQUIRE(eventually([&] { return rec.with([](recorder& r) { return r.closes == 1; }); }));
}

TEST_CASE("a wss certificate for another host name is refused") {
  lastgram::test::test_ca ca;
  lastgram::test::fake_gateway_tls server(ca.issue({"DNS:gateway.example"}), "{}");
  recorder rec;
  socket_transport transport(with_ca(ca.cert_file()));
  transport.connect("wss://localhost:" + std::to_string(server.port()), rec.events());
  REQUIRE(eventually([&] { return rec.with([](recorder& r) { return r.closes == 1; }); }));
  CHECK(rec.with([](recorder& r) { return r.code; }) == 1006);
  CHECK(rec.with([](recorder& r) { return r.why; }).find("TLS handshake") != std::string::npos);
  CHECK(server.accepted() == 0);
}

TEST_CASE("a wss certificate of a CA outside the system store is refused") {
  lastgram::test::test_ca ca;
  lastgram::test::fake_gateway_tls server(ca.issue({"DNS:localhost"}), "{}");
  recorder rec;
  socket_transport transport(with_ca(""));
  transport.connect("wss://localhost:" + std::to_string(server.port()), rec.events());
  REQUIRE(eventually([&] { return rec.with([](recorder& r) { return r.closes == 1; }); }));
  CHECK(rec.with([](recorder& r) { return r.why; }).find("TLS handshake") != std::string::npos);
  CHECK_FALSE(rec.with([](recorder& r) { return r.opened; }));
  CHECK(server.accepted() == 0);
}
