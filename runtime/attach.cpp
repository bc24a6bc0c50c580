#include "runtime/attach.hpp"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <ctime>
#include <future>
#include <iostream>
#include <memory>
#include <sstream>
#include <vector>

#include <fcntl.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include "platforms/json/diag_report.hpp"
#include "platforms/net/http_client.hpp"

namespace lastgram::runtime {

namespace {

constexpr int exit_ok = 0;
constexpr int exit_failure = 1;
constexpr int exit_usage = 2;

// ---- fetching --------------------------------------------------------------

struct fetched {
  std::optional<diag_report> report;
  std::string body;
  /// Why there is no report ("" when there is one).
  std::string problem;
};

/// GET /diag, waited for on this thread (the client works on its own).
fetched fetch(net::http_client& client, const std::string& url, const std::string& target,
              std::chrono::milliseconds timeout) {
  auto done = std::make_shared<std::promise<net::http_result>>();
  auto answer = done->get_future();
  net::http_call call;
  call.url = url;
  call.timeout = timeout;
  call.headers.emplace_back("Accept", "application/json");
  client.request(std::move(call), [done](net::http_result r) { done->set_value(std::move(r)); });
  fetched out;
  // The client's own deadline fires first; this one only guards against a
  // callback that never comes.
  if (answer.wait_for(timeout + std::chrono::seconds{2}) != std::future_status::ready) {
    out.problem = "cannot reach " + target + ": no answer in time";
    return out;
  }
  auto r = answer.get();
  if (r.error != net::http_errc::ok) {
    out.problem = "cannot reach " + target + ": " + net::to_string(r.error)
                  + (r.error_text.empty() ? "" : " (" + r.error_text + ")");
    return out;
  }
  if (r.status != 200) {
    auto body = r.body.substr(0, 200);
    while (!body.empty() && (body.back() == '\n' || body.back() == '\r'))
      body.pop_back();
    out.problem = target + " answered HTTP " + std::to_string(r.status)
                  + (body.empty() ? "" : ": " + body);
    return out;
  }
  std::string why;
  out.report = json::parse_diag_report(r.body, &why);
  if (!out.report) {
    out.problem = target + " did not answer with a diagnostics report: " + why;
    return out;
  }
  out.body = std::move(r.body);
  return out;
}

// ---- the terminal ----------------------------------------------------------

// Signals end the view through this pipe, so that poll() wakes up whichever
// thread the signal lands on.
int signal_pipe[2] = {-1, -1};

extern "C" void on_attach_signal(int signo) {
  auto saved = errno;
  unsigned char b = static_cast<unsigned char>(signo);
  [[maybe_unused]] auto n = ::write(signal_pipe[1], &b, 1);
  errno = saved;
}

/// Raw mode, alternate screen and hidden cursor for as long as it lives;
/// restores the terminal and the signal dispositions on destruction.
class terminal_session {
public:
  terminal_session(bool raw_input, bool screen) : screen_(screen) {
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

  ~terminal_session() {
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

  terminal_session(const terminal_session&) = delete;
  terminal_session& operator=(const terminal_session&) = delete;

private:
  static constexpr int signals_[3] = {SIGINT, SIGTERM, SIGHUP};
  struct sigaction previous_[3] {};
  bool handlers_ = false;
  struct termios saved_ {};
  bool raw_ = false;
  bool screen_ = false;
};

void terminal_size(int& width, int& height) {
  struct winsize ws {};
  if (::ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0 && ws.ws_row > 0) {
    width = ws.ws_col;
    height = ws.ws_row;
  }
}

enum class key_action { none, quit, next, previous, pause, refresh };

/// Turns the bytes read into actions (Shift-Tab is ESC [ Z).
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

// ---- rendering -------------------------------------------------------------

std::string fixed(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.*f", decimals, v);
  return buf;
}

std::string number_or_dash(double v, int decimals = 0) {
  return v < 0 ? std::string{"-"} : fixed(v, decimals);
}

std::string bytes_text(std::int64_t b) {
  if (b < 0)
    return "-";
  if (b >= (1LL << 30))
    return fixed(static_cast<double>(b) / (1LL << 30), 2) + " GiB";
  if (b >= (1LL << 20))
    return fixed(static_cast<double>(b) / (1LL << 20), 1) + " MiB";
  return fixed(static_cast<double>(b) / 1024.0, 0) + " KiB";
}

std::string duration_text(double seconds) {
  auto s = static_cast<long long>(seconds);
  char buf[64];
  if (s >= 86400)
    std::snprintf(buf, sizeof(buf), "%lldd%02lldh%02lldm", s / 86400, s % 86400 / 3600,
                  s % 3600 / 60);
  else if (s >= 3600)
    std::snprintf(buf, sizeof(buf), "%lldh%02lldm%02llds", s / 3600, s % 3600 / 60, s % 60);
  else if (s >= 60)
    std::snprintf(buf, sizeof(buf), "%lldm%02llds", s / 60, s % 60);
  else
    std::snprintf(buf, sizeof(buf), "%llds", s);
  return buf;
}

std::string pad(std::string s, std::size_t width, bool right = false) {
  if (s.size() >= width)
    return s;
  return right ? std::string(width - s.size(), ' ') + s : s + std::string(width - s.size(), ' ');
}

/// Removes a UTF-8 sequence cut short at the end of `s`.
void drop_partial_utf8(std::string& s) {
  auto byte = [&](std::size_t i) { return static_cast<unsigned char>(s[i]); };
  std::size_t start = s.size();
  std::size_t continuation = 0;
  while (start > 0 && continuation < 3 && (byte(start - 1) & 0xC0) == 0x80) {
    --start;
    ++continuation;
  }
  if (start == 0) {
    s.clear();
    return;
  }
  auto lead = byte(start - 1);
  if (lead < 0x80) {
    s.resize(start); // stray continuation bytes
    return;
  }
  std::size_t expected = lead >= 0xF0 ? 3 : lead >= 0xE0 ? 2 : 1;
  if (continuation < expected)
    s.resize(start - 1);
}

/// Lines cut to the terminal's width (by bytes; the view is ASCII but for
/// names and errors, which may then lose a few characters more).
class frame {
public:
  explicit frame(int width) : width_(static_cast<std::size_t>(std::max(width, 20))) {}

  void line(std::string s = {}) {
    if (s.size() > width_) {
      s.resize(width_);
      drop_partial_utf8(s);
    }
    lines_.push_back(std::move(s));
  }

  std::size_t count() const { return lines_.size(); }

  std::string text() const {
    std::string out;
    for (const auto& l : lines_)
      out += l + "\n";
    return out;
  }

private:
  std::size_t width_;
  std::vector<std::string> lines_;
};

std::string engine_row(const std::string& name, const std::string& ready, std::int64_t restarts,
                       double backlog, double rate, double handled, const std::string& reason) {
  return pad(name, 16) + pad(ready, 6) + pad(std::to_string(restarts), 9, true)
         + pad(number_or_dash(backlog), 9, true) + pad(number_or_dash(rate, 1), 9, true)
         + pad(number_or_dash(handled), 10, true) + "  " + reason;
}

void render_node(frame& f, const node_snapshot& n, const view_state& st) {
  f.line("Node " + n.name + "   up " + duration_text(n.uptime_seconds) + "   rss "
         + bytes_text(n.rss_bytes) + "   threads " + number_or_dash(static_cast<double>(n.threads))
         + "   actors " + std::to_string(n.running_actors));
  f.line();
  f.line(pad("ENGINE", 16) + pad("READY", 6) + pad("RESTARTS", 9, true) + pad("BACKLOG", 9, true)
         + pad("MSG/S", 9, true) + pad("HANDLED", 10, true) + "  LAST EXIT");
  for (const auto& e : n.engines) {
    f.line(engine_row(e.name, e.ready ? "yes" : "NO", e.restarts, e.backlog, e.msgs_per_sec,
                      e.handled, e.last_exit_reason));
    // The actors of an engine, when they are more than the engine itself.
    bool only_itself = e.actors.size() == 1 && e.actors.front().name == e.name;
    if (!only_itself)
      for (const auto& a : e.actors)
        f.line(engine_row("  " + a.name, a.ready ? "yes" : "NO", a.restarts, -1, -1, -1,
                          a.last_exit_reason));
  }
  f.line();
  std::string cache = n.cache_hit_rate < 0
                        ? std::string{"-"}
                        : fixed(n.cache_hit_rate * 100, 1) + "% ("
                            + fixed(n.cache_hits, 0) + " of "
                            + fixed(n.cache_hits + n.cache_misses, 0) + ")";
  f.line("Last.fm   queue " + number_or_dash(n.lastfm_queue_depth) + "   bucket "
         + number_or_dash(n.lastfm_bucket_level, 2) + "      Cache hit rate " + cache);
  f.line("Commands  total " + fixed(n.commands_total, 0) + "   p50 "
         + (n.command_p50_ms < 0 ? std::string{"-"} : fixed(n.command_p50_ms, 1) + " ms")
         + "   p99 "
         + (n.command_p99_ms < 0 ? std::string{"-"} : fixed(n.command_p99_ms, 1) + " ms")
         + "   (over " + duration_text(n.latency_window_seconds) + ")");
  f.line();
  if (n.last_errors.empty()) {
    f.line("Last errors: none");
    return;
  }
  f.line("Last errors:");
  // As many of the newest as fit.
  auto room = std::max(1, st.height - static_cast<int>(f.count()) - 1);
  auto count = std::min(n.last_errors.size(), static_cast<std::size_t>(room));
  for (auto i = n.last_errors.size() - count; i < n.last_errors.size(); ++i) {
    const auto& p = n.last_errors[i];
    f.line("  " + p.ts + " " + pad(p.level, 5) + " " + p.engine + ": " + p.event
           + (p.fields.empty() ? "" : "  " + p.fields));
  }
}

std::string clock_text() {
  std::time_t now = std::time(nullptr);
  std::tm local{};
  localtime_r(&now, &local);
  char buf[16];
  std::strftime(buf, sizeof(buf), "%H:%M:%S", &local);
  return buf;
}

/// Keeps the selection on the same member across refreshes.
std::size_t index_of(const diag_report& report, const std::string& name, std::size_t fallback) {
  for (std::size_t i = 0; i < report.members.size(); ++i)
    if (report.members[i].name == name)
      return i;
  return report.members.empty() ? 0 : std::min(fallback, report.members.size() - 1);
}

// ---- the live view ---------------------------------------------------------

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

int live_view(const attach_options& opts, net::http_client& client, const std::string& url,
              fetched first) {
  bool tty_in = ::isatty(STDIN_FILENO) != 0;
  bool tty_out = ::isatty(STDOUT_FILENO) != 0;
  terminal_session term{tty_in, tty_out};
  view_state st;
  st.target = opts.target;
  diag_report report = std::move(*first.report);
  // Start on the node attached to.
  std::string selected_name = report.node;
  bool stdin_open = true;
  auto next_fetch = std::chrono::steady_clock::now() + opts.interval;
  bool dirty = true;
  for (;;) {
    if (dirty) {
      terminal_size(st.width, st.height);
      st.selected = index_of(report, selected_name, st.selected);
      draw(render_view(report, st));
      dirty = false;
    }
    auto now = std::chrono::steady_clock::now();
    auto wait = st.paused ? std::chrono::milliseconds{1000}
                          : std::chrono::duration_cast<std::chrono::milliseconds>(
                              std::max(next_fetch - now, std::chrono::steady_clock::duration{0}));
    pollfd fds[2] = {{signal_pipe[0], POLLIN, 0}, {STDIN_FILENO, POLLIN, 0}};
    int nfds = stdin_open ? 2 : 1;
    int ready = ::poll(fds, static_cast<nfds_t>(nfds), static_cast<int>(wait.count()));
    if (ready < 0 && errno != EINTR)
      return exit_failure;
    if (ready > 0 && (fds[0].revents & POLLIN) != 0)
      return exit_ok; // a signal: the session restores the terminal
    if (ready > 0 && stdin_open && (fds[1].revents & (POLLIN | POLLHUP | POLLERR)) != 0) {
      char buf[64];
      auto n = ::read(STDIN_FILENO, buf, sizeof(buf));
      if (n <= 0) {
        stdin_open = false;
        // A pipe that ends ends the view; a terminal never does.
        if (!tty_in)
          return exit_ok;
      }
      for (auto action : decode_keys(std::string_view{buf, n > 0 ? static_cast<std::size_t>(n) : 0})) {
        auto members = report.members.size();
        switch (action) {
          case key_action::quit: return exit_ok;
          case key_action::next:
            if (members > 0)
              selected_name = report.members[(st.selected + 1) % members].name;
            break;
          case key_action::previous:
            if (members > 0)
              selected_name = report.members[(st.selected + members - 1) % members].name;
            break;
          case key_action::pause: st.paused = !st.paused; break;
          case key_action::refresh: next_fetch = std::chrono::steady_clock::now(); break;
          case key_action::none: break;
        }
        dirty = true;
      }
    }
    if (!st.paused && std::chrono::steady_clock::now() >= next_fetch) {
      auto got = fetch(client, url, opts.target, opts.timeout);
      if (got.report) {
        report = std::move(*got.report);
        st.problem.clear();
      } else {
        // Keep the last report on screen and say why it is stale.
        st.problem = got.problem + " (retrying)";
      }
      next_fetch = std::chrono::steady_clock::now() + opts.interval;
      dirty = true;
    }
  }
}

} // namespace

std::optional<std::string> diag_url(std::string_view target) {
  auto colon = target.rfind(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == target.size())
    return std::nullopt;
  auto host = target.substr(0, colon);
  auto port = target.substr(colon + 1);
  if (!std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; })
      || port.size() > 5 || std::stoi(std::string{port}) > 65535 || std::stoi(std::string{port}) == 0)
    return std::nullopt;
  bool bracketed = host.front() == '[' && host.back() == ']';
  // A bare IPv6 address would be ambiguous with the port: ask for brackets.
  if (!bracketed && host.find(':') != std::string_view::npos)
    return std::nullopt;
  for (char c : host)
    if (c == '/' || c == '@' || c == '?' || c == '#' || c == ' '
        || static_cast<unsigned char>(c) < 0x21)
      return std::nullopt;
  return "http://" + std::string{host} + ":" + std::string{port} + "/diag";
}

std::string render_view(const diag_report& report, const view_state& state) {
  frame f{state.width};
  const node_snapshot* node = nullptr;
  std::string selected;
  if (!report.members.empty()) {
    auto i = std::min(state.selected, report.members.size() - 1);
    selected = report.members[i].name;
  } else if (!report.nodes.empty()) {
    selected = report.nodes.front().name;
  }
  for (const auto& n : report.nodes)
    if (n.name == selected)
      node = &n;

  std::string header = "lastgram attach " + state.target + "   via " + report.node + "   "
                       + clock_text();
  if (state.paused)
    header += "   [paused]";
  f.line(header);
  if (!state.problem.empty())
    f.line("! " + state.problem);
  if (state.show_keys)
    f.line("keys: n/Tab next node  p previous  space pause  r refresh  q quit");
  std::string nodes = "Nodes:";
  for (const auto& m : report.members) {
    bool chosen = m.name == selected;
    nodes += std::string{"  "} + (chosen ? "[" : "") + m.name + " " + m.state
             + (m.self ? " *" : "") + (chosen ? "]" : "");
  }
  if (report.members.empty())
    nodes += "  (none listed)";
  f.line(nodes);
  if (!report.members.empty()) {
    const auto& m = report.members[std::min(state.selected, report.members.size() - 1)];
    std::string roles;
    for (const auto& r : m.roles)
      roles += (roles.empty() ? "" : ",") + r;
    f.line("  " + m.name + "  address " + (m.address.empty() ? "-" : m.address) + "  roles "
           + (roles.empty() ? "-" : roles) + "  state " + m.state);
  }
  f.line(std::string(static_cast<std::size_t>(std::max(20, std::min(state.width, 100))), '-'));
  if (node == nullptr)
    f.line("No diagnostics from " + (selected.empty() ? std::string{"this member"} : selected)
           + " (not reachable over the cluster link, or it did not answer in time).");
  else
    render_node(f, *node, state);
  return f.text();
}

int run_attach(const attach_options& opts, std::ostream& out, std::ostream& err) {
  auto url = diag_url(opts.target);
  if (!url) {
    err << "lastgram: attach: expected HOST:PORT (e.g. 127.0.0.1:8080 or [::1]:8080), got '"
        << opts.target << "'\n";
    return exit_usage;
  }
  net::http_client::options client_opts;
  client_opts.max_connections_per_host = 1;
  net::http_client client{client_opts};
  auto first = fetch(client, *url, opts.target, opts.timeout);
  if (!first.report) {
    err << "lastgram: " << first.problem << '\n';
    return exit_failure;
  }
  if (opts.once) {
    if (opts.json) {
      out << first.body;
      if (first.body.empty() || first.body.back() != '\n')
        out << '\n';
    } else {
      view_state st;
      st.target = opts.target;
      st.width = 1000;
      st.height = 1000;
      st.show_keys = false;
      out << render_view(*first.report, st);
    }
    out.flush();
    return exit_ok;
  }
  out.flush();
  return live_view(opts, client, *url, std::move(first));
}

} // namespace lastgram::runtime
