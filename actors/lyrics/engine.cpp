#include "actors/lyrics/engine.hpp"

#include <map>

#include "caf/all.hpp"

#include "actors/logging/log.hpp"
#include "actors/lyrics/lrclib.hpp"
#include "platforms/net/http_client.hpp"

namespace lastgram::lyrics {

namespace {

using lyrics_reply_atom = caf::atom_constant<caf::atom("lyrreply")>;

/// The door plus the answers of the HTTP client, handed over as messages.
using impl_actor = lyrics_actor::extend<
  caf::reacts_to<lyrics_reply_atom, std::uint64_t, std::int32_t, std::int32_t, std::string>>;

enum class stage : std::uint8_t { get, search };

struct pending {
  caf::typed_response_promise<lyrics_result> promise;
  lyrics_query query;
  stage at = stage::get;
};

struct engine_state {
  lyrics_settings settings;
  std::shared_ptr<net::http_client> http;
  std::map<std::uint64_t, pending> calls;
  std::uint64_t next_id = 1;
  static inline const char* name = "lyrics";
};

using self_ptr = impl_actor::stateful_pointer<engine_state>;

void send_call(self_ptr self, std::uint64_t id) {
  auto& p = self->state.calls.at(id);
  auto& s = self->state.settings;
  net::http_call call;
  call.url = p.at == stage::get ? get_url(s.lrclib_url, p.query) : search_url(s.lrclib_url, p.query);
  call.timeout = std::chrono::milliseconds{s.timeout_ms};
  caf::weak_actor_ptr weak{self->ctrl()};
  self->state.http->request(std::move(call), [weak, id](net::http_result r) {
    // Runs on the client's thread: only hand the result over.
    if (auto strong = weak.lock())
      caf::anon_send(caf::actor_cast<caf::actor>(strong), lyrics_reply_atom::value, id,
                     static_cast<std::int32_t>(r.error), static_cast<std::int32_t>(r.status),
                     std::move(r.body));
  });
}

void finish(self_ptr self, std::uint64_t id, lyrics_result r) {
  auto i = self->state.calls.find(id);
  if (i == self->state.calls.end())
    return;
  i->second.promise.deliver(std::move(r));
  self->state.calls.erase(i);
}

void on_reply(self_ptr self, std::uint64_t id, std::int32_t error, std::int32_t status,
              const std::string& body) {
  auto i = self->state.calls.find(id);
  if (i == self->state.calls.end())
    return;
  auto& p = i->second;
  lyrics_result none;
  if (static_cast<net::http_errc>(error) != net::http_errc::ok || status >= 500) {
    log::warn("lyrics", "lrclib unavailable",
              {{"stage", p.at == stage::get ? "get" : "search"},
               {"error", net::to_string(static_cast<net::http_errc>(error))},
               log::kv("status", status)});
    none.status = lyrics_status::unavailable;
    return finish(self, id, std::move(none));
  }
  if (p.at == stage::get) {
    if (status == 200)
      if (auto r = parse_record(body))
        return finish(self, id, std::move(*r));
    // By id there is nothing else to try; by names the search may find it
    // (another album name or duration).
    if (p.query.id > 0)
      return finish(self, id, std::move(none));
    p.at = stage::search;
    return send_call(self, id);
  }
  if (status == 200)
    if (auto r = parse_search(body, p.query))
      return finish(self, id, std::move(*r));
  finish(self, id, std::move(none));
}

impl_actor::behavior_type engine(self_ptr self, lyrics_settings settings,
                                 std::shared_ptr<net::http_client> http) {
  self->state.settings = std::move(settings);
  self->state.http = std::move(http);
  return {
    [self](lyrics_query& q) -> caf::typed_response_promise<lyrics_result> {
      auto id = self->state.next_id++;
      auto promise = self->make_response_promise<lyrics_result>();
      self->state.calls.emplace(id, pending{promise, std::move(q), stage::get});
      send_call(self, id);
      return promise;
    },
    [self](lyrics_reply_atom, std::uint64_t id, std::int32_t error, std::int32_t status,
           const std::string& body) { on_reply(self, id, error, status, body); },
  };
}

} // namespace

lyrics_actor spawn_engine(caf::local_actor* parent, lyrics_settings settings,
                          std::shared_ptr<net::http_client> http) {
  return parent->spawn(engine, std::move(settings), std::move(http));
}

} // namespace lastgram::lyrics
