#include "runtime/attach.hpp"

// render_view: one frame of `lastgram attach`, as plain text (pure, tested
// in tests/runtime/attach.cpp).

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <string>
#include <vector>

namespace lastgram::runtime {

namespace {

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
         + number_or_dash(n.lastfm_bucket_level, 2) + "      Cache hit rate " + cache
         + (n.lastfm_outage > 0 ? "   OUTAGE: answering from the cache" : ""));
  f.line("Inbox     pending " + number_or_dash(n.inbox_pending) + "   taken over "
         + fixed(n.inbox_recovered, 0) + "   store failures " + fixed(n.inbox_failures, 0));
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

} // namespace

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

} // namespace lastgram::runtime
