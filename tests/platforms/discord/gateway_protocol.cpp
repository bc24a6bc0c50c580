#include "platforms/discord/gateway_protocol.hpp"

#include <catch2/catch.hpp>

#include <rapidjson/document.h>

#include <chrono>
#include <string>

using namespace std::chrono_literals;
using namespace lastgram::discord::gateway;

namespace {

const std::string token = "Bot.SECRET-token-xyz";
const clock_type::time_point t0 = clock_type::time_point{} + 1000h;

shard_settings settings() {
  shard_settings s;
  s.url = "wss://gateway.discord.gg";
  s.token = token;
  s.shard_id = 2;
  s.shard_count = 5;
  s.presence = "Listening to /help";
  s.backoff_base = 1000ms;
  s.backoff_cap = 8000ms;
  return s;
}

rapidjson::Document parse(const std::string& text) {
  rapidjson::Document d;
  d.Parse(text.data(), text.size());
  REQUIRE_FALSE(d.HasParseError());
  return d;
}

std::string hello(int interval) {
  return R"({"op":10,"d":{"heartbeat_interval":)" + std::to_string(interval) + "}}";
}

std::string dispatch(const std::string& t, std::int64_t s, const std::string& d) {
  return R"({"op":0,"t":")" + t + R"(","s":)" + std::to_string(s) + R"(,"d":)" + d + "}";
}

std::string ready(std::int64_t s = 1) {
  return dispatch("READY", s,
                  R"({"v":10,"session_id":"sess-42","resume_gateway_url":"wss://resume.example","user":{"id":"1"}})");
}

/// A protocol that got Hello (interval 40 s, jitter 0.25) and, when `identified`, READY at seq 1.
protocol connected(bool identified = true) {
  protocol p(settings(), [] { return 0.25; });
  p.start();
  p.on_connected();
  p.on_frame(hello(40000), t0);
  if (identified) {
    p.identify();
    p.on_frame(ready(), t0);
  }
  return p;
}

bool has_token(const actions& as) {
  for (auto& a : as)
    if (a.kind != action::send && (a.text.find(token) != std::string::npos ||
                                   a.url.find(token) != std::string::npos))
      return true;
  return false;
}

} // namespace

TEST_CASE("connect_url adds the version and encoding query") {
  CHECK(connect_url("wss://gateway.discord.gg") == "wss://gateway.discord.gg/?v=10&encoding=json");
  CHECK(connect_url("ws://127.0.0.1:9000/gw") == "ws://127.0.0.1:9000/gw?v=10&encoding=json");
  CHECK(connect_url("ws://h/?x=1") == "ws://h/?x=1&v=10&encoding=json");
}

TEST_CASE("presence text becomes an activity of the named type") {
  auto listening = parse(presence_json("Listening to /help"));
  CHECK(listening["activities"][0]["type"].GetInt() == 2);
  CHECK(std::string(listening["activities"][0]["name"].GetString()) == "/help");
  CHECK(std::string(listening["status"].GetString()) == "online");
  auto playing = parse(presence_json("Playing music"));
  CHECK(playing["activities"][0]["type"].GetInt() == 0);
  auto custom = parse(presence_json("scrobbling away"));
  CHECK(custom["activities"][0]["type"].GetInt() == 4);
  CHECK(std::string(custom["activities"][0]["state"].GetString()) == "scrobbling away");
  CHECK(presence_json("").empty());
}

TEST_CASE("start connects to the gateway URL with the v10 json query") {
  protocol p(settings(), [] { return 0.5; });
  auto as = p.start();
  REQUIRE(as.size() == 1);
  CHECK(as[0].kind == action::reconnect);
  CHECK(as[0].url == "wss://gateway.discord.gg/?v=10&encoding=json");
  CHECK(as[0].delay == 0ms);
  CHECK(p.reconnects() == 0);
}

TEST_CASE("hello arms the first heartbeat at interval times jitter and asks to identify") {
  protocol p(settings(), [] { return 0.25; });
  p.start();
  p.on_connected();
  auto as = p.on_frame(hello(40000), t0);
  REQUIRE(as.size() == 2);
  CHECK(as[0].kind == action::arm_heartbeat);
  CHECK(as[0].delay == 10000ms);
  CHECK(as[1].kind == action::identify_wanted);
  CHECK(p.state() == shard_state::identifying);
}

TEST_CASE("identify carries the token the GUILDS intent the shard and the presence") {
  auto p = connected(false);
  auto as = p.identify();
  REQUIRE(as.size() == 1);
  REQUIRE(as[0].kind == action::send);
  auto f = parse(as[0].text);
  CHECK(f["op"].GetInt() == 2);
  auto& d = f["d"];
  CHECK(std::string(d["token"].GetString()) == token);
  CHECK(d["intents"].GetInt() == 1);
  CHECK(d["shard"][0].GetInt() == 2);
  CHECK(d["shard"][1].GetInt() == 5);
  CHECK(std::string(d["properties"]["browser"].GetString()) == "lastgram");
  CHECK(d["presence"]["activities"][0]["type"].GetInt() == 2);
  // A second permission (a late scheduler answer) sends nothing more.
  p.on_frame(ready(), t0);
  CHECK(p.identify().empty());
}

TEST_CASE("ready stores the session and the resume URL and dispatches are delivered with seq") {
  auto p = connected();
  CHECK(p.state() == shard_state::ready);
  CHECK(p.session_id() == "sess-42");
  CHECK(p.resume_url() == "wss://resume.example");
  auto as = p.on_frame(dispatch("INTERACTION_CREATE", 7, R"({"id":"9"})"), t0);
  REQUIRE(as.size() == 1);
  CHECK(as[0].kind == action::dispatch);
  CHECK(as[0].event == "INTERACTION_CREATE");
  CHECK(as[0].seq == 7);
  CHECK(parse(as[0].text)["id"] == "9");
  CHECK(p.seq() == 7);
}

TEST_CASE("heartbeats carry the last seq and null before any") {
  protocol p(settings(), [] { return 0.0; });
  p.start();
  p.on_connected();
  p.on_frame(hello(1000), t0);
  auto first = p.on_heartbeat_due(t0);
  REQUIRE(first.size() == 2);
  CHECK(first[0].text == R"({"op":1,"d":null})");
  CHECK(first[1].kind == action::arm_heartbeat);
  CHECK(first[1].delay == 1000ms);
  p.on_frame(R"({"op":11})", t0 + 30ms);
  CHECK(p.last_rtt() == 30ms);
  p.identify();
  p.on_frame(ready(5), t0);
  auto second = p.on_heartbeat_due(t0 + 1s);
  CHECK(second[0].text == R"({"op":1,"d":5})");
}

TEST_CASE("a heartbeat request from the gateway is answered at once") {
  auto p = connected();
  auto as = p.on_frame(R"({"op":1,"d":null})", t0);
  REQUIRE(as.size() == 1);
  CHECK(as[0].text == R"({"op":1,"d":1})");
}

TEST_CASE("a beat without ACK before the next one is a zombie that resumes") {
  auto p = connected();
  p.on_heartbeat_due(t0);
  auto as = p.on_heartbeat_due(t0 + 40s);
  REQUIRE_FALSE(as.empty());
  auto& rc = as.back();
  CHECK(rc.kind == action::reconnect);
  CHECK(rc.resume);
  CHECK(rc.code != 1000);
  CHECK(rc.code != 1001);
  CHECK(rc.url == "wss://resume.example/?v=10&encoding=json");
  CHECK(p.reconnects() == 1);
  // Hello on the new connection resumes with token, session and seq.
  p.on_connected();
  auto r = p.on_frame(hello(40000), t0 + 41s);
  REQUIRE(r.size() == 2);
  CHECK(r[1].kind == action::send);
  auto f = parse(r[1].text);
  CHECK(f["op"].GetInt() == 6);
  CHECK(std::string(f["d"]["token"].GetString()) == token);
  CHECK(std::string(f["d"]["session_id"].GetString()) == "sess-42");
  CHECK(f["d"]["seq"].GetInt64() == 1);
  CHECK(p.state() == shard_state::resuming);
  p.on_frame(dispatch("RESUMED", 2, "{}"), t0);
  CHECK(p.state() == shard_state::ready);
}

TEST_CASE("an acknowledged beat is no zombie") {
  auto p = connected();
  p.on_heartbeat_due(t0);
  p.on_frame(R"({"op":11})", t0 + 5ms);
  auto as = p.on_heartbeat_due(t0 + 40s);
  CHECK(as[0].kind == action::send);
}

TEST_CASE("reconnect opcode 7 resumes at once") {
  auto p = connected();
  auto as = p.on_frame(R"({"op":7,"d":null})", t0);
  REQUIRE(as.size() == 1);
  CHECK(as[0].kind == action::reconnect);
  CHECK(as[0].resume);
  CHECK(as[0].delay == 0ms);
}

TEST_CASE("invalid session resumable waits between 1 and 5 seconds then resumes") {
  auto p = connected();
  auto as = p.on_frame(R"({"op":9,"d":true})", t0);
  REQUIRE(as.size() == 1);
  CHECK(as[0].kind == action::reconnect);
  CHECK(as[0].resume);
  CHECK(as[0].delay == 2000ms); // 1 s + 0.25 * 4 s
  CHECK(p.session_id() == "sess-42");
}

TEST_CASE("invalid session not resumable forgets the session and identifies anew") {
  auto p = connected();
  auto as = p.on_frame(R"({"op":9,"d":false})", t0);
  REQUIRE(as.size() == 1);
  CHECK_FALSE(as[0].resume);
  CHECK(as[0].delay >= 1000ms);
  CHECK(as[0].delay <= 5000ms);
  CHECK(as[0].url == "wss://gateway.discord.gg/?v=10&encoding=json");
  CHECK(p.session_id().empty());
  p.on_connected();
  auto h = p.on_frame(hello(40000), t0);
  CHECK(h.back().kind == action::identify_wanted);
}

TEST_CASE("close 4004 stops with a bad token error that hides the token") {
  auto p = connected();
  auto as = p.on_closed(4004, "Authentication failed.");
  REQUIRE(as.size() == 1);
  CHECK(as[0].kind == action::stop);
  CHECK(as[0].text.find("token") != std::string::npos);
  CHECK_FALSE(has_token(as));
  CHECK(p.state() == shard_state::stopped);
  // Nothing revives a stopped shard.
  CHECK(p.on_closed(1006, "").empty());
  CHECK(p.on_frame(hello(1000), t0).empty());
  CHECK(p.on_heartbeat_due(t0).empty());
}

TEST_CASE("close 4014 says which intents to enable") {
  auto p = connected();
  auto as = p.on_closed(4014, "");
  REQUIRE(as[0].kind == action::stop);
  CHECK(as[0].text.find("enable the intents") != std::string::npos);
  CHECK(as[0].text.find("GUILDS") != std::string::npos);
}

TEST_CASE("close codes 4010 to 4013 are fatal") {
  for (std::uint16_t code : {4010, 4011, 4012, 4013}) {
    auto p = connected();
    auto as = p.on_closed(code, "");
    REQUIRE(as.size() == 1);
    CHECK(as[0].kind == action::stop);
    CHECK(as[0].text.find(std::to_string(code)) != std::string::npos);
  }
}

TEST_CASE("close codes 4007 and 4009 identify anew") {
  for (std::uint16_t code : {4007, 4009}) {
    auto p = connected();
    auto as = p.on_closed(code, "");
    REQUIRE(as.back().kind == action::reconnect);
    CHECK_FALSE(as.back().resume);
    CHECK(p.session_id().empty());
  }
}

TEST_CASE("other closes resume with a capped exponential backoff that READY resets") {
  auto p = connected();
  std::vector<std::chrono::milliseconds> delays;
  for (int i = 0; i < 6; ++i) {
    auto as = p.on_closed(i % 2 ? 1006 : 4000, "");
    REQUIRE(as.back().kind == action::reconnect);
    CHECK(as.back().resume);
    CHECK_FALSE(has_token(as));
    delays.push_back(as.back().delay);
    p.on_connected();
  }
  CHECK(delays == std::vector<std::chrono::milliseconds>{1000ms, 2000ms, 4000ms, 8000ms, 8000ms, 8000ms});
  p.on_frame(hello(40000), t0);
  p.on_frame(dispatch("RESUMED", 3, "{}"), t0);
  CHECK(p.on_closed(1006, "").back().delay == 1000ms);
}

TEST_CASE("a connection attempt that fails retries with backoff") {
  protocol p(settings(), [] { return 0.5; });
  p.start();
  auto as = p.on_closed(close_abnormal, "connection refused");
  REQUIRE(as.back().kind == action::reconnect);
  CHECK(as.back().delay == 1000ms);
  CHECK(p.on_closed(close_abnormal, "connection refused").back().delay == 2000ms);
  CHECK_FALSE(as.back().resume);
}

TEST_CASE("the opcode of the last frame is known for the metrics") {
  auto p = connected();
  CHECK(p.last_opcode() == 0);
  p.on_frame(R"({"op":11})", t0);
  CHECK(p.last_opcode() == 11);
  p.on_frame("garbage", t0);
  CHECK(p.last_opcode() == -1);
}

TEST_CASE("malformed frames are warnings and change nothing") {
  auto p = connected();
  auto as = p.on_frame("not json", t0);
  REQUIRE(as.size() == 1);
  CHECK(as[0].kind == action::warn);
  CHECK(p.on_frame(R"({"d":1})", t0)[0].kind == action::warn);
  CHECK(p.state() == shard_state::ready);
}

// Found by fuzz_discord_gateway (fuzz/regressions/discord_gateway/): the Hello
// check called MemberEnd() on a d that is not an object, which RapidJSON
// asserts against.
TEST_CASE("a hello whose d is not an object reconnects like one without an interval") {
  for (const char* frame : {R"({"op":10,"d":null})", R"({"op":10})", R"({"op":10,"d":41250})",
                            R"({"op":10,"d":[41250]})", R"({"op":10,"d":"x"})"}) {
    INFO(frame);
    protocol p(settings(), [] { return 0.5; });
    p.start();
    p.on_connected();
    auto as = p.on_frame(frame, t0);
    REQUIRE(as.size() == 1);
    CHECK(as[0].kind == action::reconnect);
    CHECK_FALSE(as[0].resume);
    CHECK(p.state() == shard_state::disconnected);
  }
}

TEST_CASE("shutdown closes with 1000 and stops") {
  auto p = connected();
  auto as = p.shutdown();
  REQUIRE(as.size() == 1);
  CHECK(as[0].kind == action::stop);
  CHECK(as[0].code == 1000);
  CHECK(p.shutdown().empty());
}
