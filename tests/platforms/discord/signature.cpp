#include "platforms/discord/signature.hpp"
#include "support/build_paths.hpp"

#include <catch2/catch.hpp>
#include <rapidjson/document.h>

#include <fstream>
#include <iterator>
#include <string>

#include "support/fake_discord_rest.hpp"
#include "support/process.hpp"

using lastgram::discord::check_request;
using lastgram::discord::signature_check;
using lastgram::discord::verify_signature;

namespace {

std::string read_fixture(const std::string& name) {
  std::ifstream in{std::string{LASTGRAM_FIXTURES_DIR} + "/discord/" + name, std::ios::binary};
  REQUIRE(in);
  return {std::istreambuf_iterator<char>{in}, std::istreambuf_iterator<char>{}};
}

/// The signed PING of the fixtures: its key, signature, timestamp and body.
struct signed_ping {
  std::string key, signature, timestamp, body;
  std::string bad_key, bad_signature;
};

signed_ping load_ping() {
  rapidjson::Document d;
  auto headers = read_fixture("interaction-ping-signed-headers.json");
  d.Parse(headers.c_str());
  REQUIRE(d.IsObject());
  signed_ping p;
  p.key = d["public_key"].GetString();
  p.signature = d["headers"]["X-Signature-Ed25519"].GetString();
  p.timestamp = d["headers"]["X-Signature-Timestamp"].GetString();
  p.bad_key = d["negative_cases"]["InvalidPublicKey"].GetString();
  p.bad_signature = d["negative_cases"]["InvalidSig"].GetString();
  p.body = read_fixture("interaction-ping-signed-body.json");
  return p;
}


} // namespace

TEST_CASE("the signed PING fixture verifies against its public key", "[discord][signature]") {
  auto p = load_ping();
  CHECK(verify_signature(p.key, p.signature, p.timestamp, p.body));
  // Hex digits in either case are the same key.
  std::string upper = p.key;
  for (auto& c : upper)
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  CHECK(verify_signature(upper, p.signature, p.timestamp, p.body));
  CHECK(check_request(p.key, p.signature, p.timestamp, p.body, 0, 0) == signature_check::ok);
}

TEST_CASE("a flipped body byte or timestamp digit is refused", "[discord][signature]") {
  auto p = load_ping();
  for (std::size_t i : {std::size_t{0}, p.body.size() / 2, p.body.size() - 1}) {
    auto body = p.body;
    body[i] = static_cast<char>(body[i] ^ 0x01);
    CHECK_FALSE(verify_signature(p.key, p.signature, p.timestamp, body));
    CHECK(check_request(p.key, p.signature, p.timestamp, body, 0, 0)
          == signature_check::mismatch);
  }
  CHECK_FALSE(verify_signature(p.key, p.signature, "1721936670", p.body));
  CHECK_FALSE(verify_signature(p.key, p.signature, p.timestamp, p.body + " "));
}

TEST_CASE("another key or another signature is refused", "[discord][signature]") {
  auto p = load_ping();
  CHECK_FALSE(verify_signature(p.bad_key, p.signature, p.timestamp, p.body));
  CHECK_FALSE(verify_signature(p.key, p.bad_signature, p.timestamp, p.body));
}

TEST_CASE("bad hex in the key or signature is malformed", "[discord][signature]") {
  auto p = load_ping();
  auto check = [&](const std::string& key, const std::string& sig) {
    return check_request(key, sig, p.timestamp, p.body, 0, 0);
  };
  CHECK(check(p.key.substr(2), p.signature) == signature_check::malformed);
  CHECK(check(p.key + "00", p.signature) == signature_check::malformed);
  CHECK(check("zz" + p.key.substr(2), p.signature) == signature_check::malformed);
  CHECK(check(p.key, p.signature.substr(0, 127)) == signature_check::malformed);
  CHECK(check(p.key, "g" + p.signature.substr(1)) == signature_check::malformed);
  CHECK(check(p.key, "") == signature_check::malformed);
  CHECK(check("", p.signature) == signature_check::malformed);
}

TEST_CASE("a timestamp outside the allowed age is stale", "[discord][signature]") {
  auto p = load_ping();
  const std::int64_t signed_at = 1721936669;
  auto at = [&](std::int64_t now, std::int64_t max_age) {
    return check_request(p.key, p.signature, p.timestamp, p.body, max_age, now);
  };
  CHECK(at(signed_at + 300, 300) == signature_check::ok);
  CHECK(at(signed_at + 301, 300) == signature_check::stale);
  CHECK(at(signed_at - 301, 300) == signature_check::stale);
  CHECK(at(signed_at + 100000, 0) == signature_check::ok);
  // A forged request is a mismatch, whatever its age.
  CHECK(check_request(p.bad_key, p.signature, p.timestamp, p.body, 300, signed_at + 1000)
        == signature_check::mismatch);
}

TEST_CASE("requests signed by Node's ed25519 are accepted and tampered ones refused",
          "[discord][signature]") {
  auto node = lastgram::test::find_node();
  REQUIRE_FALSE(node.empty());
  auto res = lastgram::test::run({node, std::string{LASTGRAM_SOURCE_DIR} + "/tests/discord/sign.js",
                                  "12"},
                                 "");
  REQUIRE(res.exit_code == 0);
  rapidjson::Document d;
  d.Parse(res.out.c_str());
  REQUIRE(d.IsObject());
  std::string key = d["public_key"].GetString();
  auto now = static_cast<std::int64_t>(::time(nullptr));
  const auto& requests = d["requests"];
  REQUIRE(requests.Size() == 12);
  for (const auto& r : requests.GetArray()) {
    std::string ts = r["timestamp"].GetString();
    std::string body = r["body"].GetString();
    std::string sig = r["signature"].GetString();
    CHECK(check_request(key, sig, ts, body, 300, now) == signature_check::ok);
    CHECK_FALSE(verify_signature(key, sig, ts, body + "x"));
    auto p = load_ping();
    CHECK_FALSE(verify_signature(p.key, sig, ts, body));
  }
}
