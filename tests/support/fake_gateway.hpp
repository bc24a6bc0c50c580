#pragma once

/// A fake Discord gateway: a real websocket server (plain ws://) on
/// loopback, run by Boost.Beast on its own thread, that plays the gateway's
/// side of API v10 and is scripted by the test. It sends Hello, checks
/// Identify (token, intents, shard), answers with READY (a session id and a
/// resume_gateway_url pointing at itself), acknowledges heartbeats unless
/// told not to, keeps the session's dispatches so that a Resume replays
/// those after the client's seq, and can send INTERACTION_CREATE (payload
/// from tests/fixtures/discord/), Reconnect (op 7), Invalid Session (op 9),
/// or close with any code. It records every frame the client sent.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace lastgram::test {

class fake_gateway {
public:
  struct options {
    /// The token Identify and Resume must carry; another one gets close 4004.
    std::string token = "fake-gateway-token";
    /// Hello's heartbeat_interval.
    int heartbeat_interval_ms = 150;
    /// The shard count Identify must carry.
    std::int32_t shard_count = 1;
    /// Several shards at once, as on Discord: a new connection replaces
    /// none, and each identified connection is its shard's session (a
    /// second live session of one shard is a problem). Off: one session,
    /// and a new connection replaces the old one.
    bool concurrent_shards = false;
    /// The ids send_interaction() gives: this plus a count (gateways of one
    /// test that share a REST fake need different ones).
    std::string interaction_prefix = "interaction-";
  };

  /// One frame the client sent, with the connection it came on (1-based).
  struct frame {
    int connection = 0;
    int op = -1;
    std::string text;
    /// When it arrived.
    std::chrono::steady_clock::time_point at;
  };

  explicit fake_gateway(options opts);
  fake_gateway();
  ~fake_gateway();

  fake_gateway(const fake_gateway&) = delete;
  fake_gateway& operator=(const fake_gateway&) = delete;

  /// ws://127.0.0.1:<port>
  std::string url() const;

  // -- script (each returns at once; the server acts on its own thread) -----

  /// Adds an INTERACTION_CREATE with the next seq and the id
  /// "<interaction_prefix><n>" to the session, and sends it unless the link is a
  /// black hole (then only a Resume replays it).
  void send_interaction();
  /// Adds the dispatch `event` with payload `d` (JSON) to the session, with
  /// the next seq, and sends it as send_interaction() does.
  void send_dispatch(std::string event, std::string d);
  /// Whether heartbeats get an ACK (true at start).
  void set_ack_heartbeats(bool on);
  /// While on, nothing reaches the client (a link that died silently):
  /// dispatches are kept for a Resume, ACKs are lost. Reset by the next
  /// connection.
  void set_black_hole(bool on);
  /// Sends Reconnect (op 7).
  void send_reconnect();
  /// Sends Invalid Session (op 9); not resumable also ends the session.
  void send_invalid_session(bool resumable);
  /// Closes the client's connection with `code`.
  void close_client(std::uint16_t code);

  // -- observations (thread-safe) -------------------------------------------

  /// Every frame the client sent, in order.
  std::vector<frame> received() const;
  /// Frames with opcode `op`.
  std::vector<frame> received(int op) const;
  /// Websocket connections accepted so far.
  int connections() const;
  /// The request targets (path and query) of those connections.
  std::vector<std::string> targets() const;
  /// The current session's id ("" before the first Identify).
  std::string session_id() const;
  /// The last seq given to a dispatch.
  std::int64_t last_seq() const;
  /// The shard ids of the identified connections still open, sorted.
  std::vector<std::int32_t> live_shards() const;
  /// The codes of the close frames the client sent, in order (a connection
  /// dropped without one adds nothing).
  std::vector<int> close_codes() const;
  /// What the fake found wrong in the client's frames ("" while all is well).
  std::string problems() const;

private:
  struct impl;
  std::shared_ptr<impl> impl_;
};

} // namespace lastgram::test
