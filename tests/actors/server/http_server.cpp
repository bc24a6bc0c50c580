#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <future>
#include <memory>
#include <mutex>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include "actors/logging/metrics.hpp"
#include "actors/server/http_server.hpp"
#include "support/eventually.hpp"
#include "support/http_probe.hpp"
#include "support/loop_thread.hpp"

using namespace lastgram;
using lastgram::server::http_request;
using lastgram::server::http_response;
using lastgram::server::http_server;
using lastgram::server::responder;
using lastgram::test::eventually;
using lastgram::test::http_exchange;
using lastgram::test::http_probe;
using lastgram::test::http_request_text;
using lastgram::test::loop_thread;

namespace {

server_settings test_settings() {
  server_settings s;
  s.address = "127.0.0.1";
  s.port = 0;
  s.body_limit = 1024;
  s.header_limit = 1024;
  s.timeout_seconds = 5;
  s.threads = 2;
  return s;
}

http_response text(std::string body, unsigned status = 200) {
  return http_response{status, "text/plain; charset=utf-8", std::move(body), {}};
}

/// Registers the routes most tests use, then starts.
void start_with_basic_routes(http_server& srv) {
  srv.route("GET", "/hello", [](const http_request&, responder reply) {
    reply(text("hello\n"));
  });
  srv.route("POST", "/echo", [](const http_request& req, responder reply) {
    reply(http_response{200, "application/octet-stream", req.body,
                        {{"X-Seen-Header", req.header("x-custom")},
                         {"X-Query", req.query}}});
  });
  srv.route("POST", "/hello", [](const http_request&, responder reply) {
    reply(text("posted\n"));
  });
  REQUIRE_FALSE(srv.start());
  REQUIRE(srv.port() != 0);
}

/// Responders handed over by a handler to the test thread.
struct responder_queue {
  std::mutex mtx;
  std::condition_variable cv;
  std::deque<responder> items;

  void push(responder r) {
    {
      std::lock_guard<std::mutex> guard{mtx};
      items.push_back(std::move(r));
    }
    cv.notify_all();
  }

  responder pop() {
    std::unique_lock<std::mutex> lock{mtx};
    if (!cv.wait_for(lock, std::chrono::seconds{5}, [&] { return !items.empty(); }))
      throw std::runtime_error("no request reached the handler");
    auto r = std::move(items.front());
    items.pop_front();
    return r;
  }
};

double requests_counted(std::string_view route, std::string_view status) {
  return metrics::get_counter("lastgram_http_requests_total",
                              "HTTP requests served, by route and status.",
                              {{"route", route}, {"status", status}})
    .value();
}

} // namespace

TEST_CASE("serves a registered route and counts it by route and status", "[http]") {
  http_server srv{test_settings()};
  start_with_basic_routes(srv);
  auto before = requests_counted("/hello", "200");
  auto reply = http_exchange(srv.port(), http_request_text("GET", "/hello"));
  REQUIRE(reply);
  CHECK(reply->status == 200);
  CHECK(reply->body == "hello\n");
  CHECK(reply->header("content-type") == "text/plain; charset=utf-8");
  CHECK(requests_counted("/hello", "200") == before + 1);
  CHECK(metrics::render_text().find(
          "lastgram_http_requests_total{route=\"/hello\",status=\"200\"}")
        != std::string::npos);
}

TEST_CASE("passes method, body, query and headers to the handler", "[http]") {
  http_server srv{test_settings()};
  start_with_basic_routes(srv);
  auto reply = http_exchange(
    srv.port(), http_request_text("POST", "/echo?a=1&b=2", "payload bytes",
                                  {{"X-Custom", "seen"}}));
  REQUIRE(reply);
  CHECK(reply->status == 200);
  CHECK(reply->body == "payload bytes");
  CHECK(reply->header("X-Seen-Header") == "seen");
  CHECK(reply->header("X-Query") == "a=1&b=2");
}

TEST_CASE("accepts a chunked request body", "[http]") {
  http_server srv{test_settings()};
  start_with_basic_routes(srv);
  auto reply = http_exchange(srv.port(),
                             "POST /echo HTTP/1.1\r\nHost: x\r\n"
                             "Transfer-Encoding: chunked\r\n\r\n"
                             "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n");
  REQUIRE(reply);
  CHECK(reply->status == 200);
  CHECK(reply->body == "hello world");
}

