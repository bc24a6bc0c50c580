#include "runtime/attach_fetch.hpp"

#include <future>
#include <memory>

#include "platforms/json/diag_report.hpp"
#include "platforms/net/http_client.hpp"

namespace lastgram::runtime {

namespace {

/// Why a response that came is not a report, or "" when it is one.
std::string unusable(const net::http_result& r, const std::string& target) {
  if (r.error != net::http_errc::ok)
    return "cannot reach " + target + ": " + net::to_string(r.error)
           + (r.error_text.empty() ? "" : " (" + r.error_text + ")");
  if (r.status != 200) {
    auto body = r.body.substr(0, 200);
    while (!body.empty() && (body.back() == '\n' || body.back() == '\r'))
      body.pop_back();
    return target + " answered HTTP " + std::to_string(r.status)
           + (body.empty() ? "" : ": " + body);
  }
  return {};
}

} // namespace

fetched_report fetch_report(net::http_client& client, const std::string& url,
                            const std::string& target, std::chrono::milliseconds timeout) {
  auto done = std::make_shared<std::promise<net::http_result>>();
  auto answer = done->get_future();
  net::http_call call;
  call.url = url;
  call.timeout = timeout;
  call.headers.emplace_back("Accept", "application/json");
  client.request(std::move(call), [done](net::http_result r) { done->set_value(std::move(r)); });
  fetched_report out;
  // The client's own deadline fires first; this one only guards against a
  // callback that never comes.
  if (answer.wait_for(timeout + std::chrono::seconds{2}) != std::future_status::ready) {
    out.problem = "cannot reach " + target + ": no answer in time";
    return out;
  }
  auto r = answer.get();
  out.problem = unusable(r, target);
  if (!out.problem.empty())
    return out;
  std::string why;
  out.report = json::parse_diag_report(r.body, &why);
  if (!out.report) {
    out.problem = target + " did not answer with a diagnostics report: " + why;
    return out;
  }
  out.body = std::move(r.body);
  return out;
}

} // namespace lastgram::runtime
