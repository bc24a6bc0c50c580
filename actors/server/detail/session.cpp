#include "actors/server/detail/session.hpp"

#include <algorithm>
#include <mutex>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

#include "actors/logging/log.hpp"
#include "actors/server/detail/closer.hpp"

namespace lastgram::server::detail {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

bool has_line_break(std::string_view s) {
  return s.find_first_of("\r\n") != std::string_view::npos;
}

/// The handlers' view of a parsed request from `peer`.
http_request to_request(http::request<http::string_body>& req, const session_peer& peer) {
  http_request r;
  r.method = std::string{req.method_string()};
  r.target = std::string{req.target()};
  auto q = r.target.find('?');
  r.path = r.target.substr(0, q);
  if (q != std::string::npos)
    r.query = r.target.substr(q + 1);
  for (const auto& f : req)
    r.headers.emplace_back(std::string{f.name_string()}, std::string{f.value()});
  r.body = std::move(req.body());
  r.remote_address = peer.address;
  r.from_loopback = peer.loopback;
  return r;
}

} // namespace

session::session(tcp::socket&& socket, std::shared_ptr<const shared_state> st,
                 std::shared_ptr<gate> g, std::unique_ptr<connection_slot> slot,
                 session_peer peer)
  : stream_(std::move(socket)),
    handler_timer_(stream_.get_executor()),
    st_(std::move(st)),
    gate_(std::move(g)),
    slot_(std::move(slot)),
    peer_(std::move(peer)),
    buffer_(read_buffer_size(st_->header_limit)) {
  // Beast reads as much as the buffer has room for (at least 512 bytes), and
  // the parser takes every byte read, so a buffer that starts empty stays at
  // 512: a webhook update of 700 bytes took two reads. 4 KiB holds a typical
  // request whole, for 4 KiB per open connection.
  buffer_.reserve(std::min<std::size_t>(4096, buffer_.max_size()));
}

session::~session() {
  std::lock_guard<std::mutex> guard{gate_->sessions_mtx};
  if (gate_->sessions.erase(this) > 0)
    gate_->ended.notify_all();
}

void session::run() {
  {
    std::lock_guard<std::mutex> guard{gate_->sessions_mtx};
    // Accepted while the server stops: closed at once (the socket's
    // destructor closes it).
    if (gate_->closing)
      return;
    gate_->sessions.emplace(this, [weak = weak_from_this()] {
      if (auto self = weak.lock())
        self->abort();
    });
  }
  net::dispatch(stream_.get_executor(),
                beast::bind_front_handler(&session::do_read, shared_from_this()));
}

void session::do_read() {
  parser_.emplace(st_->header_limit);
  parser_->body_limit(st_->body_limit);
  // The head (or, between requests, the next one) must come soon: an idle
  // connection holds a slot, and slots are what an attacker wants.
  stream_.expires_after(st_->head_timeout);
  http::async_read_header(stream_, buffer_, *parser_,
                          beast::bind_front_handler(&session::on_read_header, shared_from_this()));
}

void session::on_read_header(beast::error_code ec, std::size_t) {
  if (ec || parser_->is_done())
    return on_read(ec, 0);
  stream_.expires_after(st_->timeout);
  http::async_read(stream_, buffer_, *parser_,
                   beast::bind_front_handler(&session::on_read, shared_from_this()));
}

void session::on_read(beast::error_code ec, std::size_t) {
  if (ec == http::error::end_of_stream)
    return do_close();
  if (ec == http::error::body_limit)
    return send_error(413, "payload too large\n");
  // buffer_overflow: a chunk header or trailer section that does not fit
  // the read buffer, which is sized after the header limit.
  if (ec == http::error::header_limit || ec == http::error::buffer_overflow)
    return send_error(431, "request header fields too large\n");
  if (ec && ec.category() == http::make_error_code(http::error::bad_method).category()
      && ec != http::error::partial_message)
    return send_error(400, "bad request\n");
  if (ec)
    return fail(ec, "read");
  handle(parser_->release());
}

void session::handle(request_type req) {
  version_ = req.version();
  keep_alive_ = req.keep_alive();
  auto r = to_request(req, peer_);
  method_ = r.method;
  path_ = r.path;

  auto [h, entry] = st_->routes.find(r.method, r.path);
  if (!entry) {
    route_ = "unmatched";
    return send({404, "text/plain; charset=utf-8", "not found\n", {}}, !keep_alive_);
  }
  route_ = entry->path;
  if (!h)
    return send({405, "text/plain; charset=utf-8", "method not allowed\n",
                 {{"Allow", entry->allowed()}}},
                !keep_alive_);
  call_handler(*h, r);
}

