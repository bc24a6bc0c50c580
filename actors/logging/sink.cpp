#include "actors/logging/sink.hpp"

#include <algorithm>
#include <atomic>
#include <charconv>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <utility>

#include <spdlog/async_logger.h>
#include <spdlog/details/thread_pool.h>
#include <spdlog/logger.h>
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/sink.h>
#include <spdlog/sinks/stdout_sinks.h>

#include "actors/support/thread_name.hpp"

namespace lastgram::log::detail {

namespace {

// The logger that carries flush barriers through the queue, in order with
// the lines: the sink recognises it by name and never writes its messages.
constexpr std::string_view barrier_name = "lastgram.barrier";

std::atomic<std::uint64_t> written_total{0};
std::atomic<std::uint64_t> dropped_by_retired{0};

std::string_view view(spdlog::string_view_t text) {
  return {text.data(), text.size()};
}

spdlog::level::level_enum to_spdlog(log_level level) {
  switch (level) {
    case log_level::trace: return spdlog::level::trace;
    case log_level::debug: return spdlog::level::debug;
    case log_level::info: return spdlog::level::info;
    case log_level::warn: return spdlog::level::warn;
    case log_level::error: return spdlog::level::err;
    case log_level::critical: return spdlog::level::critical;
    case log_level::off: break;
  }
  return spdlog::level::off;
}

/// Wraps the real sink: counts written lines, runs the test hook, and
/// answers flush barriers.
class counting_sink final : public spdlog::sinks::sink {
public:
  counting_sink(spdlog::sink_ptr inner, std::function<void()> before_write)
    : inner_(std::move(inner)), before_write_(std::move(before_write)) {
    inner_->set_pattern("%v");
  }

  void log(const spdlog::details::log_msg& msg) override {
    if (view(msg.logger_name) == barrier_name) {
      inner_->flush();
      reached(view(msg.payload));
      return;
    }
    if (before_write_)
      before_write_();
    inner_->log(msg);
    written_total.fetch_add(1, std::memory_order_relaxed);
  }

  void flush() override {
    inner_->flush();
  }

  void set_pattern(const std::string& pattern) override {
    inner_->set_pattern(pattern);
  }

  void set_formatter(std::unique_ptr<spdlog::formatter> formatter) override {
    inner_->set_formatter(std::move(formatter));
  }

  /// Waits until the barrier numbered `id` (or a later one) went through.
  bool wait_for(std::uint64_t id, std::chrono::milliseconds timeout) {
    std::unique_lock<std::mutex> guard{mtx_};
    return cv_.wait_for(guard, timeout, [&] { return reached_ >= id; });
  }

private:
  void reached(std::string_view payload) {
    std::uint64_t id = 0;
    std::from_chars(payload.data(), payload.data() + payload.size(), id);
    {
      std::lock_guard<std::mutex> guard{mtx_};
      reached_ = std::max(reached_, id);
    }
    cv_.notify_all();
  }

  spdlog::sink_ptr inner_;
  std::function<void()> before_write_;
  std::mutex mtx_;
  std::condition_variable cv_;
  std::uint64_t reached_ = 0;
};

std::shared_ptr<spdlog::logger> configured(std::shared_ptr<spdlog::logger> logger) {
  // Lines are formatted by log.cpp; spdlog only adds the newline.
  logger->set_pattern("%v");
  logger->set_level(spdlog::level::trace);
  return logger;
}

} // namespace

struct writer::parts {
  std::shared_ptr<counting_sink> sink;
  // Declared before the loggers: destroyed after them, it writes what is
  // still queued and then joins its thread.
  std::shared_ptr<spdlog::details::thread_pool> pool;
  std::shared_ptr<spdlog::logger> lines;
  std::shared_ptr<spdlog::logger> barriers;
  std::atomic<std::uint64_t> next_barrier{0};
};

writer::writer(std::unique_ptr<parts> p) : parts_(std::move(p)) {
  // nop
}

writer::~writer() {
  if (parts_->pool)
    dropped_by_retired.fetch_add(parts_->pool->overrun_counter(), std::memory_order_relaxed);
}

std::shared_ptr<writer> writer::open(const std::string& file, const sink_options& options) {
  spdlog::sink_ptr inner;
  if (file.empty())
    inner = std::make_shared<spdlog::sinks::stderr_sink_mt>();
  else
    inner = std::make_shared<spdlog::sinks::basic_file_sink_mt>(file);
  auto p = std::make_unique<parts>();
  p->sink = std::make_shared<counting_sink>(std::move(inner), options.before_write);
  // One thread: lines leave the queue in the order they entered it.
  p->pool = std::make_shared<spdlog::details::thread_pool>(
    std::max<std::size_t>(options.queue_size, 1), 1,
    [] { name_thread("lastgram-log"); });
  auto policy = spdlog::async_overflow_policy::overrun_oldest;
  p->lines = configured(
    std::make_shared<spdlog::async_logger>("lastgram", p->sink, p->pool, policy));
  // One flush per line, on the writer thread, keeps `tail -f` and post-crash
  // files complete without costing the callers anything.
  p->lines->flush_on(spdlog::level::trace);
  p->barriers = configured(std::make_shared<spdlog::async_logger>(std::string{barrier_name},
                                                                  p->sink, p->pool, policy));
  return std::make_shared<writer>(std::move(p));
}

std::shared_ptr<writer> writer::to_stderr() {
  auto p = std::make_unique<parts>();
  p->sink = std::make_shared<counting_sink>(std::make_shared<spdlog::sinks::stderr_sink_mt>(),
                                            nullptr);
  p->lines = configured(std::make_shared<spdlog::logger>("lastgram", p->sink));
  p->lines->flush_on(spdlog::level::trace);
  return std::make_shared<writer>(std::move(p));
}

std::shared_ptr<writer> writer::synchronous() const {
  auto p = std::make_unique<parts>();
  p->sink = parts_->sink;
  p->lines = configured(std::make_shared<spdlog::logger>("lastgram", p->sink));
  p->lines->flush_on(spdlog::level::trace);
  return std::make_shared<writer>(std::move(p));
}

void writer::write(log_level level, std::string_view line) {
  parts_->lines->log(to_spdlog(level), spdlog::string_view_t{line.data(), line.size()});
}

bool writer::flush(std::chrono::milliseconds timeout) {
  if (!parts_->barriers) {
    parts_->lines->flush();
    return true;
  }
  auto id = parts_->next_barrier.fetch_add(1) + 1;
  auto text = std::to_string(id);
  parts_->barriers->log(spdlog::level::info, spdlog::string_view_t{text.data(), text.size()});
  // A barrier dropped by a full queue is never answered: the deadline says so.
  return parts_->sink->wait_for(id, timeout);
}

std::uint64_t writer::dropped() const {
  return parts_->pool ? parts_->pool->overrun_counter() : 0;
}

std::uint64_t lines_written() noexcept {
  return written_total.load(std::memory_order_relaxed);
}

std::uint64_t retired_drops() noexcept {
  return dropped_by_retired.load(std::memory_order_relaxed);
}

} // namespace lastgram::log::detail
