#pragma once

// Internal to `lastgram attach`: the terminal of the live view (raw mode,
// alternate screen, signals, keys, drawing).

#include <string>
#include <string_view>
#include <vector>

#include <signal.h>
#include <termios.h>

namespace lastgram::runtime {

/// Raw mode, alternate screen and hidden cursor for as long as it lives;
/// restores the terminal and the signal dispositions on destruction.
/// SIGINT, SIGTERM and SIGHUP make signal_fd() readable. One at a time.
class terminal_session {
public:
  terminal_session(bool raw_input, bool screen);
  ~terminal_session();

  terminal_session(const terminal_session&) = delete;
  terminal_session& operator=(const terminal_session&) = delete;

  /// Readable once a signal arrived (-1 when the handlers could not be set),
  /// so that poll() wakes up whichever thread the signal lands on.
  int signal_fd() const;

private:
  static constexpr int signals_[3] = {SIGINT, SIGTERM, SIGHUP};
  struct sigaction previous_[3] {};
  bool handlers_ = false;
  struct termios saved_ {};
  bool raw_ = false;
  bool screen_ = false;
};

/// The size of the terminal on standard output; unchanged when unknown.
void terminal_size(int& width, int& height);

enum class key_action { none, quit, next, previous, pause, refresh };

/// Turns the bytes read into actions (Shift-Tab is ESC [ Z).
std::vector<key_action> decode_keys(std::string_view bytes);

/// Draws `text` over the previous frame, clearing what it leaves.
void draw(const std::string& text);

} // namespace lastgram::runtime
