#pragma once

/// Message tags shared by the engines. CAF 0.17 atoms hold at most 10
/// characters.

#include "caf/atom.hpp"

namespace lastgram {

using run_atom = caf::atom_constant<caf::atom("run")>;
using drain_atom = caf::atom_constant<caf::atom("drain")>;
using stats_atom = caf::atom_constant<caf::atom("stats")>;
using restart_atom = caf::atom_constant<caf::atom("restart")>;
using shutdown_atom = caf::atom_constant<caf::atom("shutdown")>;
using line_atom = caf::atom_constant<caf::atom("line")>;
using eof_atom = caf::atom_constant<caf::atom("eof")>;
using tick_atom = caf::atom_constant<caf::atom("tick")>;
using ready_atom = caf::atom_constant<caf::atom("ready")>;

} // namespace lastgram
