#include "platforms/net/detail/connection_pool.hpp"

#include <algorithm>

namespace lastgram::net::detail {

connection_pool::connection_pool(limits lim) : limits_(lim) {
  limits_.per_host = std::max<std::size_t>(limits_.per_host, 1);
}

connection_pool::lease connection_pool::acquire(const std::string& origin, std::uint64_t id,
                                                grant_fn grant) {
  std::unique_lock<std::mutex> guard(mutex_);
  if (closed_)
    return {outcome::closed, nullptr};
  auto& st = origins_[origin];
  auto now = std::chrono::steady_clock::now();
  // Most recently used first: the likeliest to be alive, and the older ones
  // age out.
  while (!st.idle.empty()) {
    auto conn = std::move(st.idle.back());
    st.idle.pop_back();
    if (now - conn->idle_since < limits_.idle_timeout && conn->looks_reusable())
      return {outcome::reuse, std::move(conn)};
    conn->close();
    --st.open;
  }
  if (st.open < limits_.per_host) {
    ++st.open;
    return {outcome::open_new, nullptr};
  }
  if (st.waiters.size() >= limits_.queued_per_host)
    return {outcome::queue_full, nullptr};
  st.waiters.push_back(waiter{id, std::move(grant)});
  return {outcome::queued, nullptr};
}

void connection_pool::release(const std::string& origin, std::unique_ptr<http_connection> conn) {
  std::unique_ptr<http_connection> doomed;
  {
    std::lock_guard<std::mutex> guard(mutex_);
    auto& st = origins_[origin];
    if (closed_) {
      doomed = std::move(conn);
      --st.open;
    } else if (!st.waiters.empty()) {
      auto next = std::move(st.waiters.front());
      st.waiters.pop_front();
      next.grant(std::move(conn));
    } else if (conn) {
      conn->idle_since = std::chrono::steady_clock::now();
      st.idle.push_back(std::move(conn));
    } else {
      --st.open;
    }
  }
  if (doomed)
    doomed->close();
}

void connection_pool::forget(const std::string& origin, std::uint64_t id) {
  std::lock_guard<std::mutex> guard(mutex_);
  auto it = origins_.find(origin);
  if (it == origins_.end())
    return;
  auto& ws = it->second.waiters;
  ws.erase(std::remove_if(ws.begin(), ws.end(), [id](const waiter& w) { return w.id == id; }),
           ws.end());
}

std::optional<tcp::resolver::results_type>
connection_pool::cached_endpoints(const std::string& host_port) {
  std::lock_guard<std::mutex> guard(mutex_);
  auto it = dns_.find(host_port);
  if (it == dns_.end())
    return std::nullopt;
  if (std::chrono::steady_clock::now() >= it->second.expires) {
    dns_.erase(it);
    return std::nullopt;
  }
  return it->second.endpoints;
}

void connection_pool::remember_endpoints(const std::string& host_port,
                                         tcp::resolver::results_type endpoints) {
  std::lock_guard<std::mutex> guard(mutex_);
  dns_[host_port] = dns_entry{std::move(endpoints), std::chrono::steady_clock::now() + limits_.dns_ttl};
}

void connection_pool::forget_endpoints(const std::string& host_port) {
  std::lock_guard<std::mutex> guard(mutex_);
  dns_.erase(host_port);
}

void connection_pool::close() {
  std::vector<std::unique_ptr<http_connection>> doomed;
  {
    std::lock_guard<std::mutex> guard(mutex_);
    closed_ = true;
    for (auto& [origin, st] : origins_) {
      st.open -= st.idle.size();
      for (auto& conn : st.idle)
        doomed.push_back(std::move(conn));
      st.idle.clear();
      // The waiters are live requests; the client cancels each of them.
      st.waiters.clear();
    }
  }
  for (auto& conn : doomed)
    conn->close();
}

std::size_t connection_pool::open_count(const std::string& origin) {
  std::lock_guard<std::mutex> guard(mutex_);
  auto it = origins_.find(origin);
  return it == origins_.end() ? 0 : it->second.open;
}

} // namespace lastgram::net::detail
