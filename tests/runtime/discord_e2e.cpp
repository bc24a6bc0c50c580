// The lastgram binary as a Discord bot on the HTTP interactions endpoint:
// requests signed like Discord's (the signed PING fixture, and fresh ones
// signed by Node's Ed25519 in tests/discord/sign.js), answered in the HTTP
// response, against the fake Last.fm.

#include <catch2/catch.hpp>

#include <csignal>
#include <ctime>
#include <fstream>
#include <iterator>
#include <map>

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "support/build_paths.hpp"
#include "actors/database/store.hpp"
#include "support/eventually.hpp"
#include "support/fake_lastfm.hpp"
#include "support/lastfm_payloads.hpp"
#include "support/http_probe.hpp"
#include "support/fake_discord_rest.hpp"
#include "support/fake_gateway.hpp"
#include "support/process.hpp"

using namespace lastgram::test;
using namespace std::chrono_literals;

namespace {

/// The seed of the test application's key; the node gets its public key.
const std::string seed(64, '7');

std::string read_file(const std::string& path) {
  std::ifstream in{path, std::ios::binary};
  REQUIRE(in);
  return {std::istreambuf_iterator<char>{in}, std::istreambuf_iterator<char>{}};
}

std::string fixture(const std::string& name) {
  return read_file(std::string{LASTGRAM_FIXTURES_DIR} + "/" + name);
}


std::string json_string(const std::string& s) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w{buf};
  w.String(s.c_str(), static_cast<rapidjson::SizeType>(s.size()));
  return buf.GetString();
}

/// The test application's key, as Node's Ed25519 makes it from `seed`:
/// signs requests the way Discord does (timestamp + body).
struct node_signer {
  std::string public_key;
  /// Signature by body, for the bodies given at construction.
  std::map<std::string, std::string> signatures;
  std::string timestamp;

  /// Signs every body of `bodies` with one run of node (starting node is the
  /// slow part), all at `timestamp`.
  node_signer(const std::vector<std::string>& bodies, std::string ts) : timestamp(std::move(ts)) {
    auto node = find_node();
    REQUIRE_FALSE(node.empty());
    std::string input = "[";
    for (const auto& body : bodies)
      input += std::string{input.size() > 1 ? "," : ""} + "[" + json_string(timestamp) + ","
               + json_string(body) + "]";
    input += "]";
    auto res = run({node, std::string{LASTGRAM_SOURCE_DIR} + "/tests/discord/sign.js", "seed", seed},
                   input, {}, 60s);
    INFO(res.err);
    REQUIRE(res.exit_code == 0);
    rapidjson::Document d;
    d.Parse(res.out.c_str());
    REQUIRE(d.IsObject());
    public_key = d["public_key"].GetString();
    REQUIRE(d["signatures"].Size() == bodies.size());
    for (rapidjson::SizeType i = 0; i < d["signatures"].Size(); ++i)
      signatures[bodies[i]] = d["signatures"][i].GetString();
  }
};

/// A node in interactions mode verifying with `public_key`.
struct discord_node {
  temp_dir dir;
  unsigned short port = free_port();
  std::unique_ptr<child_process> proc;

  discord_node(const std::string& public_key, const std::string& lastfm_url,
               const std::string& max_age, const std::vector<std::string>& extra = {}) {
    std::vector<std::string> args{LASTGRAM_BINARY, "run",
                                  "--config", std::string{LASTGRAM_SOURCE_DIR} + "/config.ini",
                                  "--set", "server.address=127.0.0.1",
                                  "--set", "server.port=" + std::to_string(port),
                                  "--set", "node.data-dir=" + dir.file("data"),
                                  "--set", "database.path=" + dir.file("data/db.sqlite3"),
                                  "--set", "lastfm.api-url=" + lastfm_url,
                                  "--set", "indexer.enabled=false",
                                  "--set", "discord.mode=interactions",
                                  "--set", "discord.signature-max-age-seconds=" + max_age};
    args.insert(args.end(), extra.begin(), extra.end());
    proc = std::make_unique<child_process>(
      args, std::vector<std::string>{
              "LASTGRAM_DISCORD_PUBLIC_KEY=" + public_key,
              "LASTGRAM_LASTFM_API_KEY=0123456789abcdef0123456789abcdef",
              "LASTGRAM_LASTFM_API_SECRET=fedcba9876543210fedcba9876543210"});
  }

  ~discord_node() {
    proc->signal(SIGTERM);
    proc->wait(15s);
  }

