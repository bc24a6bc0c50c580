#pragma once

// Where this build keeps what the tests use: the source tree, its fixtures,
// the lastgram binary, the Telegram emulator, the version it was built as.
//
// They are answers of one translation unit (build_paths.cpp, the only file
// compiled with those paths) rather than definitions on every test's command
// line, so that a checkout in another directory changes no test object's
// flags and ccache keeps them. The macros keep the tests' spelling.

namespace lastgram::test::build {

const char* source_dir();
const char* fixtures_dir();
const char* binary();
const char* version_text();
const char* telegram_emulator_dir();

} // namespace lastgram::test::build

#define LASTGRAM_SOURCE_DIR (::lastgram::test::build::source_dir())
#define LASTGRAM_FIXTURES_DIR (::lastgram::test::build::fixtures_dir())
#define LASTGRAM_BINARY (::lastgram::test::build::binary())
#define LASTGRAM_VERSION_TEXT (::lastgram::test::build::version_text())
#define LASTGRAM_TELEGRAM_EMULATOR_DIR (::lastgram::test::build::telegram_emulator_dir())
