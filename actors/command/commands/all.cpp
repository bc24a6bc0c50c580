// The one list of commands: add a command here and it is served, listed by
// /help, put in the Telegram menu and (later) declared to Discord.

#include "actors/command/commands/builtin.hpp"

#include <iterator>

namespace lastgram::command {

std::vector<command_spec> all_commands() {
  using maker = command_spec (*)();
  static constexpr maker table[] = {
    make_start,
    make_help,
    make_botinfo,
    make_debug,
    make_register,
    make_unregister,
    make_linkfm,
    make_unlinkfm,
    make_lang,
    make_listening,
    make_album,
    make_artist,
    make_last,
    make_artistinfo,
    make_albuminfo,
    make_trackinfo,
    make_youtrack,
    make_youalbum,
    make_youartist,
    make_metrack,
    make_mealbum,
    make_meartist,
    make_compat,
    make_love,
    make_unlove,
    make_emoji,
    make_lyrics,
    make_config,
    make_topartists,
    make_topalbums,
    make_toptracks,
    make_recent,
    make_timezone,
    make_peak,
    make_milestone,
    make_streak,
    make_pace,
    make_cllg,
    make_acllg,
    make_whoknows,
    make_whoknowsalbum,
    make_whoknowstrack,
    make_globalwhoknows,
    make_globalwhoknowsalbum,
    make_globalwhoknowstrack,
    make_whoknowspage,
    make_crowns,
    make_crownsinfo,
    make_crownworth,
    make_unclaimed,
    make_crownhistory,
    make_privacy,
    make_index,
    make_crownban,
    make_crownunban,
    make_crownclear,
    make_grouplang,
    make_lastgramban,
    make_lastgramunban,
  };
  std::vector<command_spec> out;
  out.reserve(std::size(table));
  for (auto make : table)
    out.push_back(make());
  return out;
}

void add_all_commands(registry& reg) {
  for (auto& spec : all_commands())
    reg.add(std::move(spec));
}

} // namespace lastgram::command
