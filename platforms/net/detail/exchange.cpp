#include "platforms/net/detail/exchange.hpp"

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <algorithm>
#include <utility>

namespace lastgram::net::detail {

namespace beast = boost::beast;
namespace http = beast::http;
using boost::system::error_code;

namespace {

// Response headers of real APIs fit easily; Beast's default of 8 KiB is tight
// for CDNs that add long Set-Cookie and tracing headers.
constexpr std::uint32_t header_limit = 64 * 1024;

bool is_token(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
  });
}

bool is_header_value(std::string_view s) {
  return std::none_of(s.begin(), s.end(), [](char c) { return c == '\r' || c == '\n' || c == '\0'; });
}

bool iequals(std::string_view a, std::string_view b) {
  return beast::iequals(beast::string_view(a.data(), a.size()), beast::string_view(b.data(), b.size()));
}

bool is_ip_literal(const std::string& host) {
  error_code ec;
  asio::ip::make_address(host, ec);
  return !ec;
}

http_errc classify_io_error(const error_code& ec) {
  if (ec == http::error::body_limit)
    return http_errc::body_too_large;
  if (ec == http::error::end_of_stream || ec == asio::error::eof ||
      ec == asio::error::connection_reset || ec == asio::error::connection_aborted ||
      ec == asio::error::broken_pipe || ec == asio::ssl::error::stream_truncated)
    return http_errc::connection_reset;
  if (ec.category() == make_error_code(http::error::partial_message).category() ||
      ec.category() == asio::error::get_ssl_category())
    return http_errc::protocol;
  // Remaining system errors are network failures underneath the connection.
  return http_errc::connection_reset;
}

} // namespace

// Every step of the exchange runs through here: an exception in the client's
// own code (Beast refusing a header, bad_alloc) ends this request with its
// text instead of unwinding through io_context::run.
template <class F>
void exchange::guarded(F&& f) {
  try {
    f();
  } catch (const std::exception& e) {
    failed_inside(e.what());
  } catch (...) {
    failed_inside("an exception not derived from std::exception");
  }
}

template <class... Args>
auto exchange::step(void (exchange::*fn)(Args...)) {
  return asio::bind_executor(strand_, [self = shared_from_this(), fn](Args... args) {
    self->guarded([&] { ((*self).*fn)(std::forward<Args>(args)...); });
  });
}

exchange::exchange(client_core& core, std::uint64_t id, http_call call,
                   std::function<void(http_result)> done)
  : core_(core), id_(id), call_(std::move(call)), done_(std::move(done)),
    strand_(asio::make_strand(core.ioc)), deadline_(strand_), resolver_(strand_) {
}

void exchange::start() {
  asio::post(strand_, [self = shared_from_this()] {
    self->guarded([&] { self->begin(); });
  });
}

void exchange::cancel() {
  asio::post(strand_, [self = shared_from_this()] {
    self->fail(http_errc::cancelled, "the HTTP client shut down");
  });
}

void exchange::reject(http_errc e, std::string text) {
  fail(e, std::move(text));
}

void exchange::begin() {
  if (finished_)
    return;
  deadline_.expires_after(call_.timeout);
  deadline_.async_wait(step(&exchange::on_deadline));
  auto url = parse_url(call_.url);
  if (!url)
    // Not quoting the URL: its path may carry a bot token.
    return fail(http_errc::invalid_url, "not an absolute http(s) URL");
  url_ = std::move(*url);
  origin_ = url_.origin();
  // The pool is keyed by origin: a lane is a pool of its own for the host.
  if (!call_.lane.empty())
    origin_ += " (" + call_.lane + ")";
  if (!build_request())
    return;
  acquire();
}

bool exchange::build_request() {
  if (!is_token(call_.method)) {
    fail(http_errc::invalid_url, "invalid method: " + call_.method);
    return false;
  }
  auto verb = http::string_to_verb(call_.method);
  if (verb == http::verb::unknown)
    req_.method_string(call_.method);
  else
    req_.method(verb);
  req_.target(url_.target);
  req_.version(11);
  req_.set(http::field::host, url_.host_header());
  req_.set(http::field::user_agent, core_.options.user_agent);
  for (auto& [name, value] : call_.headers) {
    if (!is_token(name) || !is_header_value(value)) {
      fail(http_errc::invalid_url, "invalid header: " + name);
      return false;
    }
    // Host and User-Agent replace ours; anything else may legitimately repeat.
    if (iequals(name, "host") || iequals(name, "user-agent"))
      req_.set(name, value);
    else
      req_.insert(name, value);
  }
  if (!call_.content_type.empty()) {
    if (!is_header_value(call_.content_type)) {
      fail(http_errc::invalid_url, "invalid content type");
      return false;
    }
    req_.set(http::field::content_type, call_.content_type);
  }
  req_.body() = std::move(call_.body);
  req_.keep_alive(true);
  req_.prepare_payload();
  return true;
}