  bool wait_ready() {
    if (eventually([&] { return http_get(port, "/readyz").status == 200; }, 20s))
      return true;
    UNSCOPED_INFO("node stderr:\n" << proc->err());
    return false;
  }

  http_reply post(const std::string& body, const std::string& signature,
                  const std::string& timestamp) {
    std::vector<std::pair<std::string, std::string>> headers{
      {"Content-Type", "application/json"}};
    if (!signature.empty())
      headers.emplace_back("X-Signature-Ed25519", signature);
    if (!timestamp.empty())
      headers.emplace_back("X-Signature-Timestamp", timestamp);
    auto reply = http_exchange(port, http_request_text("POST", "/discord/interactions", body,
                                                       headers));
    REQUIRE(reply);
    return *reply;
  }

  /// Posts `body` with the signature `signer` made for it.
  http_reply post_signed(const node_signer& signer, const std::string& body) {
    auto sig = signer.signatures.find(body);
    REQUIRE(sig != signer.signatures.end());
    return post(body, sig->second, signer.timestamp);
  }
};

/// A slash command interaction as Discord sends it; a guild id of "" is a DM.
std::string slash(int id, const std::string& guild, const std::string& user,
                  const std::string& locale, const std::string& name,
                  const std::string& options_json = "[]", const std::string& resolved = "{}") {
  std::string who = "{\"id\":\"" + user + "\",\"username\":\"user" + user
                    + "\",\"global_name\":\"User " + user + "\"}";
  std::string out = "{\"type\":2,\"id\":\"" + std::to_string(9000 + id)
                    + "\",\"application_id\":\"1234\",\"token\":\"tok" + std::to_string(id)
                    + "\",\"channel_id\":\"555\",\"locale\":\"" + locale + "\",";
  if (!guild.empty())
    out += "\"guild_id\":\"" + guild + "\",\"guild_locale\":\"en-US\",\"member\":{\"user\":" + who
           + "},";
  else
    out += "\"user\":" + who + ",";
  return out + "\"data\":{\"type\":1,\"id\":\"77\",\"name\":\"" + name
         + "\",\"options\":" + options_json + ",\"resolved\":" + resolved + "}}";
}

/// The callback body, checked against Discord's OpenAPI description first.
rapidjson::Document checked(const fake_discord_rest& api, const http_reply& reply) {
  REQUIRE(reply.status == 200);
  std::string errors;
  INFO(reply.body);
  CHECK(api.valid_callback(reply.body, &errors));
  INFO(errors);
  rapidjson::Document d;
  d.Parse(reply.body.c_str());
  REQUIRE(d.IsObject());
  return d;
}

/// The visible text of a callback answer: its content and embed description.
std::string shown(const rapidjson::Document& d) {
  std::string out;
  if (!d.HasMember("data"))
    return out;
  const auto& data = d["data"];
  if (data.HasMember("content"))
    out += data["content"].GetString();
  if (data.HasMember("embeds"))
    for (const auto& e : data["embeds"].GetArray())
      if (e.HasMember("description"))
        out += e["description"].GetString();
  return out;
}

bool contains(const std::string& hay, const std::string& needle) {
  return hay.find(needle) != std::string::npos;
}

/// One indexed play count: a Discord user's plays of an entity.
struct indexed_row {
  std::string user;
  lastgram::entity_kind kind;
  std::string name;
  std::int64_t plays;
  std::string artist = {};
};

/// Stores `rows` in the node's database, as the indexer would.
void store_plays(discord_node& node, const std::vector<indexed_row>& rows) {
  lastgram::database_settings cfg;
  cfg.path = node.dir.file("data/db.sqlite3");
  auto db = lastgram::database::store::open(cfg);
  REQUIRE(db.has_value());
  for (const auto& r : rows) {
    auto e = db->upsert_entity(r.kind, r.name, r.artist);
    REQUIRE(e.has_value());
    auto u = db->get_user(lastgram::platform_kind::discord, r.user);
    REQUIRE(u.has_value());
    REQUIRE(u->has_value());
    REQUIRE(db->set_user_plays((*u)->id, *e, r.plays).has_value());
  }
}

} // namespace

