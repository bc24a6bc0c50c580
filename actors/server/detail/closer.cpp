#include "actors/server/detail/closer.hpp"

#include <chrono>

#include <boost/asio/write.hpp>
#include <boost/beast/core/bind_handler.hpp>

namespace lastgram::server::detail {

namespace beast = boost::beast;
namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

// How long, and for how many bytes, a closing connection is drained so the
// client reads our last response instead of a reset.
constexpr std::chrono::seconds linger_time{2};
constexpr std::size_t linger_budget = 1 << 20;

} // namespace

closer::closer(beast::tcp_stream&& stream, std::unique_ptr<connection_slot> slot)
  : stream_(std::move(stream)), slot_(std::move(slot)) {}

void closer::start(std::string_view canned) {
  if (canned.empty())
    return do_shutdown();
  canned_ = std::string{canned};
  stream_.expires_after(linger_time);
  net::async_write(stream_, net::buffer(canned_),
                   beast::bind_front_handler(&closer::on_write, shared_from_this()));
}

void closer::on_write(beast::error_code ec, std::size_t) {
  if (ec)
    return fail(ec, "write");
  do_shutdown();
}

void closer::do_shutdown() {
  beast::error_code ec;
  stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
  if (ec)
    return;
  stream_.expires_after(linger_time);
  do_drain();
}

void closer::do_drain() {
  stream_.async_read_some(net::buffer(scratch_),
                          beast::bind_front_handler(&closer::on_drain, shared_from_this()));
}

void closer::on_drain(beast::error_code ec, std::size_t n) {
  drained_ += n;
  if (ec || drained_ > linger_budget)
    return; // end of stream, timeout or enough: the destructor closes
  do_drain();
}

} // namespace lastgram::server::detail
