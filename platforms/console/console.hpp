#pragma once

#include <cstddef>
#include <cstdio>
#include <string>
#include <functional>
#include <memory>

#include "caf/fwd.hpp"

#include "messages/command.hpp"
#include "messages/console.hpp"
#include "messages/settings.hpp"

namespace lastgram::i18n {
class catalog;
} // namespace lastgram::i18n

namespace lastgram::console {

/// How the console chat runs.
struct options {
  console_settings settings;
  /// A terminal: prompt and ANSI styles. Otherwise one reply block per line
  /// of input, in input order, for scripts and tests.
  bool interactive = false;
  /// Where replies go (standard output).
  std::FILE* out = stdout;
  /// Deadline for one answer from the command engine.
  std::int64_t request_timeout_ms = 16000;
  std::shared_ptr<const i18n::catalog> texts;
  /// Where pictures the bot drew are written (<node.data-dir>/collages);
  /// empty: they are only announced.
  std::string photo_dir;
  /// Pictures kept in photo_dir; older ones are deleted.
  std::size_t max_photos = 20;
  /// Called once after end of input, when every reply has been printed.
  std::function<void()> on_finished;
};

/// Finds the command engine's current handle (it may have been restarted).
using engine_lookup = std::function<command_actor()>;

/// Spawns the console platform actor. It takes (line_atom, std::string) for
/// each typed line and eof_atom at end of input, sends commands to the
/// command engine and prints the answers in the order the lines were typed.
/// shutdown_atom makes it ignore further input.
console_actor spawn_console(caf::local_actor* parent, engine_lookup commands,
                            std::shared_ptr<const options> opts);

} // namespace lastgram::console
