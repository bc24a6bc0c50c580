#include "platforms/net/detail/client_core.hpp"

#include "platforms/net/detail/exchange.hpp"
#include "platforms/net/detail/tls_context.hpp"

#include <openssl/ssl.h>

#include <cstdio>
#include <stdexcept>

namespace lastgram::net::detail {

namespace {

connection_pool::limits pool_limits(const http_client::options& opts) {
  connection_pool::limits lim;
  lim.per_host = opts.max_connections_per_host;
  lim.queued_per_host = opts.max_queued_per_host;
  return lim;
}

} // namespace

client_core::client_core(http_client::options opts)
  : options(std::move(opts)), pool(pool_limits(options)) {
  if (!options.ca_file.empty())
    tls();
}

asio::ssl::context& client_core::tls() {
  std::call_once(tls_once_, [this] { make_tls(); });
  return *tls_;
}

void client_core::make_tls() {
  configure_client_tls(tls_.emplace(asio::ssl::context::tls_client), options.ca_file,
                       options.verify_peer);
}

void configure_client_tls(asio::ssl::context& ctx, const std::string& ca_file, bool verify_peer) {
  ctx.set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_compression);
  SSL_CTX_set_min_proto_version(ctx.native_handle(), TLS1_2_VERSION);
  boost::system::error_code ec;
  ctx.set_default_verify_paths(ec);
  // A machine without a system store still works with an explicit ca_file, so
  // only a ca_file that fails to load is fatal.
  if (!ca_file.empty()) {
    ctx.load_verify_file(ca_file, ec);
    if (ec)
      throw std::invalid_argument("cannot load CA file " + ca_file + ": " + ec.message());
  }
  ctx.set_verify_mode(verify_peer ? asio::ssl::verify_peer : asio::ssl::verify_none);
}

std::uint64_t client_core::next_id() {
  std::lock_guard<std::mutex> guard(mutex_);
  return ++next_id_;
}

bool client_core::admit(const std::shared_ptr<exchange>& ex) {
  std::lock_guard<std::mutex> guard(mutex_);
  if (stopping_)
    return false;
  live_.emplace(ex->id(), ex);
  return true;
}

void client_core::retire(std::uint64_t id) {
  std::shared_ptr<exchange> last_ref;
  std::lock_guard<std::mutex> guard(mutex_);
  auto it = live_.find(id);
  if (it != live_.end()) {
    // Destroyed after the lock is released (declared before the guard).
    last_ref = std::move(it->second);
    live_.erase(it);
  }
}

std::vector<std::shared_ptr<exchange>> client_core::stop() {
  std::lock_guard<std::mutex> guard(mutex_);
  stopping_ = true;
  std::vector<std::shared_ptr<exchange>> out;
  out.reserve(live_.size());
  for (auto& [id, ex] : live_)
    out.push_back(ex);
  return out;
}

void client_core::report(const std::string& text) noexcept {
  if (options.on_error) {
    try {
      return options.on_error(text);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "lastgram: http client: on_error threw: %s\n", e.what());
    } catch (...) {
      std::fprintf(stderr, "lastgram: http client: on_error threw\n");
    }
  }
  // No reporter, or a broken one: the text must still go somewhere.
  std::fprintf(stderr, "lastgram: http client: %s\n", text.c_str());
}

} // namespace lastgram::net::detail
