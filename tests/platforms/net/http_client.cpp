#include "platforms/net/http_client.hpp"
#include "support/test_http_server.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <condition_variable>
#include <future>
#include <mutex>
#include <stdexcept>
#include <thread>

using namespace lastgram::net;
using namespace std::chrono_literals;
using lastgram::test::canned_response;
using lastgram::test::received_request;
using lastgram::test::reply_action;
using lastgram::test::test_ca;
using lastgram::test::test_http_server;

namespace {

using steady = std::chrono::steady_clock;

// A bound on every wait in these tests, so that a broken client fails a test
// instead of hanging the suite.
constexpr auto test_wait = 10s;

canned_response ok(std::string body = "ok") {
  canned_response r;
  r.body = std::move(body);
  return r;
}

http_call get(std::string url, std::chrono::milliseconds timeout = 5000ms) {
  http_call call;
  call.url = std::move(url);
  call.timeout = timeout;
  return call;
}

// Collects callbacks of many requests, counting calls per request.
class collector {
public:
  explicit collector(std::size_t n) : results_(n), calls_(n, 0) {
  }

  std::function<void(http_result)> slot(std::size_t i) {
    return [this, i](http_result r) {
      std::lock_guard<std::mutex> guard(mutex_);
      results_[i] = std::move(r);
      ++calls_[i];
      ++total_;
      cv_.notify_all();
    };
  }

  bool wait_all() {
    std::unique_lock<std::mutex> lock(mutex_);
    return cv_.wait_for(lock, test_wait, [&] { return total_ >= results_.size(); });
  }

  std::vector<http_result> results() {
    std::lock_guard<std::mutex> guard(mutex_);
    return results_;
  }

  std::vector<int> calls() {
    std::lock_guard<std::mutex> guard(mutex_);
    return calls_;
  }

private:
  std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<http_result> results_;
  std::vector<int> calls_;
  std::size_t total_ = 0;
};

// Sends one request and waits for its result.
http_result fetch(http_client& client, http_call call) {
  auto promise = std::make_shared<std::promise<http_result>>();
  auto future = promise->get_future();
  client.request(std::move(call), [promise](http_result r) { promise->set_value(std::move(r)); });
  if (future.wait_for(test_wait) != std::future_status::ready) {
    FAIL("the callback did not run within " << test_wait.count() << " s");
  }
  return future.get();
}

http_client::options opts() {
  return {};
}

} // namespace

TEST_CASE("to_string names every error", "[http_client]") {
  CHECK(to_string(http_errc::ok) == "ok");
  CHECK(to_string(http_errc::body_too_large) == "body_too_large");
  CHECK(to_string(http_errc::invalid_url) == "invalid_url");
  CHECK(to_string(http_errc::internal) == "internal");
}

TEST_CASE("a GET round-trips status, body and response headers", "[http_client]") {
  test_http_server server([](const received_request&) {
    auto r = ok("hello");
    r.status = 201;
    r.headers = {{"X-Reply", "yes"}, {"Content-Type", "text/plain"}};
    return r;
  });
  http_client client(opts());
  auto res = fetch(client, get(server.url("/path/x?a=1&b=2")));
  CHECK(res.error == http_errc::ok);
  CHECK(res.error_text.empty());
  CHECK(res.status == 201);
  CHECK(res.body == "hello");
  CHECK(res.header("x-reply") == "yes");
  CHECK(res.header("content-type") == "text/plain");
  CHECK(res.header("missing").empty());
  auto reqs = server.requests();
  REQUIRE(reqs.size() == 1);
  CHECK(reqs[0].method == "GET");
  CHECK(reqs[0].target == "/path/x?a=1&b=2");
  CHECK(reqs[0].header("host") == "127.0.0.1:" + std::to_string(server.port()));
}

