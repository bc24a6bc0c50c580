#include "actors/server/engine.hpp"

#include <memory>
#include <stdexcept>

#include "caf/all.hpp"

#include "actors/logging/log.hpp"
#include "actors/server/http_server.hpp"
#include "actors/support/exceptions.hpp"
#include "messages/atoms.hpp"

namespace lastgram::server {

namespace {

struct server_state {
  std::unique_ptr<http_server> srv;
  static inline const char* name = "server_engine";
};

caf::behavior engine_impl(caf::stateful_actor<server_state>* self,
                          server_settings settings,
                          std::function<void(http_server&)> add_routes) {
  keep_exception_text(self);
  auto srv = std::make_unique<http_server>(settings);
  add_routes(*srv);
  if (auto ec = srv->start()) {
    auto where = settings.address + ":" + std::to_string(settings.port);
    log::error("server", "cannot listen", {{"address", where}, {"error", ec.message()}});
    self->quit(caf::make_error(caf::sec::runtime_error,
                               "cannot listen on " + where + ": " + ec.message()));
    return {};
  }
  log::info("server", "listening",
            {{"address", settings.address}, log::kv("port", static_cast<int>(srv->port()))});
  self->state.srv = std::move(srv);
  return {
    [self](stats_atom) {
      return std::string{"listening on port "}
             + std::to_string(self->state.srv->port());
    },
  };
}

} // namespace

caf::actor spawn_engine(caf::local_actor* parent, server_settings settings,
                        std::function<void(http_server&)> add_routes) {
  return parent->spawn(engine_impl, std::move(settings), std::move(add_routes));
}

} // namespace lastgram::server
