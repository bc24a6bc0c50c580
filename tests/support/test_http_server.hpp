#pragma once

// A tiny scriptable HTTP/1.1 server on 127.0.0.1 (plain or TLS) and a
// throwaway certificate authority, for testing HTTP clients against a real
// socket.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace lastgram::test {

/// A PEM certificate and its PEM private key.
struct tls_identity {
  std::string cert_pem;
  std::string key_pem;
};

/// A certificate authority generated in memory (ECDSA P-256, valid one day).
class test_ca {
public:
  test_ca();
  ~test_ca();
  test_ca(const test_ca&) = delete;
  test_ca& operator=(const test_ca&) = delete;

  /// The CA certificate as PEM.
  const std::string& cert_pem() const;

  /// The path of a file holding `cert_pem()`, in a temp directory removed
  /// with this object.
  const std::string& cert_file() const;

  /// A server certificate signed by this CA for the given subjectAltName
  /// entries, e.g. {"DNS:localhost", "IP:127.0.0.1"}.
  tls_identity issue(const std::vector<std::string>& subject_alt_names) const;

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

/// One request as the server parsed it.
struct received_request {
  /// 1-based number of the connection it arrived on, in accept order.
  std::size_t connection = 0;
  /// 0-based position among the requests of that connection.
  std::size_t index_on_connection = 0;
  std::string method;
  std::string target;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  /// The first header called `name` (case-insensitive), or "".
  std::string header(std::string_view name) const;
};

/// What the server does with a request.
enum class reply_action {
  /// Sends the response and keeps reading the connection.
  respond,
  /// Sends the response (without "Connection: close") and closes.
  respond_then_close,
  /// Closes the connection without answering.
  close_without_answer,
  /// Never answers; the connection stays open until the client closes it.
  never_answer,
  /// Announces a 100-byte body, sends 5 bytes and closes.
  truncate,
  /// Sends bytes that are not HTTP and closes.
  garbage,
};

/// The server's answer to one request.
struct canned_response {
  reply_action action = reply_action::respond;
  unsigned status = 200;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  /// Sends "Connection: close" and closes after the response.
  bool connection_close = false;
  /// With `connection_close`: keeps the connection open anyway (a sloppy
  /// server), so a client that ignores the header would reuse it.
  bool linger_after_close = false;
  /// Waits this long (on a timer, not blocking the server) before acting.
  std::chrono::milliseconds delay{0};
};

/// An HTTP/1.1 server on 127.0.0.1 with an OS-assigned port, running on its
/// own thread. The handler runs on that thread.
class test_http_server {
public:
  using handler = std::function<canned_response(const received_request&)>;

  /// Starts serving plain HTTP, or HTTPS with `tls`.
  explicit test_http_server(handler h, std::optional<tls_identity> tls = std::nullopt);
  ~test_http_server();
  test_http_server(const test_http_server&) = delete;
  test_http_server& operator=(const test_http_server&) = delete;

  std::uint16_t port() const;

  /// "http(s)://127.0.0.1:<port>" followed by `path`.
  std::string url(std::string_view path = "/") const;

  /// Connections accepted so far.
  std::size_t accepted_connections() const;

  /// The requests received so far, in arrival order.
  std::vector<received_request> requests() const;

  /// Waits until at least `n` requests arrived; false if `timeout` passed first.
  bool wait_for_requests(std::size_t n, std::chrono::milliseconds timeout) const;

  /// Connections currently open (accepted and not yet closed by either side).
  std::size_t open_connections() const;

  /// Waits until no connection is open; false if `timeout` passed first.
  bool wait_until_no_connections(std::chrono::milliseconds timeout) const;

  /// The most connections that were open at the same time.
  std::size_t peak_open_connections() const;

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

/// A loopback port on which nothing listens (bound, then released).
std::uint16_t unused_loopback_port();

} // namespace lastgram::test
