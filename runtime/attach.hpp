#pragma once

/// `lastgram attach HOST:PORT`: a live, `top`-like terminal view of a node's
/// diagnostics, fetched from `GET /diag` on its HTTP server (served to
/// loopback clients only; reach a remote node through `ssh -L`).
///
///   lastgram attach 127.0.0.1:8080              # live view, redrawn every second
///   lastgram attach 127.0.0.1:8080 --once       # one frame as text
///   lastgram attach 127.0.0.1:8080 --once --json  # the report, for scripts
///
/// Keys: n or Tab next node, p or Shift-Tab previous node, space pause,
/// r refresh now, q (or Ctrl-C) quit. A terminal is put in raw mode and
/// restored on exit and on SIGINT/SIGTERM/SIGHUP. With standard input not a
/// terminal, keys are read from it as they come and the view ends at end of
/// input.

#include <chrono>
#include <cstddef>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>

#include "messages/diag.hpp"

namespace lastgram::runtime {

struct attach_options {
  /// HOST:PORT of the node's HTTP server ("[::1]:8080" for IPv6).
  std::string target;
  /// Print one snapshot and exit.
  bool once = false;
  /// With `once`: print the JSON report as served.
  bool json = false;
  std::chrono::milliseconds interval{1000};
  /// Deadline of one fetch.
  std::chrono::milliseconds timeout{3000};
};

/// Runs `lastgram attach`; returns the exit code (0 ok, 1 node unreachable
/// or not answering a report, 2 malformed target).
int run_attach(const attach_options& opts, std::ostream& out, std::ostream& err);

/// The URL of GET /diag for "HOST:PORT", or nullopt when `target` is not
/// of that form.
std::optional<std::string> diag_url(std::string_view target);

/// What a frame shows besides the report.
struct view_state {
  std::string target;
  /// Index into the report's members (clamped).
  std::size_t selected = 0;
  bool paused = false;
  /// Shown in the header, e.g. the last fetch failed ("" when none).
  std::string problem;
  /// Terminal size; lines are cut to `width`, the error list to what fits.
  int width = 100;
  int height = 40;
  /// The line that lists the keys (not in `--once` output).
  bool show_keys = true;
};

/// One frame as text lines ending in '\n', without terminal control codes.
/// Pure, for tests.
std::string render_view(const diag_report& report, const view_state& state);

} // namespace lastgram::runtime