TEST_CASE("a POST sends its body, content type and headers", "[http_client]") {
  test_http_server server([](const received_request& req) { return ok("echo:" + req.body); });
  http_client client(opts());
  http_call call = get(server.url("/submit"));
  call.method = "POST";
  call.body = R"({"chat_id":1})";
  call.content_type = "application/json";
  call.headers = {{"X-Token", "abc"}, {"X-Multi", "1"}, {"X-Multi", "2"}};
  auto res = fetch(client, call);
  CHECK(res.error == http_errc::ok);
  CHECK(res.body == R"(echo:{"chat_id":1})");
  auto reqs = server.requests();
  REQUIRE(reqs.size() == 1);
  CHECK(reqs[0].method == "POST");
  CHECK(reqs[0].body == R"({"chat_id":1})");
  CHECK(reqs[0].header("content-type") == "application/json");
  CHECK(reqs[0].header("content-length") == "13");
  CHECK(reqs[0].header("x-token") == "abc");
  int multi = 0;
  for (auto& [name, value] : reqs[0].headers)
    multi += name == "X-Multi";
  CHECK(multi == 2);
}

TEST_CASE("the configured User-Agent is sent unless a request sets its own", "[http_client]") {
  test_http_server server([](const received_request&) { return ok(); });
  auto o = opts();
  o.user_agent = "lastgram-test/1.0";
  http_client client(o);
  CHECK(fetch(client, get(server.url())).error == http_errc::ok);
  auto call = get(server.url());
  call.headers = {{"User-Agent", "custom/2"}};
  CHECK(fetch(client, call).error == http_errc::ok);
  auto reqs = server.requests();
  REQUIRE(reqs.size() == 2);
  CHECK(reqs[0].header("user-agent") == "lastgram-test/1.0");
  CHECK(reqs[1].header("user-agent") == "custom/2");
}

TEST_CASE("the default User-Agent names lastgram", "[http_client]") {
  test_http_server server([](const received_request&) { return ok(); });
  http_client client(opts());
  CHECK(fetch(client, get(server.url())).error == http_errc::ok);
  CHECK(server.requests().at(0).header("user-agent") ==
        "lastgram/0.1 (+https://github.com/musicorum-app/lastgram)");
}

TEST_CASE("sequential requests reuse one keep-alive connection", "[http_client]") {
  test_http_server server([](const received_request&) { return ok(); });
  http_client client(opts());
  for (int i = 0; i < 20; ++i)
    REQUIRE(fetch(client, get(server.url("/" + std::to_string(i)))).error == http_errc::ok);
  CHECK(server.accepted_connections() == 1);
  CHECK(server.requests().back().index_on_connection == 19);
}

TEST_CASE("concurrent requests open at most max_connections_per_host", "[http_client]") {
  // The delay keeps responses in flight so the requests really overlap.
  test_http_server server([](const received_request&) {
    auto r = ok();
    r.delay = 50ms;
    return r;
  });
  auto o = opts();
  o.max_connections_per_host = 4;
  o.threads = 2;
  http_client client(o);
  collector c(20);
  for (std::size_t i = 0; i < 20; ++i)
    client.request(get(server.url()), c.slot(i));
  REQUIRE(c.wait_all());
  for (auto& r : c.results())
    CHECK(r.error == http_errc::ok);
  CHECK(server.accepted_connections() <= 4);
  CHECK(server.accepted_connections() >= 2);
  CHECK(server.peak_open_connections() <= 4);
}

TEST_CASE("a server that never answers times out within the deadline", "[http_client]") {
  test_http_server server([](const received_request& req) {
    canned_response r = ok();
    if (req.connection == 1)
      r.action = reply_action::never_answer;
    return r;
  });
  http_client client(opts());
  auto start = steady::now();
  auto res = fetch(client, get(server.url(), 300ms));
  auto elapsed = steady::now() - start;
  CHECK(res.error == http_errc::timeout);
  CHECK(res.status == 0);
  CHECK_FALSE(res.error_text.empty());
  // Not before the deadline; a timeout error is the deadline firing (the
  // server never answers).
  CHECK(elapsed >= 290ms);
  // The timed-out connection was discarded, not pooled.
  CHECK(fetch(client, get(server.url())).error == http_errc::ok);
  CHECK(server.accepted_connections() == 2);
}

