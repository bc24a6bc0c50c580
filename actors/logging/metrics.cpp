#include "actors/logging/metrics.hpp"

#include <exception>
#include <mutex>
#include <unordered_map>

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include "actors/logging/log.hpp"

namespace lastgram::metrics {

namespace detail {

// The only place that turns handles into prometheus objects and back.
struct handle_access {
  template <class Handle>
  static Handle make(void* cell) {
    Handle h;
    h.cell_ = cell;
    return h;
  }
  static prometheus::Counter* get(const counter& h) {
    return static_cast<prometheus::Counter*>(h.cell_);
  }
  static prometheus::Gauge* get(const gauge& h) {
    return static_cast<prometheus::Gauge*>(h.cell_);
  }
  static prometheus::Histogram* get(const histogram& h) {
    return static_cast<prometheus::Histogram*>(h.cell_);
  }
};

} // namespace detail

namespace {

using detail::handle_access;

enum class kind : char { counter = 'c', gauge = 'g', histogram = 'h' };

// Series are never removed, so the pointers handed out stay valid for the
// life of the process; the registry is leaked on purpose so that handles
// used by static destructors at exit do not dangle.
struct store {
  prometheus::Registry registry;
  std::mutex mtx;
  // "<kind><name>\x1f<k>\x1e<v>..." -> series (nullptr: rejected once).
  std::unordered_map<std::string, void*> series;
};

store& global() {
  static auto* instance = new store;
  return *instance;
}

std::string series_key(kind k, std::string_view name, labels label_pairs) {
  std::string key;
  key.reserve(name.size() + 32);
  key += static_cast<char>(k);
  key += name;
  for (const auto& [label, value] : label_pairs) {
    key += '\x1f';
    key += label;
    key += '\x1e';
    key += value;
  }
  return key;
}

prometheus::Labels to_labels(labels label_pairs) {
  prometheus::Labels out;
  for (const auto& [label, value] : label_pairs)
    out.emplace(std::string{label}, std::string{value});
  return out;
}

// Looks the series up in the cache, creating it with `create` (which may
// throw on names Prometheus rejects) on first use.
template <class Create>
void* find_or_create(kind k, std::string_view name, labels label_pairs,
                     Create&& create) {
  auto& st = global();
  auto key = series_key(k, name, label_pairs);
  std::lock_guard<std::mutex> guard{st.mtx};
  if (auto i = st.series.find(key); i != st.series.end())
    return i->second;
  void* cell = nullptr;
  try {
    cell = create(st.registry, std::string{name}, to_labels(label_pairs));
  } catch (const std::exception& e) {
    log::warn("logging", "metric rejected",
              {log::kv("name", name), log::kv("reason", e.what())});
  }
  st.series.emplace(std::move(key), cell);
  return cell;
}

} // namespace

void counter::inc(double amount) const {
  if (cell_ && amount >= 0)
    handle_access::get(*this)->Increment(amount);
}

double counter::value() const {
  return cell_ ? handle_access::get(*this)->Value() : 0;
}

void gauge::set(double value) const {
  if (cell_)
    handle_access::get(*this)->Set(value);
}

void gauge::inc(double amount) const {
  if (cell_)
    handle_access::get(*this)->Increment(amount);
}

void gauge::dec(double amount) const {
  if (cell_)
    handle_access::get(*this)->Decrement(amount);
}

double gauge::value() const {
  return cell_ ? handle_access::get(*this)->Value() : 0;
}

void histogram::observe(double value) const {
  if (cell_)
    handle_access::get(*this)->Observe(value);
}

counter get_counter(std::string_view name, std::string_view help,
                    labels label_pairs) {
  auto* cell = find_or_create(
    kind::counter, name, label_pairs,
    [&](prometheus::Registry& reg, std::string full, prometheus::Labels ls) {
      auto& family = prometheus::BuildCounter()
                       .Name(std::move(full))
                       .Help(std::string{help})
                       .Register(reg);
      return static_cast<void*>(&family.Add(ls));
    });
  return handle_access::make<counter>(cell);
}

gauge get_gauge(std::string_view name, std::string_view help,
                labels label_pairs) {
  auto* cell = find_or_create(
    kind::gauge, name, label_pairs,
    [&](prometheus::Registry& reg, std::string full, prometheus::Labels ls) {
      auto& family = prometheus::BuildGauge()
                       .Name(std::move(full))
                       .Help(std::string{help})
                       .Register(reg);
      return static_cast<void*>(&family.Add(ls));
    });
  return handle_access::make<gauge>(cell);
}

histogram get_histogram(std::string_view name, std::string_view help,
                        labels label_pairs,
                        const std::vector<double>& buckets) {
  auto* cell = find_or_create(
    kind::histogram, name, label_pairs,
    [&](prometheus::Registry& reg, std::string full, prometheus::Labels ls) {
      auto& family = prometheus::BuildHistogram()
                       .Name(std::move(full))
                       .Help(std::string{help})
                       .Register(reg);
      return static_cast<void*>(&family.Add(ls, buckets));
    });
  return handle_access::make<histogram>(cell);
}

const std::vector<double>& default_latency_buckets() {
  static const std::vector<double> buckets{0.0005, 0.001, 0.0025, 0.005, 0.01,
                                           0.025,  0.05,  0.1,    0.25,  0.5,
                                           1,      2.5,   5,      10};
  return buckets;
}

std::string render_text() {
  auto families = global().registry.Collect();
  return prometheus::TextSerializer{}.Serialize(families);
}

std::string_view reading::label(std::string_view name) const {
  for (const auto& [key, value] : labels)
    if (key == name)
      return value;
  return {};
}

std::map<std::string, std::vector<reading>, std::less<>> read_all() {
  std::map<std::string, std::vector<reading>, std::less<>> out;
  for (auto& family : global().registry.Collect()) {
    auto& series = out[family.name];
    for (auto& m : family.metric) {
      reading r;
      for (auto& l : m.label)
        r.labels.emplace_back(std::move(l.name), std::move(l.value));
      switch (family.type) {
        case prometheus::MetricType::Counter: r.value = m.counter.value; break;
        case prometheus::MetricType::Gauge: r.value = m.gauge.value; break;
        case prometheus::MetricType::Histogram:
          r.value = static_cast<double>(m.histogram.sample_count);
          for (const auto& b : m.histogram.bucket)
            r.buckets.emplace_back(b.upper_bound, static_cast<double>(b.cumulative_count));
          break;
        default: r.value = m.untyped.value; break;
      }
      series.push_back(std::move(r));
    }
  }
  return out;
}

void command_handled(std::string_view command, std::string_view platform,
                     std::string_view outcome, double seconds) {
  get_counter("lastgram_commands_total", "Commands handled, by outcome.",
              {{"command", command}, {"platform", platform}, {"outcome", outcome}})
    .inc();
  get_histogram("lastgram_command_duration_seconds",
                "Time from receiving a command to its reply.",
                {{"command", command}, {"platform", platform}},
                default_latency_buckets())
    .observe(seconds);
}

void actor_restarted(std::string_view engine) {
  get_counter("lastgram_actor_restarts_total",
              "Actors restarted by their supervisor.", {{"engine", engine}})
    .inc();
}

void mailbox_backlog(std::string_view engine, double messages) {
  get_gauge("lastgram_mailbox_backlog",
            "Messages waiting in the mailboxes of an engine.",
            {{"engine", engine}})
    .set(messages);
}

void engine_up(std::string_view engine, bool up) {
  get_gauge("lastgram_engine_up", "Whether an engine is running (1) or not (0).",
            {{"engine", engine}})
    .set(up ? 1 : 0);
}

} // namespace lastgram::metrics
