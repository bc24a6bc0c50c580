// Every Last.fm response parser, on the same body: a real payload exercises
// its own parser fully and the others' refusals.

#include "fuzz/targets.hpp"

#include "actors/fm/parse.hpp"
#include "actors/fm/parse_text.hpp"

namespace lastgram::fuzz {

namespace {

void parse_as_every_method(std::string_view body) {
  using namespace lastgram::fm;
  (void) lastfm_error_in(body);
  for (int status : {200, 404, 429, 500})
    (void) check_response(status, body);
  (void) parse_user_info(body);
  (void) parse_recent_tracks(body);
  (void) parse_top_artists(body);
  (void) parse_top_albums(body, period::seven_day);
  (void) parse_top_tracks(body, period::one_month);
  (void) parse_artist_info(body);
  (void) parse_album_info(body);
  (void) parse_track_info(body);
  (void) parse_similar_artists(body);
  (void) parse_auth_token(body);
  (void) parse_auth_session(body);
  (void) parse_weekly_chart_list(body);
  (void) parse_write_ack(body);
}

} // namespace

void fuzz_fm_response(const std::uint8_t* data, std::size_t size) {
  std::string_view body(reinterpret_cast<const char*>(data), size);
  parse_as_every_method(body);
  // The text clean-up the parsers apply to names and bios, on raw text.
  auto decoded = fm::decode_entities(body);
  // Every reference is at least as long as the UTF-8 it stands for.
  require(decoded.size() <= body.size(), "fm_response", "decode_entities grew the text");
  if (valid_utf8(body)) {
    require(valid_utf8(decoded), "fm_response", "decode_entities made invalid UTF-8");
    require(valid_utf8(fm::html_to_text(body)), "fm_response", "html_to_text made invalid UTF-8");
  } else {
    (void) fm::html_to_text(body);
  }
  (void) fm::is_placeholder_image(body);
}

} // namespace lastgram::fuzz
