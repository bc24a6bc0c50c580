// The answer to an inline query (platforms/telegram/inline_results.hpp):
// photos for answers with a cover, articles otherwise, one refusal at most.

#include "platforms/telegram/inline_results.hpp"

#include <string>

#include <catch2/catch.hpp>
#include <rapidjson/document.h>

using namespace lastgram;
using namespace lastgram::telegram;

namespace {

command_result answer(command_outcome outcome, rich_text text, std::string image = {}) {
  command_result res;
  res.outcome = outcome;
  outgoing_reply r;
  r.text = std::move(text);
  r.image_url = std::move(image);
  res.replies.push_back(std::move(r));
  return res;
}

rapidjson::Document parse(const std::string& json) {
  rapidjson::Document doc;
  doc.Parse(json.c_str());
  REQUIRE_FALSE(doc.HasParseError());
  REQUIRE(doc.IsArray());
  return doc;
}

} // namespace

TEST_CASE("an answer with a cover is a photo with its caption, others are articles",
          "[telegram][inline]") {
  std::vector<inline_answer> answers;
  auto listening = text_builder{}.bold("rj").plain(" is listening\nSong").take();
  answers.emplace_back("listening", answer(command_outcome::ok, std::move(listening),
                                           "https://lastfm.freetls.fastly.net/i/u/cover.jpg"));
  answers.emplace_back("album", answer(command_outcome::ok,
                                       text_builder{}.plain("Album <b>\nby Artist").take()));
  answers.emplace_back("artist", command_result{});
  auto doc = parse(inline_results_json(answers));
  REQUIRE(doc.Size() == 2);
  const auto& photo = doc[0];
  CHECK(std::string{photo["type"].GetString()} == "photo");
  CHECK(std::string{photo["id"].GetString()} == "listening");
  CHECK(std::string{photo["title"].GetString()} == "rj is listening");
  CHECK(std::string{photo["description"].GetString()} == "Song");
  CHECK(std::string{photo["caption"].GetString()} == "<b>rj</b> is listening\nSong");
  CHECK(std::string{photo["parse_mode"].GetString()} == "HTML");
  const auto& article = doc[1];
  CHECK(std::string{article["type"].GetString()} == "article");
  CHECK(std::string{article["id"].GetString()} == "album");
  CHECK(std::string{article["input_message_content"]["message_text"].GetString()}
        == "Album &lt;b&gt;\nby Artist");
}

TEST_CASE("refusals of an inline query become one explaining article", "[telegram][inline]") {
  std::vector<inline_answer> answers;
  for (auto name : {"listening", "album", "artist"})
    answers.emplace_back(name, answer(command_outcome::guard_failed,
                                      text_builder{}.plain("Register first").take(),
                                      "https://lastfm.freetls.fastly.net/i/u/cover.jpg"));
  auto doc = parse(inline_results_json(answers));
  REQUIRE(doc.Size() == 1);
  CHECK(std::string{doc[0]["type"].GetString()} == "article");
  CHECK(std::string{doc[0]["id"].GetString()} == "refused");
  CHECK(std::string{doc[0]["title"].GetString()} == "Register first");
}

TEST_CASE("an answer with a drawn picture is left out until it has a URL", "[telegram][inline]") {
  auto drawn = answer(command_outcome::ok, {{"Ana's 3x3", style_plain, {}}});
  drawn.replies.front().photo_jpeg = "\xFF\xD8\xFF";
  auto text = answer(command_outcome::ok, {{"Ana listens", style_plain, {}}});
  auto doc = parse(inline_results_json({{"collage", drawn}, {"listening", text}}));
  REQUIRE(doc.Size() == 1);
  CHECK(std::string{doc[0]["id"].GetString()} == "listening");
  // Published (photo_jpeg moved out, image_url set), it is a photo.
  drawn.replies.front().photo_jpeg.clear();
  drawn.replies.front().image_url = "https://bot.example.org/images/0123.jpg";
  auto published = parse(inline_results_json({{"collage", drawn}}));
  REQUIRE(published.Size() == 1);
  CHECK(std::string{published[0]["type"].GetString()} == "photo");
  CHECK(std::string{published[0]["photo_url"].GetString()}
        == "https://bot.example.org/images/0123.jpg");
}
