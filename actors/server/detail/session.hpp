#pragma once

// Internal to actors/server: one HTTP/1.1 connection, in the shape of
// Boost.Beast's example/http/server/async session.

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include "actors/server/detail/request_parser.hpp"
#include "actors/server/detail/state.hpp"
#include "actors/server/http_server.hpp"

namespace lastgram::server::detail {

/// Who is at the other end of a connection, as the listener found it on
/// accepting it (once per connection, not once per request).
struct session_peer {
  std::string address;
  bool loopback = false;
};

/// Reads a request (its head within head_timeout, the rest within timeout),
/// hands it to its handler, waits for the answer (with a deadline), writes
/// it, and repeats while keep-alive. One write in flight by
/// construction: the next request is read only after the answer went out.
class session : public std::enable_shared_from_this<session> {
public:
  session(boost::asio::ip::tcp::socket&& socket, std::shared_ptr<const shared_state> st,
          std::shared_ptr<gate> g, std::unique_ptr<connection_slot> slot,
          session_peer peer);

  ~session();

  /// Starts reading on the connection's strand, and joins the gate's open
  /// sessions until destroyed.
  void run();

  /// Ends the connection now, whatever it is doing (on its strand; callable
  /// from any thread): the server is stopping.
  void abort();

private:
  using request_type = boost::beast::http::request<boost::beast::http::string_body>;

  void do_read();
  void on_read_header(boost::beast::error_code ec, std::size_t);
  void on_read(boost::beast::error_code ec, std::size_t);
  void handle(request_type req);
  void call_handler(const handler& h, const http_request& r);
  void handler_threw(std::uint64_t id, std::atomic<bool>& answered, std::string_view what);
  responder make_responder(std::uint64_t id, std::shared_ptr<std::atomic<bool>> answered);
  void on_answer(std::uint64_t id, http_response res);
  void on_handler_timeout(std::uint64_t id, boost::beast::error_code ec);
  void send_error(unsigned status, std::string body);
  void send(http_response r, bool close);
  void on_write(bool close, boost::beast::error_code ec, std::size_t);
  void do_close();

  boost::beast::tcp_stream stream_;
  boost::asio::steady_timer handler_timer_;
  std::shared_ptr<const shared_state> st_;
  std::shared_ptr<gate> gate_;
  std::unique_ptr<connection_slot> slot_;
  session_peer peer_;
  boost::beast::flat_buffer buffer_;
  std::optional<request_parser> parser_;
  boost::beast::http::response<boost::beast::http::string_body> res_;
  std::uint64_t request_id_ = 0;
  bool awaiting_ = false;
  unsigned version_ = 11;
  bool keep_alive_ = true;
  std::string route_ = "unmatched";
  std::string method_;
  std::string path_;
};

} // namespace lastgram::server::detail
