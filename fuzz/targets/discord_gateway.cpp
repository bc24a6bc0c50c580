// Discord's gateway protocol (one shard's state machine): after a Hello,
// arbitrary frames, heartbeat timer events, closes with any code and
// identify grants, in any order. It must never crash, and the bot token may
// appear only in the Identify and Resume frames it sends (unless the peer
// itself sent the token back).
//
// Input: a byte for the presence text, then events; each event is a byte
// (what happens) and its data.

#include "fuzz/targets.hpp"

#include <rapidjson/document.h>

#include "platforms/discord/gateway_protocol.hpp"

namespace lastgram::fuzz {

namespace {

constexpr std::string_view target = "discord_gateway";
constexpr const char* token = "MTk4NjIyNDgzNDcxOTI1MjQ4.Cl2FMQ.ZnCjm1XVW7vRze4b7Cq4se7kKWs";

namespace gw = discord::gateway;

const char* const events[] = {"READY", "RESUMED", "INTERACTION_CREATE", "GUILD_CREATE",
                              "READY\"", ""};

// A frame built from pieces, so that short inputs reach every opcode.
std::string shaped_frame(input& in) {
  const int op = in.byte() % 12;
  std::string frame = "{\"op\":" + std::to_string(op);
  switch (in.byte() % 4) {
    case 0:
      frame += ",\"d\":" + in.short_text();
      break;
    case 1:
      frame += ",\"d\":{\"heartbeat_interval\":" + std::to_string(in.u64() % 100000) + "}";
      break;
    case 2:
      frame += ",\"d\":{\"session_id\":\"" + in.short_text(32)
               + "\",\"resume_gateway_url\":\"wss://" + in.short_text(32) + "\"}";
      break;
    default:
      frame += in.byte() % 2 == 0 ? ",\"d\":true" : ",\"d\":false";
      break;
  }
  frame += ",\"s\":" + std::to_string(static_cast<std::int64_t>(in.u64() >> in.byte() % 64));
  frame += ",\"t\":\"" + std::string{events[in.byte() % 6]} + "\"}";
  return frame;
}

bool is_credential_frame(const gw::action& a) {
  if (a.kind != gw::action::send)
    return false;
  rapidjson::Document d;
  d.Parse(a.text.data(), a.text.size());
  if (d.HasParseError() || !d.IsObject() || !d.HasMember("op") || !d["op"].IsInt())
    return false;
  int op = d["op"].GetInt();
  return (op == 2 || op == 6) && d.HasMember("d") && d["d"].IsObject()
         && d["d"].HasMember("token") && d["d"]["token"].IsString()
         && std::string_view{d["d"]["token"].GetString()} == token;
}

struct checker {
  gw::protocol& p;
  const gw::shard_settings& s;
  /// Everything the peer sent: the token may come back in what it sent.
  std::string heard;

  void operator()(const gw::actions& out) {
    const bool echoed = heard.find(token) != std::string::npos;
    for (const auto& a : out) {
      require(a.delay.count() >= 0, target, "a negative delay");
      if (a.kind == gw::action::reconnect)
        require(a.delay <= std::max(s.backoff_cap, s.invalid_session_max), target,
                "a reconnect delay over the cap");
      if (a.kind == gw::action::send && a.text.find(token) != std::string::npos) {
        require(is_credential_frame(a), target, "the token in a frame other than Identify/Resume");
        continue;
      }
      if (echoed)
        continue;
      for (const auto* t : {&a.text, &a.event, &a.url})
        require(t->find(token) == std::string::npos, target, "the token in an action");
    }
    require(p.stop_reason().find(token) == std::string::npos, target, "the token in the stop reason");
    if (p.state() == gw::shard_state::stopped)
      require(!p.stop_reason().empty(), target, "stopped without a reason");
  }
};

} // namespace

void fuzz_discord_gateway(const std::uint8_t* data, std::size_t size) {
  input in(data, size);
  gw::shard_settings s;
  s.url = "wss://gateway.discord.gg";
  s.token = token;
  s.shard_id = in.byte() % 2;
  s.shard_count = 2;
  static const char* const presences[] = {"", "Listening to /help", "Playing x", "hi \"there\""};
  s.presence = presences[in.byte() % 4];
  gw::protocol p(s, [&in] { return (in.byte() % 100) / 100.0; });
  checker check{p, s, {}};
  auto now = gw::clock_type::time_point{} + std::chrono::hours{1};
  check(p.start());
  check(p.on_connected());
  check(p.on_frame("{\"op\":10,\"d\":{\"heartbeat_interval\":41250}}", now));
  while (!in.empty()) {
    now += std::chrono::milliseconds{in.byte() * 97};
    std::string frame;
    switch (in.byte() % 9) {
      case 0:
      case 1:
        frame = shaped_frame(in);
        break;
      case 2:
        frame = in.short_text();
        break;
      case 3:
        check(p.on_heartbeat_due(now));
        continue;
      case 4: {
        auto code = static_cast<std::uint16_t>(in.byte() % 2 == 0 ? 4000 + in.byte() % 16
                                                                    : in.u64() & 0xFFFF);
        auto reason = in.short_text(64);
        check.heard += reason;
        check(p.on_closed(code, reason));
        continue;
      }
      case 5:
        check(p.identify());
        continue;
      case 6:
        check(p.on_connected());
        continue;
      case 7:
        if (in.byte() % 8 == 0)
          check(p.shutdown());
        continue;
      default:
        // A whole-rest frame, for seeds that are a frame.
        frame = in.rest();
        break;
    }
    check.heard += frame;
    check(p.on_frame(frame, now));
  }
}

} // namespace lastgram::fuzz