TEST_CASE("interactions endpoint: the signed PING fixture gets a PONG and a tampered copy 401",
          "[e2e][discord]") {
  fake_lastfm fake;
  rapidjson::Document h;
  auto headers = fixture("discord/interaction-ping-signed-headers.json");
  h.Parse(headers.c_str());
  REQUIRE(h.IsObject());
  std::string key = h["public_key"].GetString();
  std::string sig = h["headers"]["X-Signature-Ed25519"].GetString();
  std::string ts = h["headers"]["X-Signature-Timestamp"].GetString();
  auto body = fixture("discord/interaction-ping-signed-body.json");
  {
    discord_node node{key, fake.url(), "0"};
    REQUIRE(node.wait_ready());
    auto pong = node.post(body, sig, ts);
    CHECK(pong.status == 200);
    CHECK(pong.body == "{\"type\":1}");
    CHECK(pong.header("Content-Type") == "application/json");
    auto tampered = body;
    tampered[tampered.find("\"type\":1")+7] = '2';
    CHECK(node.post(tampered, sig, ts).status == 401);
    CHECK(node.post(body, "", ts).status == 401);
    CHECK(node.post(body, sig, "").status == 401);
    CHECK(node.post(body, std::string(128, 'z'), ts).status == 401);
  }
  // With the default max age the 2024 request is a replay.
  discord_node strict{key, fake.url(), "300"};
  REQUIRE(strict.wait_ready());
  CHECK(strict.post(body, sig, ts).status == 401);
  CHECK(strict.proc->err().find(key.substr(0, 16)) == std::string::npos);
}

TEST_CASE("interactions endpoint: register and now playing in a server and in a DM",
          "[e2e][discord][music]") {
  fake_discord_rest discord_api;
  fake_lastfm fake;
  // A track name that is Markdown and a mention: it must come out as text.
  auto recent = fixture("lastfm/user-getrecenttracks-extended-nowplaying.json");
  auto at = recent.find("Apocalypse Dreams");
  REQUIRE(at != std::string::npos);
  recent.replace(at, std::string{"Apocalypse Dreams"}.size(), "**Dreams** @everyone [a](b)");
  fake.set_body("user.getRecentTracks", recent);
  const auto before_ln = slash(1, "900", "11", "pt-BR", "listening");
  const auto register_ = slash(2, "900", "11", "en-US", "register",
                               R"([{"type":3,"name":"username","value":"someuser"}])");
  const auto ln_guild = slash(3, "900", "11", "en-US", "listening");
  const auto ln_bob = slash(4, "900", "11", "en-US", "listening",
                            R"([{"type":6,"name":"user","value":"22"}])",
                            R"({"users":{"22":{"id":"22","username":"bob","global_name":"Bob"}}})");
  const auto ln_dm = slash(5, "", "11", "en-US", "listening");
  const auto help = slash(7, "900", "11", "en-US", "help");
  // Only the last of /topartists' three options (period, page, lastfm_user).
  const auto top_rj = slash(8, "900", "11", "en-US", "topartists",
                            R"([{"type":3,"name":"lastfm_user","value":"rj"}])");
  node_signer signer{{before_ln, register_, ln_guild, ln_bob, ln_dm, help, top_rj},
                     std::to_string(std::time(nullptr))};
  discord_node node{signer.public_key, fake.url(), "300"};
  REQUIRE(node.wait_ready());

  // Unregistered: the localized error, only for the asker.
  auto before = checked(discord_api, node.post_signed(signer, before_ln));
  CHECK(before["type"].GetInt() == 4);
  CHECK(before["data"]["flags"].GetInt() == 64);
  CHECK(contains(shown(before), "só para usuários registrados"));
  CHECK(before["data"]["allowed_mentions"]["parse"].Size() == 0);

  auto reg = checked(discord_api, node.post_signed(signer, register_));
  CHECK(reg["type"].GetInt() == 4);
  CHECK(contains(shown(reg), "registered as TyphoonsNotABot"));

  auto ln = checked(discord_api, node.post_signed(signer, ln_guild));
  REQUIRE(ln["type"].GetInt() == 4);
  auto text = shown(ln);
  INFO(text);
  CHECK_FALSE(ln["data"].HasMember("flags"));
  CHECK(contains(text, "\\*\\*Dreams\\*\\* @\xE2\x80\x8B" "everyone \\[a\\]\\(b\\)"));
  CHECK_FALSE(contains(text, "@everyone"));
  CHECK(contains(text, "Tame Impala"));
  CHECK(ln["data"]["allowed_mentions"]["parse"].Size() == 0);

  // With a user option: about that user, who never registered.
  auto other = checked(discord_api, node.post_signed(signer, ln_bob));
  CHECK(contains(shown(other), "Bob hasn't registered with the bot yet"));

  // In a DM the same user is the same registered user.
  auto dm = checked(discord_api, node.post_signed(signer, ln_dm));
  CHECK(contains(shown(dm), "Tame Impala"));
  // Help concerns the asker alone: shown only to them, in a server too.
  auto helped = checked(discord_api, node.post_signed(signer, help));
  CHECK(helped["type"].GetInt() == 4);
  CHECK(helped["data"]["flags"].GetInt() == 64);
  CHECK(contains(shown(helped), "/listening"));
  // The options left out before the given one stay left out: rj's list for
  // the default period, not "rj" taken for a period.
  auto top = checked(discord_api, node.post_signed(signer, top_rj));
  INFO(shown(top));
  CHECK(contains(shown(top), "Queen"));
  bool asked_for_rj = false;
  for (const auto& call : fake.received())
    if (call.method == "user.gettopartists")
      for (const auto& [k, v] : call.params)
        asked_for_rj = asked_for_rj || (k == "user" && v == "rj");
  CHECK(asked_for_rj);
  // Signed for another body, or unsigned, it runs nothing.
  CHECK(node.post(ln_dm + " ", signer.signatures.at(ln_dm), signer.timestamp).status == 401);
  auto unsigned_ = node.post(slash(6, "", "11", "en-US", "listening"), "", "");
  CHECK(unsigned_.status == 401);
}

