#include "actors/image/engine.hpp"

#include <algorithm>
#include <chrono>
#include <map>
#include <thread>

#include <malloc.h>

#include "caf/all.hpp"

#include "actors/image/covers.hpp"
#include "actors/image/vips_module.hpp"
#include "actors/logging/log.hpp"
#include "actors/logging/metrics.hpp"
#include "actors/support/exceptions.hpp"
#include "actors/support/thread_name.hpp"

namespace lastgram::image {

namespace {

constexpr const char* engine_name = "image";

using covers_atom = caf::atom_constant<caf::atom("imgcovers")>;
using render_atom = caf::atom_constant<caf::atom("imgrender")>;
using rendered_atom = caf::atom_constant<caf::atom("imgdone")>;

/// The door plus the covers of a collage and the render actors' answers.
using impl_actor = image_actor::extend<
  caf::reacts_to<covers_atom, std::uint64_t, std::vector<std::string>>,
  caf::reacts_to<rendered_atom, std::uint64_t, collage_image>>;

struct job {
  caf::typed_response_promise<collage_image> promise;
  collage_request request;
  std::vector<std::string> covers;
  bool covers_ready = false;
  bool rendering = false;
};

struct worker_slot {
  caf::actor hdl;
  /// The job it draws; 0 when idle.
  std::uint64_t job = 0;
};

struct engine_state {
  std::shared_ptr<const engine_options> opts;
  render_function render;
  std::shared_ptr<cover_fetcher> fetcher;
  /// Admitted collages by id (FIFO: ids grow).
  std::map<std::uint64_t, job> jobs;
  std::vector<worker_slot> workers;
  std::uint64_t next_id = 1;
  /// Collages admitted at once: drawing plus waiting.
  std::size_t limit = 1;
  static inline const char* name = engine_name;
};

using self_ptr = impl_actor::stateful_pointer<engine_state>;

void count_render(const char* outcome) {
  metrics::get_counter("lastgram_image_renders_total",
                       "Collages asked for, by outcome (ok, failed, busy).",
                       {{"outcome", outcome}})
    .inc();
}

collage_image failed_image() {
  collage_image out;
  out.status = image_status::failed;
  return out;
}

/// One render actor: draws on its own thread and answers the engine with a
/// message. A std::exception is a "failed" answer; anything else kills the
/// actor, and the engine answers "failed" and replaces it.
caf::behavior render_worker(caf::event_based_actor* self, render_function render,
                            caf::actor engine) {
  name_thread("lg.image");
  keep_exception_text(self);
  return {
    [self, render, engine](render_atom, std::uint64_t id, const collage_request& req,
                           const std::vector<std::string>& covers) {
      auto started = std::chrono::steady_clock::now();
      collage_image out;
      try {
        auto r = render(req, covers);
        out.status = image_status::ok;
        out.jpeg = std::move(r.jpeg);
        out.width = r.width;
        out.height = r.height;
        out.placeholders = r.placeholders;
      } catch (const std::exception& e) {
        log::warn(engine_name, "collage failed", {{"error", e.what()}});
        out = failed_image();
      }
      // A collage's tens of MB go back to the system rather than staying in
      // this thread's malloc arena: idle memory returns to where it was.
      malloc_trim(0);
      std::chrono::duration<double> took = std::chrono::steady_clock::now() - started;
      metrics::get_histogram("lastgram_image_render_seconds",
                             "Time one collage took to draw (covers at hand).", {},
                             metrics::default_latency_buckets())
        .observe(took.count());
      self->send(engine, rendered_atom::value, id, std::move(out));
    },
  };
}

caf::actor spawn_worker(self_ptr self) {
  return self->spawn<caf::detached + caf::linked>(render_worker, self->state.render,
                                                  caf::actor_cast<caf::actor>(self));
}

/// Gives idle render actors the oldest collages whose covers are in.
void dispatch(self_ptr self) {
  auto& st = self->state;
  for (auto& w : st.workers) {
    if (w.job != 0)
      continue;
    auto next = std::find_if(st.jobs.begin(), st.jobs.end(), [](const auto& kv) {
      return kv.second.covers_ready && !kv.second.rendering;
    });
    if (next == st.jobs.end())
      return;
    next->second.rendering = true;
    w.job = next->first;
    caf::anon_send(w.hdl, render_atom::value, next->first, next->second.request,
                   std::move(next->second.covers));
  }
}

void finish(self_ptr self, std::uint64_t id, collage_image img) {
  auto i = self->state.jobs.find(id);
  if (i == self->state.jobs.end())
    return;
  count_render(img.status == image_status::ok ? "ok" : "failed");
  i->second.promise.deliver(std::move(img));
  self->state.jobs.erase(i);
}

/// Asks the fetcher for the covers of job `id` at the sizes its tiles take.
void fetch_covers(self_ptr self, std::uint64_t id) {
  auto& req = self->state.jobs.at(id).request;
  auto places = layout_of(req);
  if (req.tiles.size() > places.size())
    req.tiles.resize(places.size());
  std::vector<std::string> urls;
  for (std::size_t i = 0; i < req.tiles.size(); ++i)
    urls.push_back(sized_cover_url(req.tiles[i].image_url, places[i].size));
  caf::weak_actor_ptr weak{self->ctrl()};
  self->state.fetcher->fetch(std::move(urls), [weak, id](std::vector<std::string> covers) {
    // Runs on the HTTP client's thread (or this one): only hand over.
    if (auto strong = weak.lock())
      caf::anon_send(caf::actor_cast<caf::actor>(strong), covers_atom::value, id,
                     std::move(covers));
  });
}

void on_exit(self_ptr self, caf::exit_msg& msg) {
  auto& st = self->state;
  auto w = std::find_if(st.workers.begin(), st.workers.end(),
                        [&](const worker_slot& s) { return s.hdl.address() == msg.source; });
  if (w == st.workers.end()) {
    // Our supervisor: stop, and the linked render actors with us.
    self->quit(std::move(msg.reason));
    return;
  }
  log::error(engine_name, "render actor died", {{"reason", caf::to_string(msg.reason)}});
  metrics::actor_restarted(engine_name);
  auto id = w->job;
  *w = worker_slot{spawn_worker(self), 0};
  if (id != 0)
    finish(self, id, failed_image());
  dispatch(self);
}

void start(self_ptr self, std::shared_ptr<const engine_options> opts) {
  auto& st = self->state;
  const auto& s = opts->settings;
  st.render = opts->render;
  if (!st.render) {
    render_options ro;
    ro.jpeg_quality = static_cast<int>(s.jpeg_quality);
    // libvips is loaded, and started, by the first collage (vips_module.hpp);
    // a module that cannot load fails that collage with its reason.
    vips_limits limits{s.vips_cache_mb, s.vips_threads};
    st.render = [ro, limits](const collage_request& req, const std::vector<std::string>& covers) {
      return vips_module(limits).render(req, covers, ro);
    };
  }
  auto cache = std::make_shared<cover_cache>(opts->cover_dir,
                                             static_cast<std::uint64_t>(s.cover_cache_mb) << 20);
  cover_fetcher::options fo;
  fo.concurrency = static_cast<std::size_t>(s.cover_concurrency);
  fo.timeout = std::chrono::milliseconds{s.cover_timeout_ms};
  st.fetcher = std::make_shared<cover_fetcher>(opts->http, std::move(cache), fo);
  auto slots = render_slots(s.render_slots);
  st.limit = static_cast<std::size_t>(slots) + static_cast<std::size_t>(s.queue);
  st.opts = std::move(opts);
  for (int i = 0; i < slots; ++i)
    st.workers.push_back(worker_slot{spawn_worker(self), 0});
  self->set_exit_handler([self](caf::exit_msg& msg) { on_exit(self, msg); });
}

impl_actor::behavior_type engine(self_ptr self, std::shared_ptr<const engine_options> opts) {
  start(self, std::move(opts));
  return {
    [self](collage_request& req) -> caf::typed_response_promise<collage_image> {
      auto rp = self->make_response_promise<collage_image>();
      auto& st = self->state;
      if (st.jobs.size() >= st.limit) {
        count_render("busy");
        collage_image busy;
        busy.status = image_status::busy;
        rp.deliver(std::move(busy));
        return rp;
      }
      if (req.tiles.empty()) {
        count_render("failed");
        rp.deliver(failed_image());
        return rp;
      }
      auto id = st.next_id++;
      st.jobs.emplace(id, job{rp, std::move(req), {}, false, false});
      fetch_covers(self, id);
      return rp;
    },
    [self](covers_atom, std::uint64_t id, std::vector<std::string>& covers) {
      auto i = self->state.jobs.find(id);
      if (i == self->state.jobs.end())
        return;
      i->second.covers = std::move(covers);
      i->second.covers_ready = true;
      dispatch(self);
    },
    [self](rendered_atom, std::uint64_t id, collage_image& img) {
      for (auto& w : self->state.workers)
        if (w.job == id)
          w.job = 0;
      finish(self, id, std::move(img));
      dispatch(self);
    },
  };
}

} // namespace

int render_slots(std::int64_t configured) {
  if (configured > 0)
    return static_cast<int>(configured);
  return static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
}

image_actor spawn_engine(caf::local_actor* parent, std::shared_ptr<const engine_options> opts) {
  return parent->spawn(engine, std::move(opts));
}

} // namespace lastgram::image

#if defined(__SANITIZE_ADDRESS__)
// LeakSanitizer's hook (in the node, which loads the libvips module late:
// LeakSanitizer reads it at start): fontconfig's font patterns that Pango caches (for
// libvips' text and for missing_glyphs) are never freed by design, and the
// frames inside fontconfig carry no symbols to suppress them more narrowly.
// Nothing of ours is hidden: the suppression names fontconfig's library only.
extern "C" const char* __lsan_default_suppressions() { return "leak:libfontconfig.so\n"; }
#endif
