#include "actors/server/http_server.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <cctype>
#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <thread>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "actors/logging/log.hpp"
#include "actors/logging/metrics.hpp"

namespace lastgram::server {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

constexpr std::string_view engine_name = "server";
// How long, and for how many bytes, a closing connection is drained so the
// client reads our last response instead of a reset (see closer).
constexpr std::chrono::seconds linger_time{2};
constexpr std::size_t linger_budget = 1 << 20;

struct route_entry {
  std::string path;
  std::map<std::string, handler> methods;
};

/// Everything sessions read; shared so that a session never outlives it.
struct shared_state {
  std::chrono::seconds timeout{30};
  std::uint64_t body_limit = 1 << 20;
  std::uint32_t header_limit = 8192;
  std::size_t max_connections = http_server::default_max_connections;
  std::map<std::string, route_entry> exact;
  std::vector<route_entry> prefixes; // longest first once started
  std::atomic<std::size_t> connections{0};

  /// The handler for (method, path); a null handler with an entry means the
  /// path exists but not for this method (405), no entry means 404.
  std::pair<const handler*, const route_entry*>
  find(const std::string& method, std::string_view path) const {
    std::vector<const route_entry*> candidates;
    if (auto i = exact.find(std::string{path}); i != exact.end())
      candidates.push_back(&i->second);
    for (const auto& p : prefixes)
      if (path.substr(0, p.path.size()) == p.path)
        candidates.push_back(&p);
    for (const auto* entry : candidates)
      if (auto m = entry->methods.find(method); m != entry->methods.end())
        return {&m->second, entry};
    return {nullptr, candidates.empty() ? nullptr : candidates.front()};
  }
};

/// Answers from other threads pass through here; stop() closes it before
/// the io_context goes away, so a late responder never posts into the void.
struct gate {
  std::mutex mtx;
  bool open = true;
};

/// Holds one of the max_connections slots until destroyed.
class connection_slot {
public:
  explicit connection_slot(std::shared_ptr<shared_state> st)
    : st_(std::move(st)) {}
  ~connection_slot() { st_->connections.fetch_sub(1); }
  connection_slot(const connection_slot&) = delete;
  connection_slot& operator=(const connection_slot&) = delete;

private:
  std::shared_ptr<shared_state> st_;
};

void fail(beast::error_code ec, std::string_view what) {
  // Clients vanish all the time; that is not worth more than debug.
  log::debug(engine_name, "connection error",
             {log::kv("op", what), log::kv("error", ec.message())});
}

std::error_code to_std(const beast::error_code& ec) {
  if (ec.category() == boost::system::system_category())
    return {ec.value(), std::system_category()};
  return ec;
}

bool has_line_break(std::string_view s) {
  return s.find_first_of("\r\n") != std::string_view::npos;
}

/// Closes a connection gracefully: optionally writes a canned response,
/// shuts down sending and reads (and discards) what the client still sends
/// for a short while. Closing with unread input would make the kernel send
/// a reset, which can destroy the response before the client reads it.
class closer : public std::enable_shared_from_this<closer> {
public:
  closer(beast::tcp_stream&& stream, std::unique_ptr<connection_slot> slot)
    : stream_(std::move(stream)), slot_(std::move(slot)) {}

  void start(std::string_view canned = {}) {
    if (canned.empty())
      return do_shutdown();
    canned_ = std::string{canned};
    stream_.expires_after(linger_time);
    net::async_write(stream_, net::buffer(canned_),
                     beast::bind_front_handler(&closer::on_write, shared_from_this()));
  }

private:
  void on_write(beast::error_code ec, std::size_t) {
    if (ec)
      return fail(ec, "write");
    do_shutdown();
  }

  void do_shutdown() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    if (ec)
      return;
    stream_.expires_after(linger_time);
    do_drain();
  }

  void do_drain() {
    stream_.async_read_some(net::buffer(scratch_),
                            beast::bind_front_handler(&closer::on_drain,
                                                      shared_from_this()));
  }

