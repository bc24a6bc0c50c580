#include "support/fake_lastfm.hpp"
#include "support/build_paths.hpp"

#include <algorithm>
#include <cctype>
#include <condition_variable>
#include <deque>
#include <fstream>
#include <map>
#include <mutex>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <thread>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace lastgram::test {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

using steady = std::chrono::steady_clock;

std::string lower(std::string_view s) {
  std::string out{s};
  for (auto& c : out)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

std::string url_decode(std::string_view in) {
  std::string out;
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '+') {
      out.push_back(' ');
    } else if (in[i] == '%' && i + 2 < in.size() && hex_value(in[i + 1]) >= 0
               && hex_value(in[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hex_value(in[i + 1]) * 16
                                      + hex_value(in[i + 2])));
      i += 2;
    } else {
      out.push_back(in[i]);
    }
  }
  return out;
}

void parse_form(std::string_view in, query_params& out) {
  while (!in.empty()) {
    auto amp = in.find('&');
    auto pair = in.substr(0, amp);
    in = amp == std::string_view::npos ? std::string_view{}
                                       : in.substr(amp + 1);
    if (pair.empty())
      continue;
    auto eq = pair.find('=');
    if (eq == std::string_view::npos)
      out.emplace_back(url_decode(pair), std::string{});
    else
      out.emplace_back(url_decode(pair.substr(0, eq)),
                       url_decode(pair.substr(eq + 1)));
  }
}

std::string read_file(const std::string& path) {
  std::ifstream in{path, std::ios::binary};
  if (!in)
    throw std::runtime_error("fake_lastfm: cannot read " + path);
  std::ostringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

std::string error_body(int code) {
  // Wording as Last.fm sends it (see fixtures/SOURCES.md for 8 and 29).
  static const std::map<int, std::string_view> messages = {
    {3, "Invalid Method - No method with that name in this package"},
    {8, "Operation failed - Most likely the backend service failed. Please "
        "try again."},
    {11, "Service Offline - This service is temporarily offline. Try again "
         "later."},
    {13, "Invalid method signature supplied"},
    {16, "There was a temporary error processing your request. Please try "
         "again"},
    {26, "Suspended API key - Access for your account has been suspended, "
         "please contact Last.fm"},
    {29, "Rate Limit Exceeded - This application has made too many requests "
         "in a short period."},
  };
  auto i = messages.find(code);
  std::string msg{i != messages.end() ? i->second : "Error"};
  return "{\"error\":" + std::to_string(code) + ",\"message\":\"" + msg
         + "\"}";
}

const std::map<std::string, std::string>& default_fixtures() {
  static const std::map<std::string, std::string> files = {
    {"user.getinfo", "user-getinfo.json"},
    {"user.getrecenttracks", "user-getrecenttracks.json"},
    {"user.getrecenttracks+extended",
     "user-getrecenttracks-extended-nowplaying.json"},
    {"user.gettopartists", "user-gettopartists.json"},
    {"user.gettopalbums", "user-gettopalbums.json"},
    {"user.gettoptracks", "user-gettoptracks.json"},
    {"user.getweeklychartlist", "user-getweeklychartlist.json"},
    {"artist.getinfo", "artist-getinfo-with-username.json"},
    {"album.getinfo", "album-getinfo-with-username.json"},
    {"track.getinfo", "track-getinfo-with-username.json"},
    {"artist.getsimilar", "artist-getsimilar.json"},
    {"artist.getcorrection", "artist-getcorrection-none.json"},
    {"auth.gettoken", "auth-gettoken.json"},
    {"auth.getsession", "auth-getsession.json"},
    {"error.6", "error-6-user-not-found.json"},
    {"error.9", "error-9-invalid-session-key.json"},
    {"error.10", "error-10-invalid-api-key.json"},
    {"error.17", "error-17-login-required.json"},
  };
  return files;
}

struct answer {
  unsigned status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::chrono::milliseconds delay{0};
};

} // namespace

// -- fake_fault and fake_call -------------------------------------------------

fake_fault fake_fault::error(int code, int status) {
  return fake_fault{code, status, {}, false, false};
}

fake_fault fake_fault::http(int status) {
  return fake_fault{0, status, {}, false, false};
}