TEST_CASE("register-commands bulk-overwrites commands Discord accepts", "[e2e][discord]") {
  const std::string token = "dc-token.for-tests";
  fake_discord_rest api{token};
  temp_dir dir;
  auto args = [&](std::vector<std::string> extra) {
    std::vector<std::string> a{LASTGRAM_BINARY, "discord", "register-commands",
                               "--config", std::string{LASTGRAM_SOURCE_DIR} + "/config.ini",
                               "--set", "discord.api-url=" + api.url(),
                               "--set", "node.data-dir=" + dir.file("data")};
    a.insert(a.end(), extra.begin(), extra.end());
    return a;
  };
  auto dry = run(args({"--dry-run"}), "");
  REQUIRE(dry.exit_code == 0);
  rapidjson::Document commands;
  commands.Parse(dry.out.c_str());
  REQUIRE(commands.IsArray());
  bool ln_has_user = false, artist_completes = false;
  std::map<std::string, std::string> menus; // name -> its pt-BR name
  std::map<std::string, bool> restricted;   // slash command -> MANAGE_GUILD by default
  for (const auto& c : commands.GetArray()) {
    std::string name = c["name"].GetString();
    if (c["type"].GetInt() == 2)
      menus[name] = c["name_localizations"]["pt-BR"].GetString();
    if (name == "listening")
      for (const auto& o : c["options"].GetArray())
        ln_has_user = ln_has_user || o["type"].GetInt() == 6;
    if (name == "whoknows")
      for (const auto& o : c["options"].GetArray())
        artist_completes = artist_completes
                           || (std::string{o["name"].GetString()} == "artist"
                               && o.HasMember("autocomplete") && o["autocomplete"].GetBool());
    if (c["type"].GetInt() == 1) {
      CHECK(c["description_localizations"].HasMember("ru"));
      restricted[name] = c.HasMember("default_member_permissions")
                         && c["default_member_permissions"].GetUint64() == 32;
      // Periods and other choices are offered as choices, not suggested.
      for (const auto& o : c["options"].GetArray())
        CHECK_FALSE((o.HasMember("choices") && o.HasMember("autocomplete")));
    }
  }
  CHECK(ln_has_user);
  CHECK(artist_completes);
  // Two user menus: Now playing and Compare taste.
  CHECK(menus == std::map<std::string, std::string>{{"Compare taste", "Comparar gosto"},
                                                    {"Now playing", "Ouvindo agora"}});
  // Commands for a group's administrators need MANAGE_GUILD by default.
  CHECK(restricted.at("grouplang"));
  CHECK(restricted.at("config"));
  CHECK_FALSE(restricted.at("listening"));
  // Developer-only commands are never in the global list.
  CHECK(restricted.count("lastgramban") == 0);
  CHECK(restricted.count("lastgramunban") == 0);
  CHECK(api.requests_json() == "[]"); // a dry run sends nothing

  auto res = run(args({"--guild", "900", "--set", "discord.application-id=1234"}), "",
                 {"LASTGRAM_DISCORD_TOKEN=" + token});
  INFO(res.err);
  REQUIRE(res.exit_code == 0);
  CHECK(contains(res.out, "in guild 900"));
  CHECK_FALSE(contains(res.err + res.out, token));
  rapidjson::Document sent;
  auto log = api.requests_json();
  sent.Parse(log.c_str());
  REQUIRE(sent.IsArray());
  REQUIRE(sent.Size() == 1);
  INFO(log.substr(0, 2000));
  CHECK(std::string{sent[0]["method"].GetString()} == "PUT");
  CHECK(std::string{sent[0]["path"].GetString()} == "/applications/1234/guilds/900/commands");
  CHECK(sent[0]["valid"].GetBool());
  CHECK(sent[0]["authorized"].GetBool());
  CHECK(sent[0]["body"].Size() == commands.Size());

  // Developer commands go to one server, on their own; never globally.
  auto no_guild = run(args({"--developer", "--dry-run"}), "");
  CHECK(no_guild.exit_code == 2);
  CHECK(contains(no_guild.err, "--guild"));
  auto dev = run(args({"--developer", "--guild", "901", "--set", "discord.application-id=1234"}),
                 "", {"LASTGRAM_DISCORD_TOKEN=" + token});
  INFO(dev.err);
  REQUIRE(dev.exit_code == 0);
  CHECK(contains(dev.out, "developer commands registered in guild 901"));
  log = api.requests_json();
  sent.Parse(log.c_str());
  REQUIRE(sent.Size() == 2);
  CHECK(std::string{sent[1]["path"].GetString()} == "/applications/1234/guilds/901/commands");
  CHECK(sent[1]["valid"].GetBool());
  std::vector<std::string> dev_names;
  for (const auto& c : sent[1]["body"].GetArray())
    dev_names.push_back(c["name"].GetString());
  CHECK(dev_names == std::vector<std::string>{"lastgramban", "lastgramunban"});

  // Without an application id it asks Discord for it; invite-url prints the link.
  auto invite = run({LASTGRAM_BINARY, "discord", "invite-url", "--config",
                     std::string{LASTGRAM_SOURCE_DIR} + "/config.ini", "--set",
                     "discord.api-url=" + api.url()},
                    "", {"LASTGRAM_DISCORD_TOKEN=" + token});
  CHECK(invite.exit_code == 0);
  CHECK(invite.out
        == "https://discord.com/oauth2/authorize?client_id=1234&scope=bot+applications.commands\n");
}