TEST_CASE("answers 404 for an unknown path and 405 for a wrong method", "[http]") {
  http_server srv{test_settings()};
  start_with_basic_routes(srv);
  auto unmatched_before = requests_counted("unmatched", "404");
  auto missing = http_exchange(srv.port(), http_request_text("GET", "/nope"));
  REQUIRE(missing);
  CHECK(missing->status == 404);
  CHECK_FALSE(missing->body.empty());
  CHECK(requests_counted("unmatched", "404") == unmatched_before + 1);

  auto wrong = http_exchange(srv.port(), http_request_text("DELETE", "/hello"));
  REQUIRE(wrong);
  CHECK(wrong->status == 405);
  CHECK(wrong->header("Allow") == "GET, POST");
}

TEST_CASE("exact routes beat prefixes and the longest prefix wins", "[http]") {
  http_server srv{test_settings()};
  auto named = [](std::string name) {
    return [name](const http_request& req, responder reply) {
      reply(text(name + " " + req.path));
    };
  };
  srv.route_prefix("GET", "/a/", named("short"));
  srv.route_prefix("GET", "/a/b/", named("long"));
  srv.route("GET", "/a/b/exact", named("exact"));
  REQUIRE_FALSE(srv.start());

  auto get = [&](std::string target) {
    auto reply = http_exchange(srv.port(), http_request_text("GET", target));
    REQUIRE(reply);
    return reply->body;
  };
  CHECK(get("/a/x") == "short /a/x");
  CHECK(get("/a/b/x?q=1") == "long /a/b/x");
  CHECK(get("/a/b/exact") == "exact /a/b/exact");
  CHECK(get("/a/b/exactly") == "long /a/b/exactly");
  auto none = http_exchange(srv.port(), http_request_text("GET", "/b"));
  REQUIRE(none);
  CHECK(none->status == 404);
}

TEST_CASE("rejects a body over the limit with 413", "[http]") {
  http_server srv{test_settings()};
  start_with_basic_routes(srv);
  auto reply = http_exchange(srv.port(),
                             http_request_text("POST", "/echo", std::string(4096, 'x')));
  REQUIRE(reply);
  CHECK(reply->status == 413);

  auto chunked = http_exchange(srv.port(),
                               "POST /echo HTTP/1.1\r\nHost: x\r\n"
                               "Transfer-Encoding: chunked\r\n\r\n"
                               "800\r\n" + std::string(0x800, 'y') + "\r\n0\r\n\r\n");
  REQUIRE(chunked);
  CHECK(chunked->status == 413);
}

namespace {

/// Sends `request` on a new connection and checks that the answer is
/// `status` and that the server then closes the connection.
void check_refused(unsigned short port, const std::string& request, unsigned status) {
  INFO(request.substr(0, 80) << " (" << request.size() << " bytes)");
  http_probe probe{port};
  REQUIRE(probe.send(request));
  auto reply = probe.read_reply();
  REQUIRE(reply);
  CHECK(reply->status == status);
  CHECK(probe.closed_by_peer());
}

/// A chunked POST /echo of "hello" followed by `trailer` (field lines).
std::string chunked_with_trailer(const std::string& trailer) {
  return "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
         "5\r\nhello\r\n0\r\n"
         + trailer + "\r\n";
}

} // namespace

TEST_CASE("an oversized request head gets 431 and a closed connection", "[http]") {
  http_server srv{test_settings()};
  start_with_basic_routes(srv);
  const std::string heads[] = {
    http_request_text("GET", "/hello", {}, {{"X-Big", std::string(4096, 'h')}}),
    http_request_text("GET", "/hello", {}, {{"X-Huge", std::string(70000, 'h')}}),
    http_request_text("GET", "/hello?" + std::string(4096, 'q')),
  };
  for (const auto& head : heads)
    check_refused(srv.port(), head, 431);
}

TEST_CASE("a trailer over the header limit gets 431 and serving goes on", "[http]") {
  http_server srv{test_settings()}; // header limit 1024
  start_with_basic_routes(srv);
  auto small = http_exchange(srv.port(), chunked_with_trailer("X-Sum: 1\r\n"));
  REQUIRE(small);
  CHECK(small->status == 200);
  CHECK(small->body == "hello");

  std::string many_fields; // each short, together over the limit
  for (int i = 0; i < 20; ++i)
    many_fields += "X-T" + std::to_string(i) + ": " + std::string(80, 't') + "\r\n";
  const std::string trailers[] = {
    many_fields,
    "X-Huge: " + std::string(70000, 't') + "\r\n", // Beast cannot store it
  };
  for (const auto& trailer : trailers)
    check_refused(srv.port(), chunked_with_trailer(trailer), 431);
  auto ok = http_exchange(srv.port(), http_request_text("GET", "/hello"));
  REQUIRE(ok);
  CHECK(ok->status == 200);
}

