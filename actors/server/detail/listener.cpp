#include "actors/server/detail/listener.hpp"

#include <chrono>
#include <string_view>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include "actors/server/detail/closer.hpp"
#include "actors/server/detail/session.hpp"

namespace lastgram::server::detail {

namespace beast = boost::beast;
namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

std::error_code to_std(const beast::error_code& ec) {
  if (ec.category() == boost::system::system_category())
    return {ec.value(), std::system_category()};
  return ec;
}

} // namespace

listener::listener(net::io_context& ioc, std::shared_ptr<shared_state> st,
                   std::shared_ptr<gate> g)
  : ioc_(ioc), st_(std::move(st)), gate_(std::move(g)), acceptor_(ioc), backoff_(ioc) {}

std::error_code listener::resolve(const std::string& address, unsigned short port,
                                  tcp::endpoint& out) {
  beast::error_code ec;
  auto ip = net::ip::make_address(address, ec);
  if (!ec) {
    out = {ip, port};
    return {};
  }
  // A host name such as "localhost": resolve once, at start.
  tcp::resolver resolver{ioc_};
  auto results = resolver.resolve(address, std::to_string(port), ec);
  if (ec || results.empty())
    return ec ? to_std(ec) : std::make_error_code(std::errc::invalid_argument);
  out = results.begin()->endpoint();
  return {};
}

std::error_code listener::open(const std::string& address, unsigned short port) {
  tcp::endpoint endpoint;
  if (auto err = resolve(address, port, endpoint))
    return err;
  beast::error_code ec;
  acceptor_.open(endpoint.protocol(), ec);
  if (!ec)
    acceptor_.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec)
    acceptor_.bind(endpoint, ec);
  if (!ec)
    acceptor_.listen(net::socket_base::max_listen_connections, ec);
  return to_std(ec);
}

tcp::endpoint listener::local_endpoint() const {
  beast::error_code ec;
  return acceptor_.local_endpoint(ec);
}

void listener::run() {
  do_accept();
}

void listener::do_accept() {
  // Each connection gets its own strand, so handlers of one session never
  // run concurrently even with several I/O threads.
  acceptor_.async_accept(net::make_strand(ioc_),
                         beast::bind_front_handler(&listener::on_accept, shared_from_this()));
}

void listener::close() {
  net::dispatch(ioc_, [self = shared_from_this()] {
    beast::error_code ec;
    self->acceptor_.close(ec);
    self->backoff_.cancel();
  });
}

void listener::on_accept(beast::error_code ec, tcp::socket socket) {
  if (ec == net::error::operation_aborted || !acceptor_.is_open())
    return;
  if (ec) {
    // E.g. out of file descriptors: back off instead of spinning.
    fail(ec, "accept");
    backoff_.expires_after(std::chrono::milliseconds{50});
    backoff_.async_wait([self = shared_from_this()](beast::error_code wait_ec) {
      if (!wait_ec && self->acceptor_.is_open())
        self->do_accept();
    });
    return;
  }
  admit(std::move(socket));
  do_accept();
}

void listener::admit(tcp::socket socket) {
  beast::error_code peer_ec;
  auto peer = socket.remote_endpoint(peer_ec);
  if (peer_ec)
    return fail(peer_ec, "remote endpoint"); // already gone: closing is all there is
  session_peer who{peer.address().to_string(), is_loopback(peer.address())};
  switch (st_->slots.try_admit(who.address, who.loopback)) {
  case admission::verdict::admitted: {
    auto slot = std::make_unique<connection_slot>(st_, who.address);
    return std::make_shared<session>(std::move(socket), st_, gate_, std::move(slot),
                                      std::move(who))
      ->run();
  }
  case admission::verdict::server_full:
    return turn_away(std::move(socket), "too many clients\n");
  case admission::verdict::address_full:
    return turn_away(std::move(socket), "too many connections from your address\n");
  }
}

void listener::turn_away(tcp::socket socket, std::string_view why) {
  // Holds no slot: the closer gives up within its short linger time.
  auto canned = "HTTP/1.1 503 Service Unavailable\r\nServer: lastgram\r\n"
                "Content-Type: text/plain; charset=utf-8\r\nContent-Length: "
                + std::to_string(why.size()) + "\r\nConnection: close\r\n\r\n"
                + std::string{why};
  count_request("unmatched", 503);
  std::make_shared<closer>(beast::tcp_stream{std::move(socket)}, nullptr)->start(canned);
}

} // namespace lastgram::server::detail