TEST_CASE("interactions endpoint: a slow answer is deferred then edited into @original",
          "[e2e][discord][music]") {
  fake_discord_rest discord_api;
  fake_lastfm fake;
  const auto register_ = slash(1, "", "31", "en-US", "register",
                               R"([{"type":3,"name":"username","value":"someuser"}])");
  const auto ln = slash(2, "", "31", "en-US", "listening");
  node_signer signer{{register_, ln}, std::to_string(std::time(nullptr))};
  discord_node node{signer.public_key, fake.url(), "300",
                    {"--set", "discord.api-url=" + discord_api.url()}};
  REQUIRE(node.wait_ready());
  CHECK(contains(shown(checked(discord_api, node.post_signed(signer, register_))),
                 "registered as TyphoonsNotABot"));
  // Last.fm answers after Discord's 3 seconds would have passed.
  fake.fail_method("user.getRecentTracks", fake_fault::slow(3500ms));
  auto started = std::chrono::steady_clock::now();
  auto deferred = checked(discord_api, node.post_signed(signer, ln));
  CHECK(std::chrono::steady_clock::now() - started < 2900ms);
  CHECK(deferred["type"].GetInt() == 5);
  // The answer comes as an edit of the original message, valid for Discord.
  std::string log;
  REQUIRE(eventually(
    [&] {
      log = discord_api.requests_json();
      return contains(log, "@original");
    },
    20s));
  rapidjson::Document sent;
  sent.Parse(log.c_str());
  REQUIRE(sent.IsArray());
  REQUIRE(sent.Size() == 1);
  INFO(log.substr(0, 3000));
  CHECK(std::string{sent[0]["method"].GetString()} == "PATCH");
  CHECK(std::string{sent[0]["path"].GetString()} == "/webhooks/1234/tok2/messages/@original");
  CHECK(sent[0]["valid"].GetBool());
  CHECK(contains(sent[0]["body"]["embeds"][0]["description"].GetString(), "Tame Impala"));
  CHECK(sent[0]["body"]["allowed_mentions"]["parse"].Size() == 0);
}