  void on_drain(beast::error_code ec, std::size_t n) {
    drained_ += n;
    if (ec || drained_ > linger_budget)
      return; // end of stream, timeout or enough: the destructor closes
    do_drain();
  }

  beast::tcp_stream stream_;
  std::unique_ptr<connection_slot> slot_;
  std::string canned_;
  std::array<char, 4096> scratch_{};
  std::size_t drained_ = 0;
};

/// One HTTP/1.1 connection: read a request, hand it to its handler, wait for
/// the answer, write it, repeat while keep-alive. One write in flight by
/// construction: the next request is read only after the answer went out.
class session : public std::enable_shared_from_this<session> {
public:
  session(tcp::socket&& socket, std::shared_ptr<const shared_state> st,
          std::shared_ptr<gate> g, std::unique_ptr<connection_slot> slot)
    : stream_(std::move(socket)),
      handler_timer_(stream_.get_executor()),
      st_(std::move(st)),
      gate_(std::move(g)),
      slot_(std::move(slot)) {}

  void run() {
    net::dispatch(stream_.get_executor(),
                  beast::bind_front_handler(&session::do_read, shared_from_this()));
  }

private:
  void do_read() {
    parser_.emplace();
    parser_->body_limit(st_->body_limit);
    parser_->header_limit(st_->header_limit);
    stream_.expires_after(st_->timeout);
    http::async_read(stream_, buffer_, *parser_,
                     beast::bind_front_handler(&session::on_read, shared_from_this()));
  }

  void on_read(beast::error_code ec, std::size_t) {
    if (ec == http::error::end_of_stream)
      return do_close();
    if (ec == http::error::body_limit)
      return send_error(413, "payload too large\n");
    if (ec == http::error::header_limit)
      return send_error(431, "request header fields too large\n");
    if (ec && ec.category() == http::make_error_code(http::error::bad_method).category()
        && ec != http::error::partial_message)
      return send_error(400, "bad request\n");
    if (ec)
      return fail(ec, "read");
    handle(parser_->release());
  }

  void handle(http::request<http::string_body> req) {
    version_ = req.version();
    keep_alive_ = req.keep_alive();
    http_request r;
    r.method = std::string{req.method_string()};
    r.target = std::string{req.target()};
    auto q = r.target.find('?');
    r.path = r.target.substr(0, q);
    if (q != std::string::npos)
      r.query = r.target.substr(q + 1);
    for (const auto& f : req)
      r.headers.emplace_back(std::string{f.name_string()}, std::string{f.value()});
    r.body = std::move(req.body());
    beast::error_code peer_ec;
    auto peer = stream_.socket().remote_endpoint(peer_ec);
    if (!peer_ec) {
      auto address = peer.address();
      r.remote_address = address.to_string();
      r.from_loopback = address.is_loopback()
                        || (address.is_v6() && address.to_v6().is_v4_mapped()
                            && net::ip::make_address_v4(net::ip::v4_mapped, address.to_v6())
                                 .is_loopback());
    }
    method_ = r.method;
    path_ = r.path;

    auto [h, entry] = st_->find(r.method, r.path);
    if (!entry) {
      route_ = "unmatched";
      return send({404, "text/plain; charset=utf-8", "not found\n", {}}, !keep_alive_);
    }
    route_ = entry->path;
    if (!h) {
      std::string allow;
      for (const auto& m : entry->methods)
        allow += (allow.empty() ? "" : ", ") + m.first;
      return send({405, "text/plain; charset=utf-8", "method not allowed\n",
                   {{"Allow", allow}}},
                  !keep_alive_);
    }
    call_handler(*h, r);
  }

  void call_handler(const handler& h, const http_request& r) {
    auto id = ++request_id_;
    awaiting_ = true;
    handler_timer_.expires_after(st_->timeout);
    handler_timer_.async_wait(beast::bind_front_handler(
      &session::on_handler_timeout, shared_from_this(), id));
    auto answered = std::make_shared<std::atomic<bool>>(false);
    try {
      h(r, make_responder(id, answered));
    } catch (const std::exception& e) {
      handler_threw(id, *answered, e.what());
    } catch (...) {
      handler_threw(id, *answered, "non-standard exception");
    }
  }

