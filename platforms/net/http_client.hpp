#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace boost::asio {
class io_context;
} // namespace boost::asio

namespace lastgram::net {

/// One outgoing HTTP request.
struct http_call {
  /// The request method ("GET", "POST", ...); GET and HEAD count as idempotent.
  std::string method = "GET";
  /// An absolute http:// or https:// URL.
  std::string url;
  /// Extra request headers; a User-Agent or Host given here replaces the default.
  std::vector<std::pair<std::string, std::string>> headers;
  /// The request body; sent with a Content-Length.
  std::string body;
  /// The Content-Type of `body`; omitted when empty.
  std::string content_type;
  /// One deadline for the whole request: waiting for a connection, resolving,
  /// connecting, the TLS handshake, writing and reading.
  std::chrono::milliseconds timeout{5000};
  /// The connection pool this request uses, within its host: "" is the
  /// host's shared pool; another name gets connections of its own (with the
  /// same per-host limits), so that e.g. a long poll never waits behind a
  /// burst of other requests to the same host.
  std::string lane;
};

/// Why a request produced no usable response.
enum class http_errc : std::uint8_t {
  /// A complete response arrived (whatever its status).
  ok,
  /// The deadline (`http_call::timeout`) passed first.
  timeout,
  /// No TCP connection could be made (refused, unreachable).
  connect_failed,
  /// Too many requests were already waiting for a connection to the same
  /// host (`options::max_queued_per_host`): nothing was sent, so the
  /// request may be made again later whatever its method.
  queue_full,
  /// The TLS handshake failed, including a certificate that does not verify.
  tls_failed,
  /// The host name did not resolve.
  resolve_failed,
  /// The server closed or reset the connection before sending a response.
  connection_reset,
  /// The response was malformed or cut short.
  protocol,
  /// The response body passed `http_client::options::body_limit`.
  body_too_large,
  /// The client shut down before the request completed.
  cancelled,
  /// The request cannot be sent as given: not an absolute http(s) URL, or a
  /// method or header that is not valid HTTP (e.g. a line break in a value).
  invalid_url,
  /// The client failed inside: an exception in its own code (e.g. a header
  /// too long for the HTTP library, or out of memory). `error_text` carries
  /// the exception's text.
  internal,
};

/// The enumerator name, e.g. "connect_failed".
std::string to_string(http_errc e);

/// The outcome of one request: a response, or an error and why.
struct http_result {
  /// `ok` when `status`, `body` and `headers` hold a complete response.
  http_errc error = http_errc::ok;
  /// The HTTP status code, 0 when there was no response.
  unsigned status = 0;
  /// The response body.
  std::string body;
  /// The response headers in the order received.
  std::vector<std::pair<std::string, std::string>> headers;
  /// The value of the first header called `name` (case-insensitive), or "".
  std::string header(std::string_view name) const;
  /// A technical description of the error for logs; never shown to users.
  /// Names the host and port but never the URL's path or query, which may
  /// carry tokens.
  std::string error_text;
};

/// An asynchronous HTTP/1.1 client with per-host keep-alive pools and
/// verified TLS, running on its own I/O thread(s).
///
/// Results come back through callbacks that run on the client's thread, so a
/// caller inside an actor turns each callback into a message to itself rather
/// than touching its state. Thread-safe: `request` may be called from any
/// thread.
class http_client {
public:
  /// Configuration fixed at construction.
  struct options {
    /// Sent as User-Agent unless a request sets its own.
    std::string user_agent = "lastgram/0.1 (+https://github.com/musicorum-app/lastgram)";
    /// Open connections per (scheme, host, port); further requests wait.
    std::size_t max_connections_per_host = 8;
    /// Largest response body accepted, in bytes.
    std::size_t body_limit = 8 << 20;
    /// Number of I/O threads (at least one is started).
    int threads = 1;
    /// A PEM file of extra trust anchors on top of the system store (tests).
    std::string ca_file;
    /// Verify the server certificate and host name; off only for tests.
    bool verify_peer = true;
    /// Requests that may wait for a connection per host (and lane) before
    /// new ones fail with `queue_full` (keeps the wait queue bounded).
    std::size_t max_queued_per_host = 1024;
    /// Receives what the client caught but cannot hand to a request as its
    /// result: an exception thrown by a callback, or one that escaped an I/O
    /// thread. Runs on the client's thread and must not throw. The text
    /// never holds a request's path or query. Empty: one line on stderr.
    std::function<void(const std::string&)> on_error;
  };

  /// Starts the I/O thread(s). Throws std::invalid_argument when `ca_file`
  /// is given but cannot be loaded.
  explicit http_client(options opts);

  /// Shuts down (see `shutdown`). Must not run on the client's own thread,
  /// i.e. not from inside a callback.
  ~http_client();

  http_client(const http_client&) = delete;
  http_client& operator=(const http_client&) = delete;

  /// Sends `call`; `done` runs exactly once, on the client's thread, with the
  /// response or the error. After `shutdown` it runs at once on the calling
  /// thread with `cancelled`. `done` must not throw (an exception goes to
  /// `options::on_error`, and the client carries on).
  void request(http_call call, std::function<void(http_result)> done);

  /// The I/O loop the client's threads run. Others may run their own I/O on
  /// it (the node's HTTP server does), so that one thread serves both; what
  /// they leave on it keeps shutdown()'s join waiting.
  boost::asio::io_context& loop() noexcept;

  /// Completes every pending request with `cancelled`, closes all connections
  /// and joins the I/O threads. Idempotent. Called from inside a callback it
  /// cancels everything but leaves the joining to the destructor.
  void shutdown();

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace lastgram::net
