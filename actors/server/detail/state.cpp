#include "actors/server/detail/state.hpp"

#include <string>

#include "actors/logging/log.hpp"
#include "actors/logging/metrics.hpp"

namespace lastgram::server::detail {

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
