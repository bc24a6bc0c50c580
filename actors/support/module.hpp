#pragma once

/// Loading a part of the node that is built as its own shared module, so
/// that the libraries it brings are mapped only in a node that uses it (the
/// libvips half of the image engine, the PostgreSQL backend).

#include <string>

namespace lastgram::support {

/// Where to look for one module, in this order: the file named by the
/// environment variable `env_var` (when set), `file` next to the executable,
/// then `build_path` (the build tree the node was built in; may be empty).
struct module_place {
  const char* file;
  const char* env_var;
  const char* build_path;
};

/// Opens the first candidate that loads (RTLD_NOW | RTLD_LOCAL, kept loaded
/// for the process's life) and exports `symbol`, and returns the symbol's
/// address; null when none does, with each place tried and dlopen's reason
/// appended to `why`.
void* load_module_symbol(const module_place& where, const char* symbol, std::string& why);

/// A module's entry points: `symbol` names a function returning a pointer to
/// its `Points`, called once here; null (with `why`) when no module loads.
template <class Points>
const Points* load_module_entry(const module_place& where, const char* symbol, std::string& why) {
  using entry_fn = const Points* (*)();
  auto entry = reinterpret_cast<entry_fn>(load_module_symbol(where, symbol, why));
  return entry == nullptr ? nullptr : entry();
}

} // namespace lastgram::support