TEST_CASE("a field too large to store gets 431 even under the largest header limit",
          "[http]") {
  auto s = test_settings();
  s.header_limit = 1 << 20;
  http_server srv{s};
  start_with_basic_routes(srv);
  const std::string requests[] = {
    http_request_text("GET", "/hello", {}, {{"X-Huge", std::string(70000, 'h')}}),
    chunked_with_trailer("X-Huge: " + std::string(70000, 't') + "\r\n"),
  };
  for (const auto& request : requests)
    check_refused(srv.port(), request, 431);
}

TEST_CASE("keeps a connection alive across requests, pipelined too", "[http]") {
  http_server srv{test_settings()};
  start_with_basic_routes(srv);
  http_probe probe{srv.port()};
  REQUIRE(probe.send(http_request_text("GET", "/hello")));
  auto first = probe.read_reply();
  REQUIRE(first);
  CHECK(first->status == 200);
  REQUIRE(probe.send(http_request_text("POST", "/echo", "second")));
  auto second = probe.read_reply();
  REQUIRE(second);
  CHECK(second->body == "second");

  REQUIRE(probe.send(http_request_text("POST", "/echo", "third")
                     + http_request_text("POST", "/echo", "fourth")));
  auto third = probe.read_reply();
  auto fourth = probe.read_reply();
  REQUIRE(third);
  REQUIRE(fourth);
  CHECK(third->body == "third");
  CHECK(fourth->body == "fourth");
}

TEST_CASE("closes the connection when the client asks to", "[http]") {
  http_server srv{test_settings()};
  start_with_basic_routes(srv);
  http_probe probe{srv.port()};
  REQUIRE(probe.send(http_request_text("GET", "/hello", {}, {{"Connection", "close"}})));
  auto reply = probe.read_reply();
  REQUIRE(reply);
  CHECK(reply->status == 200);
  CHECK(reply->header("Connection") == "close");
  CHECK(probe.closed_by_peer());
}

TEST_CASE("a handler may answer later from another thread", "[http]") {
  http_server srv{test_settings()};
  responder_queue pending;
  srv.route("GET", "/later", [&](const http_request&, responder reply) {
    pending.push(std::move(reply));
  });
  REQUIRE_FALSE(srv.start());

  http_probe probe{srv.port()};
  REQUIRE(probe.send(http_request_text("GET", "/later")));
  auto reply_later = pending.pop();
  std::thread answerer{[&] { reply_later(text("from another thread\n", 202)); }};
  answerer.join();
  auto reply = probe.read_reply();
  REQUIRE(reply);
  CHECK(reply->status == 202);
  CHECK(reply->body == "from another thread\n");

  // The connection stays usable, and a second answer is ignored.
  reply_later(text("again\n"));
  REQUIRE(probe.send(http_request_text("GET", "/later")));
  pending.pop()(text("second\n"));
  auto second = probe.read_reply();
  REQUIRE(second);
  CHECK(second->body == "second\n");
}

TEST_CASE("a handler that never answers gets 503 when the timeout passes",
          "[http]") {
  auto s = test_settings();
  s.timeout_seconds = 1;
  responder_queue pending;
  responder kept;
  {
    http_server srv{s};
    srv.route("GET", "/silent", [&](const http_request&, responder reply) {
      pending.push(std::move(reply));
    });
    REQUIRE_FALSE(srv.start());
    http_probe probe{srv.port()};
    REQUIRE(probe.send(http_request_text("GET", "/silent")));
    kept = pending.pop();
    auto reply = probe.read_reply();
    REQUIRE(reply);
    CHECK(reply->status == 503);
    CHECK(probe.closed_by_peer());
    // Too late: dropped, not written to a closed connection.
    kept(text("late\n"));
  }
  // And harmless once the server is gone.
  REQUIRE(kept);
  kept(text("much later\n"));
}

