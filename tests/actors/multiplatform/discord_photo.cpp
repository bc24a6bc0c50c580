// Pictures the bot drew (outgoing_reply::photo_jpeg) on Discord: the Discord
// actor against the fake REST API (tests/discord/fake_rest.js), which parses
// every multipart upload, validates its payload_json against Discord's
// OpenAPI schema of the operation and checks its files[n] parts (listed,
// named, JPEG). A stand-in command engine answers with a picture, a stand-in
// event engine edits one.

#include <catch2/catch.hpp>

#include <fstream>
#include <iterator>
#include <memory>
#include <mutex>
#include <string>

#include <caf/all.hpp>
#include <openssl/sha.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "support/build_paths.hpp"
#include "actors/multiplatform/discord.hpp"
#include "actors/support/engines.hpp"
#include "actors/test_config.hpp"
#include "i18n/catalog.hpp"
#include "messages/command.hpp"
#include "messages/discord.hpp"
#include "messages/event.hpp"
#include "platforms/net/http_client.hpp"
#include "platforms/net/multipart.hpp"
#include "support/eventually.hpp"
#include "support/fake_discord_rest.hpp"
#include "support/http_probe.hpp"
#include "support/multipart.hpp"

using namespace lastgram;
using namespace std::chrono_literals;

namespace {

std::string fixture(const std::string& name) {
  std::ifstream in{std::string{LASTGRAM_FIXTURES_DIR} + "/discord/" + name, std::ios::binary};
  REQUIRE(in);
  return {std::istreambuf_iterator<char>{in}, std::istreambuf_iterator<char>{}};
}

std::string sha256_hex(const std::string& data) {
  unsigned char md[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), md);
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  for (auto b : md) {
    out += hex[b >> 4];
    out += hex[b & 0xF];
  }
  return out;
}

outgoing_reply drawn(const std::string& jpeg) {
  outgoing_reply r;
  r.photo_jpeg = jpeg;
  r.text.push_back(text_span{"Ana's 3x3", style_bold, {}});
  r.buttons = {{button{"+", {}, "ev:plus"}}};
  return r;
}

caf::behavior fake_commands(caf::event_based_actor*, std::string jpeg) {
  return {[jpeg](const incoming_message&) {
    command_result res;
    res.outcome = command_outcome::ok;
    res.replies.push_back(drawn(jpeg));
    return res;
  }};
}

caf::behavior fake_events(caf::event_based_actor*, std::string jpeg) {
  return {[jpeg](const button_press&) {
    press_result res;
    res.edit = true;
    res.reply = drawn(jpeg);
    return res;
  }};
}

/// One recorded request of the fake.
struct recorded {
  std::string method;
  std::string path;
  bool valid = false;
  bool multipart = false;
  std::string errors;
  std::string payload;
  std::vector<std::pair<std::string, std::string>> files; // name, sha256
};

std::vector<recorded> requests_of(const test::fake_discord_rest& rest) {
  rapidjson::Document d;
  d.Parse(rest.requests_json().c_str());
  std::vector<recorded> out;
  if (!d.IsArray())
    return out;
  for (auto& r : d.GetArray()) {
    recorded x;
    x.method = r["method"].GetString();
    x.path = r["path"].GetString();
    x.valid = r["valid"].GetBool();
    x.multipart = r.HasMember("multipart") && r["multipart"].GetBool();
    for (auto& e : r["errors"].GetArray())
      x.errors += std::string{e.GetString()} + "; ";
    if (r.HasMember("body") && r["body"].IsObject()) {
      rapidjson::StringBuffer buf;
      rapidjson::Writer<rapidjson::StringBuffer> w{buf};
      r["body"].Accept(w);
      x.payload = buf.GetString();
    }
    if (r.HasMember("files") && r["files"].IsArray())
      for (auto& f : r["files"].GetArray())
        x.files.emplace_back(f["name"].GetString(), f["sha"].GetString());
    out.push_back(std::move(x));
  }
  return out;
}

struct fixture_t {
  test::test_config cfg;
  caf::actor_system sys{cfg};
  test::fake_discord_rest rest{"tok"};
  std::string jpeg = test::fake_jpeg(150000);
  caf::actor commands = sys.spawn(fake_commands, jpeg);
  caf::actor events = sys.spawn(fake_events, jpeg);
  std::shared_ptr<net::http_client> http =
    std::make_shared<net::http_client>(net::http_client::options{});
  discord_actor dc;

  fixture_t() {
    auto loaded = i18n::catalog::load(std::string{LASTGRAM_SOURCE_DIR} + "/i18n/locales");
    REQUIRE(loaded);
    auto handles = std::make_shared<engine_handles>();
    handles->command.put(caf::actor_cast<command_actor>(commands));
    handles->event.put(caf::actor_cast<event_actor>(events));
    auto opts = std::make_shared<multiplatform::discord_options>();
    opts->settings.api_url = rest.url();
    opts->settings.token = "tok";
    opts->settings.application_id = "1234";
    opts->http = http;
    opts->texts = std::make_shared<i18n::catalog>(*loaded.value);
    opts->engines = handles;
    caf::scoped_actor self{sys};
    dc = multiplatform::spawn_discord(self.ptr(), opts);
  }

  ~fixture_t() {
    for (auto a : {caf::actor_cast<caf::actor>(dc), commands, events})
      caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
    http->shutdown();
  }

  void dispatch(const std::string& file) {
    caf::anon_send(dc, discord::dispatch_atom::value, std::string{"INTERACTION_CREATE"},
                   std::int32_t{0}, fixture(file));
  }

