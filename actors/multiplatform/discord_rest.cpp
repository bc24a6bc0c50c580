// REST calls of the Discord actor: each waits for its route's bucket and the
// global limit, and is retried on 429 (after what Discord asks), 5xx and
// network errors (with a doubling backoff) within its deadline and
// max_rest_attempts. An interaction answered too late (10062) is counted,
// not retried; a refused body (400) is logged with its field paths. A call
// given up is counted, and when a user waits for what it carries, they get
// errors.generic instead (once: that message is not replaced in turn).

#include <algorithm>

#include "actors/logging/log.hpp"
#include "actors/multiplatform/discord_state.hpp"
#include "platforms/discord/markdown.hpp"

namespace lastgram::multiplatform::detail {

namespace {

using namespace std::chrono_literals;

void schedule(dc_self self, std::uint64_t id, dc_clock::duration wait) {
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(wait) + 1ms;
  self->delayed_send(self, ms, dc_rest_atom::value, id);
}

bool retryable(const discord::rest_result& res) {
  return res.network_error || res.status == 429 || res.status >= 500;
}

/// The wait before the next attempt of `job` after `res`.
dc_clock::duration next_wait(dc_self self, const rest_job& job, const discord::rest_result& res) {
  if (res.status == 429)
    return std::chrono::duration_cast<dc_clock::duration>(
      std::chrono::duration<double>(std::max(res.retry_after_s, 0.05)));
  const auto& s = self->state.opts->settings;
  return retry_backoff(job.attempts, std::chrono::milliseconds{s.rest_retry_base_ms},
                       std::chrono::milliseconds{s.rest_retry_max_ms});
}

/// A call Discord kept failing: counted, and replaced by errors.generic
/// when someone waits for it.
void give_up(dc_self self, rest_job& job) {
  auto& st = self->state;
  st.gave_up.inc();
  if (!job.purpose.user_waits)
    return;
  auto r = plain_reply(self, job.purpose.language, "errors.generic");
  rest_purpose fallback;
  fallback.inbox_id = job.purpose.inbox_id;
  rest_send(self, job.method, job.path, discord::message_json(r), 60s, nullptr, 0ms,
            std::move(fallback));
}

/// Ends the call at `it`; one given up (`gave_up`) is replaced first, so
/// that its inbox interaction waits for the replacement too.
void end_job(dc_self self, std::unordered_map<std::uint64_t, rest_job>::iterator it, bool ok,
             bool gave_up = false) {
  auto& st = self->state;
  auto job = std::move(it->second);
  st.calls.erase(it);
  if (gave_up)
    give_up(self, job);
  inbox_call_over(self, job.purpose, ok);
  finish_drains(self);
}

} // namespace

std::chrono::milliseconds retry_backoff(int attempts, std::chrono::milliseconds base,
                                        std::chrono::milliseconds max) {
  auto wait = base;
  for (int k = 1; k < attempts && wait < max; ++k)
    wait *= 2;
  return std::min(wait, max);
}

void finish_drains(dc_self self) {
  auto& st = self->state;
  auto left = static_cast<std::int64_t>(st.open.size() + st.calls.size());
  auto now = dc_clock::now();
  auto it = st.drains.begin();
  while (it != st.drains.end()) {
    if (left == 0 || now >= it->second) {
      it->first.deliver(left);
      it = st.drains.erase(it);
    } else {
      ++it;
    }
  }
}

void rest_send(dc_self self, std::string method, std::string path, std::string body,
               std::chrono::milliseconds deadline_after,
               std::shared_ptr<const std::string> jpeg, std::chrono::milliseconds start_after,
               rest_purpose purpose) {
  auto& st = self->state;
  auto id = st.next_call++;
  rest_job job;
  job.route = discord::route_of(method, path);
  job.method = std::move(method);
  job.path = std::move(path);
  job.body = std::move(body);
  job.jpeg = std::move(jpeg);
  job.deadline = dc_clock::now() + deadline_after;
  job.purpose = std::move(purpose);
  inbox_call_started(self, job.purpose);
  st.calls.emplace(id, std::move(job));
  if (start_after.count() > 0)
    schedule(self, id, start_after);
  else
    rest_go(self, id);
}

void rest_go(dc_self self, std::uint64_t id) {
  auto& st = self->state;
  auto it = st.calls.find(id);
  if (it == st.calls.end())
    return;
  auto& job = it->second;
  auto wait = st.limits.wait_for(job.route, dc_clock::now());
  if (wait.count() > 0) {
    schedule(self, id, wait);
    return;
  }
  ++job.attempts;
  caf::actor_addr addr = self->address();
  auto done = [addr, id](discord::rest_result res) {
    if (auto hdl = caf::actor_cast<caf::actor>(addr))
      caf::anon_send(hdl, dc_done_atom::value, id, std::move(res));
  };
  if (job.jpeg)
    st.rest->call_with_jpeg(job.method, job.path, job.body, *job.jpeg, std::move(done));
  else
    st.rest->call(job.method, job.path, job.body, std::move(done));
}

void rest_done(dc_self self, std::uint64_t id, discord::rest_result& res) {
  auto& st = self->state;
  auto it = st.calls.find(id);
  if (it == st.calls.end())
    return;
  auto& job = it->second;
  auto now = dc_clock::now();
  st.limits.learn(job.route, res, now);
  if (res.status >= 200 && res.status < 300) {
    end_job(self, it, true);
    return;
  }
  if (res.code == discord::unknown_interaction) {
    st.too_late.inc();
    log::warn("discord", "interaction answered too late (unknown interaction)",
              {{"route", job.route}});
    end_job(self, it, false);
    return;
  }
  bool again = retryable(res);
  if (again && job.attempts < max_rest_attempts && now < job.deadline) {
    auto wait = next_wait(self, job, res);
    if (now + wait < job.deadline) {
      schedule(self, id, wait);
      return;
    }
  }
  log::warn("discord", again ? "REST call given up" : "REST call failed",
            {{"route", job.route}, log::kv("status", static_cast<std::int64_t>(res.status)),
             log::kv("code", static_cast<std::int64_t>(res.code)), {"error", res.message},
             log::kv("attempts", static_cast<std::int64_t>(job.attempts))});
  end_job(self, it, false, again);
}

} // namespace lastgram::multiplatform::detail