void exchange::acquire() {
  // The grant runs under the pool's lock: it only moves the decision onto our strand.
  auto grant = [self = shared_from_this()](std::unique_ptr<http_connection> conn) {
    asio::post(self->strand_, [self, conn = std::move(conn)]() mutable {
      self->guarded([&] { self->on_granted(std::move(conn)); });
    });
  };
  auto lease = core_.pool.acquire(origin_, id_, std::move(grant));
  switch (lease.result) {
    case connection_pool::outcome::reuse:
      holds_slot_ = true;
      conn_ = std::move(lease.conn);
      reused_ = true;
      return send();
    case connection_pool::outcome::open_new:
      holds_slot_ = true;
      return open_connection();
    case connection_pool::outcome::queued:
      phase_ = phase::queued;
      return;
    case connection_pool::outcome::queue_full:
      return fail(http_errc::queue_full, "too many requests waiting for " + origin_);
    case connection_pool::outcome::closed:
      return fail(http_errc::cancelled, "the HTTP client shut down");
  }
}

void exchange::on_granted(std::unique_ptr<http_connection> conn) {
  if (finished_) {
    // We timed out or were cancelled while the grant was on its way: pass the
    // slot (and the connection, untouched) on.
    core_.pool.release(origin_, std::move(conn));
    return;
  }
  holds_slot_ = true;
  phase_ = phase::idle;
  if (conn) {
    conn_ = std::move(conn);
    reused_ = true;
    return send();
  }
  open_connection();
}

std::string exchange::host_port() const {
  return url_.host + ":" + std::to_string(url_.port);
}

std::string exchange::where() const {
  return url_.host.empty() ? std::string{"an invalid URL"} : host_port();
}

void exchange::open_connection() {
  if (url_.tls)
    conn_ = std::make_unique<http_connection>(core_.ioc, core_.tls());
  else
    conn_ = std::make_unique<http_connection>(core_.ioc);
  reused_ = false;
  if (auto cached = core_.pool.cached_endpoints(host_port())) {
    endpoints_from_cache_ = true;
    return connect(*cached);
  }
  phase_ = phase::resolving;
  resolver_.async_resolve(url_.host, std::to_string(url_.port),
                          step(&exchange::on_resolve));
}

void exchange::on_resolve(error_code ec, tcp::resolver::results_type results) {
  if (finished_)
    return;
  if (ec)
    return fail(http_errc::resolve_failed, url_.host + ": " + ec.message());
  core_.pool.remember_endpoints(host_port(), results);
  endpoints_from_cache_ = false;
  connect(results);
}

void exchange::connect(const tcp::resolver::results_type& endpoints) {
  phase_ = phase::connecting;
  asio::async_connect(conn_->socket(), endpoints,
                      step(&exchange::on_connect));
}

void exchange::on_connect(error_code ec, const tcp::endpoint&) {
  if (finished_)
    return;
  if (ec) {
    // The addresses may have moved; the next attempt resolves again.
    if (endpoints_from_cache_)
      core_.pool.forget_endpoints(host_port());
    return fail(http_errc::connect_failed, host_port() + ": " + ec.message());
  }
  error_code ignored;
  conn_->socket().set_option(tcp::no_delay(true), ignored);
  if (url_.tls)
    return handshake();
  send();
}

void exchange::handshake() {
  phase_ = phase::handshaking;
  auto& stream = conn_->tls();
  // SNI carries host names only (RFC 6066), never IP literals.
  if (!is_ip_literal(url_.host) && !SSL_set_tlsext_host_name(stream.native_handle(), url_.host.c_str()))
    return fail(http_errc::tls_failed, "cannot set SNI host name " + url_.host);
  if (core_.options.verify_peer) {
    stream.set_verify_mode(asio::ssl::verify_peer);
    // Asio's check leaves OpenSSL's verify result at "unspecified"; naming the
    // mismatch makes the logged error say what went wrong.
    stream.set_verify_callback([check = asio::ssl::host_name_verification(url_.host),
                                ip = is_ip_literal(url_.host)](bool preverified,
                                                               asio::ssl::verify_context& ctx) {
      bool ok = check(preverified, ctx);
      if (preverified && !ok)
        X509_STORE_CTX_set_error(ctx.native_handle(),
                                 ip ? X509_V_ERR_IP_ADDRESS_MISMATCH : X509_V_ERR_HOSTNAME_MISMATCH);
      return ok;
    });
  } else {
    stream.set_verify_mode(asio::ssl::verify_none);
  }
  stream.async_handshake(asio::ssl::stream_base::client,
                         step(&exchange::on_handshake));
}

void exchange::on_handshake(error_code ec) {
  if (finished_)
    return;
  if (ec) {
    std::string text = "TLS handshake with " + host_port() + ": " + ec.message();
    auto verify = SSL_get_verify_result(conn_->tls().native_handle());
    if (verify != X509_V_OK)
      text += " (" + std::string(X509_verify_cert_error_string(verify)) + ")";
    return fail(http_errc::tls_failed, std::move(text));
  }
  send();
}

