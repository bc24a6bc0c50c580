#include "i18n/catalog.hpp"

#include "i18n/temp_locales.hpp"

#include <catch2/catch.hpp>

using lastgram::i18n::catalog;

namespace {

// The keys the commands and platforms ask for. A key missing from every
// locale would be shown to users as the raw key, so it is pinned here.
const char* const used_keys[] = {
  "language.name",
  "errors.generic", "errors.timeout", "errors.busy", "errors.shutting_down", "errors.storage_unavailable",
  "command.unknown", "command.usage",
  "guard.registered", "guard.banned", "guard.linked", "guard.target_not_registered", "guard.targeted",
  "guard.only_dms", "guard.no_dms", "guard.developer", "guard.crowns_banned",
  "start.greeting", "help.header", "help.footer", "help.usage", "help.aliases", "help.not_found",
  "botinfo.title", "botinfo.version", "botinfo.uptime", "botinfo.node", "botinfo.memory",
  "botinfo.commands", "botinfo.platforms",
  "duration.days", "duration.hours", "duration.minutes", "duration.seconds",
  "desc.start", "desc.help", "desc.botinfo", "desc.register", "desc.linkfm", "desc.unregister",
  "desc.unlinkfm", "desc.lang", "desc.listening", "desc.album", "desc.artist", "desc.last", "desc.config",
  "args.command", "args.username", "args.language",
  "register.success", "register.already", "register.invalid", "unregister.done", "unregister.not_registered",
  "linkfm.prompt", "linkfm.button_open", "linkfm.button_done", "linkfm.button_cancel", "linkfm.success",
  "linkfm.expired", "linkfm.cancelled", "linkfm.private_only", "unlinkfm.done",
  "lang.set", "lang.unknown", "lang.current",
  "np.now_playing", "np.last_played", "np.scrobbles", "np.album_plays", "np.artist_plays", "np.first_time",
  "userinfo.title", "userinfo.scrobbles", "userinfo.since", "userinfo.country", "userinfo.top_artist",
  "userinfo.top_album", "userinfo.top_track", "userinfo.recent",
  "fm.not_found", "fm.private", "fm.no_scrobbles_self", "fm.no_scrobbles_other", "fm.unavailable",
  "fm.busy", "fm.rate_limited", "fm.invalid_session", "fm.suspended_key", "fm.invalid_key", "fm.generic",
  "settings.title", "settings.language", "settings.show_tags", "settings.cover_as_link",
  "settings.loved_emoji", "settings.on", "settings.off", "button.expired", "button.not_yours",
  "settings.current_language", "settings.hint", "settings.tags_show", "settings.tags_hide",
  "settings.cover_photo", "settings.cover_link", "settings.invalid", "settings.invalid_emoji",
  "args.setting",
};

} // namespace

TEST_CASE("every message the bot uses formats fully in every shipped language") {
  auto loaded = catalog::load(lastgram::i18n::test::real_locales());
  INFO(loaded.error);
  REQUIRE(loaded);
  const auto& c = *loaded.value;
  for (const auto& lang : c.languages()) {
    for (const char* key : used_keys) {
      // A superset of every argument name: unused ones are ignored, and a
      // placeholder left unfilled would show up as a brace.
      auto text = c.format(lang, key,
                           {{"name", "N"}, {"command", "cmd"}, {"usage", "/x"}, {"aliases", "a"},
                            {"username", "u"}, {"language", "L"}, {"code", 8}, {"available", "en"},
                            {"count", 2}, {"per_day", 1.5}, {"date", "D"}, {"days", 3},
                            {"country", "C"}, {"artist", "A"}, {"version", "1"}, {"revision", "r"},
                            {"uptime", "U"}, {"node", "n"}, {"megabytes", 9.5}, {"platforms", "P"},
                            {"state", "S"}, {"emoji", "E"}});
      INFO(lang << " " << key << " -> " << text);
      CHECK(text != key);
      CHECK(text.find('{') == std::string::npos);
      CHECK_FALSE(text.empty());
    }
  }
}
