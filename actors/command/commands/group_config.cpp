// /config in a group: the group's language, crowns on or off per kind
// (artists, albums, tracks) and the plays a crown needs, as a menu of
// buttons; each button runs "/config <setting> <value>" as the admin who
// pressed it and turns the menu into the new one.

#include "actors/command/commands/group_config.hpp"

#include <cstdint>
#include <initializer_list>
#include <string>

#include "actors/support/text.hpp"
#include "i18n/catalog.hpp"

#include "caf/event_based_actor.hpp"

namespace lastgram::command {

namespace {

constexpr std::size_t languages_per_row = 3;

/// The thresholds offered as buttons (any other comes with /config threshold N).
constexpr std::int64_t threshold_choices[] = {10, 30, 50, 100};

void reply_menu(context& ctx, const group_config& cfg, const std::string& lang) {
  auto& texts = *ctx.env().texts;
  auto t = [&](std::string_view key, std::initializer_list<i18n::arg> args = {}) {
    return texts.format(lang, key, args);
  };
  auto state = [&](bool on) { return t(on ? "settings.on" : "settings.off"); };
  auto language = cfg.language.empty() ? t("group_settings.language_unset")
                                       : std::string{texts.language_name(cfg.language)};
  text_builder out;
  out.bold(t("group_settings.title")).newline();
  out.plain(t("group_settings.language", {{"language", language}})).newline();
  out.plain(t("group_settings.artist_crowns", {{"state", state(cfg.artist_crowns)}})).newline();
  out.plain(t("group_settings.album_crowns", {{"state", state(cfg.album_crowns)}})).newline();
  out.plain(t("group_settings.track_crowns", {{"state", state(cfg.track_crowns)}})).newline();
  out.plain(t("group_settings.threshold", {{"plays", cfg.threshold}})).newline();
  out.newline().italic(t("group_settings.hint"));

  outgoing_reply r;
  r.text = out.take();
  r.buttons = language_rows(ctx, cfg.language, "config");
  // Each button turns its kind the other way ("group_settings.albums_on"...).
  auto toggle = [&](const std::string& setting, bool on) {
    std::string next = on ? "off" : "on";
    return ctx.action_button(t("group_settings." + setting + "_" + next), "config",
                             {setting, next});
  };
  r.buttons.push_back({toggle("artists", cfg.artist_crowns), toggle("albums", cfg.album_crowns),
                       toggle("tracks", cfg.track_crowns)});
  r.buttons.emplace_back();
  for (auto n : threshold_choices) {
    auto label = std::to_string(n);
    r.buttons.back().push_back(ctx.action_button(n == cfg.threshold ? "✓ " + label : label,
                                                 "config", {"threshold", label}));
  }
  ctx.reply(std::move(r));
  ctx.finish();
}

/// Asks the database (a group_config_atom request), then shows the menu in
/// `lang`, or in the group's new language when `follow_language`.
template <class... Ts>
void ask(context& ctx, bool follow_language, Ts&&... request) {
  ctx.defer();
  auto run = ctx;
  ctx.self()
    ->request(ctx.database(), ctx.engine_timeout(), group_config_atom::value,
              ctx.message().platform, ctx.message().chat.id, std::forward<Ts>(request)...)
    .then(
      [run, follow_language](group_config& cfg) mutable {
        auto lang = follow_language && !cfg.language.empty() ? cfg.language : run.language();
        reply_menu(run, cfg, lang);
      },
      [run](caf::error& err) mutable { run.reply_error(err); });
}

} // namespace

std::string available_languages(const i18n::catalog& texts) {
  std::string out;
  for (auto& code : texts.languages()) {
    if (!out.empty())
      out += ", ";
    out += code + " (" + std::string{texts.language_name(code)} + ")";
  }
  return out;
}

std::vector<std::vector<button>> language_rows(context& ctx, const std::string& current,
                                               const std::string& command) {
  auto& texts = *ctx.env().texts;
  std::vector<std::vector<button>> rows;
  for (auto& code : texts.languages()) {
    if (rows.empty() || rows.back().size() == languages_per_row)
      rows.emplace_back();
    auto label = std::string{texts.language_name(code)};
    rows.back().push_back(
      ctx.action_button(code == current ? "✓ " + label : label, command, {"lang", code}));
  }
  return rows;
}

void run_group_config(context& ctx) {
  auto& words = ctx.command().words;
  if (words.empty())
    return ask(ctx, false);
  if (words.size() != 2)
    return ctx.reply_text("group_settings.invalid");
  auto what = to_lower_ascii(words[0]);
  auto value = to_lower_ascii(words[1]);
  if (what == "lang" || what == "language") {
    auto& texts = *ctx.env().texts;
    auto code = texts.resolve_language(words[1]);
    if (code.empty())
      return ctx.reply_text("lang.unknown",
                            {{"code", words[1]}, {"available", available_languages(texts)}});
    return ask(ctx, true, group_setting::language, code);
  }
  bool on_off = value == "on" || value == "off";
  if (what == "artists" && on_off)
    return ask(ctx, false, group_setting::artist_crowns, value);
  if (what == "albums" && on_off)
    return ask(ctx, false, group_setting::album_crowns, value);
  if (what == "tracks" && on_off)
    return ask(ctx, false, group_setting::track_crowns, value);
  if (what == "threshold" && !value.empty()
      && value.find_first_not_of("0123456789") == std::string::npos && value.size() < 10
      && std::stoll(value) >= 1)
    return ask(ctx, false, group_setting::threshold, value);
  ctx.reply_text("group_settings.invalid");
}

} // namespace lastgram::command
