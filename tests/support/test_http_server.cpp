#include "support/test_http_server.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <thread>

namespace lastgram::test {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using boost::system::error_code;

namespace {

bool iequals(std::string_view a, std::string_view b) {
  return beast::iequals(beast::string_view(a.data(), a.size()), beast::string_view(b.data(), b.size()));
}

// Shared by the server object and its sessions; sessions die with the io_context.
struct server_state {
  test_http_server::handler handle;
  mutable std::mutex mutex;
  mutable std::condition_variable arrived;
  mutable std::condition_variable closed;
  std::vector<received_request> requests;
  std::size_t accepted = 0;
  std::size_t open = 0;
  std::size_t peak_open = 0;
};

template <class Stream>
tcp::socket& lowest(Stream& s) {
  if constexpr (std::is_same_v<Stream, tcp::socket>)
    return s;
  else
    return s.next_layer();
}

// One accepted connection: read a request, ask the handler, act, repeat.
template <class Stream>
class session : public std::enable_shared_from_this<session<Stream>> {
public:
  session(Stream stream, server_state& st, std::size_t number)
    : stream_(std::move(stream)), st_(st), number_(number), timer_(stream_.get_executor()) {
  }

  ~session() {
    {
      std::lock_guard<std::mutex> guard(st_.mutex);
      --st_.open;
    }
    st_.closed.notify_all();
  }

  void start() {
    if constexpr (std::is_same_v<Stream, tcp::socket>) {
      read();
    } else {
      stream_.async_handshake(asio::ssl::stream_base::server,
                              [self = this->shared_from_this()](error_code ec) {
                                if (!ec)
                                  self->read();
                              });
    }
  }

private:
  void read() {
    parser_.emplace();
    parser_->body_limit(64 << 20);
    http::async_read(stream_, buffer_, *parser_,
                     [self = this->shared_from_this()](error_code ec, std::size_t) { self->on_read(ec); });
  }

  void on_read(error_code ec) {
    if (ec)
      return;
    auto msg = parser_->release();
    received_request req;
    req.connection = number_;
    req.index_on_connection = count_++;
    req.method = std::string(msg.method_string());
    req.target = std::string(msg.target());
    req.body = msg.body();
    for (auto& f : msg)
      req.headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
    head_ = msg.method() == http::verb::head;
    {
      std::lock_guard<std::mutex> guard(st_.mutex);
      st_.requests.push_back(req);
    }
    st_.arrived.notify_all();
    reply_ = st_.handle(req);
    if (reply_.delay.count() > 0) {
      timer_.expires_after(reply_.delay);
      timer_.async_wait([self = this->shared_from_this()](error_code) { self->act(); });
    } else {
      act();
    }
  }

  void act() {
    switch (reply_.action) {
      case reply_action::respond:
      case reply_action::respond_then_close: return respond();
      case reply_action::close_without_answer: return close();
      case reply_action::never_answer: return wait_for_close();
      case reply_action::truncate:
        return write_raw("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nshort");
      case reply_action::garbage: return write_raw("THIS IS NOT HTTP\r\n\r\n");
    }
  }

  void respond() {
    res_ = {};
    res_.version(11);
    res_.result(reply_.status);
    for (auto& [name, value] : reply_.headers)
      res_.insert(name, value);
    res_.keep_alive(!reply_.connection_close);
    if (head_) {
      res_.content_length(reply_.body.size());
    } else {
      res_.body() = reply_.body;
      res_.prepare_payload();
    }
    http::async_write(stream_, res_, [self = this->shared_from_this()](error_code ec, std::size_t) {
      if (ec)
        return;
      bool closing = self->reply_.connection_close && !self->reply_.linger_after_close;
      if (closing || self->reply_.action == reply_action::respond_then_close)
        return self->close();
      self->read();
    });
  }

  void write_raw(const char* text) {
    raw_ = text;
    asio::async_write(stream_, asio::buffer(raw_),
                      [self = this->shared_from_this()](error_code, std::size_t) { self->close(); });
  }

  // Keeps the session alive, silent, until the peer goes away.
  void wait_for_close() {
    lowest(stream_).async_wait(tcp::socket::wait_read, [self = this->shared_from_this()](error_code ec) {
      char byte = 0;
      error_code read_ec;
      if (!ec && lowest(self->stream_).read_some(asio::buffer(&byte, 1), read_ec) > 0)
        return self->wait_for_close();
    });
  }