  void handler_threw(std::uint64_t id, std::atomic<bool>& answered,
                     std::string_view what) {
    log::error(engine_name, "handler threw",
               {log::kv("route", route_), log::kv("error", what)});
    if (!answered.exchange(true))
      on_answer(id, {500, "text/plain; charset=utf-8", "internal error\n", {}});
  }

  responder make_responder(std::uint64_t id,
                           std::shared_ptr<std::atomic<bool>> answered) {
    return [weak = weak_from_this(), g = gate_, id,
            answered = std::move(answered)](http_response res) {
      if (answered->exchange(true))
        return;
      std::lock_guard<std::mutex> guard{g->mtx};
      if (!g->open)
        return;
      // `self` dies inside the lock: the io_context is alive while open.
      if (auto self = weak.lock()) {
        auto ex = self->stream_.get_executor();
        net::post(ex, [self, id, res = std::move(res)]() mutable {
          self->on_answer(id, std::move(res));
        });
      }
    };
  }

  void on_answer(std::uint64_t id, http_response res) {
    if (!awaiting_ || id != request_id_)
      return; // the handler answered after its deadline
    awaiting_ = false;
    handler_timer_.cancel();
    send(std::move(res), !keep_alive_);
  }

  void on_handler_timeout(std::uint64_t id, beast::error_code ec) {
    if (ec == net::error::operation_aborted || !awaiting_ || id != request_id_)
      return;
    awaiting_ = false;
    log::warn(engine_name, "handler did not answer in time",
              {log::kv("route", route_), log::kv("path", path_)});
    send({503, "text/plain; charset=utf-8", "timed out\n", {}}, true);
  }

  void send_error(unsigned status, std::string body) {
    route_ = "unmatched";
    method_.clear();
    path_.clear();
    send({status, "text/plain; charset=utf-8", std::move(body), {}}, true);
  }

  void send(http_response r, bool close) {
    if (r.status < 100 || r.status > 599)
      r.status = 500;
    res_ = {};
    res_.version(version_);
    res_.result(r.status);
    res_.set(http::field::server, "lastgram");
    if (!r.content_type.empty() && !has_line_break(r.content_type))
      res_.set(http::field::content_type, r.content_type);
    for (const auto& [name, value] : r.headers)
      if (!name.empty() && !has_line_break(name) && !has_line_break(value))
        res_.insert(name, value);
    res_.keep_alive(!close);
    res_.body() = std::move(r.body);
    res_.prepare_payload();
    auto status = std::to_string(r.status);
    metrics::get_counter("lastgram_http_requests_total",
                         "HTTP requests served, by route and status.",
                         {{"route", route_}, {"status", status}})
      .inc();
    log::debug(engine_name, "request served",
               {log::kv("method", method_), log::kv("path", path_),
                log::kv("status", r.status)});
    stream_.expires_after(st_->timeout);
    http::async_write(stream_, res_,
                      beast::bind_front_handler(&session::on_write, shared_from_this(),
                                                res_.need_eof()));
  }

  void on_write(bool close, beast::error_code ec, std::size_t) {
    if (ec)
      return fail(ec, "write");
    if (close)
      return std::make_shared<closer>(beast::tcp_stream{stream_.release_socket()},
                                      std::move(slot_))
        ->start();
    res_ = {};
    do_read();
  }

  void do_close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
  }

  beast::tcp_stream stream_;
  net::steady_timer handler_timer_;
  std::shared_ptr<const shared_state> st_;
  std::shared_ptr<gate> gate_;
  std::unique_ptr<connection_slot> slot_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  http::response<http::string_body> res_;
  std::uint64_t request_id_ = 0;
  bool awaiting_ = false;
  unsigned version_ = 11;
  bool keep_alive_ = true;
  std::string route_ = "unmatched";
  std::string method_;
  std::string path_;
};

} // namespace