fake_fault fake_fault::slow(std::chrono::milliseconds delay) {
  return fake_fault{0, 0, delay, false, false};
}

fake_fault fake_fault::truncated_body() {
  return fake_fault{0, 0, {}, true, false};
}

fake_fault fake_fault::malformed_json() {
  return fake_fault{0, 0, {}, false, true};
}

std::string fake_call::param(std::string_view name) const {
  for (const auto& [k, v] : params)
    if (k == name)
      return v;
  return {};
}

// -- impl: state and routing --------------------------------------------------

struct fake_lastfm::impl {
  net::io_context ioc;
  tcp::acceptor acceptor{ioc};
  std::uint16_t port = 0;
  std::thread thread;

  mutable std::mutex mtx;
  mutable std::condition_variable arrived;
  std::string fixtures_dir;
  std::map<std::string, std::string> bodies; // default_fixtures() key -> body
  std::map<std::string, std::string> overrides;
  std::map<std::string, std::function<std::string(const fake_call&)>> handlers;
  std::deque<fake_fault> next_faults;
  std::map<std::string, fake_fault> method_faults;
  std::string required_key;
  std::function<bool(const query_params&)> verify;
  std::vector<fake_call> calls;

  std::string fixture(const std::string& key) const {
    auto i = bodies.find(key);
    return i != bodies.end() ? i->second : std::string{};
  }

  answer lastfm_error(int code, unsigned status) const {
    auto body = fixture("error." + std::to_string(code));
    return answer{status, "application/json",
                  body.empty() ? error_body(code) : body,
                  std::chrono::milliseconds{0}};
  }

  // The normal answer, before any fault.
  answer route(const fake_call& call) const {
    static const std::vector<std::string> signed_methods = {
      "auth.gettoken", "auth.getsession", "track.love", "track.unlove"};
    bool is_signed = std::find(signed_methods.begin(), signed_methods.end(),
                               call.method)
                       != signed_methods.end()
                     || !call.param("api_sig").empty();
    if (!required_key.empty() && call.param("api_key") != required_key)
      return lastfm_error(10, 403);
    if (verify && is_signed && !verify(call.params))
      return lastfm_error(13, 403);
    for (auto name : {"user", "username"}) {
      auto who = lower(call.param(name));
      if (who == "nobody")
        return lastfm_error(6, 404);
      if (who == "private")
        return lastfm_error(17, 403);
    }
    for (auto name : {"user", "username"}) {
      auto who = lower(call.param(name));
      if (who.empty())
        continue;
      if (auto i = overrides.find(call.method + "|" + who); i != overrides.end())
        return answer{200, "application/json", i->second, {}};
    }
    if (auto i = overrides.find(call.method); i != overrides.end())
      return answer{200, "application/json", i->second, {}};
    if (auto i = handlers.find(call.method); i != handlers.end())
      return answer{200, "application/json", i->second(call), {}};
    if (call.method == "track.love" || call.method == "track.unlove")
      return answer{200, "application/json", "{}", {}};
    auto key = call.method;
    if (key == "user.getrecenttracks" && call.param("extended") == "1")
      key += "+extended";
    auto body = fixture(key);
    if (body.empty())
      return lastfm_error(3, 400);
    return answer{200, "application/json", std::move(body), {}};
  }

  // Records the call and decides the answer. Called on the server thread.
  answer respond(const std::string& verb, std::string_view target,
                 std::string_view form_body) {
    fake_call call;
    call.verb = verb;
    auto q = target.find('?');
    auto path = target.substr(0, q);
    if (path != "/2.0/" && path != "/2.0")
      return answer{404, "text/plain", "not found", {}};
    if (q != std::string_view::npos)
      parse_form(target.substr(q + 1), call.params);
    if (verb == "POST")
      parse_form(form_body, call.params);
    call.method = lower(call.param("method"));

    std::lock_guard<std::mutex> guard{mtx};
    // Stamped under the lock so `calls` stays in time order.
    call.at = steady::now();
    auto result = route(call);
    std::optional<fake_fault> fault;
    if (!next_faults.empty()) {
      fault = next_faults.front();
      next_faults.pop_front();
    } else if (auto i = method_faults.find(call.method);
               i != method_faults.end()) {
      fault = i->second;
    }
    if (fault) {
      if (fault->lastfm_error != 0)
        result = lastfm_error(fault->lastfm_error, 200);
      if (fault->http_status != 0) {
        result.status = static_cast<unsigned>(fault->http_status);
        if (fault->lastfm_error == 0 && fault->http_status >= 400) {
          result.content_type = "text/html";
          result.body = "<html><body><h1>" + std::to_string(fault->http_status)
                        + "</h1></body></html>";
        }
      }
      if (fault->truncated)
        result.body.resize(result.body.size() / 2);
      if (fault->malformed) {
        result.content_type = "application/json";
        result.body = "{\"recenttracks\": {\"@attr\": {\"page\": \"1\",}, "
                      "\"track\": [}";
      }
      result.delay = fault->delay;
    }
    calls.push_back(std::move(call));
    arrived.notify_all();
    return result;
  }

