#include "actors/cluster/diag_http.hpp"

#include <utility>

#include "caf/all.hpp"

#include "actors/logging/log.hpp"
#include "actors/server/http_server.hpp"
#include "messages/diag.hpp"
#include "platforms/json/diag_report.hpp"

namespace lastgram::cluster {

server::handler make_diag_handler(std::function<diag_actor()> diag,
                                  std::chrono::milliseconds timeout) {
  return [diag = std::move(diag), timeout](const server::http_request& req,
                                           server::responder reply) {
    if (!req.from_loopback) {
      log::warn("cluster", "diagnostics refused to a non-loopback client",
                {{"client", req.remote_address}});
      reply({403, "text/plain; charset=utf-8",
             "diagnostics are served to loopback clients only (use ssh -L)\n", {}});
      return;
    }
    auto hdl = diag();
    if (!hdl) {
      reply({503, "text/plain; charset=utf-8", "diagnostics not running\n", {}});
      return;
    }
    // A one-shot actor turns the reply into an HTTP answer, so the server's
    // thread never waits for the actor system.
    hdl.home_system().spawn([hdl, timeout, reply](caf::event_based_actor* self) {
      self->request(hdl, timeout, report_atom::value)
        .then(
          [self, reply](const diag_report& report) {
            reply({200, "application/json", json::to_json(report) + "\n", {}});
            self->quit();
          },
          [self, reply](const caf::error& err) {
            reply({503, "text/plain; charset=utf-8",
                   "diagnostics did not answer: " + self->system().render(err) + "\n", {}});
            self->quit();
          });
    });
  };
}

void add_diag_route(server::http_server& srv, std::function<diag_actor()> diag,
                    std::chrono::milliseconds timeout) {
  srv.route("GET", "/diag", make_diag_handler(std::move(diag), timeout));
}

} // namespace lastgram::cluster
