#pragma once

/// An asio loop on a thread of its own, as the node's HTTP client runs one:
/// for the code that shares that loop (the server, the database's and the
/// cache's pipelined lanes).

#include <chrono>
#include <future>
#include <memory>
#include <thread>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

namespace lastgram::test {

struct loop_thread {
  std::shared_ptr<boost::asio::io_context> ioc = std::make_shared<boost::asio::io_context>(1);
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work{
    ioc->get_executor()};
  std::thread thread{[this] { ioc->run(); }};

  loop_thread() = default;
  loop_thread(const loop_thread&) = delete;
  loop_thread& operator=(const loop_thread&) = delete;
  ~loop_thread() {
    work.reset();
    ioc->stop();
    thread.join();
  }

  /// Whether a task posted now still runs (within 5 s).
  bool still_runs() {
    std::promise<void> ran;
    auto done = ran.get_future();
    boost::asio::post(*ioc, [&ran] { ran.set_value(); });
    return done.wait_for(std::chrono::seconds{5}) == std::future_status::ready;
  }
};

/// Calls `call(done)` and waits (10 s at most) for `done`'s one call, on
/// whatever thread: what it was given.
template <class T, class Call>
T answer_of(Call call) {
  auto answer = std::make_shared<std::promise<T>>();
  auto got = answer->get_future();
  call([answer](T r) { answer->set_value(std::move(r)); });
  if (got.wait_for(std::chrono::seconds{10}) != std::future_status::ready)
    throw std::runtime_error("no answer within 10 s");
  return got.get();
}

} // namespace lastgram::test
