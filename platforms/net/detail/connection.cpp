#include "platforms/net/detail/connection.hpp"

#include <sys/socket.h>
#include <sys/types.h>

#include <cerrno>
#include <cstddef>

namespace lastgram::net::detail {

namespace {

/// The read buffer's room from the start. Beast reads as much as the buffer
/// has room for (at least 512 bytes), and since the parser takes every byte
/// it reads, a buffer that starts empty stays at 512: a 4 KB answer was 8
/// reads, each with its own trip through the reactor. 16 KiB takes a typical
/// Last.fm or Bot API answer in one read, for 16 KiB per open connection.
constexpr std::size_t read_room = 16 * 1024;

} // namespace

http_connection::http_connection(asio::io_context& ioc) {
  plain_.emplace(ioc);
  buffer_.reserve(read_room);
}

http_connection::http_connection(asio::io_context& ioc, asio::ssl::context& ctx) {
  tls_.emplace(ioc, ctx);
  buffer_.reserve(read_room);
}

tcp::socket& http_connection::socket() {
  return tls_ ? tls_->next_layer() : *plain_;
}

bool http_connection::looks_reusable() {
  auto& s = socket();
  if (!s.is_open() || buffer_.size() != 0)
    return false;
  // A non-blocking peek: EAGAIN means "open and quiet", which is the only
  // state in which a request may go out. 0 means the peer closed it, and data
  // means it sent something we never asked for (for TLS usually a close_notify).
  char byte = 0;
  auto n = ::recv(s.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

void http_connection::close() {
  boost::system::error_code ignored;
  socket().shutdown(tcp::socket::shutdown_both, ignored);
  socket().close(ignored);
}

} // namespace lastgram::net::detail
