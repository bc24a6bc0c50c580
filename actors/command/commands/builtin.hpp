#pragma once

namespace lastgram::command {

class registry;

/// Registers the commands every node has: start, help, botinfo.
void add_core_commands(registry& reg);

} // namespace lastgram::command
