#include "platforms/discord/gateway_socket.hpp"

#include "platforms/net/detail/tls_context.hpp"
#include "platforms/net/url.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <boost/beast/websocket/stream.hpp>

#include <openssl/ssl.h>

#include <deque>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>
#include <vector>

namespace lastgram::discord::gateway {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using boost::system::error_code;

namespace {

constexpr std::uint16_t abnormal = 1006;

using strand_type = asio::strand<asio::io_context::executor_type>;
using plain_ws = websocket::stream<beast::tcp_stream>;
using tls_ws = websocket::stream<beast::ssl_stream<beast::tcp_stream>>;

bool is_ip_literal(const std::string& host) {
  error_code ec;
  asio::ip::make_address(host, ec);
  return !ec;
}

/// ws:// and wss:// as the http(s) URL parser knows them.
std::optional<net::parsed_url> parse_ws_url(const std::string& url) {
  auto scheme_end = url.find("://");
  if (scheme_end == std::string::npos)
    return std::nullopt;
  auto scheme = url.substr(0, scheme_end);
  for (auto& c : scheme)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (scheme == "ws")
    return net::parse_url("http" + url.substr(scheme_end));
  if (scheme == "wss")
    return net::parse_url("https" + url.substr(scheme_end));
  return std::nullopt;
}

} // namespace

/// What every connection shares; outlives the transport while a connection
/// still holds it (its sockets belong to `ioc`).
struct socket_core {
  explicit socket_core(socket_transport::options opts)
    : options(std::move(opts)), tls(asio::ssl::context::tls_client) {
    net::detail::configure_client_tls(tls, options.ca_file, options.verify_peer);
  }

  const socket_transport::options options;
  asio::io_context ioc;
  asio::ssl::context tls;
};

namespace {

/// One connection, shaped like Beast's async websocket client examples:
/// every step on one strand, `on_x` after `do_x`, one write in flight, a
/// bounded queue, a deadline over the opening and the closing.
class session : public socket_handle, public std::enable_shared_from_this<session> {
public:
  session(std::shared_ptr<socket_core> core, net::parsed_url url, socket_events events)
    : core_(std::move(core)), url_(std::move(url)), events_(std::move(events)),
      strand_(asio::make_strand(core_->ioc)), resolver_(strand_), deadline_(strand_) {
    if (url_.tls)
      tls_.emplace(strand_, core_->tls);
    else
      plain_.emplace(strand_);
  }

  void start() {
    asio::post(strand_, [self = shared_from_this()] { self->do_resolve(); });
  }

  void send(std::string text) override {
    asio::post(strand_, [self = shared_from_this(), text = std::move(text)]() mutable {
      self->enqueue(std::move(text));
    });
  }

  void close(std::uint16_t code) override {
    asio::post(strand_, [self = shared_from_this(), code] { self->do_close(code); });
  }

  /// Ends the connection at once (transport shutdown), without events.
  void abort() {
    asio::post(strand_, [self = shared_from_this()] {
      self->events_ = {};
      self->finish(abnormal, "the transport shut down");
    });
  }

private:
  template <class F>
  void with_ws(F&& f) {
    if (tls_)
      f(*tls_);
    else
      f(*plain_);
  }

  beast::tcp_stream& lowest() {
    if (tls_)
      return beast::get_lowest_layer(*tls_);
    return beast::get_lowest_layer(*plain_);
  }

  std::string where() const { return url_.host + ":" + std::to_string(url_.port); }

  void arm_deadline(std::chrono::milliseconds limit, const char* phase) {
    deadline_.expires_after(limit);
    deadline_.async_wait([self = shared_from_this(), phase](error_code ec) {
      if (!ec)
        self->finish(abnormal, std::string("timed out ") + phase + " " + self->where());
    });
  }

  void do_resolve() {
    if (finished_)
      return;
    arm_deadline(core_->options.open_timeout, "opening");
    resolver_.async_resolve(url_.host, std::to_string(url_.port),
                            [self = shared_from_this()](error_code ec, tcp::resolver::results_type r) {
                              self->on_resolve(ec, std::move(r));
                            });
  }

