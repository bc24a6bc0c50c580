#pragma once

#include <atomic>
#include <functional>
#include <string>
#include <thread>

namespace lastgram::console {

/// Reads lines from a file descriptor (standard input) on its own thread, so
/// that no actor ever blocks on a terminal. stop() ends it within ~100 ms
/// even while nothing is typed (it polls rather than blocking in read).
class line_reader {
public:
  using line_handler = std::function<void(std::string)>;
  using eof_handler = std::function<void()>;

  line_reader() = default;
  ~line_reader() { stop(); }
  line_reader(const line_reader&) = delete;
  line_reader& operator=(const line_reader&) = delete;

  /// Starts reading `fd`; each complete line (without its newline, and
  /// without a trailing '\r') goes to on_line, end of input to on_eof.
  void start(int fd, line_handler on_line, eof_handler on_eof);
  /// Stops taking input (idempotent).
  void stop();

private:
  void run(int fd, line_handler on_line, eof_handler on_eof);

  std::atomic<bool> stop_{false};
  std::thread thread_;
};

} // namespace lastgram::console
