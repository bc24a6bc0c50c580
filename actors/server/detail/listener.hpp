#pragma once

// Internal to actors/server: the acceptor, in the shape of Boost.Beast's
// example/http/server/async listener.

#include <memory>
#include <string>
#include <string_view>
#include <system_error>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include "actors/server/detail/state.hpp"

namespace lastgram::server::detail {

/// Accepts connections and starts a session for each, or turns one away with
/// 503 when the admission limits (all slots, or its address's share) say so. Each
/// pending accept or back-off holds it, so it lives until close() and the
/// last of those handlers, or until its io_context is destroyed.
class listener : public std::enable_shared_from_this<listener> {
public:
  listener(boost::asio::io_context& ioc, std::shared_ptr<shared_state> st,
           std::shared_ptr<gate> g);

  /// Resolves `address` (once, now) and binds and listens on it.
  std::error_code open(const std::string& address, unsigned short port);

  /// The endpoint actually bound (port 0 becomes a real port).
  boost::asio::ip::tcp::endpoint local_endpoint() const;

  /// Starts accepting; call after open() succeeded.
  void run();

  /// Stops accepting (on the io_context; callable from any thread).
  void close();

private:
  std::error_code resolve(const std::string& address, unsigned short port,
                          boost::asio::ip::tcp::endpoint& out);
  void do_accept();
  void on_accept(boost::beast::error_code ec, boost::asio::ip::tcp::socket socket);
  void admit(boost::asio::ip::tcp::socket socket);
  void turn_away(boost::asio::ip::tcp::socket socket, std::string_view why);

  boost::asio::io_context& ioc_;
  std::shared_ptr<shared_state> st_;
  std::shared_ptr<gate> gate_;
  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::steady_timer backoff_;
};

} // namespace lastgram::server::detail