  void on_resolve(error_code ec, const tcp::resolver::results_type& results) {
    if (finished_)
      return;
    if (ec)
      return finish(abnormal, "cannot resolve " + url_.host + ": " + ec.message());
    lowest().async_connect(results, [self = shared_from_this()](error_code ec2, const tcp::endpoint&) {
      self->on_connect(ec2);
    });
  }

  void on_connect(error_code ec) {
    if (finished_)
      return;
    if (ec)
      return finish(abnormal, "cannot connect to " + where() + ": " + ec.message());
    error_code ignored;
    lowest().socket().set_option(tcp::no_delay(true), ignored);
    if (!tls_)
      return do_ws_handshake();
    auto& ssl = tls_->next_layer();
    // SNI carries host names only (RFC 6066), never IP literals.
    if (!is_ip_literal(url_.host) && !SSL_set_tlsext_host_name(ssl.native_handle(), url_.host.c_str()))
      return finish(abnormal, "cannot set SNI host name " + url_.host);
    if (core_->options.verify_peer)
      ssl.set_verify_callback(asio::ssl::host_name_verification(url_.host));
    ssl.async_handshake(asio::ssl::stream_base::client,
                        [self = shared_from_this()](error_code ec2) { self->on_tls(ec2); });
  }

  void on_tls(error_code ec) {
    if (finished_)
      return;
    if (ec)
      return finish(abnormal, "TLS handshake with " + where() + ": " + ec.message());
    do_ws_handshake();
  }

  void do_ws_handshake() {
    // The websocket stream keeps its own timeouts from here on.
    lowest().expires_never();
    with_ws([this](auto& ws) {
      websocket::stream_base::timeout t{};
      t.handshake_timeout = core_->options.close_timeout;
      t.idle_timeout = websocket::stream_base::none();
      t.keep_alive_pings = false;
      ws.set_option(t);
      ws.set_option(websocket::stream_base::decorator(
        [ua = core_->options.user_agent](websocket::request_type& req) {
          req.set(beast::http::field::user_agent, ua);
        }));
      ws.read_message_max(core_->options.max_message);
      ws.async_handshake(url_.host_header(), url_.target,
                         [self = shared_from_this()](error_code ec) { self->on_ws_handshake(ec); });
    });
  }

  void on_ws_handshake(error_code ec) {
    if (finished_)
      return;
    if (ec)
      return finish(abnormal, "websocket handshake with " + where() + ": " + ec.message());
    deadline_.cancel();
    open_ = true;
    if (events_.on_open)
      events_.on_open();
    do_read();
    do_write();
  }

  void do_read() {
    with_ws([this](auto& ws) {
      ws.async_read(buffer_, [self = shared_from_this()](error_code ec, std::size_t) {
        self->on_read(ec);
      });
    });
  }

  void on_read(error_code ec) {
    if (finished_)
      return;
    if (ec == websocket::error::closed) {
      std::uint16_t code = abnormal;
      std::string reason;
      with_ws([&](auto& ws) {
        code = static_cast<std::uint16_t>(ws.reason().code);
        reason = std::string(ws.reason().reason.data(), ws.reason().reason.size());
      });
      return finish(code, reason);
    }
    if (ec)
      return finish(abnormal, "reading from " + where() + ": " + ec.message());
    auto text = beast::buffers_to_string(buffer_.data());
    buffer_.consume(buffer_.size());
    if (events_.on_text)
      events_.on_text(std::move(text));
    if (!finished_)
      do_read();
  }

  void enqueue(std::string text) {
    if (finished_ || closing_)
      return;
    if (queue_.size() >= core_->options.max_queued)
      return finish(abnormal, "too many frames waiting to be sent to " + where());
    queue_.push_back(std::move(text));
    do_write();
  }

  void do_write() {
    if (!open_ || writing_ || closing_ || finished_ || queue_.empty())
      return;
    writing_ = true;
    with_ws([this](auto& ws) {
      ws.text(true);
      ws.async_write(asio::buffer(queue_.front()), [self = shared_from_this()](error_code ec, std::size_t) {
        self->on_write(ec);
      });
    });
  }