TEST_CASE("a refused connection fails quickly with connect_failed", "[http_client]") {
  auto port = lastgram::test::unused_loopback_port();
  http_client client(opts());
  // Refused, not timed out: with a 60 s deadline, a client waiting for it
  // would not answer within fetch's 10 s.
  auto res = fetch(client, get("http://127.0.0.1:" + std::to_string(port) + "/", 60000ms));
  CHECK(res.error == http_errc::connect_failed);
}

TEST_CASE("a GET on a pooled connection the server dropped is retried on a fresh one",
          "[http_client]") {
  // Every second request on a connection finds it closed: the race between a
  // server's idle timeout and our next request.
  test_http_server server([](const received_request& req) {
    auto r = ok("n" + std::to_string(req.connection));
    if (req.index_on_connection == 1)
      r.action = reply_action::close_without_answer;
    return r;
  });
  http_client client(opts());
  REQUIRE(fetch(client, get(server.url())).error == http_errc::ok);
  auto res = fetch(client, get(server.url()));
  CHECK(res.error == http_errc::ok);
  CHECK(res.body == "n2");
  CHECK(server.accepted_connections() == 2);
  CHECK(server.requests().size() == 3);
}

TEST_CASE("a POST on a pooled connection the server dropped is not retried", "[http_client]") {
  test_http_server server([](const received_request& req) {
    auto r = ok();
    if (req.index_on_connection == 1)
      r.action = reply_action::close_without_answer;
    return r;
  });
  http_client client(opts());
  auto post = get(server.url());
  post.method = "POST";
  post.body = "x";
  REQUIRE(fetch(client, post).error == http_errc::ok);
  auto res = fetch(client, post);
  CHECK(res.error == http_errc::connection_reset);
  CHECK(server.requests().size() == 2);
  CHECK(server.accepted_connections() == 1);
}

TEST_CASE("a pooled connection the server closed while idle does not fail the next GET",
          "[http_client]") {
  test_http_server server([](const received_request&) {
    auto r = ok();
    r.action = reply_action::respond_then_close;
    return r;
  });
  http_client client(opts());
  for (int i = 0; i < 3; ++i)
    CHECK(fetch(client, get(server.url())).error == http_errc::ok);
  CHECK(server.accepted_connections() == 3);
}

TEST_CASE("a POST does not go out on a pooled connection the server already closed",
          "[http_client]") {
  test_http_server server([](const received_request&) {
    auto r = ok();
    r.action = reply_action::respond_then_close;
    return r;
  });
  http_client client(opts());
  auto post = get(server.url());
  post.method = "POST";
  post.body = "x";
  REQUIRE(fetch(client, post).error == http_errc::ok);
  REQUIRE(server.wait_until_no_connections(test_wait));
  // No retry would save a POST: the client must notice the close beforehand.
  CHECK(fetch(client, post).error == http_errc::ok);
  CHECK(server.accepted_connections() == 2);
}

TEST_CASE("a response with Connection: close is not pooled", "[http_client]") {
  // The server leaves the connection open, so only the header tells.
  test_http_server server([](const received_request&) {
    auto r = ok();
    r.connection_close = true;
    r.linger_after_close = true;
    return r;
  });
  http_client client(opts());
  auto res = fetch(client, get(server.url()));
  CHECK(res.error == http_errc::ok);
  CHECK(res.header("connection") == "close");
  CHECK(fetch(client, get(server.url())).error == http_errc::ok);
  CHECK(server.accepted_connections() == 2);
  CHECK(server.requests().at(1).connection == 2);
}

TEST_CASE("a truncated response is an error", "[http_client]") {
  test_http_server server([](const received_request&) {
    auto r = ok();
    r.action = reply_action::truncate;
    return r;
  });
  http_client client(opts());
  auto res = fetch(client, get(server.url()));
  CHECK((res.error == http_errc::protocol || res.error == http_errc::connection_reset));
}