void exchange::send() {
  phase_ = phase::writing;
  parser_.emplace();
  parser_->body_limit(core_.options.body_limit);
  parser_->header_limit(header_limit);
  // A response to HEAD announces a body it does not carry.
  if (req_.method() == http::verb::head)
    parser_->skip(true);
  conn_->with_stream([this](auto& stream) {
    http::async_write(stream, req_,
                      step(&exchange::on_write));
  });
}

void exchange::on_write(error_code ec, std::size_t) {
  if (finished_)
    return;
  if (ec)
    return io_failed(ec);
  phase_ = phase::reading;
  // The header comes first on its own: Beast 1.74 notices a Content-Length
  // over the body limit only then, and forgets it when reading on eagerly
  // (basic_parser::finish_header for responses sets the body state first).
  conn_->with_stream([this](auto& stream) {
    http::async_read_header(stream, conn_->buffer(), *parser_,
                            step(&exchange::on_header));
  });
}

void exchange::on_header(error_code ec, std::size_t) {
  if (finished_)
    return;
  if (ec)
    return io_failed(ec);
  auto length = parser_->content_length();
  if (length && *length > core_.options.body_limit)
    return io_failed(http::error::body_limit);
  conn_->with_stream([this](auto& stream) {
    http::async_read(stream, conn_->buffer(), *parser_,
                     step(&exchange::on_read));
  });
}

void exchange::on_read(error_code ec, std::size_t) {
  if (finished_)
    return;
  if (ec)
    return io_failed(ec);
  auto msg = parser_->release();
  http_result result;
  result.status = msg.result_int();
  result.body = std::move(msg.body());
  for (auto& field : msg)
    result.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  // Bytes past the response mean the connection is out of step; and a
  // "Connection: close" (or HTTP/1.0 without keep-alive) means it is over.
  bool reusable = msg.keep_alive() && conn_->buffer().size() == 0;
  finish(std::move(result), reusable);
}

void exchange::io_failed(error_code ec) {
  bool idempotent = req_.method() == http::verb::get || req_.method() == http::verb::head;
  // A pooled connection the server closed while it idled fails before any
  // response byte arrives. Only then, and only when sending twice is harmless,
  // try once more on a fresh connection; the slot stays ours.
  if (reused_ && !retried_ && idempotent && !parser_->got_some()) {
    retried_ = true;
    conn_->close();
    conn_.reset();
    return open_connection();
  }
  fail(classify_io_error(ec), std::string(phase_name()) + " " + host_port() + ": " + ec.message());
}

void exchange::on_deadline(error_code ec) {
  if (ec || finished_)
    return;
  fail(http_errc::timeout, "deadline of " + std::to_string(call_.timeout.count()) + " ms passed while " +
                             phase_name() + (url_.host.empty() ? "" : " " + host_port()));
}

void exchange::fail(http_errc e, std::string text) {
  http_result result;
  result.error = e;
  result.error_text = std::move(text);
  finish(std::move(result), false);
}

void exchange::finish(http_result result, bool reusable) {
  if (finished_)
    return;
  finished_ = true;
  deadline_.cancel();
  resolver_.cancel();
  if (phase_ == phase::queued)
    core_.pool.forget(origin_, id_);
  if (holds_slot_) {
    holds_slot_ = false;
    if (reusable && conn_) {
      core_.pool.release(origin_, std::move(conn_));
    } else {
      // Closing aborts whatever is pending on it; conn_ itself stays alive
      // until those handlers have run.
      if (conn_)
        conn_->close();
      core_.pool.release(origin_, nullptr);
    }
  }
  core_.retire(id_);
  deliver(std::move(result));
}

void exchange::failed_inside(const char* what) {
  auto text = "internal error while " + std::string(phase_name()) + " " + where() + ": "
              + redact_url(what, call_.url);
  if (!finished_)
    return fail(http_errc::internal, std::move(text));
  // finish() itself threw before the callback ran: it still runs, once.
  if (done_) {
    http_result result;
    result.error = http_errc::internal;
    result.error_text = std::move(text);
    deliver(std::move(result));
  }
}

void exchange::deliver(http_result result) {
  auto done = std::move(done_);
  done_ = nullptr;
  // An exception here would unwind through io_context::run and stall every
  // other request of this client; the contract says callbacks do not throw,
  // so one that does is reported, not handed back to the callback.
  try {
    done(std::move(result));
  } catch (const std::exception& e) {
    core_.report("the callback of a request to " + where() + " threw: "
                 + redact_url(e.what(), call_.url));
  } catch (...) {
    core_.report("the callback of a request to " + where()
                 + " threw an exception not derived from std::exception");
  }
}

const char* exchange::phase_name() const {
  switch (phase_) {
    case phase::idle: return "starting";
    case phase::queued: return "waiting for a connection to";
    case phase::resolving: return "resolving";
    case phase::connecting: return "connecting to";
    case phase::handshaking: return "in the TLS handshake with";
    case phase::writing: return "writing to";
    case phase::reading: return "reading from";
  }
  return "?";
}

} // namespace lastgram::net::detail