  void on_write(error_code ec) {
    writing_ = false;
    if (finished_)
      return;
    if (ec)
      return finish(abnormal, "writing to " + where() + ": " + ec.message());
    queue_.pop_front();
    do_write();
  }

  void do_close(std::uint16_t code) {
    if (finished_ || closing_)
      return;
    closing_ = true;
    if (!open_)
      return finish(code, "closed while opening");
    arm_deadline(core_->options.close_timeout, "closing");
    with_ws([this, code](auto& ws) {
      ws.async_close(websocket::close_reason(code), [self = shared_from_this(), code](error_code) {
        self->finish(code, "closed by us");
      });
    });
  }

  void finish(std::uint16_t code, std::string text) {
    if (finished_)
      return;
    finished_ = true;
    deadline_.cancel();
    resolver_.cancel();
    error_code ignored;
    lowest().socket().shutdown(tcp::socket::shutdown_both, ignored);
    lowest().socket().close(ignored);
    queue_.clear();
    auto done = std::move(events_.on_closed);
    events_ = {};
    if (done)
      done(code, std::move(text));
  }

  std::shared_ptr<socket_core> core_;
  net::parsed_url url_;
  socket_events events_;
  strand_type strand_;
  tcp::resolver resolver_;
  asio::steady_timer deadline_;
  std::optional<plain_ws> plain_;
  std::optional<tls_ws> tls_;
  beast::flat_buffer buffer_;
  std::deque<std::string> queue_;
  bool open_ = false;
  bool writing_ = false;
  bool closing_ = false;
  bool finished_ = false;
};

} // namespace

struct socket_transport::impl {
  std::shared_ptr<socket_core> core;
  asio::executor_work_guard<asio::io_context::executor_type> work;
  std::thread thread;
  std::mutex mutex;
  bool stopped = false;
  std::vector<std::weak_ptr<session>> sessions;

  explicit impl(options opts)
    : core(std::make_shared<socket_core>(std::move(opts))), work(core->ioc.get_executor()) {
    thread = std::thread([c = core] {
      for (;;) {
        try {
          c->ioc.run();
          return;
        } catch (...) {
          // A throwing callback must not end the I/O thread; callbacks are
          // documented as non-throwing, so this only keeps the thread alive.
        }
      }
    });
  }
};

socket_transport::socket_transport(options opts) : impl_(std::make_unique<impl>(std::move(opts))) {
}

socket_transport::~socket_transport() {
  shutdown();
}

std::shared_ptr<socket_handle> socket_transport::connect(const std::string& url, socket_events events) {
  auto parsed = parse_ws_url(url);
  std::lock_guard<std::mutex> guard(impl_->mutex);
  if (impl_->stopped || !parsed) {
    std::string why = impl_->stopped ? "the transport shut down" : "not a ws:// or wss:// URL";
    if (events.on_closed) {
      if (impl_->stopped)
        events.on_closed(abnormal, why);
      else
        asio::post(impl_->core->ioc, [done = std::move(events.on_closed), why] { done(abnormal, why); });
    }
    return nullptr;
  }
  auto s = std::make_shared<session>(impl_->core, std::move(*parsed), std::move(events));
  // Forget connections that ended, so the list stays as long as the live ones.
  auto& list = impl_->sessions;
  list.erase(std::remove_if(list.begin(), list.end(), [](auto& w) { return w.expired(); }), list.end());
  list.push_back(s);
  s->start();
  return s;
}

void socket_transport::shutdown() {
  std::vector<std::weak_ptr<session>> live;
  {
    std::lock_guard<std::mutex> guard(impl_->mutex);
    if (impl_->stopped)
      return;
    impl_->stopped = true;
    live.swap(impl_->sessions);
  }
  for (auto& w : live)
    if (auto s = w.lock())
      s->abort();
  // With every connection aborted, run() returns once their handlers ran.
  impl_->work.reset();
  if (impl_->thread.joinable())
    impl_->thread.join();
}

} // namespace lastgram::discord::gateway
