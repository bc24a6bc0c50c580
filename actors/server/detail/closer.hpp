#pragma once

// Internal to actors/server: the graceful end of a connection.

#include <array>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include <boost/beast/core/tcp_stream.hpp>

#include "actors/server/detail/state.hpp"

namespace lastgram::server::detail {

/// Closes a connection gracefully: optionally writes a canned response,
/// shuts down sending and reads (and discards) what the client still sends
/// for a short while. Closing with unread input would make the kernel send
/// a reset, which can destroy the response before the client reads it.
class closer : public std::enable_shared_from_this<closer> {
public:
  closer(boost::beast::tcp_stream&& stream, std::unique_ptr<connection_slot> slot);

  /// Writes `canned` (raw HTTP) first when it is not empty.
  void start(std::string_view canned = {});

private:
  void on_write(boost::beast::error_code ec, std::size_t);
  void do_shutdown();
  void do_drain();
  void on_drain(boost::beast::error_code ec, std::size_t n);

  boost::beast::tcp_stream stream_;
  std::unique_ptr<connection_slot> slot_;
  std::string canned_;
  std::array<char, 4096> scratch_{};
  std::size_t drained_ = 0;
};

} // namespace lastgram::server::detail
