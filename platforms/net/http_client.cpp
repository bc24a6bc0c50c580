#include "platforms/net/http_client.hpp"
#include "platforms/net/io_hooks.hpp"

#include "platforms/net/detail/client_core.hpp"
#include "platforms/net/detail/exchange.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/beast/core/string.hpp>

#include <algorithm>
#include <optional>
#include <thread>

#include <pthread.h>

namespace lastgram::net {

std::string to_string(http_errc e) {
  switch (e) {
    case http_errc::ok: return "ok";
    case http_errc::timeout: return "timeout";
    case http_errc::connect_failed: return "connect_failed";
    case http_errc::queue_full: return "queue_full";
    case http_errc::tls_failed: return "tls_failed";
    case http_errc::resolve_failed: return "resolve_failed";
    case http_errc::connection_reset: return "connection_reset";
    case http_errc::protocol: return "protocol";
    case http_errc::body_too_large: return "body_too_large";
    case http_errc::cancelled: return "cancelled";
    case http_errc::invalid_url: return "invalid_url";
    case http_errc::internal: return "internal";
  }
  return "unknown";
}

std::string http_result::header(std::string_view name) const {
  for (auto& [key, value] : headers)
    if (boost::beast::iequals(key, boost::beast::string_view(name.data(), name.size())))
      return value;
  return {};
}

struct http_client::impl {
  explicit impl(options opts) : core(std::move(opts)), work(core.ioc.get_executor()) {
  }

  bool on_own_thread() const {
    auto me = std::this_thread::get_id();
    return std::any_of(threads.begin(), threads.end(),
                       [me](const std::thread& t) { return t.get_id() == me; });
  }

  detail::client_core core;
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work;
  std::vector<std::thread> threads;
  std::mutex join_mutex;
};

http_client::http_client(options opts) : impl_(std::make_unique<impl>(std::move(opts))) {
  auto n = std::max(impl_->core.options.threads, 1);
  for (int i = 0; i < n; ++i)
    impl_->threads.emplace_back([this] {
      pthread_setname_np(pthread_self(), "lg.http-client");
      // Requests turn their own exceptions into results; this only keeps the
      // thread serving the others should something escape all the same.
      for (;;) {
        try {
          net::run_io(impl_->core.ioc);
          return;
        } catch (const std::exception& e) {
          impl_->core.report(std::string{"an exception escaped an I/O thread: "} + e.what());
        } catch (...) {
          impl_->core.report("a non-standard exception escaped an I/O thread");
        }
      }
    });
}

http_client::~http_client() {
  shutdown();
}

void http_client::request(http_call call, std::function<void(http_result)> done) {
  auto& core = impl_->core;
  auto ex = std::make_shared<detail::exchange>(core, core.next_id(), std::move(call), std::move(done));
  if (!core.admit(ex))
    return ex->reject(http_errc::cancelled, "the HTTP client shut down");
  ex->start();
}

boost::asio::io_context& http_client::loop() noexcept {
  return impl_->core.ioc;
}

void http_client::shutdown() {
  auto live = impl_->core.stop();
  impl_->core.pool.close();
  for (auto& ex : live)
    ex->cancel();
  live.clear();
  std::lock_guard<std::mutex> guard(impl_->join_mutex);
  // Without the guard, run() returns once the cancelled requests have drained.
  impl_->work.reset();
  if (impl_->on_own_thread())
    return;
  for (auto& t : impl_->threads)
    if (t.joinable())
      t.join();
}

} // namespace lastgram::net
