#pragma once

/// The console platform's typed door: the node's line reader hands it what
/// was typed, one line at a time, and says when input ends.

#include <string>

#include "caf/replies_to.hpp"
#include "caf/typed_actor.hpp"

#include "messages/atoms.hpp"

namespace lastgram {

/// The console platform actor.
/// - (line, text): one typed line; answers are printed in input order.
/// - eof: end of input; once every answer is printed the console says so.
/// - shutdown: ignore further input (the node is stopping).
using console_actor = caf::typed_actor<caf::reacts_to<line_atom, std::string>,
                                       caf::reacts_to<eof_atom>,
                                       caf::reacts_to<shutdown_atom>>;

} // namespace lastgram
