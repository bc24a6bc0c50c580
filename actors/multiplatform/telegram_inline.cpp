// Inline mode: a query typed after the bot's @username runs /listening,
// /album and /artist for the querying user; their answers become the
// query's results (platforms/telegram/inline_results.hpp).

#include <algorithm>

#include "actors/logging/log.hpp"
#include "actors/multiplatform/telegram_state.hpp"
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