TEST_CASE("a client that stalls mid-request is cut off by the timeout", "[http]") {
  auto s = test_settings();
  s.timeout_seconds = 1;
  http_server srv{s};
  start_with_basic_routes(srv);
  http_probe probe{srv.port()};
  REQUIRE(probe.send("GET /hello HTTP/1.1\r\nHost: x\r\n"));
  auto started = std::chrono::steady_clock::now();
  CHECK(probe.closed_by_peer());
  CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds{4});
}

TEST_CASE("an exception in a handler becomes a 500 and serving goes on", "[http]") {
  http_server srv{test_settings()};
  srv.route("GET", "/throw", [](const http_request&, responder) {
    throw std::runtime_error("boom");
  });
  srv.route("GET", "/throw-int", [](const http_request&, responder) { throw 42; });
  srv.route("GET", "/ok", [](const http_request&, responder reply) { reply(text("ok")); });
  REQUIRE_FALSE(srv.start());
  http_probe probe{srv.port()};
  REQUIRE(probe.send(http_request_text("GET", "/throw")));
  auto reply = probe.read_reply();
  REQUIRE(reply);
  CHECK(reply->status == 500);
  CHECK(reply->body.find("boom") == std::string::npos);
  REQUIRE(probe.send(http_request_text("GET", "/throw-int")));
  auto other = probe.read_reply();
  REQUIRE(other);
  CHECK(other->status == 500);
  REQUIRE(probe.send(http_request_text("GET", "/ok")));
  auto ok = probe.read_reply();
  REQUIRE(ok);
  CHECK(ok->status == 200);
}

TEST_CASE("garbage bytes get 400, a closed connection, and no harm", "[http]") {
  http_server srv{test_settings()};
  start_with_basic_routes(srv);
  {
    http_probe probe{srv.port()};
    REQUIRE(probe.send(std::string{"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n", 15}));
    auto reply = probe.read_reply();
    REQUIRE(reply);
    CHECK(reply->status == 400);
    CHECK(probe.closed_by_peer());
  }
  auto ok = http_exchange(srv.port(), http_request_text("GET", "/hello"));
  REQUIRE(ok);
  CHECK(ok->status == 200);
}

TEST_CASE("a broken request line gets 400", "[http]") {
  http_server srv{test_settings()};
  start_with_basic_routes(srv);
  const char* broken[] = {
    "GET /hello\r\n\r\n",             // no version
    "GET /hello HTTP/9.x\r\n\r\n",    // bad version
    "G(T /hello HTTP/1.1\r\n\r\n",    // bad method token
    "GET  HTTP/1.1\r\n\r\n",          // empty target
    "GET /hello HTTP/1.1\r\nBad Header\r\n\r\n",
    "POST /echo HTTP/1.1\r\nContent-Length: nope\r\n\r\n",
  };
  for (const char* raw : broken) {
    INFO(raw);
    http_probe probe{srv.port()};
    REQUIRE(probe.send(raw));
    auto reply = probe.read_reply();
    REQUIRE(reply);
    CHECK(reply->status == 400);
    CHECK(probe.closed_by_peer());
  }
  auto ok = http_exchange(srv.port(), http_request_text("GET", "/hello"));
  REQUIRE(ok);
  CHECK(ok->status == 200);
}

TEST_CASE("many garbage connections do not bring the server down", "[http]") {
  http_server srv{test_settings()};
  start_with_basic_routes(srv);
  std::mt19937 rng{20261126};
  std::uniform_int_distribution<int> byte{0, 255};
  std::uniform_int_distribution<int> length{1, 3000};
  for (int i = 0; i < 150; ++i) {
    http_probe probe{srv.port(), std::chrono::milliseconds{2000}};
    REQUIRE(probe.connected());
    std::string junk;
    int n = length(rng);
    for (int j = 0; j < n; ++j)
      junk += static_cast<char>(byte(rng));
    if (i % 3 == 0)
      junk = "GET /" + junk; // starts like HTTP, then breaks
    probe.send(junk);
    if (i % 2 == 0)
      probe.finish_sending();
    // Half of the clients walk away without reading.
    if (i % 4 == 0)
      probe.read_all();
  }
  for (int i = 0; i < 3; ++i) {
    auto ok = http_exchange(srv.port(), http_request_text("GET", "/hello"));
    REQUIRE(ok);
    CHECK(ok->status == 200);
  }
}