TEST_CASE("a response that is not HTTP is a protocol error", "[http_client]") {
  test_http_server server([](const received_request&) {
    auto r = ok();
    r.action = reply_action::garbage;
    return r;
  });
  http_client client(opts());
  CHECK(fetch(client, get(server.url())).error == http_errc::protocol);
}

TEST_CASE("a body over the limit fails with body_too_large", "[http_client]") {
  test_http_server server([](const received_request& req) { return ok(std::string(req.target == "/big" ? 4096 : 1024, 'x')); });
  auto o = opts();
  o.body_limit = 1024;
  http_client client(o);
  CHECK(fetch(client, get(server.url("/big"))).error == http_errc::body_too_large);
  auto fits = fetch(client, get(server.url("/fits")));
  CHECK(fits.error == http_errc::ok);
  CHECK(fits.body.size() == 1024);
}

TEST_CASE("a HEAD response is complete without the announced body", "[http_client]") {
  test_http_server server([](const received_request&) { return ok(std::string(100, 'x')); });
  http_client client(opts());
  auto call = get(server.url(), 2000ms);
  call.method = "HEAD";
  auto res = fetch(client, call);
  CHECK(res.error == http_errc::ok);
  CHECK(res.header("content-length") == "100");
  CHECK(res.body.empty());
  // The connection stays in step: the next GET reuses it.
  CHECK(fetch(client, get(server.url())).body.size() == 100);
  CHECK(server.accepted_connections() == 1);
}

TEST_CASE("an invalid URL fails with invalid_url on the client's thread", "[http_client]") {
  http_client client(opts());
  auto promise = std::make_shared<std::promise<std::thread::id>>();
  auto future = promise->get_future();
  http_result result;
  client.request(get("ftp://127.0.0.1/bot-secret-token"), [&result, promise](http_result r) {
    result = std::move(r);
    promise->set_value(std::this_thread::get_id());
  });
  REQUIRE(future.wait_for(test_wait) == std::future_status::ready);
  CHECK(future.get() != std::this_thread::get_id());
  CHECK(result.error == http_errc::invalid_url);
  CHECK_THAT(result.error_text, !Catch::Matchers::Contains("secret"));
}

TEST_CASE("a header with a line break is refused", "[http_client]") {
  test_http_server server([](const received_request&) { return ok(); });
  http_client client(opts());
  auto call = get(server.url());
  call.headers = {{"X-Evil", "a\r\nInjected: yes"}};
  CHECK(fetch(client, call).error == http_errc::invalid_url);
  CHECK(server.requests().empty());
}

TEST_CASE("an exception inside the client fails the request with its text", "[http_client]") {
  test_http_server server([](const received_request&) { return ok(); });
  http_client client(opts());
  // Beast throws std::length_error for a header value over 64 KiB.
  auto call = get(server.url("/bot123456:SECRET-TOKEN/getMe"), 5000ms);
  call.headers = {{"X-Long", std::string(70000, 'x')}};
  auto res = fetch(client, call);
  CHECK(res.error == http_errc::internal);
  CHECK_THAT(res.error_text, Catch::Matchers::Contains("field value too large"));
  CHECK_THAT(res.error_text, Catch::Matchers::Contains("127.0.0.1:" + std::to_string(server.port())));
  CHECK_THAT(res.error_text, !Catch::Matchers::Contains("SECRET"));
  CHECK(server.requests().empty());
  // The client's thread is still serving.
  CHECK(fetch(client, get(server.url())).error == http_errc::ok);
}

