#pragma once

// Internal to platforms/net: one open socket of the HTTP client's pools.

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/core/flat_buffer.hpp>

#include <chrono>
#include <optional>

namespace lastgram::net::detail {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

/// A plain or TLS connection plus the bytes read past the last response.
///
/// Used by one request at a time; idle in a pool otherwise. It has no
/// executor of its own: the request using it binds every handler to its strand.
class http_connection {
public:
  /// A plain TCP connection, not yet connected.
  explicit http_connection(asio::io_context& ioc);

  /// A TLS connection using `ctx`, not yet connected.
  http_connection(asio::io_context& ioc, asio::ssl::context& ctx);

  /// The TCP socket underneath (for connect and close).
  tcp::socket& socket();

  /// Whether this is a TLS connection.
  bool is_tls() const { return tls_.has_value(); }

  /// The TLS stream; only when `is_tls()`.
  asio::ssl::stream<tcp::socket>& tls() { return *tls_; }

  /// Bytes already read from the socket but not yet parsed.
  boost::beast::flat_buffer& buffer() { return buffer_; }

  /// Calls `f` with the stream to read and write: the TLS stream or the socket.
  template <class F>
  void with_stream(F&& f) {
    if (tls_)
      f(*tls_);
    else
      f(*plain_);
  }

  /// Whether an idle connection can still carry a request: the peer has not
  /// closed it and sent nothing unsolicited. Checked without blocking.
  bool looks_reusable();

  /// Closes the socket; pending operations complete with operation_aborted.
  void close();

  /// When the connection last went back to the pool.
  std::chrono::steady_clock::time_point idle_since;

private:
  std::optional<tcp::socket> plain_;
  std::optional<asio::ssl::stream<tcp::socket>> tls_;
  boost::beast::flat_buffer buffer_;
};

} // namespace lastgram::net::detail
