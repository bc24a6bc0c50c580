#include "actors/server/detail/request_parser.hpp"

#include <cstdint>
#include <exception>
#include <limits>

#include <boost/beast/http/error.hpp>

namespace lastgram::server::detail {

namespace beast = boost::beast;
namespace http = beast::http;

namespace {

// basic_fields stores offsets as 16-bit numbers and throws std::length_error
// for a name or value (plus its ": " or "\r\n") that does not fit.
constexpr std::size_t max_field_size =
  std::numeric_limits<std::uint16_t>::max() - 2;

// A field line costs its name, value, ": " and "\r\n".
constexpr std::size_t field_overhead = 4;

} // namespace

request_parser::request_parser(std::uint32_t limit) : limit_(limit) {
  header_limit(limit);
}

void request_parser::on_field_impl(http::field name, beast::string_view name_string,
                                   beast::string_view value, beast::error_code& ec) {
  if (is_header_done()) {
    // A trailer field: Beast checks no limit here.
    trailer_bytes_ += name_string.size() + value.size() + field_overhead;
    if (trailer_bytes_ > limit_) {
      ec = http::error::header_limit;
      return;
    }
  }
  if (!storable_field({name_string.data(), name_string.size()}, {value.data(), value.size()})) {
    ec = http::error::header_limit;
    return;
  }
  try {
    get().insert(name, name_string, value);
  } catch (const std::exception&) {
    // Out of memory, in effect: refuse the request instead of the thread.
    ec = http::error::header_limit;
  }
}

bool storable_field(std::string_view name, std::string_view value) {
  return name.size() <= max_field_size && value.size() <= max_field_size;
}

std::size_t read_buffer_size(std::uint32_t header_limit) {
  return std::size_t{header_limit} + 8192;
}

} // namespace lastgram::server::detail
