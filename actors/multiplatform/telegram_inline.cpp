// Inline mode: a query typed after the bot's @username runs /listening,
// /album and /artist for the querying user; their answers become the
// query's results (platforms/telegram/inline_results.hpp). "collage"
// (or cllg, clg, cl), with /cllg's words after it, offers the user's
// collage as a photo instead, when pictures can be published
// (telegram.public-url and the server engine).

#include <algorithm>
#include <cctype>
#include <string_view>

#include "actors/logging/log.hpp"
#include "actors/multiplatform/telegram_state.hpp"
#include "actors/server/image_store.hpp"
#include "actors/support/engines.hpp"
#include "messages/command.hpp"

namespace lastgram::multiplatform::detail {

namespace {

using telegram::api_result;

/// One command an inline query runs: its text, and its name as the
/// result's id.
struct inline_command {
  std::string text;
  std::string name;
};

/// The commands an inline query runs, in the order their results show.
std::vector<inline_command> inline_commands(std::string_view query, bool pictures) {
  auto start = query.find_first_not_of(' ');
  query.remove_prefix(start == std::string_view::npos ? query.size() : start);
  auto word_end = std::min(query.find(' '), query.size());
  std::string word(query.substr(0, word_end));
  std::transform(word.begin(), word.end(), word.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (pictures && (word == "collage" || word == "cllg" || word == "clg" || word == "cl"))
    return {{"/cllg" + std::string(query.substr(word_end)), "cllg"}};
  return {{"/listening", "listening"}, {"/album", "album"}, {"/artist", "artist"}};
}

/// Whether drawn pictures can be offered (see publish_pictures).
bool can_publish(const self_ptr& self) {
  auto& st = self->state;
  return st.opts->images && !st.opts->settings.public_url.empty();
}

/// Inline results offer photos by URL only: a picture the bot drew is put
/// in the server engine's image store and offered at its short-lived URL.
/// Without a store or a public URL it stays as it is, and
/// inline_results_json leaves it out.
void publish_pictures(self_ptr self, std::vector<telegram::inline_answer>& results) {
  auto& st = self->state;
  std::string base = st.opts->settings.public_url;
  while (!base.empty() && base.back() == '/')
    base.pop_back();
  if (!st.opts->images || base.empty())
    return;
  for (auto& [name, res] : results) {
    if (res.replies.empty() || res.replies.front().photo_jpeg.empty())
      continue;
    auto& reply = res.replies.front();
    auto token = st.opts->images->put(std::move(reply.photo_jpeg));
    reply.photo_jpeg.clear();
    if (token.empty()) {
      log::warn("telegram", "could not keep a picture for an inline answer", {{"cmd", name}});
      res.replies.clear();
      continue;
    }
    reply.image_url = base + server::image_path(token);
    reply.image_as_link = false;
  }
}

/// Collects one command's answer; the last one answers the query, in the
/// order of inline_commands() whatever answered first.
void collect(self_ptr self, const std::string& query_id, std::string name, command_result res) {
  auto& jobs = self->state.inline_jobs;
  auto i = jobs.find(query_id);
  if (i == jobs.end())
    return;
  i->second.results.emplace_back(std::move(name), std::move(res));
  if (--i->second.remaining > 0)
    return;
  auto& results = i->second.results;
  std::sort(results.begin(), results.end(), [](auto& a, auto& b) {
    auto rank = [](const std::string& n) { return n == "listening" ? 0 : n == "album" ? 1 : 2; };
    return rank(a.first) < rank(b.first);
  });
  publish_pictures(self, results);
  auto json = telegram::inline_results_json(results);
  auto cache = static_cast<int>(self->state.opts->settings.inline_cache_seconds);
  self->state.api->answer_inline_query(query_id, json, cache, true, [](api_result r) {
    if (!r.ok)
      log::warn("telegram", "answerInlineQuery failed",
                {log::kv("code", r.error_code), {"description", r.description}});
  });
  jobs.erase(i);
}

} // namespace

void on_inline(self_ptr self, const telegram::inline_query& q) {
  auto& st = self->state;
  auto engine = st.opts->engines->command.get();
  if (!engine) {
    st.api->answer_inline_query(q.id, "[]", 0, true, [](api_result) {});
    return;
  }
  auto commands = inline_commands(q.query, can_publish(self));
  auto& job = st.inline_jobs[q.id];
  job.query_id = q.id;
  job.remaining = static_cast<int>(commands.size());
  for (auto& cmd : commands) {
    incoming_message msg;
    msg.platform = platform_kind::telegram;
    msg.chat.id = q.from.id;
    msg.chat.kind = chat_kind::private_chat;
    msg.author = q.from;
    msg.text = cmd.text;
    auto done = [self, qid = q.id, name = cmd.name](command_result res) {
      collect(self, qid, name, std::move(res));
    };
    self->request(engine, st.opts->command_timeout, std::move(msg))
      .then([done](command_result& res) { done(std::move(res)); },
            [done](const caf::error&) { done(command_result{}); });
  }
}

} // namespace lastgram::multiplatform::detail