std::string http_request::header(std::string_view name) const {
  auto same = [](std::string_view a, std::string_view b) {
    return a.size() == b.size()
           && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
                return std::tolower(static_cast<unsigned char>(x))
                       == std::tolower(static_cast<unsigned char>(y));
              });
  };
  for (const auto& [key, value] : headers)
    if (same(key, name))
      return value;
  return {};
}

struct http_server::impl {
  explicit impl(const server_settings& settings, std::size_t max_connections)
    : settings_(settings), st_(std::make_shared<shared_state>()) {
    st_->timeout = std::chrono::seconds{std::max<std::int64_t>(1, settings.timeout_seconds)};
    st_->body_limit = static_cast<std::uint64_t>(std::max<std::int64_t>(0, settings.body_limit));
    st_->header_limit = static_cast<std::uint32_t>(
      std::clamp<std::int64_t>(settings.header_limit, 256, 1 << 20));
    st_->max_connections = std::max<std::size_t>(1, max_connections);
  }

  std::error_code start();
  void stop();
  void do_accept();
  void on_accept(beast::error_code ec, tcp::socket socket);

  server_settings settings_;
  std::shared_ptr<shared_state> st_;
  std::shared_ptr<gate> gate_ = std::make_shared<gate>();
  std::mutex lifecycle_mtx_;
  bool started_ = false;
  bool stopped_ = false;
  std::atomic<unsigned short> port_{0};
  // Declared before the I/O objects that use it, reset after them in stop().
  std::unique_ptr<net::io_context> ioc_;
  std::optional<tcp::acceptor> acceptor_;
  std::optional<net::steady_timer> accept_backoff_;
  std::vector<std::thread> threads_;
};

std::error_code http_server::impl::start() {
  std::lock_guard<std::mutex> guard{lifecycle_mtx_};
  if (started_)
    return std::make_error_code(std::errc::operation_not_permitted);
  if (settings_.port < 0 || settings_.port > 65535)
    return std::make_error_code(std::errc::invalid_argument);
  std::sort(st_->prefixes.begin(), st_->prefixes.end(),
            [](const auto& a, const auto& b) { return a.path.size() > b.path.size(); });

  auto threads = static_cast<int>(std::clamp<std::int64_t>(settings_.threads, 1, 64));
  ioc_ = std::make_unique<net::io_context>(threads);
  beast::error_code ec;
  auto port = static_cast<unsigned short>(settings_.port);
  tcp::endpoint endpoint;
  auto address = net::ip::make_address(settings_.address, ec);
  if (!ec) {
    endpoint = {address, port};
  } else {
    // A host name such as "localhost": resolve once, at start.
    tcp::resolver resolver{*ioc_};
    auto results = resolver.resolve(settings_.address, std::to_string(port), ec);
    if (ec || results.empty())
      return ec ? to_std(ec) : std::make_error_code(std::errc::invalid_argument);
    endpoint = results.begin()->endpoint();
  }
  acceptor_.emplace(*ioc_);
  acceptor_->open(endpoint.protocol(), ec);
  if (!ec)
    acceptor_->set_option(net::socket_base::reuse_address(true), ec);
  if (!ec)
    acceptor_->bind(endpoint, ec);
  if (!ec)
    acceptor_->listen(net::socket_base::max_listen_connections, ec);
  if (ec) {
    acceptor_.reset();
    ioc_.reset();
    return to_std(ec);
  }
  port_ = acceptor_->local_endpoint(ec).port();
  accept_backoff_.emplace(*ioc_);
  started_ = true;
  do_accept();
  for (int i = 0; i < threads; ++i)
    threads_.emplace_back([this] {
      for (;;) {
        try {
          ioc_->run();
          return;
        } catch (const std::exception& e) {
          // Handlers catch their own exceptions; this is the last line.
          log::error(engine_name, "I/O thread caught exception",
                     {log::kv("error", e.what())});
        }
      }
    });
  log::debug(engine_name, "listening",
            {log::kv("address", endpoint.address().to_string()),
             log::kv("port", port_.load())});
  return {};
}

