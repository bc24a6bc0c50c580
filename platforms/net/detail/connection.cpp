#include "platforms/net/detail/connection.hpp"

#include <sys/socket.h>
#include <sys/types.h>

#include <cerrno>

namespace lastgram::net::detail {

http_connection::http_connection(asio::io_context& ioc) {
  plain_.emplace(ioc);
}

http_connection::http_connection(asio::io_context& ioc, asio::ssl::context& ctx) {
  tls_.emplace(ioc, ctx);
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
