#pragma once

// Internal to actors/server: the routing table, filled before start() and
// read-only afterwards.

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "actors/server/http_server.hpp"

namespace lastgram::server::detail {

/// The handlers of one path (or prefix), by method.
struct route_entry {
  std::string path;
  std::map<std::string, handler> methods;

  /// The value of an Allow header: the methods, comma-separated.
  std::string allowed() const;
};

/// What find() found: a null handler with an entry means the path exists but
/// not for this method (405); no entry means no such path (404).
struct route_match {
  const handler* h = nullptr;
  const route_entry* entry = nullptr;
};

/// Exact routes and prefix routes; exact ones win, then the longest prefix.
class route_table {
public:
  void add_exact(std::string method, std::string path, handler h);
  void add_prefix(std::string method, std::string prefix, handler h);

  /// Orders the prefixes longest first; called once, at start().
  void freeze();

  route_match find(const std::string& method, std::string_view path) const;

private:
  std::map<std::string, route_entry> exact_;
  std::vector<route_entry> prefixes_; // longest first once frozen
};

} // namespace lastgram::server::detail
