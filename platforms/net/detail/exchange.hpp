#pragma once

// Internal to platforms/net: one request, from waiting for a connection to
// handing back the response.

#include "platforms/net/detail/client_core.hpp"
#include "platforms/net/http_client.hpp"
#include "platforms/net/url.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace lastgram::net::detail {

/// The state machine of one request. Every step runs on the exchange's own
/// strand, including the handlers of the (pooled, shared) connection while it
/// holds one, so no step races another; one deadline timer covers them all.
class exchange : public std::enable_shared_from_this<exchange> {
public:
  exchange(client_core& core, std::uint64_t id, http_call call,
           std::function<void(http_result)> done);

  std::uint64_t id() const { return id_; }

  /// Starts the request on the client's thread.
  void start();

  /// Completes the request with `cancelled` (on the client's thread) unless it
  /// already completed.
  void cancel();

  /// Completes a request that was never started with `e`, on the calling thread.
  void reject(http_errc e, std::string text);

private:
  enum class phase { idle, queued, resolving, connecting, handshaking, writing, reading };

  template <class F>
  void guarded(F&& f);
  /// A completion handler that runs `fn` on the strand, guarded.
  template <class... Args>
  auto step(void (exchange::*fn)(Args...));
  void failed_inside(const char* what);
  void deliver(http_result result);

  void begin();
  bool build_request();
  void acquire();
  void on_granted(std::unique_ptr<http_connection> conn);
  void open_connection();
  void on_resolve(boost::system::error_code ec, tcp::resolver::results_type results);
  void connect(const tcp::resolver::results_type& endpoints);
  void on_connect(boost::system::error_code ec, const tcp::endpoint& ep);
  void handshake();
  void on_handshake(boost::system::error_code ec);
  void send();
  void on_write(boost::system::error_code ec, std::size_t bytes);
  void on_header(boost::system::error_code ec, std::size_t bytes);
  void on_read(boost::system::error_code ec, std::size_t bytes);
  void on_deadline(boost::system::error_code ec);
  void io_failed(boost::system::error_code ec);
  void fail(http_errc e, std::string text);
  void finish(http_result result, bool reusable);
  const char* phase_name() const;
  std::string host_port() const;
  /// host:port, or "an invalid URL" before the URL parsed.
  std::string where() const;

  client_core& core_;
  std::uint64_t id_;
  http_call call_;
  std::function<void(http_result)> done_;
  asio::strand<asio::io_context::executor_type> strand_;
  asio::steady_timer deadline_;
  tcp::resolver resolver_;
  parsed_url url_;
  std::string origin_;
  boost::beast::http::request<boost::beast::http::string_body> req_;
  std::optional<boost::beast::http::response_parser<boost::beast::http::string_body>> parser_;
  // After a failure the closed connection stays here until the exchange is
  // destroyed: a pending operation may still refer to it.
  std::unique_ptr<http_connection> conn_;
  phase phase_ = phase::idle;
  bool holds_slot_ = false;
  bool reused_ = false;
  bool retried_ = false;
  bool endpoints_from_cache_ = false;
  bool finished_ = false;
};

} // namespace lastgram::net::detail
