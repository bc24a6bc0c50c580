#include "runtime/telegram_cli.hpp"

#include <algorithm>
#include <future>
#include <memory>
#include <ostream>

#include "actors/command/commands/builtin.hpp"
#include "actors/command/registry.hpp"
#include "i18n/catalog.hpp"
#include "platforms/net/http_client.hpp"
#include "platforms/telegram/webhook.hpp"
#include "runtime/node.hpp"
#include "runtime/source_tree.hpp"

namespace lastgram::runtime {

namespace {

using telegram::api_result;

/// Longer than any Bot API timeout, so that the client's own deadline (which
/// yields a clear network error) normally fires first.
constexpr auto answer_deadline = telegram::bot_api::default_timeout + std::chrono::seconds{5};

/// A Bot API client for one command-line run. The http_client is shut down
/// here, on the main thread, never from one of its callbacks.
class session {
public:
  explicit session(const telegram_settings& s)
    : http_(std::make_shared<net::http_client>(net::http_client::options{})),
      api_(s.api_url, s.token, http_) {}

  ~session() { http_->shutdown(); }

  session(const session&) = delete;
  session& operator=(const session&) = delete;

  /// Starts one call through `start` and waits for its answer.
  template <class Start>
  api_result wait(Start start) {
    // Shared with the callback: it may outlive this wait when the deadline
    // passes first.
    auto answer = std::make_shared<std::promise<api_result>>();
    auto future = answer->get_future();
    start(api_, [answer](api_result r) { answer->set_value(std::move(r)); });
    if (future.wait_for(answer_deadline) != std::future_status::ready) {
      api_result late;
      late.network_error = true;
      late.description = "no answer within "
                         + std::to_string(answer_deadline.count() / 1000) + " s";
      return late;
    }
    return future.get();
  }

private:
  std::shared_ptr<net::http_client> http_;
  telegram::bot_api api_;
};

/// The error line for a call that did not succeed; exit code 1.
int report_failure(std::ostream& err, const std::string& what, const api_result& r) {
  err << "lastgram: " << what << " failed: ";
  if (r.network_error)
    err << "no answer from Telegram (" << r.description << ")\n";
  else
    err << "Telegram answered " << r.error_code << ": "
        << (r.description.empty() ? "(no description)" : r.description) << '\n';
  return exit_failure;
}

bool has_token(const settings& s, std::ostream& err) {
  if (!s.telegram.token.empty())
    return true;
  err << "lastgram: no bot token: set LASTGRAM_TELEGRAM_TOKEN in the environment or in "
         "node.secrets-file\n";
  return false;
}

/// The UTF-8 sequence length announced by `lead`, or 1 for a stray byte.
std::size_t sequence_length(unsigned char lead) {
  if (lead >= 0xf0 && lead <= 0xf4)
    return 4;
  if (lead >= 0xe0)
    return lead <= 0xef ? 3 : 1;
  if (lead >= 0xc2)
    return 2;
  return 1;
}

/// Splits `text` into code points (byte length, UTF-16 units); a sequence cut
/// short or with a bad continuation byte counts its lead byte alone.
template <class F>
void for_each_code_point(std::string_view text, F f) {
  for (std::size_t i = 0; i < text.size();) {
    auto n = sequence_length(static_cast<unsigned char>(text[i]));
    bool whole = i + n <= text.size();
    for (std::size_t k = 1; whole && k < n; ++k)
      whole = (static_cast<unsigned char>(text[i + k]) & 0xc0) == 0x80;
    if (!whole)
      n = 1;
    f(n, n == 4 ? std::size_t{2} : std::size_t{1});
    i += n;
  }
}

bool is_two_letter_code(std::string_view lang) {
  return lang.size() == 2 && std::all_of(lang.begin(), lang.end(), [](char c) {
           return c >= 'a' && c <= 'z';
         });
}

command_menu menu_for(const command::registry& commands, const i18n::catalog& texts,
                      std::string language, std::string language_code) {
  command_menu menu{std::move(language_code), std::move(language), {}};
  for (const auto& spec : commands.all()) {
    if (!command::listed(*spec) || !valid_command_name(spec->name))
      continue;
    auto description =
      truncate_description(texts.format(menu.language, command::description_key(*spec)));
    if (description.empty())
      description = "/" + spec->name; // Telegram refuses an empty description
    menu.commands.push_back({spec->name, std::move(description)});
  }
  return menu;
}

std::string menu_label(const command_menu& menu) {
  return menu.language_code.empty() ? "default language (" + menu.language + ")"
                                    : "language_code " + menu.language_code;
}

} // namespace

bool valid_command_name(std::string_view name) {
  return !name.empty() && name.size() <= max_command_length
         && std::all_of(name.begin(), name.end(), [](char c) {
              return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
            });
}

std::string truncate_description(std::string_view text, std::size_t limit) {
  std::size_t units = 0;
  for_each_code_point(text, [&](std::size_t, std::size_t u) { units += u; });
  if (units <= limit)
    return std::string(text);
  if (limit == 0)
    return {};
  // Keep what fits in limit - 1 units and end with "…" (one unit).
  std::size_t kept_bytes = 0, kept_units = 0;
  bool full = false;
  for_each_code_point(text, [&](std::size_t bytes, std::size_t u) {
    if (full || kept_units + u > limit - 1) {
      full = true;
      return;
    }
    kept_bytes += bytes;
    kept_units += u;
  });
  std::string out(text.substr(0, kept_bytes));
  while (!out.empty() && (out.back() == ' ' || out.back() == '\t'))
    out.pop_back();
  return out + "\xe2\x80\xa6";
}

std::vector<command_menu> command_menus(const command::registry& commands,
                                        const i18n::catalog& texts) {
  std::string fallback(texts.default_language());
  std::vector<command_menu> menus;
  menus.push_back(menu_for(commands, texts, fallback, ""));
  for (const auto& lang : texts.languages())
    if (lang != fallback && is_two_letter_code(lang))
      menus.push_back(menu_for(commands, texts, lang, lang));
  return menus;
}

int telegram_set_webhook(const settings& s, bool drop_pending_updates, std::ostream& out,
                         std::ostream& err) {
  if (!has_token(s, err))
    return exit_usage;
  if (s.telegram.public_url.empty()) {
    err << "lastgram: set-webhook needs telegram.public-url, the public HTTPS base URL that "
           "reaches this node's server (e.g. --set telegram.public-url=https://bot.example.org)\n";
    return exit_usage;
  }
  if (s.telegram.webhook_secret.empty()) {
    err << "lastgram: set-webhook needs LASTGRAM_TELEGRAM_WEBHOOK_SECRET (1-256 characters of "
           "A-Za-z0-9_-) in the environment or in node.secrets-file\n";
    return exit_usage;
  }
  if (s.telegram.mode != telegram_mode::webhook)
    err << "lastgram: note: telegram.mode is \"" << to_string(s.telegram.mode)
        << "\"; a node only serves the webhook route with telegram.mode=webhook\n";
  auto url = telegram::webhook_url(s.telegram);
  session tg{s.telegram};
  auto r = tg.wait([&](const telegram::bot_api& api, telegram::bot_api::callback done) {
    api.set_webhook(url, s.telegram.webhook_secret, telegram::allowed_updates(),
                    static_cast<int>(s.telegram.max_connections), drop_pending_updates,
                    std::move(done));
  });
  if (!r.ok)
    return report_failure(err, "setWebhook", r);
  out << "webhook set: " << url << (drop_pending_updates ? " (pending updates dropped)" : "")
      << '\n';
  return exit_ok;
}

int telegram_delete_webhook(const settings& s, bool drop_pending_updates, std::ostream& out,
                            std::ostream& err) {
  if (!has_token(s, err))
    return exit_usage;
  session tg{s.telegram};
  auto r = tg.wait([&](const telegram::bot_api& api, telegram::bot_api::callback done) {
    api.delete_webhook(drop_pending_updates, std::move(done));
  });
  if (!r.ok)
    return report_failure(err, "deleteWebhook", r);
  out << "webhook deleted" << (drop_pending_updates ? " (pending updates dropped)" : "") << '\n';
  return exit_ok;
}

int telegram_set_commands(const settings& s, bool dry_run, std::ostream& out,
                          std::ostream& err) {
  if (!dry_run && !has_token(s, err))
    return exit_usage;
  auto dir = resolve_i18n_dir(s.i18n.dir);
  auto loaded = i18n::catalog::load(dir, s.i18n.default_language);
  if (!loaded) {
    err << "lastgram: cannot load the locale files in " << dir << ":\n" << loaded.error << '\n';
    return exit_usage;
  }
  command::registry commands;
  command::add_all_commands(commands);
  auto menus = command_menus(commands, *loaded.value);

  if (dry_run) {
    for (const auto& menu : menus) {
      out << "setMyCommands for the " << menu_label(menu) << ": " << menu.commands.size()
          << " commands\n";
      for (const auto& c : menu.commands)
        out << "  /" << c.command << " - " << c.description << '\n';
    }
    out << "dry run: nothing was sent\n";
    return exit_ok;
  }
  session tg{s.telegram};
  for (const auto& menu : menus) {
    auto r = tg.wait([&](const telegram::bot_api& api, telegram::bot_api::callback done) {
      api.set_my_commands(menu.commands, menu.language_code, std::move(done));
    });
    if (!r.ok)
      return report_failure(err, "setMyCommands for the " + menu_label(menu), r);
    out << "commands set for the " << menu_label(menu) << ": " << menu.commands.size()
        << " commands\n";
  }
  return exit_ok;
}

} // namespace lastgram::runtime
