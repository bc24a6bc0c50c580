#pragma once

/// Discord's gateway protocol (API v10, JSON encoding) for one shard, as a
/// pure state machine: no sockets, no timers, no clock of its own. The
/// driver (actors/multiplatform/discord_gateway.cpp) feeds it what happened
/// (connected, a frame, the heartbeat timer, the socket closed) and carries
/// out the actions it returns, in order.
///
/// The token only ever appears inside the Identify and Resume frames it
/// builds; no action text, stop reason or warning holds it.

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace lastgram::discord::gateway {

using clock_type = std::chrono::steady_clock;
using std::chrono::milliseconds;

/// Gateway opcodes (https://discord.com/developers/docs/topics/opcodes-and-status-codes).
enum class opcode : int {
  dispatch = 0,
  heartbeat = 1,
  identify = 2,
  presence_update = 3,
  resume = 6,
  reconnect = 7,
  invalid_session = 9,
  hello = 10,
  heartbeat_ack = 11,
};

/// The only intent we ask for: GUILDS (1 << 0), not privileged.
constexpr int intents_guilds = 1 << 0;

/// Close code we use to drop a connection while keeping its session
/// resumable (1000 and 1001 would end the session).
constexpr std::uint16_t close_keep_session = 4000;
/// Close code of a clean shutdown (the session ends).
constexpr std::uint16_t close_normal = 1000;
/// What the driver reports when the connection broke without a close frame.
constexpr std::uint16_t close_abnormal = 1006;

/// Fixed settings of one shard.
struct shard_settings {
  /// The gateway URL from GET /gateway/bot (wss://gateway.discord.gg), or
  /// discord.gateway-url; the v10/json query is added by `connect_url`.
  std::string url;
  /// The bot token (secret).
  std::string token;
  std::int32_t shard_id = 0;
  std::int32_t shard_count = 1;
  /// Presence text, e.g. "Listening to /help"; empty: no presence.
  std::string presence;
  /// Reconnect backoff after a failure: base * 2^(failures-1), capped.
  milliseconds backoff_base{1000};
  milliseconds backoff_cap{60000};
  /// The wait after Invalid Session, drawn between these by the jitter.
  milliseconds invalid_session_min{1000};
  milliseconds invalid_session_max{5000};
};

/// Where the shard is.
enum class shard_state : std::uint8_t {
  /// Not started, or waiting to reconnect.
  disconnected,
  /// Socket open, waiting for Hello.
  connected,
  /// Hello received, Identify wanted or sent, waiting for READY.
  identifying,
  /// Resume sent, waiting for RESUMED (or replayed events).
  resuming,
  /// Session live.
  ready,
  /// Stopped for good (fatal close code); nothing more happens.
  stopped,
};

/// The stable name of `s` ("ready", "stopped", ...).
const char* to_string(shard_state s);

/// What the driver must do.
struct action {
  enum kind_t : std::uint8_t {
    /// Send `text` as one websocket text frame.
    send,
    /// (Re)arm the one-shot heartbeat timer to fire after `delay`; replaces
    /// any armed one.
    arm_heartbeat,
    /// Hello arrived for a new session: send Identify when the identify
    /// scheduler allows, by calling `identify()`.
    identify_wanted,
    /// Close the current socket with `code` (without waiting for it), wait
    /// `delay`, then connect to `url`; `resume` says what will follow.
    reconnect,
    /// Close the socket with `code` and stop for good: `text` says why.
    stop,
    /// Hand a dispatch to the sink: `event` (t), `seq` (s), `text` (d as JSON).
    dispatch,
    /// Something odd the operator may want in the log: `text`.
    warn,
  } kind;
  std::string text;
  std::string event;
  std::int64_t seq = 0;
  milliseconds delay{0};
  std::string url;
  bool resume = false;
  std::uint16_t code = 0;
};

using actions = std::vector<action>;

/// Appends "?v=10&encoding=json" (or "&v=10..." when `base` has a query)
/// to a gateway URL, after a "/" when it has no path.
std::string connect_url(const std::string& base);

/// The presence object of Identify for `text`: "Playing X", "Listening to
/// X", "Watching X", "Competing in X" become that activity type with name
/// X; any other text is a custom status. Empty text gives "".
std::string presence_json(const std::string& text);

/// One shard's protocol state.
class protocol {
public:
  /// `jitter` returns a number in [0, 1): the first heartbeat's fraction of
  /// the interval and the draw of the Invalid Session wait.
  protocol(shard_settings settings, std::function<double()> jitter);

  /// The first connection: a reconnect action with no delay to `url`.
  actions start();

  /// The socket opened (before Hello).
  actions on_connected();

  /// One text frame arrived at `now`.
  actions on_frame(const std::string& text, clock_type::time_point now);

  /// The heartbeat timer fired at `now`.
  actions on_heartbeat_due(clock_type::time_point now);

  /// The identify scheduler allows our Identify now: the frame to send, or
  /// nothing when the connection moved on meanwhile.
  actions identify();

  /// The socket closed with `code` (close_abnormal without a close frame),
  /// `reason` being the peer's close reason (for the log, never the token).
  /// Also how a connection attempt that failed is reported.
  actions on_closed(std::uint16_t code, const std::string& reason);

  /// Ends the session cleanly (shutdown): close with 1000, state stopped.
  actions shutdown();

  shard_state state() const { return state_; }
  std::int64_t seq() const { return seq_; }
  const std::string& session_id() const { return session_id_; }
  const std::string& resume_url() const { return resume_url_; }
  /// Connections made after the first.
  std::int64_t reconnects() const { return reconnects_; }
  /// The last heartbeat's round trip; negative before the first ACK.
  milliseconds last_rtt() const { return last_rtt_; }
  /// The opcode of the last frame given to on_frame; -1 when it had none.
  int last_opcode() const { return last_opcode_; }
  /// Why the shard stopped ("" unless stopped).
  const std::string& stop_reason() const { return stop_reason_; }

private:
  actions on_hello(long long interval_ms);
  actions on_dispatch(std::string event, std::int64_t seq, std::string d_json);
  actions heartbeat_frame();
  /// Drops the connection and comes back: resuming when `resume` and a
  /// session exists, else identifying anew on the base URL.
  actions reconnect(bool resume, milliseconds delay, std::uint16_t code);
  actions stop(std::string reason, std::uint16_t code);
  milliseconds failure_backoff();
  milliseconds invalid_session_wait();
  void forget_session();

  shard_settings settings_;
  std::function<double()> jitter_;
  shard_state state_ = shard_state::disconnected;
  std::int64_t seq_ = 0;
  bool have_seq_ = false;
  std::string session_id_;
  std::string resume_url_;
  milliseconds interval_{0};
  bool acked_ = true;
  clock_type::time_point beat_sent_{};
  milliseconds last_rtt_{-1};
  int failures_ = 0;
  std::int64_t reconnects_ = 0;
  std::string stop_reason_;
  int last_opcode_ = -1;
};

} // namespace lastgram::discord::gateway