TEST_CASE("gateway: interactions from a shard are answered once over REST",
          "[e2e][discord][gateway]") {
  const std::string token = "fake-gateway-token";
  fake_discord_rest discord_api{token};
  fake_gateway gateway;
  fake_lastfm fake;
  temp_dir dir;
  auto port = free_port();
  child_process node{
    {LASTGRAM_BINARY, "run", "--config", std::string{LASTGRAM_SOURCE_DIR} + "/config.ini",
     "--set", "server.address=127.0.0.1", "--set", "server.port=" + std::to_string(port),
     "--set", "node.data-dir=" + dir.file("data"),
     "--set", "database.path=" + dir.file("data/db.sqlite3"), "--set", "lastfm.api-url=" + fake.url(),
     "--set", "indexer.enabled=false", "--set", "discord.mode=gateway", "--set", "discord.gateway-url=" + gateway.url(),
     "--set", "discord.shards=1", "--set", "discord.api-url=" + discord_api.url(),
     "--set", "discord.presence=Listening to /help"},
    {"LASTGRAM_DISCORD_TOKEN=" + token,
     "LASTGRAM_LASTFM_API_KEY=0123456789abcdef0123456789abcdef",
     "LASTGRAM_LASTFM_API_SECRET=fedcba9876543210fedcba9876543210"}};
  INFO(node.err());
  // The shard identifies with the token, GUILDS only, and the presence.
  REQUIRE(eventually([&] { return !gateway.received(2).empty(); }, 20s));
  auto identify = gateway.received(2).front().text;
  CHECK(contains(identify, "\"intents\":1"));
  CHECK(contains(identify, "/help"));
  CHECK(gateway.problems().empty());
  REQUIRE(eventually([&] { return !gateway.session_id().empty(); }, 10s));

  gateway.send_dispatch("INTERACTION_CREATE",
                        slash(1, "900", "11", "en-US", "register",
                              R"([{"type":3,"name":"username","value":"someuser"}])"));
  gateway.send_dispatch("INTERACTION_CREATE", slash(2, "900", "11", "en-US", "listening"));
  std::string log;
  auto callbacks = [&] {
    log = discord_api.requests_json();
    return contains(log, "/interactions/9001/tok1/callback")
           && contains(log, "/interactions/9002/tok2/callback");
  };
  REQUIRE(eventually(callbacks, 20s));
  rapidjson::Document sent;
  sent.Parse(log.c_str());
  REQUIRE(sent.IsArray());
  INFO(log.substr(0, 3000));
  int answered = 0;
  for (const auto& r : sent.GetArray()) {
    std::string path = r["path"].GetString();
    if (path.find("/callback") == std::string::npos)
      continue;
    ++answered;
    CHECK(r["valid"].GetBool());
    CHECK(r["authorized"].GetBool()); // as Discord authorizes a callback route
    std::string text;
    const auto& data = r["body"]["data"];
    if (data.HasMember("embeds"))
      text = data["embeds"][0]["description"].GetString();
    else if (data.HasMember("content"))
      text = data["content"].GetString();
    if (path == "/interactions/9001/tok1/callback")
      CHECK(contains(text, "registered as TyphoonsNotABot"));
    else
      CHECK(contains(text, "Tame Impala"));
  }
  // Each interaction once: no repeat while the shard keeps running.
  CHECK(holds_for([&] { return discord_api.requests_json() == log; }, 1500ms));
  CHECK(answered == 2);
  node.signal(SIGTERM);
  CHECK(node.wait(15s) == 0);
  CHECK_FALSE(contains(node.err(), token));
}

