#include "actors/server/detail/state.hpp"

#include <algorithm>
#include <string>

#include "actors/logging/log.hpp"
#include "actors/logging/metrics.hpp"

namespace lastgram::server::detail {

admission::admission(std::size_t max_total, std::size_t per_address,
                     std::size_t loopback_reserve)
  : max_total_(std::max<std::size_t>(1, max_total)),
    per_address_(std::max<std::size_t>(1, per_address)),
    loopback_reserve_(std::min(loopback_reserve, max_total_ - 1)) {}

admission::verdict admission::try_admit(const std::string& address, bool loopback) {
  std::lock_guard<std::mutex> guard{mtx_};
  auto limit = loopback ? max_total_ : max_total_ - loopback_reserve_;
  if (total_ >= limit)
    return verdict::server_full;
  auto& mine = by_address_[address];
  if (mine >= per_address_)
    return verdict::address_full;
  ++mine;
  ++total_;
  return verdict::admitted;
}

void admission::release(const std::string& address) {
  std::lock_guard<std::mutex> guard{mtx_};
  auto it = by_address_.find(address);
  if (it == by_address_.end() || it->second == 0)
    return;
  if (--it->second == 0)
    by_address_.erase(it);
  --total_;
}

std::size_t admission::in_use() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return total_;
}

std::size_t loopback_reserve_for(std::size_t max_total) {
  return std::min<std::size_t>(8, max_total / 8);
}

bool is_loopback(const boost::asio::ip::address& address) {
  namespace ip = boost::asio::ip;
  return address.is_loopback()
         || (address.is_v6() && address.to_v6().is_v4_mapped()
             && ip::make_address_v4(ip::v4_mapped, address.to_v6()).is_loopback());
}

void fail(boost::beast::error_code ec, std::string_view what) {
  // Clients vanish all the time; that is not worth more than debug.
  log::debug(engine_name, "connection error",
             {log::kv("op", what), log::kv("error", ec.message())});
}

void count_request(const std::string& route, unsigned status) {
  metrics::get_counter("lastgram_http_requests_total",
                       "HTTP requests served, by route and status.",
                       {{"route", route}, {"status", std::to_string(status)}})
    .inc();
}

} // namespace lastgram::server::detail
