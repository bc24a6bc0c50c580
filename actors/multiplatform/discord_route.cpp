// The HTTP interactions endpoint: Discord POSTs each interaction, signed
// with the application's key, and takes the response body as the
// interaction's first answer.

#include <ctime>

#include "caf/all.hpp"

#include "actors/logging/log.hpp"
#include "actors/logging/metrics.hpp"
#include "actors/multiplatform/discord.hpp"
#include "actors/server/http_server.hpp"
#include "platforms/discord/interaction.hpp"
#include "platforms/discord/signature.hpp"

namespace lastgram::multiplatform {

namespace {

using namespace std::chrono_literals;

/// Longer than the actor's own deadline (it defers after ~2 s), so the
/// endpoint answers whatever the actor answers.
constexpr auto actor_deadline = 2800ms;

server::http_response text(unsigned status, std::string body) {
  return {status, "text/plain; charset=utf-8", std::move(body), {}};
}

server::http_response json(std::string body) {
  return {200, "application/json", std::move(body), {}};
}

} // namespace

void add_interactions_route(server::http_server& srv, const discord_settings& settings,
                            std::function<discord_actor()> discord) {
  auto rejected = [](std::string_view reason) {
    return metrics::get_counter("lastgram_discord_interactions_rejected_total",
                                "Interaction requests refused, by reason.", {{"reason", reason}});
  };
  srv.route(
    "POST", "/discord/interactions",
    [key = settings.public_key, max_age = settings.signature_max_age_seconds,
     discord = std::move(discord), unsigned_ = rejected("signature"), stale = rejected("stale"),
     malformed = rejected("malformed")](const server::http_request& req,
                                        server::responder reply) {
      auto check = discord::check_request(key, req.header(discord::signature_header),
                                          req.header(discord::timestamp_header), req.body,
                                          max_age, static_cast<std::int64_t>(std::time(nullptr)));
      if (check != discord::signature_check::ok) {
        (check == discord::signature_check::stale ? stale : unsigned_).inc();
        reply(text(401, "invalid request signature\n"));
        return;
      }
      auto parsed = discord::parse_interaction(req.body);
      if (!parsed) {
        malformed.inc();
        log::warn("discord", "interaction body is not an interaction", {{"error", parsed.error()}});
        reply(text(400, "bad interaction\n"));
        return;
      }
      if (parsed->type == discord::interaction_type::ping) {
        reply(json("{\"type\":1}"));
        return;
      }
      auto hdl = discord();
      if (!hdl) {
        reply(text(503, "not ready\n"));
        return;
      }
      // A one-shot actor turns the actor's answer into the HTTP response, so
      // the server's thread never waits for the actor system.
      hdl.home_system().spawn([hdl, body = req.body, reply](caf::event_based_actor* self) {
        self->request(hdl, actor_deadline, discord::interaction_atom::value, body)
          .then(
            [self, reply](const std::string& answer) {
              reply(json(answer));
              self->quit();
            },
            [self, reply](const caf::error&) {
              reply(text(503, "no answer\n"));
              self->quit();
            });
      });
    });
}

} // namespace lastgram::multiplatform
