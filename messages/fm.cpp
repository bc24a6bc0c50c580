#include "messages/fm.hpp"

#include <cctype>

namespace lastgram::fm {

std::string_view to_string(fm_errc x) noexcept {
  switch (x) {
    case fm_errc::invalid_service: return "invalid_service";
    case fm_errc::invalid_method: return "invalid_method";
    case fm_errc::auth_failed: return "auth_failed";
    case fm_errc::invalid_format: return "invalid_format";
    case fm_errc::not_found: return "not_found";
    case fm_errc::invalid_resource: return "invalid_resource";
    case fm_errc::operation_failed: return "operation_failed";
    case fm_errc::invalid_session: return "invalid_session";
    case fm_errc::invalid_api_key: return "invalid_api_key";
    case fm_errc::service_offline: return "service_offline";
    case fm_errc::invalid_signature: return "invalid_signature";
    case fm_errc::unauthorized_token: return "unauthorized_token";
    case fm_errc::expired_token: return "expired_token";
    case fm_errc::temporarily_unavailable: return "temporarily_unavailable";
    case fm_errc::login_required: return "login_required";
    case fm_errc::suspended_key: return "suspended_key";
    case fm_errc::rate_limited: return "rate_limited";
    case fm_errc::unknown_lastfm_error: return "unknown_lastfm_error";
    case fm_errc::http_error: return "http_error";
    case fm_errc::timeout: return "timeout";
    case fm_errc::network: return "network";
    case fm_errc::malformed_response: return "malformed_response";
    case fm_errc::busy: return "busy";
    case fm_errc::cancelled: return "cancelled";
  }
  return "unknown";
}

fm_errc from_lastfm_code(int code) noexcept {
  switch (code) {
    case 2: return fm_errc::invalid_service;
    case 3: return fm_errc::invalid_method;
    case 4: return fm_errc::auth_failed;
    case 5: return fm_errc::invalid_format;
    case 6: return fm_errc::not_found;
    case 7: return fm_errc::invalid_resource;
    case 8: return fm_errc::operation_failed;
    case 9: return fm_errc::invalid_session;
    case 10: return fm_errc::invalid_api_key;
    case 11: return fm_errc::service_offline;
    case 13: return fm_errc::invalid_signature;
    case 14: return fm_errc::unauthorized_token;
    case 15: return fm_errc::expired_token;
    case 16: return fm_errc::temporarily_unavailable;
    case 17: return fm_errc::login_required;
    case 26: return fm_errc::suspended_key;
    case 29: return fm_errc::rate_limited;
    default: return fm_errc::unknown_lastfm_error;
  }
}

bool is_transient(fm_errc x) noexcept {
  switch (x) {
    case fm_errc::http_error:
    case fm_errc::timeout:
    case fm_errc::network:
    case fm_errc::operation_failed:
    case fm_errc::service_offline:
    case fm_errc::temporarily_unavailable:
      return true;
    default:
      return false;
  }
}

bool is_transient(const fm_error& e) noexcept {
  if (e.code == fm_errc::http_error && e.http_status >= 400
      && e.http_status < 500)
    return false;
  return is_transient(e.code);
}

std::string_view to_string(period x) noexcept {
  switch (x) {
    case period::overall: return "overall";
    case period::seven_day: return "7day";
    case period::one_month: return "1month";
    case period::three_month: return "3month";
    case period::six_month: return "6month";
    case period::twelve_month: return "12month";
  }
  return "overall";
}

std::optional<period> period_from_string(std::string_view str) noexcept {
  auto same = [](std::string_view a, std::string_view b) {
    if (a.size() != b.size())
      return false;
    for (std::size_t i = 0; i < a.size(); ++i)
      if (std::tolower(static_cast<unsigned char>(a[i])) != b[i])
        return false;
    return true;
  };
  for (auto p : {period::overall, period::seven_day, period::one_month,
                 period::three_month, period::six_month,
                 period::twelve_month})
    if (same(str, to_string(p)))
      return p;
  return std::nullopt;
}

std::string_view to_string(top_kind x) noexcept {
  switch (x) {
    case top_kind::artists: return "artists";
    case top_kind::albums: return "albums";
    case top_kind::tracks: return "tracks";
  }
  return "artists";
}

} // namespace lastgram::fm
