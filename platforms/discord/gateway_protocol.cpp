#include "platforms/discord/gateway_protocol.hpp"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <utility>

namespace lastgram::discord::gateway {

namespace {

using writer = rapidjson::Writer<rapidjson::StringBuffer>;

void put(writer& w, const char* key, const std::string& value) {
  w.Key(key);
  w.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
}

std::string json_text(const rapidjson::Value& v) {
  rapidjson::StringBuffer buf;
  writer w(buf);
  v.Accept(w);
  return {buf.GetString(), buf.GetSize()};
}

struct activity_prefix {
  const char* prefix;
  int type;
};

// Discord's activity types a bot may set: 0 Playing, 2 Listening, 3
// Watching, 5 Competing, 4 Custom.
constexpr activity_prefix activity_prefixes[] = {
  {"Playing ", 0}, {"Listening to ", 2}, {"Watching ", 3}, {"Competing in ", 5}};

std::string string_member(const rapidjson::Value& obj, const char* key) {
  auto it = obj.FindMember(key);
  if (it == obj.MemberEnd() || !it->value.IsString())
    return {};
  return {it->value.GetString(), it->value.GetStringLength()};
}

action make_action(action::kind_t kind, std::string text = {}) {
  action a{kind, std::move(text), {}, 0, milliseconds{0}, {}, false, 0};
  return a;
}

} // namespace

const char* to_string(shard_state s) {
  switch (s) {
    case shard_state::disconnected:
      return "disconnected";
    case shard_state::connected:
      return "connected";
    case shard_state::identifying:
      return "identifying";
    case shard_state::resuming:
      return "resuming";
    case shard_state::ready:
      return "ready";
    case shard_state::stopped:
      return "stopped";
  }
  return "unknown";
}

std::string connect_url(const std::string& base) {
  std::string url = base;
  auto scheme_end = url.find("://");
  auto host_start = scheme_end == std::string::npos ? 0 : scheme_end + 3;
  auto query = url.find('?', host_start);
  if (query != std::string::npos)
    return url + "&v=10&encoding=json";
  if (url.find('/', host_start) == std::string::npos)
    url += '/';
  return url + "?v=10&encoding=json";
}

std::string presence_json(const std::string& text) {
  if (text.empty())
    return {};
  rapidjson::StringBuffer buf;
  writer w(buf);
  w.StartObject();
  w.Key("since");
  w.Null();
  w.Key("activities");
  w.StartArray();
  w.StartObject();
  bool typed = false;
  for (auto& p : activity_prefixes) {
    std::string prefix = p.prefix;
    if (text.size() > prefix.size() && text.compare(0, prefix.size(), prefix) == 0) {
      put(w, "name", text.substr(prefix.size()));
      w.Key("type");
      w.Int(p.type);
      typed = true;
      break;
    }
  }
  if (!typed) {
    put(w, "name", "Custom Status");
    put(w, "state", text);
    w.Key("type");
    w.Int(4);
  }
  w.EndObject();
  w.EndArray();
  put(w, "status", "online");
  w.Key("afk");
  w.Bool(false);
  w.EndObject();
  return {buf.GetString(), buf.GetSize()};
}

protocol::protocol(shard_settings settings, std::function<double()> jitter)
  : settings_(std::move(settings)), jitter_(std::move(jitter)) {
}

actions protocol::start() {
  auto a = make_action(action::reconnect);
  a.url = connect_url(settings_.url);
  a.code = close_normal;
  return {a};
}

actions protocol::on_connected() {
  if (state_ == shard_state::stopped)
    return {};
  state_ = shard_state::connected;
  acked_ = true;
  return {};
}

actions protocol::on_frame(const std::string& text, clock_type::time_point now) {
  if (state_ == shard_state::stopped || state_ == shard_state::disconnected)
    return {};
  last_opcode_ = -1;
  rapidjson::Document doc;
  doc.Parse(text.data(), text.size());
  if (doc.HasParseError() || !doc.IsObject())
    return {make_action(action::warn, "a gateway frame that is not a JSON object")};
  auto op_it = doc.FindMember("op");
  if (op_it == doc.MemberEnd() || !op_it->value.IsInt())
    return {make_action(action::warn, "a gateway frame without an opcode")};
  last_opcode_ = op_it->value.GetInt();
  auto d_it = doc.FindMember("d");
  const rapidjson::Value null_value;
  const rapidjson::Value& d = d_it == doc.MemberEnd() ? null_value : d_it->value;
  switch (static_cast<opcode>(op_it->value.GetInt())) {
    case opcode::hello: {
      // MemberEnd() of a value that is not an object asserts (or reads its
      // union as a pointer): look only inside an object.
      const rapidjson::Value* interval = nullptr;
      if (d.IsObject())
        if (auto it = d.FindMember("heartbeat_interval"); it != d.MemberEnd())
          interval = &it->value;
      if (interval == nullptr || !interval->IsInt64() || interval->GetInt64() <= 0)
        return reconnect(true, failure_backoff(), close_keep_session);
      return on_hello(interval->GetInt64());
    }
    case opcode::heartbeat:
      // The gateway asks for a beat now; the timer keeps its rhythm.
      return heartbeat_frame();
    case opcode::heartbeat_ack:
      if (!acked_) {
        acked_ = true;
        last_rtt_ = std::chrono::duration_cast<milliseconds>(now - beat_sent_);
      }
      return {};
    case opcode::reconnect:
      return reconnect(true, milliseconds{0}, close_keep_session);
    case opcode::invalid_session: {
      bool resumable = d.IsBool() && d.GetBool();
      if (!resumable)
        forget_session();
      return reconnect(resumable, invalid_session_wait(), close_keep_session);
    }
    case opcode::dispatch: {
      auto s_it = doc.FindMember("s");
      std::int64_t s = s_it != doc.MemberEnd() && s_it->value.IsInt64() ? s_it->value.GetInt64() : 0;
      return on_dispatch(string_member(doc, "t"), s, json_text(d));
    }
    default:
      return {make_action(action::warn,
                     "an unexpected gateway opcode " + std::to_string(op_it->value.GetInt()))};
  }
}

actions protocol::on_hello(long long interval_ms) {
  interval_ = milliseconds{interval_ms};
  acked_ = true;
  double j = std::clamp(jitter_ ? jitter_() : 0.5, 0.0, 1.0);
  auto arm = make_action(action::arm_heartbeat);
  arm.delay = milliseconds{static_cast<long long>(static_cast<double>(interval_ms) * j)};
  actions out{arm};
  if (!session_id_.empty()) {
    state_ = shard_state::resuming;
    rapidjson::StringBuffer buf;
    writer w(buf);
    w.StartObject();
    w.Key("op");
    w.Int(static_cast<int>(opcode::resume));
    w.Key("d");
    w.StartObject();
    put(w, "token", settings_.token);
    put(w, "session_id", session_id_);
    w.Key("seq");
    w.Int64(seq_);
    w.EndObject();
    w.EndObject();
    out.push_back(make_action(action::send, {buf.GetString(), buf.GetSize()}));
    return out;
  }
  state_ = shard_state::identifying;
  out.push_back(make_action(action::identify_wanted));
  return out;
}

actions protocol::identify() {
  if (state_ != shard_state::identifying)
    return {};
  rapidjson::StringBuffer buf;
  writer w(buf);
  w.StartObject();
  w.Key("op");
  w.Int(static_cast<int>(opcode::identify));
  w.Key("d");
  w.StartObject();
  put(w, "token", settings_.token);
  w.Key("intents");
  w.Int(intents_guilds);
  w.Key("properties");
  w.StartObject();
  put(w, "os", "linux");
  put(w, "browser", "lastgram");
  put(w, "device", "lastgram");
  w.EndObject();
  w.Key("shard");
  w.StartArray();
  w.Int(settings_.shard_id);
  w.Int(settings_.shard_count);
  w.EndArray();
  auto presence = presence_json(settings_.presence);
  if (!presence.empty()) {
    w.Key("presence");
    w.RawValue(presence.data(), presence.size(), rapidjson::kObjectType);
  }
  w.EndObject();
  w.EndObject();
  return {make_action(action::send, {buf.GetString(), buf.GetSize()})};
}

actions protocol::on_dispatch(std::string event, std::int64_t seq, std::string d_json) {
  if (seq > 0) {
    seq_ = seq;
    have_seq_ = true;
  }
  if (event == "READY") {
    rapidjson::Document d;
    d.Parse(d_json.data(), d_json.size());
    if (d.IsObject()) {
      session_id_ = string_member(d, "session_id");
      resume_url_ = string_member(d, "resume_gateway_url");
    }
    state_ = shard_state::ready;
    failures_ = 0;
  } else if (event == "RESUMED") {
    state_ = shard_state::ready;
    failures_ = 0;
  }
  auto a = make_action(action::dispatch, std::move(d_json));
  a.event = std::move(event);
  a.seq = seq;
  return {a};
}

actions protocol::heartbeat_frame() {
  std::string text = "{\"op\":1,\"d\":";
  text += have_seq_ ? std::to_string(seq_) : std::string{"null"};
  text += '}';
  return {make_action(action::send, std::move(text))};
}

actions protocol::on_heartbeat_due(clock_type::time_point now) {
  if (state_ == shard_state::stopped || state_ == shard_state::disconnected ||
      interval_.count() <= 0)
    return {};
  if (!acked_) {
    // The last beat got no ACK: the connection is a zombie.
    auto out = reconnect(true, milliseconds{0}, close_keep_session);
    out.insert(out.begin(), make_action(action::warn, "no heartbeat ACK: reconnecting"));
    return out;
  }
  auto out = heartbeat_frame();
  acked_ = false;
  beat_sent_ = now;
  auto arm = make_action(action::arm_heartbeat);
  arm.delay = interval_;
  out.push_back(arm);
  return out;
}

actions protocol::on_closed(std::uint16_t code, const std::string& reason) {
  // In `disconnected` this is the attempt to connect failing: the same rules.
  if (state_ == shard_state::stopped)
    return {};
  std::string why = "gateway closed with " + std::to_string(code);
  if (!reason.empty())
    why += " (" + reason + ")";
  switch (code) {
    case 4004:
      return stop("Discord refused the bot token (close code 4004, authentication failed): "
                  "set LASTGRAM_DISCORD_TOKEN to the token of the application's bot",
                  close_normal);
    case 4014:
      return stop("Discord refused the gateway intents (close code 4014, disallowed intents): "
                  "lastgram asks only for GUILDS; enable the intents the application needs "
                  "under Bot > Privileged Gateway Intents in the Developer Portal",
                  close_normal);
    case 4010:
      return stop("Discord refused the shard (close code 4010, invalid shard): check "
                  "discord.shards",
                  close_normal);
    case 4011:
      return stop("Discord requires more shards (close code 4011, sharding required): raise "
                  "discord.shards or let GET /gateway/bot choose",
                  close_normal);
    case 4012:
      return stop("Discord refused the gateway API version (close code 4012)", close_normal);
    case 4013:
      return stop("Discord refused the gateway intents value (close code 4013, invalid intents)",
                  close_normal);
    case 4007:
    case 4009:
      forget_session();
      return reconnect(false, failure_backoff(), close_keep_session);
    default: {
      auto out = reconnect(true, failure_backoff(), close_keep_session);
      out.insert(out.begin(), make_action(action::warn, std::move(why)));
      return out;
    }
  }
}

actions protocol::shutdown() {
  if (state_ == shard_state::stopped)
    return {};
  return stop("shut down", close_normal);
}

actions protocol::reconnect(bool resume, milliseconds delay, std::uint16_t code) {
  bool resuming = resume && !session_id_.empty();
  state_ = shard_state::disconnected;
  interval_ = milliseconds{0};
  ++reconnects_;
  auto a = make_action(action::reconnect);
  a.delay = delay;
  a.code = code;
  a.resume = resuming;
  a.url = connect_url(resuming && !resume_url_.empty() ? resume_url_ : settings_.url);
  return {a};
}

actions protocol::stop(std::string reason, std::uint16_t code) {
  state_ = shard_state::stopped;
  stop_reason_ = reason;
  auto a = make_action(action::stop, std::move(reason));
  a.code = code;
  return {a};
}

milliseconds protocol::failure_backoff() {
  ++failures_;
  auto d = settings_.backoff_base;
  for (int i = 1; i < failures_ && d < settings_.backoff_cap; ++i)
    d *= 2;
  return std::min(d, settings_.backoff_cap);
}

milliseconds protocol::invalid_session_wait() {
  double j = std::clamp(jitter_ ? jitter_() : 0.5, 0.0, 1.0);
  auto span = settings_.invalid_session_max - settings_.invalid_session_min;
  return settings_.invalid_session_min +
         milliseconds{static_cast<long long>(static_cast<double>(span.count()) * j)};
}

void protocol::forget_session() {
  session_id_.clear();
  resume_url_.clear();
  seq_ = 0;
  have_seq_ = false;
}

} // namespace lastgram::discord::gateway