void http_server::impl::do_accept() {
  // Each connection gets its own strand, so handlers of one session never
  // run concurrently even with several I/O threads.
  acceptor_->async_accept(net::make_strand(*ioc_),
                          beast::bind_front_handler(&impl::on_accept, this));
}

void http_server::impl::on_accept(beast::error_code ec, tcp::socket socket) {
  if (ec == net::error::operation_aborted || !acceptor_->is_open())
    return;
  if (ec) {
    // E.g. out of file descriptors: back off instead of spinning.
    fail(ec, "accept");
    accept_backoff_->expires_after(std::chrono::milliseconds{50});
    accept_backoff_->async_wait([this](beast::error_code wait_ec) {
      if (!wait_ec)
        do_accept();
    });
    return;
  }
  auto count = st_->connections.fetch_add(1) + 1;
  auto slot = std::make_unique<connection_slot>(st_);
  if (count > st_->max_connections) {
    static constexpr std::string_view busy =
      "HTTP/1.1 503 Service Unavailable\r\nServer: lastgram\r\n"
      "Content-Type: text/plain; charset=utf-8\r\nContent-Length: 17\r\n"
      "Connection: close\r\n\r\ntoo many clients\n";
    metrics::get_counter("lastgram_http_requests_total",
                         "HTTP requests served, by route and status.",
                         {{"route", "unmatched"}, {"status", "503"}})
      .inc();
    std::make_shared<closer>(beast::tcp_stream{std::move(socket)}, std::move(slot))
      ->start(busy);
  } else {
    std::make_shared<session>(std::move(socket), st_, gate_, std::move(slot))->run();
  }
  do_accept();
}

void http_server::impl::stop() {
  std::lock_guard<std::mutex> guard{lifecycle_mtx_};
  if (!started_ || stopped_)
    return;
  stopped_ = true;
  {
    std::lock_guard<std::mutex> gate_guard{gate_->mtx};
    gate_->open = false;
  }
  ioc_->stop();
  for (auto& t : threads_)
    t.join();
  threads_.clear();
  accept_backoff_.reset();
  acceptor_.reset();
  // Destroys the handlers still queued, and with them every session and
  // its socket: that closes all connections.
  ioc_.reset();
  log::info(engine_name, "stopped", {log::kv("port", port_.load())});
}

http_server::http_server(const server_settings& settings, std::size_t max_connections)
  : impl_(std::make_unique<impl>(settings, max_connections)) {}

http_server::~http_server() {
  stop();
}

void http_server::route(std::string method, std::string path, handler h) {
  std::lock_guard<std::mutex> guard{impl_->lifecycle_mtx_};
  if (impl_->started_) {
    log::error(engine_name, "route added after start ignored", {log::kv("path", path)});
    return;
  }
  auto& entry = impl_->st_->exact[path];
  entry.path = path;
  entry.methods[std::move(method)] = std::move(h);
}

void http_server::route_prefix(std::string method, std::string prefix, handler h) {
  std::lock_guard<std::mutex> guard{impl_->lifecycle_mtx_};
  if (impl_->started_) {
    log::error(engine_name, "route added after start ignored", {log::kv("path", prefix)});
    return;
  }
  auto& prefixes = impl_->st_->prefixes;
  auto it = std::find_if(prefixes.begin(), prefixes.end(),
                         [&](const auto& e) { return e.path == prefix; });
  if (it == prefixes.end())
    it = prefixes.insert(prefixes.end(), route_entry{prefix, {}});
  it->methods[std::move(method)] = std::move(h);
}

std::error_code http_server::start() {
  return impl_->start();
}

unsigned short http_server::port() const noexcept {
  return impl_->port_.load();
}

void http_server::stop() {
  impl_->stop();
}

} // namespace lastgram::server