TEST_CASE("connections beyond the limit get 503", "[http]") {
  http_server srv{test_settings(), 2};
  start_with_basic_routes(srv);
  http_probe first{srv.port()};
  http_probe second{srv.port()};
  REQUIRE(first.send(http_request_text("GET", "/hello")));
  REQUIRE(second.send(http_request_text("GET", "/hello")));
  REQUIRE(first.read_reply());
  REQUIRE(second.read_reply());

  http_probe third{srv.port()};
  auto refused = third.read_reply();
  REQUIRE(refused);
  CHECK(refused->status == 503);
  // The admitted connections keep working.
  REQUIRE(first.send(http_request_text("GET", "/hello")));
  auto again = first.read_reply();
  REQUIRE(again);
  CHECK(again->status == 200);
}

TEST_CASE("one address holds at most its share of the connections", "[http]") {
  auto s = test_settings();
  s.max_connections_per_address = 3;
  http_server srv{s};
  start_with_basic_routes(srv);
  std::vector<std::unique_ptr<http_probe>> idle;
  for (int i = 0; i < 3; ++i) {
    idle.push_back(std::make_unique<http_probe>(srv.port()));
    REQUIRE(idle.back()->connected());
  }
  for (int i = 0; i < 3; ++i) {
    http_probe extra{srv.port()};
    auto refused = extra.read_reply();
    REQUIRE(refused);
    CHECK(refused->status == 503);
    CHECK(extra.closed_by_peer());
  }
  // Another client is still served while the first holds its share.
  http_probe other{srv.port(), "127.0.0.2"};
  REQUIRE(other.send(http_request_text("GET", "/hello")));
  auto served = other.read_reply();
  REQUIRE(served);
  CHECK(served->status == 200);
  // A connection given back makes room for the same address again.
  idle.front().reset();
  CHECK(eventually([&] {
    auto reply = http_exchange(srv.port(), http_request_text("GET", "/hello"));
    return reply && reply->status == 200;
  }));
}

