#pragma once

namespace lastgram::command {

class registry;

/// Registers the commands every node has: start, help, botinfo.
void add_core_commands(registry& reg);

/// Registers /debug (developer guard): sleep and crash on purpose, to check
/// supervision and shutdown on a live node.
void add_debug_commands(registry& reg);

/// Registers the music commands: register, unregister, linkfm, unlinkfm,
/// lang, listening, album, artist and last.
void add_music_commands(registry& reg);

/// Registers /config (alias /settings, registered users): the settings menu
/// whose buttons (context::action_button) change language, tags, cover and
/// loved emoji.
void add_settings_commands(registry& reg);

/// Registers every command a node serves (all of the above), in the order
/// /help lists them.
void add_all_commands(registry& reg);

} // namespace lastgram::command
