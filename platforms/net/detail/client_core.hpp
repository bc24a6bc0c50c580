#pragma once

// Internal to platforms/net: what every request of one http_client shares.

#include "platforms/net/detail/connection_pool.hpp"
#include "platforms/net/http_client.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace lastgram::net::detail {

class exchange;

/// The I/O context, TLS context, pools and the registry of live requests.
class client_core {
public:
  /// Throws std::invalid_argument when `opts.ca_file` cannot be loaded.
  explicit client_core(http_client::options opts);

  const http_client::options options;
  asio::io_context ioc;
  connection_pool pool;

  /// The TLS context, made at the first https request: loading the system's
  /// CA store parses every certificate in it (about 1 MB of heap), which a
  /// node that never leaves plain HTTP should not pay. A `ca_file` is loaded
  /// by the constructor, so that a bad one fails the start.
  asio::ssl::context& tls();

  /// A fresh request id.
  std::uint64_t next_id();

  /// Registers a request so that `stop` can cancel it; false once stopping.
  bool admit(const std::shared_ptr<exchange>& ex);

  /// Unregisters a finished request.
  void retire(std::uint64_t id);

  /// Refuses further requests and returns those still live.
  std::vector<std::shared_ptr<exchange>> stop();

  /// Hands `text` to options.on_error (or stderr); never throws.
  void report(const std::string& text) noexcept;

private:
  void make_tls();

  std::once_flag tls_once_;
  std::optional<asio::ssl::context> tls_;
  std::mutex mutex_;
  bool stopping_ = false;
  std::uint64_t next_id_ = 0;
  std::unordered_map<std::uint64_t, std::shared_ptr<exchange>> live_;
};

} // namespace lastgram::net::detail
