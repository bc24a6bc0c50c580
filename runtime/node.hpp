#pragma once

#include "runtime/config.hpp"

namespace lastgram::runtime {

/// Exit codes of the lastgram binary.
enum exit_code : int {
  exit_ok = 0,
  /// A runtime failure: an engine gave up after its restarts, a crash.
  exit_failure = 1,
  /// Bad usage or configuration.
  exit_usage = 2,
};

/// Runs a node until end of console input, SIGINT/SIGTERM, or an engine that
/// escalates past the root supervisor. Returns the process exit code.
int run_node(const loaded_config& config);

} // namespace lastgram::runtime
