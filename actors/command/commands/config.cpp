// config (alias settings): a user's settings as a menu of buttons, each of
// which runs "/config <setting> <value>" and turns the menu into the new one.

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include "actors/command/commands/builtin.hpp"
#include "actors/command/commands/group_config.hpp"
#include "actors/command/context.hpp"
#include "actors/command/guards.hpp"
#include "i18n/time_zone.hpp"

#include "caf/event_based_actor.hpp"

namespace lastgram::command {

namespace {

/// The loved-track emoji offered as buttons; the first is the default that
/// an empty setting stands for (see music_format.cpp).
constexpr std::string_view emoji_choices[] = {"❤️", "💜", "🔥", "⭐", "🎧"};

/// A loved emoji longer than this is not one emoji (the longest ZWJ
/// sequences take about 30 bytes).
constexpr std::size_t max_emoji_bytes = 32;

/// What the menu shows, in `language`.
struct settings_view {
  std::string language;
  bool show_tags = true;
  bool cover_as_link = false;
  std::string loved_emoji;
  /// ICU's id; "" shows as UTC.
  std::string time_zone;
};

settings_view current(const context& ctx) {
  auto& user = ctx.author().user;
  auto& texts = *ctx.env().texts;
  return settings_view{texts.has(user.language) ? user.language : ctx.language(),
                       user.show_tags, user.cover_as_link, user.loved_emoji,
                       user.time_zone};
}

/// Whether `s` is well-formed UTF-8 without any ASCII character: emoji (and
/// other symbols), never words, spaces or markup.
bool looks_like_emoji(std::string_view s) {
  if (s.empty() || s.size() > max_emoji_bytes)
    return false;
  for (std::size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    std::size_t len = c >= 0xF0 && c <= 0xF4 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 && c < 0xE0 ? 2 : 0;
    if (len == 0 || c > 0xF4 || i + len > s.size())
      return false;
    for (std::size_t k = 1; k < len; ++k)
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80)
        return false;
    i += len;
  }
  return true;
}

void reply_menu(context& ctx, const settings_view& v) {
  auto& texts = *ctx.env().texts;
  auto t = [&](std::string_view key, std::initializer_list<i18n::arg> args = {}) {
    return texts.format(v.language, key, args);
  };
  auto state = [&](bool on) { return t(on ? "settings.on" : "settings.off"); };
  std::string emoji{v.loved_emoji.empty() ? emoji_choices[0] : v.loved_emoji};
  text_builder out;
  out.bold(t("settings.title")).newline();
  out.plain(t("settings.current_language",
              {{"language", std::string{texts.language_name(v.language)}}}))
    .newline();
  out.plain(t("settings.show_tags", {{"state", state(v.show_tags)}})).newline();
  out.plain(t("settings.cover_as_link", {{"state", state(v.cover_as_link)}})).newline();
  out.plain(t("settings.loved_emoji", {{"emoji", emoji}})).newline();
  out.plain(t("settings.time_zone", {{"zone", i18n::effective_time_zone(v.time_zone)}}))
    .newline();
  out.newline().italic(t("settings.hint"));

  outgoing_reply r;
  r.text = out.take();
  auto marked = [](bool chosen, std::string label) {
    return chosen ? "✓ " + label : label;
  };
  r.buttons = language_rows(ctx, v.language, "config");
  r.buttons.push_back(
    {ctx.action_button(t(v.show_tags ? "settings.tags_hide" : "settings.tags_show"),
                       "config", {"tags", v.show_tags ? "off" : "on"}),
     ctx.action_button(t(v.cover_as_link ? "settings.cover_photo" : "settings.cover_link"),
                       "config", {"cover", v.cover_as_link ? "photo" : "link"})});
  r.buttons.emplace_back();
  for (auto e : emoji_choices)
    r.buttons.back().push_back(
      ctx.action_button(marked(e == emoji, std::string{e}), "config", {"emoji", std::string{e}}));
  ctx.reply(std::move(r));
  ctx.finish();
}

/// Stores one change with `request` (a database_actor message answered with
/// bool), then answers with the menu as `after`.
template <class... Ts>
void save(context& ctx, settings_view after, Ts&&... request) {
  ctx.defer();
  auto run = ctx;
  ctx.self()
    ->request(ctx.database(), ctx.engine_timeout(), std::forward<Ts>(request)...)
    .then(
      [run, after](bool stored) mutable {
        if (!stored)
          return run.reply_text("guard.registered");
        reply_menu(run, after);
      },
      [run](caf::error& err) mutable { run.reply_error(err); });
}

/// "on"/"off" (or "true"/"false") as a flag.
std::optional<bool> parse_on_off(const std::string& word) {
  if (word == "on" || word == "true")
    return true;
  if (word == "off" || word == "false")
    return false;
  return std::nullopt;
}

void run_config(context& ctx) {
  if (ctx.message().chat.kind == chat_kind::group)
    return run_group_config(ctx);
  auto& words = ctx.command().words;
  auto view = current(ctx);
  if (words.empty())
    return reply_menu(ctx, view);
  if (words.size() != 2)
    return ctx.reply_text("settings.invalid");
  auto what = to_lower_ascii(words[0]);
  auto& raw = words[1];
  auto value = to_lower_ascii(raw);
  auto& msg = ctx.message();
  if (what == "lang" || what == "language") {
    auto& texts = *ctx.env().texts;
    auto code = texts.resolve_language(raw);
    if (code.empty())
      return ctx.reply_text("lang.unknown",
                            {{"code", raw}, {"available", available_languages(texts)}});
    // The menu answers in the language just chosen.
    view.language = code;
    return save(ctx, view, language_atom::value, msg.platform, msg.author.id, code);
  }
  if (what == "tags") {
    auto on = parse_on_off(value);
    if (!on)
      return ctx.reply_text("settings.invalid");
    view.show_tags = *on;
    return save(ctx, view, setting_atom::value, msg.platform, msg.author.id,
                user_setting::show_tags, std::string{*on ? "true" : "false"});
  }
  if (what == "cover") {
    if (value != "photo" && value != "link")
      return ctx.reply_text("settings.invalid");
    view.cover_as_link = value == "link";
    return save(ctx, view, setting_atom::value, msg.platform, msg.author.id,
                user_setting::cover_as_link,
                std::string{view.cover_as_link ? "true" : "false"});
  }
  if (what == "emoji") {
    if (value == "reset" || value == "default")
      view.loved_emoji.clear();
    else if (looks_like_emoji(raw))
      view.loved_emoji = raw;
    else
      return ctx.reply_text("settings.invalid_emoji");
    return save(ctx, view, setting_atom::value, msg.platform, msg.author.id,
                user_setting::loved_emoji, view.loved_emoji);
  }
  if (what == "timezone" || what == "tz") {
    auto zone = i18n::canonical_time_zone(raw);
    if (zone.empty())
      return ctx.reply_text("timezone.unknown", {{"value", raw}});
    view.time_zone = zone;
    return save(ctx, view, setting_atom::value, msg.platform, msg.author.id,
                user_setting::time_zone, zone);
  }
  ctx.reply_text("settings.invalid");
}

} // namespace

command_spec make_config() {
  command_spec spec{"config"};
  spec.aliases = {"settings"};
  // The value's kind depends on the setting (a language, on/off, photo/link,
  // an emoji, a number): text, checked by run_config. In a group, /config is
  // the group's settings (artists, albums, tracks, threshold, lang), which
  // its administrators alone change (in a private chat guard_group_admin
  // lets everyone through).
  spec.args = {argument::choice("setting", {"lang", "language", "tags", "cover", "emoji",
                                            "timezone", "tz", "artists", "albums", "tracks",
                                            "threshold"})
                 .invalid_message("settings.invalid"),
               argument::text("value")};
  spec.guards = guard_registered | guard_group_admin;
  spec.run = run_config;
  return spec;
}

} // namespace lastgram::command