void session::call_handler(const handler& h, const http_request& r) {
  auto id = ++request_id_;
  awaiting_ = true;
  handler_timer_.expires_after(st_->timeout);
  handler_timer_.async_wait(
    beast::bind_front_handler(&session::on_handler_timeout, shared_from_this(), id));
  auto answered = std::make_shared<std::atomic<bool>>(false);
  try {
    h(r, make_responder(id, answered));
  } catch (const std::exception& e) {
    handler_threw(id, *answered, e.what());
  } catch (...) {
    handler_threw(id, *answered, "non-standard exception");
  }
}

void session::handler_threw(std::uint64_t id, std::atomic<bool>& answered,
                            std::string_view what) {
  log::error(engine_name, "handler threw", {log::kv("route", route_), log::kv("error", what)});
  if (!answered.exchange(true))
    on_answer(id, {500, "text/plain; charset=utf-8", "internal error\n", {}});
}

responder session::make_responder(std::uint64_t id,
                                  std::shared_ptr<std::atomic<bool>> answered) {
  return [weak = weak_from_this(), g = gate_, id,
          answered = std::move(answered)](http_response res) {
    if (answered->exchange(true))
      return;
    std::lock_guard<std::mutex> guard{g->mtx};
    if (!g->open)
      return;
    // `self` dies inside the lock: the io_context is alive while open.
    if (auto self = weak.lock()) {
      auto ex = self->stream_.get_executor();
      net::post(ex, [self, id, res = std::move(res)]() mutable {
        self->on_answer(id, std::move(res));
      });
    }
  };
}

void session::on_answer(std::uint64_t id, http_response res) {
  if (!awaiting_ || id != request_id_)
    return; // the handler answered after its deadline
  awaiting_ = false;
  handler_timer_.cancel();
  send(std::move(res), !keep_alive_);
}

void session::on_handler_timeout(std::uint64_t id, beast::error_code ec) {
  if (ec == net::error::operation_aborted || !awaiting_ || id != request_id_)
    return;
  awaiting_ = false;
  log::warn(engine_name, "handler did not answer in time",
            {log::kv("route", route_), log::kv("path", path_)});
  send({503, "text/plain; charset=utf-8", "timed out\n", {}}, true);
}

void session::send_error(unsigned status, std::string body) {
  route_ = "unmatched";
  method_.clear();
  path_.clear();
  send({status, "text/plain; charset=utf-8", std::move(body), {}}, true);
}

void session::send(http_response r, bool close) {
  if (r.status < 100 || r.status > 599)
    r.status = 500;
  res_ = {};
  res_.version(version_);
  res_.result(r.status);
  res_.set(http::field::server, "lastgram");
  // Unsafe or unstorable fields are dropped: an exception here would escape
  // to the I/O thread.
  if (!r.content_type.empty() && !has_line_break(r.content_type)
      && storable_field("Content-Type", r.content_type))
    res_.set(http::field::content_type, r.content_type);
  for (const auto& [name, value] : r.headers)
    if (!name.empty() && !has_line_break(name) && !has_line_break(value)
        && storable_field(name, value))
      res_.insert(name, value);
  res_.keep_alive(!close);
  res_.body() = std::move(r.body);
  res_.prepare_payload();
  count_request(route_, r.status);
  // Every request passes here: build the fields only when they are written.
  if (log::enabled(log_level::debug))
    log::debug(engine_name, "request served",
               {log::kv("method", method_), log::kv("path", path_), log::kv("status", r.status)});
  stream_.expires_after(st_->timeout);
  http::async_write(stream_, res_,
                    beast::bind_front_handler(&session::on_write, shared_from_this(),
                                              res_.need_eof()));
}

void session::on_write(bool close, beast::error_code ec, std::size_t) {
  if (ec)
    return fail(ec, "write");
  if (close)
    return std::make_shared<closer>(beast::tcp_stream{stream_.release_socket()},
                                    std::move(slot_))
      ->start();
  res_ = {};
  do_read();
}

void session::abort() {
  net::dispatch(stream_.get_executor(), [self = shared_from_this()] {
    self->awaiting_ = false;
    self->handler_timer_.cancel();
    beast::error_code ec;
    self->stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
    self->stream_.close();
  });
}

void session::do_close() {
  beast::error_code ec;
  stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
}

} // namespace lastgram::server::detail
