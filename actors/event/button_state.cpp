#include "actors/event/button_state.hpp"

#include <array>
#include <charconv>
#include <cstdint>
#include <random>

namespace lastgram::event {

namespace {

constexpr std::string_view alphabet
  = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

bool url_safe(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'
         || c == '_';
}

std::mt19937_64& generator() {
  // Seeded with 256 bits from the OS once per thread: the hot path takes no
  // lock and makes no system call.
  thread_local std::mt19937_64 gen = [] {
    std::random_device rd;
    std::array<std::uint32_t, 8> seed;
    for (auto& x : seed)
      x = rd();
    std::seed_seq seq(seed.begin(), seed.end());
    return std::mt19937_64{seq};
  }();
  return gen;
}

/// Reads a decimal number up to `sep` at the front of `in` and drops both.
std::optional<std::uint64_t> take_number(std::string_view& in, char sep) {
  auto end = in.find(sep);
  if (end == std::string_view::npos || end == 0 || end > 19)
    return std::nullopt;
  std::uint64_t n = 0;
  auto res = std::from_chars(in.data(), in.data() + end, n);
  if (res.ec != std::errc{} || res.ptr != in.data() + end)
    return std::nullopt;
  in.remove_prefix(end + 1);
  return n;
}

} // namespace

std::string make_token() {
  auto& gen = generator();
  std::string out(token_length, '\0');
  std::uint64_t bits = 0;
  int left = 0;
  for (auto& c : out) {
    if (left < 6) {
      bits = gen();
      left = 64;
    }
    c = alphabet[bits & 63u];
    bits >>= 6;
    left -= 6;
  }
  return out;
}

std::string_view token_of(std::string_view data) {
  if (data.size() != callback_prefix.size() + token_length
      || data.substr(0, callback_prefix.size()) != callback_prefix)
    return {};
  auto token = data.substr(callback_prefix.size());
  for (char c : token)
    if (!url_safe(c))
      return {};
  return token;
}

namespace {

/// Between the command and each argument: a byte no argument contains.
constexpr char arg_separator = '\x1f';

} // namespace

std::string encode(const button_state& state) {
  auto platform = std::to_string(static_cast<unsigned>(state.platform));
  auto owner_len = std::to_string(state.owner.size());
  std::string out;
  out.reserve(platform.size() + owner_len.size() + 2 + state.owner.size()
              + state.command.size());
  out.append(platform).append(1, ':').append(owner_len).append(1, ':');
  out.append(state.owner).append(state.command);
  for (const auto& arg : state.args)
    out.append(1, arg_separator).append(arg);
  return out;
}

std::optional<button_state> decode(std::string_view value) {
  auto platform = take_number(value, ':');
  if (!platform || *platform > static_cast<unsigned>(platform_kind::discord))
    return std::nullopt;
  auto owner_len = take_number(value, ':');
  if (!owner_len || *owner_len > value.size())
    return std::nullopt;
  button_state out;
  out.platform = static_cast<platform_kind>(*platform);
  out.owner = std::string{value.substr(0, *owner_len)};
  auto rest = value.substr(*owner_len);
  auto cut = rest.find(arg_separator);
  out.command = std::string{rest.substr(0, cut)};
  if (out.command.empty())
    return std::nullopt;
  while (cut != std::string_view::npos) {
    rest = rest.substr(cut + 1);
    cut = rest.find(arg_separator);
    out.args.emplace_back(rest.substr(0, cut));
  }
  return out;
}

} // namespace lastgram::event