  /// An interaction over HTTP: the body of its HTTP answer.
  std::string post(const std::string& file) {
    caf::scoped_actor self{sys};
    std::string answer;
    self->request(dc, 10s, discord::interaction_atom::value, fixture(file))
      .receive([&](std::string& a) { answer = std::move(a); },
               [&](caf::error& e) { FAIL("no answer: " << sys.render(e)); });
    return answer;
  }

  std::vector<recorded> wait_requests(std::size_t n) {
    std::vector<recorded> out;
    test::eventually([&] { return (out = requests_of(rest)).size() >= n; }, 10s);
    return out;
  }
};

void check_upload(const recorded& r, const std::string& jpeg) {
  INFO(r.method << " " << r.path << ": " << r.errors);
  CHECK(r.valid);
  CHECK(r.multipart);
  REQUIRE(r.files.size() == 1);
  CHECK(r.files[0].first == "files[0]");
  CHECK(r.files[0].second == sha256_hex(jpeg));
  CHECK(r.payload.find(R"("attachments":[{"id":"0","filename":"picture.jpg"}])")
        != std::string::npos);
  CHECK(r.payload.find(R"("image":{"url":"attachment://picture.jpg"})") != std::string::npos);
}

} // namespace

TEST_CASE("discord photo: a gateway command's answer uploads the picture in its callback",
          "[discord][photo]") {
  fixture_t f;
  f.dispatch("interaction-application-command-slash-options.json");
  auto reqs = f.wait_requests(1);
  REQUIRE(reqs.size() == 1);
  CHECK(reqs[0].method == "POST");
  CHECK(reqs[0].path == "/interactions/786008729715212338/A_UNIQUE_TOKEN/callback");
  CHECK(reqs[0].payload.rfind(R"({"type":4,"data":)", 0) == 0);
  check_upload(reqs[0], f.jpeg);
}

TEST_CASE("discord photo: a button press edits the message with a new attachment "
          "(UPDATE_MESSAGE)",
          "[discord][photo]") {
  fixture_t f;
  f.dispatch("interaction-message-component-button.json");
  auto reqs = f.wait_requests(1);
  REQUIRE(reqs.size() == 1);
  CHECK(reqs[0].path == "/interactions/846462639134605312/unique_interaction_token/callback");
  CHECK(reqs[0].payload.rfind(R"({"type":7,"data":)", 0) == 0);
  CHECK(reqs[0].payload.find("ev:plus") != std::string::npos);
  check_upload(reqs[0], f.jpeg);
}

TEST_CASE("discord photo: over HTTP the answer defers and @original gets the upload",
          "[discord][photo]") {
  fixture_t f;
  CHECK(f.post("interaction-application-command-slash-options.json") == R"({"type":5})");
  auto reqs = f.wait_requests(1);
  REQUIRE(reqs.size() == 1);
  CHECK(reqs[0].method == "PATCH");
  CHECK(reqs[0].path == "/webhooks/1234/A_UNIQUE_TOKEN/messages/@original");
  check_upload(reqs[0], f.jpeg);
  CHECK(f.post("interaction-message-component-button.json") == R"({"type":6})");
  reqs = f.wait_requests(2);
  REQUIRE(reqs.size() == 2);
  CHECK(reqs[1].path == "/webhooks/290926444748734465/unique_interaction_token/messages/@original");
  check_upload(reqs[1], f.jpeg);
}

TEST_CASE("discord photo: the fake REST refuses malformed or inconsistent uploads",
          "[discord][photo]") {
  test::fake_discord_rest rest{"tok"};
  auto port = static_cast<unsigned short>(std::stoi(rest.url().substr(rest.url().rfind(':') + 1)));
  auto send = [&](const std::string& content_type, const std::string& body) {
    auto reply = test::http_exchange(
      port, test::http_request_text("PATCH", "/api/v10/webhooks/1/t/messages/@original", body,
                                    {{"Content-Type", content_type}}));
    return reply ? reply->status : 0u;
  };
  std::string payload = R"({"attachments":[{"id":"0","filename":"picture.jpg"}]})";
  auto jpeg = test::fake_jpeg();
  auto good = net::encode_multipart(
    {net::text_part("payload_json", payload), net::file_part("files[0]", "picture.jpg", "image/jpeg", jpeg)});
  CHECK(send(good.content_type, good.body) == 200);
  // Cut short: no closing boundary.
  CHECK(send(good.content_type, good.body.substr(0, good.body.size() - 8)) == 400);
  // A listed attachment without its file part.
  auto missing = net::encode_multipart({net::text_part("payload_json", payload)});
  CHECK(send(missing.content_type, missing.body) == 400);
  // A file that is not a JPEG.
  auto gif = net::encode_multipart({net::text_part("payload_json", payload),
                                    net::file_part("files[0]", "picture.jpg", "image/gif", "GIF89a")});
  CHECK(send(gif.content_type, gif.body) == 400);
  // payload_json that breaks the operation's schema.
  auto long_content = net::encode_multipart(
    {net::text_part("payload_json", R"({"content":")" + std::string(2001, 'x') + R"("})")});
  CHECK(send(long_content.content_type, long_content.body) == 400);
  auto reqs = requests_of(rest);
  REQUIRE(reqs.size() == 5);
  CHECK(reqs[0].valid);
  CHECK(reqs[1].errors.find("malformed multipart") != std::string::npos);
  CHECK(reqs[2].errors.find("attachment 0 has no files[0] part") != std::string::npos);
  CHECK(reqs[3].errors.find("files[0] is not a JPEG") != std::string::npos);
  CHECK_FALSE(reqs[4].valid);
}
