#include "support/fake_gateway_tls.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <boost/beast/websocket/stream.hpp>

#include <openssl/ssl.h>

#include <mutex>
#include <thread>
#include <vector>

namespace lastgram::test {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using boost::system::error_code;

namespace {

struct tls_conn {
  tls_conn(tcp::socket sock, asio::ssl::context& ctx) : ws(std::move(sock), ctx) {
  }
  websocket::stream<asio::ssl::stream<tcp::socket>> ws;
  beast::flat_buffer buffer;
  std::string out;
};

} // namespace

struct fake_gateway_tls::impl : std::enable_shared_from_this<fake_gateway_tls::impl> {
  asio::io_context ioc;
  asio::executor_work_guard<asio::io_context::executor_type> work{ioc.get_executor()};
  asio::ssl::context ctx{asio::ssl::context::tls_server};
  tcp::acceptor acceptor{ioc};
  std::thread thread;
  std::string greeting;
  std::uint16_t port = 0;
  std::vector<std::weak_ptr<tls_conn>> conns;
  mutable std::mutex mutex;
  std::string sni;
  int accepted = 0;

  void start(const tls_identity& id) {
    ctx.use_certificate_chain(asio::buffer(id.cert_pem));
    ctx.use_private_key(asio::buffer(id.key_pem), asio::ssl::context::pem);
    tcp::endpoint ep{asio::ip::make_address("127.0.0.1"), 0};
    acceptor.open(ep.protocol());
    acceptor.bind(ep);
    acceptor.listen();
    port = acceptor.local_endpoint().port();
    do_accept();
    thread = std::thread([this] { ioc.run(); });
  }

  void do_accept() {
    acceptor.async_accept([self = shared_from_this()](error_code ec, tcp::socket sock) {
      if (ec)
        return;
      auto c = std::make_shared<tls_conn>(std::move(sock), self->ctx);
      self->conns.push_back(c);
      c->ws.next_layer().async_handshake(asio::ssl::stream_base::server, [self, c](error_code ec2) {
        if (ec2)
          return;
        const char* name = SSL_get_servername(c->ws.next_layer().native_handle(), TLSEXT_NAMETYPE_host_name);
        {
          std::lock_guard<std::mutex> guard(self->mutex);
          self->sni = name ? name : "";
        }
        c->ws.async_accept([self, c](error_code ec3) {
          if (ec3)
            return;
          {
            std::lock_guard<std::mutex> guard(self->mutex);
            ++self->accepted;
          }
          self->echo(c, self->greeting);
        });
      });
      self->do_accept();
    });
  }

  /// Writes `text`, then reads the next frame and echoes it.
  void echo(const std::shared_ptr<tls_conn>& c, std::string text) {
    c->out = std::move(text);
    c->ws.text(true);
    c->ws.async_write(asio::buffer(c->out), [self = shared_from_this(), c](error_code ec, std::size_t) {
      if (ec)
        return;
      c->ws.async_read(c->buffer, [self, c](error_code ec2, std::size_t) {
        if (ec2)
          return;
        auto frame = beast::buffers_to_string(c->buffer.data());
        c->buffer.consume(c->buffer.size());
        self->echo(c, std::move(frame));
      });
    });
  }

  void stop() {
    asio::post(ioc, [self = shared_from_this()] {
      error_code ignored;
      self->acceptor.close(ignored);
      for (auto& w : self->conns)
        if (auto c = w.lock())
          c->ws.next_layer().next_layer().close(ignored);
    });
    work.reset();
    if (thread.joinable())
      thread.join();
  }
};

fake_gateway_tls::fake_gateway_tls(const tls_identity& identity, std::string greeting)
  : impl_(std::make_shared<impl>()) {
  impl_->greeting = std::move(greeting);
  impl_->start(identity);
}

fake_gateway_tls::~fake_gateway_tls() {
  impl_->stop();
}

std::uint16_t fake_gateway_tls::port() const {
  return impl_->port;
}

std::string fake_gateway_tls::server_name() const {
  std::lock_guard<std::mutex> guard(impl_->mutex);
  return impl_->sni;
}

int fake_gateway_tls::accepted() const {
  std::lock_guard<std::mutex> guard(impl_->mutex);
  return impl_->accepted;
}

} // namespace lastgram::test
