#include "platforms/console/photo_files.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <system_error>
#include <vector>

namespace lastgram::console {

namespace fs = std::filesystem;

namespace {

constexpr const char* prefix = "photo-";
constexpr const char* suffix = ".jpg";

std::string next_name() {
  static std::atomic<unsigned> sequence{0};
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
              std::chrono::system_clock::now().time_since_epoch())
              .count();
  char buf[64];
  std::snprintf(buf, sizeof buf, "%s%015lld-%06u%s", prefix, static_cast<long long>(ms),
                sequence++ % 1000000u, suffix);
  return buf;
}

bool ours(const std::string& name) {
  return name.rfind(prefix, 0) == 0 && name.size() > 10
         && name.compare(name.size() - 4, 4, suffix) == 0;
}

/// Deletes the oldest of our files beyond `keep`.
void prune(const fs::path& dir, std::size_t keep) {
  std::vector<std::string> names;
  std::error_code ec;
  for (fs::directory_iterator it{dir, ec}, end; !ec && it != end; it.increment(ec))
    if (auto name = it->path().filename().string(); ours(name) && it->is_regular_file(ec))
      names.push_back(std::move(name));
  if (names.size() <= keep)
    return;
  std::sort(names.begin(), names.end());
  for (std::size_t i = 0; i + keep < names.size(); ++i)
    fs::remove(dir / names[i], ec);
}

} // namespace

saved_photo save_photo(const std::string& dir, const std::string& jpeg, std::size_t keep) {
  saved_photo out;
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) {
    out.error = "cannot create " + dir + ": " + ec.message();
    return out;
  }
  auto path = fs::path{dir} / next_name();
  {
    std::ofstream file{path, std::ios::binary | std::ios::trunc};
    file.write(jpeg.data(), static_cast<std::streamsize>(jpeg.size()));
    file.close();
    if (!file) {
      fs::remove(path, ec);
      out.error = "cannot write " + path.string();
      return out;
    }
  }
  prune(dir, std::max<std::size_t>(keep, 1));
  out.path = path.string();
  return out;
}

} // namespace lastgram::console