  void do_accept();
};

// -- the HTTP session (Beast's async server shape) ----------------------------

namespace {

class session : public std::enable_shared_from_this<session> {
public:
  using responder = std::function<answer(const std::string&, std::string_view,
                                         std::string_view)>;

  session(tcp::socket socket, responder respond)
    : stream_(std::move(socket)),
      timer_(stream_.get_executor()),
      respond_(std::move(respond)) {
    // nop
  }

  void run() {
    do_read();
  }

private:
  void do_read() {
    parser_.emplace();
    parser_->body_limit(1 << 20);
    stream_.expires_after(std::chrono::seconds(30));
    http::async_read(stream_, buffer_, *parser_,
                     beast::bind_front_handler(&session::on_read,
                                               shared_from_this()));
  }

  void on_read(beast::error_code ec, std::size_t) {
    if (ec)
      return do_close(); // end_of_stream, timeout or a broken client
    auto req = parser_->release();
    auto a = respond_(std::string{req.method_string()},
                      std::string_view{req.target().data(),
                                       req.target().size()},
                      req.body());
    res_ = {};
    res_.version(req.version());
    res_.result(a.status);
    res_.set(http::field::server, "fake-lastfm");
    res_.set(http::field::content_type, a.content_type);
    res_.keep_alive(req.keep_alive());
    res_.body() = std::move(a.body);
    res_.prepare_payload();
    if (a.delay.count() > 0) {
      timer_.expires_after(a.delay);
      timer_.async_wait(beast::bind_front_handler(&session::on_delay,
                                                  shared_from_this()));
      return;
    }
    do_write();
  }

  void on_delay(beast::error_code ec) {
    if (ec)
      return do_close();
    do_write();
  }

  void do_write() {
    stream_.expires_after(std::chrono::seconds(30));
    http::async_write(stream_, res_,
                      beast::bind_front_handler(&session::on_write,
                                                shared_from_this()));
  }

  void on_write(beast::error_code ec, std::size_t) {
    if (ec || !res_.keep_alive())
      return do_close();
    do_read();
  }

  void do_close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
  }

  beast::tcp_stream stream_;
  net::steady_timer timer_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  http::response<http::string_body> res_;
  responder respond_;
};

} // namespace

void fake_lastfm::impl::do_accept() {
  acceptor.async_accept([this](beast::error_code ec, tcp::socket socket) {
    if (ec)
      return; // the acceptor was closed: shutting down
    std::make_shared<session>(std::move(socket),
                              [this](const std::string& verb,
                                     std::string_view target,
                                     std::string_view body) {
                                return respond(verb, target, body);
                              })
      ->run();
    do_accept();
  });
}

// -- fake_lastfm --------------------------------------------------------------

fake_lastfm::fake_lastfm() : impl_(std::make_unique<impl>()) {
  impl_->fixtures_dir = std::string{LASTGRAM_FIXTURES_DIR} + "/lastfm/";
  for (const auto& [key, file] : default_fixtures())
    impl_->bodies[key] = read_file(impl_->fixtures_dir + file);
  tcp::endpoint loopback{net::ip::make_address("127.0.0.1"), 0};
  impl_->acceptor.open(loopback.protocol());
  impl_->acceptor.set_option(net::socket_base::reuse_address(true));
  impl_->acceptor.bind(loopback);
  impl_->acceptor.listen();
  impl_->port = impl_->acceptor.local_endpoint().port();
  impl_->do_accept();
  impl_->thread = std::thread{[this] { impl_->ioc.run(); }};
}

