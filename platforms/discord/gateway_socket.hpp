#pragma once

/// Websocket connections to Discord's gateway: wss:// (TLS with SNI, the
/// system trust store and a host name check) or ws:// (loopback tests), on
/// one I/O thread of their own. Callers in actors turn the events, which run
/// on that thread, into messages to themselves.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace lastgram::discord::gateway {

/// What one connection reports. Each runs on the transport's I/O thread and
/// must not throw.
struct socket_events {
  /// The websocket handshake completed.
  std::function<void()> on_open;
  /// One complete text (or binary) message.
  std::function<void(std::string)> on_text;
  /// Exactly once per connection, also when it never opened: the peer's
  /// close code (1006 when there was none: a refused connection, a timeout,
  /// a reset) and a technical text for the log (never the URL's query).
  std::function<void(std::uint16_t, std::string)> on_closed;
};

/// One connection. Thread-safe; dropping the handle does not close it.
class socket_handle {
public:
  virtual ~socket_handle() = default;
  /// Queues `text` as one text frame (dropped once closing).
  virtual void send(std::string text) = 0;
  /// Sends a close frame with `code` (or aborts a connection still opening);
  /// on_closed follows within the closing deadline.
  virtual void close(std::uint16_t code) = 0;
};

/// The I/O thread and TLS context the connections share.
class socket_transport {
public:
  struct options {
    /// Extra trust anchors (PEM) on top of the system store.
    std::string ca_file;
    /// Verify certificates and host names; off only in tests.
    bool verify_peer = true;
    /// Deadline for resolving, connecting, TLS and the websocket handshake.
    std::chrono::milliseconds open_timeout{10000};
    /// Deadline for the closing handshake.
    std::chrono::milliseconds close_timeout{3000};
    /// Largest message accepted (READY of a big bot is large).
    std::size_t max_message = 16u << 20;
    /// Frames waiting to be written before the connection is dropped.
    std::size_t max_queued = 256;
    std::string user_agent = "DiscordBot (https://github.com/musicorum-app/lastgram, 0.1)";
  };

  /// Starts the I/O thread. Throws std::invalid_argument when `ca_file`
  /// cannot be loaded.
  explicit socket_transport(options opts);
  /// Shuts down (see `shutdown`).
  ~socket_transport();

  socket_transport(const socket_transport&) = delete;
  socket_transport& operator=(const socket_transport&) = delete;

  /// Opens a connection to a ws:// or wss:// URL. A URL that is not one, or
  /// a transport shut down, reports on_closed(1006, why) on the I/O thread
  /// (or at once after shutdown).
  std::shared_ptr<socket_handle> connect(const std::string& url, socket_events events);

  /// Aborts every connection and joins the I/O thread. Idempotent; not from
  /// the I/O thread.
  void shutdown();

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace lastgram::discord::gateway
