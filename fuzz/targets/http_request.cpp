// HTTP requests as the server's sessions read them: Beast's parser with our
// header and trailer limits, fed through a read buffer of the session's size,
// several requests in a row on one kept-alive connection.

#include "fuzz/targets.hpp"

#include <algorithm>

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/error.hpp>

#include "actors/server/detail/request_parser.hpp"

namespace lastgram::fuzz {

namespace {

namespace http = boost::beast::http;

// The smallest limits the configuration allows, so inputs reach them.
constexpr std::uint32_t header_limit = 1024;
constexpr std::uint64_t body_limit = 1024;
// Requests read from one connection before the input is dropped.
constexpr int max_requests = 8;

// Reads one request from `in` (advancing it); false when the connection
// would be closed afterwards.
bool read_one(std::string_view& in) {
  server::detail::request_parser parser(header_limit);
  parser.body_limit(body_limit);
  const auto window_limit = server::detail::read_buffer_size(header_limit);
  boost::beast::error_code ec;
  while (!parser.is_done()) {
    auto window = std::min(in.size(), window_limit);
    if (window == 0) {
      parser.put_eof(ec);
      break;
    }
    auto used = parser.put(boost::asio::buffer(in.data(), window), ec);
    in.remove_prefix(used);
    if (ec == http::error::need_more) {
      if (window == window_limit)
        return false; // buffer_overflow: answered 431
      ec = {};
      if (used == 0) {
        // The rest of the input does not complete what was started.
        in = {};
        parser.put_eof(ec);
        break;
      }
      continue;
    }
    if (ec)
      return false;
    if (parser.is_header_done())
      parser.eager(true);
  }
  if (ec || !parser.is_done())
    return false;
  auto request = parser.release();
  require(request.body().size() <= body_limit, "http_request", "a body over the limit");
  std::size_t head = request.target().size() + request.method_string().size();
  for (const auto& field : request)
    head += field.name_string().size() + field.value().size();
  // The trailer fields are in the same container, under the same limit.
  require(head <= 2 * std::size_t{header_limit}, "http_request", "fields over the limits");
  return request.keep_alive();
}

} // namespace

void fuzz_http_request(const std::uint8_t* data, std::size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  for (int n = 0; n < max_requests && !in.empty(); ++n)
    if (!read_one(in))
      return;
}

} // namespace lastgram::fuzz
