#include "actors/support/module.hpp"

#include <cstdlib>
#include <vector>

#include <dlfcn.h>
#include <limits.h>
#include <unistd.h>

namespace lastgram::support {

namespace {

std::string executable_dir() {
  char buf[PATH_MAX];
  auto n = ::readlink("/proc/self/exe", buf, sizeof(buf) - 1);
  if (n <= 0)
    return {};
  std::string path(buf, static_cast<std::size_t>(n));
  auto slash = path.rfind('/');
  return slash == std::string::npos ? std::string{} : path.substr(0, slash);
}

std::vector<std::string> candidates(const module_place& where) {
  std::vector<std::string> out;
  if (const char* env = std::getenv(where.env_var); env != nullptr && *env != '\0')
    out.emplace_back(env);
  if (auto dir = executable_dir(); !dir.empty())
    out.push_back(dir + "/" + where.file);
  const bool has_build_path = where.build_path != nullptr && *where.build_path != '\0';
  if (has_build_path && (out.empty() || out.back() != where.build_path))
    out.emplace_back(where.build_path);
  return out;
}

} // namespace

void* load_module_symbol(const module_place& where, const char* symbol, std::string& why) {
  for (const auto& path : candidates(where)) {
    // RTLD_LOCAL: the libraries the module brings keep their symbols to it.
    void* handle = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (handle == nullptr) {
      // dlerror's text names the file.
      const char* err = ::dlerror();
      why += (err != nullptr ? std::string{err} : path + ": not loaded") + "; ";
      continue;
    }
    if (void* address = ::dlsym(handle, symbol))
      return address; // never closed: modules stay for the process's life
    why += path + ": no " + std::string{symbol} + "; ";
    ::dlclose(handle);
  }
  return nullptr;
}

} // namespace lastgram::support
