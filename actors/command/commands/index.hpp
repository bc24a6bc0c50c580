#pragma once

// For who-knows and other commands that read indexed plays: the progress
// line of a user's running index.

#include <string>

#include "actors/command/context.hpp"
#include "messages/indexer.hpp"

namespace lastgram::command {

/// "indexing: 3,000 of 7,412 artists" in the run's language (key
/// index.progress); empty when `p` is not running. Ask the indexer with
/// (index_progress_atom, user id) for `p` (context::indexer()).
std::string index_progress_line(const context& run, const index_progress& p);

} // namespace lastgram::command
