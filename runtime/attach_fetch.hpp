#pragma once

// Internal to `lastgram attach`: one GET /diag, waited for.

#include <chrono>
#include <optional>
#include <string>

#include "messages/diag.hpp"

namespace lastgram::net {
class http_client;
}

namespace lastgram::runtime {

/// A diagnostics report, or why there is none.
struct fetched_report {
  std::optional<diag_report> report;
  /// The JSON as served (for `--once --json`).
  std::string body;
  /// Why there is no report ("" when there is one), naming `target`.
  std::string problem;
};

/// GET `url` (a node's /diag), waited for on this thread (the client works
/// on its own); `target` is how the problem names the node.
fetched_report fetch_report(net::http_client& client, const std::string& url,
                            const std::string& target, std::chrono::milliseconds timeout);

} // namespace lastgram::runtime