fake_lastfm::~fake_lastfm() {
  // Close the acceptor on its own thread, then stop; pending sessions are
  // destroyed with the io_context.
  net::post(impl_->ioc, [this] {
    beast::error_code ignored;
    impl_->acceptor.close(ignored);
    impl_->ioc.stop();
  });
  impl_->thread.join();
}

std::string fake_lastfm::url() const {
  return "http://127.0.0.1:" + std::to_string(port()) + "/2.0/";
}

std::uint16_t fake_lastfm::port() const {
  return impl_->port;
}

void fake_lastfm::fail_next(int n, fake_fault f) {
  std::lock_guard<std::mutex> guard{impl_->mtx};
  for (int i = 0; i < n; ++i)
    impl_->next_faults.push_back(f);
}

void fake_lastfm::fail_method(std::string_view method, fake_fault f) {
  std::lock_guard<std::mutex> guard{impl_->mtx};
  impl_->method_faults[lower(method)] = f;
}

void fake_lastfm::set_body(std::string_view method, std::string body) {
  std::lock_guard<std::mutex> guard{impl_->mtx};
  impl_->overrides[lower(method)] = std::move(body);
}

void fake_lastfm::set_body_for_user(std::string_view method, std::string_view user,
                                    std::string body) {
  std::lock_guard<std::mutex> guard{impl_->mtx};
  impl_->overrides[lower(method) + "|" + lower(user)] = std::move(body);
}

void fake_lastfm::set_fixture(std::string_view method,
                              std::string_view file_name) {
  auto body = read_file(impl_->fixtures_dir + std::string{file_name});
  set_body(method, std::move(body));
}

void fake_lastfm::set_handler(std::string_view method,
                              std::function<std::string(const fake_call&)> make) {
  std::lock_guard<std::mutex> guard{impl_->mtx};
  impl_->handlers[lower(method)] = std::move(make);
}

void fake_lastfm::require_api_key(std::string key) {
  std::lock_guard<std::mutex> guard{impl_->mtx};
  impl_->required_key = std::move(key);
}

void fake_lastfm::require_signature(
  std::function<bool(const query_params&)> verify) {
  std::lock_guard<std::mutex> guard{impl_->mtx};
  impl_->verify = std::move(verify);
}

int fake_lastfm::calls(std::string_view method) const {
  auto name = lower(method);
  std::lock_guard<std::mutex> guard{impl_->mtx};
  return static_cast<int>(std::count_if(
    impl_->calls.begin(), impl_->calls.end(),
    [&](const fake_call& c) { return c.method == name; }));
}

int fake_lastfm::total_calls() const {
  std::lock_guard<std::mutex> guard{impl_->mtx};
  return static_cast<int>(impl_->calls.size());
}

int fake_lastfm::max_calls_per_second() const {
  std::lock_guard<std::mutex> guard{impl_->mtx};
  const auto& calls = impl_->calls; // recorded in arrival order
  std::size_t best = 0;
  std::size_t first = 0;
  for (std::size_t last = 0; last < calls.size(); ++last) {
    while (calls[last].at - calls[first].at >= std::chrono::seconds(1))
      ++first;
    best = std::max(best, last - first + 1);
  }
  return static_cast<int>(best);
}

std::vector<fake_call> fake_lastfm::received() const {
  std::lock_guard<std::mutex> guard{impl_->mtx};
  return impl_->calls;
}

bool fake_lastfm::wait_for_calls(int n,
                                 std::chrono::milliseconds timeout) const {
  std::unique_lock<std::mutex> guard{impl_->mtx};
  return impl_->arrived.wait_for(guard, timeout, [&] {
    return static_cast<int>(impl_->calls.size()) >= n;
  });
}

void fake_lastfm::reset() {
  std::lock_guard<std::mutex> guard{impl_->mtx};
  impl_->overrides.clear();
  impl_->handlers.clear();
  impl_->next_faults.clear();
  impl_->method_faults.clear();
  impl_->required_key.clear();
  impl_->verify = nullptr;
  impl_->calls.clear();
}

} // namespace lastgram::test
