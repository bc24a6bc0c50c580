#pragma once

// A throwaway locale directory for tests that need broken or partial locales.

#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <random>
#include <string>
#include <utility>

#include "support/build_paths.hpp"

namespace lastgram::i18n::test {

class temp_locales {
public:
  /// Writes each `file name -> contents` pair into a fresh directory.
  explicit temp_locales(std::initializer_list<std::pair<std::string, std::string>> files) {
    std::random_device entropy;
    dir_ = std::filesystem::temp_directory_path()
           / ("lastgram-i18n-test-" + std::to_string(entropy()) + std::to_string(entropy()));
    std::filesystem::create_directories(dir_);
    for (const auto& [name, contents] : files)
      write(name, contents);
  }

  /// Adds or replaces one file.
  void write(const std::string& name, const std::string& contents) {
    std::ofstream(dir_ / name, std::ios::binary) << contents;
  }

  ~temp_locales() {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

  temp_locales(const temp_locales&) = delete;
  temp_locales& operator=(const temp_locales&) = delete;

  std::string path() const {
    return dir_.string();
  }

private:
  std::filesystem::path dir_;
};

/// The real locale files shipped with the bot.
inline std::string real_locales() {
  return std::string{LASTGRAM_SOURCE_DIR} + "/i18n/locales";
}

} // namespace lastgram::i18n::test
