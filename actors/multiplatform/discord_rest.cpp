// REST calls of the Discord actor: each waits for its route's bucket and the
// global limit, and is retried on 429 (after retry_after), 5xx and network
// errors within its deadline. An interaction answered too late (10062) is
// counted, not retried; a refused body (400) is logged with its field paths.

#include "actors/logging/log.hpp"
#include "actors/multiplatform/discord_state.hpp"

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

} // namespace

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
               std::shared_ptr<const std::string> jpeg, std::chrono::milliseconds start_after) {
  auto& st = self->state;
  auto id = st.next_call++;
  rest_job job;
  job.route = discord::route_of(method, path);
  job.method = std::move(method);
  job.path = std::move(path);
  job.body = std::move(body);
  job.jpeg = std::move(jpeg);
  job.deadline = dc_clock::now() + deadline_after;
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
    st.calls.erase(it);
    finish_drains(self);
    return;
  }
  if (res.code == discord::unknown_interaction) {
    st.too_late.inc();
    log::warn("discord", "interaction answered too late (unknown interaction)",
              {{"route", job.route}});
    st.calls.erase(it);
    finish_drains(self);
    return;
  }
  if (retryable(res) && job.attempts < max_rest_attempts && now < job.deadline) {
    auto wait = res.status == 429
                  ? std::chrono::duration_cast<dc_clock::duration>(
                      std::chrono::duration<double>(std::max(res.retry_after_s, 0.05)))
                  : std::chrono::duration_cast<dc_clock::duration>(250ms * (1 << job.attempts));
    if (now + wait < job.deadline) {
      schedule(self, id, wait);
      return;
    }
  }
  log::warn("discord", "REST call failed",
            {{"route", job.route}, log::kv("status", static_cast<std::int64_t>(res.status)),
             log::kv("code", static_cast<std::int64_t>(res.code)), {"error", res.message},
             log::kv("attempts", static_cast<std::int64_t>(job.attempts))});
  st.calls.erase(it);
  finish_drains(self);
}

} // namespace lastgram::multiplatform::detail
