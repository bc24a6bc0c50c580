#include "platforms/json/diag_report.hpp"

#include <cmath>

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace lastgram::json {

namespace {

using writer = rapidjson::Writer<rapidjson::StringBuffer>;

void put(writer& w, std::string_view key, std::string_view value) {
  w.Key(key.data(), static_cast<rapidjson::SizeType>(key.size()));
  w.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
}

void put(writer& w, std::string_view key, bool value) {
  w.Key(key.data(), static_cast<rapidjson::SizeType>(key.size()));
  w.Bool(value);
}

void put(writer& w, std::string_view key, std::int64_t value, bool nullable = false) {
  w.Key(key.data(), static_cast<rapidjson::SizeType>(key.size()));
  if (nullable && value < 0)
    w.Null();
  else
    w.Int64(value);
}

/// Unknown (negative) values are written as null.
void put_number(writer& w, std::string_view key, double value) {
  w.Key(key.data(), static_cast<rapidjson::SizeType>(key.size()));
  if (!(value >= 0) || !std::isfinite(value))
    w.Null();
  else
    w.Double(value);
}

void key(writer& w, std::string_view k) {
  w.Key(k.data(), static_cast<rapidjson::SizeType>(k.size()));
}

void write_engine(writer& w, const engine_diag& e) {
  w.StartObject();
  put(w, "name", e.name);
  put(w, "ready", e.ready);
  put(w, "restarts", e.restarts);
  put(w, "last_exit_reason", e.last_exit_reason);
  put_number(w, "backlog", e.backlog);
  put_number(w, "msgs_per_sec", e.msgs_per_sec);
  put_number(w, "handled", e.handled);
  key(w, "actors");
  w.StartArray();
  for (const auto& a : e.actors) {
    w.StartObject();
    put(w, "name", a.name);
    put(w, "ready", a.ready);
    put(w, "restarts", a.restarts);
    put(w, "last_exit_reason", a.last_exit_reason);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
}

void write_node(writer& w, const node_snapshot& n) {
  w.StartObject();
  put(w, "name", n.name);
  put(w, "taken_at_ms", n.taken_at_ms);
  put_number(w, "uptime_seconds", n.uptime_seconds);
  put(w, "rss_bytes", n.rss_bytes, true);
  put(w, "threads", n.threads, true);
  put(w, "running_actors", n.running_actors);
  key(w, "engines");
  w.StartArray();
  for (const auto& e : n.engines)
    write_engine(w, e);
  w.EndArray();
  key(w, "lastfm");
  w.StartObject();
  put_number(w, "queue_depth", n.lastfm_queue_depth);
  put_number(w, "bucket_level", n.lastfm_bucket_level);
  put_number(w, "outage", n.lastfm_outage);
  w.EndObject();
  key(w, "inbox");
  w.StartObject();
  put_number(w, "pending", n.inbox_pending);
  put_number(w, "recovered", n.inbox_recovered);
  put_number(w, "failures", n.inbox_failures);
  w.EndObject();
  key(w, "cache");
  w.StartObject();
  put_number(w, "hits", n.cache_hits);
  put_number(w, "misses", n.cache_misses);
  put_number(w, "hit_rate", n.cache_hit_rate);
  w.EndObject();
  key(w, "commands");
  w.StartObject();
  put_number(w, "total", n.commands_total);
  put_number(w, "p50_ms", n.command_p50_ms);
  put_number(w, "p99_ms", n.command_p99_ms);
  put_number(w, "latency_window_seconds", n.latency_window_seconds);
  w.EndObject();
  key(w, "last_errors");
  w.StartArray();
  for (const auto& p : n.last_errors) {
    w.StartObject();
    put(w, "ts", p.ts);
    put(w, "level", p.level);
    put(w, "engine", p.engine);
    put(w, "event", p.event);
    put(w, "fields", p.fields);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
}

using value = rapidjson::Value;

std::string str(const value& obj, const char* k) {
  if (!obj.IsObject())
    return {};
  auto i = obj.FindMember(k);
  if (i == obj.MemberEnd() || !i->value.IsString())
    return {};
  return {i->value.GetString(), i->value.GetStringLength()};
}

bool flag(const value& obj, const char* k) {
  if (!obj.IsObject())
    return false;
  auto i = obj.FindMember(k);
  return i != obj.MemberEnd() && i->value.IsBool() && i->value.GetBool();
}

/// A number, or `fallback` when absent or null.
double num(const value& obj, const char* k, double fallback = -1) {
  if (!obj.IsObject())
    return fallback;
  auto i = obj.FindMember(k);
  if (i == obj.MemberEnd() || !i->value.IsNumber())
    return fallback;
  return i->value.GetDouble();
}

std::int64_t int_of(const value& obj, const char* k, std::int64_t fallback = -1) {
  if (!obj.IsObject())
    return fallback;
  auto i = obj.FindMember(k);
  if (i == obj.MemberEnd() || !i->value.IsNumber())
    return fallback;
  return i->value.IsInt64() ? i->value.GetInt64()
                            : static_cast<std::int64_t>(i->value.GetDouble());
}

const value& member(const value& obj, const char* k) {
  static const value null_value;
  if (!obj.IsObject())
    return null_value;
  auto i = obj.FindMember(k);
  return i == obj.MemberEnd() ? null_value : i->value;
}

template <class F>
void each(const value& arr, F&& f) {
  if (!arr.IsArray())
    return;
  for (const auto& x : arr.GetArray())
    f(x);
}

node_snapshot read_node(const value& v) {
  node_snapshot n;
  n.name = str(v, "name");
  n.taken_at_ms = int_of(v, "taken_at_ms", 0);
  n.uptime_seconds = num(v, "uptime_seconds", 0);
  n.rss_bytes = int_of(v, "rss_bytes");
  n.threads = int_of(v, "threads");
  n.running_actors = int_of(v, "running_actors", 0);
  each(member(v, "engines"), [&](const value& e) {
    engine_diag d;
    d.name = str(e, "name");
    d.ready = flag(e, "ready");
    d.restarts = int_of(e, "restarts", 0);
    d.last_exit_reason = str(e, "last_exit_reason");
    d.backlog = num(e, "backlog");
    d.msgs_per_sec = num(e, "msgs_per_sec");
    d.handled = num(e, "handled");
    each(member(e, "actors"), [&](const value& a) {
      d.actors.push_back(actor_diag{str(a, "name"), flag(a, "ready"), int_of(a, "restarts", 0),
                                    str(a, "last_exit_reason")});
    });
    n.engines.push_back(std::move(d));
  });
  const auto& fm = member(v, "lastfm");
  n.lastfm_queue_depth = num(fm, "queue_depth");
  n.lastfm_bucket_level = num(fm, "bucket_level");
  n.lastfm_outage = num(fm, "outage");
  const auto& inbox = member(v, "inbox");
  n.inbox_pending = num(inbox, "pending");
  n.inbox_recovered = num(inbox, "recovered", 0);
  n.inbox_failures = num(inbox, "failures", 0);
  const auto& cache = member(v, "cache");
  n.cache_hits = num(cache, "hits", 0);
  n.cache_misses = num(cache, "misses", 0);
  n.cache_hit_rate = num(cache, "hit_rate");
  const auto& cmds = member(v, "commands");
  n.commands_total = num(cmds, "total", 0);
  n.command_p50_ms = num(cmds, "p50_ms");
  n.command_p99_ms = num(cmds, "p99_ms");
  n.latency_window_seconds = num(cmds, "latency_window_seconds", 0);
  each(member(v, "last_errors"), [&](const value& p) {
    n.last_errors.push_back(problem_line{str(p, "ts"), str(p, "level"), str(p, "engine"),
                                         str(p, "event"), str(p, "fields")});
  });
  return n;
}

} // namespace

std::string to_json(const diag_report& report) {
  rapidjson::StringBuffer buf;
  writer w{buf};
  // Rates and percentiles need no more; it keeps the lines readable.
  w.SetMaxDecimalPlaces(3);
  w.StartObject();
  put(w, "version", std::int64_t{1});
  put(w, "node", report.node);
  key(w, "members");
  w.StartArray();
  for (const auto& m : report.members) {
    w.StartObject();
    put(w, "name", m.name);
    put(w, "address", m.address);
    key(w, "roles");
    w.StartArray();
    for (const auto& r : m.roles)
      w.String(r.data(), static_cast<rapidjson::SizeType>(r.size()));
    w.EndArray();
    put(w, "state", m.state);
    put(w, "self", m.self);
    w.EndObject();
  }
  w.EndArray();
  key(w, "nodes");
  w.StartArray();
  for (const auto& n : report.nodes)
    write_node(w, n);
  w.EndArray();
  w.EndObject();
  return {buf.GetString(), buf.GetSize()};
}

std::optional<diag_report> parse_diag_report(std::string_view text, std::string* error) {
  rapidjson::Document doc;
  doc.Parse(text.data(), text.size());
  auto fail = [error](std::string why) -> std::optional<diag_report> {
    if (error)
      *error = std::move(why);
    return std::nullopt;
  };
  if (doc.HasParseError())
    return fail(std::string{"not JSON: "} + rapidjson::GetParseError_En(doc.GetParseError())
                + " at offset " + std::to_string(doc.GetErrorOffset()));
  if (!doc.IsObject() || !member(doc, "nodes").IsArray())
    return fail("not a diagnostics report (no \"nodes\" list)");
  diag_report report;
  report.node = str(doc, "node");
  each(member(doc, "members"), [&](const value& m) {
    member_info info;
    info.name = str(m, "name");
    info.address = str(m, "address");
    each(member(m, "roles"), [&](const value& r) {
      if (r.IsString())
        info.roles.emplace_back(r.GetString(), r.GetStringLength());
    });
    info.state = str(m, "state");
    info.self = flag(m, "self");
    report.members.push_back(std::move(info));
  });
  each(member(doc, "nodes"), [&](const value& n) { report.nodes.push_back(read_node(n)); });
  return report;
}

} // namespace lastgram::json