TEST_CASE("a callback that throws is reported with its text, never the URL's secrets",
          "[http_client]") {
  test_http_server server([](const received_request&) { return ok(); });
  auto reported = std::make_shared<std::promise<std::string>>();
  auto report = reported->get_future();
  auto options = opts();
  options.on_error = [reported](const std::string& text) { reported->set_value(text); };
  http_client client(options);
  auto url = server.url("/bot123456:SECRET-TOKEN/getMe?api_key=KEY-0123456789");
  client.request(get(url), [url](http_result) {
    throw std::runtime_error("cannot handle the answer of " + url);
  });
  REQUIRE(report.wait_for(test_wait) == std::future_status::ready);
  auto text = report.get();
  CHECK_THAT(text, Catch::Matchers::Contains("threw: cannot handle the answer of http://127.0.0.1:"));
  CHECK_THAT(text, !Catch::Matchers::Contains("SECRET"));
  CHECK_THAT(text, !Catch::Matchers::Contains("KEY-0123456789"));
  CHECK_THAT(text, !Catch::Matchers::Contains("123456:"));
  CHECK(fetch(client, get(server.url())).error == http_errc::ok);
}

TEST_CASE("requests beyond the wait queue bound fail instead of queueing", "[http_client]") {
  test_http_server server([](const received_request&) {
    auto r = ok();
    r.action = reply_action::never_answer;
    return r;
  });
  auto o = opts();
  o.max_connections_per_host = 1;
  o.max_queued_per_host = 2;
  http_client client(o);
  collector c(3);
  for (std::size_t i = 0; i < 3; ++i)
    client.request(get(server.url(), 400ms), c.slot(i));
  // The fourth finds one request on the connection and two waiting.
  auto res = fetch(client, get(server.url(), 400ms));
  CHECK(res.error == http_errc::queue_full);
  CHECK(to_string(res.error) == "queue_full");
  REQUIRE(c.wait_all());
  for (auto& r : c.results())
    CHECK(r.error == http_errc::timeout);
}

TEST_CASE("a request in its own lane does not wait behind the host's other requests",
          "[http_client]") {
  test_http_server server([](const received_request& req) {
    auto r = ok();
    if (req.target == "/held")
      r.action = reply_action::never_answer;
    return r;
  });
  auto o = opts();
  o.max_connections_per_host = 1;
  http_client client(o);
  // The host's one connection is taken by a request that is never answered.
  collector held(1);
  client.request(get(server.url("/held"), 3000ms), held.slot(0));
  // Another request to the host waits for that connection and times out...
  collector queued(1);
  client.request(get(server.url("/queued"), 2000ms), queued.slot(0));
  // ...while one in a lane of its own gets a connection and its answer.
  auto poll = get(server.url("/poll"), 2000ms);
  poll.lane = "long poll";
  auto res = fetch(client, poll);
  CHECK(res.error == http_errc::ok);
  CHECK(res.status == 200);
  REQUIRE(queued.wait_all());
  CHECK(queued.results()[0].error == http_errc::timeout);
  REQUIRE(held.wait_all());
}

TEST_CASE("shutdown completes in-flight and queued requests once with cancelled",
          "[http_client]") {
  test_http_server server([](const received_request&) {
    auto r = ok();
    r.action = reply_action::never_answer;
    return r;
  });
  collector c(5);
  auto o = opts();
  o.max_connections_per_host = 2;
  o.threads = 2;
  http_client client(o);
  for (std::size_t i = 0; i < 5; ++i)
    client.request(get(server.url(), 20000ms), c.slot(i));
  REQUIRE(server.wait_for_requests(2, test_wait));
  // The requests' own deadline is 20 s: shutdown ends them rather than
  // waiting for it (c.wait_all() gives up after 10 s).
  client.shutdown();
  REQUIRE(c.wait_all());
  for (auto& r : c.results())
    CHECK(r.error == http_errc::cancelled);
  for (int n : c.calls())
    CHECK(n == 1);

  // After shutdown a request is refused at once, on the calling thread.
  http_result late;
  int late_calls = 0;
  client.request(get(server.url()), [&](http_result r) {
    late = std::move(r);
    ++late_calls;
  });
  CHECK(late_calls == 1);
  CHECK(late.error == http_errc::cancelled);
  client.shutdown();
  CHECK(c.calls() == std::vector<int>(5, 1));
}

