// The multipart/form-data encoder, checked by a round trip through the strict
// parser the fakes use, and the parser's refusals (so that a fake built on it
// would catch a malformed upload).

#include <catch2/catch.hpp>

#include <future>
#include <memory>

#include "platforms/net/http_client.hpp"
#include "platforms/net/multipart.hpp"
#include "platforms/telegram/bot_api.hpp"
#include "support/fake_bot_api.hpp"
#include "support/multipart.hpp"

using namespace lastgram;
using test::parse_multipart;

TEST_CASE("multipart: text and file parts survive a round trip byte for byte", "[multipart]") {
  auto jpeg = test::fake_jpeg(10000);
  std::vector<net::form_part> parts{
    net::text_part("chat_id", "-100123"),
    net::text_part("caption", "line 1\r\nline 2 -- with dashes\r\n"),
    net::file_part("photo", "picture.jpg", "image/jpeg", jpeg),
    net::text_part("empty", ""),
  };
  auto form = net::encode_multipart(parts);
  CHECK(form.content_type == "multipart/form-data; boundary=" + form.boundary);
  CHECK(form.boundary.size() >= 32);
  CHECK(form.boundary.size() <= 70);
  // The boundary appears only as delimiters: once per part plus the close.
  std::size_t count = 0;
  for (auto at = form.body.find(form.boundary); at != std::string::npos;
       at = form.body.find(form.boundary, at + 1))
    ++count;
  CHECK(count == parts.size() + 1);
  CHECK(form.body.rfind("--" + form.boundary + "--\r\n") == form.body.size() - form.boundary.size() - 6);
  std::string why;
  auto parsed = parse_multipart(form.content_type, form.body, &why);
  REQUIRE(parsed);
  REQUIRE(parsed->parts.size() == parts.size());
  for (std::size_t i = 0; i < parts.size(); ++i) {
    CHECK(parsed->parts[i].name == parts[i].name);
    CHECK(parsed->parts[i].filename == parts[i].filename);
    CHECK(parsed->parts[i].content_type == parts[i].content_type);
    CHECK(parsed->parts[i].data == parts[i].data);
  }
  CHECK(parsed->parts[2].has_filename);
  CHECK(test::is_jpeg(parsed->parts[2].data));
}

TEST_CASE("multipart: boundaries are random and never occur in the data", "[multipart]") {
  auto a = net::encode_multipart({net::text_part("x", "1")});
  auto b = net::encode_multipart({net::text_part("x", "1")});
  CHECK(a.boundary != b.boundary);
  // A value holding the previous boundary cannot end its part early.
  auto c = net::encode_multipart({net::text_part("x", "\r\n--" + a.boundary + "--\r\n")});
  auto parsed = parse_multipart(c.content_type, c.body);
  REQUIRE(parsed);
  REQUIRE(parsed->parts.size() == 1);
  CHECK(parsed->parts[0].data == "\r\n--" + a.boundary + "--\r\n");
}

TEST_CASE("multipart: quotes and line breaks in names cannot break a header", "[multipart]") {
  auto form = net::encode_multipart(
    {net::file_part("files[0]", "a\"b\r\nX-Evil: 1.jpg", "image/jpeg\r\nX-Evil: 2", "\xFF\xD8\xFF")});
  CHECK(form.body.find("\r\nX-Evil") == std::string::npos);
  auto parsed = parse_multipart(form.content_type, form.body);
  REQUIRE(parsed);
  CHECK(parsed->parts[0].name == "files[0]");
  CHECK(parsed->parts[0].filename == "a%22b%0D%0AX-Evil: 1.jpg");
}

TEST_CASE("multipart: the parser refuses malformed bodies", "[multipart]") {
  auto good = net::encode_multipart({net::text_part("a", "1"), net::text_part("b", "2")});
  std::string why;
  CHECK(parse_multipart(good.content_type, good.body, &why));
  auto cut = good.body.substr(0, good.body.size() - 4);
  CHECK_FALSE(parse_multipart(good.content_type, cut, &why));
  CHECK_FALSE(parse_multipart("multipart/form-data", good.body, &why));
  CHECK(why == "no valid boundary");
  CHECK_FALSE(parse_multipart("application/json", good.body, &why));
  CHECK_FALSE(parse_multipart(good.content_type, good.body + "junk", &why));
  std::string lf_only = good.body;
  for (auto at = lf_only.find("\r\n"); at != std::string::npos; at = lf_only.find("\r\n", at))
    lf_only.erase(at, 1);
  CHECK_FALSE(parse_multipart(good.content_type, lf_only, &why));
  std::string nameless = "--B\r\nContent-Disposition: form-data\r\n\r\nx\r\n--B--\r\n";
  CHECK_FALSE(parse_multipart("multipart/form-data; boundary=B", nameless, &why));
  CHECK(why == "Content-Disposition without a name");
}

namespace {

telegram::api_result wait(std::future<telegram::api_result> f) {
  REQUIRE(f.wait_for(std::chrono::seconds{15}) == std::future_status::ready);
  return f.get();
}

} // namespace

TEST_CASE("bot api: uploads reach the fake Bot API as valid multipart requests",
          "[telegram][multipart]") {
  test::fake_bot_api fake{"1:T"};
  auto http = std::make_shared<net::http_client>(net::http_client::options{});
  telegram::bot_api api{fake.url(), "1:T", http};
  auto jpeg = test::fake_jpeg(100000);
  auto run = [&](auto&& call) {
    auto p = std::make_shared<std::promise<telegram::api_result>>();
    call([p](telegram::api_result r) { p->set_value(std::move(r)); });
    return wait(p->get_future());
  };
  auto sent = run([&](auto done) {
    api.send_photo_upload(-1001, jpeg, "<b>hi</b>", 9, R"({"inline_keyboard":[]})", done);
  });
  CHECK(sent.ok);
  auto edited = run([&](auto done) { api.edit_message_media_upload(5, 6, jpeg, "", "", done); });
  CHECK(edited.ok);
  auto calls = fake.calls();
  REQUIRE(calls.size() == 2);
  CHECK(calls[0].refused.empty());
  CHECK(calls[0].chat_id == -1001);
  CHECK(calls[0].photo == jpeg);
  CHECK(calls[0].parts[1].filename == "picture.jpg");
  CHECK(calls[1].method == "editMessageMedia");
  CHECK(calls[1].refused.empty());
  CHECK(calls[1].photo == jpeg);
  CHECK(calls[1].field("media") == R"({"type":"photo","media":"attach://photo"})");
  // What Telegram would refuse fails at once, without a request.
  auto big = run([&](auto done) {
    api.send_photo_upload(1, std::string((10u << 20) + 1, '\xFF'), "", 0, "", done);
  });
  CHECK_FALSE(big.ok);
  CHECK(big.error_code == 0);
  auto bad_keyboard = run([&](auto done) { api.send_photo_upload(1, jpeg, "", 0, "[", done); });
  CHECK_FALSE(bad_keyboard.ok);
  CHECK(fake.calls().size() == 2);
  // The fake itself refuses a photo that is not a JPEG, as Telegram does.
  auto gif = run([&](auto done) { api.send_photo_upload(1, "GIF89a", "", 0, "", done); });
  CHECK_FALSE(gif.ok);
  CHECK(gif.error_code == 400);
  http->shutdown();
}
