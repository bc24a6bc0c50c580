#include "runtime/supervisor.hpp"

#include <chrono>
#include <deque>

#include "caf/all.hpp"

#include "actors/logging/log.hpp"
#include "actors/logging/metrics.hpp"
#include "actors/support/health.hpp"
#include "messages/atoms.hpp"

namespace lastgram::runtime {

namespace {

using clock_type = std::chrono::steady_clock;

struct child_state {
  child_spec spec;
  caf::actor handle;
  std::deque<clock_type::time_point> restarts;
  bool restart_pending = false;
};

struct supervisor_state {
  supervisor_spec spec;
  std::vector<child_state> children;
  bool stopping = false;
  static inline const char* name = "supervisor";
};

using supervisor_actor = caf::stateful_actor<supervisor_state>;

void start_child(supervisor_actor* self, child_state& child) {
  auto& st = self->state;
  child.handle = child.spec.spawn(self);
  self->monitor(child.handle);
  if (st.spec.health && !child.spec.reports_ready)
    st.spec.health->set_ready(child.spec.name, true);
}

child_state* find_child(supervisor_actor* self, const caf::actor_addr& addr) {
  for (auto& child : self->state.children)
    if (child.handle && child.handle.address() == addr)
      return &child;
  return nullptr;
}

void on_child_down(supervisor_actor* self, const caf::down_msg& msg) {
  auto& st = self->state;
  auto* child = find_child(self, msg.source);
  if (child == nullptr)
    return;
  child->handle = nullptr;
  if (st.spec.health)
    st.spec.health->set_ready(child->spec.name, false);
  if (st.stopping) {
    bool all_down = true;
    for (auto& c : st.children)
      all_down = all_down && !c.handle;
    if (all_down)
      self->quit(caf::exit_reason::user_shutdown);
    return;
  }
  auto reason = self->system().render(msg.reason);
  if (!msg.reason || msg.reason == caf::exit_reason::user_shutdown) {
    // A child that ends on purpose is not restarted.
    log::info("supervisor", "child stopped",
              {{"engine", st.spec.engine}, {"child", child->spec.name},
               {"reason", reason}});
    if (st.spec.health)
      st.spec.health->record_exit(child->spec.name, reason, false);
    return;
  }
  auto now = clock_type::now();
  auto window = std::chrono::seconds{st.spec.policy.restart_window_seconds};
  while (!child->restarts.empty() && now - child->restarts.front() > window)
    child->restarts.pop_front();
  if (static_cast<std::int64_t>(child->restarts.size())
      >= st.spec.policy.max_restarts) {
    log::error("supervisor", "restart limit reached, escalating",
               {{"engine", st.spec.engine}, {"child", child->spec.name},
                {"reason", reason},
                {"restarts", std::to_string(child->restarts.size())}});
    if (st.spec.health)
      st.spec.health->record_exit(child->spec.name, reason, false);
    for (auto& c : st.children)
      if (c.handle)
        self->send_exit(c.handle, caf::exit_reason::user_shutdown);
    self->quit(caf::make_error(caf::sec::runtime_error,
                               "child " + child->spec.name
                                 + " exceeded its restart limit: " + reason));
    return;
  }
  child->restarts.push_back(now);
  auto attempt = static_cast<int>(child->restarts.size());
  auto delay = restart_backoff_ms(st.spec.policy, attempt);
  log::warn("supervisor", "child died, restarting",
            {{"engine", st.spec.engine}, {"child", child->spec.name},
             {"reason", reason}, {"attempt", std::to_string(attempt)},
             {"backoff_ms", std::to_string(delay)}});
  if (st.spec.health)
    st.spec.health->record_exit(child->spec.name, reason, true);
  metrics::actor_restarted(child->spec.name);
  child->restart_pending = true;
  self->delayed_send(self, std::chrono::milliseconds{delay}, restart_atom::value,
                     child->spec.name);
}

caf::behavior supervisor_impl(supervisor_actor* self, supervisor_spec spec) {
  auto& st = self->state;
  st.spec = std::move(spec);
  for (auto& c : st.spec.children) {
    if (st.spec.health)
      st.spec.health->declare(c.name);
    st.children.push_back(child_state{c, nullptr, {}, false});
  }
  st.spec.children.clear();
  for (auto& child : st.children)
    start_child(self, child);
  self->set_down_handler(
    [self](caf::down_msg& msg) { on_child_down(self, msg); });
  self->set_exit_handler([self](caf::exit_msg& msg) {
    // Parent or node asks us to stop: stop the children first, then quit
    // once they are all down (so the tree stops bottom-up).
    auto& state = self->state;
    if (msg.reason == caf::exit_reason::kill) {
      self->quit(msg.reason);
      return;
    }
    state.stopping = true;
    bool any = false;
    for (auto& c : state.children)
      if (c.handle) {
        any = true;
        self->send_exit(c.handle, caf::exit_reason::user_shutdown);
      }
    if (!any)
      self->quit(caf::exit_reason::user_shutdown);
  });
  if (st.spec.forward_to_first_child && !st.children.empty()) {
    self->set_default_handler(
      [self](caf::scheduled_actor*,
             caf::message_view& view) -> caf::result<caf::message> {
        auto& first = self->state.children.front();
        if (!first.handle || self->state.stopping)
          return caf::make_error(caf::sec::request_receiver_down);
        return self->delegate(first.handle, view.move_content_to_message());
      });
  }
  return {
    [self](restart_atom, const std::string& name) {
      auto& state = self->state;
      if (state.stopping)
        return;
      for (auto& child : state.children)
        if (child.spec.name == name && child.restart_pending) {
          child.restart_pending = false;
          start_child(self, child);
          log::info("supervisor", "child restarted",
                    {{"engine", state.spec.engine}, {"child", name}});
        }
    },
  };
}

} // namespace

std::int64_t restart_backoff_ms(const supervision_settings& policy,
                                int attempt) {
  std::int64_t delay = policy.backoff_initial_ms;
  for (int i = 1; i < attempt && delay < policy.backoff_max_ms; ++i)
    delay *= 2;
  return std::min(delay, policy.backoff_max_ms);
}

caf::actor spawn_supervisor(caf::actor_system& sys, supervisor_spec spec) {
  return sys.spawn(supervisor_impl, std::move(spec));
}

caf::actor spawn_supervisor(caf::local_actor* parent, supervisor_spec spec) {
  return parent->spawn(supervisor_impl, std::move(spec));
}

} // namespace lastgram::runtime
