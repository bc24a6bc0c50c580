#include "actors/image/vips_module.hpp"

#include <cstdlib>
#include <mutex>
#include <stdexcept>

#include <dlfcn.h>
#include <limits.h>
#include <unistd.h>

#ifndef LASTGRAM_VIPS_MODULE_PATH
#define LASTGRAM_VIPS_MODULE_PATH ""
#endif

namespace lastgram::image {

namespace {

constexpr const char* module_file = "liblastgram_vips.so";

std::string executable_dir() {
  char buf[PATH_MAX];
  auto n = ::readlink("/proc/self/exe", buf, sizeof(buf) - 1);
  if (n <= 0)
    return {};
  std::string path(buf, static_cast<std::size_t>(n));
  auto slash = path.rfind('/');
  return slash == std::string::npos ? std::string{} : path.substr(0, slash);
}

std::vector<std::string> candidates() {
  std::vector<std::string> out;
  if (const char* env = std::getenv("LASTGRAM_VIPS_MODULE"); env != nullptr && *env != '\0')
    out.emplace_back(env);
  if (auto dir = executable_dir(); !dir.empty())
    out.push_back(dir + "/" + module_file);
  if (*LASTGRAM_VIPS_MODULE_PATH != '\0')
    out.emplace_back(LASTGRAM_VIPS_MODULE_PATH);
  return out;
}

const vips_entry_points* load(std::string& why) {
  for (const auto& path : candidates()) {
    // RTLD_LOCAL: libvips' symbols stay inside the module.
    void* handle = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (handle == nullptr) {
      const char* err = ::dlerror();
      why += path + ": " + (err != nullptr ? err : "not loaded") + "; ";
      continue;
    }
    using entry_fn = const vips_entry_points* (*)();
    auto entry = reinterpret_cast<entry_fn>(::dlsym(handle, vips_entry_symbol));
    if (entry == nullptr) {
      why += path + ": no " + std::string{vips_entry_symbol} + "; ";
      ::dlclose(handle);
      continue;
    }
    // Kept loaded for the process's life: libvips cannot be shut down and
    // started again.
    return entry();
  }
  return nullptr;
}

} // namespace

const vips_entry_points& vips_module(const vips_limits& limits) {
  static std::once_flag once;
  static const vips_entry_points* points = nullptr;
  static std::string why;
  std::call_once(once, [&limits] {
    points = load(why);
    if (points != nullptr)
      points->init(limits);
  });
  if (points == nullptr)
    throw std::runtime_error("the libvips module did not load: " + why);
  return *points;
}

} // namespace lastgram::image