TEST_CASE("interactions endpoint: a command run in a server makes the user a member for whoknows",
          "[e2e][discord][groups]") {
  fake_discord_rest discord_api;
  fake_lastfm fake;
  const std::map<std::string, std::pair<std::string, std::int64_t>> users{
    {"11", {"anafm", 70}}, {"22", {"bobfm", 40}}, {"33", {"cidfm", 90}}};
  for (const auto& [id, who] : users) {
    fake.set_body_for_user("user.getInfo", who.first, user_info_body(who.first));
    fake.set_body_for_user("artist.getInfo", who.first, artist_info_body(who.second));
  }
  auto reg = [](int n, const std::string& guild, const std::string& user) {
    return slash(n, guild, user, "en-US", "register",
                 R"([{"type":3,"name":"username","value":")" + std::string{user == "11"
                   ? "anafm" : user == "22" ? "bobfm" : "cidfm"} + R"("}])");
  };
  const std::string artist = R"([{"type":3,"name":"artist","value":"The Weeknd"}])";
  const auto reg_ana = reg(1, "900", "11");
  const auto reg_bob = reg(2, "900", "22");
  const auto reg_cid = reg(3, "", "33"); // in a DM: not a member of 900
  const auto wk_before = slash(4, "900", "11", "en-US", "whoknows", artist);
  const auto cid_in_server = slash(5, "900", "33", "en-US", "botinfo");
  const auto wk_after = slash(6, "900", "22", "en-US", "whoknows", artist);
  node_signer signer{{reg_ana, reg_bob, reg_cid, wk_before, cid_in_server, wk_after},
                     std::to_string(std::time(nullptr))};
  discord_node node{signer.public_key, fake.url(), "300"};
  REQUIRE(node.wait_ready());
  for (const auto* body : {&reg_ana, &reg_bob, &reg_cid})
    CHECK(contains(shown(checked(discord_api, node.post_signed(signer, *body))), "registered as"));
  std::vector<indexed_row> rows;
  for (const auto& [id, who] : users)
    rows.push_back({id, lastgram::entity_kind::artist, "The Weeknd", who.second});
  store_plays(node, rows);
  auto before = shown(checked(discord_api, node.post_signed(signer, wk_before)));
  INFO(before);
  CHECK(contains(before, "Who knows The Weeknd"));
  CHECK(contains(before, "2 listeners, 110 plays"));
  CHECK_FALSE(contains(before, "User 33"));
  // Any command Cid runs in the server makes him one of its members.
  checked(discord_api, node.post_signed(signer, cid_in_server));
  auto after = shown(checked(discord_api, node.post_signed(signer, wk_after)));
  INFO(after);
  CHECK(contains(after, "1. User 33"));
  CHECK(contains(after, "3 listeners, 200 plays"));
}

namespace {

/// An autocomplete interaction in server 900: `user` types `value` into
/// `option` of `command`.
std::string autocomplete(int id, const std::string& user, const std::string& command,
                         const std::string& option, const std::string& value) {
  auto body = slash(id, "900", user, "en-US", command,
                    R"([{"type":3,"name":")" + option + R"(","value":)" + json_string(value)
                      + R"(,"focused":true}])");
  body.replace(0, std::string{"{\"type\":2"}.size(), "{\"type\":4");
  return body;
}

/// A user context-menu command in server 900: `user` opens `menu` on
/// `target` (who is resolved as Discord resolves them).
std::string user_menu(int id, const std::string& user, const std::string& menu,
                      const std::string& target) {
  return "{\"type\":2,\"id\":\"" + std::to_string(9000 + id)
         + "\",\"application_id\":\"1234\",\"token\":\"tok" + std::to_string(id)
         + "\",\"channel_id\":\"555\",\"locale\":\"en-US\",\"guild_id\":\"900\","
           "\"guild_locale\":\"en-US\",\"member\":{\"user\":{\"id\":\""
         + user + "\",\"username\":\"user" + user + "\"}},\"data\":{\"type\":2,\"id\":\"78\","
         + "\"name\":" + json_string(menu) + ",\"target_id\":\"" + target
         + "\",\"resolved\":{\"users\":{\"" + target + "\":{\"id\":\"" + target
         + "\",\"username\":\"user" + target + "\",\"global_name\":\"User " + target + "\"}}}}}";
}

/// The values of an autocomplete answer's choices, checking Discord's
/// limits on the way; "▶ " marks the latest track's.
std::vector<std::string> choices(const rapidjson::Document& d) {
  REQUIRE(d["type"].GetInt() == 8);
  std::vector<std::string> out;
  for (const auto& c : d["data"]["choices"].GetArray()) {
    std::string name = c["name"].GetString();
    std::string value = c["value"].GetString();
    CHECK(name.size() <= 400);
    out.push_back(name.rfind("\xE2\x96\xB6 ", 0) == 0 ? "> " + value : value);
  }
  CHECK(out.size() <= 25);
  return out;
}

using strings = std::vector<std::string>;

} // namespace

