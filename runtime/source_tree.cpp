#include "runtime/source_tree.hpp"

#include <filesystem>

namespace lastgram::runtime {

std::string resolve_i18n_dir(const std::string& dir) {
  namespace fs = std::filesystem;
  if (fs::path{dir}.is_absolute() || fs::is_directory(dir))
    return dir;
  auto in_source = fs::path{LASTGRAM_SOURCE_DIR} / dir;
  return fs::is_directory(in_source) ? in_source.string() : dir;
}

} // namespace lastgram::runtime
