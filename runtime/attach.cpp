#include "runtime/attach.hpp"

// `lastgram attach` in three pieces besides this file, which parses the
// target and runs the --once output and the live view's loop:
//   attach_fetch     GET /diag and the report or why there is none
//   attach_render    render_view: one frame as text
//   attach_terminal  raw mode, signals, keys and drawing

#include <algorithm>
#include <cerrno>
#include <iostream>
#include <vector>

#include <poll.h>
#include <unistd.h>

#include "platforms/net/http_client.hpp"
#include "runtime/attach_fetch.hpp"
#include "runtime/attach_terminal.hpp"

namespace lastgram::runtime {

namespace {

constexpr int exit_ok = 0;
constexpr int exit_failure = 1;
constexpr int exit_usage = 2;

/// Keeps the selection on the same member across refreshes.
std::size_t index_of(const diag_report& report, const std::string& name, std::size_t fallback) {
  for (std::size_t i = 0; i < report.members.size(); ++i)
    if (report.members[i].name == name)
      return i;
  return report.members.empty() ? 0 : std::min(fallback, report.members.size() - 1);
}

/// The live view's state between frames.
struct live_state {
  view_state view;
  diag_report report;
  std::string selected_name;
  std::chrono::steady_clock::time_point next_fetch;
  bool stdin_open = true;
  bool dirty = true;
};

/// Applies one key; returns false when it quits.
bool apply_key(live_state& ls, key_action action) {
  auto members = ls.report.members.size();
  auto& st = ls.view;
  switch (action) {
    case key_action::quit: return false;
    case key_action::next:
      if (members > 0)
        ls.selected_name = ls.report.members[(st.selected + 1) % members].name;
      break;
    case key_action::previous:
      if (members > 0)
        ls.selected_name = ls.report.members[(st.selected + members - 1) % members].name;
      break;
    case key_action::pause: st.paused = !st.paused; break;
    case key_action::refresh: ls.next_fetch = std::chrono::steady_clock::now(); break;
    case key_action::none: break;
  }
  ls.dirty = true;
  return true;
}

/// Reads the keys waiting on standard input; returns false when the view
/// ends (quit, or the end of piped input).
bool read_keys(live_state& ls, bool tty_in) {
  char buf[64];
  auto n = ::read(STDIN_FILENO, buf, sizeof(buf));
  if (n <= 0) {
    ls.stdin_open = false;
    // A pipe that ends ends the view; a terminal never does.
    if (!tty_in)
      return false;
  }
  for (auto action : decode_keys(std::string_view{buf, n > 0 ? static_cast<std::size_t>(n) : 0}))
    if (!apply_key(ls, action))
      return false;
  return true;
}

void refresh(live_state& ls, const attach_options& opts, net::http_client& client,
             const std::string& url) {
  auto got = fetch_report(client, url, opts.target, opts.timeout);
  if (got.report) {
    ls.report = std::move(*got.report);
    ls.view.problem.clear();
  } else {
    // Keep the last report on screen and say why it is stale.
    ls.view.problem = got.problem + " (retrying)";
  }
  ls.next_fetch = std::chrono::steady_clock::now() + opts.interval;
  ls.dirty = true;
}

int live_view(const attach_options& opts, net::http_client& client, const std::string& url,
              fetched_report first) {
  bool tty_in = ::isatty(STDIN_FILENO) != 0;
  bool tty_out = ::isatty(STDOUT_FILENO) != 0;
  terminal_session term{tty_in, tty_out};
  live_state ls;
  ls.view.target = opts.target;
  ls.report = std::move(*first.report);
  // Start on the node attached to.
  ls.selected_name = ls.report.node;
  ls.next_fetch = std::chrono::steady_clock::now() + opts.interval;
  for (;;) {
    auto& st = ls.view;
    if (ls.dirty) {
      terminal_size(st.width, st.height);
      st.selected = index_of(ls.report, ls.selected_name, st.selected);
      draw(render_view(ls.report, st));
      ls.dirty = false;
    }
    auto now = std::chrono::steady_clock::now();
    auto wait = st.paused ? std::chrono::milliseconds{1000}
                          : std::chrono::duration_cast<std::chrono::milliseconds>(std::max(
                              ls.next_fetch - now, std::chrono::steady_clock::duration{0}));
    pollfd fds[2] = {{term.signal_fd(), POLLIN, 0}, {STDIN_FILENO, POLLIN, 0}};
    int nfds = ls.stdin_open ? 2 : 1;
    int ready = ::poll(fds, static_cast<nfds_t>(nfds), static_cast<int>(wait.count()));
    if (ready < 0 && errno != EINTR)
      return exit_failure;
    if (ready > 0 && (fds[0].revents & POLLIN) != 0)
      return exit_ok; // a signal: the session restores the terminal
    if (ready > 0 && ls.stdin_open && (fds[1].revents & (POLLIN | POLLHUP | POLLERR)) != 0
        && !read_keys(ls, tty_in))
      return exit_ok;
    if (!st.paused && std::chrono::steady_clock::now() >= ls.next_fetch)
      refresh(ls, opts, client, url);
  }
}

/// `--once`: the report as served, or one frame without the keys line.
void print_once(const attach_options& opts, const fetched_report& first, std::ostream& out) {
  if (opts.json) {
    out << first.body;
    if (first.body.empty() || first.body.back() != '\n')
      out << '\n';
    return;
  }
  view_state st;
  st.target = opts.target;
  st.width = 1000;
  st.height = 1000;
  st.show_keys = false;
  out << render_view(*first.report, st);
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
  auto first = fetch_report(client, *url, opts.target, opts.timeout);
  if (!first.report) {
    err << "lastgram: " << first.problem << '\n';
    return exit_failure;
  }
  if (opts.once) {
    print_once(opts, first, out);
    out.flush();
    return exit_ok;
  }
  out.flush();
  return live_view(opts, client, *url, std::move(first));
}

} // namespace lastgram::runtime
