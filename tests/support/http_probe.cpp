#include "support/http_probe.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace lastgram::test {

namespace {

bool same_name(std::string_view a, std::string_view b) {
  return a.size() == b.size()
         && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
              return std::tolower(static_cast<unsigned char>(x))
                     == std::tolower(static_cast<unsigned char>(y));
            });
}

std::string trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return std::string{s};
}

} // namespace

std::string http_reply::header(std::string_view name) const {
  for (const auto& [key, value] : headers)
    if (same_name(key, name))
      return value;
  return {};
}

std::string http_request_text(
  std::string_view method, std::string_view target, std::string_view body,
  const std::vector<std::pair<std::string, std::string>>& extra_headers) {
  std::string out;
  out.append(method).append(" ").append(target).append(" HTTP/1.1\r\n");
  out += "Host: 127.0.0.1\r\n";
  for (const auto& [name, value] : extra_headers)
    out.append(name).append(": ").append(value).append("\r\n");
  if (!body.empty() || method == "POST" || method == "PUT")
    out += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  out += "\r\n";
  out.append(body);
  return out;
}

http_probe::http_probe(unsigned short port, std::chrono::milliseconds timeout)
  : timeout_(timeout) {
  connect_to(port, {});
}

http_probe::http_probe(unsigned short port, const std::string& from,
                       std::chrono::milliseconds timeout)
  : timeout_(timeout) {
  connect_to(port, from);
}

void http_probe::connect_to(unsigned short port, const std::string& from) {
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0)
    return;
  bool ok = true;
  if (!from.empty()) {
    sockaddr_in local{};
    local.sin_family = AF_INET;
    ok = ::inet_pton(AF_INET, from.c_str(), &local.sin_addr) == 1
         && ::bind(fd_, reinterpret_cast<sockaddr*>(&local), sizeof(local)) == 0;
  }
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (!ok || ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    ::close(fd_);
    fd_ = -1;
  }
}

http_probe::~http_probe() {
  if (fd_ >= 0)
    ::close(fd_);
}

bool http_probe::send(std::string_view bytes) {
  if (fd_ < 0)
    return false;
  while (!bytes.empty()) {
    auto n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return false;
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

void http_probe::finish_sending() {
  if (fd_ >= 0)
    ::shutdown(fd_, SHUT_WR);
}

bool http_probe::fill() {
  if (fd_ < 0)
    return false;
  pollfd pfd{fd_, POLLIN, 0};
  int ready = 0;
  do {
    ready = ::poll(&pfd, 1, static_cast<int>(timeout_.count()));
  } while (ready < 0 && errno == EINTR);
  if (ready <= 0)
    return false;
  char chunk[4096];
  auto n = ::recv(fd_, chunk, sizeof(chunk), 0);
  if (n <= 0)
    return false;
  buffer_.append(chunk, static_cast<std::size_t>(n));
  return true;
}

std::optional<http_reply> http_probe::read_reply() {
  std::size_t end;
  while ((end = buffer_.find("\r\n\r\n")) == std::string::npos)
    if (!fill())
      return std::nullopt;
  http_reply reply;
  std::string_view head{buffer_.data(), end};
  auto line_end = head.find("\r\n");
  std::string_view status_line = head.substr(0, line_end);
  // "HTTP/1.1 200 OK"
  auto sp1 = status_line.find(' ');
  if (status_line.substr(0, 5) != "HTTP/" || sp1 == std::string_view::npos)
    return std::nullopt;
  reply.status = static_cast<unsigned>(
    std::strtoul(std::string{status_line.substr(sp1 + 1, 3)}.c_str(), nullptr, 10));
  if (status_line.size() > sp1 + 5)
    reply.reason = std::string{status_line.substr(sp1 + 5)};
  while (line_end != std::string_view::npos) {
    auto start = line_end + 2;
    line_end = head.find("\r\n", start);
    auto line = head.substr(start, line_end == std::string_view::npos
                                     ? std::string_view::npos
                                     : line_end - start);
    auto colon = line.find(':');
    if (colon != std::string_view::npos)
      reply.headers.emplace_back(trim(line.substr(0, colon)), trim(line.substr(colon + 1)));
  }
  buffer_.erase(0, end + 4);

  auto length = reply.header("Content-Length");
  if (!length.empty()) {
    auto n = static_cast<std::size_t>(std::strtoull(length.c_str(), nullptr, 10));
    while (buffer_.size() < n)
      if (!fill())
        return std::nullopt;
    reply.body = buffer_.substr(0, n);
    buffer_.erase(0, n);
  } else if (same_name(reply.header("Transfer-Encoding"), "chunked")) {
    for (;;) {
      std::size_t eol;
      while ((eol = buffer_.find("\r\n")) == std::string::npos)
        if (!fill())
          return std::nullopt;
      auto size = static_cast<std::size_t>(
        std::strtoull(buffer_.substr(0, eol).c_str(), nullptr, 16));
      while (buffer_.size() < eol + 2 + size + 2)
        if (!fill())
          return std::nullopt;
      reply.body += buffer_.substr(eol + 2, size);
      buffer_.erase(0, eol + 2 + size + 2);
      if (size == 0)
        break;
    }
  } else if (reply.status >= 200 && reply.status != 204 && reply.status != 304) {
    while (fill()) {
    }
    reply.body = std::move(buffer_);
    buffer_.clear();
  }
  return reply;
}

bool http_probe::closed_by_peer() {
  if (fd_ < 0 || !buffer_.empty())
    return false;
  pollfd pfd{fd_, POLLIN, 0};
  int ready = 0;
  do {
    ready = ::poll(&pfd, 1, static_cast<int>(timeout_.count()));
  } while (ready < 0 && errno == EINTR);
  if (ready <= 0)
    return false;
  char byte;
  auto n = ::recv(fd_, &byte, 1, 0);
  return n == 0 || (n < 0 && errno == ECONNRESET);
}

std::string http_probe::read_all() {
  while (fill()) {
  }
  return std::exchange(buffer_, {});
}

std::optional<http_reply> http_exchange(unsigned short port, std::string_view raw) {
  http_probe probe{port};
  if (!probe.send(raw))
    return std::nullopt;
  return probe.read_reply();
}

} // namespace lastgram::test
