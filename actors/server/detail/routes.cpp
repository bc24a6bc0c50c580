#include "actors/server/detail/routes.hpp"

#include <algorithm>

namespace lastgram::server::detail {

std::string route_entry::allowed() const {
  std::string allow;
  for (const auto& m : methods)
    allow += (allow.empty() ? "" : ", ") + m.first;
  return allow;
}

void route_table::add_exact(std::string method, std::string path, handler h) {
  auto& entry = exact_[path];
  entry.path = std::move(path);
  entry.methods[std::move(method)] = std::move(h);
}

void route_table::add_prefix(std::string method, std::string prefix, handler h) {
  auto it = std::find_if(prefixes_.begin(), prefixes_.end(),
                         [&](const auto& e) { return e.path == prefix; });
  if (it == prefixes_.end())
    it = prefixes_.insert(prefixes_.end(), route_entry{std::move(prefix), {}});
  it->methods[std::move(method)] = std::move(h);
}

void route_table::freeze() {
  std::sort(prefixes_.begin(), prefixes_.end(),
            [](const auto& a, const auto& b) { return a.path.size() > b.path.size(); });
}

route_match route_table::find(const std::string& method, std::string_view path) const {
  std::vector<const route_entry*> candidates;
  if (auto i = exact_.find(std::string{path}); i != exact_.end())
    candidates.push_back(&i->second);
  for (const auto& p : prefixes_)
    if (path.substr(0, p.path.size()) == p.path)
      candidates.push_back(&p);
  for (const auto* entry : candidates)
    if (auto m = entry->methods.find(method); m != entry->methods.end())
      return {&m->second, entry};
  return {nullptr, candidates.empty() ? nullptr : candidates.front()};
}

} // namespace lastgram::server::detail
