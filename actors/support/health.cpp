#include "actors/support/health.hpp"

#include <algorithm>

namespace lastgram {

engine_status& health_board::find_or_add(std::string_view engine) {
  auto i = std::find_if(engines_.begin(), engines_.end(),
                        [&](auto& x) { return x.engine == engine; });
  if (i != engines_.end())
    return *i;
  engines_.push_back(engine_status{std::string{engine}, false, 0, {}});
  return engines_.back();
}

void health_board::declare(std::string_view engine) {
  std::lock_guard<std::mutex> guard{mtx_};
  find_or_add(engine);
}

void health_board::set_ready(std::string_view engine, bool ready) {
  std::lock_guard<std::mutex> guard{mtx_};
  find_or_add(engine).ready = ready;
}

void health_board::record_exit(std::string_view engine, std::string reason,
                               bool restarted) {
  std::lock_guard<std::mutex> guard{mtx_};
  auto& st = find_or_add(engine);
  st.last_exit_reason = std::move(reason);
  if (restarted)
    ++st.restarts;
}

bool health_board::all_ready() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return std::all_of(engines_.begin(), engines_.end(),
                     [](auto& x) { return x.ready; });
}

std::vector<engine_status> health_board::snapshot() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return engines_;
}

std::int64_t health_board::restarts(std::string_view engine) const {
  std::lock_guard<std::mutex> guard{mtx_};
  for (auto& x : engines_)
    if (x.engine == engine)
      return x.restarts;
  return 0;
}

} // namespace lastgram
