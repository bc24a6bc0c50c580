#pragma once

/// The bodies of the libFuzzer targets, as plain functions: each fuzz_<name>
/// executable (fuzz/CMakeLists.txt, clang) calls one of them from
/// LLVMFuzzerTestOneInput, and the ordinary test suite (g++) runs every input
/// of fuzz/regressions/<name>/ and fuzz/corpus/<name>/ through the same
/// function, so that a crash once found stays fixed.
///
/// A body returns normally when the input was handled as it should be. A
/// broken property (malformed HTML, an invalid UTF-8 answer...) throws
/// property_violation, and so does anything a parser throws although it
/// promises not to: libFuzzer reports it as a crash, Catch2 as a failure.

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

namespace lastgram::i18n {
class catalog;
} // namespace lastgram::i18n

namespace lastgram::fuzz {

/// Telegram updates (webhook bodies, getUpdates items): parse_update.
void fuzz_telegram_update(const std::uint8_t* data, std::size_t size);

/// Bot API answers: the {ok, result} envelope as the client reads it, getMe,
/// and a getUpdates batch split then parsed update by update.
void fuzz_telegram_response(const std::uint8_t* data, std::size_t size);

/// Property: rich text built from the input renders as well-formed HTML of
/// Telegram's subset, and every piece of a split stays within its limit.
void fuzz_telegram_html(const std::uint8_t* data, std::size_t size);

/// Every Last.fm response parser (actors/fm/parse*.cpp) on the same body.
void fuzz_fm_response(const std::uint8_t* data, std::size_t size);

/// HTTP requests as the server's sessions parse them (request_parser).
void fuzz_http_request(const std::uint8_t* data, std::size_t size);

/// The INI configuration reader: whole files, --set values, quoting.
void fuzz_ini(const std::uint8_t* data, std::size_t size);

/// The command engine's command-line parser and argument checks.
void fuzz_command_line(const std::uint8_t* data, std::size_t size);

/// Property: ICU formatting of every message with hostile argument values
/// never throws and answers valid UTF-8.
void fuzz_i18n_format(const std::uint8_t* data, std::size_t size);

// Discord: a body per parser, each with its line in fuzz/CMakeLists.txt
// and tests/runtime/fuzz_regressions.cpp.

/// Discord interactions: parse_interaction, to_message and to_press, and
/// the endpoint's signature check on the same body.
void fuzz_discord_interaction(const std::uint8_t* data, std::size_t size);

/// One gateway shard's protocol after a Hello: arbitrary frames, timer
/// events, closes and identify grants; the token appears only in the
/// Identify and Resume frames.
void fuzz_discord_gateway(const std::uint8_t* data, std::size_t size);

/// REST answers: GET /gateway/bot, the 400 error tree, and an answer's
/// rate-limit headers and retry_after through the rate-limit bookkeeping.
void fuzz_discord_rest(const std::uint8_t* data, std::size_t size);

/// Property: escape_markdown (and to_markdown of plain spans) shows any
/// text literally, and message_json is valid JSON within Discord's limits.
void fuzz_discord_markdown(const std::uint8_t* data, std::size_t size);

/// A property a body checks does not hold.
class property_violation : public std::logic_error {
public:
  using std::logic_error::logic_error;
};

/// Throws property_violation naming the target and what broke, unless `ok`.
void require(bool ok, std::string_view target, std::string_view what);

/// Whether `text` is well-formed UTF-8 (no overlongs, surrogates or code
/// points above U+10FFFF).
bool valid_utf8(std::string_view text);

/// The translations of i18n/locales, loaded once (throws when they cannot be).
const i18n::catalog& locale_catalog();

/// The directory of the shipped locale files (i18n/locales of the source
/// tree): a definition on locale_catalog.cpp only, so that the other objects
/// do not change with the checkout's path.
const char* locales_dir();

/// Splits fuzz input into typed pieces; reading past the end gives zeros and
/// empty strings, so every input is some valid sequence of calls.
class input {
public:
  input(const std::uint8_t* data, std::size_t size) : data_(data), size_(size) {}

  bool empty() const { return pos_ >= size_; }
  std::uint8_t byte();
  std::uint64_t u64();
  /// Up to `max` bytes, the count taken from the next byte.
  std::string short_text(std::size_t max = 255);
  /// Everything not read yet.
  std::string rest();

private:
  const std::uint8_t* data_;
  std::size_t size_;
  std::size_t pos_ = 0;
};

} // namespace lastgram::fuzz