TEST_CASE("destroying the client cancels what is still pending", "[http_client]") {
  test_http_server server([](const received_request&) {
    auto r = ok();
    r.action = reply_action::never_answer;
    return r;
  });
  collector c(2);
  {
    http_client client(opts());
    client.request(get(server.url(), 20000ms), c.slot(0));
    client.request(get(server.url(), 20000ms), c.slot(1));
    REQUIRE(server.wait_for_requests(2, test_wait));
  }
  REQUIRE(c.wait_all());
  CHECK(c.results()[0].error == http_errc::cancelled);
  CHECK(c.calls() == std::vector<int>{1, 1});
}

TEST_CASE("HTTPS verifies the server against the given CA", "[http_client]") {
  test_ca ca;
  test_http_server server([](const received_request&) { return ok("secure"); },
                          ca.issue({"DNS:localhost", "IP:127.0.0.1"}));
  auto o = opts();
  o.ca_file = ca.cert_file();
  http_client client(o);
  auto res = fetch(client, get(server.url()));
  INFO(res.error_text);
  CHECK(res.error == http_errc::ok);
  CHECK(res.body == "secure");
  auto by_name = fetch(client, get("https://localhost:" + std::to_string(server.port()) + "/"));
  INFO(by_name.error_text);
  CHECK(by_name.error == http_errc::ok);
}

TEST_CASE("HTTPS connections are kept alive too", "[http_client]") {
  test_ca ca;
  test_http_server server([](const received_request&) { return ok(); }, ca.issue({"IP:127.0.0.1"}));
  auto o = opts();
  o.ca_file = ca.cert_file();
  http_client client(o);
  for (int i = 0; i < 5; ++i)
    REQUIRE(fetch(client, get(server.url())).error == http_errc::ok);
  CHECK(server.accepted_connections() == 1);
}

TEST_CASE("HTTPS fails with tls_failed when the CA is not trusted", "[http_client]") {
  test_ca ca;
  test_http_server server([](const received_request&) { return ok(); },
                          ca.issue({"DNS:localhost", "IP:127.0.0.1"}));
  http_client client(opts());
  auto res = fetch(client, get(server.url()));
  CHECK(res.error == http_errc::tls_failed);
  CHECK_THAT(res.error_text, Catch::Matchers::Contains("certificate verify failed"));
  CHECK(server.requests().empty());
}

TEST_CASE("HTTPS fails with tls_failed for a certificate of another host", "[http_client]") {
  test_ca ca;
  test_http_server server([](const received_request&) { return ok(); },
                          ca.issue({"DNS:other.example"}));
  auto o = opts();
  o.ca_file = ca.cert_file();
  http_client client(o);
  auto by_ip = fetch(client, get(server.url()));
  CHECK(by_ip.error == http_errc::tls_failed);
  CHECK_THAT(by_ip.error_text, Catch::Matchers::Contains("IP address mismatch"));
  auto by_name = fetch(client, get("https://localhost:" + std::to_string(server.port()) + "/"));
  CHECK(by_name.error == http_errc::tls_failed);
  CHECK_THAT(by_name.error_text, Catch::Matchers::Contains("hostname mismatch"));
  CHECK(server.requests().empty());
}

TEST_CASE("verify_peer = false accepts an untrusted certificate", "[http_client]") {
  test_ca ca;
  test_http_server server([](const received_request&) { return ok(); }, ca.issue({"DNS:other.example"}));
  auto o = opts();
  o.verify_peer = false;
  http_client client(o);
  CHECK(fetch(client, get(server.url())).error == http_errc::ok);
}

TEST_CASE("an unreadable ca_file is refused at construction", "[http_client]") {
  auto o = opts();
  o.ca_file = "/nonexistent/ca.pem";
  CHECK_THROWS_AS(http_client(o), std::invalid_argument);
}
