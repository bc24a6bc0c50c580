#pragma once

// Internal to actors/server: the request parser the sessions use.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

namespace lastgram::server::detail {

/// Beast's request parser, with the header limit applied to the trailer
/// section of a chunked body too (Beast applies it to the head only), and a
/// field Beast cannot store (64 KB or more) refused with header_limit
/// instead of an exception thrown out of the read.
class request_parser final
  : public boost::beast::http::request_parser<boost::beast::http::string_body> {
public:
  explicit request_parser(std::uint32_t limit);

private:
  void on_field_impl(boost::beast::http::field name, boost::beast::string_view name_string,
                     boost::beast::string_view value, boost::beast::error_code& ec) override;

  std::uint32_t limit_;
  std::size_t trailer_bytes_ = 0;
};

/// True when Beast can store a field of this name and value: each under
/// 64 KB (basic_fields throws std::length_error otherwise).
bool storable_field(std::string_view name, std::string_view value);

/// The most a session's read buffer may hold: a head (or trailer section)
/// of `header_limit` bytes plus room for what follows it. A trailer section
/// or chunk header that does not fit fails the read with buffer_overflow.
std::size_t read_buffer_size(std::uint32_t header_limit);

} // namespace lastgram::server::detail
