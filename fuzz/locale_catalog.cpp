// The translations the i18n and command_line targets format with; apart so
// that the other targets do not link ICU.

#include "fuzz/targets.hpp"

#include "i18n/catalog.hpp"

namespace lastgram::fuzz {

const char* locales_dir() {
  return LASTGRAM_FUZZ_LOCALES_DIR;
}

const i18n::catalog& locale_catalog() {
  static const i18n::catalog texts = [] {
    auto loaded = i18n::catalog::load(locales_dir());
    if (!loaded)
      throw std::runtime_error(loaded.error);
    return *loaded.value;
  }();
  return texts;
}

} // namespace lastgram::fuzz
