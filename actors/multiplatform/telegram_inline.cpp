// Inline mode: a query typed after the bot's @username runs /listening,
// /album and /artist for the querying user; their answers become the
// query's results (platforms/telegram/inline_results.hpp).

#include <algorithm>

#include "actors/logging/log.hpp"
#include "actors/multiplatform/telegram_state.hpp"
#include "actors/server/image_store.hpp"
#include "actors/support/engines.hpp"
#include "messages/command.hpp"

namespace lastgram::multiplatform::detail {

namespace {

using telegram::api_result;

/// The commands an inline query runs, in the order their results show.
const std::vector<std::string>& inline_commands() {
  static const std::vector<std::string> commands = {"/listening", "/album", "/artist"};
  return commands;
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
  auto& commands = inline_commands();
  auto& job = st.inline_jobs[q.id];
  job.query_id = q.id;
  job.remaining = static_cast<int>(commands.size());
  for (auto& cmd : commands) {
    incoming_message msg;
    msg.platform = platform_kind::telegram;
    msg.chat.id = q.from.id;
    msg.chat.kind = chat_kind::private_chat;
    msg.author = q.from;
    msg.text = cmd;
    auto done = [self, qid = q.id, name = cmd.substr(1)](command_result res) {
      collect(self, qid, name, std::move(res));
    };
    self->request(engine, st.opts->command_timeout, std::move(msg))
      .then([done](command_result& res) { done(std::move(res)); },
            [done](const caf::error&) { done(command_result{}); });
  }
}

} // namespace lastgram::multiplatform::detail