TEST_CASE("interactions endpoint: autocomplete from the latest track and the library, in time",
          "[e2e][discord][autocomplete]") {
  fake_discord_rest discord_api;
  fake_lastfm fake;
  for (const auto* who : {"anafm", "bobfm", "slowfm"})
    fake.set_body_for_user("user.getInfo", who, user_info_body(who));
  auto reg = [](int n, const std::string& user, const std::string& fm) {
    return slash(n, "900", user, "en-US", "register",
                 R"([{"type":3,"name":"username","value":")" + fm + R"("}])");
  };
  const auto reg_ana = reg(1, "11", "anafm");
  const auto reg_bob = reg(2, "22", "bobfm");
  const auto reg_cid = reg(3, "33", "slowfm");
  const auto slow = autocomplete(4, "33", "whoknows", "artist", "");
  const auto all = autocomplete(5, "11", "whoknows", "artist", "");
  const auto the_w = autocomplete(6, "11", "whoknows", "artist", "the w");
  const auto album = autocomplete(7, "11", "albuminfo", "artist_album", "lon");
  const auto stranger = autocomplete(8, "44", "whoknows", "artist", "");
  const auto username = autocomplete(9, "11", "register", "username", "x");
  const auto np_menu = user_menu(10, "11", "Now playing", "22");
  const auto np_menu_pt = user_menu(11, "11", "Ouvindo agora", "44");
  const auto compat_menu = user_menu(12, "11", "Compare taste", "22");
  const auto literal = slash(13, "900", "11", "en-US", "artistinfo",
                             R"([{"type":3,"name":"artist","value":"AC/DC - \"Live\""}])");
  node_signer signer{{reg_ana, reg_bob, reg_cid, slow, all, the_w, album, stranger, username,
                      np_menu, np_menu_pt, compat_menu, literal},
                     std::to_string(std::time(nullptr))};
  discord_node node{signer.public_key, fake.url(), "300"};
  REQUIRE(node.wait_ready());
  for (const auto* body : {&reg_ana, &reg_bob, &reg_cid})
    CHECK(contains(shown(checked(discord_api, node.post_signed(signer, *body))), "registered as"));
  using lastgram::entity_kind;
  std::vector<indexed_row> rows;
  for (const auto* user : {"11", "33"}) {
    rows.push_back({user, entity_kind::artist, "The Weeknd", 70});
    rows.push_back({user, entity_kind::artist, "The Beatles", 90});
    rows.push_back({user, entity_kind::artist, "Tame Impala", 40});
  }
  rows.push_back({"11", entity_kind::album, "After Hours", 20, "The Weeknd"});
  store_plays(node, rows);

  // Last.fm is too slow: the library alone, still within Discord's 3 s.
  fake.fail_method("user.getRecentTracks", fake_fault::slow(3500ms));
  auto started = std::chrono::steady_clock::now();
  auto late = checked(discord_api, node.post_signed(signer, slow));
  CHECK(std::chrono::steady_clock::now() - started < 2900ms);
  CHECK(choices(late) == strings{"The Beatles", "The Weeknd", "Tame Impala"});
  fake.reset();

  // The latest track first, then the library by plays, each name once.
  CHECK(choices(checked(discord_api, node.post_signed(signer, all)))
        == strings{"> Tame Impala", "The Beatles", "The Weeknd"});
  CHECK(choices(checked(discord_api, node.post_signed(signer, the_w))) == strings{"The Weeknd"});
  CHECK(choices(checked(discord_api, node.post_signed(signer, album)))
        == strings{"> Tame Impala - Lonerism"});
  // Nobody registered, or an option that names no music: no suggestions.
  CHECK(choices(checked(discord_api, node.post_signed(signer, stranger))).empty());
  CHECK(choices(checked(discord_api, node.post_signed(signer, username))).empty());

  // User menus run their command about the member they were opened on.
  auto np = checked(discord_api, node.post_signed(signer, np_menu));
  CHECK(np["type"].GetInt() == 4);
  CHECK(contains(shown(np), "Tame Impala"));
  CHECK(contains(shown(checked(discord_api, node.post_signed(signer, np_menu_pt))),
                 "User 44 hasn't registered with the bot yet"));
  auto compat = shown(checked(discord_api, node.post_signed(signer, compat_menu)));
  INFO(compat);
  CHECK(contains(compat, "Music taste"));
  CHECK(contains(compat, "User 22"));
  CHECK(contains(compat, "% compatible"));

  // An option's value is used as given, quotes and dash included.
  checked(discord_api, node.post_signed(signer, literal));
  bool asked = false;
  for (const auto& call : fake.received())
    if (call.method == "artist.getinfo")
      asked = asked || call.param("artist") == "AC/DC - \"Live\"";
  CHECK(asked);
}
