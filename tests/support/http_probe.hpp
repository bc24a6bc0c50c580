#pragma once

/// A tiny raw-TCP HTTP client for tests: connects to 127.0.0.1, sends exactly
/// the bytes it is given (valid HTTP or garbage) and parses what comes back.
/// Every read has a deadline, so a silent server fails a test instead of
/// hanging it.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace lastgram::test {

/// One parsed HTTP response.
struct http_reply {
  unsigned status = 0;
  std::string reason;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  /// The first header called `name` (case-insensitive), or "" when absent.
  std::string header(std::string_view name) const;
};

/// Builds a well-formed HTTP/1.1 request with Host and, when there is a
/// body, Content-Length. `extra_headers` are added as given.
std::string http_request_text(
  std::string_view method, std::string_view target, std::string_view body = {},
  const std::vector<std::pair<std::string, std::string>>& extra_headers = {});

/// One connection to 127.0.0.1:`port`, established by the constructor.
class http_probe {
public:
  explicit http_probe(unsigned short port,
                      std::chrono::milliseconds timeout = std::chrono::seconds{5});
  /// Connects from the local IPv4 address `from` (another loopback address
  /// such as "127.0.0.2" looks like a second client to the server).
  http_probe(unsigned short port, const std::string& from,
             std::chrono::milliseconds timeout = std::chrono::seconds{5});
  ~http_probe();
  http_probe(const http_probe&) = delete;
  http_probe& operator=(const http_probe&) = delete;

  /// True when the connection was established.
  bool connected() const noexcept { return fd_ >= 0; }

  /// Sends all of `bytes`; false on error.
  bool send(std::string_view bytes);

  /// Stops sending (shutdown(SHUT_WR)); the server sees end of stream.
  void finish_sending();

  /// Reads one response (Content-Length, chunked, or until end of stream).
  /// nullopt on timeout, malformed response or a connection closed first.
  std::optional<http_reply> read_reply();

  /// True when the server closes the connection (end of stream or reset)
  /// before the deadline, with no further bytes.
  bool closed_by_peer();

  /// Everything received until the server closes or the deadline passes.
  std::string read_all();

private:
  void connect_to(unsigned short port, const std::string& from);
  // Appends what arrives before the deadline; false on end, error or timeout.
  bool fill();

  int fd_ = -1;
  std::chrono::milliseconds timeout_;
  std::string buffer_;
};

/// Connects, sends `raw`, reads one response and closes.
std::optional<http_reply> http_exchange(unsigned short port, std::string_view raw);

} // namespace lastgram::test
