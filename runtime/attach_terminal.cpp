#include "runtime/attach_terminal.hpp"

#include <cerrno>
#include <cstdio>

#include <fcntl.h>
#include <sys/ioctl.h>
#include <unistd.h>

namespace lastgram::runtime {

namespace {

// Signals end the view through this pipe, so that poll() wakes up whichever
// thread the signal lands on.
int signal_pipe[2] = {-1, -1};

extern "C" void on_attach_signal(int signo) {
  auto saved = errno;
  unsigned char b = static_cast<unsigned char>(signo);
  [[maybe_unused]] auto n = ::write(signal_pipe[1], &b, 1);
  errno = saved;
}

} // namespace

terminal_session::terminal_session(bool raw_input, bool screen) : screen_(screen) {
  if (::pipe(signal_pipe) == 0) {
    for (int fd : signal_pipe)
      ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
    struct sigaction sa {};
    sa.sa_handler = on_attach_signal;
    sigemptyset(&sa.sa_mask);
    for (int i = 0; i < 3; ++i)
      ::sigaction(signals_[i], &sa, &previous_[i]);
    handlers_ = true;
  }
  if (raw_input && ::tcgetattr(STDIN_FILENO, &saved_) == 0) {
    auto raw = saved_;
    // Keys arrive one by one, unechoed; Ctrl-C is a key (quit), not a signal.
    raw.c_lflag &= ~static_cast<tcflag_t>(ICANON | ECHO | ISIG | IEXTEN);
    raw.c_iflag &= ~static_cast<tcflag_t>(IXON | ICRNL);
    raw.c_cc[VMIN] = 1;
    raw.c_cc[VTIME] = 0;
    raw_ = ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &raw) == 0;
  }
  if (screen_) {
    std::fputs("\x1b[?1049h\x1b[?25l", stdout);
    std::fflush(stdout);
  }
}

terminal_session::~terminal_session() {
  if (screen_) {
    std::fputs("\x1b[?25h\x1b[?1049l", stdout);
    std::fflush(stdout);
  }
  if (raw_)
    ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_);
  if (handlers_) {
    for (int i = 0; i < 3; ++i)
      ::sigaction(signals_[i], &previous_[i], nullptr);
    for (int& fd : signal_pipe) {
      ::close(fd);
      fd = -1;
    }
  }
}

int terminal_session::signal_fd() const {
  return signal_pipe[0];
}

void terminal_size(int& width, int& height) {
  struct winsize ws {};
  if (::ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0 && ws.ws_row > 0) {
    width = ws.ws_col;
    height = ws.ws_row;
  }
}

std::vector<key_action> decode_keys(std::string_view bytes) {
  std::vector<key_action> out;
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    switch (bytes[i]) {
      case 'q': case 'Q': case 0x03: out.push_back(key_action::quit); break;
      case 'n': case 'N': case '\t': out.push_back(key_action::next); break;
      case 'p': case 'P': out.push_back(key_action::previous); break;
      case ' ': out.push_back(key_action::pause); break;
      case 'r': case 'R': out.push_back(key_action::refresh); break;
      case 0x1b:
        if (bytes.substr(i, 3) == "\x1b[Z") {
          out.push_back(key_action::previous);
          i += 2;
        }
        break;
      default: break;
    }
  }
  return out;
}

void draw(const std::string& text) {
  std::string out = "\x1b[H";
  std::size_t start = 0;
  while (start < text.size()) {
    auto end = text.find('\n', start);
    if (end == std::string::npos)
      end = text.size();
    out.append(text, start, end - start);
    // Raw mode leaves output processing on: "\n" still starts a new line.
    out += "\x1b[K\n";
    start = end + 1;
  }
  out += "\x1b[J";
  std::fwrite(out.data(), 1, out.size(), stdout);
  std::fflush(stdout);
}

} // namespace lastgram::runtime