  void close() {
    error_code ignored;
    lowest(stream_).shutdown(tcp::socket::shutdown_both, ignored);
    lowest(stream_).close(ignored);
  }

  Stream stream_;
  server_state& st_;
  std::size_t number_;
  std::size_t count_ = 0;
  bool head_ = false;
  asio::steady_timer timer_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  http::response<http::string_body> res_;
  canned_response reply_;
  std::string raw_;
};

} // namespace

std::string received_request::header(std::string_view name) const {
  for (auto& [key, value] : headers)
    if (iequals(key, name))
      return value;
  return {};
}

struct test_http_server::impl {
  server_state state;
  asio::io_context ioc;
  std::optional<asio::ssl::context> tls;
  tcp::acceptor acceptor{ioc};
  std::uint16_t port = 0;
  std::thread thread;

  void accept() {
    acceptor.async_accept([this](error_code ec, tcp::socket socket) {
      if (ec)
        return;
      std::size_t number;
      {
        std::lock_guard<std::mutex> guard(state.mutex);
        number = ++state.accepted;
        state.peak_open = std::max(state.peak_open, ++state.open);
      }
      if (tls)
        std::make_shared<session<asio::ssl::stream<tcp::socket>>>(
          asio::ssl::stream<tcp::socket>(std::move(socket), *tls), state, number)
          ->start();
      else
        std::make_shared<session<tcp::socket>>(std::move(socket), state, number)->start();
      accept();
    });
  }
};

test_http_server::test_http_server(handler h, std::optional<tls_identity> identity)
  : impl_(std::make_unique<impl>()) {
  impl_->state.handle = std::move(h);
  if (identity) {
    impl_->tls.emplace(asio::ssl::context::tls_server);
    impl_->tls->use_certificate_chain(asio::buffer(identity->cert_pem));
    impl_->tls->use_private_key(asio::buffer(identity->key_pem), asio::ssl::context::pem);
  }
  tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), 0);
  impl_->acceptor.open(ep.protocol());
  impl_->acceptor.set_option(tcp::acceptor::reuse_address(true));
  impl_->acceptor.bind(ep);
  impl_->acceptor.listen();
  impl_->port = impl_->acceptor.local_endpoint().port();
  impl_->accept();
  impl_->thread = std::thread([this] { impl_->ioc.run(); });
}

test_http_server::~test_http_server() {
  impl_->ioc.stop();
  impl_->thread.join();
}

std::uint16_t test_http_server::port() const {
  return impl_->port;
}

std::string test_http_server::url(std::string_view path) const {
  return std::string(impl_->tls ? "https" : "http") + "://127.0.0.1:" + std::to_string(port()) +
         std::string(path);
}

std::size_t test_http_server::accepted_connections() const {
  std::lock_guard<std::mutex> guard(impl_->state.mutex);
  return impl_->state.accepted;
}

std::vector<received_request> test_http_server::requests() const {
  std::lock_guard<std::mutex> guard(impl_->state.mutex);
  return impl_->state.requests;
}

bool test_http_server::wait_for_requests(std::size_t n, std::chrono::milliseconds timeout) const {
  std::unique_lock<std::mutex> lock(impl_->state.mutex);
  return impl_->state.arrived.wait_for(lock, timeout, [&] { return impl_->state.requests.size() >= n; });
}

std::size_t test_http_server::open_connections() const {
  std::lock_guard<std::mutex> guard(impl_->state.mutex);
  return impl_->state.open;
}

bool test_http_server::wait_until_no_connections(std::chrono::milliseconds timeout) const {
  std::unique_lock<std::mutex> lock(impl_->state.mutex);
  return impl_->state.closed.wait_for(lock, timeout, [&] { return impl_->state.open == 0; });
}

std::size_t test_http_server::peak_open_connections() const {
  std::lock_guard<std::mutex> guard(impl_->state.mutex);
  return impl_->state.peak_open;
}

std::uint16_t unused_loopback_port() {
  asio::io_context ioc;
  tcp::acceptor acceptor(ioc, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  return acceptor.local_endpoint().port();
}

} // namespace lastgram::test
