// crownhistory [artist]: who held an artist's crown in this group, from
// when to when and with how many plays (the artist named, or the one the
// author is playing).

#include "actors/command/commands/builtin.hpp"
#include "actors/command/commands/crown_query.hpp"
#include "actors/command/commands/group_format.hpp"
#include "actors/command/commands/music_item.hpp"
#include "actors/command/guards.hpp"

namespace lastgram::command {

command_spec make_crownhistory() {
  command_spec spec{"crownhistory"};
  spec.args = {argument::artist("artist").rest()};
  spec.guards = guard_registered | guard_no_dms;
  spec.run = [](context& ctx) {
    ctx.defer();
    music::resolve_item(ctx, music::np_focus::artist, ctx.author().user.fm_username,
                        [](context& run, music::music_item item) {
                          auto req = groups::crown_request_for(run, crown_query::history);
                          req.name = item.track.artist;
                          groups::ask_crowns(
                            run, std::move(req), [artist = item.track.artist](context& r,
                                                                              crown_answer& a) {
                              outgoing_reply out;
                              out.text = groups::format_history(*r.env().texts, r.language(),
                                                                artist, a.entries,
                                                                r.author().user.time_zone);
                              return out;
                            });
                        });
  };
  return spec;
}

} // namespace lastgram::command
