#include "support/build_paths.hpp"

namespace lastgram::test::build {

const char* source_dir() {
  return LASTGRAM_BUILD_SOURCE_DIR;
}

const char* fixtures_dir() {
  return LASTGRAM_BUILD_SOURCE_DIR "/tests/fixtures";
}

const char* binary() {
  return LASTGRAM_BUILD_BINARY;
}

const char* version_text() {
  return LASTGRAM_BUILD_VERSION;
}

const char* telegram_emulator_dir() {
  return LASTGRAM_BUILD_SOURCE_DIR "/tests/telegram";
}

} // namespace lastgram::test::build
