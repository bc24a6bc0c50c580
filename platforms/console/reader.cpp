#include "platforms/console/reader.hpp"

#include <cerrno>
#include <poll.h>
#include <unistd.h>

namespace lastgram::console {

void line_reader::start(int fd, line_handler on_line, eof_handler on_eof) {
  stop_ = false;
  thread_ = std::thread{[this, fd, on_line = std::move(on_line),
                         on_eof = std::move(on_eof)]() mutable {
    run(fd, std::move(on_line), std::move(on_eof));
  }};
}

void line_reader::stop() {
  stop_ = true;
  if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id())
    thread_.join();
}

void line_reader::run(int fd, line_handler on_line, eof_handler on_eof) {
  std::string pending;
  char buf[4096];
  auto emit = [&](std::string line) {
    if (!line.empty() && line.back() == '\r')
      line.pop_back();
    on_line(std::move(line));
  };
  while (!stop_) {
    pollfd pfd{fd, POLLIN, 0};
    int rc = ::poll(&pfd, 1, 100);
    if (rc < 0 && errno == EINTR)
      continue;
    if (rc <= 0)
      continue;
    auto n = ::read(fd, buf, sizeof(buf));
    if (n < 0 && (errno == EINTR || errno == EAGAIN))
      continue;
    if (n <= 0)
      break;
    pending.append(buf, static_cast<size_t>(n));
    size_t start = 0;
    for (size_t nl; (nl = pending.find('\n', start)) != std::string::npos;
         start = nl + 1)
      emit(pending.substr(start, nl - start));
    pending.erase(0, start);
  }
  if (stop_)
    return;
  if (!pending.empty())
    emit(std::move(pending));
  on_eof();
}

} // namespace lastgram::console