TEST_CASE("a connection that sends no request head is closed after the head deadline",
          "[http]") {
  auto s = test_settings();
  s.timeout_seconds = 30;
  s.head_timeout_seconds = 1;
  http_server srv{s};
  start_with_basic_routes(srv);
  auto closed_in_time = [](http_probe& probe) {
    auto started = std::chrono::steady_clock::now();
    return probe.closed_by_peer()
           && std::chrono::steady_clock::now() - started < std::chrono::seconds{4};
  };
  SECTION("silent from the start") {
    http_probe probe{srv.port()};
    REQUIRE(probe.connected());
    CHECK(closed_in_time(probe));
  }
  SECTION("half a head") {
    http_probe probe{srv.port()};
    REQUIRE(probe.send("GET /hello HTTP/1.1\r\nHost: x\r\n"));
    CHECK(closed_in_time(probe));
  }
  SECTION("idle after a kept-alive request") {
    http_probe probe{srv.port()};
    REQUIRE(probe.send(http_request_text("GET", "/hello")));
    auto reply = probe.read_reply();
    REQUIRE(reply);
    CHECK(reply->status == 200);
    CHECK(closed_in_time(probe));
  }
  SECTION("a body may take longer than the head deadline") {
    http_probe probe{srv.port()};
    REQUIRE(probe.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\n"));
    // Pacing the client past the head deadline, not waiting for an outcome.
    std::this_thread::sleep_for(std::chrono::milliseconds{1500});
    REQUIRE(probe.send("late"));
    auto reply = probe.read_reply();
    REQUIRE(reply);
    CHECK(reply->body == "late");
  }
}

TEST_CASE("serves concurrent clients on several threads", "[http]") {
  http_server srv{test_settings()};
  start_with_basic_routes(srv);
  std::vector<std::thread> clients;
  std::atomic<int> good{0};
  for (int c = 0; c < 4; ++c)
    clients.emplace_back([&, c] {
      http_probe probe{srv.port()};
      for (int i = 0; i < 25; ++i) {
        auto body = std::to_string(c) + ":" + std::to_string(i);
        if (!probe.send(http_request_text("POST", "/echo", body)))
          return;
        auto reply = probe.read_reply();
        if (reply && reply->body == body)
          ++good;
      }
    });
  for (auto& t : clients)
    t.join();
  CHECK(good == 100);
}

TEST_CASE("start reports a port in use instead of throwing", "[http]") {
  http_server first{test_settings()};
  REQUIRE_FALSE(first.start());
  auto s = test_settings();
  s.port = first.port();
  http_server second{s};
  auto ec = second.start();
  CHECK(ec == std::errc::address_in_use);
  CHECK(second.port() == 0);
}

TEST_CASE("start reports a bad port", "[http]") {
  // Tests stay on loopback: no other address is bound, even to fail.
  auto p = test_settings();
  p.port = 70000;
  http_server bad_port{p};
  CHECK(bad_port.start() == std::errc::invalid_argument);
}

TEST_CASE("stop closes open connections and is idempotent", "[http]") {
  http_server srv{test_settings()};
  start_with_basic_routes(srv);
  http_probe idle{srv.port()};
  REQUIRE(idle.send(http_request_text("GET", "/hello")));
  REQUIRE(idle.read_reply());
  auto port = srv.port();
  srv.stop();
  CHECK(idle.closed_by_peer());
  srv.stop();
  http_probe after{port};
  CHECK_FALSE(after.connected());
  CHECK(srv.start());
}

TEST_CASE("the server stops, and goes away, from one of its own threads", "[http]") {
  // A handler, or something it calls, may be what stops the server: that
  // thread cannot join itself.
  using namespace std::chrono_literals;
  auto threads = GENERATE(1, 2);
  auto s = test_settings();
  s.threads = threads;
  auto srv = std::make_unique<http_server>(s);
  std::promise<std::thread::id> stopped;
  auto done = stopped.get_future();
  auto destroy = GENERATE(false, true);
  srv->route("GET", "/stop", [&](const http_request&, responder reply) {
    reply(text("bye\n"));
    if (destroy)
      srv.reset();
    else
      srv->stop();
    stopped.set_value(std::this_thread::get_id());
  });
  REQUIRE_FALSE(srv->start());
  auto port = srv->port();
  http_probe probe{port};
  REQUIRE(probe.send(http_request_text("GET", "/stop")));
  REQUIRE(done.wait_for(5s) == std::future_status::ready);
  CHECK(done.get() != std::this_thread::get_id());
  // The port is closed, and the connection with it once that thread has
  // left the io_context.
  CHECK(eventually([&] { return !http_probe{port}.connected(); }));
  CHECK(probe.closed_by_peer());
  if (!destroy)
    srv->stop(); // idempotent, from another thread as well
}

TEST_CASE("on a shared loop the server serves on the loop's thread, and stop closes every "
          "connection and leaves the loop running",
          "[http]") {
  loop_thread loop;
  http_server srv{test_settings()};
  srv.share_loop(loop.ioc);
  std::atomic<bool> on_loop_thread{false};
  responder_queue waiting;
  srv.route("GET", "/where", [&](const http_request&, responder reply) {
    on_loop_thread = std::this_thread::get_id() == loop.thread.get_id();
    reply(text("here\n"));
  });
  srv.route("GET", "/never", [&](const http_request&, responder reply) {
    waiting.push(std::move(reply));
  });
  REQUIRE_FALSE(srv.start());
  auto port = srv.port();

  http_probe idle{port};
  REQUIRE(idle.send(http_request_text("GET", "/where")));
  auto reply = idle.read_reply();
  REQUIRE(reply);
  CHECK(reply->body == "here\n");
  CHECK(on_loop_thread);
  // A connection whose handler has not answered yet.
  http_probe pending{port};
  REQUIRE(pending.send(http_request_text("GET", "/never")));
  auto late = waiting.pop();

  srv.stop();
  CHECK(idle.closed_by_peer());
  CHECK(pending.closed_by_peer());
  CHECK_FALSE(http_probe{port}.connected());
  late(text("too late\n")); // ignored, and harmless
  CHECK(loop.still_runs());
  srv.stop(); // idempotent
}

TEST_CASE("on a shared loop the server stops from a handler on the loop's thread",
          "[http]") {
  using namespace std::chrono_literals;
  loop_thread loop;
  auto srv = std::make_unique<http_server>(test_settings());
  srv->share_loop(loop.ioc);
  std::promise<void> stopped;
  auto done = stopped.get_future();
  srv->route("GET", "/stop", [&](const http_request&, responder reply) {
    reply(text("bye\n"));
    srv->stop();
    stopped.set_value();
  });
  REQUIRE_FALSE(srv->start());
  auto port = srv->port();
  http_probe probe{port};
  REQUIRE(probe.send(http_request_text("GET", "/stop")));
  REQUIRE(done.wait_for(5s) == std::future_status::ready);
  CHECK(eventually([&] { return !http_probe{port}.connected(); }));
  CHECK(probe.closed_by_peer());
  CHECK(loop.still_runs());
}
